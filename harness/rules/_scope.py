"""The facts most rules share, computed once per catalog: who the API roles are, what they
may do to which relation, which relations hold tenant data, and which functions read the
session context.

Static rules receive only the `Catalog`. Settings the catalog does not carry yet (the API
roles and the tenant setting of the run's configuration) are read from it when present and
otherwise take the configuration's defaults.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from ..catalog.model import Catalog, Function, Grant, Policy, Table
from ..findings.model import ObjectRef
from . import _body
from ._predicate import Analysis, ContextKind, Knowledge, analyse

DEFAULT_API_ROLES = ("authenticated", "anon")
DEFAULT_TENANT_GUC = "app.current_tenant_id"
ANON = "anon"
COMMANDS = ("SELECT", "INSERT", "UPDATE", "DELETE")
ROW_KINDS = frozenset({"table", "partitioned table", "foreign table"})
_PROCEDURAL = frozenset({"sql", "plpgsql"})


def split_name(qualified: str) -> tuple[str, str]:
    schema, _, name = qualified.partition(".")
    return (schema, name) if name else ("public", schema)


def search_path(fn: Function) -> list[str]:
    """Schemas an unqualified name in the function resolves in, pg_catalog first."""
    raw = fn.search_path
    if raw is None:
        return ["pg_catalog", "public"]
    names = [p.strip().strip('"') for p in raw.split(",")]
    return ["pg_catalog", *(n for n in names if n and n not in ("$user", "pg_temp"))]


@dataclass
class Scope:
    catalog: Catalog
    api_roles: tuple[str, ...]
    tenant_guc: str
    _holders: dict[str, frozenset[str]] = field(default_factory=dict)
    _analyses: dict[tuple[int, str], Analysis | None] = field(default_factory=dict)
    _role_grants: dict[tuple[str, str], list[Grant]] = field(default_factory=dict)
    _applies: dict[tuple[int, str], bool] = field(default_factory=dict)
    memo: dict[str, object] = field(default_factory=dict)
    """Results several rules share (e.g. the analysed permissive policies), by name."""

    # -- roles and privileges -------------------------------------------------
    @cached_property
    def anon(self) -> str | None:
        return ANON if ANON in self.api_roles else None

    @cached_property
    def signed_in(self) -> tuple[str, ...]:
        """API roles of signed-in users: the ones a tenant policy should name."""
        return tuple(r for r in self.api_roles if r != ANON)

    def holders(self, role: str) -> frozenset[str]:
        """Grantees whose privileges `role` uses without SET ROLE: itself, PUBLIC, and the
        roles it inherits from."""
        if role not in self._holders:
            found = {role, "PUBLIC"}
            for r in self.catalog.roles:
                if r.name == role:
                    found.update(m.role for m in r.effective if m.inherit)
            self._holders[role] = frozenset(found)
        return self._holders[role]

    def grants(self, obj: str, role: str, privilege: str | None = None) -> list[Grant]:
        """Grants on `obj` (column grants included) that give `role` a privilege."""
        key = (obj, role)
        if key not in self._role_grants:
            held = self.holders(role)
            self._role_grants[key] = [g for g in self.catalog.grants_on(obj) if g.grantee in held]
        found = self._role_grants[key]
        return found if privilege is None else [g for g in found if g.privilege == privilege]

    def privileges(self, obj: str, role: str) -> set[str]:
        """Privileges `role` holds on `obj`, on the whole object or on some column."""
        return {g.privilege for g in self.grants(obj, role)}

    def table_privileges(self, obj: str, role: str) -> set[str]:
        return {g.privilege for g in self.grants(obj, role) if g.column is None}

    def api_grants(self, obj: str, privileges: Iterable[str]) -> list[Grant]:
        """Grants on `obj` of any of `privileges` that reach an API role, deduplicated."""
        wanted = set(privileges)
        seen: dict[tuple[str, str, str | None], Grant] = {}
        for role in self.api_roles:
            for g in self.grants(obj, role):
                if g.privilege in wanted:
                    seen.setdefault((g.grantee, g.privilege, g.column), g)
        return list(seen.values())

    def writable_columns(self, table: Table, role: str) -> set[str] | None:
        """Columns `role` may set (INSERT or UPDATE); None means every column."""
        cols: set[str] = set()
        for g in self.grants(table.qualified_name, role):
            if g.privilege in ("INSERT", "UPDATE"):
                if g.column is None:
                    return None
                cols.add(g.column)
        return cols

    # -- tenant data ----------------------------------------------------------
    @cached_property
    def roots(self) -> dict[str, str]:
        """Tables the tenant columns reference (`public.tenants` -> `id`): their key column is
        the tenant of their rows."""
        col = self.catalog.tenant_column
        found: Counter[tuple[str, str]] = Counter()
        for t in self.catalog.tenant_tables():
            for c in self.catalog.constraints_on(t):
                if c.type == "foreign key" and c.columns == (col,) and c.referenced_table:
                    ref = self.catalog.find_table(c.referenced_table)
                    if ref is not None and ref.tenant_column is None and ref.is_table:
                        found[c.referenced_table, c.referenced_columns[0]] += 1
        return {table: key for (table, key), _ in found.most_common()}

    def tenant_key(self, table: Table) -> str | None:
        return table.tenant_column or self.roots.get(table.qualified_name)

    @cached_property
    def tenant_scoped(self) -> tuple[Table, ...]:
        """Relations holding rows of one tenant each: tenant tables and the tenants table."""
        roots = [self.catalog.find_table(r) for r in self.roots]
        tables = [*self.catalog.tenant_tables(), *(r for r in roots if r is not None)]
        return tuple(sorted(tables, key=lambda t: t.qualified_name))

    @cached_property
    def tenant_data(self) -> frozenset[str]:
        """Every relation holding or showing tenant rows: tenant-scoped tables, and views and
        materialized views reading them, directly or through other views."""
        found = {t.qualified_name for t in self.tenant_scoped}
        derived = [*self.catalog.views, *self.catalog.materialized_views]
        changed = True
        while changed:
            changed = False
            for v in derived:
                if v.qualified_name not in found and found.intersection(v.reads):
                    found.add(v.qualified_name)
                    changed = True
        return frozenset(found)

    def exposed(self, schema: str) -> bool:
        return schema in self.catalog.exposed_schemas

    # -- functions and predicates ---------------------------------------------
    @cached_property
    def _functions_by_name(self) -> dict[str, list[Function]]:
        out: dict[str, list[Function]] = {}
        for f in self.catalog.functions:
            out.setdefault(f"{f.schema}.{f.name}", []).append(f)
        return out

    def resolve_function(self, name: str, path: list[str]) -> list[Function]:
        if "." in name:
            return self._functions_by_name.get(name, [])
        for schema in path:
            found = self._functions_by_name.get(f"{schema}.{name}")
            if found:
                return found
        return []

    def resolve_relation(self, name: str, path: list[str]) -> Table | None:
        if "." in name:
            return self.catalog.find_table(name)
        for schema in path:
            found = self.catalog.find_table(f"{schema}.{name}")
            if found is not None:
                return found
        return None

    def body(self, fn: Function) -> _body.Body:
        if fn.language not in _PROCEDURAL:
            return _body.Body(parsed=False)
        return _body.analyse(fn.source)

    @cached_property
    def context_functions(self) -> dict[str, ContextKind]:
        """Functions that read the session context (a GUC, the JWT), directly or through
        other such functions; `tenant` when it is the tenant setting or a tenant claim."""
        kinds: dict[str, ContextKind] = {}
        for _ in range(6):  # a fixpoint; chains of helpers are short
            before = dict(kinds)
            for fn in self.catalog.functions:
                kind = self._reads_context(fn, kinds)
                if kind and kinds.get(f"{fn.schema}.{fn.name}") != "tenant":
                    kinds[f"{fn.schema}.{fn.name}"] = kind
            if kinds == before:
                break
        return kinds

    def _reads_context(self, fn: Function, known: dict[str, ContextKind]) -> ContextKind | None:
        body = self.body(fn)
        found: set[str] = set()
        for call in body.calls:
            if call.base_name == "current_setting" and call.literal_args:
                setting = call.literal_args[0] or ""
                tenantish = setting == self.tenant_guc or "tenant" in setting
                found.add("tenant" if tenantish else "identity" if setting else "")
            for target in self.resolve_function(call.name, search_path(fn)):
                kind = known.get(f"{target.schema}.{target.name}")
                if kind:
                    found.add(kind)
        if "tenant" in found:
            return "tenant"
        return "identity" if "identity" in found else None

    @cached_property
    def knowledge(self) -> Knowledge:
        return Knowledge(
            context=self.context_functions,
            volatility={f"{f.schema}.{f.name}": f.volatility for f in self.catalog.functions},
            tenant_gucs=frozenset({self.tenant_guc}),
        )

    def analyse(self, policy: Policy, expr: str | None) -> Analysis | None:
        """The analysis of one of the policy's expressions against its table's tenant key;
        None for a missing expression or a table without one."""
        if expr is None:
            return None
        key = (id(policy), expr)  # policies live as long as the catalog this scope belongs to
        if key not in self._analyses:
            table = self.catalog.find_table(policy.table_name)
            tenant = self.tenant_key(table) if table is not None else None
            self._analyses[key] = (
                analyse(expr, tenant, policy.table, self.knowledge) if tenant else None
            )
        return self._analyses[key]

    def analyse_any(self, policy: Policy, expr: str) -> Analysis:
        """Like `analyse`, on any table (the configured tenant column stands in for the key)."""
        found = self.analyse(policy, expr)
        return found or analyse(expr, self.catalog.tenant_column, policy.table, self.knowledge)

    def applies(self, policy: Policy, role: str) -> bool:
        """The policy binds `role`: it names PUBLIC, the role, or a role it inherits from."""
        key = (id(policy), role)
        if key not in self._applies:
            named = {"PUBLIC" if r == "public" else r for r in policy.roles}
            self._applies[key] = bool(self.holders(role) & named)
        return self._applies[key]

    @cached_property
    def tenant_context_sql(self) -> str | None:
        """The tenant context expression the schema's own restricting policies use most."""
        seen: Counter[str] = Counter()
        for p in self.catalog.policies:
            for expr in (p.using, p.with_check):
                a = self.analyse(p, expr)
                if a is not None and a.restricts:
                    seen.update(a.context_sql)
        return seen.most_common(1)[0][0] if seen else None


