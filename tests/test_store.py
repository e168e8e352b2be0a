"""Tests of the label store: event log semantics, labels view, import, durability, concurrency."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from xmwidgets._contract import EVENT_COLUMNS, LABEL_COLUMNS, LABEL_KEY
from xmwidgets.store import Store, StoreError, open_store
from xmwidgets.store._schema import SCHEMA_VERSION

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import Location

ROOT = Path(__file__).resolve().parents[1]


def grade(query_id: str, item_id: str | None, relevance: int | None, **extra: object) -> dict:
    return {
        "campaign": "c1",
        "task": "grade",
        "annotator": "ann",
        "query_id": query_id,
        "item_id": item_id,
        "relevance": relevance,
        **extra,
    }


def current(store: Store, **filters: object) -> dict[tuple, int]:
    """(query_id, item_id) -> relevance of the labels view."""
    labels = store.labels(**filters)
    return {
        (q, None if pd.isna(i) else i): (None if pd.isna(r) else int(r))
        for q, i, r in zip(labels.query_id, labels.item_id, labels.relevance, strict=True)
    }


@pytest.fixture
def store(location: Location) -> Store:
    return location()


# ----------------------------------------------------------------------------- semantics
def test_events_become_labels_with_contract_dtypes(store: Store) -> None:
    ids = store.append([grade("q1", "d1", 2, duration_ms=850, shown_position=3)])
    assert ids == [1]
    labels = store.labels()
    assert list(labels.columns) == list(LABEL_COLUMNS)
    assert {c: str(t) for c, t in labels.dtypes.items()} == LABEL_COLUMNS
    row = labels.iloc[0]
    assert (row.event_id, row.query_id, row.item_id, row.relevance) == (1, "q1", "d1", 2)
    assert (row.duration_ms, row.shown_position, row.annotator) == (850, 3, "ann")
    assert pd.isna(row.best) and pd.isna(row.note) and pd.isna(row.magnitude)
    assert row.created_at.tz is not None and str(row.created_at.tz) == "UTC"
    events = store.events()
    assert list(events.columns) == list(EVENT_COLUMNS)
    assert {c: str(t) for c, t in events.dtypes.items()} == EVENT_COLUMNS


def test_empty_store_frames_have_contract_dtypes(tmp_path: Path) -> None:
    store = open_store(":memory:")
    assert store.path == ":memory:"
    assert store.last_event_id() == 0
    for frame, columns in ((store.labels(), LABEL_COLUMNS), (store.events(), EVENT_COLUMNS)):
        assert len(frame) == 0
        assert {c: str(t) for c, t in frame.dtypes.items()} == columns
    counts = store.counts(campaign="c1", annotator="ann")
    assert list(counts.columns) == ["query_id", "judged"] and len(counts) == 0


def test_newest_value_wins(store: Store) -> None:
    store.append([grade("q1", "d1", 1), grade("q1", "d2", 0)])
    store.append([grade("q1", "d1", 3)])
    assert current(store) == {("q1", "d1"): 3, ("q1", "d2"): 0}
    assert store.labels().event_id.tolist() == [2, 3]  # ordered by event_id


def test_undo_restores_previous_value(store: Store) -> None:
    first, second, third = store.append([grade("q1", "d1", v) for v in (1, 2, 3)])
    store.retract([third])
    assert current(store) == {("q1", "d1"): 2}
    store.retract([second])
    assert current(store) == {("q1", "d1"): 1}
    assert store.labels().event_id.tolist() == [first]
    # a new value after the undos, then undoing it, goes back to the surviving one
    (fourth,) = store.append([grade("q1", "d1", 0)])
    assert current(store) == {("q1", "d1"): 0}
    store.retract([fourth])
    assert current(store) == {("q1", "d1"): 1}


def test_undo_of_an_older_value_keeps_current_and_is_skipped_later(store: Store) -> None:
    _, second, third = store.append([grade("q1", "d1", v) for v in (1, 2, 3)])
    store.retract([second])
    assert current(store) == {("q1", "d1"): 3}
    store.retract([third])
    assert current(store) == {("q1", "d1"): 1}


def test_undo_of_only_value_removes_the_key(store: Store) -> None:
    (only,) = store.append([grade("q1", "d1", 2)])
    store.append([grade("q1", "d2", 1)])
    (undo,) = store.retract([only])
    assert current(store) == {("q1", "d2"): 1}
    retraction = store.events().set_index("event_id").loc[undo]
    assert retraction.retracts == only
    assert (retraction.query_id, retraction.item_id, retraction.annotator) == ("q1", "d1", "ann")
    assert pd.isna(retraction.relevance)


def test_retract_errors(store: Store) -> None:
    (event,) = store.append([grade("q1", "d1", 2)])
    with pytest.raises(StoreError, match=r"cannot retract event 99: .* no such event"):
        store.retract([99])
    (undo,) = store.retract([event])
    with pytest.raises(
        StoreError, match=rf"event {event} is already retracted \(by event {undo}\)"
    ):
        store.retract([event])
    with pytest.raises(StoreError, match=rf"event {undo} is itself a retraction"):
        store.retract([undo])
    # a failed batch writes nothing
    (other,) = store.append([grade("q1", "d2", 1)])
    with pytest.raises(StoreError):
        store.retract([other, 12345])
    assert current(store) == {("q1", "d2"): 1}
    assert store.last_event_id() == other


def test_null_item_id_is_its_own_key(store: Store) -> None:
    pick = {"campaign": "c1", "task": "pick", "annotator": "ann", "query_id": "q1"}
    store.append([{**pick, "item_id": None, "none_relevant": True}, {**pick, "item_id": ""}])
    store.append([{**pick, "item_id": None, "none_relevant": False}])
    labels = store.labels(task="pick")
    assert len(labels) == 2
    null_row = labels[labels.item_id.isna()].iloc[0]
    assert not null_row.none_relevant
    assert (labels.item_id == "").sum() == 1


def test_random_history_matches_a_reference_view(store: Store) -> None:
    """labels() equals the definition computed from the raw events, after random appends/undos."""
    rng = random.Random(7)
    live: list[int] = []
    for _ in range(300):
        if live and rng.random() < 0.35:
            target = live.pop(rng.randrange(len(live)))
            store.retract([target])
        else:
            event = grade(f"q{rng.randrange(3)}", rng.choice(["d1", "d2", None]), rng.randrange(4))
            event["annotator"] = rng.choice(["a", "b"])
            event["guideline_version"] = rng.choice(["v1", "v2", None])
            if rng.random() < 0.3:  # a pair judgement: other_id is part of the key
                event.update(task="pair", relevance=None, other_id=rng.choice(["d1", "d3", None]))
                event["choice"] = rng.choice(["a", "b", "tie", "both-bad"])
            live += store.append([event])
    events = store.events()
    retracted = set(events.retracts.dropna().astype(int))
    values = events[events.retracts.isna() & ~events.event_id.isin(retracted)]
    key = list(LABEL_KEY)
    expected = values.groupby(key, dropna=False).event_id.max()
    # keys with null parts (item_id, other_id, guideline_version) are among them
    assert any(pd.isna(part) for k in expected.index for part in k)
    assert sorted(store.labels().event_id) == sorted(expected)
    # the key path (query_ids) and the event-order path agree, and so do the two bookkeeping tables
    by_key = store.labels(query_ids=["q0", "q1", "q2"])
    pd.testing.assert_frame_equal(by_key, store.labels())
    if type(store) is Store:  # SQLite's two bookkeeping tables agree
        con = sqlite3.connect(store.path)
        ids = {r[0] for r in con.execute("SELECT event_id FROM current_ids")}
        assert ids == {r[0] for r in con.execute("SELECT event_id FROM current")} == set(expected)
        con.close()


# ----------------------------------------------------------------------------- schema 3 key
def test_a_grade_under_another_guideline_version_does_not_replace_it(store: Store) -> None:
    v1, v2 = ({"guideline_version": "v1"}, {"guideline_version": "v2"})
    store.append([grade("q1", "d1", 1, **v1), grade("q1", "d2", 0, **v1)])
    store.append([grade("q1", "d1", 3, **v2)])
    assert len(store.labels()) == 3
    assert current(store, guideline_version="v1") == {("q1", "d1"): 1, ("q1", "d2"): 0}
    assert current(store, guideline_version="v2") == {("q1", "d1"): 3}
    assert set(store.labels(guideline_version="v2").guideline_version) == {"v2"}
    assert len(store.labels(guideline_version=["v1", "v2"])) == 3
    assert store.labels(guideline_version="v3").empty
    # within one version the newest value still wins, and undo walks back within that version
    (again,) = store.append([grade("q1", "d1", 2, **v2)])
    assert current(store, guideline_version="v2") == {("q1", "d1"): 2}
    store.retract([again])
    assert current(store, guideline_version="v2") == {("q1", "d1"): 3}
    assert current(store, guideline_version="v1", query_ids=["q1"]) == {
        ("q1", "d1"): 1,
        ("q1", "d2"): 0,
    }
    assert len(store.events(guideline_version="v2")) == 3  # two values and the retraction
    counts = store.counts(campaign="c1", annotator="ann")
    assert counts.judged.tolist() == [3]
    counts = store.counts(campaign="c1", annotator="ann", guideline_version="v2")
    assert counts.judged.tolist() == [1]


def test_null_and_empty_guideline_version_and_other_id_are_their_own_keys(store: Store) -> None:
    store.append([grade("q1", "d1", 1), grade("q1", "d1", 2, guideline_version="")])
    assert sorted(store.labels().relevance.tolist()) == [1, 2]
    assert current(store, guideline_version="") == {("q1", "d1"): 2}
    store.append([grade("q1", "d1", 0)])  # replaces the one without a version
    labels = store.labels()
    assert labels.relevance.tolist() == [2, 0]
    assert labels.guideline_version.isna().tolist() == [False, True]
    pair = {"campaign": "c1", "task": "pair", "annotator": "ann", "query_id": "q1"}
    store.append(
        [{**pair, "item_id": "a", "choice": "a"}, {**pair, "item_id": "a", "other_id": ""}]
    )
    store.append([{**pair, "item_id": "a", "choice": "b"}])
    pairs = store.labels(task="pair")
    assert pairs.other_id.isna().tolist() == [False, True]
    assert pairs.choice.tolist()[1] == "b"


def test_pairs_with_another_second_item_are_two_labels(store: Store) -> None:
    pair = {"campaign": "c1", "task": "pair", "annotator": "ann", "query_id": "q1"}
    ab = {**pair, "item_id": "a", "other_id": "b", "shown": ["b", "a"], "shown_position": 1}
    ac = {**pair, "item_id": "a", "other_id": "c", "shown": ["a", "c"], "shown_position": 0}
    first = store.append([{**ab, "choice": "a"}, {**ac, "choice": "tie"}])
    store.append([{**ab, "choice": "both-bad"}])
    labels = store.labels(task="pair")
    assert labels[["item_id", "other_id", "choice"]].values.tolist() == [
        ["a", "c", "tie"],
        ["a", "b", "both-bad"],
    ]
    assert labels.shown_position.tolist() == [0, 1]
    assert json.loads(labels.shown.tolist()[1]) == ["b", "a"]
    (clear,) = store.append([ab])  # choice null: the choice is cleared, the key stays
    assert store.labels(task="pair").set_index("event_id").choice.isna().to_dict() == {
        first[1]: False,
        clear: True,
    }
    # an undo of a pair event copies the whole key, other_id included
    (undo,) = store.retract([clear])
    retraction = store.events().set_index("event_id").loc[undo]
    assert (retraction.item_id, retraction.other_id, retraction.task) == ("a", "b", "pair")
    assert store.labels(task="pair").choice.tolist() == ["tie", "both-bad"]


def test_rank_events_and_picks_with_ranks(store: Store) -> None:
    rank = {"campaign": "c1", "task": "rank", "annotator": "ann", "query_id": "q1"}
    shown = ["d3", "d1", "d2"]
    store.append(
        [
            {**rank, "item_id": "d1", "rank": 1, "shown": shown},
            {**rank, "item_id": "d2", "rank": 2, "shown": shown},
            {**rank, "item_id": "d3", "rank": 2, "shown": shown},  # ties share a rank
        ]
    )
    pick = {**rank, "task": "pick", "shown": shown}
    store.append([{**pick, "item_id": "d1", "rank": 1}, {**pick, "item_id": "d3", "rank": 2}])
    store.append([{**pick, "item_id": "d3"}])  # clearing a pick: the same key, rank null
    ranks = store.labels(task="rank")
    assert ranks["rank"].tolist() == [1, 2, 2] and str(ranks["rank"].dtype) == "Int32"
    picks = store.labels(task="pick")
    assert picks.item_id.tolist() == ["d1", "d3"]
    assert picks["rank"].isna().tolist() == [False, True]


def test_role_reads_annotator_for_events_without_one_and_filters(store: Store) -> None:
    (own,) = store.append([grade("q1", "d1", 1)])
    (review,) = store.append([grade("q1", "d1", 3, annotator="lead", role="adjudicator")])
    store.append([grade("q1", "d2", 2, role="annotator")])
    labels = store.labels()
    assert labels.role.tolist() == ["annotator", "adjudicator", "annotator"]
    assert store.labels(role="adjudicator").event_id.tolist() == [review]
    assert len(store.labels(role="annotator")) == 2  # stored null and stored "annotator"
    assert len(store.labels(role=["annotator", "adjudicator"], query_ids=["q1"])) == 3
    assert store.labels(role="annotator", columns=["role"]).role.tolist() == ["annotator"] * 2
    assert store.events(role="adjudicator").event_id.tolist() == [review]
    # an undo of an adjudication is the adjudicator's too
    (undo,) = store.retract([review])
    assert store.events(role="adjudicator").event_id.tolist() == [review, undo]
    assert store.labels(role="adjudicator").empty and own in store.labels().event_id.tolist()
    with pytest.raises(ValueError, match=r"unknown role\(s\) 'reviewer': the roles are"):
        store.labels(role="reviewer")
    with pytest.raises(ValueError, match="'admin'"):
        store.events(role=["annotator", "admin"])


# ----------------------------------------------------------------------------- append validation
@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({**grade("q1", "d1", 1), "colour": "red"}, r"unknown column\(s\) 'colour'"),
        ({**grade("q1", "d1", 1), "event_id": 5}, "assigned by the store"),
        ({k: v for k, v in grade("q1", "d1", 1).items() if k != "annotator"}, "no annotator"),
        ({**grade("q1", "d1", 1), "task": "ranking"}, "unknown task 'ranking'"),
        (grade("q1", "d1", 300), "relevance 300 in event 0 is out of range"),
        (grade("q1", "d1", 1.5), "relevance 1.5 in event 0 is not an integer"),
        (grade("q1", "d1", True), "relevance True in event 0 is not an integer"),
        ({**grade("q1", "d1", 1), "best": "yes"}, "best 'yes' in event 0 is not a boolean"),
        ({**grade("q1", "d1", None), "retracts": 1, "note": "x"}, "a retraction has no value"),
        ({**grade("q1", "d1", None), "retracts": 1, "rank": 2}, "also carries rank"),
        (
            {**grade("q1", "a", None), "task": "pair", "choice": "left"},
            r"choice 'left' in event 0 is not one of 'a', 'b', 'tie', 'both-bad'",
        ),
        (
            {**grade("q1", "a", None), "task": "pair", "choice": "A"},
            r"choice 'A' in event 0 is not one of",
        ),
        (
            {**grade("q1", "d1", None), "task": "rank", "rank": 0},
            r"rank 0 in event 0 is out of range: ranks start at 1",
        ),
        ({**grade("q1", "d1", None), "task": "rank", "rank": 1.5}, "rank 1.5 .* not an integer"),
        ({**grade("q1", "d1", None), "task": "pick", "rank": -1}, "rank -1 .* start at 1"),
        (
            {**grade("q1", "d1", 1), "role": "reviewer"},
            r"role 'reviewer' in event 0 is not one of 'annotator', 'adjudicator'",
        ),
        (
            {**grade("q1", "d1", 1), "other_id": "d2"},
            r"other_id 'd2' in event 0 is set on a 'grade' event: .* 'pair' events only",
        ),
        ({**grade("q1", "d1", 1), "choice": "a"}, "choice 'a' in event 0 is set on a 'grade'"),
        (
            {**grade("q1", "d1", 1), "rank": 1},
            r"rank 1 in event 0 is set on a 'grade' event: .* 'pick' and 'rank' events only",
        ),
        # stored as the text '5', and a note longer than any the grid keeps
        (
            {**grade("q1", "d1", 1), "note": 5},
            r"note 5 in event 0 is of type int, not text: a note is a str",
        ),
        (
            {**grade("q1", "d1", 1), "note": "x" * 10_001},
            r"note 'x{40}…' in event 0 has 10001 characters, more than the 10000 a note keeps",
        ),
    ],
)
def test_append_rejects_bad_events(store: Store, event: dict, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        store.append([event])
    assert store.last_event_id() == 0


def test_append_converts_values(store: Store) -> None:
    when = pd.Timestamp("2024-05-01 12:00", tz="Europe/Paris")
    store.append(
        [
            grade(17, 42, np.int64(2), created_at=when, magnitude=0.1 + 0.2, flags=["a", "b"]),
            {
                "campaign": "c1",
                "task": "pick",
                "annotator": "ann",
                "query_id": "q",
                "item_id": "d2",
                "best": np.True_,
                "shown": ["d1", "d2", 3],
                "created_at": "2024-05-01T10:00:00",
            },
        ]
    )
    events = store.events()
    assert events.query_id.tolist() == ["17", "q"] and events.item_id.tolist() == ["42", "d2"]
    assert events.created_at[0] == pd.Timestamp("2024-05-01 10:00", tz="UTC")
    assert events.created_at[1] == pd.Timestamp("2024-05-01 10:00", tz="UTC")  # naive = UTC
    assert events.magnitude[0] == 0.1 + 0.2  # exact round trip of a double
    assert events["flags"][0] == "a,b"
    assert bool(events.best[1]) is True
    assert json.loads(events.shown[1]) == ["d1", "d2", "3"]


# ----------------------------------------------------------------------------- reading
def test_labels_filters(store: Store) -> None:
    store.append(
        [
            grade("q1", "d1", 1),
            {**grade("q1", "d1", 2), "annotator": "bob"},
            {**grade("q2", "d1", 3), "campaign": "c2"},
            {**grade("q3", "d9", 0)},
            {**grade("q1", None, None), "task": "pick", "none_relevant": True},
        ]
    )
    assert len(store.labels()) == 5
    assert current(store, annotator="bob") == {("q1", "d1"): 2}
    assert current(store, campaign="c2") == {("q2", "d1"): 3}
    assert current(store, campaign="c1", annotator="ann", task="grade") == {
        ("q1", "d1"): 1,
        ("q3", "d9"): 0,
    }
    assert set(current(store, query_ids=["q2", "q3"])) == {("q2", "d1"), ("q3", "d9")}
    assert set(
        store.labels(campaign="c1", annotator=["ann", "bob"], query_ids=["q1"]).annotator
    ) == {
        "ann",
        "bob",
    }
    assert len(store.labels(task="pick")) == 1
    assert len(store.labels(query_ids=[])) == 0


def test_events_since_is_incremental(store: Store) -> None:
    store.append([grade("q1", "d1", 1), grade("q1", "d2", 1)])
    seen = store.last_event_id()
    assert store.events(since=seen).empty
    new = store.append([grade("q1", "d3", 2)])
    undo = store.retract(new)
    delta = store.events(since=seen)
    assert delta.event_id.tolist() == [*new, *undo]
    assert delta.retracts.tolist()[1] == new[0]
    assert store.events(since=0).event_id.tolist() == [1, 2, *new, *undo]
    assert store.events(annotator="nobody").empty
    assert len(store.events(task="grade", campaign="c1")) == 4


def test_counts_per_query(store: Store) -> None:
    ids = store.append([grade("q1", "d1", 1), grade("q1", "d2", 1), grade("q2", "d1", 0)])
    store.append([grade("q1", "d1", 3), {**grade("q3", "d1", 1), "annotator": "bob"}])
    store.retract([ids[2]])
    counts = store.counts(campaign="c1", annotator="ann")
    assert counts.to_dict("list") == {"query_id": ["q1"], "judged": [2]}
    assert str(counts.query_id.dtype) == "string" and str(counts.judged.dtype) == "int64"
    assert store.counts(campaign="c1", annotator="bob").judged.tolist() == [1]


# ----------------------------------------------------------------------------- import
def test_import_labels(store: Store) -> None:
    qrels = pd.DataFrame(
        {"query_id": [1, 1, 2, 1], "item_id": ["d1", "d2", "d1", "d1"], "relevance": [1, 0, 3, 2]}
    )
    assert store.import_labels(qrels, annotator="trec", guideline_version="v1") == 4
    labels = store.labels()
    assert current(store) == {("1", "d1"): 2, ("1", "d2"): 0, ("2", "d1"): 3}  # later row wins
    assert set(labels.campaign) == {"default"} and set(labels.task) == {"grade"}
    assert set(labels.guideline_version) == {"v1"} and set(labels.annotator) == {"trec"}
    assert store.last_event_id() == 4
    # an annotator column, best (False or null: no best pick), note, created_at, floats that are
    # integers
    more = pd.DataFrame(
        {
            "query_id": ["q9", "q9"],
            "item_id": ["d1", "d2"],
            "relevance": [1.0, 2.0],
            "annotator": ["x", "y"],
            "best": [False, None],
            "note": ["ok", None],
            "created_at": ["2020-01-01 00:00", None],
        }
    )
    before = more.copy()
    assert store.import_labels(more, campaign="old") == 2
    pd.testing.assert_frame_equal(more, before)  # the caller's frame is not modified
    imported = store.labels(campaign="old")
    assert imported.annotator.tolist() == ["x", "y"] and imported.relevance.tolist() == [1, 2]
    assert imported.best.isna().all() and imported.note[0] == "ok"  # as a grid's grade events
    assert imported.created_at[0] == pd.Timestamp("2020-01-01", tz="UTC")
    assert imported.item_id.tolist() == ["d1", "d2"]
    assert store.import_labels(qrels.iloc[:0], annotator="trec") == 0


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (pd.DataFrame({"query_id": ["q"], "relevance": [1]}), {}, r"no 'item_id' column"),
        (
            pd.DataFrame({"query_id": ["q"], "item_id": ["d"], "relevance": [1]}),
            {},
            "no annotator: pass annotator=",
        ),
        (
            pd.DataFrame({"query_id": ["q", "q"], "item_id": ["d", "e"], "relevance": [1, 2.5]}),
            {"annotator": "a"},
            r"relevance 2.5 in row 1 is not an integer",
        ),
        (
            pd.DataFrame({"query_id": ["q"], "item_id": ["d"], "relevance": ["high"]}),
            {"annotator": "a"},
            r"relevance 'high' in row 0 is not an integer",
        ),
        (
            pd.DataFrame(
                {"query_id": ["q", "q"], "item_id": ["d", "e"], "relevance": [1, 200]},
                index=["a", "b"],
            ),
            {"annotator": "a"},
            r"relevance 200 in row 1 \(index 'b'\) is out of range",
        ),
        (
            pd.DataFrame({"query_id": [None], "item_id": ["d"], "relevance": [1]}),
            {"annotator": "a"},
            "query_id is missing in row 0",
        ),
        (
            pd.DataFrame({"query_id": ["q"], "item_id": ["d"], "relevance": [1], "iter": [0]}),
            {"annotator": "a"},
            r"unknown column\(s\) 'iter'",
        ),
        (
            pd.DataFrame({"query_id": ["q"], "item_id": ["d"], "relevance": [1]}),
            {"annotator": "a", "task": "ranking"},
            "unknown task 'ranking'",
        ),
        # pandas' bare "unhashable type: 'list'"
        (
            pd.DataFrame(
                {"query_id": ["q"], "item_id": ["d"], "relevance": [1], "flags": [[["dissonant"]]]}
            ),
            {"annotator": "a"},
            r"flags \[\['dissonant'\]\] in row 0: a cell holds flag names, as a list of str",
        ),
        (
            pd.DataFrame(
                {"query_id": ["q"], "item_id": ["d"], "relevance": [1], "flags": [{"a": 1}]}
            ),
            {"annotator": "a"},
            r"flags \{'a': 1\} in row 0",
        ),
        # stored as a pick event with relevance 3 and no shown order: nothing read it
        (
            pd.DataFrame({"query_id": ["q"], "item_id": ["d"], "relevance": [3]}),
            {"annotator": "a", "task": "pick"},
            r"import_labels imports grades .*, not 'pick' events: .* store.append\(events\)",
        ),
        (
            pd.DataFrame({"query_id": ["q"], "item_id": ["d"], "relevance": [3]}),
            {"annotator": "a", "task": "pair"},
            r"not 'pair' events: a pair event has fields of its own",
        ),
    ],
)
def test_import_labels_errors(
    store: Store, frame: pd.DataFrame, kwargs: dict, message: str
) -> None:
    with pytest.raises(StoreError, match=message):
        store.import_labels(frame, **kwargs)
    assert store.last_event_id() == 0


_QRELS = pd.DataFrame({"query_id": ["q1", "q1"], "item_id": ["d1", "d2"], "relevance": [3, 0]})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"annotator": ""}, "annotator must be a non-empty string, got ''"),
        ({"annotator": "  "}, "annotator must be a non-empty string, got '  '"),
        ({"annotator": 5}, "annotator must be a non-empty string, got 5"),
        ({"annotator": "a", "campaign": None}, "campaign must be a non-empty string, got None"),
        ({"annotator": "a", "campaign": ""}, "campaign must be a non-empty string, got ''"),
        (
            {"annotator": "a", "guideline_version": {"v": 1}},
            r"guideline_version must be a version name \(a non-empty str such as 'v1'\), the "
            r"rubric \(an xmwidgets.Scale\) or None, got dict \{'v': 1\}",
        ),
        ({"annotator": "a", "guideline_version": ""}, "guideline_version must be .* got str ''"),
    ],
)
def test_import_labels_checks_its_arguments_as_a_widget_does(
    store: Store, kwargs: dict, message: str
) -> None:
    # they were stored as given: annotator '' or '  ', campaign 'None', version "{'v': 1}"
    with pytest.raises(StoreError, match=message):
        store.import_labels(_QRELS, **kwargs)
    with pytest.raises(StoreError, match="annotator '' in row 1 is empty"):
        store.import_labels(_QRELS.assign(annotator=["a", ""]))
    assert store.last_event_id() == 0


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        # a null item_id on a graded row was stored as a grade of the query itself
        (
            _QRELS.assign(item_id=["d1", None]),
            r"item_id is missing in row 1: every judgement needs an item_id",
        ),
        # True/False were stored as grades 1/0
        (
            _QRELS.assign(relevance=[True, False]),
            r"relevance True in row 0 is True/False, not a level of the scale: .*"
            r"df\['relevance'\].astype\(int\)",
        ),
        (
            _QRELS.assign(relevance=pd.Series([2, True], dtype=object)),
            "relevance True in row 1 is True/False",
        ),
        # epoch seconds were read as nanoseconds (1970-01-01 00:00:01.7)
        (
            _QRELS.assign(created_at=1700000000),
            r"created_at 1700000000 in row 0 is a number, not a date and time: .*unit='s'",
        ),
        (
            _QRELS.assign(created_at=pd.Series(["2020-01-01", 1700000000], dtype=object)),
            "created_at 1700000000 in row 1 is a number",
        ),
        # after 2262 the stored time was read back wrapped round (2999 as 1829)
        (
            _QRELS.assign(created_at=["2020-01-01", "2999-01-01"]),
            r"created_at '2999-01-01' in row 1 is out of range: .* 2262-04-11",
        ),
        # float ids became '1.0', which matches no '1' of read_qrels or read_run
        (
            pd.DataFrame({"query_id": [1.0, 2.0], "item_id": ["d1", "d2"], "relevance": [1, 0]}),
            r"query_id holds floats that are whole numbers \(1.0, 2.0\): as text they would be "
            r"stored as '1.0', '2.0'.*astype\('Int64'\).astype\(str\)",
        ),
        (
            pd.DataFrame({"query_id": ["q", "q"], "item_id": [10.0, np.nan], "relevance": [1, 0]}),
            "item_id is missing in row 1",
        ),
        (
            pd.DataFrame({"query_id": ["q", "q"], "item_id": [10.0, 11.0], "relevance": [1, 0]}),
            r"item_id holds floats that are whole numbers \(10.0, 11.0\)",
        ),
        # pandas said "arg must be a list, tuple, 1-d array, or Series"
        (
            pd.DataFrame(
                [["q1", "d1", 1, 2]], columns=["query_id", "item_id", "relevance", "relevance"]
            ),
            r"the frame has duplicate column name 'relevance' \(columns: query_id, item_id, "
            r"relevance, relevance\): each column needs its own name; rename them "
            r"\(df.columns = \[...\]\) or keep the first \(df.loc\[:, ~df.columns.duplicated\(\)\]\)",
        ),
        # the grid shows a best pick only from a pick event: the best of a grade row was stored
        # and never shown (and two per query, or one on grade 0, were taken)
        (
            _QRELS.assign(best=[False, True]),
            r"best is True in 1 row\(s\) \(e.g. query 'q1' item 'd2', row 1\): import_labels "
            r"imports grades.*task='pick'.*df.drop\(columns='best'\).*store.append\(picks\)",
        ),
        (
            _QRELS.assign(flags=["dissonant", "['x']"]),
            r"flags \"\['x'\]\" in row 1: bad flag name",
        ),
        # stored as the text '7' and '2.5', and a note longer than any the grid keeps
        (
            _QRELS.assign(note=pd.Series(["fine", 7], dtype=object)),
            r"note 7 in row 1 is of type int, not text: a note is a str \(cast the column with "
            r"\.astype\(str\)",
        ),
        (_QRELS.assign(note=[np.nan, 2.5]), "note 2.5 in row 1 is of type float, not text"),
        (
            _QRELS.assign(note=pd.Series(["ok", "y" * 10_001], dtype="string")),
            r"note 'y{40}…' in row 1 has 10001 characters, more than the 10000 a note keeps: "
            r"shorten it.*; nothing was imported",
        ),
        (
            _QRELS.assign(note=["y" * 10_001, None]),
            r"note 'y{40}…' in row 0 has 10001 characters",
        ),
    ],
)
def test_import_labels_refuses_values_it_stored_wrongly(
    store: Store, frame: pd.DataFrame, message: str
) -> None:
    with pytest.raises(StoreError, match=message):
        store.import_labels(frame, annotator="a")
    assert store.last_event_id() == 0


def test_notes_of_the_longest_length_a_grid_keeps_are_kept(store: Store) -> None:
    longest = "y" * 10_000
    assert store.import_labels(_QRELS.assign(note=[longest, None]), annotator="a") == 2
    store.append([grade("q2", "d1", 1, note=longest)])
    notes = store.labels().set_index(["query_id", "item_id"])["note"]
    assert notes[("q1", "d1")] == longest and pd.isna(notes[("q1", "d2")])
    assert notes[("q2", "d1")] == longest


def test_import_labels_float_annotators_are_named_as_annotators(store: Store) -> None:
    # the message spoke of read_qrels and run ids
    with pytest.raises(
        StoreError,
        match=r"annotator holds floats that are whole numbers \(7.0, 8.0\): as text they would "
        r"be stored as '7.0', '8.0', which match no annotator '7' a widget writes",
    ):
        store.import_labels(_QRELS.assign(annotator=[7.0, 8.0]))
    assert store.last_event_id() == 0


def test_import_labels_best_false_or_null_is_a_grade_without_a_best_pick(store: Store) -> None:
    assert store.import_labels(_QRELS.assign(best=[False, None]), annotator="a") == 2
    labels = store.labels()
    assert labels["best"].isna().all()  # as a grid's own grade events: no best on a grade
    assert set(labels.task) == {"grade"}


def test_import_labels_flags_lists_and_spaces_are_the_flags_a_grid_sees(
    store: Store, built_bundle: Path
) -> None:
    import xmwidgets as xm

    flags = pd.Series([["dissonant"], "dissonant, too-dark"], dtype=object)
    store.import_labels(_QRELS.assign(flags=flags), annotator="ana")
    # a list was stored as "['dissonant']" and "a, b" kept the space
    assert store.labels()["flags"].tolist() == ["dissonant", "dissonant,too-dark"]
    store.append(
        [
            {
                **grade("q1", "d3", 1),
                "relevance": None,  # a broken file has no grade (test_append_refuses_broken...)
                "annotator": "ana",
                "flags": "dissonant , broken-media,",
            }
        ]
    )
    assert store.labels()["flags"].tolist()[-1] == "dissonant,broken-media"
    queries = pd.DataFrame({"query_id": ["q1"], "text": ["a query"]})
    items = pd.DataFrame({"item_id": ["d1", "d2"], "text": ["one", "two"]})
    candidates = pd.DataFrame({"query_id": ["q1", "q1"], "item_id": ["d1", "d2"]})
    grid = xm.RelevanceGrid(queries, items, candidates, store=store, annotator="ana")
    assert grid.labels.set_index("item_id")["flags"].to_dict() == {
        "d1": "dissonant",
        "d2": "dissonant,too-dark",
    }


def test_import_labels_takes_flags_as_arrow_lists(store: Store) -> None:
    # read_parquet(dtype_backend="pyarrow") gives list<string> cells: a bare TypeError before
    import pyarrow as pa

    flags = pd.Series(
        [["dissonant"], ["dissonant", "too-dark"]], dtype=pd.ArrowDtype(pa.list_(pa.string()))
    )
    assert store.import_labels(_QRELS.assign(flags=flags), annotator="ana") == 2
    assert store.labels()["flags"].tolist() == ["dissonant", "dissonant,too-dark"]


@pytest.mark.parametrize("value", [{"relevance": 2}, {"magnitude": 0.5}])
def test_append_refuses_broken_media_with_a_grade(store: Store, value: dict) -> None:
    # the low-level API stored both; the grid and import_labels never do
    event = {**grade("q1", "d1", 0), **value, "flags": ["dissonant", "broken-media"]}
    if "magnitude" in value:
        del event["relevance"]
    column = next(iter(value))
    with pytest.raises(
        StoreError,
        match=rf"flag 'broken-media' in event 1 comes with {column} .*Append the flag without",
    ):
        store.append([grade("q1", "d2", 1), event])
    assert store.labels().empty  # the batch is one transaction: nothing of it was stored
    flagged = {**grade("q1", "d1", 0), "relevance": None, "flags": "broken-media"}
    store.append([flagged])
    row = store.labels().iloc[0]
    assert pd.isna(row["relevance"]) and row["flags"] == "broken-media"


def test_import_labels_refuses_broken_media_on_a_graded_row(store: Store) -> None:
    # a broken file is handled without a grade in the grid: with one, the store would hold both
    for flags in (["broken-media", None], [None, "dissonant, broken-media"]):
        with pytest.raises(StoreError) as err:
            store.import_labels(_QRELS.assign(flags=flags), annotator="ana")
        row = 0 if flags[0] else 1
        assert (
            f"flag 'broken-media' on a graded row in 1 row(s) (e.g. query 'q1' item "
            f"'d{row + 1}', row {row})" in str(err.value)
        )
        assert "store.append" in str(err.value) and "nothing was imported" in str(err.value)
        assert len(store.labels()) == 0
    # a flag that only contains the name is another flag
    store.import_labels(_QRELS.assign(flags=["broken-media-ish", None]), annotator="ana")
    assert store.labels()["flags"].tolist()[0] == "broken-media-ish"


def test_import_labels_flags_must_be_candidate_flags_of_the_rubric(store: Store) -> None:
    import xmwidgets as xm

    rubric = (
        xm.TREC_SCALE
    )  # flags: ambiguous-query (query only), dissonant, broken-media (never on a grade)
    for flags, message in (
        (
            ["evil-flag", None],
            r"flag 'evil-flag' \(1 row\(s\), e.g. query 'q1' item 'd1'\) is not a flag of "
            r"rubric 'trec-0-3@1' \(its candidate flags: dissonant\)",
        ),
        (
            ["dissonant", "ambiguous-query"],
            r"flag 'ambiguous-query' \(1 row\(s\), e.g. query 'q1' item 'd2'\) is a query flag "
            "of rubric 'trec-0-3@1', and import_labels imports the judgements of candidates",
        ),
    ):
        with pytest.raises(StoreError, match=message):
            store.import_labels(_QRELS.assign(flags=flags), annotator="a", guideline_version=rubric)
    assert store.last_event_id() == 0
    # a version named by a str is checked against the rubric stored for it
    store.register_rubric(rubric)
    with pytest.raises(StoreError, match=r"'near-duplicate' .* is not a flag of the rubric stored"):
        store.import_labels(
            _QRELS.assign(flags=["near-duplicate", None]),
            annotator="a",
            guideline_version=rubric.version,
        )
    assert store.last_event_id() == 0
    store.import_labels(
        _QRELS.assign(flags=["dissonant", None]), annotator="a", guideline_version=rubric
    )
    assert store.labels()["flags"].tolist()[0] == "dissonant"


def test_import_labels_warns_about_ids_with_spaces_and_keeps_them(store: Store) -> None:
    for ids in (["d1 ", " d2"], pd.array(["d1 ", " d2"], dtype="str")):
        with pytest.warns(
            UserWarning,
            match=r"item_id has 2 value\(s\) with leading or trailing whitespace, e.g. 'd1 ', "
            r"' d2': .*df\['item_id'\].str.strip\(\)",
        ) as caught:
            store.import_labels(_QRELS.assign(item_id=ids), annotator="a")
        assert caught[0].filename == __file__  # the warning names the caller's line
    assert sorted(store.labels().item_id) == [" d2", "d1 "]


def test_append_refuses_what_is_not_events_and_times_out_of_range(store: Store) -> None:
    for events, shown in ((None, "NoneType None"), ("abc", "str 'abc'"), (5, "int 5")):
        # None: "'NoneType' object is not iterable"
        with pytest.raises(
            StoreError,
            match=r"events must be a list of mappings \(column -> value\), a mapping or a "
            f"DataFrame, got {shown}",
        ):
            store.append(events)  # type: ignore[arg-type]
    with pytest.raises(StoreError, match=r"created_at '2999-01-01' in event 0 is out of range"):
        # OverflowError from pandas
        store.append([{**grade("q1", "d1", 1), "created_at": "2999-01-01"}])
    assert store.last_event_id() == 0


# ----------------------------------------------------------------------------- files
def test_resume_after_close_and_reopen(location: Location) -> None:
    with location() as store:
        ids = store.append([grade("q1", "d1", 1), grade("q1", "d2", 2)])
        store.retract([ids[1]])
    if location.kind == "sqlite":
        assert store.path == location.where
    with pytest.raises(StoreError, match="is closed"):
        store.labels()
    with location() as again:
        assert current(again) == {("q1", "d1"): 1}
        assert again.last_event_id() == 3
        assert again.append([grade("q2", "d1", 0)]) == [4]


def test_open_store_passes_a_store_through() -> None:
    store = open_store(":memory:")
    assert open_store(store) is store


def test_memory_stores_are_separate() -> None:
    one, two = open_store(":memory:"), open_store(":memory:")
    one.append([grade("q1", "d1", 1)])
    assert len(one.labels()) == 1 and len(two.labels()) == 0


def test_newer_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "labels.sqlite"
    open_store(path).close()
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(
        StoreError, match=rf"schema version {SCHEMA_VERSION + 1}, newer .* upgrade xmwidgets"
    ):
        open_store(path)


def test_random_bytes_and_text_files_are_refused(tmp_path: Path) -> None:
    noise = tmp_path / "noise.bin"
    noise.write_bytes(np.random.default_rng(0).bytes(5000))
    text = tmp_path / "notes.txt"
    text.write_text("query_id,item_id\nq1,d1\n")
    for path in (noise, text):
        with pytest.raises(StoreError, match=rf"file '{path}' is not an xmwidgets store"):
            open_store(path)
    assert text.read_text() == "query_id,item_id\nq1,d1\n"


def test_foreign_sqlite_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE users (name TEXT)")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"an SQLite database but not an xmwidgets store .*users"):
        open_store(path)
    assert path.read_bytes() == before  # not switched to WAL, no tables added


def test_zero_byte_file_is_a_new_store(tmp_path: Path) -> None:
    path = tmp_path / "labels.sqlite"
    path.touch()
    with open_store(path) as store:
        assert store.append([grade("q1", "d1", 1)]) == [1]
    with open_store(path) as store:
        assert len(store.labels()) == 1


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        open_store(tmp_path)


# ----------------------------------------------------------------------------- durability
_WRITER = """
import sys
sys.path.insert(0, {root!r})
from xmwidgets.store import open_store
store = open_store({path!r})
i = 0
while True:
    ids = store.append([{{"campaign": "c", "task": "grade", "annotator": "a", "query_id": f"q{{i}}",
                         "item_id": "d", "relevance": i % 4}}])
    print(ids[0], i % 4, flush=True)
    i += 1
