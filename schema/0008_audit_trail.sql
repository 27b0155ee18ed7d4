-- =============================================================================
-- 0008 Audit trail (SPEC-009 "Audit Trail System", hardened)
-- =============================================================================
-- "Comprehensive Auditing: All changes tracked": the trigger is attached to
-- every tenant table (SPEC-009 defines the function but never attaches it).
--   * audit_logs is tenant data: tenant_id NOT NULL, RLS + FORCE, SELECT-only
--     policy for authenticated (0009); no API role may write it (0013).
--   * audit_trigger_function is SECURITY DEFINER with an empty search_path and
--     schema-qualified references; it is the only writer of audit_logs.
--   * The tenant of an entry is the tenant of the changed row (NEW/OLD), never
--     the caller's context, so an entry cannot land in another tenant's log.
--   * The actor's user id and e-mail are recorded only when the actor is a
--     user of that same tenant; otherwise (platform, service_role) the entry
--     says source = 'system' and names nobody.
-- =============================================================================

-- Audit log table
CREATE TABLE public.audit_logs (
  id             uuid NOT NULL DEFAULT gen_random_uuid(),
  tenant_id      uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,

  -- Action details
  table_name     varchar(100) NOT NULL,
  record_id      uuid,
  action         varchar(20) NOT NULL, -- INSERT, UPDATE, DELETE

  -- User context
  user_id        uuid,
  user_email     varchar(255),
  user_role      varchar(100),

  -- Request context
  ip_address     inet,
  user_agent     text,
  request_id     uuid,
  session_id     varchar(255),

  -- Change details
  old_values     jsonb,
  new_values     jsonb,
  changed_fields text[],

  -- Metadata
  source         varchar(50) DEFAULT 'application', -- application, api, system
  reason         text,

  -- Timestamp
  created_at     timestamptz DEFAULT now(),

  CONSTRAINT audit_logs_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT audit_logs_user_fkey FOREIGN KEY (tenant_id, user_id)
    REFERENCES public.users (tenant_id, id) ON DELETE SET NULL (user_id),
  CONSTRAINT audit_logs_action_check CHECK (action IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')),
  CONSTRAINT audit_logs_source_check CHECK (source IN ('application', 'api', 'system'))
);

-- Generic audit trigger function. AFTER ... FOR EACH ROW only.
-- TG_ARGV[0]: the column holding the tenant id (default tenant_id; 'id' for tenants).
CREATE FUNCTION public.audit_trigger_function()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $fn$
DECLARE
  v_tenant_column text := COALESCE(TG_ARGV[0], 'tenant_id');
  v_old           jsonb;
  v_new           jsonb;
  v_row           jsonb;
  v_tenant_id     uuid;
  v_actor         uuid;
  v_user_id       uuid;
  v_user_email    varchar(255);
  v_changed       text[];
BEGIN
  IF TG_WHEN <> 'AFTER' OR TG_LEVEL <> 'ROW' THEN
    RAISE EXCEPTION 'audit_trigger_function must be an AFTER ... FOR EACH ROW trigger (on %.%)',
      TG_TABLE_SCHEMA, TG_TABLE_NAME;
  END IF;

  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    v_old := pg_catalog.to_jsonb(OLD);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    v_new := pg_catalog.to_jsonb(NEW);
  END IF;
  v_row := COALESCE(v_new, v_old);

  -- The tenant comes from the row itself, not from app.current_tenant_id.
  v_tenant_id := (v_row ->> v_tenant_column)::uuid;
  IF v_tenant_id IS NULL THEN
    RAISE EXCEPTION 'audit_trigger_function: %.% has no tenant in column %',
      TG_TABLE_SCHEMA, TG_TABLE_NAME, v_tenant_column;
  END IF;

  -- The tenant itself is being deleted (ON DELETE CASCADE): its audit trail is
  -- deleted with it, nothing to record (and nothing could reference it).
  IF NOT EXISTS (SELECT 1 FROM public.tenants t WHERE t.id = v_tenant_id) THEN
    RETURN NULL;
  END IF;

  IF TG_OP = 'UPDATE' THEN
    SELECT pg_catalog.array_agg(n.key ORDER BY n.key)
      INTO v_changed
      FROM pg_catalog.jsonb_each(v_new) AS n
     WHERE n.value IS DISTINCT FROM (v_old -> n.key);
  END IF;

  -- Who: only a user of the same tenant is named.
  v_actor := auth.uid();
  IF v_actor IS NOT NULL THEN
    SELECT u.id, u.email
      INTO v_user_id, v_user_email
      FROM public.users u
     WHERE u.tenant_id = v_tenant_id AND u.id = v_actor;
  END IF;

  INSERT INTO public.audit_logs (
    tenant_id, table_name, record_id, action,
    user_id, user_email, user_role, session_id,
    old_values, new_values, changed_fields, source
  ) VALUES (
    v_tenant_id,
    TG_TABLE_NAME,
    (v_row ->> 'id')::uuid,
    TG_OP,
    v_user_id,
    v_user_email,
    pg_catalog.left(auth.role(), 100),
    CASE WHEN v_user_id IS NOT NULL THEN pg_catalog.left(auth.jwt() ->> 'session_id', 255) END,
    v_old,
    v_new,
    v_changed,
    CASE WHEN v_user_id IS NOT NULL THEN 'application' ELSE 'system' END
  );

  RETURN NULL;
END
$fn$;

COMMENT ON FUNCTION public.audit_trigger_function() IS
  'AFTER ROW audit trigger: records the change in public.audit_logs under the tenant of the changed row.';

-- Attach it: all changes tracked, on every tenant table.
CREATE TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON public.tenants
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function('id');
CREATE TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON public.platform_subscriptions
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
CREATE TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON public.branches
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
CREATE TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON public.users
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
CREATE TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON public.user_roles
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
CREATE TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON public.academic_years
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
CREATE TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON public.subjects
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
CREATE TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON public.classes
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
CREATE TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON public.students
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
CREATE TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON public.guardians
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
CREATE TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON public.student_guardians
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
CREATE TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON public.enrollments
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
CREATE TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON public.attendance
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
CREATE TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON public.assessments
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
CREATE TRIGGER audit_changes AFTER INSERT OR UPDATE OR DELETE ON public.grades
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
