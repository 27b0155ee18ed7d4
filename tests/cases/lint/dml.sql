-- case: update_restricted
-- expect: clean
UPDATE students SET status = $3 WHERE tenant_id = $1 AND id = $2;

-- case: update_by_id_only
-- expect: RLS301 public.students
UPDATE students SET status = 'inactive' WHERE id = $1;

-- case: update_everything
-- expect: RLS301 public.grades
UPDATE grades SET score = score * 1.1;

-- case: update_from_both_restricted
-- expect: clean
UPDATE students s SET class_id = c.id
  FROM classes c
 WHERE s.tenant_id = $1 AND c.tenant_id = s.tenant_id AND c.name = $2 AND s.id = $3;

-- case: update_from_joined_table_unrestricted
-- expect: RLS301 public.classes
UPDATE students s SET class_id = c.id
  FROM classes c
 WHERE s.tenant_id = $1 AND c.name = $2 AND s.id = $3;

-- case: update_from_with_join_list
-- expect: RLS301 public.teachers
UPDATE students s SET status = 'taught'
  FROM classes c JOIN teachers t ON t.id = c.teacher_id
 WHERE s.tenant_id = $1 AND c.tenant_id = $1 AND c.id = s.class_id;

-- case: update_set_subquery_unrestricted
-- expect: RLS301 public.grades
UPDATE students SET status = (SELECT CASE WHEN avg(score) > 50 THEN 'pass' ELSE 'fail' END
                                FROM grades WHERE student_id = students.id)
 WHERE tenant_id = $1;

-- case: update_returning_restricted
-- expect: clean
UPDATE notes SET body = $3 WHERE tenant_id = $1 AND id = $2 RETURNING id, body;

-- case: delete_restricted
-- expect: clean
DELETE FROM grades WHERE tenant_id = $1 AND student_id = $2;

-- case: delete_without_where
-- expect: RLS301 public.attendance
DELETE FROM attendance;

-- case: delete_using_restricted
-- expect: clean
DELETE FROM enrollments e USING students s
 WHERE e.tenant_id = $1 AND s.tenant_id = e.tenant_id AND s.id = e.student_id AND s.status = 'gone';

-- case: delete_using_unrestricted
-- expect: RLS301 public.students
DELETE FROM enrollments e USING students s
 WHERE e.tenant_id = $1 AND s.id = e.student_id AND s.status = 'gone';

-- case: delete_where_subquery_unrestricted
-- expect: RLS301 public.students
DELETE FROM grades WHERE tenant_id = $1 AND student_id IN (SELECT id FROM students WHERE status = 'gone');

-- case: data_modifying_cte_unrestricted
-- expect: RLS301 public.notes
WITH gone AS (DELETE FROM notes WHERE body = '' RETURNING id)
SELECT count(*) FROM gone;

-- case: data_modifying_cte_restricted
-- expect: clean
WITH moved AS (
  DELETE FROM grades WHERE tenant_id = $1 AND score IS NULL RETURNING *
)
INSERT INTO grades_archive (id, tenant_id, student_id, subject, score)
SELECT id, tenant_id, student_id, subject, score FROM moved;

-- case: merge_restricted_matched_only
-- expect: clean
MERGE INTO grades g
USING (SELECT * FROM grades_archive WHERE tenant_id = $1) a
   ON g.tenant_id = a.tenant_id AND g.id = a.id
 WHEN MATCHED THEN UPDATE SET score = a.score;

-- case: merge_target_on_id_only
-- expect: RLS301 public.grades
MERGE INTO grades g
USING (SELECT * FROM grades_archive WHERE tenant_id = $1) a ON g.id = a.id
 WHEN MATCHED THEN DELETE;

-- case: merge_insert_sets_tenant
-- expect: clean
MERGE INTO grades g
USING (SELECT * FROM grades_archive WHERE tenant_id = $1) a
   ON g.tenant_id = a.tenant_id AND g.id = a.id
 WHEN MATCHED THEN UPDATE SET score = a.score
 WHEN NOT MATCHED THEN INSERT (id, tenant_id, student_id, subject, score)
      VALUES (a.id, a.tenant_id, a.student_id, a.subject, a.score);

-- case: merge_source_table_kept_whole_by_not_matched
-- expect: RLS301 public.grades_archive
MERGE INTO grades g USING grades_archive a
   ON g.tenant_id = a.tenant_id AND g.id = a.id AND a.tenant_id = $1
 WHEN NOT MATCHED THEN INSERT (id, tenant_id, student_id, subject, score)
      VALUES (a.id, a.tenant_id, a.student_id, a.subject, a.score);

-- case: merge_insert_without_tenant
-- expect: RLS302 public.grades
MERGE INTO grades g
USING (SELECT * FROM grades_archive WHERE tenant_id = $1) a
   ON g.tenant_id = a.tenant_id AND g.id = a.id
 WHEN NOT MATCHED THEN INSERT (id, student_id, subject) VALUES (a.id, a.student_id, a.subject);

-- case: truncate_tenant_tables
-- expect: RLS301 public.grades
-- expect: RLS301 public.notes
TRUNCATE TABLE grades, public.notes, countries CASCADE;
