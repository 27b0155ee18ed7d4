"""Application code for the lint suite: SQL in string literals (never imported)."""

from psycopg import sql
from sqlalchemy import text

ACTIVE = "SELECT id, name FROM students WHERE tenant_id = %(tenant_id)s AND status = 'active'"


def list_active(cur, tenant_id):
    # case: py_module_constant_by_name
    # expect: clean
    cur.execute(ACTIVE, {"tenant_id": tenant_id})


def find_student(cur, email):
    # case: py_execute_literal_unrestricted
    # expect: RLS301 public.students
    cur.execute("SELECT * FROM students WHERE email = %s", (email,))


def report(cur):
    # case: py_implicit_concatenation_join_on_id
    # expect: RLS301 public.classes
    cur.execute(
        "SELECT s.name, c.name "
        "FROM students s "
        "JOIN classes c ON c.id = s.class_id "
        "WHERE s.tenant_id = %s",
        (1,),
    )


def grade_many(cur, rows):
    # case: py_executemany_insert_without_tenant
    # expect: RLS302 public.grades
    cur.executemany(
        "INSERT INTO grades (id, student_id, subject, score) VALUES (%s, %s, %s, %s)", rows
    )


def composed(cur, tenant_id):
    # case: py_psycopg_sql_restricted
    # expect: clean
    cur.execute(sql.SQL("SELECT * FROM notes WHERE tenant_id = {}").format(sql.Literal(tenant_id)))


def sqlalchemy_text(session, tenant_id):
    # case: py_sqlalchemy_text_triple_quoted
    # expect: RLS301 public.enrollments
    stmt = text(
        """
        SELECT e.year, count(*)
          FROM enrollments e
         GROUP BY e.year
        """
    )
    return session.execute(stmt)


def local_variable(cur, tenant_id):
    # case: py_local_variable_resolved
    # expect: RLS301 public.attendance
    q = "DELETE FROM attendance WHERE day < now() - interval '1 year'"
    cur.execute(q)


def suppressed(cur):
    # case: py_host_comment_suppression
    # expect: RLS301 public.grades suppressed
    cur.execute("SELECT avg(score) FROM grades")  # rls-audit: ignore[RLS301] platform KPI


def asyncpg_style(conn, tenant_id):
    # case: py_asyncpg_fetch_dollar_params
    # expect: clean
    return conn.fetch("SELECT * FROM grades WHERE tenant_id = $1 AND score > $2", tenant_id, 50)


def not_sql(logger):
    # case: py_other_calls_are_ignored
    # expect: clean
    logger.info("SELECT * FROM students")
