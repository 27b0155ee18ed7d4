-- Direct role grants, merged over grantors. PostgreSQL 16 added per-grant inherit_option
-- and set_option; before it, inheritance followed the member's rolinherit and SET ROLE was
-- always allowed. Reading the row as JSON serves both without naming missing columns.
select
  pg_catalog.pg_get_userbyid(m.member) as member,
  pg_catalog.pg_get_userbyid(m.roleid) as role,
  pg_catalog.bool_or(m.admin_option) as admin,
  pg_catalog.bool_or(coalesce(
    (pg_catalog.to_jsonb(m) ->> 'inherit_option')::pg_catalog.bool, mr.rolinherit
  )) as inherit,
  pg_catalog.bool_or(coalesce(
    (pg_catalog.to_jsonb(m) ->> 'set_option')::pg_catalog.bool, true
  )) as "set"
from pg_catalog.pg_auth_members as m
join pg_catalog.pg_roles as mr on mr.oid = m.member
group by 1, 2
order by 1, 2;
