"""Every rule's case file, flaw -> finding -> fix -> no finding, on each real server.

One database per backend serves every case: each case runs in a transaction that is
rolled back (harness.testing.run_case).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from harness.target.janitor import clone, drop_database
from harness.testing import Case, load_cases, run_case

ROOT = Path(__file__).resolve().parents[2]
CASES = load_cases("tests/cases/rules/*.yml", root=ROOT)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def rules_case_conn(rls_target, rls_blank_template, rls_owner_role) -> Iterator[psycopg.Connection]:
    name = clone(rls_target, rls_blank_template, owner_role=rls_owner_role, purpose="cases")
    conn = psycopg.connect(rls_target.conninfo(name), autocommit=True)
    try:
        yield conn
    finally:
        conn.close()
        drop_database(rls_target, name)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_case(case: Case, rules_case_conn: psycopg.Connection, rls_target) -> None:
    if rls_target.server_version_num < case.min_server_version:
        pytest.skip(f"needs server version {case.min_server_version}+")
    run_case(rules_case_conn, case)