_LAST: list[Scope] = []


def scope(catalog: Catalog) -> Scope:
    """The shared facts for `catalog`, computed once however many rules ask."""
    if _LAST and _LAST[0].catalog is catalog:
        return _LAST[0]
    configured = getattr(catalog, "api_roles", None) or DEFAULT_API_ROLES
    names = {r.name for r in catalog.roles}
    found = Scope(
        catalog=catalog,
        api_roles=tuple(r for r in configured if r in names),
        tenant_guc=getattr(catalog, "tenant_guc", None) or DEFAULT_TENANT_GUC,
    )
    _LAST[:] = [found]
    return found


def effective_expr(policy: Policy, side: str) -> str | None:
    """The expression PostgreSQL checks for `side` (USING or WITH CHECK) of a policy: a
    missing WITH CHECK falls back to USING; None denies (an INSERT policy without one)."""
    if side == "USING":
        return policy.using
    return policy.with_check if policy.with_check is not None else policy.using


def sides(command: str) -> tuple[str, ...]:
    return {"SELECT": ("USING",), "DELETE": ("USING",), "INSERT": ("WITH CHECK",)}.get(
        command, ("USING", "WITH CHECK")
    )


def relation_ref(table: Table) -> ObjectRef:
    return ObjectRef(table.kind, table.schema, table.name)


