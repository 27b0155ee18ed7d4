-- Primary key, unique, foreign key, check and exclusion constraints of user tables.
-- %(tenant_column)s: includes_tenant_column says whether the constrained columns hold it.
-- The copies PostgreSQL adds for each partition of a referenced partitioned table are left
-- out: they repeat their parent's name on the same table.
select
  n.nspname as schema,
  t.relname as "table",
  co.conname as name,
  case co.contype
    when 'p' then 'primary key'
    when 'u' then 'unique'
    when 'f' then 'foreign key'
    when 'c' then 'check'
    when 'x' then 'exclusion'
  end as type,
  array(
    select (
      select a.attname
      from pg_catalog.pg_attribute as a
      where a.attrelid = co.conrelid and a.attnum = k.attnum
    )
    from pg_catalog.unnest(co.conkey) with ordinality as k (attnum, pos)
    order by k.pos
  ) as columns,
  pg_catalog.pg_get_constraintdef(co.oid, true) as definition,
  exists (
    select 1
    from pg_catalog.pg_attribute as a
    where a.attrelid = co.conrelid
      and a.attname = %(tenant_column)s
      and a.attnum = any (co.conkey)
  ) as includes_tenant_column,
  case when co.contype = 'f' then rn.nspname || '.' || r.relname end as referenced_table,
  array(
    select (
      select a.attname
      from pg_catalog.pg_attribute as a
      where a.attrelid = co.confrelid and a.attnum = k.attnum
    )
    from pg_catalog.unnest(co.confkey) with ordinality as k (attnum, pos)
    order by k.pos
  ) as referenced_columns,
  case when co.contype = 'f' then
    case co.confdeltype
      when 'a' then 'NO ACTION'
      when 'r' then 'RESTRICT'
      when 'c' then 'CASCADE'
      when 'n' then 'SET NULL'
      when 'd' then 'SET DEFAULT'
    end
  end as on_delete,
  case when co.contype = 'f' then
    case co.confupdtype
      when 'a' then 'NO ACTION'
      when 'r' then 'RESTRICT'
      when 'c' then 'CASCADE'
      when 'n' then 'SET NULL'
      when 'd' then 'SET DEFAULT'
    end
  end as on_update,
  co.convalidated as validated
from pg_catalog.pg_constraint as co
join pg_catalog.pg_class as t on t.oid = co.conrelid
join pg_catalog.pg_namespace as n on n.oid = t.relnamespace
left join pg_catalog.pg_class as r on r.oid = co.confrelid
left join pg_catalog.pg_namespace as rn on rn.oid = r.relnamespace
where co.contype in ('p', 'u', 'f', 'c', 'x')
  and n.nspname <> 'information_schema'
  and n.nspname !~ '^pg_'
  and not exists (
    select 1 from pg_catalog.pg_depend as d
    where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
      and d.objid = t.oid
      and d.deptype = 'e'
  )
  and not exists (
    select 1 from pg_catalog.pg_constraint as parent
    where co.contype = 'f'
      and parent.oid = co.conparentid
      and parent.conrelid = co.conrelid
  )
order by n.nspname, t.relname, co.conname;
