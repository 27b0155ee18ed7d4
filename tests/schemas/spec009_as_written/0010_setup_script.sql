-- SPEC-009 exactly as written (vulnerable fixture for rls-audit).
-- Source: SPEC-009 (Multi-Tenant Database Architecture Design), section: Implementation Requirements: 1. Database Setup Script (setup_multi_tenant_architecture.sql).
-- The SQL below is the spec's text; the only changes are the lines marked
-- "[fixture: removed ...]", each explained in README.md. DO NOT FIX THE FLAWS HERE.

-- Run this script to set up the complete multi-tenant architecture
-- This file combines all the above SQL into a single setup script

-- [fixture: removed, see README change C1] \echo 'Setting up Multi-Tenant Database Architecture...'

-- Enable required extensions
-- [fixture: removed, see README change C3] CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
-- [fixture: removed, see README change C3] CREATE EXTENSION IF NOT EXISTS "pgcrypto";
CREATE EXTENSION IF NOT EXISTS "pg_stat_statements";

-- Create custom types
-- [fixture: removed, see README change C2] CREATE DOMAIN tenant_uuid AS UUID NOT NULL;

-- Run all table creation scripts
-- [fixture: removed, see README change C1] \i 'SPEC-010-core-tables.sql'

-- Set up security policies
-- [fixture: removed, see README change C1] \i 'SPEC-021-auth-helpers.sql'
-- [fixture: removed, see README change C1] \i 'SPEC-022-tenant-isolation.sql'

-- [fixture: removed, see README change C1] \echo 'Multi-Tenant Architecture setup complete!'
