-- case: schema_qualified_restricted
-- expect: clean
SELECT * FROM billing.invoices WHERE tenant_id = $1;

-- case: schema_qualified_unrestricted
-- expect: RLS301 billing.invoices
SELECT sum(amount) FROM billing.invoices WHERE status = 'open';

-- case: unqualified_name_not_on_search_path
-- expect: clean
SELECT * FROM invoices;

-- case: public_qualified_and_quoted
-- expect: RLS301 public.students
SELECT * FROM "public"."students" WHERE "name" = $1;

-- case: quoted_mixed_case_table_restricted
-- expect: clean
SELECT "Action" FROM "AuditTrail" WHERE tenant_id = $1;

-- case: quoted_mixed_case_table_unrestricted
-- expect: RLS301 public.AuditTrail
SELECT "Action" FROM "AuditTrail" a WHERE a."Id" > 100;

-- case: unquoted_mixed_case_is_folded
-- expect: RLS301 public.students
SELECT * FROM Students WHERE Status = 'x';

-- case: unquoted_mixed_case_restricted
-- expect: clean
SELECT * FROM STUDENTS S WHERE S.TENANT_ID = $1;

-- case: quoted_wrong_case_is_another_table
-- expect: clean
SELECT * FROM "Students";

-- case: comments_inside_statement
-- expect: RLS301 public.classes
SELECT /* all classes */ c.name -- of the tenant?
  FROM classes c -- no: nothing restricts c
 WHERE c.name LIKE 'A%'; /* trailing comment */

-- case: comment_hides_predicate
-- expect: RLS301 public.classes
SELECT * FROM classes -- WHERE tenant_id = $1
;

-- case: param_dollar
-- expect: clean
SELECT * FROM notes WHERE tenant_id = $1;

-- case: param_percent_s
-- expect: clean
SELECT * FROM notes WHERE tenant_id = %s AND id = %s;

-- case: param_pyformat_named
-- expect: clean
SELECT * FROM notes WHERE tenant_id = %(tenant_id)s;

-- case: param_colon_named
-- expect: clean
SELECT * FROM notes WHERE tenant_id = :tenant_id;

-- case: param_question_mark
-- expect: clean
SELECT * FROM notes WHERE tenant_id = ?;

-- case: positional_percent_s_twice_in_or
-- expect: RLS301 public.notes
SELECT * FROM notes WHERE tenant_id = %s OR tenant_id = %s;

-- case: named_params_same_in_both_or_branches
-- expect: clean
SELECT * FROM notes WHERE (tenant_id = :t AND body = '') OR (tenant_id = :t AND id = :id);

-- case: table_added_tenant_by_alter
-- expect: RLS301 public.notes
SELECT * FROM notes WHERE id = $1;

-- case: partition_parent
-- expect: RLS301 public.attendance
SELECT * FROM attendance WHERE day = current_date;

-- case: partition_child
-- expect: RLS301 public.attendance_big_school
SELECT count(*) FROM attendance_big_school;

-- case: table_created_like
-- expect: RLS301 public.grades_archive
SELECT * FROM grades_archive WHERE subject = 'math';

-- case: table_inherits
-- expect: RLS301 public.honour_students
SELECT * FROM honour_students;

-- case: foreign_table
-- expect: RLS301 public.remote_scores
SELECT * FROM remote_scores WHERE score > 10;

-- case: materialized_view_unrestricted
-- expect: RLS301 public.class_sizes
SELECT * FROM class_sizes ORDER BY size DESC;

-- case: materialized_view_restricted
-- expect: clean
SELECT * FROM class_sizes WHERE tenant_id = $1;

-- case: cte_shadowing_tenant_table_name
-- expect: clean
WITH students AS (SELECT 1 AS id) SELECT * FROM students;
