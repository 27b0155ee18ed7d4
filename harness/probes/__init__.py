"""Dynamic probes: many generated tenants, acting under the API role, judged by canaries,
checksums and non-interference. The list is explicit and imported lazily."""

from __future__ import annotations

from ..findings.check import Check


def get_probes() -> list[type[Check]]:
    from .rls100_probe_coverage import ProbeCoverage
    from .rls101_cross_tenant_read import CrossTenantRead
    from .rls102_cross_tenant_write import CrossTenantWrite
    from .rls103_shared_table_write import SharedTableWrite
    from .rls104_truncate_bypasses_rls import TruncateBypassesRls
    from .rls105_cross_tenant_reference import CrossTenantReference
    from .rls106_existence_oracle import ExistenceOracle
    from .rls107_function_leak import FunctionLeak
    from .rls108_context_fail_open import ContextFailOpen
    from .rls109_pooled_context_leak import PooledContextLeak
    from .rls110_rls_inactive import RlsInactive
    from .rls111_table_unusable import TableUnusable
    from .rls112_trigger_planting import TriggerPlanting
    from .rls113_search_path_hijack import SearchPathHijack
    from .rls114_interleaved_leak import InterleavedLeak

    return [
        ProbeCoverage,
        CrossTenantRead,
        CrossTenantWrite,
        SharedTableWrite,
        TruncateBypassesRls,
        CrossTenantReference,
        ExistenceOracle,
        FunctionLeak,
        ContextFailOpen,
        PooledContextLeak,
        RlsInactive,
        TableUnusable,
        TriggerPlanting,
        SearchPathHijack,
        InterleavedLeak,
    ]


def run_probes(*args, **kwargs):  # type: ignore[no-untyped-def]
    """See `harness.probes.stage.run_probes`."""
    from .stage import run_probes as run

    return run(*args, **kwargs)