"""


def test_kill_9_loses_nothing_that_was_acknowledged(location: Location) -> None:
    path = location.where
    script = _WRITER.format(root=str(ROOT), path=path)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    acknowledged: dict[int, int] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        event_id, relevance = map(int, line.split())
        acknowledged[event_id] = relevance
        if len(acknowledged) >= 40:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with open_store(path) as store:
        events = store.events().set_index("event_id")
        labels = store.labels()
    assert set(acknowledged) <= set(events.index)
    assert all(events.relevance[i] == r for i, r in acknowledged.items())
    assert set(acknowledged) <= set(labels.event_id)


def _append_many(path: str, annotator: str, n: int, queue: multiprocessing.Queue) -> None:
    got: list[int] = []
    with open_store(path) as store:
        for i in range(n):
            got += store.append([{**grade(f"q{i}", "d1", i % 4), "annotator": annotator}])
    queue.put((annotator, got))


def test_two_processes_write_concurrently(location: Location) -> None:
    path = location.where  # not created yet: both processes race to create it
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_append_many, args=(path, name, 60, queue)) for name in "ab"]
    for proc in procs:
        proc.start()
    results = dict(queue.get(timeout=120) for _ in procs)
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    all_ids = results["a"] + results["b"]
    assert len(set(all_ids)) == 120
    with open_store(path) as store:
        assert sorted(store.events().event_id) == sorted(all_ids)
        assert store.counts(campaign="c1", annotator="a").judged.sum() == 60
        assert len(store.labels()) == 120


def test_two_store_objects_in_threads(location: Location) -> None:
    stores = [location(), location()]
    got: list[list[int]] = [[], []]

    def work(k: int) -> None:
        for i in range(50):
            got[k] += stores[k].append([{**grade(f"q{i}", "d", 1), "annotator": f"w{k}"}])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(got[0] + got[1])) == 100
    assert len(stores[0].labels()) == 100 and len(stores[1].events()) == 100
    for store in stores:
        store.close()


def test_store_is_usable_from_another_thread(store: Store) -> None:
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.extend(store.append([grade("q", "d", 1)])))
    thread.start()
    thread.join()
    assert result == [1] and len(store.labels()) == 1


def test_parallel_read_matches_single_connection_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import xmwidgets.store._sqlite as sqlite_module

    store = open_store(tmp_path / "labels.sqlite")
    qrels = pd.DataFrame(
        {"query_id": np.repeat(["q2", "q1", "q3"], 50), "item_id": [f"d{i}" for i in range(150)]}
    ).assign(relevance=np.arange(150) % 4, note="n")
    store.import_labels(qrels, annotator="a", guideline_version="g1")
    store.append([{**grade("q1", "d7", 3, magnitude=0.5), "campaign": "default", "annotator": "a"}])
    store.retract([5, 6])
    pick = {"campaign": "default", "task": "pick", "annotator": "a", "guideline_version": "g1"}
    store.append([{**pick, "query_id": "q2", "item_id": "d1", "best": True, "shown": ["d1"]}])
    monkeypatch.setattr(sqlite_module, "_PARALLEL_READ_EVENTS", 10**9)
    single = (store.labels(), store.events(), store.labels(query_ids=["q1"]))
    monkeypatch.setattr(sqlite_module, "_PARALLEL_READ_EVENTS", 1)
    parallel = (store.labels(), store.events(), store.labels(query_ids=["q1"]))
    assert store._reader is not None  # the parallel path was taken
    for one, two in zip(single, parallel, strict=True):
        pd.testing.assert_frame_equal(one, two)
    assert len(single[0]) == 150 and single[0].event_id.is_monotonic_increasing
    assert single[0].best.sum() == 1
    store.close()


def test_all_null_text_columns_are_separate_columns(store: Store) -> None:
    # the all-null text columns of a frame share one Arrow array: writing one changes no other
    store.append([grade("q1", f"d{i}", 1) for i in range(3)])
    labels = store.labels()
    assert labels["note"].isna().all() and labels["flags"].isna().all()
    labels.loc[0, "note"] = "edited"
    labels.loc[1, "flags"] = "blurry"
    assert labels["note"].isna().tolist() == [False, True, True]
    assert labels["flags"].isna().tolist() == [True, False, True]
    assert labels["shown"].isna().all() and labels["other_id"].isna().all()
    again = store.labels()
    assert again["note"].isna().all() and again["flags"].isna().all()


@pytest.mark.parametrize("storage", ["python", "pyarrow"])
def test_frames_under_either_string_storage(store: Store, storage: str) -> None:
    if storage == "pyarrow":
        pytest.importorskip("pyarrow")
    store.append([grade("q1", "d1", 1, note='é, "quoted"\nline'), grade("q2", None, None)])
    with pd.option_context("mode.string_storage", storage):
        labels = store.labels()
        assert labels.query_id.dtype == pd.StringDtype(storage)
    assert {c: str(t) for c, t in labels.dtypes.items()} == LABEL_COLUMNS
    assert labels.note.tolist()[0] == 'é, "quoted"\nline'
    assert labels.item_id.isna().tolist() == [False, True]


def test_many_annotators_and_a_dataframe_of_events(store: Store) -> None:
    # more distinct annotators than the coded read handles: read as text instead
    frame = pd.DataFrame([{**grade("q1", "d1", i % 4), "annotator": f"a{i}"} for i in range(70)])
    assert store.append(frame) == list(range(1, 71))
    labels = store.labels()
    assert labels.annotator.tolist() == [f"a{i}" for i in range(70)]
    assert labels.relevance.tolist() == [i % 4 for i in range(70)]
    assert len(store.labels(annotator="a69")) == 1 and len(store.events(campaign="c1")) == 70


def test_import_constants_with_quotes_round_trip(store: Store) -> None:
    qrels = pd.DataFrame({"query_id": ["q"], "item_id": ["d"], "relevance": [2]})
    store.import_labels(qrels, annotator="o'brien", campaign="it's; DROP TABLE events; --")
    labels = store.labels(annotator="o'brien")
    assert labels.campaign.tolist() == ["it's; DROP TABLE events; --"]
    with pytest.raises(StoreError, match="NUL character"):
        store.import_labels(qrels, annotator="a\x00b")
    assert store.last_event_id() == 1


def test_a_lone_surrogate_is_refused_naming_it_and_nothing_is_written(location: Location) -> None:
    # half of a UTF-16 pair (text decoded with errors='surrogateescape', a JSON "\\ud800"): UTF-8
    # cannot hold it, and append and import_labels failed with a bare UnicodeEncodeError
    store = location()
    store.append([grade("q1", "d1", 1)])
    with pytest.raises(StoreError, match="lone surrogate") as caught:
        store.append([grade("q1", "d2", 2), {**grade("q1", "d3", 0), "annotator": "x\ud800"}])
    assert "annotator 'x\\ud800' in event 1 holds a lone surrogate (U+D800)" in str(caught.value)
    ids = pd.Series(["d4", "d5\udc80"], dtype=object)  # pandas' own str dtype refuses it already
    for frame, named in (
        (pd.DataFrame({"query_id": ["q", "q"], "item_id": ids, "relevance": [1, 2]}), "item_id"),
        (
            pd.DataFrame(
                {
                    "query_id": ["q", "q"],
                    "item_id": ["d6", "d7"],
                    "relevance": [1, 2],
                    "note": pd.Series([None, "n\ud83d"], dtype=object),
                }
            ),
            "note",
        ),
    ):
        with pytest.raises(StoreError, match=f"{named} .* in row 1 holds a lone surrogate"):
            store.import_labels(frame, annotator="a")
    plain = pd.DataFrame({"query_id": ["q"], "item_id": ["d8"], "relevance": [1]})
    with pytest.raises(StoreError, match="campaign 'c\\\\udc80' holds a lone surrogate"):
        store.import_labels(plain, annotator="a", campaign="c\udc80")
    # nothing of the refused calls was written, and the store takes the next write
    assert store.labels().item_id.tolist() == ["d1"]
    store.import_labels(plain, annotator="a")
    assert sorted(store.labels().item_id) == ["d1", "d8"]


def test_labels_reused_while_unchanged_but_never_shared(location: Location) -> None:
    store = location()
    store.append([grade("q1", "d1", 1)])
    first = store.labels()
    first.loc[0, "relevance"] = 3  # the caller edits its copy
    assert store.labels().relevance.tolist() == [1]
    other = location()  # a write from elsewhere invalidates the reuse
    other.append([grade("q1", "d1", 2)])
    assert store.labels().relevance.tolist() == [2]
    assert store.labels(annotator="nobody").empty and len(store.labels()) == 1
    other.close()


def test_undo_after_an_import_with_repeated_keys(store: Store) -> None:
    qrels = pd.DataFrame({"query_id": ["q"] * 3, "item_id": ["d"] * 3, "relevance": [0, 1, 2]})
    store.import_labels(qrels, annotator="a")
    assert store.labels().relevance.tolist() == [2]
    store.retract([3])
    assert store.labels().relevance.tolist() == [1]
    store.retract([2])
    assert store.labels().relevance.tolist() == [0]


def test_retraction_events_in_an_append_batch(store: Store) -> None:
    (first,) = store.append([grade("q1", "d1", 1)])
    ids = store.append(
        [
            grade("q1", "d1", 2),
            {"retracts": first + 1, "query_id": "q1", "item_id": "d1", "annotator": "ann"},
            grade("q1", "d2", 0),
        ]
    )
    assert ids == [2, 3, 4]
    assert current(store) == {("q1", "d1"): 1, ("q1", "d2"): 0}
    with pytest.raises(StoreError, match="has annotator='bob' but event 1 has annotator='ann'"):
        store.append([{"retracts": first, "annotator": "bob"}])


@pytest.mark.parametrize(
    "filters", [{}, {"annotator": "a"}, {"query_ids": ["q0", "q2"], "campaign": "c1"}]
)
def test_labels_refreshed_by_key_equal_a_fresh_read(location: Location, filters: dict) -> None:
    """A store that keeps refreshing its last frame agrees with a fresh read after every write."""
    writer, live, fresh = location(), location(), location()
    rng = random.Random(11)
    values: list[int] = []
    for step in range(150):
        if values and rng.random() < 0.3:
            writer.retract([values.pop(rng.randrange(len(values)))])
        elif step % 40 == 39:  # a bulk import amid the live edits
            qrels = pd.DataFrame(
                {
                    "query_id": ["q0", "q1", "q0"],
                    "item_id": ["d1", "d2", "d1"],
                    "relevance": [3, 2, 1],
                }
            )
            writer.import_labels(qrels, annotator="a", campaign="c1")
        else:
            event = grade(f"q{rng.randrange(3)}", rng.choice(["d1", "d2", None]), rng.randrange(4))
            event["annotator"] = rng.choice(["a", "b"])
            event["guideline_version"] = rng.choice(["v1", "v2", None])
            if rng.random() < 0.2:
                event.update(task="pair", relevance=None, other_id=rng.choice(["d1", "d3"]))
            values += writer.append([event])
        fresh._labels_cache = None
        pd.testing.assert_frame_equal(live.labels(**filters), fresh.labels(**filters))
    for store in (writer, live, fresh):
        store.close()


def test_labels_columns_read_only_those_and_equal_the_full_frame(location: Location) -> None:
    """``columns=`` gives the full frame's columns, in the order asked, also after a refresh."""
    store, fresh = location(), location()
    texts = ["", "é", "日本語 🙂", "a\x1fb", "x" * 5000, "d1"]
    store.append([grade(f"q{k % 2}", t, k % 4, note=t) for k, t in enumerate(texts)])
    store.append([grade("q0", None, None, flags="broken-media", annotator="other")])
    wanted = ["item_id", "relevance", "campaign", "note", "task"]
    for filters in ({}, {"campaign": "c1", "annotator": "ann"}, {"query_ids": ["q1"]}):
        for step in range(3):
            fresh._labels_cache = None
            full = fresh.labels(**filters)
            part = store.labels(**filters, columns=wanted)
            assert list(part.columns) == wanted
            pd.testing.assert_frame_equal(part, full[wanted])
            store.append([grade("q1", f"new{step}", 1)])  # the next read refreshes by key
    assert sorted(store.labels(annotator="ann", columns=["note"]).note.dropna()) == sorted(texts)
    with pytest.raises(ValueError, match="'bogus'"):
        store.labels(columns=["item_id", "bogus"])