def function_ref(fn: Function) -> ObjectRef:
    return ObjectRef("function", fn.schema, fn.name, f"({fn.identity_args})")


def qualified_ref(kind: str, qualified: str) -> ObjectRef:
    schema, name = split_name(qualified)
    return ObjectRef(kind, schema, name)


def api_executors(s: Scope, fn: Function) -> list[str]:
    """The API roles that may call `fn` (granted directly, through PUBLIC or a group)."""
    return [r for r in s.api_roles if s.holders(r).intersection(fn.executable_by)]


def policy_functions(s: Scope) -> dict[str, list[Policy]]:
    """User functions (`schema.name`) called by policy expressions, with the policies."""
    if "policy_functions" in s.memo:
        return s.memo["policy_functions"]  # type: ignore[return-value]
    out: dict[str, list[Policy]] = {}
    for p in s.catalog.policies:
        for expr in (p.using, p.with_check):
            if expr is None:
                continue
            for name in s.analyse_any(p, expr).functions:
                for fn in s.resolve_function(name, ["pg_catalog", "public"]):
                    users = out.setdefault(f"{fn.schema}.{fn.name}", [])
                    if p not in users:
                        users.append(p)
    s.memo["policy_functions"] = out
    return out


def sets_context(s: Scope, fn: Function) -> list[tuple[str, bool | None, str]]:
    """(setting, is_local, as written) for each place `fn` sets a tenant context setting;
    is_local is None when set_config's third argument is not a literal."""
    found: list[tuple[str, bool | None, str]] = []
    body = s.body(fn)
    for call in body.calls_named("set_config"):
        setting = call.literal_args[0] if call.literal_args else None
        if setting and _tenantish(s, setting):
            flag = call.literal_args[2] if len(call.literal_args) > 2 else None
            shown = ", ".join(map(_shown, call.literal_args, call.args))
            local = None if flag is None else flag == "true"
            found.append((setting, local, f"{call.name}({shown})"))
    found.extend(
        (name, local, f"SET {'LOCAL ' if local else ''}{name}")
        for name, local in body.sets
        if _tenantish(s, name)
    )
    return found


