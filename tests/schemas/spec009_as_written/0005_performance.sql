-- SPEC-009 exactly as written (vulnerable fixture for rls-audit).
-- Source: SPEC-009 (Multi-Tenant Database Architecture Design), section: Performance Optimization Strategies: 1. Indexing, 2. Connection Pooling, 3. Query Optimization.
-- The SQL below is the spec's text; the only changes are the lines marked
-- "[fixture: removed ...]", each explained in README.md. DO NOT FIX THE FLAWS HERE.

-- ==============================================
-- PERFORMANCE INDEXES
-- ==============================================

-- Tenant-based indexes (most important)
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_branches_tenant_id ON branches(tenant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_tenant_id ON users(tenant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_user_roles_tenant_id ON user_roles(tenant_id);

-- Composite indexes for common queries
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_tenant_email ON users(tenant_id, email);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_tenant_status ON users(tenant_id, status);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_branches_tenant_status ON branches(tenant_id, status);

-- Partial indexes for active records
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_active ON users(tenant_id, id) 
  WHERE status = 'active' AND deleted_at IS NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_branches_active ON branches(tenant_id, id) 
  WHERE status = 'active' AND deleted_at IS NULL;

-- Search indexes
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_search ON users 
  USING gin(to_tsvector('english', first_name || ' ' || last_name || ' ' || COALESCE(email, '')));

-- ==============================================
-- CONNECTION POOLING SETTINGS
-- ==============================================

-- Recommended Supabase pooler settings:
-- Pool Mode: Transaction
-- Pool Size: 20-50 per tenant cluster
-- Max Client Connections: 200-500
-- Default Pool Size: 25

-- Connection timeout settings
-- [fixture: removed, see README change C4] ALTER SYSTEM SET idle_in_transaction_session_timeout = '5min';
-- [fixture: removed, see README change C4] ALTER SYSTEM SET statement_timeout = '30s';
-- [fixture: removed, see README change C4] ALTER SYSTEM SET lock_timeout = '10s';

-- ==============================================
-- OPTIMIZED QUERY PATTERNS
-- ==============================================

-- Always include tenant_id in WHERE clauses
-- BAD:
-- SELECT * FROM users WHERE email = 'user@example.com';

-- GOOD:
-- SELECT * FROM users WHERE tenant_id = get_current_tenant_id() AND email = 'user@example.com';

-- Use prepared statements with tenant context
-- [fixture: removed, see README change C5] PREPARE get_tenant_users AS 
-- [fixture: removed, see README change C5]   SELECT * FROM users 
-- [fixture: removed, see README change C5]   WHERE tenant_id = $1 AND status = 'active'
-- [fixture: removed, see README change C5]   ORDER BY created_at DESC
-- [fixture: removed, see README change C5]   LIMIT $2 OFFSET $3;

-- Efficient counting with estimates for large datasets
CREATE OR REPLACE FUNCTION estimate_tenant_table_count(
  table_name TEXT,
  tenant_uuid UUID
) RETURNS INTEGER AS $$
DECLARE
  row_count INTEGER;
BEGIN
  EXECUTE format('
    SELECT CASE 
      WHEN c.reltuples < 10000 THEN (SELECT COUNT(*) FROM %I WHERE tenant_id = $1)
      ELSE c.reltuples::INTEGER
    END
    FROM pg_class c
    WHERE c.relname = %L
  ', table_name, table_name) 
  INTO row_count
  USING tenant_uuid;
  
  RETURN row_count;
END;
$$ LANGUAGE plpgsql STABLE;
