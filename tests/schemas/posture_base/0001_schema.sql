-- Base side of the posture-diff fixture (tests/integration/test_posture_diff.py).
-- A small multi-tenant schema, hardened; posture_head/ changes one thing per object,
-- and posture_head/expected.json lists how `rls-audit diff` must classify each change.

-- The shim grants ALL on new objects in public to the API roles (as Supabase does):
-- take that back, each object grants what it needs below.
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM anon, authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM anon, authenticated;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE EXECUTE ON FUNCTIONS FROM anon, authenticated;

CREATE FUNCTION public.current_tenant() RETURNS uuid
LANGUAGE sql STABLE SET search_path = ''
AS $$ SELECT NULLIF(pg_catalog.current_setting('app.current_tenant_id', true), '')::uuid $$;
GRANT EXECUTE ON FUNCTION public.current_tenant() TO authenticated;

CREATE TABLE public.tenants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL
);
ALTER TABLE public.tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenants_select ON public.tenants FOR SELECT TO authenticated
  USING (id = (SELECT public.current_tenant()));
GRANT SELECT ON public.tenants TO authenticated;

-- Each table below is the subject of one change in posture_head.
CREATE TABLE public.invoices (      -- head: RLS disabled
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES public.tenants (id),
  amount numeric NOT NULL DEFAULT 0
);
CREATE TABLE public.payments (      -- head: FORCE dropped
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES public.tenants (id),
  amount numeric NOT NULL DEFAULT 0
);
CREATE TABLE public.projects (      -- head: a permissive policy added
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES public.tenants (id),
  is_public boolean NOT NULL DEFAULT false
);
CREATE TABLE public.notes (         -- head: the predicate widened with OR
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES public.tenants (id),
  shared boolean NOT NULL DEFAULT false
);
CREATE TABLE public.tasks (         -- head: the policy applies to more roles
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES public.tenants (id),
  title text
);
CREATE TABLE public.reports (       -- head: SELECT granted to anon
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES public.tenants (id),
  body text
);
CREATE TABLE public.contacts (      -- head: a column dropped (breaking)
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES public.tenants (id),
  email text,
  fax text
);

DO $rls$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['invoices', 'payments', 'projects', 'notes', 'tasks', 'reports', 'contacts']
  LOOP
    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I TO authenticated', t);
    IF t NOT IN ('notes', 'tasks') THEN
      EXECUTE format(
        'CREATE POLICY %I ON public.%I FOR ALL TO authenticated'
        ' USING (tenant_id = (SELECT public.current_tenant()))'
        ' WITH CHECK (tenant_id = (SELECT public.current_tenant()))',
        t || '_tenant', t);
    END IF;
  END LOOP;
END
$rls$;

CREATE POLICY notes_tenant ON public.notes FOR ALL TO authenticated
  USING (tenant_id = (SELECT public.current_tenant()))
  WITH CHECK (tenant_id = (SELECT public.current_tenant()));
CREATE POLICY tasks_select ON public.tasks FOR SELECT TO authenticated
  USING (tenant_id = (SELECT public.current_tenant()));

-- head: EXECUTE granted to authenticated (a SECURITY DEFINER function exposed)
CREATE FUNCTION public.tenant_report() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$ SELECT pg_catalog.count(*) FROM public.invoices $$;

-- head: the body changes (needs review)
CREATE FUNCTION public.display_name(p_name text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = ''
AS $$ SELECT pg_catalog.initcap(p_name) $$;