def _shown(literal: str | None, tokens: tuple[str, ...]) -> str:
    """An argument as written: literals re-quoted, anything else as its tokens."""
    if literal is None:
        return " ".join(tokens)
    return literal if literal in ("true", "false") else f"'{literal}'"


def _tenantish(s: Scope, setting: str) -> bool:
    return setting == s.tenant_guc or "tenant" in setting.lower()


def touched_relations(s: Scope, fn: Function) -> list[tuple[Table, bool]]:
    """(relation, written) for each catalog relation the function's body names."""
    path = search_path(fn)
    out: dict[str, tuple[Table, bool]] = {}
    for r in s.body(fn).relations:
        table = s.resolve_relation(r.name, path)
        if table is not None:
            prev = out.get(table.qualified_name)
            out[table.qualified_name] = (table, r.write or bool(prev and prev[1]))
    return list(out.values())


def reads_tenant_context(s: Scope, fn: Function) -> bool:
    """The body reads the tenant setting or calls a function that does."""
    for call in s.body(fn).calls:
        if call.base_name == "current_setting" and call.literal_args:
            setting = call.literal_args[0] or ""
            if _tenantish(s, setting):
                return True
        for target in s.resolve_function(call.name, search_path(fn)):
            if s.context_functions.get(f"{target.schema}.{target.name}") == "tenant":
                return True
    return False


def owner_bypasses(s: Scope, owner: str, table: Table) -> bool:
    """Row level security does not bind `owner` on `table`."""
    role = next((r for r in s.catalog.roles if r.name == owner), None)
    if role is not None and (role.superuser or role.bypassrls):
        return True
    return not table.rls_enabled or (table.owner == owner and not table.rls_forced)
