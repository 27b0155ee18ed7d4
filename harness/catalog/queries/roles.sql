-- Every role with the attributes that decide who escapes RLS.
select
  r.rolname as name,
  r.rolsuper as superuser,
  r.rolbypassrls as bypassrls,
  r.rolcanlogin as login,
  r.rolinherit as inherit,
  r.rolcreaterole as createrole,
  r.rolcreatedb as createdb
from pg_catalog.pg_roles as r
order by r.rolname;
