-- SPEC-009 exactly as written (vulnerable fixture for rls-audit).
-- Source: SPEC-009 (Multi-Tenant Database Architecture Design), section: Scalability Considerations: 1. Database Scaling, 2. Caching Strategy.
-- The SQL below is the spec's text; the only changes are the lines marked
-- "[fixture: removed ...]", each explained in README.md. DO NOT FIX THE FLAWS HERE.

-- ==============================================
-- SCALING CONFIGURATION
-- ==============================================

-- Partitioning strategy for large tables (future)
-- Partition by tenant_id for very large tenants
-- Partition by date for time-series data (audit_logs, etc.)

-- Read replica configuration
-- Primary: Write operations
-- Replicas: Read operations, reporting, analytics

-- Connection string patterns:
-- Write: postgresql://primary-host/db
-- Read: postgresql://replica-host/db

-- ==============================================
-- CACHING LAYERS
-- ==============================================

-- 1. Application-level caching (Redis)
--    - User sessions
--    - Tenant configurations
--    - Frequently accessed lookup data

-- 2. Database-level caching
--    - Materialized views for complex aggregations
--    - Function result caching

-- Materialized view for tenant statistics
CREATE MATERIALIZED VIEW tenant_statistics AS
SELECT 
  t.id as tenant_id,
  t.name as tenant_name,
  COUNT(DISTINCT b.id) as branch_count,
  COUNT(DISTINCT u.id) as user_count,
  COUNT(DISTINCT CASE WHEN u.role = 'student' THEN u.id END) as student_count,
  COUNT(DISTINCT CASE WHEN u.role = 'teacher' THEN u.id END) as teacher_count,
  MAX(u.last_login_at) as last_activity,
  t.updated_at
FROM tenants t
LEFT JOIN branches b ON b.tenant_id = t.id AND b.deleted_at IS NULL
LEFT JOIN users u ON u.tenant_id = t.id AND u.deleted_at IS NULL
WHERE t.deleted_at IS NULL
GROUP BY t.id, t.name, t.updated_at;

-- Refresh index for materialized view
CREATE UNIQUE INDEX ON tenant_statistics (tenant_id);

-- Function to refresh statistics
CREATE OR REPLACE FUNCTION refresh_tenant_statistics()
RETURNS void AS $$
BEGIN
  REFRESH MATERIALIZED VIEW CONCURRENTLY tenant_statistics;
END;
$$ LANGUAGE plpgsql;
