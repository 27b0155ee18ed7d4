-- case: join_chain_of_tenant_equalities
-- expect: clean
SELECT s.name, c.name
  FROM students s
  JOIN classes c ON c.tenant_id = s.tenant_id AND c.id = s.class_id
 WHERE s.tenant_id = $1;

-- case: join_on_id_alone
-- expect: RLS301 public.classes
SELECT s.name, c.name
  FROM students s
  JOIN classes c ON c.id = s.class_id
 WHERE s.tenant_id = $1;

-- case: join_three_tables_chained
-- expect: clean
SELECT * FROM students s
  JOIN enrollments e ON e.tenant_id = s.tenant_id AND e.student_id = s.id
  JOIN classes c ON c.tenant_id = e.tenant_id AND c.id = e.class_id
 WHERE s.tenant_id = :tenant_id;

-- case: join_three_tables_one_missing
-- expect: RLS301 public.classes
SELECT * FROM students s
  JOIN enrollments e ON e.tenant_id = s.tenant_id AND e.student_id = s.id
  JOIN classes c ON c.id = e.class_id
 WHERE s.tenant_id = :tenant_id;

-- case: join_each_restricted_by_value
-- expect: clean
SELECT * FROM students s, classes c
 WHERE s.tenant_id = $1 AND c.tenant_id = $1 AND c.id = s.class_id;

-- case: comma_join_one_unrestricted
-- expect: RLS301 public.classes
SELECT * FROM students s, classes c WHERE s.tenant_id = $1 AND c.id = s.class_id;

-- case: join_no_predicate_at_all
-- expect: RLS301 public.students
-- expect: RLS301 public.classes
SELECT * FROM students s JOIN classes c ON c.id = s.class_id;

-- case: left_join_restricted_in_on
-- expect: clean
SELECT * FROM students s
  LEFT JOIN grades g ON g.tenant_id = s.tenant_id AND g.student_id = s.id
 WHERE s.tenant_id = $1;

-- case: left_join_preserved_side_not_restricted_by_on
-- expect: RLS301 public.students
SELECT * FROM students s
  LEFT JOIN grades g ON g.tenant_id = $1 AND s.tenant_id = $1 AND g.student_id = s.id;

-- case: left_join_nullable_side_on_id_only
-- expect: RLS301 public.grades
SELECT * FROM students s LEFT JOIN grades g ON g.student_id = s.id WHERE s.tenant_id = $1;

-- case: right_join_preserved_right_side
-- expect: RLS301 public.grades
SELECT * FROM students s
  RIGHT JOIN grades g ON g.tenant_id = s.tenant_id AND g.student_id = s.id AND s.tenant_id = $1;

-- case: right_join_where_restricts_both
-- expect: clean
SELECT * FROM students s
  RIGHT JOIN grades g ON g.tenant_id = s.tenant_id AND g.student_id = s.id
 WHERE g.tenant_id = $1;

-- case: full_join_on_restricts_neither
-- expect: RLS301 public.students
-- expect: RLS301 public.grades
SELECT * FROM students s FULL JOIN grades g ON g.tenant_id = $1 AND s.tenant_id = $1;

-- case: join_using_tenant_column
-- expect: clean
SELECT * FROM students JOIN enrollments USING (tenant_id) WHERE students.tenant_id = $1;

-- case: self_join_one_alias_unrestricted
-- expect: RLS301 public.students
SELECT a.name, b.name FROM students a JOIN students b ON b.class_id = a.class_id
 WHERE a.tenant_id = $1;

-- case: self_join_both_restricted
-- expect: clean
SELECT a.name, b.name FROM students a
  JOIN students b ON b.tenant_id = a.tenant_id AND b.class_id = a.class_id
 WHERE a.tenant_id = $1;

-- case: join_through_non_tenant_table
-- expect: RLS301 public.students
SELECT s.* FROM students s JOIN tenants t ON t.id = s.tenant_id WHERE t.slug = $1;

-- case: join_with_non_tenant_lookup
-- expect: clean
SELECT i.id, c.name FROM billing.invoices i JOIN countries c ON c.code = 'NL'
 WHERE i.tenant_id = $1;
