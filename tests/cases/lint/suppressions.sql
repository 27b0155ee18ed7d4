-- case: suppressed_with_reason
-- expect: RLS301 public.grades suppressed
-- rls-audit: ignore[RLS301] platform-wide report, run as service_role only
SELECT subject, avg(score) FROM grades GROUP BY subject;

-- case: suppressed_by_rule_name
-- expect: RLS301 public.grades suppressed
SELECT count(*) FROM grades; -- rls-audit: ignore[missing-tenant-predicate] nightly metrics

-- case: suppression_inside_statement
-- expect: RLS301 public.grades suppressed
SELECT count(*)
  FROM grades /* rls-audit: ignore[RLS301] vacuum statistics job */;

-- case: suppression_without_reason_does_not_apply
-- expect: RLS301 public.grades
-- expect: RLS304 suppressions.sql
-- rls-audit: ignore[RLS301]
SELECT max(score) FROM grades;

-- case: suppression_of_unknown_rule
-- expect: RLS301 public.grades
-- expect: RLS304 suppressions.sql
-- rls-audit: ignore[RLS999] typo in the rule
SELECT min(score) FROM grades;

-- case: unused_suppression
-- expect: RLS304 suppressions.sql
-- rls-audit: ignore[RLS301] the query was fixed since
SELECT min(score) FROM grades WHERE tenant_id = $1;

-- case: suppression_of_other_rule_leaves_finding
-- expect: RLS301 public.grades
-- expect: RLS304 suppressions.sql
-- rls-audit: ignore[RLS302] wrong rule named
SELECT sum(score) FROM grades;

-- case: malformed_suppression
-- expect: RLS304 suppressions.sql
-- rls-audit: ignore RLS301 forgot the brackets
SELECT 1;

-- case: suppression_covers_only_its_statement
-- expect: RLS301 public.students suppressed
-- expect: RLS301 public.teachers
-- rls-audit: ignore[RLS301] export job for the platform
SELECT * FROM students;
SELECT * FROM teachers;

-- case: suppress_two_rules_at_once
-- expect: RLS301 public.grades suppressed
-- expect: RLS302 public.grades_archive suppressed
-- rls-audit: ignore[RLS301, RLS302] one-off migration copying legacy rows
INSERT INTO grades_archive (id, student_id) SELECT id, student_id FROM grades;
