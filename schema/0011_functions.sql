-- =============================================================================
-- 0011 Security, performance, encryption and development functions
--      (SPEC-009 "Security Functions", "Optimized Query Patterns",
--       "Data Encryption", "Development Helpers", "Testing Utilities", hardened)
-- =============================================================================
-- Who may call what is in 0013:
--   authenticated: get_current_tenant_id, ensure_tenant_context,
--                  validate_tenant_access, get_user_tenant_id,
--                  get_tenant_statistics (0012)
--   service_role (and the owner) only: estimate_tenant_table_count,
--                  encrypt_sensitive_data, decrypt_sensitive_data,
--                  dev_set_tenant_context, create_test_tenant,
--                  refresh_tenant_statistics (0012)
-- All functions have a fixed search_path and schema-qualified references.
-- SPEC-009's PREPARE get_tenant_users is a session-level object, not part of
-- a schema: applications prepare it per connection.
-- =============================================================================

-- The tenant of a user, answered only for users of the caller's own tenant
-- (NULL for any other user, existing or not). SECURITY DEFINER as in SPEC-009,
-- so it must filter by tenant itself: the owner bypasses RLS.
CREATE FUNCTION public.get_user_tenant_id(user_uuid uuid)
RETURNS uuid
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $fn$
DECLARE
  v_current   uuid := public.get_current_tenant_id();
  v_tenant_id uuid;
BEGIN
  IF v_current IS NULL OR user_uuid IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT u.tenant_id
    INTO v_tenant_id
    FROM public.users u
   WHERE u.tenant_id = v_current
     AND u.id = user_uuid;
  RETURN v_tenant_id;
END
$fn$;

-- Efficient counting with estimates for large datasets. Platform tool
-- (service_role): the estimate for large tables comes from planner
-- statistics of the whole table.
-- Only tables of schema public that have a tenant_id column are accepted.
CREATE FUNCTION public.estimate_tenant_table_count(table_name text, tenant_uuid uuid)
RETURNS integer
LANGUAGE plpgsql
STABLE
SET search_path = ''
AS $fn$
DECLARE
  v_rel       regclass := pg_catalog.to_regclass(pg_catalog.format('public.%I', estimate_tenant_table_count.table_name));
  v_reltuples real;
  v_freq      real;
  v_count     bigint;
BEGIN
  IF v_rel IS NULL THEN
    RAISE EXCEPTION 'estimate_tenant_table_count: no table public.%', estimate_tenant_table_count.table_name
      USING ERRCODE = 'undefined_table';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = v_rel AND a.attname = 'tenant_id' AND NOT a.attisdropped) THEN
    RAISE EXCEPTION 'estimate_tenant_table_count: % has no tenant_id column', v_rel
      USING ERRCODE = 'undefined_column';
  END IF;

  SELECT c.reltuples INTO v_reltuples FROM pg_catalog.pg_class c WHERE c.oid = v_rel;

  IF v_reltuples >= 10000 THEN
    -- The tenant's share of the table, when ANALYZE recorded it as a most
    -- common value of tenant_id.
    SELECT m.freq
      INTO v_freq
      FROM pg_catalog.pg_stats s,
           LATERAL ROWS FROM (pg_catalog.unnest(s.most_common_vals::text::uuid[]),
                              pg_catalog.unnest(s.most_common_freqs)) AS m(val, freq)
     WHERE s.schemaname = 'public'
       AND s.tablename = (SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid = v_rel)
       AND s.attname = 'tenant_id'
       AND m.val = tenant_uuid;
    IF v_freq IS NOT NULL THEN
      RETURN (v_reltuples * v_freq)::integer;
    END IF;
  END IF;

  -- Small table (reltuples < 10000, or -1: never analyzed) or tenant not in
  -- the statistics: count exactly.
  EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %s WHERE tenant_id = $1', v_rel)
    INTO v_count
    USING tenant_uuid;
  RETURN v_count::integer;
END
$fn$;

-- Application-level encryption of sensitive fields with pgcrypto, with the key
-- from the (transaction-local) setting app.encryption_key_<key_name>.
-- pgcrypto lives where the platform installed it (Supabase: schema
-- "extensions"); it is looked up at call time. Without pgcrypto (e.g. the
-- embedded PostgreSQL 18) the schema still loads, and calls raise a clear error.
CREATE FUNCTION public.encrypt_sensitive_data(data text, key_name text DEFAULT 'default')
RETURNS text
LANGUAGE plpgsql
VOLATILE
SET search_path = ''
AS $fn$
DECLARE
  v_schema name;
  v_key    text;
  v_result text;
