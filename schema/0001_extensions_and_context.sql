-- =============================================================================
-- 0001 Extensions, default privileges and tenant context (SPEC-009 §3, hardened)
-- =============================================================================
-- Applied by the schema owner role (on Supabase: "postgres"; the rls-audit
-- loader does SET ROLE <owner> after the compat shim). Never name the owner
-- role in these files: it is current_user.
--
-- Extensions. SPEC-009 runs CREATE EXTENSION "uuid-ossp", "pgcrypto" and
-- "pg_stat_statements". They are installed by the platform (Supabase) or by
-- schema/compat/supabase.sql, in schema "extensions", and only where the
-- server ships them (the embedded PostgreSQL 18 has no pgcrypto and no
-- uuid-ossp). This schema does not depend on them:
--   * UUIDs come from the built-in pg_catalog.gen_random_uuid() (PG13+),
--     never from uuid-ossp;
--   * encrypt_sensitive_data / decrypt_sensitive_data (0011) look pgcrypto up
--     in pg_extension at call time and raise a clear error when it is absent.
--
-- Server settings. SPEC-009's ALTER SYSTEM SET idle_in_transaction_session_timeout
-- = '5min', statement_timeout = '30s', lock_timeout = '10s' need a superuser
-- and cannot run in a migration transaction; they are left to the platform
-- configuration. They matter for isolation too: an API role holding UPDATE on a
-- shared table can LOCK it for every tenant until a timeout ends its transaction.
--
-- Tenant context. The trusted API server sets, per transaction only:
--   SELECT set_config('app.current_tenant_id', '<tenant uuid>', true);
-- never a session-level SET, which would survive into the next transaction on
-- a pooled connection.
-- =============================================================================

-- The owner must bypass RLS (Supabase's postgres does): every tenant table has
-- FORCE ROW LEVEL SECURITY, and the SECURITY DEFINER functions of this schema
-- (audit trigger, statistics) rely on the owner's BYPASSRLS.
DO $chk$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                 WHERE rolname = current_user AND (rolbypassrls OR rolsuper)) THEN
    RAISE WARNING 'schema owner % has no BYPASSRLS: the audit trigger and tenant statistics will not work under FORCE ROW LEVEL SECURITY', current_user;
  END IF;
END
$chk$;

-- -----------------------------------------------------------------------------
-- Default privileges for everything this role creates from now on.
-- Supabase grants ALL on new tables, sequences and functions in public to
-- anon, authenticated and service_role. Take back what the API roles must
-- never get; each object then grants what it needs explicitly (0013).
-- -----------------------------------------------------------------------------
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM PUBLIC, anon;
-- TRUNCATE ignores RLS; REFERENCES and TRIGGER let a tenant attach its own
-- constraints/triggers to shared tables.
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE TRUNCATE, REFERENCES, TRIGGER ON TABLES FROM authenticated;
-- Sequences are shared by all tenants (a covert channel); tenant tables use UUIDs.
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM PUBLIC, anon, authenticated;
-- EXECUTE to PUBLIC is a global default: it can only be revoked globally.
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC, anon, authenticated;

-- PostgreSQL 17+: MAINTAIN (VACUUM, ANALYZE, REINDEX, REFRESH, LOCK TABLE) is
-- part of ALL; the API roles must not have it.
DO $pg17$
BEGIN
  IF pg_catalog.current_setting('server_version_num')::int >= 170000 THEN
    EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE MAINTAIN ON TABLES FROM authenticated';
  END IF;
END
$pg17$;

-- -----------------------------------------------------------------------------
-- Tenant identification (SPEC-009 §3)
-- -----------------------------------------------------------------------------

-- Primary tenant identifier.
CREATE DOMAIN public.tenant_uuid AS uuid NOT NULL;

-- The current tenant, from the transaction-local GUC app.current_tenant_id.
-- NULL when it is unset, '' or not a UUID: every policy then matches nothing.
-- No exception block (a subtransaction per call): the value is validated by
-- pattern first, so the cast cannot fail. Policies call it as
-- (SELECT public.get_current_tenant_id()) so that it runs once per statement
-- (an InitPlan), not once per row.
CREATE FUNCTION public.get_current_tenant_id()
RETURNS uuid
LANGUAGE plpgsql
STABLE
PARALLEL SAFE
SET search_path = ''
AS $fn$
DECLARE
  v_raw text := pg_catalog.current_setting('app.current_tenant_id', true);
BEGIN
  IF v_raw IS NULL
     OR v_raw !~* '^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$'
  THEN
    RETURN NULL;
  END IF;
  RETURN v_raw::uuid;
END
$fn$;

COMMENT ON FUNCTION public.get_current_tenant_id() IS
  'Tenant of the current transaction (GUC app.current_tenant_id, set with set_config(..., true)); NULL when unset or malformed.';

-- Helper function to ensure tenant context: raises when none is set.
CREATE FUNCTION public.ensure_tenant_context()
RETURNS uuid
LANGUAGE plpgsql
STABLE
PARALLEL SAFE
SET search_path = ''
AS $fn$
DECLARE
  v_tenant_id uuid := public.get_current_tenant_id();
BEGIN
  IF v_tenant_id IS NULL THEN
    RAISE EXCEPTION 'No tenant context set. Please set app.current_tenant_id'
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'SELECT set_config(''app.current_tenant_id'', ''<tenant uuid>'', true) inside the transaction';
  END IF;
  RETURN v_tenant_id;
END
$fn$;

-- True when check_tenant_id is the current tenant (false, never NULL, otherwise).
-- SECURITY INVOKER: it reads no table, so it needs no elevated rights.
CREATE FUNCTION public.validate_tenant_access(check_tenant_id uuid)
RETURNS boolean
LANGUAGE plpgsql
STABLE
PARALLEL SAFE
SET search_path = ''
AS $fn$
BEGIN
  RETURN check_tenant_id IS NOT NULL
     AND check_tenant_id IS NOT DISTINCT FROM public.get_current_tenant_id();
END
$fn$;

-- BEFORE UPDATE trigger keeping updated_at current.
CREATE FUNCTION public.set_updated_at()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $fn$
BEGIN
  NEW.updated_at := pg_catalog.now();
  RETURN NEW;
END
$fn$;
