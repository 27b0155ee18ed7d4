-- What each view and materialized view reads, from its _RETURN rule's dependencies:
-- relations (kind 'relation') and functions (kind 'function', by signature).
select dep.relid, dep.kind, dep.target
from (
  select
    v.oid as relid,
    'relation' as kind,
    rn.nspname || '.' || r.relname as target
  from pg_catalog.pg_rewrite as rw
  join pg_catalog.pg_class as v on v.oid = rw.ev_class
  join pg_catalog.pg_depend as d
    on d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
    and d.objid = rw.oid
    and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
    and d.refobjid <> rw.ev_class
  join pg_catalog.pg_class as r on r.oid = d.refobjid
  join pg_catalog.pg_namespace as rn on rn.oid = r.relnamespace
  where v.relkind in ('v', 'm')
  union
  select
    v.oid,
    'function',
    pn.nspname || '.' || p.proname || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')'
  from pg_catalog.pg_rewrite as rw
  join pg_catalog.pg_class as v on v.oid = rw.ev_class
  join pg_catalog.pg_depend as d
    on d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
    and d.objid = rw.oid
    and d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass
  join pg_catalog.pg_proc as p on p.oid = d.refobjid
  join pg_catalog.pg_namespace as pn on pn.oid = p.pronamespace
  where v.relkind in ('v', 'm')
) as dep
join pg_catalog.pg_class as c on c.oid = dep.relid
join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
where n.nspname <> 'information_schema'
  and n.nspname !~ '^pg_'
order by dep.relid, dep.kind, dep.target collate "C";
