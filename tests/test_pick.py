"""BestMatchPicker without a browser: the browser's messages are simulated as the front end sends them.

Asserts on the events in the store, on ``picker.labels``, on the notices and the states the view
must adopt, for the rules P1-P4 (``widgets/_pick_rules.py``), undo, resume and bad browser input.
The tests that check what lands in the store take ``location`` and run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import pathlib
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest
from test_grid import UNDO, Browser, best, flag, grade, none

import xmwidgets as xm

if TYPE_CHECKING:
    from conftest import Location


@pytest.fixture
def frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    queries = pd.DataFrame({"query_id": ["q1", "q2", "q3"], "text": ["a red fox", "a cat", "x"]})
    # d1..d4 (the candidates of q1) carry an image, which may fail to load (broken-media is
    # refused on a text-only candidate); d5 and d6 are text only
    items = pd.DataFrame(
        {
            "item_id": [f"d{i}" for i in range(1, 7)],
            "image": [f"img/d{i}.png" for i in range(1, 5)] + [None, None],
            "text": [f"caption {i}" for i in range(1, 7)],
        }
    )
    candidates = pd.DataFrame(
        {
            "query_id": ["q1"] * 4 + ["q2"] * 2 + ["q3"],
            "item_id": ["d1", "d2", "d3", "d4", "d5", "d6", "d1"],
            "source": "run:a",
            "rank": [1, 2, 3, 4, 1, 2, 1],
        }
    )
    return queries, items, candidates


def make_picker(frames: Any, store: Any = ":memory:", **kwargs: Any) -> xm.BestMatchPicker:
    queries, items, candidates = frames
    kwargs.setdefault("shuffle", False)  # q1 shows d1..d4 as candidates 1..4
    return xm.BestMatchPicker(queries, items, candidates, store=store, annotator="ana", **kwargs)


def pick(query_id: str, item_id: str, rank: int | None = 1) -> dict[str, Any]:
    return {"op": "pick", "query_id": query_id, "item_id": item_id, "rank": rank}


def _ranks(picker: xm.BestMatchPicker, query_id: str = "q1") -> dict[str, int]:
    """The store's current rank per candidate (cleared picks left out)."""
    stored = picker.store.labels(task="pick")
    stored = stored[(stored["query_id"] == query_id) & stored["item_id"].notna()]
    return {
        i: int(r) for i, r in zip(stored["item_id"], stored["rank"], strict=True) if pd.notna(r)
    }


def _states(result: dict[str, Any], query_id: str = "q1") -> dict[str, Any]:
    return {s["item_id"]: s for s in result["queries"][query_id]["states"]}