# ----------------------------------------------------------------------------- nulls
_NOT_NULL_COLUMNS = {"event_id", "campaign", "task", "query_id", "annotator", "created_at"}
# a value for every nullable event column (retracts is set by a retraction, below)
_SET_VALUES: dict[str, object] = {
    "item_id": "d1",
    "relevance": 2,
    "magnitude": 0.25,
    "best": True,
    "none_relevant": False,
    "flags": "broken-media",
    "note": "a note",
    "segment_start": 1.5,
    "segment_end": 0.0,  # a real 0.0 must stay 0.0, a null must stay null
    "guideline_version": "v2",
    "shown_position": 0,
    "shown": '["d1", "d2"]',
    "duration_ms": 0,
    "other_id": "d9",
    "choice": "tie",
    "rank": 1,
    "role": "adjudicator",
}
# the task an event with that column set must have
_TASK_OF = {"other_id": "pair", "choice": "pair", "rank": "rank"}


def test_every_nullable_column_covered() -> None:
    assert set(_SET_VALUES) | {"retracts"} == set(EVENT_COLUMNS) - _NOT_NULL_COLUMNS


@pytest.mark.parametrize("column", sorted(_SET_VALUES))
def test_null_values_read_back_as_missing_once_a_column_is_used(store: Store, column: str) -> None:
    """A column set on some events and null on others: the nulls read back as <NA>, not 0."""
    value = _SET_VALUES[column]
    task = {"task": _TASK_OF.get(column, "grade")}
    rows = [
        {**grade("q1", "d0", None), **task},
        {**grade("q1", "d1", None), column: value, **task},
        {**grade("q2", "d2", None), **task},
    ]
    store.append(rows)
    for frame in (store.events(), store.labels()):
        frame = frame.set_index("query_id", append=True)
        got = frame[column].tolist()
        if column == "item_id":
            assert got == ["d0", "d1", "d2"]
            continue
        if column == "role":  # an event stored without a role is an annotator's
            assert got == ["annotator", "adjudicator", "annotator"]
            continue
        assert pd.isna(got[0]) and pd.isna(got[2]), f"{column}: {got}"
        assert got[1] == value, f"{column}: {got}"


