-- SPEC-009 exactly as written (vulnerable fixture for rls-audit).
-- Source: SPEC-009 (Multi-Tenant Database Architecture Design), section: Security and Compliance: 2. Audit Trail System.
-- The SQL below is the spec's text; the only changes are the lines marked
-- "[fixture: removed ...]", each explained in README.md. DO NOT FIX THE FLAWS HERE.

-- ==============================================
-- AUDIT TRAIL SYSTEM
-- ==============================================

-- Audit log table
CREATE TABLE IF NOT EXISTS audit_logs (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id UUID REFERENCES tenants(id) ON DELETE CASCADE,
  
  -- Action details
  table_name VARCHAR(100) NOT NULL,
  record_id UUID,
  action VARCHAR(20) NOT NULL, -- INSERT, UPDATE, DELETE
  
  -- User context
  user_id UUID REFERENCES users(id) ON DELETE SET NULL,
  user_email VARCHAR(255),
  user_role VARCHAR(100),
  
  -- Request context
  ip_address INET,
  user_agent TEXT,
  request_id UUID,
  session_id VARCHAR(255),
  
  -- Change details
  old_values JSONB,
  new_values JSONB,
  changed_fields TEXT[],
  
  -- Metadata
  source VARCHAR(50) DEFAULT 'application', -- application, api, system
  reason TEXT,
  
  -- Timestamp
  created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

-- Create index for audit queries
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_audit_logs_tenant_table ON audit_logs(tenant_id, table_name, created_at DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_audit_logs_user ON audit_logs(tenant_id, user_id, created_at DESC);

-- Generic audit trigger function
CREATE OR REPLACE FUNCTION audit_trigger_function()
RETURNS TRIGGER AS $$
DECLARE
  tenant_uuid UUID;
  current_user_id UUID;
  current_user_email VARCHAR(255);
  old_values JSONB;
  new_values JSONB;
BEGIN
  -- Get tenant context
  tenant_uuid := get_current_tenant_id();
  
  -- Get current user info
  current_user_id := auth.uid();
  SELECT email INTO current_user_email FROM auth.users WHERE id = current_user_id;
  
  -- Prepare old and new values
  IF TG_OP = 'DELETE' THEN
    old_values := to_jsonb(OLD);
    new_values := NULL;
  ELSIF TG_OP = 'UPDATE' THEN
    old_values := to_jsonb(OLD);
    new_values := to_jsonb(NEW);
  ELSIF TG_OP = 'INSERT' THEN
    old_values := NULL;
    new_values := to_jsonb(NEW);
  END IF;
  
  -- Insert audit record
  INSERT INTO audit_logs (
    tenant_id,
    table_name,
    record_id,
    action,
    user_id,
    user_email,
    old_values,
    new_values
  ) VALUES (
    tenant_uuid,
    TG_TABLE_NAME,
    COALESCE(NEW.id, OLD.id),
    TG_OP,
    current_user_id,
    current_user_email,
    old_values,
    new_values
  );
  
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  ELSE
    RETURN NEW;
  END IF;
END;
$$ LANGUAGE plpgsql;
