-- case: view_restricted_by_context
-- expect: clean
CREATE VIEW my_students AS
SELECT * FROM students WHERE tenant_id = current_setting('app.current_tenant_id')::uuid;

-- case: view_unrestricted
-- expect: RLS301 public.classes
CREATE OR REPLACE VIEW class_names AS SELECT id, name FROM classes;

-- case: materialized_view_over_tenants
-- expect: RLS301 public.students
CREATE MATERIALIZED VIEW student_counts AS
SELECT t.id AS tenant_id, count(s.id) AS n FROM tenants t LEFT JOIN students s ON s.tenant_id = t.id GROUP BY t.id;

-- case: create_table_as_copy_of_all_tenants
-- expect: RLS301 public.grades
CREATE TABLE grades_backup AS SELECT * FROM grades;

-- case: sql_function_with_named_parameter
-- expect: clean
CREATE FUNCTION class_roster(p_tenant uuid, p_class uuid) RETURNS SETOF students
LANGUAGE sql STABLE AS $$
  SELECT * FROM students WHERE tenant_id = p_tenant AND class_id = p_class;
$$;

-- case: sql_function_positional_parameter
-- expect: clean
CREATE FUNCTION class_count(uuid) RETURNS bigint LANGUAGE sql
AS 'SELECT count(*) FROM classes WHERE tenant_id = $1';

-- case: sql_function_unrestricted
-- expect: RLS301 public.students
CREATE OR REPLACE FUNCTION find_student(p_email text) RETURNS SETOF students AS $fn$
  SELECT * FROM students WHERE email = p_email
$fn$ LANGUAGE sql SECURITY DEFINER;

-- case: plpgsql_select_into_with_variable
-- expect: clean
CREATE FUNCTION student_class(p_student uuid) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
  v_tenant uuid := current_setting('app.current_tenant_id')::uuid;
  v_class  uuid;
BEGIN
  SELECT s.class_id INTO v_class FROM students s WHERE s.tenant_id = v_tenant AND s.id = p_student;
  RETURN v_class;
END
$$;

-- case: plpgsql_select_into_unrestricted
-- expect: RLS301 public.students
CREATE FUNCTION student_by_email(p_email text) RETURNS uuid LANGUAGE plpgsql
SECURITY DEFINER AS $$
DECLARE
  v_id uuid;
BEGIN
  SELECT id INTO STRICT v_id FROM students WHERE email = p_email;
  RETURN v_id;
END
$$;

-- case: plpgsql_statements_of_every_kind
-- expect: RLS301 public.grades
-- expect: RLS301 public.enrollments
-- expect: RLS301 public.teachers
-- expect: RLS302 public.notes
CREATE OR REPLACE FUNCTION nightly(p_tenant uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $body$
DECLARE
  r record;
  n int;
BEGIN
  -- restricted: fine
  PERFORM 1 FROM students WHERE tenant_id = p_tenant;
  -- PERFORM without a tenant
  PERFORM count(*) FROM grades;
  IF EXISTS (SELECT 1 FROM enrollments WHERE year < 2000) THEN
    RAISE NOTICE 'old enrollments';
  END IF;
  FOR r IN SELECT id FROM teachers LOOP
    UPDATE classes SET teacher_id = NULL WHERE tenant_id = p_tenant AND teacher_id = r.id;
  END LOOP;
  INSERT INTO notes (id, body) VALUES (gen_random_uuid(), 'done') RETURNING 1 INTO n;
  EXECUTE 'SELECT * FROM grades WHERE tenant_id = $1' USING p_tenant;  -- constant: linted
END
$body$;

-- case: trigger_function_new_record
-- expect: clean
CREATE FUNCTION check_class() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM classes c WHERE c.tenant_id = NEW.tenant_id AND c.id = NEW.class_id) THEN
    RAISE EXCEPTION 'no such class';
  END IF;
  RETURN NEW;
END
$$;

-- case: do_block
-- expect: RLS301 public.notes
DO $$
BEGIN
  DELETE FROM notes WHERE body IS NULL;
END
$$;

-- case: function_in_other_language_is_skipped
-- expect: clean
CREATE FUNCTION py_noop() RETURNS void LANGUAGE plpython3u AS $$
plpy.execute("SELECT * FROM grades")
$$;

-- case: plpgsql_return_query_cursor_and_handler
-- expect: RLS301 public.classes
-- expect: RLS301 public.teachers
-- expect: RLS301 public.notes
CREATE FUNCTION listing(p_tenant uuid) RETURNS SETOF classes LANGUAGE plpgsql AS $$
DECLARE
  c CURSOR FOR SELECT * FROM teachers WHERE name LIKE 'A%';
BEGIN
  RETURN QUERY SELECT * FROM classes WHERE name <> '';
  RETURN QUERY WITH mine AS (SELECT * FROM classes WHERE tenant_id = p_tenant) SELECT * FROM mine;
EXCEPTION
  WHEN others THEN
    UPDATE notes SET body = SQLERRM WHERE id = p_tenant;
END
$$;

-- case: plpgsql_execute_constant_string
-- expect: RLS301 public.attendance at +4:24
-- expect: RLS301 public.students at +4:35
CREATE FUNCTION purge() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE 'DELETE FROM attendance WHERE day < now() - interval ''1 year''';
  EXECUTE $q$SELECT count(*) FROM students WHERE status = 'gone'$q$ INTO STRICT n;
END
$$;

-- case: plpgsql_execute_constant_restricted
-- expect: clean
CREATE FUNCTION archive(p_tenant uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE 'UPDATE grades SET score = NULL WHERE tenant_id = $1 AND score < 0' USING p_tenant;
END
$$;

-- case: plpgsql_execute_built_at_run_time_is_not_followed
-- expect: clean
CREATE FUNCTION wipe(t text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE 'DELETE FROM ' || quote_ident(t);
  EXECUTE format('DELETE FROM %I', t);
END
$$;
