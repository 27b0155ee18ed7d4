-- Tenant tables for the lint suite: every way a table can get its tenant column.
-- Non-tenant tables: tenants, countries, plans, legacy_log (tenant_id dropped).

CREATE TABLE public.tenants (
  id uuid PRIMARY KEY,
  slug text NOT NULL UNIQUE,
  name text NOT NULL
);

CREATE TABLE countries (code char(2) PRIMARY KEY, name text NOT NULL);
CREATE TABLE plans (id int PRIMARY KEY, name text, price numeric(10,2));

CREATE TABLE students (
  id         uuid NOT NULL,
  tenant_id  uuid NOT NULL REFERENCES tenants (id),
  class_id   uuid,
  name       text NOT NULL, -- full name
  status     text NOT NULL DEFAULT 'active',
  email      text,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE classes (
  id         uuid NOT NULL,
  tenant_id  uuid NOT NULL,
  name       text NOT NULL,
  teacher_id uuid,
  CONSTRAINT classes_pkey PRIMARY KEY (tenant_id, id),
  -- PostgreSQL 15 syntax sqlglot does not parse: read by the fallback column reader
  CONSTRAINT classes_teacher_fkey FOREIGN KEY (tenant_id, teacher_id)
    REFERENCES teachers (tenant_id, id) ON DELETE SET NULL (teacher_id)
);

CREATE TABLE teachers (id uuid, tenant_id uuid NOT NULL, name text, PRIMARY KEY (tenant_id, id));

CREATE TABLE enrollments (
  tenant_id  uuid NOT NULL,
  student_id uuid NOT NULL,
  class_id   uuid NOT NULL,
  year       int NOT NULL
);

CREATE TABLE grades (
  id         uuid NOT NULL,
  tenant_id  uuid NOT NULL,
  student_id uuid NOT NULL,
  subject    text NOT NULL,
  score      numeric(5,2)
);

-- Partitioned by tenant, with a partition that inherits the columns.
CREATE TABLE attendance (
  tenant_id  uuid NOT NULL,
  student_id uuid NOT NULL,
  day        date NOT NULL,
  present    boolean NOT NULL
) PARTITION BY LIST (tenant_id);

CREATE TABLE attendance_big_school PARTITION OF attendance
  FOR VALUES IN ('00000000-0000-0000-0000-000000000001');

-- Tenant column added later.
CREATE TABLE notes (id uuid PRIMARY KEY, body text);
ALTER TABLE notes ADD COLUMN tenant_id uuid NOT NULL;

-- Tenant column added, then dropped: not a tenant table any more.
CREATE TABLE legacy_log (id bigint, message text);
ALTER TABLE legacy_log ADD COLUMN tenant_id uuid;
ALTER TABLE legacy_log DROP COLUMN tenant_id;

-- The tenant comes from the context by default: an INSERT may leave it out.
CREATE TABLE messages (
  id        uuid PRIMARY KEY,
  tenant_id uuid NOT NULL DEFAULT current_setting('app.current_tenant_id')::uuid,
  body      text
);

-- Copies of a tenant table's shape.
CREATE TABLE grades_archive (LIKE grades INCLUDING ALL);
CREATE TABLE honour_students (award text) INHERITS (students);

-- Schema-qualified, quoted, mixed case.
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id uuid, tenant_id uuid NOT NULL, amount numeric, status text);
CREATE TABLE "AuditTrail" ("Id" bigint, tenant_id uuid NOT NULL, "Action" text);

CREATE FOREIGN TABLE remote_scores (tenant_id uuid, student_id uuid, score int)
  SERVER score_server;

-- A materialized view keeps every tenant's rows and has no RLS of its own.
CREATE MATERIALIZED VIEW class_sizes AS
SELECT c.tenant_id, c.id AS class_id, count(*) AS size
  FROM classes c
  JOIN students s ON s.tenant_id = c.tenant_id AND s.class_id = c.id
 GROUP BY c.tenant_id, c.id;
