-- Indexes on user relations. Key columns in order, expressions as their text.
-- pg_get_indexdef() runs only for expression columns: called per index it opens every
-- index's relcache entry and is the slowest part of the whole snapshot. Column names come
-- from correlated lookups, which beat a join against pg_attribute by 3x here.
select
  n.nspname as schema,
  t.relname as "table",
  ic.relname as name,
  array(
    select
      case
        when k.attnum = 0 then pg_catalog.pg_get_indexdef(i.indexrelid, k.pos::pg_catalog.int4, true)
        else (
          select a.attname::pg_catalog.text
          from pg_catalog.pg_attribute as a
          where a.attrelid = i.indrelid and a.attnum = k.attnum
        )
      end
    from pg_catalog.unnest(i.indkey::pg_catalog.int2[]) with ordinality as k (attnum, pos)
    where k.pos <= i.indnkeyatts
    order by k.pos
  ) as columns,
  array(
    select (
      select a.attname
      from pg_catalog.pg_attribute as a
      where a.attrelid = i.indrelid and a.attnum = k.attnum
    )
    from pg_catalog.unnest(i.indkey::pg_catalog.int2[]) with ordinality as k (attnum, pos)
    where k.pos > i.indnkeyatts
    order by k.pos
  ) as include,
  pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) as predicate,
  i.indisunique as "unique",
  i.indisprimary as "primary",
  am.amname as method,
  i.indisvalid as valid,
  i.indnullsnotdistinct as nulls_not_distinct
from pg_catalog.pg_index as i
join pg_catalog.pg_class as ic on ic.oid = i.indexrelid
join pg_catalog.pg_class as t on t.oid = i.indrelid
join pg_catalog.pg_namespace as n on n.oid = t.relnamespace
join pg_catalog.pg_am as am on am.oid = ic.relam
where t.relkind in ('r', 'p', 'm', 'f')
  and n.nspname <> 'information_schema'
  and n.nspname !~ '^pg_'
  and not exists (
    select 1 from pg_catalog.pg_depend as d
    where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
      and d.objid = t.oid
      and d.deptype = 'e'
  )
order by n.nspname, t.relname, ic.relname;
