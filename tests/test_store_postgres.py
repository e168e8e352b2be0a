"""PostgreSQL-only behaviour of the store: errors a person understands, restarts, transactions."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from xmwidgets.store import StoreError, open_store

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pg_server  # the test helper next to this file


def _grade(i: int) -> dict:
    return {
        "campaign": "c",
        "task": "grade",
        "query_id": f"q{i}",
        "item_id": "d",
        "annotator": "a",
        "relevance": i % 4,
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_wrong_password_names_server_and_database_not_the_password() -> None:
    server = pg_server.server()
    database = server.new_database()
    wrong = "not-the-password-42"
    with pytest.raises(StoreError) as caught:
        open_store(server.url(database, password=wrong))
    message = str(caught.value)
    assert f"127.0.0.1:{server.port}" in message and repr(database) in message
    assert (
        "password authentication failed" in message
        and "check the user name and password" in message
    )
    assert wrong not in message and server.password not in message


def test_server_down_names_server_and_says_what_to_do() -> None:
    port = _free_port()  # nothing listens there
    with pytest.raises(StoreError) as caught:
        open_store(f"postgresql://xm:secret-pw@127.0.0.1:{port}/labels")
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message and "'labels'" in message
    assert "is the server running" in message and "secret-pw" not in message


def test_missing_database_says_how_to_create_it() -> None:
    server = pg_server.server()
    with pytest.raises(StoreError) as caught:
        open_store(server.url("no_such_db"))
    message = str(caught.value)
    assert f"127.0.0.1:{server.port}" in message and "'no_such_db'" in message
    assert 'database "no_such_db" does not exist' in message and "createdb" in message
    assert server.password not in message


def test_unsupported_driver_is_refused() -> None:
    with pytest.raises(StoreError, match=r"use postgresql:// or postgresql\+psycopg://"):
        open_store("postgresql+psycopg2://u:p@localhost/db")


def test_postgresql_psycopg_url_and_password_free_path() -> None:
    server = pg_server.server()
    database = server.new_database()
    url = server.url(database).replace("postgresql://", "postgresql+psycopg://")
    with open_store(url) as store:
        assert store.append([_grade(1)]) == [1]
        assert server.password not in store.path and server.password not in repr(store)


def test_a_batch_of_events_is_one_transaction() -> None:
    import sqlalchemy as sa

    server = pg_server.server()
    store = open_store(server.url(server.new_database()))
    seen: list[str] = []
    engine = store._engine
    sa.event.listen(engine, "begin", lambda con: seen.append("BEGIN"))
    sa.event.listen(engine, "commit", lambda con: seen.append("COMMIT"))
    store.append([_grade(i) for i in range(10)])
    assert seen == ["BEGIN", "COMMIT"]
    store.close()


def test_backup_of_a_postgres_store_points_to_the_servers_tools(tmp_path: Path) -> None:
    server = pg_server.server()
    store = open_store(server.url(server.new_database()))
    with pytest.raises(StoreError, match=r"copies SQLite stores only; .* pg_dump"):
        store.backup(tmp_path / "kept.sqlite")
    assert not (tmp_path / "kept.sqlite").exists()
    store.close()


def test_the_same_store_works_after_a_server_restart() -> None:
    server = pg_server.server()
    store = open_store(server.url(server.new_database()))
    store.append([_grade(1)])
    for mode in ("fast", "immediate"):
        server.restart(mode)
        store.append([_grade(2)])  # a stale pooled connection is replaced, not reported
    assert store.events().event_id.tolist() == [1, 2, 3]
    store.close()


@pytest.mark.parametrize("committed", [True, False])
def test_a_lost_commit_reply_is_neither_lost_nor_repeated(
    monkeypatch: pytest.MonkeyPatch, committed: bool
) -> None:
    """The connection drops at COMMIT: after the commit (reply lost) or before it reached the
    server. Either way append returns the ids of exactly one stored copy of the events."""
    import psycopg
    import sqlalchemy as sa
    from sqlalchemy.engine.base import RootTransaction

    server = pg_server.server()
    store = open_store(server.url(server.new_database()))
    store.append([_grade(0)])
    original = RootTransaction.commit
    calls = []

    def flaky_commit(self: RootTransaction) -> None:
        calls.append(1)
        if len(calls) == 1:
            if committed:
                original(self)
            else:
                self.rollback()
            raise sa.exc.OperationalError(
                "COMMIT",
                {},
                psycopg.OperationalError("server closed the connection"),
                connection_invalidated=True,
            )
        original(self)

    monkeypatch.setattr(RootTransaction, "commit", flaky_commit)
    ids = store.append([_grade(1), _grade(2)])
    monkeypatch.setattr(RootTransaction, "commit", original)
    events = store.events()
    assert ids == [2, 3]
    assert events.event_id.tolist() == [1, 2, 3]
    assert events.query_id.tolist() == ["q0", "q1", "q2"]
    assert len(calls) == (1 if committed else 2)  # a commit that landed is not repeated
    store.close()


def test_writes_while_the_server_is_down_fail_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    server = pg_server.server()
    store = open_store(server.url(server.new_database()))
    store.append([_grade(0)])
    store._timeout = 1.0  # retry for one second only
    server.stop("fast")
    try:
        with pytest.raises(StoreError, match=r"is the server running.*nothing was written"):
            store.append([_grade(1)])
    finally:
        server.start()
    assert store.append([_grade(2)]) == [2]
    store.close()


def test_a_grid_on_a_postgres_store_shows_and_resumes_its_labels(
    built_bundle: Path, tmp_path: Path
) -> None:
    """A grid opened on a PostgreSQL URL reads the judgements there (from another process or
    an earlier session) into grid.labels and its progress, as on SQLite."""
    import pandas as pd

    import xmwidgets as xm

    server = pg_server.server()
    url = server.url(server.new_database())
    queries = pd.DataFrame({"query_id": ["q1", "q2"], "text": ["a red square", "blue"]})
    items = pd.DataFrame({"item_id": ["t1", "t2", "t3"], "text": ["one", "two", "three"]})
    candidates = pd.DataFrame({"query_id": ["q1", "q1", "q2"], "item_id": ["t1", "t2", "t3"]})
    with open_store(url) as other:  # e.g. another annotator's kernel, or an earlier session
        other.import_labels(
            pd.DataFrame({"query_id": ["q1", "q1"], "item_id": ["t1", "t2"], "relevance": [2, 0]}),
            annotator="ana",
        )
    grid = xm.RelevanceGrid(
        queries, items, candidates, store=url, annotator="ana", campaign="default"
    )
    assert sorted(grid.labels.item_id) == ["t1", "t2"]
    assert grid.progress["judged"] == 2 and grid.progress["queries_done"] == 1
    assert grid.query_index == 1  # resumes at the first unfinished query
    assert server.password not in repr(grid)
    grid.close()
