"""Volleys against a real server: many flights in one pipeline behave as if each ran alone.

An error skips only the rest of its own flight; every flight starts from the state the
volley opened with (no row, setting or role carried over); notices reach the flight that
raised them; a timeout is a `Fault`, never an answer; answers larger than the socket
buffers come back whole; and the transaction is left as it was found."""

from __future__ import annotations

import psycopg
import pytest

from harness.probes.runner import Fault, Runner
from harness.probes.volley import fire, settle

pytestmark = pytest.mark.integration


@pytest.fixture
def runner(rls_conn: psycopg.Connection) -> Runner:
    rls_conn.execute("begin")
    rls_conn.execute("create temporary table volley_probe (n int primary key)")
    yield Runner(rls_conn)
    rls_conn.execute("rollback")


def test_an_error_skips_only_the_rest_of_its_own_flight(runner: Runner) -> None:
    landings = fire(
        runner,
        [
            [
                ("insert into volley_probe values (1)", None),
                ("select count(*) from volley_probe", None),
            ],
            [("select 1/0", None), ("select 'never'", None)],
            [("select count(*) from volley_probe", None)],
        ],
    )
    first, second, third = landings
    assert first.failed is None and first.answers[1].rows == ((1,),)
    assert second.failed == 0 and second.answers[0].sqlstate == "22012"
    assert second.answers[1] is None  # skipped, not run
    assert third.failed is None and third.answers[0].rows == ((0,),)  # the insert was undone
    assert settle(runner, second, 0).sqlstate == "22012"  # the probe's own error is an answer
    with pytest.raises(psycopg.errors.DivisionByZero):
        settle(runner, second, 1)  # an error before the probe statement is the harness's


def test_no_setting_or_role_carries_over_to_the_next_flight(runner: Runner) -> None:
    landings = fire(
        runner,
        [
            [("select pg_catalog.set_config('app.current_tenant_id', 'a', true)", None)],
            [("set local role pg_monitor", None)],
            [
                ("select pg_catalog.current_setting('app.current_tenant_id', true)", None),
                ("select current_user = session_user", None),
            ],
        ],
    )
    assert landings[2].answers[0].rows in (((None,),), (("",),))
    assert landings[2].answers[1].rows == ((True,),)


def test_the_transaction_is_left_as_it_was_found(runner: Runner) -> None:
    conn = runner.conn
    fire(runner, [[("insert into volley_probe values (%s)", (i,))] for i in range(5)])
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    assert conn.execute("select count(*) from volley_probe").fetchone() == (0,)
    with pytest.raises(psycopg.errors.InvalidSavepointSpecification):
        conn.execute("rollback to savepoint rls_audit_volley")


def test_notices_reach_the_flight_that_raised_them(runner: Runner) -> None:
    notice = "do $$ begin raise notice 'flight %', {}; end $$"
    flights = [
        [(notice.format(i), None)] if i % 3 == 0 else [("select 1", None)] for i in range(120)
    ]
    landings = fire(runner, flights)
    for i, landing in enumerate(landings):
        expected = (f"flight {i}",) if i % 3 == 0 else ()
        assert landing.notices == expected, i


def test_answers_larger_than_the_socket_buffers_come_back_whole(runner: Runner) -> None:
    big = "select g, pg_catalog.repeat('x', 500) from pg_catalog.generate_series(1, 2000) g"
    landings = fire(runner, [[(big, None)]] * 150)
    assert all(len(x.answers[0].rows) == 2000 for x in landings)
    assert landings[-1].answers[0].rows[-1][0] == 2000


def test_a_timeout_is_a_fault_and_the_other_flights_still_answer(runner: Runner) -> None:
    runner.conn.execute("set local statement_timeout = '100ms'")
    landings = fire(
        runner,
        [[("select 1", None)], [("select pg_catalog.pg_sleep(1)", None)], [("select 3", None)]],
    )
    assert landings[0].answers[0].rows == ((1,),)
    assert landings[2].answers[0].rows == ((3,),)
    with pytest.raises(Fault) as caught:
        settle(runner, landings[1], 0, "select pg_catalog.pg_sleep(1)")
    assert caught.value.reason == "statement timeout"


def test_a_value_python_cannot_hold_comes_back_as_text(runner: Runner) -> None:
    landings = fire(
        runner,
        [
            [("select 'infinity'::timestamp, 1", None)],
            [("select '2020-01-02'::date", None)],
        ],
    )
    assert landings[0].answers[0].rows == (("infinity", "1"),)
    assert str(landings[1].answers[0].rows[0][0]) == "2020-01-02"


def test_an_error_of_the_client_mid_volley_leaves_the_connection_usable(
    runner: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.probes import volley

    calls = {"n": 0}
    real = volley._Wire._outcome

    def failing(self, res):
        calls["n"] += 1
        if calls["n"] == 30:
            raise RuntimeError("a bug of the client")
        return real(self, res)

    monkeypatch.setattr(volley._Wire, "_outcome", failing)
    with pytest.raises(RuntimeError):
        fire(runner, [[("select %s", (i,))] for i in range(100)])
    monkeypatch.undo()
    conn = runner.conn
    assert conn.pgconn.pipeline_status == psycopg.pq.PipelineStatus.OFF
    assert conn.execute("select count(*) from volley_probe").fetchone() == (0,)


def test_a_kept_volley_keeps_what_succeeded_and_undoes_only_a_rejection(runner: Runner) -> None:
    insert = "insert into volley_probe values (%s) returning n"
    landings = fire(runner, [[(insert, (n,))] for n in (1, 2, 1, 3)], keep=True)
    assert [x.failed for x in landings] == [None, None, 0, None]
    assert landings[2].answers[0].sqlstate == "23505"  # the duplicate, rejected alone
    assert landings[3].answers[0].rows == ((3,),)
    conn = runner.conn
    rows = conn.execute("select n from volley_probe order by n").fetchall()
    assert rows == [(1,), (2,), (3,)]
    with pytest.raises(psycopg.errors.InvalidSavepointSpecification):
        conn.execute("rollback to savepoint rls_audit_volley")
