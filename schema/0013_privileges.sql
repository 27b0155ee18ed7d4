-- =============================================================================
-- 0013 Privileges
-- =============================================================================
-- Explicit grants for every object, independent of whatever default
-- privileges the target had (Supabase grants ALL to anon, authenticated and
-- service_role by default; 0001 already narrowed the defaults for the future).
--   anon           nothing in public but USAGE on the schema.
--   authenticated  SELECT/INSERT/UPDATE/DELETE on tenant tables, filtered by
--                  RLS; never TRUNCATE (it ignores RLS), REFERENCES, TRIGGER
--                  or MAINTAIN; no sequences; EXECUTE on five functions.
--   service_role   the platform backend (BYPASSRLS): tables and platform
--                  functions; audit_logs read-only.
-- =============================================================================

-- Tables ---------------------------------------------------------------------
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC, anon;
REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM authenticated;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC, anon, authenticated;

DO $pg17$
BEGIN
  IF pg_catalog.current_setting('server_version_num')::int >= 170000 THEN
    EXECUTE 'REVOKE MAINTAIN ON ALL TABLES IN SCHEMA public FROM PUBLIC, anon, authenticated';
  END IF;
END
$pg17$;

-- Tenant tables with full (RLS-filtered) DML for the tenant's users.
GRANT SELECT, INSERT, UPDATE, DELETE ON
  public.branches,
  public.user_roles,
  public.academic_years,
  public.subjects,
  public.classes,
  public.students,
  public.guardians,
  public.student_guardians,
  public.enrollments,
  public.attendance,
  public.assessments,
  public.grades
TO authenticated;

-- users: profiles are provisioned by the platform; a tenant may read, edit
-- the profile columns and delete, but not insert, re-key or move a user.
REVOKE INSERT, UPDATE ON public.users FROM authenticated;
GRANT SELECT, DELETE ON public.users TO authenticated;
GRANT UPDATE (
  branch_id, first_name, last_name, middle_name, display_name, email, phone,
  alternate_phone, emergency_contact, employee_id, student_id, avatar_url,
  date_of_birth, gender, address, role, status, permissions, preferences,
  email_verified_at, phone_verified_at, last_login_at, password_changed_at,
  deleted_at
) ON public.users TO authenticated;

-- tenants: read its own row, edit its branding and contact columns only.
REVOKE ALL ON public.tenants FROM authenticated;
GRANT SELECT ON public.tenants TO authenticated;
GRANT UPDATE (
  name, logo_url, primary_color, secondary_color, contact_email, contact_phone, address
) ON public.tenants TO authenticated;

-- Billing and audit: read-only for the tenant.
REVOKE ALL ON public.platform_subscriptions, public.audit_logs FROM authenticated;
GRANT SELECT ON public.platform_subscriptions, public.audit_logs TO authenticated;

-- Platform-only tables.
REVOKE ALL ON public.system_config, public.tenant_statistics FROM authenticated;

-- service_role: the platform backend.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO service_role;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO service_role;
-- The audit trail is written by the audit trigger only, never edited.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON public.audit_logs FROM service_role;
REVOKE INSERT, UPDATE, DELETE ON public.tenant_statistics FROM service_role;

-- Functions ------------------------------------------------------------------
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC, anon, authenticated, service_role;

GRANT EXECUTE ON FUNCTION
  public.get_current_tenant_id(),
  public.ensure_tenant_context(),
  public.validate_tenant_access(uuid),
  public.get_user_tenant_id(uuid),
  public.get_tenant_statistics()
TO authenticated, service_role;

GRANT EXECUTE ON FUNCTION
  public.estimate_tenant_table_count(text, uuid),
  public.encrypt_sensitive_data(text, text),
  public.decrypt_sensitive_data(text, text),
  public.dev_set_tenant_context(text),
  public.create_test_tenant(text, text),
  public.refresh_tenant_statistics()
TO service_role;

-- Trigger functions (set_updated_at, user_roles_check_scope,
-- audit_trigger_function) need no EXECUTE grant: triggers fire regardless.
