-- Every privilege in the ACLs of user relations, columns, functions, schemas and the
-- database, one row per (object, grantee, privilege). A NULL ACL means the built-in
-- default, so acldefault() spells it out: PUBLIC's EXECUTE on functions shows up.
with rel as (
  select
    c.oid,
    c.relkind,
    c.relacl,
    c.relowner,
    n.nspname || '.' || c.relname as object_name
  from pg_catalog.pg_class as c
  join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
    and n.nspname <> 'information_schema'
    and n.nspname !~ '^pg_'
    and not exists (
      select 1 from pg_catalog.pg_depend as d
      where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
        and d.objid = c.oid
        and d.deptype = 'e'
    )
),
acl as (
  select
    case rel.relkind
      when 'r' then 'table'
      when 'p' then 'partitioned table'
      when 'v' then 'view'
      when 'm' then 'materialized view'
      when 'f' then 'foreign table'
      when 'S' then 'sequence'
    end as object_kind,
    rel.object_name,
    null::pg_catalog.name as column_name,
    a.grantor,
    a.grantee,
    a.privilege_type,
    a.is_grantable
  from rel,
    pg_catalog.aclexplode(coalesce(
      rel.relacl,
      pg_catalog.acldefault(
        case when rel.relkind = 'S' then 's' else 'r' end::pg_catalog."char", rel.relowner
      )
    )) as a
  union all
  select 'column', rel.object_name, att.attname, a.grantor, a.grantee, a.privilege_type,
    a.is_grantable
  from rel
  join pg_catalog.pg_attribute as att
    on att.attrelid = rel.oid
    and att.attnum > 0
    and not att.attisdropped
    and att.attacl is not null,
    pg_catalog.aclexplode(att.attacl) as a
  union all
  select
    case p.prokind
      when 'p' then 'procedure'
      when 'a' then 'aggregate'
      when 'w' then 'window'
      else 'function'
    end,
    n.nspname || '.' || p.proname || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')',
    null,
    a.grantor,
    a.grantee,
    a.privilege_type,
    a.is_grantable
  from pg_catalog.pg_proc as p
  join pg_catalog.pg_namespace as n on n.oid = p.pronamespace,
    pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) as a
  where n.nspname <> 'information_schema'
    and n.nspname !~ '^pg_'
    and not exists (
      select 1 from pg_catalog.pg_depend as d
      where d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
        and d.objid = p.oid
        and d.deptype = 'e'
    )
  union all
  select 'schema', n.nspname, null, a.grantor, a.grantee, a.privilege_type, a.is_grantable
  from pg_catalog.pg_namespace as n,
    pg_catalog.aclexplode(coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner))) as a
  where n.nspname <> 'information_schema'
    and n.nspname !~ '^pg_'
  union all
  select 'database', db.datname, null, a.grantor, a.grantee, a.privilege_type, a.is_grantable
  from pg_catalog.pg_database as db,
    pg_catalog.aclexplode(coalesce(db.datacl, pg_catalog.acldefault('d', db.datdba))) as a
  where db.datname = pg_catalog.current_database()
)
select
  case when acl.grantee = 0 then 'PUBLIC' else pg_catalog.pg_get_userbyid(acl.grantee) end
    as grantee,
  acl.privilege_type as privilege,
  acl.is_grantable as grantable,
  acl.object_kind,
  acl.object_name,
  acl.column_name as "column",
  pg_catalog.pg_get_userbyid(acl.grantor) as grantor
from acl
order by
  acl.object_name collate "C",
  acl.column_name nulls first,
  1,
  acl.privilege_type collate "C";
