"""SQL composed in Python for the lint suite: f-strings, `+`, `%`, `.format()` and
psycopg's sql.SQL(...).format(...) (never imported). Locations are pinned: each
`at +N:C` is N lines below its expect line, column C."""

# ruff: noqa: UP031, UP032  (the formatting styles under test)

from psycopg import sql

BASE = "SELECT id, name FROM students s "


def fstring_value(cur, tenant):
    # case: py_fstring_value_restricts
    # expect: clean
    cur.execute(f"SELECT id FROM grades WHERE tenant_id = {tenant} AND score > %s", (50,))


def fstring_value_unrestricted(cur, student):
    # case: py_fstring_value_without_tenant
    # expect: RLS301 public.grades at +1:33
    cur.execute(f"SELECT * FROM grades WHERE student_id = '{student}'")


def fstring_table_name(cur, table):
    # case: py_fstring_table_name_not_analysable
    # expect: RLS303 app_composed.py at +1:33
    cur.execute(f"SELECT * FROM {table} WHERE id = %s", (1,))


def fstring_schema_name(cur, schema):
    # case: py_fstring_schema_of_table_not_analysable
    # expect: RLS303 app_composed.py at +1:31
    cur.execute(f"DELETE FROM {schema}.grades WHERE tenant_id = %s", (1,))


def fstring_clause(cur, order):
    # case: py_fstring_clause_does_not_parse
    # expect: RLS303 app_composed.py at +1:63
    cur.execute(f"SELECT * FROM students WHERE tenant_id = %s {order} LIMIT 5", (1,))


def fstring_condition(cur, condition):
    # case: py_fstring_condition_restricts_nothing
    # expect: RLS301 public.students at +1:33
    cur.execute(f"SELECT * FROM students WHERE {condition}")


def fstring_condition_and_tenant(cur, condition):
    # case: py_fstring_condition_besides_tenant
    # expect: clean
    cur.execute(f"SELECT * FROM students WHERE tenant_id = %s AND {condition}", (1,))


def fstring_implicit_concatenation(cur, tenant):
    # case: py_fstring_and_literal_concatenated
    # expect: RLS301 public.classes at +4:16
    cur.execute(
        "SELECT s.name, c.name "
        f"FROM students s "
        f"JOIN classes c ON c.id = s.class_id "
        f"WHERE s.tenant_id = {tenant}"
    )


def plus_concatenation(cur, email):
    # case: py_plus_concatenation_unrestricted
    # expect: RLS301 public.students at +1:37
    cur.execute("SELECT * FROM " + "students WHERE email = %s", (email,))


def plus_variable_value(cur, tenant):
    # case: py_plus_variable_value_restricts
    # expect: clean
    cur.execute(BASE + "WHERE s.tenant_id = " + str(tenant))


def plus_base_and_augmented(cur, status):
    # case: py_augmented_assignment_unrestricted
    # expect: RLS301 public.teachers at +1:25
    q = "SELECT id FROM teachers t "
    q += "WHERE t.name = %s"
    cur.execute(q, (status,))


def plus_base_and_augmented_tenant(cur, tenant):
    # case: py_augmented_assignment_restricted
    # expect: clean
    q = "SELECT id FROM teachers t "
    q += "WHERE t.tenant_id = %s"
    cur.execute(q, (tenant,))


def percent_value(cur, tenant):
    # case: py_percent_value_restricts
    # expect: clean
    cur.execute("SELECT * FROM grades WHERE tenant_id = '%s' AND score > 50" % tenant)


def percent_unrestricted(cur, grade_id):
    # case: py_percent_value_without_tenant
    # expect: RLS301 public.grades at +1:30
    cur.execute("DELETE FROM grades WHERE id = %d AND score < 0" % grade_id)


def percent_table(cur, table, tenant):
    # case: py_percent_table_name_not_analysable
    # expect: RLS303 app_composed.py at +1:32
    cur.execute("SELECT * FROM %s WHERE tenant_id = %s" % (table, tenant))


def str_format_unrestricted(cur, student):
    # case: py_str_format_value_without_tenant
    # expect: RLS301 public.enrollments at +1:32
    cur.execute("SELECT * FROM enrollments WHERE student_id = {}".format(student))


def psycopg_identifier_constant(cur, tenant):
    # case: py_psycopg_identifier_constant_unrestricted
    # expect: RLS301 public.grades at +1:40
    cur.execute(sql.SQL("SELECT * FROM {} WHERE id = %s").format(sql.Identifier("grades")), (1,))


def psycopg_identifier_qualified(cur):
    # case: py_psycopg_identifier_qualified_restricted
    # expect: clean
    query = sql.SQL("SELECT {col} FROM {tbl} WHERE tenant_id = {val}").format(
        col=sql.Identifier("amount"),
        tbl=sql.Identifier("billing", "invoices"),
        val=sql.Placeholder("tenant"),
    )
    cur.execute(query, {"tenant": 1})


def psycopg_identifier_variable(cur, table):
    # case: py_psycopg_identifier_variable_not_analysable
    # expect: RLS303 app_composed.py at +2:25
    cur.execute(
        sql.SQL("UPDATE {} SET status = %s WHERE id = %s").format(sql.Identifier(table)),
        ("done", 1),
    )


def psycopg_nested_sql(cur):
    # case: py_psycopg_nested_sql_unrestricted
    # expect: RLS301 public.attendance at +3:22
    cur.execute(
        sql.SQL("SELECT count(*) FROM {} {}").format(
            sql.SQL("attendance"), sql.SQL("WHERE day = current_date")
        )
    )


def insert_columns_from_python(cur, columns):
    # case: py_fstring_insert_column_list_not_analysable
    # expect: RLS303 app_composed.py at +1:39
    cur.execute(f"INSERT INTO grades ({columns}) VALUES (%s, %s, %s)", (1, 2, 3))


def suppressed_dynamic_table(cur, table):
    # case: py_fstring_table_name_suppressed
    # expect: RLS303 app_composed.py suppressed at +2:33
    # rls-audit: ignore[RLS303] lookup tables only, never a tenant table
    cur.execute(f"SELECT * FROM {table}")