# ----------------------------------------------------------------- events and labels
def test_best_pick_is_an_event_with_rank_shown_order_and_a_labels_row(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    picker = make_picker(frames, store=location(), shuffle=True, seed=3)
    location.track(picker.store)
    browser = Browser(picker)
    shown = picker.shown_candidates("q1")["item_id"].tolist()
    result = browser.one(**pick("q1", shown[2]), duration_ms=1234)
    assert result["status"] == "saved"
    assert result["notice"] == "query 1 done · on to query 2 (p to go back)"
    assert _states(result)[shown[2]] == {
        "item_id": shown[2],
        "relevance": None,
        "best": True,
        "rank": 1,
        "flags": [],
    }
    assert result["progress"] == {"judged": 1, "total": 3, "queries_done": 1, "n_queries": 3}
    events = picker.store.events()
    assert len(events) == 1
    event = events.iloc[0]
    assert event["task"] == "pick" and event["item_id"] == shown[2]
    assert event["rank"] == 1 and bool(event["best"]) is True
    assert json.loads(event["shown"]) == shown and event["shown_position"] == 2
    assert event["guideline_version"] == xm.TREC_SCALE.version
    assert event["duration_ms"] == 1234
    labels = picker.labels
    assert isinstance(labels.index, pd.RangeIndex) and len(labels) == 1
    row = labels.iloc[0]
    assert (row["query_id"], row["best"]) == ("q1", shown[2])
    assert pd.isna(row["second"]) and not row["none_relevant"]
    assert row["n_shown"] == 4 and json.loads(row["shown"]) == shown
    assert pd.isna(row["flags"]) and row["duration_ms"] == 1234
    assert row["annotator"] == "ana" and row["campaign"] == "default"
    assert row["created_at"] == event["created_at"]
    assert dict(labels.dtypes.astype(str)) == {
        "query_id": "string",
        "best": "string",
        "second": "string",
        "none_relevant": "boolean",
        "n_shown": "Int32",
        "shown": "string",
        "flags": "string",
        "annotator": "string",
        "campaign": "string",
        "guideline_version": "string",
        "duration_ms": "Int64",
        "created_at": "datetime64[ns, UTC]",
    }


def test_second_best_before_or_after_the_best(built_bundle: pathlib.Path, frames: Any) -> None:
    picker = make_picker(frames)
    browser = Browser(picker)
    result = browser.one(**pick("q1", "d3", 2))
    assert result["status"] == "saved" and result["notice"] == ""
    assert result["queries"]["q1"]["done"] is False  # a second best alone does not finish it
    assert picker.labels[["best", "second"]].iloc[0].tolist() == [pd.NA, "d3"]
    result = browser.one(**pick("q1", "d1"))
    assert result["queries"]["q1"]["done"] is True
    assert _ranks(picker) == {"d1": 1, "d3": 2}
    assert picker.labels[["best", "second"]].iloc[0].tolist() == ["d1", "d3"]
    events = picker.store.events()
    assert events["rank"].tolist() == [2, 1] and events["best"].tolist() == [False, True]


def test_p1_a_new_best_replaces_the_old_one(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    picker = make_picker(frames, store=location())
    location.track(picker.store)
    browser = Browser(picker)
    browser.judge(pick("q1", "d1"))
    result = browser.one(**pick("q1", "d2"))
    assert result["notice"] == "best moved from candidate 1 to candidate 2"
    states = _states(result)
    assert states["d1"]["rank"] is None and states["d1"]["best"] is False
    assert states["d2"]["rank"] == 1
    assert _ranks(picker) == {"d2": 1}
    stored = picker.store.labels(task="pick").set_index("item_id")
    assert bool(stored.loc["d1", "best"]) is False and pd.isna(stored.loc["d1", "rank"])
    assert picker.labels["best"].tolist() == ["d2"]


def test_p1_the_second_best_picked_as_best_swaps(built_bundle: pathlib.Path, frames: Any) -> None:
    picker = make_picker(frames)
    browser = Browser(picker)
    browser.judge(pick("q1", "d1"), pick("q1", "d2", 2))
    result = browser.one(**pick("q1", "d2"))
    assert result["notice"] == "swapped: candidate 2 is best, candidate 1 second"
    assert _ranks(picker) == {"d2": 1, "d1": 2}
    assert picker.labels[["best", "second"]].iloc[0].tolist() == ["d2", "d1"]


def test_p2_the_best_cannot_be_second_and_a_new_second_replaces(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    picker = make_picker(frames)
    browser = Browser(picker)
    browser.judge(pick("q1", "d1"), pick("q1", "d2", 2))
    result = browser.one(**pick("q1", "d1", 2))
    assert result["status"] == "refused"
    assert result["notice"] == (
        "second best refused: candidate 1 is the best pick; choose another candidate as second best"
    )
    assert _states(result)["d1"]["rank"] == 1  # the view is told the stored state back
    result = browser.one(**pick("q1", "d4", 2))
    assert result["notice"] == "second best moved from candidate 2 to candidate 4"
    assert _ranks(picker) == {"d1": 1, "d4": 2}


def test_the_same_pick_again_writes_nothing_and_rank_null_clears(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    picker = make_picker(frames)
    browser = Browser(picker)
    browser.judge(pick("q1", "d1"))
    result = browser.one(**pick("q1", "d1"))
    assert result["status"] == "saved" and len(picker.store.events()) == 1
    result = browser.one(**pick("q1", "d1", None))
    assert result["notice"] == "best pick cleared on candidate 1"
    assert result["queries"]["q1"]["done"] is False
    assert result["progress"]["queries_done"] == 0
    assert _ranks(picker) == {}
    assert len(picker.labels) == 0  # no pick left: no row


def test_broken_media_is_refused_on_a_text_only_candidate(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    picker = make_picker(frames)  # q2 shows the text-only d5, d6
    browser = Browser(picker)
    result = browser.one(**flag("q2", "d5"))
    assert result["status"] == "refused"
    assert result["notice"] == (
        "broken-media refused: candidate 1 is text only: broken media is for an image, audio or "
        "video that does not load; judge the text: pick it or leave it"
    )
    assert picker.store.events().empty and picker.labels.empty
    # it can still be picked, and a candidate with an image can be flagged
    assert browser.one(**pick("q2", "d5"))["status"] == "saved"
    assert browser.one(**flag("q1", "d1"))["status"] == "saved"
    assert set(picker.store.labels(task="pick")["item_id"].dropna()) == {"d5", "d1"}


def test_p3_broken_media_cannot_be_picked_and_flagging_clears_the_pick(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    picker = make_picker(frames, store=location())
    location.track(picker.store)
    browser = Browser(picker)
    browser.judge(pick("q1", "d2"))
    result = browser.one(**flag("q1", "d2"))
    assert result["notice"] == (
        "candidate 2 flagged broken-media: it cannot be picked · its best pick cleared"
    )
    assert _states(result)["d2"] == {
        "item_id": "d2",
        "relevance": None,
        "best": False,
        "rank": None,
        "flags": ["broken-media"],
    }
    assert result["queries"]["q1"]["done"] is False
    stored = picker.store.labels(task="pick").set_index("item_id")
    assert stored.loc["d2", "flags"] == "broken-media" and pd.isna(stored.loc["d2", "rank"])
    result = browser.one(**pick("q1", "d2"))
    assert result["status"] == "refused"
    assert result["notice"] == (
        "best refused: candidate 2 is flagged broken-media; press m on it to clear the flag first"
    )
    browser.judge(pick("q1", "d3"))
    assert json.loads(picker.labels["flags"].iloc[0]) == {"d2": ["broken-media"]}
    result = browser.one(**flag("q1", "d2", on=False))
    assert result["notice"] == "broken-media flag cleared on candidate 2; it can be picked again"


def test_p4_none_relevant_is_refused_while_a_pick_exists_and_a_pick_clears_it(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    picker = make_picker(frames, store=location())
    location.track(picker.store)
    browser = Browser(picker)
    browser.judge(pick("q1", "d3", 2))
    result = browser.one(**none("q1"))
    assert result["status"] == "refused"
    assert result["notice"] == (
        "'none relevant' refused: candidate 3 (second best) picked; clear it first (press the key "
        "of a picked candidate again) or undo with z"
    )
    browser.judge(pick("q1", "d3", None))
    result = browser.one(**none("q1"))
    assert result["status"] == "saved" and result["queries"]["q1"]["done"] is True
    assert picker.none_relevant == {"q1"}
    row = picker.labels.iloc[0]
    assert row["none_relevant"] and pd.isna(row["best"]) and row["duration_ms"] == 10
    mark = picker.store.labels(task="pick")
    mark = mark[mark["item_id"].isna()].iloc[0]
    assert bool(mark["none_relevant"]) and json.loads(mark["shown"]) == ["d1", "d2", "d3", "d4"]
    result = browser.one(**pick("q1", "d4"))
    assert result["notice"].startswith("'none relevant' cleared")
    assert result["queries"]["q1"]["none_relevant"] is False and picker.none_relevant == set()
    assert picker.labels[["best", "none_relevant"]].iloc[0].tolist() == ["d4", False]


def test_undo_restores_the_previous_picks_and_the_labels(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    picker = make_picker(frames, store=location())
    location.track(picker.store)
    browser = Browser(picker)
    browser.judge(pick("q1", "d1"), pick("q1", "d2", 2), pick("q2", "d5"))
    browser.judge(pick("q1", "d2"))  # swap
    result = browser.one(**UNDO)
    assert result["notice"] == "undid: best pick on candidate 2 of query 1"
    assert result["undone"] == {"query_id": "q1", "index": 0, "item_id": "d2"}
    assert _ranks(picker) == {"d1": 1, "d2": 2}
    browser.judge(UNDO, UNDO)  # q2's pick, then q1's second best
    assert _ranks(picker) == {"d1": 1} and _ranks(picker, "q2") == {}
    assert picker.labels[["query_id", "best", "second"]].values.tolist() == [["q1", "d1", pd.NA]]
    assert list(picker.labels.index) == [0]
    result = browser.one(**UNDO)
    assert len(picker.labels) == 0 and result["progress"]["queries_done"] == 0
    assert browser.one(**UNDO)["notice"] == "nothing to undo in this session"


def test_undo_of_none_relevant(built_bundle: pathlib.Path, frames: Any) -> None:
    picker = make_picker(frames)
    browser = Browser(picker)
    browser.judge(none("q2"))
    result = browser.one(**UNDO)
    assert result["queries"]["q2"]["none_relevant"] is False and len(picker.labels) == 0


def test_done_cue_without_advance_and_on_the_last_query(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    picker = make_picker(frames, advance_on_pick=False)
    browser = Browser(picker)
    assert browser.one(**pick("q1", "d1"))["notice"] == "query 1 done · n for next"
    picker.advance_on_pick = True
    assert (
        browser.one(**pick("q2", "d5"))["notice"] == "query 2 done · on to query 3 (p to go back)"
    )
    assert browser.one(**pick("q3", "d1"))["notice"] == "query 3 done · all 3 queries done"


# ----------------------------------------------------------------- pages, resume, versions
def test_page_carries_each_candidates_rank_and_flags(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    picker = make_picker(frames)
    browser = Browser(picker)
    browser.judge(pick("q1", "d2"), pick("q1", "d4", 2), flag("q1", "d3"))
    page, _ = browser.page(0)
    got = [(c["item_id"], c.get("rank"), c["best"], c["flags"]) for c in page["candidates"]]
    assert got == [
        ("d1", None, False, []),
        ("d2", 1, True, []),
        ("d3", None, False, ["broken-media"]),
        ("d4", 2, False, []),
    ]
    assert picker.task == "pick"


def test_resume_reads_picks_opens_at_first_unfinished_and_undo_goes_on(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    store = location()
    picker = make_picker(frames, store=store)
    browser = Browser(picker)
    browser.judge(pick("q1", "d2"), pick("q1", "d1", 2), flag("q1", "d4"), none("q2"))
    again = make_picker(frames, store=store)
    assert again.query_index == 2
    assert again.progress == {"judged": 2, "total": 3, "queries_done": 2, "n_queries": 3}
    assert again.none_relevant == {"q2"}
    labels = again.labels
    assert labels[["query_id", "best", "second", "none_relevant"]].values.tolist() == [
        ["q1", "d2", "d1", False],
        ["q2", pd.NA, pd.NA, True],
    ]
    assert json.loads(labels["flags"].iloc[0]) == {"d4": ["broken-media"]}
    page, _ = Browser(again).page(0)
    assert [c.get("rank") for c in page["candidates"]] == [2, 1, None, None]
    # the new widget's rules apply to what it read
    result = Browser(again).one(**pick("q1", "d2", 2))
    assert result["status"] == "refused"


def test_a_new_guideline_version_does_not_count_the_old_picks(
    built_bundle: pathlib.Path, frames: Any, tmp_path: pathlib.Path
) -> None:
    store = xm.open_store(tmp_path / "labels.sqlite")
    Browser(make_picker(frames, store=store)).judge(pick("q1", "d1"))
    v2 = xm.Scale(
        xm.TREC_SCALE.levels, name="trec-v2", flags=xm.TREC_SCALE.flags, version="trec-v2@2"
    )
    picker = make_picker(frames, store=store, scale=v2)
    assert picker.query_index == 0 and len(picker.labels) == 0
    Browser(picker).judge(pick("q1", "d3"))
    stored = store.labels(task="pick")
    assert sorted(zip(stored["guideline_version"], stored["item_id"], strict=True)) == [
        ("trec-0-3@1", "d1"),
        ("trec-v2@2", "d3"),
    ]
    assert picker.labels["guideline_version"].tolist() == ["trec-v2@2"]


def test_grid_best_picks_and_picker_picks_agree(
    built_bundle: pathlib.Path, frames: Any, tmp_path: pathlib.Path
) -> None:
    """RelevanceGrid's best pick reads as rank 1 in the picker, and the picker's best as best."""
    store = xm.open_store(tmp_path / "labels.sqlite")
    queries, items, candidates = frames
    grid = xm.RelevanceGrid(queries, items, candidates, store=store, annotator="ana", shuffle=False)
    Browser(grid).judge(grade("q1", "d3", 3), best("q1", "d3"))
    picker = make_picker(frames, store=store)
    assert picker.labels["best"].tolist() == ["d3"]
    Browser(picker).judge(pick("q2", "d6"))
    grid.refresh()
    assert grid.labels.set_index("item_id").loc["d6", "best"]


def test_shown_order_is_shuffled_per_annotator_and_recorded(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    queries, items, _ = frames
    big = pd.DataFrame({"query_id": "q1", "item_id": [f"d{i}" for i in range(1, 7)]})
    orders = {
        who: xm.BestMatchPicker(queries, items, big, store=":memory:", annotator=who)
        .shown_candidates("q1")["item_id"]
        .tolist()
        for who in ("ana", "bo")
    }
    assert sorted(orders["ana"]) == sorted(orders["bo"]) and orders["ana"] != orders["bo"]
    assert orders["ana"] == xm.shown_order(big["item_id"], "ana", "q1")


# ----------------------------------------------------------------- bad browser input
@pytest.mark.parametrize(
    ("action", "message"),
    [
        ({"op": "pick", "query_id": "q1", "item_id": "d1", "rank": 3}, "field 'rank' is 3"),
        ({"op": "pick", "query_id": "q1", "item_id": "d1", "rank": "1"}, "field 'rank' is \"1\""),
        ({"op": "pick", "query_id": "q1", "item_id": "d1", "rank": True}, "field 'rank' is true"),
        # 1.0 is not 1, as the grid refuses relevance 2.0
        (
            {"op": "pick", "query_id": "q1", "item_id": "d1", "rank": 1.0},
            "pick action: field 'rank' is 1.0: it must be 1 (best), 2 (second best) or null",
        ),
        ({"op": "pick", "query_id": "q1", "item_id": "d1", "rank": 2.0}, "field 'rank' is 2.0"),
        ({"op": "pick", "query_id": "q1", "item_id": "d1"}, "missing field 'rank'"),
        ({"op": "pick", "query_id": "q1", "rank": 1}, "missing field 'item_id'"),
        ({"op": "grade", "query_id": "q1", "item_id": "d1", "relevance": 3}, 'unknown op "grade"'),
        ({"op": "pick", "query_id": "q1", "item_id": "d5", "rank": 1}, "'d5' is not a candidate"),
        ({"op": "pick", "query_id": "q9", "item_id": "d1", "rank": 1}, "unknown query_id 'q9'"),
        (
            {"op": "flag", "query_id": "q1", "item_id": "d1", "flag": "too-dark", "on": True},
            'flag "too-dark" refused',
        ),
        ({"op": "none", "query_id": "q1", "none_relevant": "yes"}, "it must be true or false"),
    ],
)
def test_bad_actions_are_refused_and_lose_nothing(
    built_bundle: pathlib.Path, frames: Any, action: dict[str, Any], message: str
) -> None:
    picker = make_picker(frames)
    browser = Browser(picker)
    actions = [{"request_id": 1, **action}, {"request_id": 2, **pick("q2", "d5")}]
    picker._on_message(picker, {"type": "judge", "actions": actions}, [])
    ack = browser.sent[0][0]
    assert ack["type"] == "ack" and ack["results"][0]["status"] == "refused"
    assert message in ack["results"][0]["notice"], ack["results"][0]["notice"]
    assert ack["results"][1]["status"] == "saved"  # the rest of the batch is kept
    assert picker.labels["query_id"].tolist() == ["q2"]
    # an action no correct front end sends is also reported as an error, after the ack
    malformed = [m for m, _ in browser.sent[1:]]
    assert all(m["type"] == "error" and message in m["message"] for m in malformed)


def test_picks_give_chosen_over_pairs(built_bundle: pathlib.Path, frames: Any) -> None:
    """The shown order in each event is enough for xm.preferences: best over every other shown."""
    picker = make_picker(frames, shuffle=True, seed=1)
    browser = Browser(picker)
    shown = picker.shown_candidates("q1")["item_id"].tolist()
    # second best, then a best replaced by another: only the current picks give pairs
    browser.judge(pick("q1", shown[2], 2), pick("q1", shown[0]), pick("q1", shown[1]))
    pairs = xm.preferences(picker.store.events())
    got = sorted(zip(pairs["chosen"], pairs["rejected"], strict=True))
    best, second = shown[1], shown[2]
    others = [i for i in shown if i not in (best, second)]
    want = sorted([(best, i) for i in shown if i != best] + [(second, i) for i in others])
    assert got == want


def test_undo_after_refresh_rereads_the_query_from_the_store(
    built_bundle: pathlib.Path, frames: Any, tmp_path: pathlib.Path
) -> None:
    picker = make_picker(frames, store=tmp_path / "labels.sqlite")
    browser = Browser(picker)
    browser.judge(pick("q1", "d1"), pick("q1", "d2", 2))
    picker.refresh()
    assert picker.labels[["best", "second"]].iloc[0].tolist() == ["d1", "d2"]
    result = browser.one(**UNDO)
    assert result["notice"] == "undid: second best pick on candidate 2 of query 1"
    assert _ranks(picker) == {"d1": 1}
    assert picker.labels[["best", "second"]].iloc[0].tolist() == ["d1", pd.NA]
    assert browser.page(0)[0]["candidates"][1].get("rank") is None
