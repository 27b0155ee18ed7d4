-- User schemas: not system schemas, not created by an extension.
select
  n.nspname as name,
  pg_catalog.pg_get_userbyid(n.nspowner) as owner
from pg_catalog.pg_namespace as n
where n.nspname <> 'information_schema'
  and n.nspname !~ '^pg_'
  and not exists (
    select 1 from pg_catalog.pg_depend as d
    where d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
      and d.objid = n.oid
      and d.deptype = 'e'
  )
order by n.nspname;
