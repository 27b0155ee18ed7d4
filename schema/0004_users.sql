-- =============================================================================
-- 0004 Users and roles (SPEC-009 "User Management Tables", hardened)
-- =============================================================================
-- users extends Supabase auth.users: users.id is the auth user id. The
-- primary key is (tenant_id, id): no uniqueness spans tenants, so no
-- duplicate-key error can reveal another tenant's user or e-mail (SPEC-009's
-- global UNIQUE (email) is replaced by UNIQUE (tenant_id, email)). An auth
-- user may therefore hold a profile in several tenants.
-- Profiles are provisioned by the platform (service_role): the API roles do
-- not get INSERT on users, nor UPDATE of id/tenant_id (0013), because
-- users.id -> auth.users(id) is a global reference: inserting a profile would
-- tell a tenant whether any UUID is a registered account.
-- =============================================================================

-- Core users table (extends Supabase auth.users)
CREATE TABLE public.users (
  id                  uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  tenant_id           uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
  branch_id           uuid,

  -- Personal Information
  first_name          varchar(100) NOT NULL,
  last_name           varchar(100) NOT NULL,
  middle_name         varchar(100),
  display_name        varchar(200),

  -- Contact Information
  email               varchar(255) NOT NULL,
  phone               varchar(50),
  alternate_phone     varchar(50),
  emergency_contact   jsonb, -- {name, relationship, phone, email}

  -- Identity
  employee_id         varchar(100),
  student_id          varchar(100),
  avatar_url          text,
  date_of_birth       date,
  gender              varchar(20),

  -- Address
  address             jsonb, -- {street, city, state, country, postal_code}

  -- System Fields
  role                varchar(50) NOT NULL DEFAULT 'user',
  status              varchar(50) NOT NULL DEFAULT 'active',
  permissions         jsonb DEFAULT '[]',
  preferences         jsonb DEFAULT '{}',

  -- Authentication
  email_verified_at   timestamptz,
  phone_verified_at   timestamptz,
  last_login_at       timestamptz,
  password_changed_at timestamptz,

  -- Timestamps
  created_at          timestamptz DEFAULT now(),
  updated_at          timestamptz DEFAULT now(),
  deleted_at          timestamptz,

  CONSTRAINT users_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT users_branch_fkey FOREIGN KEY (tenant_id, branch_id)
    REFERENCES public.branches (tenant_id, id) ON DELETE SET NULL (branch_id),
  CONSTRAINT users_tenant_id_email_key UNIQUE (tenant_id, email),
  CONSTRAINT users_tenant_id_employee_id_key UNIQUE (tenant_id, employee_id),
  CONSTRAINT users_tenant_id_student_id_key UNIQUE (tenant_id, student_id),
  CONSTRAINT users_email_check CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
  CONSTRAINT users_role_check
    CHECK (role IN ('user', 'owner', 'admin', 'principal', 'teacher', 'staff', 'student', 'parent')),
  CONSTRAINT users_status_check CHECK (status IN ('active', 'inactive', 'suspended', 'invited')),
  CONSTRAINT users_date_of_birth_check CHECK (date_of_birth > DATE '1900-01-01')
);

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.users
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- User roles and permissions
CREATE TABLE public.user_roles (
  id         uuid NOT NULL DEFAULT gen_random_uuid(),
  tenant_id  uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL,
  role       varchar(100) NOT NULL,
  scope      varchar(100) DEFAULT 'tenant', -- tenant, branch, class
  scope_id   uuid,                          -- branch_id or class_id (checked by a trigger, 0007)
  granted_by uuid,
  granted_at timestamptz DEFAULT now(),
  expires_at timestamptz,

  CONSTRAINT user_roles_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT user_roles_user_fkey FOREIGN KEY (tenant_id, user_id)
    REFERENCES public.users (tenant_id, id) ON DELETE CASCADE,
  CONSTRAINT user_roles_granted_by_fkey FOREIGN KEY (tenant_id, granted_by)
    REFERENCES public.users (tenant_id, id) ON DELETE SET NULL (granted_by),
  CONSTRAINT user_roles_unique_grant UNIQUE NULLS NOT DISTINCT (tenant_id, user_id, role, scope, scope_id),
  CONSTRAINT user_roles_scope_check CHECK (scope IN ('tenant', 'branch', 'class')),
  CONSTRAINT user_roles_scope_id_check CHECK ((scope = 'tenant') = (scope_id IS NULL)),
  CONSTRAINT user_roles_expiry_check CHECK (expires_at IS NULL OR expires_at > granted_at)
);