def test_null_retracts_read_back_as_missing(store: Store) -> None:
    first, _ = store.append([{**grade("q1", "d1", 1), "magnitude": 0.5}, grade("q1", "d2", 0)])
    store.retract([first])
    events = store.events()
    assert events.retracts.isna().tolist() == [True, True, False]
    assert events.retracts.tolist()[2] == first
    assert events.magnitude.isna().tolist() == [False, True, True]
    assert store.labels().magnitude.isna().tolist() == [True]


def test_import_in_random_order_keeps_the_last_row_per_key(store: Store) -> None:
    """Rows are written grouped by query (for speed); a later row of a key still wins."""
    rng = np.random.default_rng(3)
    n = 2000
    qrels = pd.DataFrame(
        {
            "query_id": rng.choice([f"q{i}" for i in range(40)], n),
            "item_id": rng.choice([f"d{i}" for i in range(30)], n),
            "relevance": rng.integers(0, 4, n),
        }
    )
    assert store.import_labels(qrels, annotator="a") == n
    expected = qrels.drop_duplicates(["query_id", "item_id"], keep="last")
    labels = store.labels()
    got = dict(
        zip(zip(labels.query_id, labels.item_id, strict=True), labels.relevance, strict=True)
    )
    assert got == dict(
        zip(zip(expected.query_id, expected.item_id, strict=True), expected.relevance, strict=True)
    )
    events = store.events()
    assert events.query_id.is_monotonic_increasing  # grouped by query, queries sorted
    # within a query the rows keep their frame order
    for query_id, rows in qrels.groupby("query_id", sort=False):
        stored = events[events.query_id == query_id]
        assert stored.item_id.tolist() == rows.item_id.tolist()
        assert stored.relevance.tolist() == rows.relevance.tolist()


