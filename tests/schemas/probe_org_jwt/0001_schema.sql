-- probe_org_jwt: a schema the harness has never seen. The tenant column is org_id, the
-- tables are workspaces, projects, invoices, documents and audit_events, and the tenant
-- context is the JWT claim app_metadata.org_id read through auth.jwt(). Applied by the
-- schema owner after the Supabase shim. Part hardened, part flawed on purpose:
-- README.md lists the flaws and expected.json the probe findings they must produce.

ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM PUBLIC, anon, authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM PUBLIC, anon, authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON FUNCTIONS FROM PUBLIC, anon, authenticated;

-- The caller's organization: the JWT claim app_metadata.org_id; NULL when the claim is
-- missing, empty or not a uuid (fail closed).
CREATE FUNCTION public.current_org_id()
RETURNS uuid
LANGUAGE plpgsql
STABLE
SET search_path = ''
AS $fn$
BEGIN
  RETURN NULLIF(auth.jwt() -> 'app_metadata' ->> 'org_id', '')::uuid;
EXCEPTION WHEN invalid_text_representation THEN
  RETURN NULL;
END
$fn$;
GRANT EXECUTE ON FUNCTION public.current_org_id() TO authenticated;

CREATE TABLE public.organizations (
  id   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  slug text NOT NULL UNIQUE
);
ALTER TABLE public.organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY organizations_read ON public.organizations FOR SELECT TO authenticated
  USING (id = (SELECT public.current_org_id()));
GRANT SELECT ON public.organizations TO authenticated;

-- Done right: composite key, tenant policy for every command.
CREATE TABLE public.workspaces (
  org_id uuid NOT NULL REFERENCES public.organizations (id) ON DELETE CASCADE,
  id     uuid NOT NULL DEFAULT gen_random_uuid(),
  name   text NOT NULL,
  PRIMARY KEY (org_id, id)
);
ALTER TABLE public.workspaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.workspaces FORCE ROW LEVEL SECURITY;
CREATE POLICY workspaces_org ON public.workspaces FOR ALL TO authenticated
  USING (org_id = (SELECT public.current_org_id()))
  WITH CHECK (org_id = (SELECT public.current_org_id()));
GRANT SELECT, INSERT, UPDATE, DELETE ON public.workspaces TO authenticated;

-- Done right, read-only for the API (projects are provisioned by the backend). The global
-- UNIQUE (id) is harmless here (the API cannot write projects) but lets invoices below
-- reference a project by id alone.
CREATE TABLE public.projects (
  org_id       uuid NOT NULL REFERENCES public.organizations (id) ON DELETE CASCADE,
  id           uuid NOT NULL DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL,
  name         text NOT NULL,
  PRIMARY KEY (org_id, id),
  CONSTRAINT projects_id_key UNIQUE (id),
  CONSTRAINT projects_workspace_fkey FOREIGN KEY (org_id, workspace_id)
    REFERENCES public.workspaces (org_id, id) ON DELETE CASCADE
);
ALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.projects FORCE ROW LEVEL SECURITY;
CREATE POLICY projects_read ON public.projects FOR SELECT TO authenticated
  USING (org_id = (SELECT public.current_org_id()));
GRANT SELECT ON public.projects TO authenticated;

-- FLAW invoice-project-fk-without-org: project_id references projects (id) alone, so an
-- invoice of org A can point at org B's project, and the insert's answer tells A
-- whether B's project id exists.
CREATE TABLE public.invoices (
  org_id       uuid NOT NULL REFERENCES public.organizations (id) ON DELETE CASCADE,
  id           uuid NOT NULL DEFAULT gen_random_uuid(),
  project_id   uuid NOT NULL REFERENCES public.projects (id) ON DELETE CASCADE,
  amount_cents integer NOT NULL CHECK (amount_cents > 0),
  memo         text,
  PRIMARY KEY (org_id, id)
);
ALTER TABLE public.invoices ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.invoices FORCE ROW LEVEL SECURITY;
CREATE POLICY invoices_org ON public.invoices FOR ALL TO authenticated
  USING (org_id = (SELECT public.current_org_id()))
  WITH CHECK (org_id = (SELECT public.current_org_id()));
GRANT SELECT, INSERT, UPDATE, DELETE ON public.invoices TO authenticated;

-- FLAW documents-policy-or-widening: the read policy ORs in a condition that holds for
-- every signed-in user, whatever the organization (and with no organization at all).
CREATE TABLE public.documents (
  org_id uuid NOT NULL REFERENCES public.organizations (id) ON DELETE CASCADE,
  id     uuid NOT NULL DEFAULT gen_random_uuid(),
  title  text NOT NULL,
  PRIMARY KEY (org_id, id)
);
ALTER TABLE public.documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.documents FORCE ROW LEVEL SECURITY;
CREATE POLICY documents_read ON public.documents FOR SELECT TO authenticated
  USING (org_id = (SELECT public.current_org_id())
         OR (SELECT auth.jwt() ->> 'role') = 'authenticated');
CREATE POLICY documents_insert ON public.documents FOR INSERT TO authenticated
  WITH CHECK (org_id = (SELECT public.current_org_id()));
CREATE POLICY documents_update ON public.documents FOR UPDATE TO authenticated
  USING (org_id = (SELECT public.current_org_id()))
  WITH CHECK (org_id = (SELECT public.current_org_id()));
CREATE POLICY documents_delete ON public.documents FOR DELETE TO authenticated
  USING (org_id = (SELECT public.current_org_id()));
GRANT SELECT, INSERT, UPDATE, DELETE ON public.documents TO authenticated;

-- FLAW audit-events-no-rls: row level security never enabled, SELECT granted.
CREATE TABLE public.audit_events (
  org_id  uuid NOT NULL REFERENCES public.organizations (id) ON DELETE CASCADE,
  id      uuid NOT NULL DEFAULT gen_random_uuid(),
  message text NOT NULL,
  PRIMARY KEY (org_id, id)
);
GRANT SELECT ON public.audit_events TO authenticated;

-- FLAW definer-project-names-by-org: SECURITY DEFINER (the owner bypasses RLS) and it
-- trusts the org id it is given instead of the caller's.
CREATE FUNCTION public.project_names(p_org uuid)
RETURNS SETOF text
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $fn$ SELECT p.name FROM public.projects AS p WHERE p.org_id = p_org ORDER BY p.name $fn$;
GRANT EXECUTE ON FUNCTION public.project_names(uuid) TO authenticated;
