-- =============================================================================
-- 0012 Tenant statistics (SPEC-009 "Caching Strategy", hardened)
-- =============================================================================
-- A materialized view is a snapshot with no row-level security: it is NOT
-- readable by anon/authenticated (0013). A tenant reads its own row through
-- public.get_tenant_statistics(), a SECURITY DEFINER function with a fixed
-- search_path that returns the current tenant's row only.
-- =============================================================================

-- Materialized view for tenant statistics
CREATE MATERIALIZED VIEW public.tenant_statistics AS
SELECT
  t.id AS tenant_id,
  t.name AS tenant_name,
  count(DISTINCT b.id) AS branch_count,
  count(DISTINCT u.id) AS user_count,
  count(DISTINCT CASE WHEN u.role = 'student' THEN u.id END) AS student_count,
  count(DISTINCT CASE WHEN u.role = 'teacher' THEN u.id END) AS teacher_count,
  max(u.last_login_at) AS last_activity,
  t.updated_at
FROM public.tenants t
LEFT JOIN public.branches b ON b.tenant_id = t.id AND b.deleted_at IS NULL
LEFT JOIN public.users u ON u.tenant_id = t.id AND u.deleted_at IS NULL
WHERE t.deleted_at IS NULL
GROUP BY t.id, t.name, t.updated_at;

-- Unique index, needed by REFRESH ... CONCURRENTLY
CREATE UNIQUE INDEX tenant_statistics_tenant_id_idx ON public.tenant_statistics (tenant_id);

REVOKE ALL ON public.tenant_statistics FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.tenant_statistics TO service_role;

-- Function to refresh statistics. SECURITY DEFINER because only the owner of
-- a materialized view may refresh it; executable by service_role only.
CREATE FUNCTION public.refresh_tenant_statistics()
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $fn$
BEGIN
  REFRESH MATERIALIZED VIEW CONCURRENTLY public.tenant_statistics;
END
$fn$;

-- The current tenant's statistics (no row without a tenant context).
CREATE FUNCTION public.get_tenant_statistics()
RETURNS TABLE (
  tenant_id     uuid,
  tenant_name   varchar(255),
  branch_count  bigint,
  user_count    bigint,
  student_count bigint,
  teacher_count bigint,
  last_activity timestamptz,
  updated_at    timestamptz
)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $fn$
  SELECT s.tenant_id, s.tenant_name, s.branch_count, s.user_count,
         s.student_count, s.teacher_count, s.last_activity, s.updated_at
    FROM public.tenant_statistics s
   WHERE s.tenant_id = public.get_current_tenant_id();
$fn$;