def test_a_batch_of_events_is_one_transaction(tmp_path: Path) -> None:
    """Group commit: appending 10 events costs one transaction (one commit, one fsync)."""
    store = open_store(tmp_path / "labels.sqlite")
    statements: list[str] = []
    assert store._con is not None
    store._con.set_trace_callback(statements.append)
    try:
        ids = store.append([grade("q1", f"d{i}", i % 4) for i in range(10)])
    finally:
        store._con.set_trace_callback(None)
    assert len(ids) == 10
    control = [s.split()[0].upper() for s in statements if s.split()[0].upper() in _TX_WORDS]
    assert control == ["BEGIN", "COMMIT"], statements
    # a batch mixing values and an undo is one transaction too
    statements.clear()
    store._con.set_trace_callback(statements.append)
    try:
        store.append([grade("q2", "d1", 1), {"retracts": ids[0]}, grade("q2", "d2", 2)])
    finally:
        store._con.set_trace_callback(None)
    control = [s.split()[0].upper() for s in statements if s.split()[0].upper() in _TX_WORDS]
    assert control == ["BEGIN", "COMMIT"], statements


_TX_WORDS = {"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"}

_FSYNC_CHILD = """
import os, sys
sys.path.insert(0, sys.argv[2])
from xmwidgets.store import open_store
store = open_store(sys.argv[1])
event = {"campaign": "c", "task": "grade", "query_id": "q", "annotator": "a", "relevance": 1}
store.append([{**event, "item_id": "first"}])  # creates the WAL file (and syncs its folder)
os.write(2, b"<<mark>>")
store.append([{**event, "item_id": f"d{i}"} for i in range(10)])
os.write(2, b"<<mark>>")
"""


