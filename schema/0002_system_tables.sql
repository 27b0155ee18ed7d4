-- =============================================================================
-- 0002 System tables (SPEC-009 "Core Tables Structure", hardened)
-- =============================================================================
-- system_config is platform-wide (not tenant data): service_role only, RLS on
-- and forced with no policy, so that a future grant cannot expose it.
-- platform_subscriptions is tenant data (billing of one tenant): keyed by
-- (tenant_id, id), RLS + FORCE, readable by its tenant, written by the
-- platform (service_role) only. Its foreign key to tenants is added in 0003,
-- once tenants exists (tenants.subscription_id references it back).
-- =============================================================================

-- System configuration
CREATE TABLE public.system_config (
  id          serial PRIMARY KEY,
  key         varchar(255) NOT NULL UNIQUE,
  value       jsonb,
  description text,
  created_at  timestamptz DEFAULT now(),
  updated_at  timestamptz DEFAULT now(),
  CONSTRAINT system_config_key_not_blank CHECK (btrim(key) <> '')
);

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.system_config
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- Platform subscriptions and billing
CREATE TABLE public.platform_subscriptions (
  id                   uuid NOT NULL DEFAULT gen_random_uuid(),
  tenant_id            uuid NOT NULL,
  plan_name            varchar(100) NOT NULL,
  status               varchar(50) NOT NULL DEFAULT 'active',
  billing_cycle        varchar(20) NOT NULL DEFAULT 'monthly',
  price_per_month      numeric(10,2),
  max_students         integer,
  max_staff            integer,
  max_branches         integer,
  features             jsonb DEFAULT '{}',
  trial_ends_at        timestamptz,
  current_period_start timestamptz DEFAULT now(),
  current_period_end   timestamptz,
  created_at           timestamptz DEFAULT now(),
  updated_at           timestamptz DEFAULT now(),
  CONSTRAINT platform_subscriptions_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT platform_subscriptions_status_check
    CHECK (status IN ('trialing', 'active', 'past_due', 'cancelled', 'expired')),
  CONSTRAINT platform_subscriptions_billing_cycle_check
    CHECK (billing_cycle IN ('monthly', 'quarterly', 'yearly')),
  CONSTRAINT platform_subscriptions_price_check CHECK (price_per_month >= 0),
  CONSTRAINT platform_subscriptions_limits_check
    CHECK (max_students >= 0 AND max_staff >= 0 AND max_branches >= 0),
  CONSTRAINT platform_subscriptions_period_check
    CHECK (current_period_end IS NULL OR current_period_end > current_period_start)
);

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.platform_subscriptions
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
