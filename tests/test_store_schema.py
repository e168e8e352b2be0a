"""Schema versions of both backends: an old store is upgraded in place, a newer one is refused."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from xmwidgets._contract import LABEL_KEY
from xmwidgets.store import Store, StoreError, open_store
from xmwidgets.store._read import CODED_COLUMNS
from xmwidgets.store._schema import SCHEMA_VERSION, create
from xmwidgets.store._write import note, previous_live

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pg_server  # the test helper next to this file
from test_store import current

if TYPE_CHECKING:
    from conftest import Location

ROOT = Path(__file__).resolve().parents[1]


def test_schema_version_is_4() -> None:
    # bump this test with a migration and a test that starts from the schema before it
    from xmwidgets.store._postgres import SCHEMA_VERSION as PG_SCHEMA_VERSION

    assert SCHEMA_VERSION == PG_SCHEMA_VERSION == 4


# --------------------------------------------------------------------- stores of older versions
# How versions 1 and 2 wrote (their `current` was keyed (query_id, item_key, campaign,
# annotator, task), without guideline_version and other_id): a faithful copy of their write path,
# frozen here because the store's own code now writes version 3.
_OLD_KEY = "query_id, item_key, campaign, annotator, task"
_OLD_KEY_OF_EVENT = "query_id, ifnull(item_id, x''), campaign, annotator, task"


def _old_append(con: sqlite3.Connection, event: dict) -> int:
    """Append one event as a version-1/2 store did (the caller holds a transaction)."""
    event = {"created_at": 1_700_000_000_000_000, **event}
    if "retracts" in event:  # a retraction copied the old key of its target
        found = con.execute(
            "SELECT campaign, task, query_id, item_id, annotator FROM events WHERE event_id = ?",
            (event["retracts"],),
        ).fetchone()
        event.update(
            zip(("campaign", "task", "query_id", "item_id", "annotator"), found, strict=True)
        )
        event = {k: v for k, v in event.items() if v is not None}
    columns = list(event)
    event_id = con.execute(
        f"INSERT INTO events ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        tuple(event.values()),
    ).lastrowid
    assert event_id is not None
    note(con, columns, {c: [event[c]] for c in CODED_COLUMNS if c in event})
    if "retracts" not in event:
        con.execute(
            f"INSERT INTO current ({_OLD_KEY}, event_id) SELECT {_OLD_KEY_OF_EVENT}, event_id "
            f"FROM events WHERE event_id = ? ON CONFLICT ({_OLD_KEY}) "
            "DO UPDATE SET event_id = excluded.event_id",
            (event_id,),
        )
        con.execute("INSERT INTO current_ids (event_id) VALUES (?)", (event_id,))
        con.execute(
            "DELETE FROM current_ids WHERE event_id IN "
            "(SELECT prev FROM superseded WHERE event_id = ?)",
            (event_id,),
        )
        return event_id
    target = event["retracts"]
    key = f"({_OLD_KEY}) = (SELECT {_OLD_KEY_OF_EVENT} FROM events WHERE event_id = ?)"
    now = con.execute(f"SELECT event_id FROM current WHERE {key}", (target,)).fetchone()
    if now is not None and now[0] == target:
        previous = previous_live(con, target)
        con.execute("DELETE FROM current_ids WHERE event_id = ?", (target,))
        if previous is None:
            con.execute(f"DELETE FROM current WHERE {key}", (target,))
        else:
            con.execute(f"UPDATE current SET event_id = ? WHERE {key}", (previous, target))
            con.execute("INSERT INTO current_ids (event_id) VALUES (?)", (previous,))
    return event_id


def _old_store(path: str, version: int, events: list[dict]) -> sqlite3.Connection:
    """A store file of schema ``version`` (1 or 2) holding ``events`` as that version wrote them."""
    con = sqlite3.connect(path, isolation_level=None)
    create(con, path, version=version)
    con.execute("BEGIN")
    for event in events:
        _old_append(con, event)
    con.execute("COMMIT")
    assert con.execute("PRAGMA user_version").fetchone()[0] == version
    return con


def _old_labels(con: sqlite3.Connection) -> dict[int, tuple]:
    """event_id -> (key and relevance) of the labels the old store shows."""
    rows = con.execute(
        "SELECT e.event_id, e.campaign, e.task, e.guideline_version, e.query_id, e.item_id, "
        "e.annotator, e.relevance FROM current c JOIN events e ON e.event_id = c.event_id"
    )
    return {r[0]: r[1:] for r in rows}


def _label_tuples(labels: pd.DataFrame) -> dict[int, tuple]:
    columns = ["campaign", "task", "guideline_version", "query_id", "item_id", "annotator"]
    return {
        int(r[0]): tuple(None if pd.isna(v) else v for v in r[1:])
        for r in labels[["event_id", *columns, "relevance"]].itertuples(index=False)
    }


def _reference(store: Store) -> list[int]:
    """The event ids of the labels by definition: the newest live value per LABEL_KEY."""
    events = store.events()
    retracted = set(events.retracts.dropna().astype(int))
    values = events[events.retracts.isna() & ~events.event_id.isin(retracted)]
    return sorted(values.groupby(list(LABEL_KEY), dropna=False).event_id.max())


def _random_history(seed: int, n: int) -> list[dict]:
    """Grades under two guideline versions (and none), two annotators, query-level picks, undos."""
    rng = random.Random(seed)
    events: list[dict] = []
    live: list[int] = []
    for _ in range(n):
        if live and rng.random() < 0.25:
            events.append({"retracts": live.pop(rng.randrange(len(live)))})
            continue
        events.append(
            {
                "campaign": "c",
                "task": rng.choice(["grade", "grade", "pick"]),
                "query_id": f"q{rng.randrange(4)}",
                "item_id": rng.choice(["d1", "d2", None]),
                "annotator": rng.choice(["ann", "bob"]),
                "relevance": rng.randrange(4),
                "guideline_version": rng.choice(["v1", "v2", None]),
                "created_at": 1_700_000_000_000_000 + len(events),
            }
        )
        live.append(len(events))
    return events


def test_sqlite_store_of_version_1_is_upgraded_in_place(tmp_path: Path) -> None:
    path = str(tmp_path / "labels.sqlite")
    grade = {"campaign": "c", "task": "grade", "query_id": "q1", "annotator": "ann"}
    con = _old_store(path, 1, [{**grade, "item_id": "d1", "relevance": 2}])
    assert con.execute("SELECT count(*) FROM meta WHERE key = 'store_id'").fetchone()[0] == 0
    con.close()
    with open_store(path) as store:
        labels = store.labels()
        assert labels[["query_id", "item_id"]].values.tolist() == [["q1", "d1"]]
        assert labels.relevance.tolist() == [2] and labels.role.tolist() == ["annotator"]
        assert store.append([{**grade, "query_id": "q2", "relevance": 1}]) == [2]
        # the columns version 3 added take values in an upgraded file
        pair = {**grade, "task": "pair", "item_id": "a", "other_id": "b", "choice": "tie"}
        store.append([pair, {**pair, "other_id": "c", "choice": "a", "role": "adjudicator"}])
        pairs = store.labels(task="pair")
        assert pairs.other_id.tolist() == ["b", "c"] and pairs.choice.tolist() == ["tie", "a"]
        assert pairs.role.tolist() == ["annotator", "adjudicator"]
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    meta = dict(con.execute("SELECT key, value FROM meta"))
    assert meta["schema_version"] == str(SCHEMA_VERSION) and len(meta["store_id"]) == 36
    con.close()
    with open_store(path):  # opening again changes nothing
        pass
    con = sqlite3.connect(path)
    assert dict(con.execute("SELECT key, value FROM meta"))["store_id"] == meta["store_id"]
    con.close()


def test_sqlite_upgrade_from_version_2_keeps_every_label_and_splits_guideline_versions(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "labels.sqlite")
    grade = {"campaign": "c", "task": "grade", "query_id": "q1", "item_id": "d1"}
    events = [
        {**grade, "annotator": "ann", "relevance": 1, "guideline_version": "v1"},
        # version 2 let this grade under v2 replace the v1 grade of the same pair
        {**grade, "annotator": "ann", "relevance": 3, "guideline_version": "v2"},
        {**grade, "annotator": "bob", "relevance": 0, "guideline_version": "v1"},
        {**grade, "annotator": "bob", "relevance": 2, "guideline_version": "v1"},
        {**grade, "item_id": None, "annotator": "ann", "task": "pick", "none_relevant": 1},
    ]
    con = _old_store(path, 2, events)
    old = _old_labels(con)
    con.close()
    assert sorted(old) == [2, 4, 5]  # what version 2 showed
    with open_store(path) as store:
        labels = store.labels()
        # every label of version 2 is kept, with its values; the v1 grade under the v2 one is a
        # label of its own again
        assert {k: v for k, v in _label_tuples(labels).items() if k in old} == old
        assert labels.event_id.tolist() == [1, 2, 4, 5]
        assert current(store, guideline_version="v2") == {("q1", "d1"): 3}
        assert current(store, guideline_version="v1", annotator="ann") == {("q1", "d1"): 1}
        # undo walks back within a key only: undoing the v2 grade leaves no v2 label
        store.retract([2])
        assert store.labels(guideline_version="v2").empty
        assert current(store, annotator="ann", task="grade") == {("q1", "d1"): 1}
        store.retract([4])  # bob's chain of v1 grades survived the upgrade
        assert current(store, annotator="bob") == {("q1", "d1"): 0}


@pytest.mark.parametrize("version", [1, 2])
def test_sqlite_upgrade_of_a_random_history_matches_the_definition(
    tmp_path: Path, version: int
) -> None:
    path = str(tmp_path / "labels.sqlite")
    con = _old_store(path, version, _random_history(seed=version, n=300))
    old = _old_labels(con)
    con.close()
    with open_store(path) as store:
        labels = store.labels()
        assert {k: v for k, v in _label_tuples(labels).items() if k in old} == old
        assert labels.event_id.tolist() == _reference(store)
        assert len(labels) > len(old)  # some keys were split by guideline version
        con = sqlite3.connect(path)
        ids = {r[0] for r in con.execute("SELECT event_id FROM current_ids")}
        assert ids == {r[0] for r in con.execute("SELECT event_id FROM current")}
        con.close()
        # the rebuilt undo chains: undo every label, one by one, checking against the definition
        rng = random.Random(5)
        while len(labels):
            store.retract([int(rng.choice(labels.event_id.tolist()))])
            labels = store.labels()
            assert labels.event_id.tolist() == _reference(store)


def _as_version_3(location: Location) -> None:
    """Make the store at ``location`` what schema version 3 left: version 4 only added the
    rubrics table (empty on upgrade), so dropping it and the version number is that store."""
    if location.kind == "sqlite":
        con = sqlite3.connect(location.where, isolation_level=None)
        con.execute("DROP TABLE rubrics")
        con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
        con.execute("PRAGMA user_version = 3")
        con.close()
        return
    import sqlalchemy as sa

    from xmwidgets.store._postgres import engine_url

    engine = sa.create_engine(engine_url(location.where))
    with engine.begin() as con:
        con.execute(sa.text("DROP TABLE xmw_rubrics"))
        con.execute(sa.text("UPDATE xmw_meta SET value = '3' WHERE key = 'schema_version'"))
    engine.dispose()


def test_a_store_of_version_3_is_upgraded_and_learns_the_rubric_of_each_version(
    location: Location,
) -> None:
    from xmwidgets.scale import Level, Scale

    grades = pd.DataFrame(
        {"query_id": ["q1", "q1", "q2"], "item_id": ["d1", "d2", "d1"], "relevance": [3, 2, 0]}
    )
    with location() as store:
        store.import_labels(grades, annotator="ana", campaign="c", guideline_version="v1")
        store.import_labels(grades, annotator="ana", campaign="c", guideline_version="v0")
        before = store.labels()
    _as_version_3(location)
    store = location()  # upgraded in place
    assert store.labels().equals(before) and store.rubrics().empty
    two = Scale([Level(0, "no"), Level(1, "yes")], name="bin", version="v1")
    # v1 was judged on four levels before rubrics were recorded: a two-level rubric is refused
    with pytest.raises(StoreError) as caught:
        store.register_rubric(two, campaign="c")
    message = str(caught.value)
    assert "already holds judgements under guideline version 'v1' of campaign 'c'" in message
    assert "relevance 2, 3, not a level of this rubric (levels 0 'no', 1 'yes')" in message
    assert "rubric.revise(version='v2')" in message  # v0 and v1 are taken
    four = Scale([Level(v, f"level {v}") for v in range(4)], name="four", version="v1")
    store.register_rubric(four, campaign="c")
    assert store.rubrics()[["guideline_version", "name"]].values.tolist() == [["v1", "four"]]
    renamed = Scale([Level(v, f"grade {v}") for v in range(4)], name="four", version="v1")
    with pytest.raises(StoreError, match="guideline version 'v1' of campaign 'c' was stored"):
        store.register_rubric(renamed, campaign="c")
    assert store.labels().equals(before)
    store.close()
    if location.kind == "sqlite":
        con = sqlite3.connect(location.where)
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
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
    assert meta["schema_version"] == str(SCHEMA_VERSION) and len(meta["store_id"]) == 36
    engine.dispose()


def _old_postgres_store(url: str, version: int, events: list[dict]) -> None:
    """A PostgreSQL store of schema ``version`` (1 or 2) holding ``events``, in the state that
    version left: xmw_current keyed (query_id, item_key, item_null, campaign, annotator, task),
    each value's predecessor of that key in xmw_superseded."""
    import sqlalchemy as sa

    from xmwidgets.store._postgres import create_schema, engine_url

    old_key = "query_id, item_key, item_null, campaign, annotator, task"
    of_event = "query_id, coalesce(item_id, ''), item_id IS NULL, campaign, annotator, task"
    rows: list[dict] = []
    for event in events:
        event = {"created_at": 1_700_000_000_000_000, **event}
        if "retracts" in event:  # a retraction copied the old key of its target
            target = rows[event["retracts"] - 1]
            event |= {
                c: target[c] for c in ("campaign", "task", "query_id", "item_id", "annotator")
            }
        rows.append(event)
    columns = sorted({c for row in rows for c in row})
    engine = sa.create_engine(engine_url(url))
    with engine.begin() as con:
        create_schema(con, version=version)
        con.execute(
            sa.text(
                f"INSERT INTO xmw_events (event_id, {', '.join(columns)}) "
                f"VALUES (:event_id, {', '.join(':' + c for c in columns)})"
            ),
            [
                {
                    "event_id": i + 1,
                    **{c: row.get(c) for c in columns},
                    "none_relevant": None if row.get("none_relevant") is None else True,
                }
                for i, row in enumerate(rows)
            ],
        )
        con.execute(
            sa.text(
                f"INSERT INTO xmw_current ({old_key}, event_id) SELECT {of_event}, max(event_id) "
                "FROM xmw_events e WHERE retracts IS NULL AND NOT EXISTS "
                "(SELECT 1 FROM xmw_events r WHERE r.retracts = e.event_id) "
                f"GROUP BY {of_event}"
            )
        )
        con.execute(
            sa.text(
                "INSERT INTO xmw_superseded SELECT event_id, prev FROM (SELECT event_id, "
                f"lag(event_id) OVER (PARTITION BY {of_event} ORDER BY event_id) AS prev "
                "FROM xmw_events WHERE retracts IS NULL) chain WHERE prev IS NOT NULL"
            )
        )
        con.execute(sa.text("UPDATE xmw_counter SET last = :n"), {"n": len(rows)})
        if version >= 2:
            con.execute(
                sa.text("INSERT INTO xmw_used_columns SELECT unnest(CAST(:c AS text[]))"),
                {"c": [c for c in columns if c not in ("campaign", "task", "query_id")]},
            )
        old = {
            r[0]: tuple(r[1:])
            for r in con.execute(
                sa.text(
                    "SELECT e.event_id, e.campaign, e.task, e.guideline_version, e.query_id, "
                    "e.item_id, e.annotator, e.relevance FROM xmw_current c "
                    "JOIN xmw_events e ON e.event_id = c.event_id"
                )
            )
        }
    engine.dispose()
    return old


