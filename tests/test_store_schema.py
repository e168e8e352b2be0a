"""Schema versions of both backends: an old store is upgraded in place, a newer one is refused."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from xmwidgets.store import StoreError, open_store
from xmwidgets.store._schema import SCHEMA_VERSION, create
from xmwidgets.store._write import insert_values, note

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pg_server  # the test helper next to this file

ROOT = Path(__file__).resolve().parents[1]


def test_schema_version_is_2() -> None:
    # bump this test with a migration and a test that starts from the schema before it
    assert SCHEMA_VERSION == 2


def test_sqlite_store_of_version_1_is_upgraded_in_place(tmp_path: Path) -> None:
    path = str(tmp_path / "labels.sqlite")
    con = sqlite3.connect(path, isolation_level=None)
    create(con, path, version=1)
    # a judgement written by version 1
    con.execute("BEGIN")
    columns = ["campaign", "task", "query_id", "item_id", "annotator", "relevance", "created_at"]
    insert_values(con, columns, [("c", "grade", "q1", "d1", "ann", 2, 1_700_000_000_000_000)])
    note(con, columns, {"campaign": ["c"], "task": ["grade"], "annotator": ["ann"]})
    con.execute("COMMIT")
    assert con.execute("PRAGMA user_version").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM meta WHERE key = 'store_id'").fetchone()[0] == 0
    con.close()
    with open_store(path) as store:
        labels = store.labels()
        assert labels[["query_id", "item_id"]].values.tolist() == [["q1", "d1"]]
        assert labels.relevance.tolist() == [2]
        assert store.append(
            [
                {
                    "campaign": "c",
                    "task": "grade",
                    "query_id": "q2",
                    "annotator": "ann",
                    "relevance": 1,
                }
            ]
        ) == [2]
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 2
    meta = dict(con.execute("SELECT key, value FROM meta"))
    assert meta["schema_version"] == "2" and len(meta["store_id"]) == 36
    con.close()
    with open_store(path):  # opening again changes nothing
        pass
    con = sqlite3.connect(path)
    assert dict(con.execute("SELECT key, value FROM meta"))["store_id"] == meta["store_id"]
    con.close()


def _pg_database() -> tuple[pg_server.PgServer, str]:
    server = pg_server.server()
    return server, server.new_database()


def test_postgres_store_of_version_1_is_upgraded_in_place() -> None:
    import sqlalchemy as sa

    from xmwidgets.store._postgres import create_schema, engine_url

    server, database = _pg_database()
    engine = sa.create_engine(engine_url(server.url(database)))
    with engine.begin() as con:
        create_schema(con, version=1)
        con.execute(
            sa.text(
                "INSERT INTO xmw_events (event_id, campaign, task, query_id, item_id, "
                "annotator, relevance, created_at) "
                "VALUES (1, 'c', 'grade', 'q1', 'd1', 'ann', 2, 1700000000000000)"
            )
        )
        con.execute(
            sa.text("INSERT INTO xmw_current VALUES ('q1', 'd1', false, 'c', 'ann', 'grade', 1)")
        )
        con.execute(sa.text("UPDATE xmw_counter SET last = 1"))
    with open_store(server.url(database)) as store:
        assert store.labels()[["query_id", "item_id"]].values.tolist() == [["q1", "d1"]]
        ids = store.append(
            [
                {
                    "campaign": "c",
                    "task": "grade",
                    "query_id": "q1",
                    "item_id": "d1",
                    "annotator": "ann",
                    "relevance": 0,
                }
            ]
        )
        assert ids == [2] and store.labels().relevance.tolist() == [0]
        store.retract(ids)
        assert store.labels().relevance.tolist() == [2]  # the version-1 value is back
    with engine.begin() as con:
        meta = dict(con.execute(sa.text("SELECT key, value FROM xmw_meta")).all())
    assert meta["schema_version"] == "2" and len(meta["store_id"]) == 36
    engine.dispose()


def test_postgres_store_of_a_newer_version_is_refused() -> None:
    import sqlalchemy as sa

    from xmwidgets.store._postgres import engine_url

    server, database = _pg_database()
    open_store(server.url(database)).close()
    engine = sa.create_engine(engine_url(server.url(database)))
    with engine.begin() as con:
        con.execute(sa.text("UPDATE xmw_meta SET value = '7' WHERE key = 'schema_version'"))
    engine.dispose()
    with pytest.raises(
        StoreError, match=r"schema version 7, newer than this xmwidgets can read \(2\)"
    ):
        open_store(server.url(database))


def test_postgres_database_with_a_foreign_xmw_meta_is_refused() -> None:
    import sqlalchemy as sa

    from xmwidgets.store._postgres import engine_url

    server, database = _pg_database()
    engine = sa.create_engine(engine_url(server.url(database)))
    with engine.begin() as con:
        con.execute(sa.text("CREATE TABLE xmw_meta (key text PRIMARY KEY, value text)"))
        con.execute(sa.text("INSERT INTO xmw_meta VALUES ('format', 'something else')"))
    engine.dispose()
    with pytest.raises(StoreError, match="is not an xmwidgets store's; use another database"):
        open_store(server.url(database))


_NO_EXTRA = """
import sys
sys.path.insert(0, {root!r})
sys.modules["sqlalchemy"] = None  # as if the postgres extra were not installed
from xmwidgets.store import StoreError, open_store
try:
    open_store("postgresql://u:secret@localhost:5432/db")
except StoreError as exc:
    print(exc)
"""


def test_missing_postgres_extra_names_it() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _NO_EXTRA.format(root=str(ROOT))],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "pip install 'xmwidgets[postgres]'" in out.stdout, out
    assert "secret" not in out.stdout


def test_sqlalchemy_and_psycopg_are_imported_only_for_a_postgres_url(tmp_path: Path) -> None:
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); import xmwidgets as xm; "
        f"xm.open_store({str(tmp_path / 'x.sqlite')!r}).labels(); "
        "print('sqlalchemy' in sys.modules, 'psycopg' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
