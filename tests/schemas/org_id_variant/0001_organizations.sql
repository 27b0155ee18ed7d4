-- org_id variant: a small multi-tenant schema whose tenant column is org_id (bigint).
-- Applied by the schema owner after the Supabase shim. Part hardened, part flawed on
-- purpose: README.md lists the flaws and expected.json the findings they must produce.

ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM PUBLIC, anon, authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM PUBLIC, anon, authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON FUNCTIONS FROM PUBLIC, anon, authenticated;

-- The current organization: transaction-local GUC, NULL when unset or empty.
CREATE FUNCTION public.current_org_id()
RETURNS bigint
LANGUAGE sql
STABLE
SET search_path = ''
AS $$ SELECT NULLIF(pg_catalog.current_setting('app.current_org_id', true), '')::bigint $$;
GRANT EXECUTE ON FUNCTION public.current_org_id() TO authenticated;

CREATE TABLE public.organizations (
  id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  slug text NOT NULL UNIQUE
);
ALTER TABLE public.organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY organizations_read ON public.organizations FOR SELECT TO authenticated
  USING (id = (SELECT public.current_org_id()));
GRANT SELECT ON public.organizations TO authenticated;
