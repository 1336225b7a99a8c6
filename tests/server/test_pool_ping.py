"""The hub's pooled PostgreSQL connections (``db._ping_if_idle``): one given back moments ago,
or just opened, is handed out as it is, with no round trip to test it; one idle for longer is
tested first, and if the database dropped it meanwhile (restarted, or a firewall cut it), the
pool opens a new one and the work goes on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import OperationalError

from hubdesk.server import db as hub_db
from hubdesk.server.hub import Hub
from tests.server.conftest import POSTGRES_URL

#: PostgreSQL only: SQLite has no connection to lose.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


@pytest.fixture
def pg_hub(hub: Hub) -> Hub:
    assert not hub.db.is_sqlite
    return hub


@pytest.fixture
def pings(pg_hub: Hub, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry for each test of a connection before it is handed out."""
    done: list[int] = []
    dialect = pg_hub.db.engine.dialect
    real = dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        done.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return done


@pytest.fixture
def admin() -> Iterator[Connection]:
    assert POSTGRES_URL is not None
    engine = create_engine(hub_db.normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def backend(hub: Hub) -> int:
    """The server process behind the connection a unit is given (it goes back to the pool)."""
    with hub.db.unit() as session:
        pid = session.scalar(text("SELECT pg_backend_pid()"))
    assert isinstance(pid, int)
    return pid


def cut(admin: Connection, pid: int) -> None:
    """End that one server process, as a database restart or a firewall would end it."""
    ended = admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    assert ended.scalar() is True


def test_a_connection_just_given_back_or_just_opened_is_not_tested(
    pg_hub: Hub, pings: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_db, "PING_AFTER_IDLE", 60.0)
    pg_hub.db.engine.dispose()  # the next unit opens a new connection
    first = backend(pg_hub)
    assert backend(pg_hub) == first  # the same pooled connection, handed out again
    assert pings == []


def test_a_connection_idle_longer_is_tested_before_it_is_handed_out(
    pg_hub: Hub, pings: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    backend(pg_hub)
    monkeypatch.setattr(hub_db, "PING_AFTER_IDLE", 0.0)
    backend(pg_hub)
    assert pings == [1]


def test_a_connection_lost_while_idle_is_replaced_and_the_work_goes_on(
    pg_hub: Hub, admin: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    lost = backend(pg_hub)
    cut(admin, lost)
    monkeypatch.setattr(hub_db, "PING_AFTER_IDLE", 0.0)
    assert backend(pg_hub) != lost


def test_a_connection_lost_moments_after_use_fails_one_unit_and_the_next_goes_on(
    pg_hub: Hub, admin: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cost of not testing every connection: one lost within PING_AFTER_IDLE of its last
    use fails the work that takes it (as work running when it was lost would); the pool
    then drops it, and the next unit has a new connection."""
    monkeypatch.setattr(hub_db, "PING_AFTER_IDLE", 60.0)
    lost = backend(pg_hub)
    cut(admin, lost)
    with pytest.raises(OperationalError):
        backend(pg_hub)
    assert backend(pg_hub) != lost


def test_the_connection_given_back_last_is_handed_out_first(pg_hub: Hub) -> None:
    """A request's device check and then its work get the connection just given back, not
    one idle longer (which would be tested first)."""
    with pg_hub.db.unit() as first, pg_hub.db.unit() as second:
        pids = [s.scalar(text("SELECT pg_backend_pid()")) for s in (first, second)]
    # ``second`` went back first, then ``first``.
    assert pids[0] != pids[1]
    assert backend(pg_hub) == pids[0]