BEGIN
  SELECT n.nspname INTO v_schema
    FROM pg_catalog.pg_extension e
    JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'pgcrypto';
  IF v_schema IS NULL THEN
    RAISE EXCEPTION 'pgcrypto extension is not installed: encrypt_sensitive_data needs it'
      USING ERRCODE = 'feature_not_supported',
            HINT = 'CREATE EXTENSION pgcrypto WITH SCHEMA extensions';
  END IF;
  IF data IS NULL THEN
    RETURN NULL;
  END IF;
  v_key := NULLIF(pg_catalog.current_setting('app.encryption_key_' || key_name, true), '');
  IF v_key IS NULL THEN
    RAISE EXCEPTION 'encryption key app.encryption_key_% is not set', key_name
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  EXECUTE pg_catalog.format(
    'SELECT pg_catalog.encode(%I.pgp_sym_encrypt($1, $2), ''base64'')', v_schema)
    INTO v_result
    USING data, v_key;
  RETURN v_result;
END
$fn$;

-- Decryption; NULL when the data is not valid ciphertext for the key (as in
-- SPEC-009), but a missing extension or key is an error, not a NULL.
CREATE FUNCTION public.decrypt_sensitive_data(encrypted_data text, key_name text DEFAULT 'default')
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path = ''
AS $fn$
DECLARE
  v_schema name;
  v_key    text;
  v_result text;
BEGIN
  SELECT n.nspname INTO v_schema
    FROM pg_catalog.pg_extension e
    JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'pgcrypto';
  IF v_schema IS NULL THEN
    RAISE EXCEPTION 'pgcrypto extension is not installed: decrypt_sensitive_data needs it'
      USING ERRCODE = 'feature_not_supported',
            HINT = 'CREATE EXTENSION pgcrypto WITH SCHEMA extensions';
  END IF;
  IF encrypted_data IS NULL THEN
    RETURN NULL;
  END IF;
  v_key := NULLIF(pg_catalog.current_setting('app.encryption_key_' || key_name, true), '');
  IF v_key IS NULL THEN
    RAISE EXCEPTION 'encryption key app.encryption_key_% is not set', key_name
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  BEGIN
    EXECUTE pg_catalog.format(
      'SELECT %I.pgp_sym_decrypt(pg_catalog.decode($1, ''base64''), $2)', v_schema)
      INTO v_result
      USING encrypted_data, v_key;
  EXCEPTION
    WHEN external_routine_invocation_exception OR data_exception THEN
      -- wrong key, corrupt data, not base64
      RETURN NULL;
  END;
  RETURN v_result;
END
$fn$;

-- Development helper: set the tenant context by slug, for the current
-- TRANSACTION only (set_config(..., true)); SPEC-009's session-level
-- set_config(..., false) would leak the context to the next transaction on a
-- pooled connection. Not executable by anon/authenticated.
-- Usage: BEGIN; SELECT public.dev_set_tenant_context('demo-school'); ...; COMMIT;
CREATE FUNCTION public.dev_set_tenant_context(tenant_slug text)
RETURNS void
LANGUAGE plpgsql
VOLATILE
SET search_path = ''
AS $fn$
DECLARE
  v_tenant_id uuid;
BEGIN
  SELECT t.id INTO v_tenant_id FROM public.tenants t WHERE t.slug = tenant_slug;
  IF v_tenant_id IS NULL THEN
    RAISE EXCEPTION 'Tenant not found: %', tenant_slug;
  END IF;
  PERFORM pg_catalog.set_config('app.current_tenant_id', v_tenant_id::text, true);
END
$fn$;

-- Testing utility: create a tenant with its main branch. service_role/owner only.
CREATE FUNCTION public.create_test_tenant(tenant_name text, tenant_slug text DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql
VOLATILE
SET search_path = ''
AS $fn$
DECLARE
  new_tenant_id uuid;
  new_branch_id uuid;
BEGIN
  INSERT INTO public.tenants (name, slug, status, plan)
  VALUES (
    tenant_name,
    COALESCE(tenant_slug, pg_catalog.lower(pg_catalog.replace(tenant_name, ' ', '-'))),
    'active',
    'test'
  )
  RETURNING id INTO new_tenant_id;

  INSERT INTO public.branches (tenant_id, name, code, status)
  VALUES (new_tenant_id, tenant_name || ' Main Campus', 'MAIN', 'active')
  RETURNING id INTO new_branch_id;

  RETURN new_tenant_id;
END
$fn$;
