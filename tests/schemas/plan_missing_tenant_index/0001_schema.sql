-- =============================================================================
-- Plan fixture: public.tasks has no index led by tenant_id (its key is id alone).
-- Expected: RLS201 on public.tasks; the hardened public.projects produces nothing.
-- =============================================================================

-- The tenant of the current transaction, NULL when unset or malformed. Policies call it
-- as (SELECT public.get_current_tenant_id()): an InitPlan, evaluated once per statement.
CREATE FUNCTION public.get_current_tenant_id()
RETURNS uuid
LANGUAGE plpgsql
STABLE
SET search_path = ''
AS $fn$
DECLARE
  v_raw text := pg_catalog.current_setting('app.current_tenant_id', true);
BEGIN
  IF v_raw IS NULL OR v_raw !~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$' THEN
    RETURN NULL;
  END IF;
  RETURN v_raw::uuid;
END
$fn$;

CREATE TABLE public.tenants (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name       varchar(200) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.projects (
  id         uuid NOT NULL DEFAULT gen_random_uuid(),
  tenant_id  uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
  name       varchar(200) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT projects_pkey PRIMARY KEY (tenant_id, id)
);

CREATE TABLE public.tasks (
  id         uuid NOT NULL DEFAULT gen_random_uuid(),
  tenant_id  uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
  project_id uuid NOT NULL,
  title      varchar(200) NOT NULL,
  status     varchar(20) NOT NULL DEFAULT 'open',
  body       text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tasks_pkey PRIMARY KEY (id),
  CONSTRAINT tasks_project_fkey FOREIGN KEY (tenant_id, project_id)
    REFERENCES public.projects (tenant_id, id) ON DELETE CASCADE,
  CONSTRAINT tasks_status_check CHECK (status IN ('open', 'doing', 'done'))
);

ALTER TABLE public.tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenants_tenant_select ON public.tenants
  AS PERMISSIVE FOR SELECT TO authenticated
  USING (id = (SELECT public.get_current_tenant_id()));

ALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.projects FORCE ROW LEVEL SECURITY;
CREATE POLICY projects_tenant ON public.projects
  AS PERMISSIVE FOR ALL TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));

ALTER TABLE public.tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.tasks FORCE ROW LEVEL SECURITY;
CREATE POLICY tasks_tenant ON public.tasks
  AS PERMISSIVE FOR ALL TO authenticated
  USING (tenant_id = (SELECT public.get_current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT public.get_current_tenant_id()));

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.tenants TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.projects, public.tasks TO authenticated;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC, anon;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO authenticated;
