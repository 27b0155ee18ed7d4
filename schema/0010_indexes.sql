-- =============================================================================
-- 0010 Indexes (SPEC-009 "Performance Indexes", hardened)
-- =============================================================================
-- Every tenant table is already indexed by tenant first through its primary
-- key (tenant_id, id). SPEC-009's indexes are kept as written, CONCURRENTLY
-- (the loader runs those outside a transaction); some of them duplicate a
-- prefix of a primary key or unique constraint and are kept for fidelity.
-- Foreign keys get a tenant-led index on the referencing side, so that
-- cascades and joins never scan another tenant's rows.
-- =============================================================================

-- Tenant-based indexes (most important)
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_branches_tenant_id ON public.branches (tenant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_tenant_id ON public.users (tenant_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_user_roles_tenant_id ON public.user_roles (tenant_id);

-- Composite indexes for common queries
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_tenant_email ON public.users (tenant_id, email);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_tenant_status ON public.users (tenant_id, status);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_branches_tenant_status ON public.branches (tenant_id, status);

-- Partial indexes for active records
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_active ON public.users (tenant_id, id)
  WHERE status = 'active' AND deleted_at IS NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_branches_active ON public.branches (tenant_id, id)
  WHERE status = 'active' AND deleted_at IS NULL;

-- Search index: tenant first (btree_gin is not available everywhere, so the
-- full-text index cannot lead with tenant_id; queries combine it with the
-- tenant indexes above).
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_search ON public.users
  USING gin (pg_catalog.to_tsvector('pg_catalog.english'::regconfig,
             first_name || ' ' || last_name || ' ' || COALESCE(email, '')));

-- Audit queries
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_audit_logs_tenant_table
  ON public.audit_logs (tenant_id, table_name, created_at DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_audit_logs_user
  ON public.audit_logs (tenant_id, user_id, created_at DESC);

-- Platform
CREATE INDEX idx_platform_subscriptions_tenant_status ON public.platform_subscriptions (tenant_id, status);

-- Foreign keys (referencing side, tenant first). Those already covered by a
-- primary key or unique constraint prefix are not repeated.
CREATE INDEX idx_users_tenant_branch ON public.users (tenant_id, branch_id);
CREATE INDEX idx_user_roles_tenant_granted_by ON public.user_roles (tenant_id, granted_by);
CREATE INDEX idx_user_roles_tenant_scope ON public.user_roles (tenant_id, scope, scope_id);
CREATE INDEX idx_subjects_tenant_parent ON public.subjects (tenant_id, parent_subject_id);
CREATE INDEX idx_classes_tenant_branch ON public.classes (tenant_id, branch_id);
CREATE INDEX idx_classes_tenant_homeroom_teacher ON public.classes (tenant_id, homeroom_teacher_id);
CREATE INDEX idx_students_tenant_branch ON public.students (tenant_id, branch_id);
CREATE INDEX idx_students_tenant_name ON public.students (tenant_id, last_name, first_name);
CREATE INDEX idx_guardians_tenant_user ON public.guardians (tenant_id, user_id);
CREATE INDEX idx_student_guardians_tenant_guardian ON public.student_guardians (tenant_id, guardian_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_enrollments_tenant_class ON public.enrollments (tenant_id, class_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_attendance_tenant_class_date
  ON public.attendance (tenant_id, class_id, attendance_date);
CREATE INDEX idx_attendance_tenant_recorded_by ON public.attendance (tenant_id, recorded_by);
CREATE INDEX idx_assessments_tenant_class ON public.assessments (tenant_id, class_id);
CREATE INDEX idx_assessments_tenant_subject ON public.assessments (tenant_id, subject_id);
CREATE INDEX idx_assessments_tenant_created_by ON public.assessments (tenant_id, created_by);
CREATE INDEX idx_grades_tenant_student ON public.grades (tenant_id, student_id);
CREATE INDEX idx_grades_tenant_graded_by ON public.grades (tenant_id, graded_by);
