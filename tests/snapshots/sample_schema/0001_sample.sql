-- The schema behind the reporters' sample result (tests/unit/test_report_sample.py).
-- It is never loaded into a server: the reporters only index where objects are created.

CREATE TABLE public.tenants (
  id uuid PRIMARY KEY,
  name text NOT NULL
);

CREATE TABLE public.users (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES public.tenants (id),
  email text NOT NULL
);

CREATE TABLE audit_logs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id uuid NOT NULL,
  new_values jsonb
);

CREATE TABLE public.system_config (key text PRIMARY KEY, value jsonb);

CREATE INDEX users_tenant_email_idx ON public.users (tenant_id, email);

ALTER TABLE public.users ENABLE ROW LEVEL SECURITY;

CREATE POLICY users_tenant ON public.users
  FOR ALL TO authenticated
  USING (tenant_id = get_current_tenant_id());

CREATE FUNCTION public.get_user_tenant_id(p_user uuid)
RETURNS uuid LANGUAGE sql STABLE SECURITY DEFINER
AS $$ SELECT tenant_id FROM users WHERE id = p_user $$;

CREATE MATERIALIZED VIEW public.tenant_statistics AS
  SELECT tenant_id, count(*) AS users FROM public.users GROUP BY tenant_id;
