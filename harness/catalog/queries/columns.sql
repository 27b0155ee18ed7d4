-- Live columns of the relations in relations.sql, in attnum order.
select
  a.attrelid as relid,
  a.attname as name,
  pg_catalog.format_type(a.atttypid, a.atttypmod) as type,
  a.attnotnull as not_null,
  pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as default,
  a.attnum,
  case a.attidentity when 'a' then 'always' when 'd' then 'by default' end as identity,
  case a.attgenerated when 's' then 'stored' when 'v' then 'virtual' end as generated
from pg_catalog.pg_attribute as a
join pg_catalog.pg_class as c on c.oid = a.attrelid
join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
left join pg_catalog.pg_attrdef as ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
where a.attnum > 0
  and not a.attisdropped
  and c.relkind in ('r', 'p', 'v', 'm', 'f')
  and n.nspname <> 'information_schema'
  and n.nspname !~ '^pg_'
  and not exists (
    select 1 from pg_catalog.pg_depend as d
    where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
      and d.objid = c.oid
      and d.deptype = 'e'
  )
order by n.nspname, c.relname, a.attnum;
