-- User triggers (not the internal ones behind foreign keys) on user relations.
-- tgtype bits: 1 row, 2 before, 4 insert, 8 delete, 16 update, 32 truncate, 64 instead.
select
  n.nspname as schema,
  c.relname as "table",
  tg.tgname as name,
  fn.nspname || '.' || p.proname || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')'
    as function,
  case
    when tg.tgtype::pg_catalog.int4 & 2 <> 0 then 'BEFORE'
    when tg.tgtype::pg_catalog.int4 & 64 <> 0 then 'INSTEAD OF'
    else 'AFTER'
  end as timing,
  pg_catalog.array_remove(array[
    case when tg.tgtype::pg_catalog.int4 & 4 <> 0 then 'INSERT' end,
    case when tg.tgtype::pg_catalog.int4 & 16 <> 0 then 'UPDATE' end,
    case when tg.tgtype::pg_catalog.int4 & 8 <> 0 then 'DELETE' end,
    case when tg.tgtype::pg_catalog.int4 & 32 <> 0 then 'TRUNCATE' end
  ], null) as events,
  case when tg.tgtype::pg_catalog.int4 & 1 <> 0 then 'ROW' else 'STATEMENT' end as level,
  tg.tgenabled <> 'D' as enabled,
  case tg.tgenabled
    when 'O' then 'origin'
    when 'A' then 'always'
    when 'R' then 'replica'
    when 'D' then 'disabled'
  end as enabled_mode,
  pg_catalog.pg_get_triggerdef(tg.oid, true) as definition
from pg_catalog.pg_trigger as tg
join pg_catalog.pg_class as c on c.oid = tg.tgrelid
join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
join pg_catalog.pg_proc as p on p.oid = tg.tgfoid
join pg_catalog.pg_namespace as fn on fn.oid = p.pronamespace
where not tg.tgisinternal
  and n.nspname <> 'information_schema'
  and n.nspname !~ '^pg_'
  and not exists (
    select 1 from pg_catalog.pg_depend as d
    where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
      and d.objid = c.oid
      and d.deptype = 'e'
  )
order by n.nspname, c.relname, tg.tgname;
