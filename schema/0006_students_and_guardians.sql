-- =============================================================================
-- 0006 Students, guardians, enrollments
-- =============================================================================

CREATE TABLE public.students (
  id               uuid NOT NULL DEFAULT gen_random_uuid(),
  tenant_id        uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
  branch_id        uuid NOT NULL,
  user_id          uuid,                       -- the student's login, when it has one
  admission_number varchar(50) NOT NULL,
  first_name       varchar(100) NOT NULL,
  last_name        varchar(100) NOT NULL,
  date_of_birth    date,
  gender           varchar(20),
  status           varchar(20) NOT NULL DEFAULT 'active',
  admitted_on      date NOT NULL DEFAULT current_date,
  medical_notes    text,                       -- sensitive: see encrypt_sensitive_data
  created_at       timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT students_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT students_branch_fkey FOREIGN KEY (tenant_id, branch_id)
    REFERENCES public.branches (tenant_id, id) ON DELETE CASCADE,
  CONSTRAINT students_user_fkey FOREIGN KEY (tenant_id, user_id)
    REFERENCES public.users (tenant_id, id) ON DELETE SET NULL (user_id),
  CONSTRAINT students_admission_number_key UNIQUE (tenant_id, admission_number),
  CONSTRAINT students_user_key UNIQUE (tenant_id, user_id),
  CONSTRAINT students_status_check
    CHECK (status IN ('active', 'graduated', 'transferred', 'withdrawn', 'suspended')),
  CONSTRAINT students_date_of_birth_check CHECK (date_of_birth > DATE '1900-01-01')
);

CREATE TABLE public.guardians (
  id           uuid NOT NULL DEFAULT gen_random_uuid(),
  tenant_id    uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
  user_id      uuid,                           -- the guardian's login, when it has one
  first_name   varchar(100) NOT NULL,
  last_name    varchar(100) NOT NULL,
  email        varchar(255),
  phone        varchar(50),
  occupation   varchar(100),
  created_at   timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT guardians_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT guardians_user_fkey FOREIGN KEY (tenant_id, user_id)
    REFERENCES public.users (tenant_id, id) ON DELETE SET NULL (user_id),
  CONSTRAINT guardians_email_key UNIQUE (tenant_id, email),
  CONSTRAINT guardians_contact_check CHECK (email IS NOT NULL OR phone IS NOT NULL)
);

CREATE TABLE public.student_guardians (
  id           uuid NOT NULL DEFAULT gen_random_uuid(),
  tenant_id    uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
  student_id   uuid NOT NULL,
  guardian_id  uuid NOT NULL,
  relationship varchar(20) NOT NULL,
  is_primary   boolean NOT NULL DEFAULT false,
  can_pick_up  boolean NOT NULL DEFAULT true,
  created_at   timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT student_guardians_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT student_guardians_student_fkey FOREIGN KEY (tenant_id, student_id)
    REFERENCES public.students (tenant_id, id) ON DELETE CASCADE,
  CONSTRAINT student_guardians_guardian_fkey FOREIGN KEY (tenant_id, guardian_id)
    REFERENCES public.guardians (tenant_id, id) ON DELETE CASCADE,
  CONSTRAINT student_guardians_pair_key UNIQUE (tenant_id, student_id, guardian_id),
  CONSTRAINT student_guardians_relationship_check
    CHECK (relationship IN ('mother', 'father', 'guardian', 'grandparent', 'sibling', 'other'))
);

-- At most one primary guardian per student.
CREATE UNIQUE INDEX student_guardians_one_primary_idx
  ON public.student_guardians (tenant_id, student_id) WHERE is_primary;

CREATE TABLE public.enrollments (
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  tenant_id   uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
  student_id  uuid NOT NULL,
  class_id    uuid NOT NULL,
  enrolled_on date NOT NULL DEFAULT current_date,
  left_on     date,
  status      varchar(20) NOT NULL DEFAULT 'active',
  created_at  timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT enrollments_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT enrollments_student_fkey FOREIGN KEY (tenant_id, student_id)
    REFERENCES public.students (tenant_id, id) ON DELETE CASCADE,
  CONSTRAINT enrollments_class_fkey FOREIGN KEY (tenant_id, class_id)
    REFERENCES public.classes (tenant_id, id) ON DELETE CASCADE,
  CONSTRAINT enrollments_student_class_key UNIQUE (tenant_id, student_id, class_id),
  CONSTRAINT enrollments_status_check CHECK (status IN ('active', 'completed', 'dropped')),
  CONSTRAINT enrollments_dates_check CHECK (left_on IS NULL OR left_on >= enrolled_on)
);
