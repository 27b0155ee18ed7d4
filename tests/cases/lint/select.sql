-- case: select_restricted_by_parameter
-- expect: clean
SELECT id, name FROM students WHERE tenant_id = $1 AND status = 'active';

-- case: select_without_tenant_predicate
-- expect: RLS301 public.students
SELECT id, name FROM students WHERE status = 'active';

-- case: select_by_primary_key_only
-- expect: RLS301 public.students
SELECT * FROM students WHERE id = $1;

-- case: select_restricted_by_literal
-- expect: clean
SELECT count(*) FROM grades WHERE tenant_id = '8d1e4bfa-9d7e-4a8e-9a51-3c1f6e0f1a11';

-- case: select_restricted_by_context_guc
-- expect: clean
SELECT * FROM grades WHERE tenant_id = current_setting('app.current_tenant_id')::uuid;

-- case: select_restricted_by_context_function
-- expect: clean
SELECT * FROM grades g WHERE g.tenant_id = (SELECT public.get_current_tenant_id());

-- case: select_value_on_the_left
-- expect: clean
SELECT * FROM grades WHERE $1 = tenant_id;

-- case: select_is_not_distinct_from
-- expect: clean
SELECT * FROM grades WHERE tenant_id IS NOT DISTINCT FROM $1;

-- case: select_in_single_value
-- expect: clean
SELECT * FROM grades WHERE tenant_id IN ($1) AND score > 50;

-- case: select_in_list_of_tenants
-- expect: RLS301 public.grades
SELECT * FROM grades WHERE tenant_id IN ($1, $2);

-- case: select_any_array_of_tenants
-- expect: RLS301 public.grades
SELECT * FROM grades WHERE tenant_id = ANY($1::uuid[]);

-- case: select_in_subquery_of_tenants
-- expect: RLS301 public.grades
SELECT * FROM grades WHERE tenant_id IN (SELECT id FROM tenants WHERE slug LIKE 'demo%');

-- case: select_tuple_equality
-- expect: clean
SELECT * FROM students WHERE (tenant_id, id) = ($1, $2);

-- case: select_cast_tenant_column
-- expect: clean
SELECT * FROM students WHERE tenant_id::text = $1;

-- case: select_non_tenant_tables
-- expect: clean
SELECT c.code, p.name FROM countries c CROSS JOIN plans p WHERE p.price > 0;

-- case: select_tenants_table_itself
-- expect: clean
SELECT id, name FROM tenants WHERE slug = $1;

-- case: select_dropped_tenant_column_table
-- expect: clean
SELECT * FROM legacy_log ORDER BY id DESC LIMIT 10;

-- case: select_scalar_subquery_tenant_from_user
-- expect: RLS301 public.teachers
SELECT * FROM classes
 WHERE tenant_id = (SELECT tenant_id FROM teachers WHERE id = $1);

-- case: select_count_all_tenants
-- expect: RLS301 public.enrollments
SELECT year, count(*) FROM enrollments GROUP BY year;

-- case: select_order_limit_restricted
-- expect: clean
SELECT * FROM enrollments WHERE tenant_id = $1 ORDER BY year DESC LIMIT 20 OFFSET 40;

-- case: select_for_update_restricted
-- expect: clean
SELECT * FROM students WHERE tenant_id = $1 AND id = $2 FOR UPDATE;

-- case: table_statement
-- expect: RLS301 public.grades
TABLE grades;

-- case: explain_analyze_unrestricted
-- expect: RLS301 public.students
EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM students WHERE name = $1;

-- case: copy_table_out
-- expect: RLS301 public.grades
COPY grades TO STDOUT WITH (FORMAT csv);

-- case: copy_restricted_query_out
-- expect: clean
COPY (SELECT * FROM grades WHERE tenant_id = $1) TO STDOUT;

-- case: ddl_and_settings_are_skipped
-- expect: clean
CREATE INDEX grades_tenant_idx ON grades (tenant_id, student_id);
GRANT SELECT ON grades TO authenticated;
SET statement_timeout = '5s';
