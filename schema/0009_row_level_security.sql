-- =============================================================================
-- 0009 Row-level security (SPEC-009 "Row-Level Security Implementation", hardened)
-- =============================================================================
-- Every table holding tenant data: ENABLE and FORCE row level security (FORCE
-- also binds the table owner unless it has BYPASSRLS), one permissive policy
-- per command, TO authenticated only (anon gets nothing), WITH CHECK on
-- INSERT and UPDATE. The predicate compares the tenant column with
-- (SELECT public.get_current_tenant_id()): the sub-select is evaluated once
-- per statement (an InitPlan), and get_current_tenant_id() is NULL without a
-- valid context, so no context means no rows.
-- Exceptions, matching the grants of 0013:
--   tenants                 SELECT and UPDATE of its own row (branding columns only)
--   platform_subscriptions  SELECT only (billing is written by the platform)
--   audit_logs              SELECT only (written by the audit trigger only)
--   users                   all four policies; INSERT is not granted (profiles
--                           are provisioned by service_role), the policy is
--                           defence in depth
--   system_config           RLS forced, no policy: not for the API roles
-- service_role bypasses RLS (BYPASSRLS), as on Supabase.
-- =============================================================================

ALTER TABLE public.system_config ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.system_config FORCE ROW LEVEL SECURITY;

-- platform_subscriptions
ALTER TABLE public.platform_subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.platform_subscriptions FORCE ROW LEVEL SECURITY;
CREATE POLICY platform_subscriptions_tenant_select ON public.platform_subscriptions
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));

-- tenants
ALTER TABLE public.tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenants_tenant_select ON public.tenants
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (id = (SELECT public.get_current_tenant_id()));
CREATE POLICY tenants_tenant_update ON public.tenants
  AS PERMISSIVE FOR UPDATE TO authenticated
  USING (id = (SELECT public.get_current_tenant_id()))
  WITH CHECK (id = (SELECT public.get_current_tenant_id()));

-- branches
ALTER TABLE public.branches ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.branches FORCE ROW LEVEL SECURITY;
CREATE POLICY branches_tenant_select ON public.branches
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY branches_tenant_insert ON public.branches
  AS PERMISSIVE FOR INSERT TO authenticated
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY branches_tenant_update ON public.branches
  AS PERMISSIVE FOR UPDATE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY branches_tenant_delete ON public.branches
  AS PERMISSIVE FOR DELETE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));

-- users
ALTER TABLE public.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_tenant_select ON public.users
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY users_tenant_insert ON public.users
  AS PERMISSIVE FOR INSERT TO authenticated
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY users_tenant_update ON public.users
  AS PERMISSIVE FOR UPDATE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY users_tenant_delete ON public.users
  AS PERMISSIVE FOR DELETE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));

-- user_roles
ALTER TABLE public.user_roles ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.user_roles FORCE ROW LEVEL SECURITY;
CREATE POLICY user_roles_tenant_select ON public.user_roles
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY user_roles_tenant_insert ON public.user_roles
  AS PERMISSIVE FOR INSERT TO authenticated
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY user_roles_tenant_update ON public.user_roles
  AS PERMISSIVE FOR UPDATE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY user_roles_tenant_delete ON public.user_roles
  AS PERMISSIVE FOR DELETE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));

-- academic_years
ALTER TABLE public.academic_years ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.academic_years FORCE ROW LEVEL SECURITY;
CREATE POLICY academic_years_tenant_select ON public.academic_years
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY academic_years_tenant_insert ON public.academic_years
  AS PERMISSIVE FOR INSERT TO authenticated
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY academic_years_tenant_update ON public.academic_years
  AS PERMISSIVE FOR UPDATE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY academic_years_tenant_delete ON public.academic_years
  AS PERMISSIVE FOR DELETE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));

-- subjects
ALTER TABLE public.subjects ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.subjects FORCE ROW LEVEL SECURITY;
CREATE POLICY subjects_tenant_select ON public.subjects
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY subjects_tenant_insert ON public.subjects
  AS PERMISSIVE FOR INSERT TO authenticated
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY subjects_tenant_update ON public.subjects
  AS PERMISSIVE FOR UPDATE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY subjects_tenant_delete ON public.subjects
  AS PERMISSIVE FOR DELETE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));

