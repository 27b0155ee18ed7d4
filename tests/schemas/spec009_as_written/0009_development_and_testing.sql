-- SPEC-009 exactly as written (vulnerable fixture for rls-audit).
-- Source: SPEC-009 (Multi-Tenant Database Architecture Design), section: Development and Testing: 1. Development Environment Setup, 2. Testing Data Patterns.
-- The SQL below is the spec's text; the only changes are the lines marked
-- "[fixture: removed ...]", each explained in README.md. DO NOT FIX THE FLAWS HERE.

-- ==============================================
-- DEVELOPMENT HELPERS
-- ==============================================

-- Function to set tenant context for development
CREATE OR REPLACE FUNCTION dev_set_tenant_context(tenant_slug TEXT)
RETURNS void AS $$
DECLARE
  tenant_uuid UUID;
BEGIN
  SELECT id INTO tenant_uuid FROM tenants WHERE slug = tenant_slug;
  
  IF tenant_uuid IS NULL THEN
    RAISE EXCEPTION 'Tenant not found: %', tenant_slug;
  END IF;
  
  PERFORM set_config('app.current_tenant_id', tenant_uuid::TEXT, false);
END;
$$ LANGUAGE plpgsql;

-- Usage: SELECT dev_set_tenant_context('demo-school');

-- ==============================================
-- TESTING UTILITIES
-- ==============================================

-- Function to create test tenant
CREATE OR REPLACE FUNCTION create_test_tenant(
  tenant_name TEXT,
  tenant_slug TEXT DEFAULT NULL
)
RETURNS UUID AS $$
DECLARE
  new_tenant_id UUID;
  new_branch_id UUID;
BEGIN
  -- Create tenant
  INSERT INTO tenants (name, slug, status, plan)
  VALUES (
    tenant_name,
    COALESCE(tenant_slug, lower(replace(tenant_name, ' ', '-'))),
    'active',
    'test'
  )
  RETURNING id INTO new_tenant_id;
  
  -- Create default branch
  INSERT INTO branches (tenant_id, name, code, status)
  VALUES (
    new_tenant_id,
    tenant_name || ' Main Campus',
    'MAIN',
    'active'
  )
  RETURNING id INTO new_branch_id;
  
  RETURN new_tenant_id;
END;
$$ LANGUAGE plpgsql;
