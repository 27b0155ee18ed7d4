"""Static rules: what the catalog alone reveals. The list is explicit and imported lazily."""

from __future__ import annotations

from ..findings.check import Check


def get_rules() -> list[type[Check]]:
    """Every static rule, in id order (one module each, `rlsNNN_<name>.py`)."""
    from .rls001_rls_disabled import RlsDisabled
    from .rls002_policies_without_rls import PoliciesWithoutRls
    from .rls003_rls_not_forced import RlsNotForced
    from .rls004_rls_no_policy import RlsNoPolicy
    from .rls005_foreign_table_exposed import ForeignTableExposed
    from .rls006_shared_table_writable import SharedTableWritable
    from .rls010_command_not_tenant_scoped import CommandNotTenantScoped
    from .rls011_policy_or_widens import PolicyOrWidens
    from .rls012_policy_always_true import PolicyAlwaysTrue
    from .rls013_policy_null_context import PolicyNullContext
    from .rls014_with_check_weaker import WithCheckWeaker
    from .rls015_policy_wrong_column import PolicyWrongColumn
    from .rls016_policy_public_or_anon import PolicyPublicOrAnon
    from .rls017_policy_user_writable_claims import PolicyUserWritableClaims
    from .rls018_policy_recursion import PolicyRecursion
    from .rls019_policy_trusts_writable_table import PolicyTrustsWritableTable
    from .rls020_context_read_raises import ContextReadRaises
    from .rls021_context_function_not_stable import ContextFunctionNotStable
    from .rls022_context_settable_by_api import ContextSettableByApi
    from .rls023_context_set_session_level import ContextSetSessionLevel
    from .rls030_truncate_granted import TruncateGranted
    from .rls031_trigger_granted import TriggerGranted
    from .rls032_references_granted import ReferencesGranted
    from .rls033_maintain_granted import MaintainGranted
    from .rls034_view_owner_rights import ViewOwnerRights
    from .rls035_view_without_barrier import ViewWithoutBarrier
    from .rls036_matview_exposed import MatviewExposed
    from .rls037_child_table_granted import ChildTableGranted
    from .rls038_default_privileges_expose import DefaultPrivilegesExpose
    from .rls039_sensitive_column_exposed import SensitiveColumnExposed
    from .rls040_anon_table_access import AnonTableAccess
    from .rls041_sequence_granted import SequenceGranted
    from .rls050_definer_search_path_mutable import DefinerSearchPathMutable
    from .rls051_definer_reads_tenant_tables import DefinerReadsTenantTables
    from .rls052_leakproof_function import LeakproofFunction
    from .rls053_immutable_reads_session import ImmutableReadsSession
    from .rls054_trigger_definer_cross_tenant import TriggerDefinerCrossTenant
    from .rls055_trigger_function_unattached import TriggerFunctionUnattached
    from .rls056_function_executable_by_anon import FunctionExecutableByAnon
    from .rls060_fk_without_tenant_column import FkWithoutTenantColumn
    from .rls061_unique_without_tenant_column import UniqueWithoutTenantColumn
    from .rls062_tenant_column_nullable import TenantColumnNullable
    from .rls063_tenant_column_without_fk import TenantColumnWithoutFk
    from .rls070_tenant_column_not_indexed import TenantColumnNotIndexed
    from .rls071_policy_defeats_index import PolicyDefeatsIndex
    from .rls072_policy_per_row_function import PolicyPerRowFunction
    from .rls073_multiple_permissive_policies import MultiplePermissivePolicies
    from .rls080_api_role_bypasses_rls import ApiRoleBypassesRls

    return [
        RlsDisabled,
        PoliciesWithoutRls,
        RlsNotForced,
        RlsNoPolicy,
        ForeignTableExposed,
        SharedTableWritable,
        CommandNotTenantScoped,
        PolicyOrWidens,
        PolicyAlwaysTrue,
        PolicyNullContext,
        WithCheckWeaker,
        PolicyWrongColumn,
        PolicyPublicOrAnon,
        PolicyUserWritableClaims,
        PolicyRecursion,
        PolicyTrustsWritableTable,
        ContextReadRaises,
        ContextFunctionNotStable,
        ContextSettableByApi,
        ContextSetSessionLevel,
        TruncateGranted,
        TriggerGranted,
        ReferencesGranted,
        MaintainGranted,
        ViewOwnerRights,
        ViewWithoutBarrier,
        MatviewExposed,
        ChildTableGranted,
        DefaultPrivilegesExpose,
        SensitiveColumnExposed,
        AnonTableAccess,
        SequenceGranted,
        DefinerSearchPathMutable,
        DefinerReadsTenantTables,
        LeakproofFunction,
        ImmutableReadsSession,
        TriggerDefinerCrossTenant,
        TriggerFunctionUnattached,
        FunctionExecutableByAnon,
        FkWithoutTenantColumn,
        UniqueWithoutTenantColumn,
        TenantColumnNullable,
        TenantColumnWithoutFk,
        TenantColumnNotIndexed,
        PolicyDefeatsIndex,
        PolicyPerRowFunction,
        MultiplePermissivePolicies,
        ApiRoleBypassesRls,
    ]
