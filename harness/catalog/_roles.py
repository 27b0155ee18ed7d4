"""Effective role memberships: who can become or act as whom through chains of grants."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping

from .model import EffectiveMembership, Membership

Edges = Mapping[str, tuple[Membership, ...]]


def _reach(
    start: str, edges: Edges, follow: Callable[[Membership], bool]
) -> dict[str, tuple[str, ...]]:
    """Breadth first, so each reached role comes with a shortest chain to it."""
    paths: dict[str, tuple[str, ...]] = {}
    queue: deque[tuple[str, tuple[str, ...]]] = deque([(start, ())])
    while queue:
        member, path = queue.popleft()
        for grant in edges.get(member, ()):
            if grant.role != start and grant.role not in paths and follow(grant):
                paths[grant.role] = (*path, grant.role)
                queue.append((grant.role, paths[grant.role]))
    return paths


def effective_memberships(role: str, edges: Edges) -> tuple[EffectiveMembership, ...]:
    """Every role reachable from `role`, and whether an inheriting or SET-able chain leads there.

    PostgreSQL follows only grants with inherit_option for privileges and only grants with
    set_option for SET ROLE (16+); a role may be reachable both ways by different chains.
    """
    anyhow = _reach(role, edges, lambda g: True)
    inherit = _reach(role, edges, lambda g: g.inherit)
    can_set = _reach(role, edges, lambda g: g.set)
    return tuple(
        EffectiveMembership(
            role=target, inherit=target in inherit, set=target in can_set, path=path
        )
        for target, path in sorted(anyhow.items())
    )


def membership_edges(rows: Iterable[tuple[str, Membership]]) -> dict[str, tuple[Membership, ...]]:
    """(member, grant) pairs to member -> its direct grants, in the order given."""
    edges: dict[str, list[Membership]] = {}
    for member, grant in rows:
        edges.setdefault(member, []).append(grant)
    return {member: tuple(grants) for member, grants in edges.items()}
