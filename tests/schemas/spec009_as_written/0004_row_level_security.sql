-- SPEC-009 exactly as written (vulnerable fixture for rls-audit).
-- Source: SPEC-009 (Multi-Tenant Database Architecture Design), section: 3. Row-Level Security Implementation.
-- The SQL below is the spec's text; the only changes are the lines marked
-- "[fixture: removed ...]", each explained in README.md. DO NOT FIX THE FLAWS HERE.

-- ==============================================
-- ROW-LEVEL SECURITY POLICIES
-- ==============================================

-- Enable RLS on all tenant tables
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE branches ENABLE ROW LEVEL SECURITY;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_roles ENABLE ROW LEVEL SECURITY;

-- Tenants table policies
CREATE POLICY tenant_isolation_tenants ON tenants
  FOR ALL TO authenticated
  USING (id = get_current_tenant_id());

-- Branches table policies  
CREATE POLICY tenant_isolation_branches ON branches
  FOR ALL TO authenticated
  USING (tenant_id = get_current_tenant_id());

-- Users table policies
CREATE POLICY tenant_isolation_users ON users
  FOR ALL TO authenticated
  USING (tenant_id = get_current_tenant_id());

-- User roles table policies
CREATE POLICY tenant_isolation_user_roles ON user_roles
  FOR ALL TO authenticated
  USING (tenant_id = get_current_tenant_id());

-- ==============================================
-- SECURITY FUNCTIONS
-- ==============================================

-- Function to validate tenant access
CREATE OR REPLACE FUNCTION validate_tenant_access(check_tenant_id UUID)
RETURNS BOOLEAN AS $$
BEGIN
  RETURN check_tenant_id = get_current_tenant_id();
END;
$$ LANGUAGE plpgsql STABLE SECURITY DEFINER;

-- Function to get user's tenant
CREATE OR REPLACE FUNCTION get_user_tenant_id(user_uuid UUID)
RETURNS UUID AS $$
DECLARE
  user_tenant_id UUID;
BEGIN
  SELECT tenant_id INTO user_tenant_id
  FROM users
  WHERE id = user_uuid;
  
  RETURN user_tenant_id;
END;
$$ LANGUAGE plpgsql STABLE SECURITY DEFINER;
