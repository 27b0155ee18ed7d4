-- case: cte_restricted_and_chained
-- expect: clean
WITH recent AS (
  SELECT * FROM grades WHERE tenant_id = $1 AND score IS NOT NULL
)
SELECT s.name, r.score
  FROM recent r
  JOIN students s ON s.tenant_id = r.tenant_id AND s.id = r.student_id;

-- case: cte_unrestricted
-- expect: RLS301 public.grades
WITH recent AS (SELECT * FROM grades WHERE score > 90)
SELECT s.name FROM recent r JOIN students s ON s.id = r.student_id AND s.tenant_id = $1;

-- case: cte_chain_restriction_through_alias
-- expect: clean
WITH mine AS (SELECT id AS class_id, tenant_id AS tid FROM classes WHERE tenant_id = $1)
SELECT * FROM mine m JOIN students s ON s.tenant_id = m.tid AND s.class_id = m.class_id;

-- case: cte_referenced_twice
-- expect: clean
WITH t AS (SELECT * FROM enrollments WHERE tenant_id = $1)
SELECT * FROM t a JOIN t b ON b.class_id = a.class_id;

-- case: recursive_cte_second_branch_unrestricted
-- expect: RLS301 public.classes
WITH RECURSIVE tree AS (
  SELECT id, teacher_id FROM classes WHERE tenant_id = $1 AND teacher_id IS NULL
  UNION ALL
  SELECT c.id, c.teacher_id FROM classes c JOIN tree t ON c.teacher_id = t.id
)
SELECT * FROM tree;

-- case: exists_correlated_and_chained
-- expect: clean
SELECT * FROM students s
 WHERE s.tenant_id = $1
   AND EXISTS (SELECT 1 FROM grades g WHERE g.tenant_id = s.tenant_id AND g.student_id = s.id);

-- case: exists_correlated_on_id_only
-- expect: RLS301 public.grades
SELECT * FROM students s
 WHERE s.tenant_id = $1
   AND EXISTS (SELECT 1 FROM grades g WHERE g.student_id = s.id AND g.score < 50);

-- case: not_in_subquery_unrestricted
-- expect: RLS301 public.enrollments
SELECT * FROM students WHERE tenant_id = $1 AND id NOT IN (SELECT student_id FROM enrollments);

-- case: in_subquery_restricted
-- expect: clean
SELECT * FROM students
 WHERE tenant_id = $1 AND id IN (SELECT student_id FROM enrollments WHERE tenant_id = $1);

-- case: scalar_subquery_in_select_list
-- expect: RLS301 public.grades
SELECT s.name, (SELECT max(score) FROM grades g WHERE g.student_id = s.id) AS best
  FROM students s WHERE s.tenant_id = $1;

-- case: scalar_subquery_correlated_and_chained
-- expect: clean
SELECT s.name,
       (SELECT max(score) FROM grades g WHERE g.tenant_id = s.tenant_id AND g.student_id = s.id)
  FROM students s WHERE s.tenant_id = $1;

-- case: derived_table_restricted_exports_tenant
-- expect: clean
SELECT * FROM (SELECT * FROM classes WHERE tenant_id = $1) c
  JOIN students s ON s.tenant_id = c.tenant_id AND s.class_id = c.id;

-- case: derived_table_unrestricted
-- expect: RLS301 public.classes
SELECT * FROM (SELECT id, name FROM classes) c
  JOIN students s ON s.class_id = c.id WHERE s.tenant_id = $1;

-- case: union_one_branch_unrestricted
-- expect: RLS301 public.teachers
SELECT id, name FROM students WHERE tenant_id = $1
UNION ALL
SELECT id, name FROM teachers;

-- case: union_every_branch_restricted
-- expect: clean
SELECT id, name FROM students WHERE tenant_id = $1
UNION
SELECT id, name FROM teachers WHERE tenant_id = $1
INTERSECT
SELECT id, name FROM honour_students WHERE tenant_id = $1;

-- case: union_in_derived_table_exports_tenant
-- expect: clean
SELECT * FROM (
  SELECT tenant_id, id FROM students WHERE tenant_id = $1
  UNION ALL
  SELECT tenant_id, id FROM teachers WHERE tenant_id = $1
) p JOIN notes n ON n.tenant_id = p.tenant_id AND n.id = p.id;

-- case: lateral_chained_to_outer
-- expect: clean
SELECT s.name, g.score
  FROM students s
  CROSS JOIN LATERAL (
    SELECT score FROM grades WHERE grades.tenant_id = s.tenant_id AND grades.student_id = s.id
    ORDER BY score DESC LIMIT 1
  ) g
 WHERE s.tenant_id = $1;

-- case: lateral_on_id_only
-- expect: RLS301 public.grades
SELECT s.name, g.score
  FROM students s
  LEFT JOIN LATERAL (SELECT score FROM grades WHERE grades.student_id = s.id LIMIT 1) g ON true
 WHERE s.tenant_id = $1;

-- case: nested_subquery_three_levels
-- expect: RLS301 public.enrollments
SELECT * FROM students s WHERE s.tenant_id = $1 AND s.class_id IN (
  SELECT c.id FROM classes c WHERE c.tenant_id = s.tenant_id AND EXISTS (
    SELECT 1 FROM enrollments e WHERE e.class_id = c.id));
