-- =============================================================================
-- 0005 Academic structure: academic years, subjects, classes
-- =============================================================================
-- The academic module SPEC-009 announces ("all business data ... RLS
-- protected") for SPEC-010. Same rules as every tenant table: key
-- (tenant_id, id), composite foreign keys that include tenant_id (a row can
-- only ever reference a row of its own tenant), RLS + FORCE (0009), audit
-- trigger (0008), tenant-led indexes (0010).
-- =============================================================================

CREATE TABLE public.academic_years (
  id         uuid NOT NULL DEFAULT gen_random_uuid(),
  tenant_id  uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
  branch_id  uuid NOT NULL,
  name       varchar(50) NOT NULL,              -- e.g. 2025-2026
  start_date date NOT NULL,
  end_date   date NOT NULL,
  is_current boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT academic_years_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT academic_years_branch_fkey FOREIGN KEY (tenant_id, branch_id)
    REFERENCES public.branches (tenant_id, id) ON DELETE CASCADE,
  CONSTRAINT academic_years_name_key UNIQUE (tenant_id, branch_id, name),
  CONSTRAINT academic_years_dates_check CHECK (end_date > start_date)
);

-- At most one current academic year per branch.
CREATE UNIQUE INDEX academic_years_one_current_idx
  ON public.academic_years (tenant_id, branch_id) WHERE is_current;

CREATE TABLE public.subjects (
  id                uuid NOT NULL DEFAULT gen_random_uuid(),
  tenant_id         uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
  parent_subject_id uuid,                       -- e.g. Algebra within Mathematics
  code              varchar(30) NOT NULL,
  name              varchar(150) NOT NULL,
  description       text,
  credits           numeric(4,1) NOT NULL DEFAULT 1,
  created_at        timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT subjects_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT subjects_parent_fkey FOREIGN KEY (tenant_id, parent_subject_id)
    REFERENCES public.subjects (tenant_id, id) ON DELETE SET NULL (parent_subject_id),
  CONSTRAINT subjects_code_key UNIQUE (tenant_id, code),
  CONSTRAINT subjects_not_own_parent CHECK (parent_subject_id <> id),
  CONSTRAINT subjects_credits_check CHECK (credits >= 0 AND credits <= 60)
);

CREATE TABLE public.classes (
  id                  uuid NOT NULL DEFAULT gen_random_uuid(),
  tenant_id           uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
  branch_id           uuid NOT NULL,
  academic_year_id    uuid NOT NULL,
  name                varchar(100) NOT NULL,      -- e.g. Grade 5 - B
  grade_level         smallint NOT NULL,
  section             varchar(10),
  homeroom_teacher_id uuid,
  capacity            integer NOT NULL DEFAULT 30,
  room                varchar(50),
  created_at          timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT classes_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT classes_branch_fkey FOREIGN KEY (tenant_id, branch_id)
    REFERENCES public.branches (tenant_id, id) ON DELETE CASCADE,
  CONSTRAINT classes_academic_year_fkey FOREIGN KEY (tenant_id, academic_year_id)
    REFERENCES public.academic_years (tenant_id, id) ON DELETE CASCADE,
  CONSTRAINT classes_homeroom_teacher_fkey FOREIGN KEY (tenant_id, homeroom_teacher_id)
    REFERENCES public.users (tenant_id, id) ON DELETE SET NULL (homeroom_teacher_id),
  CONSTRAINT classes_name_key UNIQUE (tenant_id, academic_year_id, name),
  CONSTRAINT classes_grade_level_check CHECK (grade_level BETWEEN 0 AND 13),
  CONSTRAINT classes_capacity_check CHECK (capacity BETWEEN 1 AND 200)
);
