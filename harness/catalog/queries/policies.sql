-- Row security policies; roles by name, 'public' for PUBLIC (as pg_policies shows it).
select
  n.nspname as schema,
  c.relname as "table",
  p.polname as name,
  p.polpermissive as permissive,
  case p.polcmd
    when '*' then 'ALL'
    when 'r' then 'SELECT'
    when 'a' then 'INSERT'
    when 'w' then 'UPDATE'
    when 'd' then 'DELETE'
  end as command,
  array(
    select case when r.roleid = 0 then 'public' else pg_catalog.pg_get_userbyid(r.roleid) end
    from pg_catalog.unnest(p.polroles) as r (roleid)
    order by 1
  ) as roles,
  pg_catalog.pg_get_expr(p.polqual, p.polrelid) as "using",
  pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) as with_check
from pg_catalog.pg_policy as p
join pg_catalog.pg_class as c on c.oid = p.polrelid
join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
where n.nspname <> 'information_schema'
  and n.nspname !~ '^pg_'
  and not exists (
    select 1 from pg_catalog.pg_depend as d
    where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
      and d.objid = c.oid
      and d.deptype = 'e'
  )
order by n.nspname, c.relname, p.polname;