-- classes
ALTER TABLE public.classes ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.classes FORCE ROW LEVEL SECURITY;
CREATE POLICY classes_tenant_select ON public.classes
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY classes_tenant_insert ON public.classes
  AS PERMISSIVE FOR INSERT TO authenticated
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY classes_tenant_update ON public.classes
  AS PERMISSIVE FOR UPDATE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY classes_tenant_delete ON public.classes
  AS PERMISSIVE FOR DELETE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));

-- students
ALTER TABLE public.students ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.students FORCE ROW LEVEL SECURITY;
CREATE POLICY students_tenant_select ON public.students
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY students_tenant_insert ON public.students
  AS PERMISSIVE FOR INSERT TO authenticated
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY students_tenant_update ON public.students
  AS PERMISSIVE FOR UPDATE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY students_tenant_delete ON public.students
  AS PERMISSIVE FOR DELETE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));

-- guardians
ALTER TABLE public.guardians ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.guardians FORCE ROW LEVEL SECURITY;
CREATE POLICY guardians_tenant_select ON public.guardians
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY guardians_tenant_insert ON public.guardians
  AS PERMISSIVE FOR INSERT TO authenticated
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY guardians_tenant_update ON public.guardians
  AS PERMISSIVE FOR UPDATE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY guardians_tenant_delete ON public.guardians
  AS PERMISSIVE FOR DELETE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));

-- student_guardians
ALTER TABLE public.student_guardians ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.student_guardians FORCE ROW LEVEL SECURITY;
CREATE POLICY student_guardians_tenant_select ON public.student_guardians
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY student_guardians_tenant_insert ON public.student_guardians
  AS PERMISSIVE FOR INSERT TO authenticated
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY student_guardians_tenant_update ON public.student_guardians
  AS PERMISSIVE FOR UPDATE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY student_guardians_tenant_delete ON public.student_guardians
  AS PERMISSIVE FOR DELETE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));

-- enrollments
ALTER TABLE public.enrollments ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.enrollments FORCE ROW LEVEL SECURITY;
CREATE POLICY enrollments_tenant_select ON public.enrollments
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY enrollments_tenant_insert ON public.enrollments
  AS PERMISSIVE FOR INSERT TO authenticated
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY enrollments_tenant_update ON public.enrollments
  AS PERMISSIVE FOR UPDATE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY enrollments_tenant_delete ON public.enrollments
  AS PERMISSIVE FOR DELETE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));

-- attendance
ALTER TABLE public.attendance ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.attendance FORCE ROW LEVEL SECURITY;
CREATE POLICY attendance_tenant_select ON public.attendance
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY attendance_tenant_insert ON public.attendance
  AS PERMISSIVE FOR INSERT TO authenticated
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY attendance_tenant_update ON public.attendance
  AS PERMISSIVE FOR UPDATE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY attendance_tenant_delete ON public.attendance
  AS PERMISSIVE FOR DELETE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));

-- assessments
ALTER TABLE public.assessments ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.assessments FORCE ROW LEVEL SECURITY;
CREATE POLICY assessments_tenant_select ON public.assessments
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY assessments_tenant_insert ON public.assessments
  AS PERMISSIVE FOR INSERT TO authenticated
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY assessments_tenant_update ON public.assessments
  AS PERMISSIVE FOR UPDATE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY assessments_tenant_delete ON public.assessments
  AS PERMISSIVE FOR DELETE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));

-- grades
ALTER TABLE public.grades ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.grades FORCE ROW LEVEL SECURITY;
CREATE POLICY grades_tenant_select ON public.grades
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY grades_tenant_insert ON public.grades
  AS PERMISSIVE FOR INSERT TO authenticated
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY grades_tenant_update ON public.grades
  AS PERMISSIVE FOR UPDATE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));
CREATE POLICY grades_tenant_delete ON public.grades
  AS PERMISSIVE FOR DELETE TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));

-- audit_logs
ALTER TABLE public.audit_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.audit_logs FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_logs_tenant_select ON public.audit_logs
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()));