@pytest.mark.parametrize("version", [1, 2])
def test_postgres_upgrade_of_a_random_history_matches_the_definition(version: int) -> None:
    server, database = _pg_database()
    url = server.url(database)
    old = _old_postgres_store(url, version, _random_history(seed=version, n=300))
    with open_store(url) as store:
        labels = store.labels()
        assert {k: v for k, v in _label_tuples(labels).items() if k in old} == old
        assert labels.event_id.tolist() == _reference(store)
        assert len(labels) > len(old)  # some keys were split by guideline version
        rng = random.Random(5)
        while len(labels):
            store.retract([int(rng.choice(labels.event_id.tolist()))])
            labels = store.labels()
            assert labels.event_id.tolist() == _reference(store)


def test_postgres_upgrade_from_version_2_splits_guideline_versions() -> None:
    server, database = _pg_database()
    url = server.url(database)
    grade = {"campaign": "c", "task": "grade", "query_id": "q1", "item_id": "d1"}
    events = [
        {**grade, "annotator": "ann", "relevance": 1, "guideline_version": "v1"},
        {**grade, "annotator": "ann", "relevance": 3, "guideline_version": "v2"},
    ]
    assert sorted(_old_postgres_store(url, 2, events)) == [2]
    with open_store(url) as store:
        assert store.labels().event_id.tolist() == [1, 2]
        assert current(store, guideline_version="v2") == {("q1", "d1"): 3}
        store.retract([2])
        assert store.labels(guideline_version="v2").empty
        assert current(store) == {("q1", "d1"): 1}
        pair = {**grade, "annotator": "ann", "task": "pair", "item_id": "a", "choice": "b"}
        store.append([{**pair, "other_id": "b"}, {**pair, "other_id": "c", "role": "adjudicator"}])
        pairs = store.labels(task="pair")
        assert pairs.other_id.tolist() == ["b", "c"]
        assert pairs.role.tolist() == ["annotator", "adjudicator"]


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
        StoreError,
        match=rf"schema version 7, newer than this xmwidgets can read \({SCHEMA_VERSION}\)",
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
