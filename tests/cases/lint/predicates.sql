-- case: or_without_tenant_in_one_branch
-- expect: RLS301 public.students
SELECT * FROM students WHERE tenant_id = $1 OR status = 'demo';

-- case: and_or_precedence_bug
-- expect: RLS301 public.students
SELECT * FROM students WHERE tenant_id = $1 AND status = 'active' OR status = 'demo';

-- case: or_inside_parentheses
-- expect: clean
SELECT * FROM students WHERE tenant_id = $1 AND (status = 'active' OR status = 'demo');

-- case: or_with_tenant_in_every_branch
-- expect: clean
SELECT * FROM students
 WHERE (tenant_id = $1 AND status = 'active')
    OR (tenant_id = $1 AND email IS NULL);

-- case: or_of_two_tenants
-- expect: RLS301 public.students
SELECT * FROM students WHERE tenant_id = $1 OR tenant_id = $2;

-- case: or_branches_through_a_join_chain
-- expect: clean
SELECT s.* FROM students s JOIN classes c ON c.tenant_id = s.tenant_id AND c.id = s.class_id
 WHERE (c.tenant_id = $1 AND c.name = 'A') OR (s.tenant_id = $1 AND s.status = 'new');

-- case: tautology_self_equality
-- expect: RLS301 public.students
SELECT * FROM students WHERE tenant_id = tenant_id;

-- case: tautology_is_not_null
-- expect: RLS301 public.students
SELECT * FROM students WHERE tenant_id IS NOT NULL;

-- case: tautology_optional_filter
-- expect: RLS301 public.students
SELECT * FROM students WHERE tenant_id = coalesce($1, tenant_id);

-- case: not_equal_is_no_restriction
-- expect: RLS301 public.students
SELECT * FROM students WHERE tenant_id <> $1;

-- case: restriction_in_having_only
-- expect: RLS301 public.grades
SELECT tenant_id, avg(score) FROM grades GROUP BY tenant_id HAVING tenant_id = $1;

-- case: not_or_branch_still_restricted
-- expect: clean
SELECT * FROM grades WHERE tenant_id = $1 AND NOT (score < 10 OR score > 90);
