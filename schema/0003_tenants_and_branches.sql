-- =============================================================================
-- 0003 Tenants and branches (SPEC-009 "Tenant Management Tables", hardened)
-- =============================================================================
-- tenants is keyed by id (the tenant column of this table). slug and
-- subdomain stay globally unique (they route requests), which is safe only
-- because the API roles can neither INSERT tenants nor UPDATE those columns
-- (0013: column-level UPDATE grants on branding columns only); otherwise a
-- duplicate-key error would tell tenant A which slugs other tenants use.
-- Every other table is keyed by (tenant_id, id) and references its parents
-- with composite foreign keys that include tenant_id.
-- =============================================================================

-- Primary tenants table
CREATE TABLE public.tenants (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name             varchar(255) NOT NULL,
  slug             varchar(100) UNIQUE NOT NULL,
  subdomain        varchar(100) UNIQUE,
  custom_domain    varchar(255),
  logo_url         text,
  primary_color    varchar(7) DEFAULT '#2563eb',
  secondary_color  varchar(7) DEFAULT '#7c3aed',

  -- Contact Information
  contact_email    varchar(255),
  contact_phone    varchar(50),
  address          jsonb, -- {street, city, state, country, postal_code}

  -- Settings
  settings         jsonb DEFAULT '{}',
  features         jsonb DEFAULT '{}',
  integrations     jsonb DEFAULT '{}',

  -- Status and Metadata
  status           varchar(50) NOT NULL DEFAULT 'active',
  plan             varchar(50) NOT NULL DEFAULT 'basic',
  subscription_id  uuid,

  -- Limits
  max_students     integer DEFAULT 1000,
  max_staff        integer DEFAULT 100,
  max_branches     integer DEFAULT 5,
  storage_limit_gb integer DEFAULT 10,

  -- Timestamps
  trial_ends_at    timestamptz,
  activated_at     timestamptz DEFAULT now(),
  created_at       timestamptz DEFAULT now(),
  updated_at       timestamptz DEFAULT now(),
  deleted_at       timestamptz,

  -- A tenant's subscription must be one of its own subscriptions.
  CONSTRAINT tenants_subscription_fkey FOREIGN KEY (id, subscription_id)
    REFERENCES public.platform_subscriptions (tenant_id, id) ON DELETE SET NULL (subscription_id),
  CONSTRAINT tenants_name_not_blank CHECK (btrim(name) <> ''),
  CONSTRAINT tenants_slug_not_blank CHECK (btrim(slug) <> ''),
  CONSTRAINT tenants_status_check
    CHECK (status IN ('active', 'inactive', 'suspended', 'trial', 'cancelled')),
  CONSTRAINT tenants_colors_check
    CHECK (primary_color ~ '^#[0-9A-Fa-f]{6}$' AND secondary_color ~ '^#[0-9A-Fa-f]{6}$'),
  CONSTRAINT tenants_limits_check
    CHECK (max_students >= 0 AND max_staff >= 0 AND max_branches >= 0 AND storage_limit_gb >= 0)
);

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.tenants
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE public.platform_subscriptions
  ADD CONSTRAINT platform_subscriptions_tenant_id_fkey
  FOREIGN KEY (tenant_id) REFERENCES public.tenants (id) ON DELETE CASCADE;

-- Tenant branches (schools within a tenant)
CREATE TABLE public.branches (
  id                        uuid NOT NULL DEFAULT gen_random_uuid(),
  tenant_id                 uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,

  -- Basic Information
  name                      varchar(255) NOT NULL,
  code                      varchar(50) NOT NULL,
  type                      varchar(50) NOT NULL DEFAULT 'school', -- school, campus, center

  -- Contact Information
  email                     varchar(255),
  phone                     varchar(50),
  website                   varchar(255),

  -- Address
  address                   jsonb, -- {street, city, state, country, postal_code}
  coordinates               jsonb, -- {latitude, longitude}

  -- Academic Information
  academic_year_start_month integer DEFAULT 4, -- April
  academic_year_end_month   integer DEFAULT 3, -- March

  -- Settings
  settings                  jsonb DEFAULT '{}',

  -- Status
  status                    varchar(50) NOT NULL DEFAULT 'active',

  -- Timestamps
  established_date          date,
  created_at                timestamptz DEFAULT now(),
  updated_at                timestamptz DEFAULT now(),
  deleted_at                timestamptz,

  CONSTRAINT branches_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT branches_tenant_id_code_key UNIQUE (tenant_id, code),
  CONSTRAINT branches_type_check CHECK (type IN ('school', 'campus', 'center')),
  CONSTRAINT branches_status_check CHECK (status IN ('active', 'inactive', 'archived')),
  CONSTRAINT branches_months_check
    CHECK (academic_year_start_month BETWEEN 1 AND 12 AND academic_year_end_month BETWEEN 1 AND 12)
);

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.branches
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
