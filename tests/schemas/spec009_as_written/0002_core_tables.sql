-- SPEC-009 exactly as written (vulnerable fixture for rls-audit).
-- Source: SPEC-009 (Multi-Tenant Database Architecture Design), section: Database Architecture Components: 1. Core Tables Structure.
-- The SQL below is the spec's text; the only changes are the lines marked
-- "[fixture: removed ...]", each explained in README.md. DO NOT FIX THE FLAWS HERE.

-- ==============================================
-- CORE SYSTEM TABLES (Non-tenant specific)
-- ==============================================

-- System configuration
CREATE TABLE IF NOT EXISTS system_config (
  id SERIAL PRIMARY KEY,
  key VARCHAR(255) UNIQUE NOT NULL,
  value JSONB,
  description TEXT,
  created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

-- Platform subscriptions and billing
CREATE TABLE IF NOT EXISTS platform_subscriptions (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id UUID NOT NULL,
  plan_name VARCHAR(100) NOT NULL,
  status VARCHAR(50) NOT NULL DEFAULT 'active',
  billing_cycle VARCHAR(20) NOT NULL DEFAULT 'monthly',
  price_per_month DECIMAL(10,2),
  max_students INTEGER,
  max_staff INTEGER,
  max_branches INTEGER,
  features JSONB DEFAULT '{}',
  trial_ends_at TIMESTAMP WITH TIME ZONE,
  current_period_start TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  current_period_end TIMESTAMP WITH TIME ZONE,
  created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

-- ==============================================
-- TENANT MANAGEMENT TABLES
-- ==============================================

-- Primary tenants table
CREATE TABLE IF NOT EXISTS tenants (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  name VARCHAR(255) NOT NULL,
  slug VARCHAR(100) UNIQUE NOT NULL,
  subdomain VARCHAR(100) UNIQUE,
  custom_domain VARCHAR(255),
  logo_url TEXT,
  primary_color VARCHAR(7) DEFAULT '#2563eb',
  secondary_color VARCHAR(7) DEFAULT '#7c3aed',
  
  -- Contact Information
  contact_email VARCHAR(255),
  contact_phone VARCHAR(50),
  address JSONB, -- {street, city, state, country, postal_code}
  
  -- Settings
  settings JSONB DEFAULT '{}',
  features JSONB DEFAULT '{}',
  integrations JSONB DEFAULT '{}',
  
  -- Status and Metadata
  status VARCHAR(50) NOT NULL DEFAULT 'active',
  plan VARCHAR(50) NOT NULL DEFAULT 'basic',
  subscription_id UUID REFERENCES platform_subscriptions(id),
  
  -- Limits
  max_students INTEGER DEFAULT 1000,
  max_staff INTEGER DEFAULT 100,
  max_branches INTEGER DEFAULT 5,
  storage_limit_gb INTEGER DEFAULT 10,
  
  -- Timestamps
  trial_ends_at TIMESTAMP WITH TIME ZONE,
  activated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  deleted_at TIMESTAMP WITH TIME ZONE
);

-- Tenant branches (schools within a tenant)
CREATE TABLE IF NOT EXISTS branches (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  
  -- Basic Information
  name VARCHAR(255) NOT NULL,
  code VARCHAR(50) NOT NULL,
  type VARCHAR(50) NOT NULL DEFAULT 'school', -- school, campus, center
  
  -- Contact Information
  email VARCHAR(255),
  phone VARCHAR(50),
  website VARCHAR(255),
  
  -- Address
  address JSONB, -- {street, city, state, country, postal_code}
  coordinates JSONB, -- {latitude, longitude}
  
  -- Academic Information
  academic_year_start_month INTEGER DEFAULT 4, -- April
  academic_year_end_month INTEGER DEFAULT 3,   -- March
  
  -- Settings
  settings JSONB DEFAULT '{}',
  
  -- Status
  status VARCHAR(50) NOT NULL DEFAULT 'active',
  
  -- Timestamps
  established_date DATE,
  created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  deleted_at TIMESTAMP WITH TIME ZONE,
  
  UNIQUE(tenant_id, code)
);
