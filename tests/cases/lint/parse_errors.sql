-- case: typo_in_keyword_on_tenant_table
-- expect: RLS303 parse_errors.sql
SELEC * FROM students WHERE tenant_id = $1;

-- case: next_statement_still_linted
-- expect: RLS301 public.students
SELECT * FROM students;

-- case: unbalanced_parenthesis
-- expect: RLS303 parse_errors.sql
SELECT * FROM grades WHERE (tenant_id = $1;

-- case: unparseable_without_tenant_tables_is_silent
-- expect: clean
SELECT m.freq FROM pg_catalog.pg_stats s,
       LATERAL ROWS FROM (unnest(s.most_common_vals::text::uuid[]), unnest(s.most_common_freqs)) AS m(val, freq);

-- case: unparseable_can_be_suppressed
-- expect: RLS303 parse_errors.sql suppressed
-- rls-audit: ignore[RLS303] valid PostgreSQL 17 syntax the parser lacks, reviewed by hand
SELECT * FROM students s, LATERAL ROWS FROM (unnest(s.tags), unnest(s.scores)) AS m(tag, score) WHERE s.tenant_id = $1;

-- case: unterminated_string_is_last
-- expect: RLS303 parse_errors.sql
SELECT * FROM grades WHERE tenant_id = 'oops;
