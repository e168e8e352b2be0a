"""The large reads of an SQLite store through the ADBC driver (store/_read_arrow.py) give the same
frames as the exact read through text (store/_read.py), and fall back to it when they cannot."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import xmwidgets.store._read_arrow as read_arrow
import xmwidgets.store._sqlite as sqlite_module
from xmwidgets._contract import EVENT_COLUMNS, LABEL_COLUMNS
from xmwidgets.store import Store, open_store


def _event(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "campaign": "c1" if i % 3 else "c2",
        "task": "grade",
        "annotator": f"ann{i % 5}",
        "query_id": f"q{i % 40}",
        "item_id": f"d{i}",
        "relevance": i % 4,
        **extra,
    }


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A store where every column holds values, each first after a long run of nulls."""
    store = open_store(tmp_path / "labels.sqlite")
    events = [_event(i) for i in range(300)]
    store.append(events)
    store.append(
        [
            _event(300, note='é, "quoted"\nline ✓', flags="blurry,dissolve"),
            _event(301, magnitude=0.1 + 0.2, segment_start=1 / 3, segment_end=2.5),
            _event(302, duration_ms=2**40, shown_position=2**31 - 1),
            _event(303, guideline_version="v2", shown=json.dumps(["d1", "d2"])),
            {**_event(304), "task": "pick", "relevance": None, "best": True, "rank": 1},
            {
                **_event(305),
                "task": "pick",
                "item_id": None,
                "relevance": None,
                "none_relevant": True,
            },
            {**_event(306), "task": "pair", "relevance": None, "other_id": "d9", "choice": "tie"},
            {**_event(307), "role": "adjudicator", "annotator": "lead"},
            # more annotators than the coded read packs: the column is then read as text
            *[_event(308 + k, annotator=f"many{k}") for k in range(70)],
            _event(400, note="", flags=None),
        ]
    )
    store.append([_event(5, relevance=3)])  # a key judged again
    store.retract([7, 8])
    yield store
    store.close()


def _reads(store: Store) -> list[pd.DataFrame]:
    return [
        store.labels(),
        store.events(),
        store.labels(annotator=["ann1", "ann2"], campaign="c1"),
        store.labels(columns=["query_id", "note", "magnitude"]),
        store.labels(role="adjudicator"),
        store.labels(guideline_version="v2"),
        store.labels(task="pair"),
        store.events(since=100),
    ]


def test_the_driver_read_equals_the_exact_read(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_module, "_ARROW_READ_EVENTS", 10**12)
    exact = _reads(store)
    taken: list[bool] = []
    original = read_arrow.read_frame

    def spy(*args: Any, **kwargs: Any) -> pd.DataFrame | None:
        frame = original(*args, **kwargs)
        taken.append(frame is not None)
        return frame

    monkeypatch.setattr(read_arrow, "read_frame", spy)
    monkeypatch.setattr(sqlite_module, "_ARROW_READ_EVENTS", 1)
    # batches of 7 rows: the text and real columns start with whole batches of nulls
    monkeypatch.setattr(read_arrow, "_BATCH_ROWS", 7)
    store._labels_cache = None
    driver = _reads(store)
    assert taken and all(taken), taken
    for one, two in zip(exact, driver, strict=True):
        pd.testing.assert_frame_equal(one, two)
    labels = driver[0]
    assert {c: str(t) for c, t in labels.dtypes.items()} == LABEL_COLUMNS
    assert {c: str(t) for c, t in driver[1].dtypes.items()} == EVENT_COLUMNS
    row = labels.set_index("item_id")
    assert row.loc["d300", "note"] == 'é, "quoted"\nline ✓'
    assert row.loc["d400", "note"] == "" and pd.isna(row.loc["d400", "flags"])
    assert row.loc["d301", "magnitude"] == 0.1 + 0.2  # all 17 digits
    assert row.loc["d302", "duration_ms"] == 2**40
    assert row.loc["d5", "relevance"] == 3 and "d7" not in row.index
    assert (labels.role == "adjudicator").sum() == 1 and labels.role.notna().all()
    assert labels.event_id.is_monotonic_increasing


def test_an_empty_read_and_a_read_from_a_worker_thread(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_module, "_ARROW_READ_EVENTS", 1)
    readers: list[int] = []
    original = read_arrow.read_frame

    def spy(uri: str, last: int, n: int, *args: Any) -> pd.DataFrame | None:
        readers.append(n)
        return original(uri, last, n, *args)

    monkeypatch.setattr(read_arrow, "read_frame", spy)
    assert store.labels(annotator="nobody").empty
    assert list(store.labels(annotator="nobody").columns) == list(LABEL_COLUMNS)
    result: list[pd.DataFrame] = []
    thread = threading.Thread(target=lambda: result.append(store.events()))
    thread.start()
    thread.join()
    assert len(result[0]) == store.last_event_id()
    assert readers[0] == 2 and readers[-1] == 1  # one connection from a worker thread


def test_a_value_the_driver_refuses_is_read_exactly(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # another program wrote a blob into a text column: the driver types the column as binary
    con = sqlite3.connect(tmp_path / "labels.sqlite")
    con.execute("UPDATE events SET note = CAST('from a blob' AS BLOB) WHERE event_id = 1")
    con.commit()
    con.close()
    monkeypatch.setattr(sqlite_module, "_ARROW_READ_EVENTS", 1)
    monkeypatch.setattr(read_arrow, "_BATCH_ROWS", 4)
    assert (
        read_arrow.read_frame(
            store._reader_uri,
            store.last_event_id(),
            1,
            {"event_id": "int64", "note": "string"},
            ("FROM events e", []),
            "e",
            {"event_id", "note"},
            {},
        )
        is None
    )
    events = store.events()
    assert events.note.iloc[0] == "from a blob"


def test_text_that_is_not_utf8_is_still_refused(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = sqlite3.connect(tmp_path / "labels.sqlite")
    con.execute("UPDATE events SET note = CAST(x'ff41' AS TEXT) WHERE event_id = 2")
    con.commit()
    con.close()
    monkeypatch.setattr(sqlite_module, "_ARROW_READ_EVENTS", 1)
    with pytest.raises(Exception, match=r"(?i)utf-?8"):
        store.events()


def test_a_write_between_the_snapshots_is_read_at_the_first(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_module, "_ARROW_READ_EVENTS", 1)
    before = store.labels()
    store._labels_cache = None
    other = open_store(tmp_path / "labels.sqlite")
    original = read_arrow.read_frame
    moved: list[pd.DataFrame | None] = []

    def write_first(*args: Any) -> pd.DataFrame | None:
        if not moved:
            other.append([_event(9999)])
        frame = original(*args)
        moved.append(frame)
        return frame

    monkeypatch.setattr(read_arrow, "read_frame", write_first)
    during = store.labels()
    assert moved[0] is None  # the readers saw the new event: the exact read took over
    pd.testing.assert_frame_equal(during, before)  # ... at the snapshot the read began in
    assert "d9999" in set(store.labels().item_id)
    other.close()
