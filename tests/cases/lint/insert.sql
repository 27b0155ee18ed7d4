-- case: insert_sets_tenant
-- expect: clean
INSERT INTO grades (id, tenant_id, student_id, subject, score) VALUES ($1, $2, $3, $4, $5);

-- case: insert_without_tenant_column
-- expect: RLS302 public.grades
INSERT INTO grades (id, student_id, subject, score) VALUES ($1, $2, $3, $4);

-- case: insert_multi_row_sets_tenant
-- expect: clean
INSERT INTO attendance (tenant_id, student_id, day, present)
VALUES ($1, $2, current_date, true), ($1, $3, current_date, false);

-- case: insert_tenant_null
-- expect: RLS302 public.notes
INSERT INTO notes (id, body, tenant_id) VALUES ($1, $2, NULL);

-- case: insert_tenant_default_keyword
-- expect: RLS302 public.notes
INSERT INTO notes (id, tenant_id, body) VALUES ($1, DEFAULT, $2);

-- case: insert_positional_all_columns
-- expect: clean
INSERT INTO enrollments VALUES ($1, $2, $3, 2025);

-- case: insert_positional_too_short
-- expect: RLS302 public.grades
INSERT INTO grades VALUES ($1);

-- case: insert_into_table_with_context_default
-- expect: clean
INSERT INTO messages (id, body) VALUES ($1, $2);

-- case: insert_select_restricted
-- expect: clean
INSERT INTO grades_archive (id, tenant_id, student_id, subject, score)
SELECT id, tenant_id, student_id, subject, score FROM grades WHERE tenant_id = $1;

-- case: insert_select_unrestricted_source
-- expect: RLS301 public.grades
INSERT INTO grades_archive (id, tenant_id, student_id, subject, score)
SELECT id, tenant_id, student_id, subject, score FROM grades WHERE score IS NULL;

-- case: insert_select_without_tenant_column
-- expect: RLS302 public.grades_archive
INSERT INTO grades_archive (id, student_id, subject)
SELECT id, student_id, subject FROM grades WHERE tenant_id = $1;

-- case: insert_on_conflict_update
-- expect: clean
INSERT INTO enrollments (tenant_id, student_id, class_id, year) VALUES ($1, $2, $3, $4)
ON CONFLICT (tenant_id, student_id, class_id) DO UPDATE SET year = EXCLUDED.year;

-- case: insert_partition_without_tenant
-- expect: RLS302 public.attendance_big_school
INSERT INTO attendance_big_school (student_id, day, present) VALUES ($1, $2, true);

-- case: insert_value_from_unrestricted_subquery
-- expect: RLS301 public.classes
INSERT INTO students (id, tenant_id, class_id, name)
VALUES ($1, $2, (SELECT id FROM classes WHERE name = $3), $4);

-- case: insert_non_tenant_table
-- expect: clean
INSERT INTO countries (code, name) VALUES ('NL', 'Netherlands');