@pytest.mark.skipif(not shutil.which("strace"), reason="strace is not installed")
def test_a_batch_of_events_costs_one_fsync(tmp_path: Path) -> None:
    trace = tmp_path / "trace"
    strace = ["strace", "-f", "-e", "trace=fsync,fdatasync,write", "-o", str(trace)]
    subprocess.run(
        [*strace, sys.executable, "-c", _FSYNC_CHILD, str(tmp_path / "labels.sqlite"), str(ROOT)],
        check=True,
        capture_output=True,
    )
    between = trace.read_text().split("<<mark>>")[1]
    syncs = [line for line in between.splitlines() if "sync(" in line]
    assert len(syncs) == 1, syncs


def test_readers_polling_since_never_miss_an_event(location: Location) -> None:
    """events(since=last) polled while 3 processes commit: every poll continues where the last
    one stopped (ids become visible in id order), and the polls together see every event once."""
    location().close()  # create the store first, so the writers only append
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    names = ["w0", "w1", "w2"]
    procs = [ctx.Process(target=_append_many, args=(location.where, n, 40, queue)) for n in names]
    for proc in procs:
        proc.start()
    reader = location()
    seen: list[int] = []
    last = 0

    def poll() -> None:
        nonlocal last
        new = reader.events(since=last).event_id.tolist()
        assert new == list(range(last + 1, last + 1 + len(new))), (last, new)
        seen.extend(new)
        last = new[-1] if new else last

    while any(proc.is_alive() for proc in procs):
        poll()
    results = dict(queue.get(timeout=120) for _ in procs)
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    poll()
    written = sorted(i for name in names for i in results[name])
    assert seen == written == list(range(1, 121))
