-- ALTER DEFAULT PRIVILEGES entries, one row per (owner, schema, object type, grantee).
-- A row without a schema is database-wide and replaces the built-in defaults.
select
  pg_catalog.pg_get_userbyid(d.defaclrole) as owner,
  n.nspname as schema,
  case d.defaclobjtype
    when 'r' then 'table'
    when 'S' then 'sequence'
    when 'f' then 'function'
    when 'T' then 'type'
    when 'n' then 'schema'
    when 'L' then 'large object'
    else d.defaclobjtype::pg_catalog.text
  end as object_type,
  case when a.grantee = 0 then 'PUBLIC' else pg_catalog.pg_get_userbyid(a.grantee) end
    as grantee,
  pg_catalog.array_agg(a.privilege_type order by a.privilege_type collate "C") as privileges,
  coalesce(
    pg_catalog.array_agg(a.privilege_type order by a.privilege_type collate "C")
      filter (where a.is_grantable),
    '{}'
  ) as grantable
from pg_catalog.pg_default_acl as d
left join pg_catalog.pg_namespace as n on n.oid = d.defaclnamespace,
  pg_catalog.aclexplode(d.defaclacl) as a
group by 1, 2, 3, 4
order by 1, 2 nulls first, 3, 4;
