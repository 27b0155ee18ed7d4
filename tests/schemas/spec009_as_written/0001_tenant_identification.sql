-- SPEC-009 exactly as written (vulnerable fixture for rls-audit).
-- Source: SPEC-009 (Multi-Tenant Database Architecture Design), section: 1. Tenant Isolation Strategy; 2. Database Schema Organization; 3. Tenant ID Strategy.
-- The SQL below is the spec's text; the only changes are the lines marked
-- "[fixture: removed ...]", each explained in README.md. DO NOT FIX THE FLAWS HERE.

-- Core tenant isolation pattern
-- [fixture: removed, see README change C6] CREATE POLICY tenant_isolation_policy ON table_name
-- [fixture: removed, see README change C6]   FOR ALL TO authenticated
-- [fixture: removed, see README change C6]   USING (tenant_id = current_setting('app.current_tenant_id')::uuid);

-- ==============================================
-- MULTI-TENANT SCHEMA STRUCTURE
-- ==============================================

-- Core tenant tables (shared)
CREATE SCHEMA IF NOT EXISTS public;

-- Tenant-specific data (isolated by RLS)
-- All tables will include tenant_id for isolation

-- System tables (not tenant-specific)
-- - Authentication
-- - System configuration
-- - Audit logs (with tenant context)

-- Tenant tables (RLS protected)
-- - All business data
-- - User data
-- - Application data

-- ==============================================
-- TENANT IDENTIFICATION SYSTEM
-- ==============================================

-- Primary tenant identifier
CREATE DOMAIN tenant_uuid AS UUID NOT NULL;

-- Tenant context setting
-- Set per connection: SET app.current_tenant_id = 'tenant-uuid-here'

-- Helper function to get current tenant
CREATE OR REPLACE FUNCTION get_current_tenant_id()
RETURNS UUID AS $$
BEGIN
  RETURN current_setting('app.current_tenant_id', true)::UUID;
EXCEPTION
  WHEN OTHERS THEN
    RETURN NULL;
END;
$$ LANGUAGE plpgsql STABLE;

-- Helper function to ensure tenant context
CREATE OR REPLACE FUNCTION ensure_tenant_context()
RETURNS UUID AS $$
DECLARE
  tenant_id UUID;
BEGIN
  tenant_id := get_current_tenant_id();
  
  IF tenant_id IS NULL THEN
    RAISE EXCEPTION 'No tenant context set. Please set app.current_tenant_id';
  END IF;
  
  RETURN tenant_id;
END;
$$ LANGUAGE plpgsql STABLE;
