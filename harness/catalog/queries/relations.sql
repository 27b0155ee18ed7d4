-- Tables, partitions, views, materialized views and foreign tables of user schemas,
-- with RLS flags, inheritance, and what a view needs (options and definition).
-- %(tenant_column)s: a relation has it if a live column of that name exists.
select
  c.oid,
  n.nspname as schema,
  c.relname as name,
  case c.relkind
    when 'r' then 'table'
    when 'p' then 'partitioned table'
    when 'v' then 'view'
    when 'm' then 'materialized view'
    when 'f' then 'foreign table'
  end as kind,
  pg_catalog.pg_get_userbyid(c.relowner) as owner,
  c.relrowsecurity as rls_enabled,
  c.relforcerowsecurity as rls_forced,
  tc.attname as tenant_column,
  c.relispartition as is_partition,
  (
    select pn.nspname || '.' || pc.relname
    from pg_catalog.pg_inherits as i
    join pg_catalog.pg_class as pc on pc.oid = i.inhparent
    join pg_catalog.pg_namespace as pn on pn.oid = pc.relnamespace
    where i.inhrelid = c.oid and c.relispartition
  ) as partition_parent,
  array(
    select pn.nspname || '.' || pc.relname
    from pg_catalog.pg_inherits as i
    join pg_catalog.pg_class as pc on pc.oid = i.inhparent
    join pg_catalog.pg_namespace as pn on pn.oid = pc.relnamespace
    where i.inhrelid = c.oid and not c.relispartition
    order by i.inhseqno
  ) as inheritance_parents,
  case when c.relkind = 'p' then pg_catalog.pg_get_partkeydef(c.oid) end as partition_key,
  case
    when c.relispartition then pg_catalog.pg_get_expr(c.relpartbound, c.oid, true)
  end as partition_bound,
  coalesce(c.reloptions, '{}') as reloptions,
  c.relispopulated as populated,
  case
    when c.relkind in ('v', 'm') then pg_catalog.pg_get_viewdef(c.oid, true)
  end as definition,
  case when c.relkind = 'v' then coalesce((
    select o.option_value::pg_catalog.bool
    from pg_catalog.pg_options_to_table(c.reloptions) as o
    where o.option_name = 'security_invoker'
  ), false) end as security_invoker,
  case when c.relkind = 'v' then coalesce((
    select o.option_value::pg_catalog.bool
    from pg_catalog.pg_options_to_table(c.reloptions) as o
    where o.option_name = 'security_barrier'
  ), false) end as security_barrier,
  case when c.relkind = 'v' then (
    select o.option_value
    from pg_catalog.pg_options_to_table(c.reloptions) as o
    where o.option_name = 'check_option'
  ) end as check_option
from pg_catalog.pg_class as c
join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
left join pg_catalog.pg_attribute as tc
  on tc.attrelid = c.oid
  and tc.attname = %(tenant_column)s
  and tc.attnum > 0
  and not tc.attisdropped
where c.relkind in ('r', 'p', 'v', 'm', 'f')
  and n.nspname <> 'information_schema'
  and n.nspname !~ '^pg_'
  and not exists (
    select 1 from pg_catalog.pg_depend as d
    where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
      and d.objid = c.oid
      and d.deptype = 'e'
  )
order by n.nspname, c.relname;
