-- =============================================================================
-- 0007 Attendance, assessments, grades; scope check for user_roles
-- =============================================================================

-- One row per student, class and day. The composite foreign key to
-- enrollments both keeps the row in its tenant and requires the student to be
-- enrolled in the class.
CREATE TABLE public.attendance (
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  tenant_id       uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
  student_id      uuid NOT NULL,
  class_id        uuid NOT NULL,
  attendance_date date NOT NULL DEFAULT current_date,
  status          varchar(10) NOT NULL,
  recorded_by     uuid,
  note            text,
  created_at      timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT attendance_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT attendance_enrollment_fkey FOREIGN KEY (tenant_id, student_id, class_id)
    REFERENCES public.enrollments (tenant_id, student_id, class_id) ON DELETE CASCADE,
  CONSTRAINT attendance_recorded_by_fkey FOREIGN KEY (tenant_id, recorded_by)
    REFERENCES public.users (tenant_id, id) ON DELETE SET NULL (recorded_by),
  CONSTRAINT attendance_one_per_day_key UNIQUE (tenant_id, student_id, class_id, attendance_date),
  CONSTRAINT attendance_status_check CHECK (status IN ('present', 'absent', 'late', 'excused'))
);

CREATE TABLE public.assessments (
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  tenant_id   uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
  class_id    uuid NOT NULL,
  subject_id  uuid NOT NULL,
  title       varchar(200) NOT NULL,
  kind        varchar(20) NOT NULL DEFAULT 'exam',
  max_score   numeric(6,2) NOT NULL DEFAULT 100,
  weight      numeric(5,2) NOT NULL DEFAULT 1,
  due_date    date,
  created_by  uuid,
  created_at  timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT assessments_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT assessments_class_fkey FOREIGN KEY (tenant_id, class_id)
    REFERENCES public.classes (tenant_id, id) ON DELETE CASCADE,
  CONSTRAINT assessments_subject_fkey FOREIGN KEY (tenant_id, subject_id)
    REFERENCES public.subjects (tenant_id, id) ON DELETE RESTRICT,
  CONSTRAINT assessments_created_by_fkey FOREIGN KEY (tenant_id, created_by)
    REFERENCES public.users (tenant_id, id) ON DELETE SET NULL (created_by),
  CONSTRAINT assessments_kind_check
    CHECK (kind IN ('exam', 'quiz', 'assignment', 'project', 'oral')),
  CONSTRAINT assessments_max_score_check CHECK (max_score > 0),
  CONSTRAINT assessments_weight_check CHECK (weight >= 0 AND weight <= 100)
);

CREATE TABLE public.grades (
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  tenant_id     uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
  assessment_id uuid NOT NULL,
  student_id    uuid NOT NULL,
  score         numeric(6,2) NOT NULL,
  graded_by     uuid,
  graded_at     timestamptz NOT NULL DEFAULT now(),
  comment       text,
  created_at    timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT grades_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT grades_assessment_fkey FOREIGN KEY (tenant_id, assessment_id)
    REFERENCES public.assessments (tenant_id, id) ON DELETE CASCADE,
  CONSTRAINT grades_student_fkey FOREIGN KEY (tenant_id, student_id)
    REFERENCES public.students (tenant_id, id) ON DELETE CASCADE,
  CONSTRAINT grades_graded_by_fkey FOREIGN KEY (tenant_id, graded_by)
    REFERENCES public.users (tenant_id, id) ON DELETE SET NULL (graded_by),
  CONSTRAINT grades_one_per_assessment_key UNIQUE (tenant_id, assessment_id, student_id),
  CONSTRAINT grades_score_check CHECK (score >= 0 AND score <= 1000)
);

-- user_roles.scope_id points at a branch or a class of the same tenant. It is
-- polymorphic, so no foreign key can express it; this trigger does. It is
-- SECURITY INVOKER on purpose: for an API role the lookup is itself filtered
-- by RLS, so "not found" is the answer for a missing row and for another
-- tenant's row alike (no existence oracle); the explicit tenant predicate
-- covers the roles that bypass RLS.
CREATE FUNCTION public.user_roles_check_scope()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $fn$
BEGIN
  IF NEW.scope = 'branch' AND NOT EXISTS (
       SELECT 1 FROM public.branches b WHERE b.tenant_id = NEW.tenant_id AND b.id = NEW.scope_id)
  THEN
    RAISE EXCEPTION 'user_roles.scope_id % is not a branch of this tenant', NEW.scope_id
      USING ERRCODE = 'foreign_key_violation';
  ELSIF NEW.scope = 'class' AND NOT EXISTS (
       SELECT 1 FROM public.classes c WHERE c.tenant_id = NEW.tenant_id AND c.id = NEW.scope_id)
  THEN
    RAISE EXCEPTION 'user_roles.scope_id % is not a class of this tenant', NEW.scope_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END
$fn$;

CREATE TRIGGER check_scope BEFORE INSERT OR UPDATE OF tenant_id, scope, scope_id ON public.user_roles
  FOR EACH ROW EXECUTE FUNCTION public.user_roles_check_scope();
