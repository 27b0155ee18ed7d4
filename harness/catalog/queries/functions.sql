-- Functions and procedures of user schemas, except those an extension installed.
-- executable_by: grantees of EXECUTE in the ACL, PUBLIC included when the ACL is default.
select
  n.nspname as schema,
  p.proname as name,
  pg_catalog.oidvectortypes(p.proargtypes) as identity_args,
  array(
    select pg_catalog.format_type(t.typid, null)
    from pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) with ordinality as t (typid, pos)
    order by t.pos
  ) as arg_types,
  coalesce(pg_catalog.pg_get_function_result(p.oid), '') as return_type,
  l.lanname as language,
  p.prosecdef as security_definer,
  p.proleakproof as leakproof,
  case p.provolatile when 'i' then 'immutable' when 's' then 'stable' else 'volatile' end
    as volatility,
  pg_catalog.pg_get_userbyid(p.proowner) as owner,
  case
    when p.prosqlbody is not null then pg_catalog.pg_get_function_sqlbody(p.oid)
    else p.prosrc
  end as source,
  case p.prokind
    when 'p' then 'procedure'
    when 'a' then 'aggregate'
    when 'w' then 'window'
    else 'function'
  end as kind,
  p.proretset as returns_set,
  coalesce(p.proconfig, '{}') as config,
  array(
    select distinct
      case when a.grantee = 0 then 'PUBLIC' else pg_catalog.pg_get_userbyid(a.grantee) end
    from pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) as a
    where a.privilege_type = 'EXECUTE'
    order by 1
  ) as executable_by
from pg_catalog.pg_proc as p
join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
join pg_catalog.pg_language as l on l.oid = p.prolang
where n.nspname <> 'information_schema'
  and n.nspname !~ '^pg_'
  and not exists (
    select 1 from pg_catalog.pg_depend as d
    where d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
      and d.objid = p.oid
      and d.deptype = 'e'
  )
order by n.nspname, p.proname, pg_catalog.oidvectortypes(p.proargtypes) collate "C";
