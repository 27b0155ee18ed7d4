-- =============================================================================
-- Supabase compatibility shim
-- =============================================================================
-- Applied by the bootstrap superuser, in the target database, BEFORE the
-- migrations of schema/. It recreates the parts of a Supabase project that the
-- migrations rely on, and only those that are missing:
--
--   * the schema owner role (name from the GUC rls_audit.owner_role, usually
--     "postgres"): LOGIN CREATEROLE CREATEDB BYPASSRLS, NOT superuser, owner of
--     schema public, CREATE on the database;
--   * the API roles anon, authenticated (NOLOGIN, subject to RLS) and
--     service_role (NOLOGIN, BYPASSRLS), granted to the owner role;
--   * schema auth with auth.users, auth.uid(), auth.role(), auth.jwt();
--   * schema extensions with pgcrypto, uuid-ossp and pg_stat_statements when
--     the server ships them (the embedded PostgreSQL 18 has no pgcrypto and no
--     uuid-ossp);
--   * Supabase's default privileges: everything the owner role creates in
--     public is granted ALL to anon, authenticated and service_role.
--
-- Idempotent: every step checks the catalog first, so running the file twice
-- raises no error and changes nothing. On a real Supabase project every check
-- finds the object and the file is a no-op.
--
-- Set the owner role name before running it:
--   SELECT set_config('rls_audit.owner_role', 'postgres', false);
-- Rules: plain SQL statements and DO blocks only (no psql meta-commands, no
-- BEGIN/COMMIT), so that the rls-audit loader can split and run it.
-- =============================================================================

-- 1. The schema owner role ----------------------------------------------------
DO $shim$
DECLARE
  v_owner text := pg_catalog.current_setting('rls_audit.owner_role', true);
BEGIN
  IF v_owner IS NULL OR v_owner = '' THEN
    RAISE EXCEPTION 'rls_audit.owner_role is not set'
      USING HINT = 'run SELECT set_config(''rls_audit.owner_role'', ''postgres'', false) first';
  END IF;

  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_owner) THEN
    -- Like Supabase's "postgres": a powerful role, but not a superuser.
    EXECUTE pg_catalog.format(
      'CREATE ROLE %I LOGIN CREATEROLE CREATEDB BYPASSRLS NOSUPERUSER', v_owner);
  END IF;

  -- Owner of schema public, unless it already is (directly, or as owner of the
  -- database through pg_database_owner).
  IF NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_namespace n
    WHERE n.nspname = 'public'
      AND pg_catalog.pg_has_role(v_owner, n.nspowner, 'MEMBER')
  ) THEN
    EXECUTE pg_catalog.format('ALTER SCHEMA public OWNER TO %I', v_owner);
  END IF;

  IF NOT pg_catalog.has_database_privilege(v_owner, pg_catalog.current_database(), 'CREATE') THEN
    EXECUTE pg_catalog.format('GRANT CREATE ON DATABASE %I TO %I',
                              pg_catalog.current_database(), v_owner);
  END IF;
END
$shim$;

-- 2. The API roles --------------------------------------------------------------
DO $shim$
DECLARE
  v_owner text := pg_catalog.current_setting('rls_audit.owner_role', true);
  v_role  text;
BEGIN
  IF v_owner IS NULL OR v_owner = '' THEN
    RAISE EXCEPTION 'rls_audit.owner_role is not set';
  END IF;

  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'anon') THEN
    CREATE ROLE anon NOLOGIN NOINHERIT NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'authenticated') THEN
    CREATE ROLE authenticated NOLOGIN NOINHERIT NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
    CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
  END IF;

  -- As on Supabase, the owner role is a member of the API roles, so that it
  -- (and the loader/auditor connected as it) can SET ROLE to them.
  FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
    IF NOT EXISTS (
      SELECT 1
      FROM pg_catalog.pg_auth_members m
      JOIN pg_catalog.pg_roles r ON r.oid = m.roleid
      JOIN pg_catalog.pg_roles u ON u.oid = m.member
      WHERE r.rolname = v_role AND u.rolname = v_owner
    ) THEN
      EXECUTE pg_catalog.format('GRANT %I TO %I', v_role, v_owner);
    END IF;
  END LOOP;
END
$shim$;

GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;

-- 3. Schema auth, auth.users and the JWT helpers --------------------------------
DO $shim$
DECLARE
  v_owner text := pg_catalog.current_setting('rls_audit.owner_role', true);
