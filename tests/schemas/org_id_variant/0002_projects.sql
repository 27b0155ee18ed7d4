-- projects: done right (composite key, forced RLS, one policy per command).
-- It keeps one flaw: a global UNIQUE (id) that tasks reference.
CREATE TABLE public.projects (
  id     bigint GENERATED ALWAYS AS IDENTITY,
  org_id bigint NOT NULL REFERENCES public.organizations (id) ON DELETE CASCADE,
  name   text NOT NULL,
  PRIMARY KEY (org_id, id),
  CONSTRAINT projects_id_key UNIQUE (id)
);
ALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.projects FORCE ROW LEVEL SECURITY;
CREATE POLICY projects_select ON public.projects FOR SELECT TO authenticated
  USING (org_id = (SELECT public.current_org_id()));
CREATE POLICY projects_insert ON public.projects FOR INSERT TO authenticated
  WITH CHECK (org_id = (SELECT public.current_org_id()));
CREATE POLICY projects_update ON public.projects FOR UPDATE TO authenticated
  USING (org_id = (SELECT public.current_org_id()))
  WITH CHECK (org_id = (SELECT public.current_org_id()));
CREATE POLICY projects_delete ON public.projects FOR DELETE TO authenticated
  USING (org_id = (SELECT public.current_org_id()));
GRANT SELECT, INSERT, UPDATE, DELETE ON public.projects TO authenticated;
