-- SPEC-009 exactly as written (vulnerable fixture for rls-audit).
-- Source: SPEC-009 (Multi-Tenant Database Architecture Design), section: 2. User Management Architecture.
-- The SQL below is the spec's text; the only changes are the lines marked
-- "[fixture: removed ...]", each explained in README.md. DO NOT FIX THE FLAWS HERE.

-- ==============================================
-- USER MANAGEMENT TABLES
-- ==============================================

-- Core users table (extends Supabase auth.users)
CREATE TABLE IF NOT EXISTS users (
  id UUID PRIMARY KEY REFERENCES auth.users(id) ON DELETE CASCADE,
  tenant_id UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  branch_id UUID REFERENCES branches(id) ON DELETE SET NULL,
  
  -- Personal Information
  first_name VARCHAR(100) NOT NULL,
  last_name VARCHAR(100) NOT NULL,
  middle_name VARCHAR(100),
  display_name VARCHAR(200),
  
  -- Contact Information
  email VARCHAR(255) UNIQUE NOT NULL,
  phone VARCHAR(50),
  alternate_phone VARCHAR(50),
  emergency_contact JSONB, -- {name, relationship, phone, email}
  
  -- Identity
  employee_id VARCHAR(100),
  student_id VARCHAR(100),
  avatar_url TEXT,
  date_of_birth DATE,
  gender VARCHAR(20),
  
  -- Address
  address JSONB, -- {street, city, state, country, postal_code}
  
  -- System Fields
  role VARCHAR(50) NOT NULL DEFAULT 'user',
  status VARCHAR(50) NOT NULL DEFAULT 'active',
  permissions JSONB DEFAULT '[]',
  preferences JSONB DEFAULT '{}',
  
  -- Authentication
  email_verified_at TIMESTAMP WITH TIME ZONE,
  phone_verified_at TIMESTAMP WITH TIME ZONE,
  last_login_at TIMESTAMP WITH TIME ZONE,
  password_changed_at TIMESTAMP WITH TIME ZONE,
  
  -- Timestamps
  created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  deleted_at TIMESTAMP WITH TIME ZONE,
  
  UNIQUE(tenant_id, email),
  UNIQUE(tenant_id, employee_id),
  UNIQUE(tenant_id, student_id)
);

-- User roles and permissions
CREATE TABLE IF NOT EXISTS user_roles (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role VARCHAR(100) NOT NULL,
  scope VARCHAR(100) DEFAULT 'tenant', -- tenant, branch, class
  scope_id UUID, -- branch_id or class_id
  granted_by UUID REFERENCES users(id),
  granted_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  expires_at TIMESTAMP WITH TIME ZONE,
  
  UNIQUE(tenant_id, user_id, role, scope, scope_id)
);