BEGIN
  IF v_owner IS NULL OR v_owner = '' THEN
    RAISE EXCEPTION 'rls_audit.owner_role is not set';
  END IF;

  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'auth') THEN
    CREATE SCHEMA auth;
  END IF;

  IF pg_catalog.to_regclass('auth.users') IS NULL THEN
    CREATE TABLE auth.users (
      id                 uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
      email              text,
      raw_user_meta_data jsonb,
      raw_app_meta_data  jsonb,
      created_at         timestamptz DEFAULT pg_catalog.now()
    );
  END IF;

  -- auth.uid(): the JWT subject, NULL when no claims are set (or set to '').
  IF pg_catalog.to_regprocedure('auth.uid()') IS NULL THEN
    CREATE FUNCTION auth.uid() RETURNS uuid
    LANGUAGE sql STABLE
    AS $fn$
      SELECT NULLIF(
               COALESCE(
                 NULLIF(pg_catalog.current_setting('request.jwt.claim.sub', true), ''),
                 NULLIF(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb
                   OPERATOR(pg_catalog.->>) 'sub'
               ), ''
             )::uuid
    $fn$;
  END IF;

  -- auth.role(): the JWT role claim (anon, authenticated, service_role).
  IF pg_catalog.to_regprocedure('auth.role()') IS NULL THEN
    CREATE FUNCTION auth.role() RETURNS text
    LANGUAGE sql STABLE
    AS $fn$
      SELECT COALESCE(
               NULLIF(pg_catalog.current_setting('request.jwt.claim.role', true), ''),
               NULLIF(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb
                 OPERATOR(pg_catalog.->>) 'role'
             )::text
    $fn$;
  END IF;

  -- auth.jwt(): all claims as jsonb, '{}' when unset.
  IF pg_catalog.to_regprocedure('auth.jwt()') IS NULL THEN
    CREATE FUNCTION auth.jwt() RETURNS jsonb
    LANGUAGE sql STABLE
    AS $fn$
      SELECT COALESCE(
               NULLIF(pg_catalog.current_setting('request.jwt.claim', true), ''),
               NULLIF(pg_catalog.current_setting('request.jwt.claims', true), ''),
               '{}'
             )::jsonb
    $fn$;
  END IF;

  -- The owner role manages auth.users (test data) and references it from the
  -- migrations (public.users.id REFERENCES auth.users). The API roles only
  -- need to resolve auth.uid() and friends.
  EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA auth TO %I', v_owner);
  EXECUTE pg_catalog.format(
    'GRANT SELECT, INSERT, UPDATE, DELETE, REFERENCES ON TABLE auth.users TO %I', v_owner);
END
$shim$;

GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;

-- 4. Extensions ------------------------------------------------------------------
-- Like Supabase, extensions live in their own schema "extensions", which is
-- not on anybody's search_path: functions that use them call them
-- schema-qualified (the migrations look the schema up in pg_extension).
DO $shim$
DECLARE
  v_owner text := pg_catalog.current_setting('rls_audit.owner_role', true);
  v_ext   text;
BEGIN
  IF v_owner IS NULL OR v_owner = '' THEN
    RAISE EXCEPTION 'rls_audit.owner_role is not set';
  END IF;

  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'extensions') THEN
    CREATE SCHEMA extensions;
  END IF;
  EXECUTE pg_catalog.format(
    'GRANT USAGE ON SCHEMA extensions TO %I, anon, authenticated, service_role', v_owner);

  FOREACH v_ext IN ARRAY ARRAY['pgcrypto', 'uuid-ossp', 'pg_stat_statements'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = v_ext)
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = v_ext) THEN
      EXECUTE pg_catalog.format('CREATE EXTENSION %I WITH SCHEMA extensions', v_ext);
    END IF;
  END LOOP;
END
$shim$;

-- 5. Supabase's default privileges -------------------------------------------------
-- On Supabase, whatever the owner role creates in public is granted ALL to the
-- three API roles (TRUNCATE, REFERENCES and TRIGGER included). Hardened
-- schemas must revoke what they do not want. Applied only when the owner role
-- has no per-schema default ACL in public yet for that object type, so that a
-- second run does not undo the revocations a migration made.
DO $shim$
DECLARE
  v_owner text := pg_catalog.current_setting('rls_audit.owner_role', true);
  v_kind  record;
BEGIN
  IF v_owner IS NULL OR v_owner = '' THEN
    RAISE EXCEPTION 'rls_audit.owner_role is not set';
  END IF;

  FOR v_kind IN
    SELECT * FROM (VALUES ('r', 'TABLES'), ('S', 'SEQUENCES'), ('f', 'FUNCTIONS')) AS k(code, objects)
  LOOP
    IF NOT EXISTS (
      SELECT 1
      FROM pg_catalog.pg_default_acl d
      JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
      JOIN pg_catalog.pg_roles r ON r.oid = d.defaclrole
      WHERE n.nspname = 'public' AND r.rolname = v_owner AND d.defaclobjtype = v_kind.code::"char"
    ) THEN
      EXECUTE pg_catalog.format(
        'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT ALL ON %s TO anon, authenticated, service_role',
        v_owner, v_kind.objects);
    END IF;
  END LOOP;
END
$shim$;
