"""Ranker (task "rank"): a ranking is one event per candidate in one transaction, checked whole.

Each test plays the browser (``Browser`` of test_grid.py) and checks what the annotator is told,
the states the view must adopt, ``ranker.labels`` and the store's own events and labels.
"""

from __future__ import annotations

import json
import pathlib
import re
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest
from test_grid import UNDO, Browser, flag

import xmwidgets as xm

if TYPE_CHECKING:
    from conftest import Location

# q1 has five text candidates (a..e, shown in this order with shuffle=False), q2 two
QUERIES = pd.DataFrame({"query_id": ["q1", "q2"], "text": ["a red bird", "<b>a cat</b>"]})
ITEMS = pd.DataFrame(
    {"item_id": list("abcdef"), "text": [f"caption {c}" for c in "abcde"] + ["<i>f</i>"]}
)
CANDIDATES = pd.DataFrame({"query_id": ["q1"] * 5 + ["q2"] * 2, "item_id": [*"abcde", "a", "f"]})
# the same items with a clip each (broken-media is refused on a text-only candidate); the clips'
# files do not exist, so each tile shows its caption and an error: media that does not load
MEDIA_ITEMS = ITEMS.assign(audio=[f"clips/{c}.wav" for c in "abcdef"])


def make_ranker(store: Any = ":memory:", items: pd.DataFrame = ITEMS, **kwargs: Any) -> xm.Ranker:
    kwargs.setdefault("shuffle", False)
    kwargs.setdefault("annotator", "ana")
    return xm.Ranker(QUERIES, items, CANDIDATES, store=store, **kwargs)


def rank(query_id: str, *ranking: tuple[str, int]) -> dict[str, Any]:
    return {"op": "rank", "query_id": query_id, "ranking": [list(e) for e in ranking]}


IN_ORDER = rank("q1", ("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5))
REVERSED = rank("q1", ("e", 1), ("d", 2), ("c", 3), ("b", 4), ("a", 5))


def _labels(frame: pd.DataFrame) -> list[tuple[str, int]]:
    return list(zip(frame["item_id"], frame["rank"].astype(int), strict=True))


def _stored(ranker: xm.Ranker) -> list[tuple[str, int]]:
    rows = ranker.store.labels(task="rank").sort_values(["rank", "shown_position"])
    return _labels(rows)


def test_opens_on_the_rank_task_with_an_empty_labels_frame(built_bundle: pathlib.Path) -> None:
    ranker = make_ranker()
    assert ranker.task == "rank" and ranker.n_queries == 2 and ranker.query_index == 0
    assert ranker.progress == {"judged": 0, "total": 7, "queries_done": 0, "n_queries": 2}
    assert ranker.labels.empty
    assert {c: str(t) for c, t in ranker.labels.dtypes.items()} == {
        "query_id": "string",
        "item_id": "string",
        "rank": "Int32",
        "n_ranked": "Int32",
        "tied": "boolean",
        "flags": "string",
        "annotator": "string",
        "campaign": "string",
        "guideline_version": "string",
        "shown_position": "Int32",
        "duration_ms": "Int64",
        "created_at": "datetime64[ns, UTC]",
    }


def test_a_ranking_is_one_event_per_candidate_in_one_transaction(
    built_bundle: pathlib.Path, location: Location
) -> None:
    ranker = make_ranker(location(), shuffle=True, seed=3)
    browser = Browser(ranker)
    shown = ranker.shown_candidates("q1")["item_id"].tolist()
    best_first = shown[::-1]
    result = browser.one(**rank("q1", *((item, k + 1) for k, item in enumerate(best_first))))
    assert result["status"] == "saved"
    assert (
        result["notice"]
        == "ranking of query 1 saved: 5 candidates · query 1 done (5/5) · n for next"
    )
    # the ranker's front end leaves this part out for the query on screen, whose status line says
    # it: it finds it with SAVED_NOTICE, a pattern of this wording
    source = (pathlib.Path(__file__).parents[1] / "js/src/tasks/rank/index.ts").read_text()
    pattern = re.search(r"export const SAVED_NOTICE = /(.+)/;", source)
    assert pattern is not None and re.match(pattern.group(1), result["notice"].split(" · ")[0])
    assert result["queries"]["q1"]["done"] is True
    assert result["progress"] == {"judged": 5, "total": 7, "queries_done": 1, "n_queries": 2}
    events = ranker.store.events()
    assert len(events) == 5 and set(events["task"]) == {"rank"}
    # one transaction: one timestamp; the shown list is the initial (shuffled) order
    assert events["created_at"].nunique() == 1
    assert {tuple(json.loads(s)) for s in events["shown"]} == {tuple(shown)}
    assert dict(zip(events["item_id"], events["shown_position"], strict=True)) == {
        item: k for k, item in enumerate(shown)
    }
    assert dict(zip(events["item_id"], events["rank"], strict=True)) == {
        item: k + 1 for k, item in enumerate(best_first)
    }
    labels = ranker.labels
    assert list(labels.index) == list(range(5))
    assert _labels(labels) == [(item, k + 1) for k, item in enumerate(best_first)]
    assert labels["n_ranked"].tolist() == [5] * 5 and not labels["tied"].any()
    assert labels["shown_position"].tolist() == [4, 3, 2, 1, 0]
    assert labels["duration_ms"].tolist() == [10] * 5
    assert set(labels["guideline_version"]) == {xm.TREC_SCALE.version}
    assert set(labels["annotator"]) == {"ana"} and set(labels["campaign"]) == {"default"}


def test_ties_share_a_rank_and_a_dense_ranking_is_stored_in_competition_form(
    built_bundle: pathlib.Path, location: Location
) -> None:
    ranker = make_ranker(location())
    browser = Browser(ranker)
    result = browser.one(**rank("q1", ("c", 1), ("a", 2), ("e", 2), ("b", 3), ("d", 4)))
    assert result["status"] == "saved", result["notice"]
    assert result["notice"].startswith("ranking of query 1 saved: 5 candidates, 2 tied")
    assert _stored(ranker) == [("c", 1), ("a", 2), ("e", 2), ("b", 4), ("d", 5)]
    labels = ranker.labels
    assert _labels(labels) == [("c", 1), ("a", 2), ("e", 2), ("b", 4), ("d", 5)]
    assert labels["tied"].tolist() == [False, True, True, False, False]
    states = {s["item_id"]: s for s in result["queries"]["q1"]["states"]}
    assert states["e"] == {"item_id": "e", "rank": 2, "tied": True, "flags": []}
    # all tied is a ranking too
    result = browser.one(**rank("q2", ("a", 1), ("f", 1)))
    assert result["status"] == "saved"
    assert ranker.labels.loc[ranker.labels["query_id"] == "q2", "tied"].tolist() == [True, True]


@pytest.mark.parametrize(
    ("action", "notice"),
    [
        (
            rank("q1", ("a", 1), ("b", 2), ("c", 3), ("d", 4)),
            "ranking refused: it lists 4 of the 5 candidates of query 1; candidate 'e' is missing "
            "(rank every candidate)",
        ),
        (
            rank("q1", ("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5), ("a", 6)),
            "ranking refused: candidate 'a' (at places 1, 6) listed more than once; a ranking "
            "lists each of the 5 candidates of query 1 once",
        ),
        (
            rank("q1", ("a", 1), ("b", 2), ("c", 3), ("d", 4), ("f", 5)),
            "ranking refused: item_id 'f' is not a candidate of query 1",
        ),
        (
            rank("q1", ("a", 1), ("b", 3), ("c", 4), ("d", 5), ("e", 6)),
            "ranking refused: the ranks 1, 3, 4, 5, 6 are not a ranking of 5 candidates: ranks "
            "start at 1 and go up without gaps, tied candidates sharing one "
            "(1, 2, 2, 4 or dense 1, 2, 2, 3)",
        ),
        (
            rank("q1", ("a", 2), ("b", 2), ("c", 3), ("d", 4), ("e", 5)),
            "ranking refused: the ranks 2, 2, 3, 4, 5 are not a ranking of 5 candidates: ranks "
            "start at 1 and go up without gaps, tied candidates sharing one "
            "(1, 2, 2, 4 or dense 1, 2, 2, 3)",
        ),
        (
            {**IN_ORDER, "query_id": "q9"},
            "unknown query_id 'q9': it has no candidates in this widget",
        ),
    ],
)
def test_a_ranking_that_is_not_one_is_refused_whole(
    built_bundle: pathlib.Path, action: dict[str, Any], notice: str
) -> None:
    ranker = make_ranker()
    browser = Browser(ranker)
    result = browser.one(**action)
    assert result["status"] == "refused"
    assert result["notice"] == notice
    assert ranker.store.events().empty and ranker.labels.empty
    assert ranker.progress["judged"] == 0
    # no correct front end sends these, but they are values, not a broken message
    assert browser.sent[-1][0]["type"] == "ack"


def test_a_refused_ranking_names_candidates_by_their_place_on_screen_and_id(
    built_bundle: pathlib.Path,
) -> None:
    # the browser sends its tiles in order: after moves, the shown position (a = 1, b = 2, ...)
    # is not where a candidate is; the refusal says the place in this ranking and the id
    ranker = make_ranker(items=MEDIA_ITEMS)
    browser = Browser(ranker)
    twice = browser.one(**rank("q1", ("e", 1), ("d", 2), ("b", 3), ("d", 4), ("a", 5)))
    assert twice["status"] == "refused"
    assert twice["notice"].startswith(
        "ranking refused: candidate 'd' (at places 2, 4) listed more than once"
    ), twice["notice"]
    browser.one(**flag("q1", "b"))
    browser.one(**flag("q1", "d"))
    broken = browser.one(**rank("q1", ("d", 1), ("e", 2), ("c", 3), ("b", 4), ("a", 5)))
    assert broken["notice"].startswith(
        "ranking refused: candidates 1 ('d'), 4 ('b') are flagged broken-media"
    ), broken["notice"]
    missing = browser.one(**rank("q1", ("e", 1)))
    assert missing["notice"].endswith("candidates 'a', 'c' are missing (rank every candidate)")
    assert ranker.labels["rank"].isna().all(), "a refused ranking was stored"


@pytest.mark.parametrize(
    ("ranking", "says"),
    [
        ("a,b,c", "field 'ranking' is \"a,b,c\": it must be a non-empty list"),
        ([], "field 'ranking' is []: it must be a non-empty list"),
        ([["a", 1], ["b"]], 'ranking entry 1 is ["b"]'),
        ([["a", True]], 'ranking entry 0 is ["a", true]'),
        ([["a", 0]], 'ranking entry 0 is ["a", 0]'),
        ([["a", 1.5]], 'ranking entry 0 is ["a", 1.5]'),
        ([["a", "1"]], 'ranking entry 0 is ["a", "1"]'),
        ([[3, 1]], "ranking entry 0 is [3, 1]"),
        ([{"item_id": "a", "rank": 1}], 'ranking entry 0 is {"item_id": "a", "rank": 1}'),
    ],
)
def test_malformed_rank_actions_are_refused_and_reported(
    built_bundle: pathlib.Path, ranking: Any, says: str
) -> None:
    ranker = make_ranker()
    browser = Browser(ranker)
    batch = [{"request_id": 7, "op": "rank", "query_id": "q1", "ranking": ranking}]
    ranker._on_message(ranker, {"type": "judge", "actions": batch}, [])
    ack, error = browser.sent[-2][0], browser.sent[-1][0]
    assert ack["type"] == "ack" and ack["results"][0]["status"] == "refused"
    assert says in ack["results"][0]["notice"]
    assert error["type"] == "error" and error["request_id"] == 7 and says in error["message"]
    assert ranker.store.events().empty


def test_other_tasks_ops_are_not_ranking_ops(built_bundle: pathlib.Path) -> None:
    ranker = make_ranker()
    browser = Browser(ranker)
    batch = [{"request_id": 1, "op": "grade", "query_id": "q1", "item_id": "a", "relevance": 2}]
    ranker._on_message(ranker, {"type": "judge", "actions": batch}, [])
    ack, error = browser.sent[-2][0], browser.sent[-1][0]
    assert ack["results"][0]["notice"] == (
        'action 0: unknown op "grade"; the ranking task\'s ops are rank, flag, undo'
    )
    assert error["type"] == "error" and ranker.store.events().empty


def test_undo_brings_back_the_previous_ranking_in_the_store_and_the_frame(
    built_bundle: pathlib.Path, location: Location
) -> None:
    ranker = make_ranker(location())
    browser = Browser(ranker)
    browser.judge(IN_ORDER)
    labels = ranker.labels  # the same object all along
    browser.judge(rank("q1", ("b", 1), ("a", 1), ("c", 3), ("d", 4), ("e", 5)))
    assert _stored(ranker) == [("a", 1), ("b", 1), ("c", 3), ("d", 4), ("e", 5)]
    result = browser.one(**UNDO)
    assert result["status"] == "saved"
    assert result["notice"] == "undid: ranking of query 1 (5 candidates, 2 tied)"
    assert result["undone"] == {"query_id": "q1", "index": 0, "item_id": None}
    states = {s["item_id"]: s["rank"] for s in result["queries"]["q1"]["states"]}
    assert states == {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}
    assert _stored(ranker) == [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)]
    assert ranker.labels is labels
    assert _labels(labels) == [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)]
    assert not labels["tied"].any() and list(labels.index) == list(range(5))
    # and the first ranking too: nothing is ranked, the query is open again
    result = browser.one(**UNDO)
    assert {s["rank"] for s in result["queries"]["q1"]["states"]} == {None}
    assert result["queries"]["q1"]["done"] is False
    assert ranker.store.labels(task="rank").empty and ranker.labels.empty
    assert ranker.progress == {"judged": 0, "total": 7, "queries_done": 0, "n_queries": 2}
    assert browser.one(**UNDO)["notice"] == "nothing to undo in this session"


def test_saving_the_same_ranking_again_writes_nothing(built_bundle: pathlib.Path) -> None:
    ranker = make_ranker()
    browser = Browser(ranker)
    browser.judge(IN_ORDER)
    result = browser.one(**IN_ORDER)
    assert result["status"] == "saved"
    assert result["notice"] == "ranking of query 1 unchanged: it is saved already"
    assert len(ranker.store.events()) == 5
    # so undo takes back the ranking itself
    assert browser.one(**UNDO)["notice"] == "undid: ranking of query 1 (5 candidates)"


def test_a_ranking_and_its_undo_in_one_batch(built_bundle: pathlib.Path) -> None:
    ranker = make_ranker()
    browser = Browser(ranker)
    ack = browser.judge(IN_ORDER, REVERSED, UNDO)
    assert [r["status"] for r in ack["results"]] == ["saved", "saved", "saved"]
    assert _stored(ranker) == [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)]
    assert _labels(ranker.labels) == _stored(ranker)


def test_reopening_resumes_the_stored_rankings(
    built_bundle: pathlib.Path, location: Location
) -> None:
    store = location()
    first = make_ranker(store)
    Browser(first).judge(rank("q1", ("c", 1), ("a", 2), ("e", 2), ("b", 4), ("d", 5)))
    again = make_ranker(store)
    # q1 is done: the widget opens on q2
    assert again.query_index == 1
    assert again.progress == {"judged": 5, "total": 7, "queries_done": 1, "n_queries": 2}
    assert _labels(again.labels) == [("c", 1), ("a", 2), ("e", 2), ("b", 4), ("d", 5)]
    assert again.labels["n_ranked"].tolist() == [5] * 5
    assert again.labels["tied"].tolist() == [False, True, True, False, False]
    page, _ = Browser(again).page(0)
    assert {c["item_id"]: (c["rank"], c["tied"]) for c in page["candidates"]} == {
        "a": (2, True),
        "b": (4, False),
        "c": (1, False),
        "d": (5, False),
        "e": (2, True),
    }
    # candidates keep their shown order on the page; the view sorts by rank
    assert [c["item_id"] for c in page["candidates"]] == list("abcde")
    # undo across a reopening is not this session's
    assert Browser(again).one(**UNDO)["notice"] == "nothing to undo in this session"
    # another annotator, or another guideline version, has ranked nothing
    assert make_ranker(store, annotator="bo").labels.empty
    revised = xm.Scale.continuous(0, 10, version="v2")
    other = make_ranker(store, scale=revised)
    assert other.labels.empty and other.progress["queries_done"] == 0


def test_a_page_without_a_ranking_has_null_ranks(built_bundle: pathlib.Path) -> None:
    page, _ = Browser(make_ranker()).page(1)
    assert [(c["item_id"], c["rank"]) for c in page["candidates"]] == [("a", None), ("f", None)]
    assert [p["text"] for c in page["candidates"] for p in c["parts"]] == [
        "caption a",
        "<i>f</i>",
    ]


def test_undo_after_refresh_reads_the_query_again(
    built_bundle: pathlib.Path, location: Location
) -> None:
    ranker = make_ranker(location())
    browser = Browser(ranker)
    browser.judge(IN_ORDER)
    browser.judge(REVERSED)
    ranker.refresh()
    assert _labels(ranker.labels) == [("e", 1), ("d", 2), ("c", 3), ("b", 4), ("a", 5)]
    result = browser.one(**UNDO)
    assert result["status"] == "saved", result["notice"]
    assert _stored(ranker) == [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)]
    # the rows keep their places in the frame; their ranks are the first ranking's again
    assert sorted(_labels(ranker.labels)) == [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)]
    assert list(ranker.labels.index) == list(range(5))


def test_a_failed_write_leaves_nothing_ranked(built_bundle: pathlib.Path) -> None:
    ranker = make_ranker()
    browser = Browser(ranker)

    def broken(events: Any) -> list[int]:
        raise OSError("disk full")

    ranker.store.append = broken  # type: ignore[method-assign]
    result = browser.one(**IN_ORDER)
    assert result["status"] == "refused" and result["notice"] == "not saved: disk full"
    assert ranker.labels.empty and ranker.progress["judged"] == 0
    assert {s["rank"] for s in result["queries"]["q1"]["states"]} == {None}


def test_rankings_give_preference_pairs(built_bundle: pathlib.Path) -> None:
    ranker = make_ranker()
    browser = Browser(ranker)
    browser.judge(rank("q1", ("c", 1), ("a", 2), ("e", 2), ("b", 4), ("d", 5)))
    browser.judge(REVERSED, UNDO)  # an undone ranking gives nothing
    pairs = xm.preferences(ranker.store.events())
    got = set(zip(pairs["chosen"], pairs["rejected"], strict=True))
    # 10 pairs of 5 candidates, less the tie a = e
    assert len(got) == 9 and ("a", "e") not in got and ("e", "a") not in got
    assert {("c", "a"), ("c", "e"), ("a", "b"), ("e", "d"), ("b", "d")} <= got
    assert set(pairs["task"]) == {"rank"} and set(pairs["annotator"]) == {"ana"}


def test_added_candidates_reopen_a_ranked_query(built_bundle: pathlib.Path) -> None:
    ranker = make_ranker()
    browser = Browser(ranker)
    browser.judge(IN_ORDER)
    assert ranker.progress["queries_done"] == 1
    assert ranker.add_candidates(pd.DataFrame({"query_id": ["q1"], "item_id": ["f"]})) == 1
    # the ranking of five no longer ranks the query's six candidates
    assert ranker.progress == {"judged": 5, "total": 8, "queries_done": 0, "n_queries": 2}
    page, _ = browser.page(0)
    assert [(c["item_id"], c["rank"]) for c in page["candidates"]] == [
        ("a", 1),
        ("b", 2),
        ("c", 3),
        ("d", 4),
        ("e", 5),
        ("f", None),
    ]
    refused = browser.one(**IN_ORDER)
    assert refused["status"] == "refused" and "candidate 'f' is missing" in refused["notice"]
    result = browser.one(**rank("q1", ("f", 1), ("a", 2), ("b", 3), ("c", 4), ("d", 5), ("e", 6)))
    assert result["status"] == "saved" and result["queries"]["q1"]["done"] is True
    assert ranker.labels["n_ranked"].tolist() == [6] * 6


def _flagged(frame: pd.DataFrame) -> dict[str, str]:
    return {i: f for i, f in zip(frame["item_id"], frame["flags"], strict=True) if not pd.isna(f)}


def test_broken_media_leaves_the_ranking_and_the_others_close_up(
    built_bundle: pathlib.Path, location: Location
) -> None:
    ranker = make_ranker(location(), items=MEDIA_ITEMS)
    browser = Browser(ranker)
    browser.judge(IN_ORDER)
    result = browser.one(**flag("q1", "c"))
    assert result["status"] == "saved"
    assert result["notice"] == (
        "candidate 3 flagged broken-media: left out of the ranking · "
        "its rank 3 removed, the others moved up"
    )
    states = {s["item_id"]: (s["rank"], s["flags"]) for s in result["queries"]["q1"]["states"]}
    assert states == {
        "a": (1, []),
        "b": (2, []),
        "c": (None, ["broken-media"]),
        "d": (3, []),
        "e": (4, []),
    }
    assert result["queries"]["q1"]["done"] is True
    assert ranker.progress == {"judged": 5, "total": 7, "queries_done": 1, "n_queries": 2}
    labels = ranker.labels
    # the rows keep their places: c's row now says it is flagged, with no rank
    assert list(labels["item_id"]) == list("abcde") and list(labels.index) == list(range(5))
    ranks = labels.set_index("item_id")[["rank", "n_ranked"]]
    assert ranks.dropna().astype(int).to_dict("list") == {"rank": [1, 2, 3, 4], "n_ranked": [4] * 4}
    assert ranks.loc["c"].isna().all()
    assert _flagged(labels) == {"c": "broken-media"} and not labels["tied"].any()
    # the store: c's event carries the flag and no rank; d and e got their new ranks
    stored = ranker.store.labels(task="rank").set_index("item_id")
    assert stored.loc["c", "flags"] == "broken-media" and pd.isna(stored.loc["c", "rank"])
    assert stored["rank"].dropna().astype(int).to_dict() == {"a": 1, "b": 2, "d": 3, "e": 4}
    assert len(ranker.store.events()) == 5 + 3
    # a ranking that lists it is refused; one without it is the query's ranking
    # c moved first on screen: the refusal names it by that place and its id, not "candidate 3"
    refused = browser.one(**rank("q1", ("c", 1), ("e", 2), ("d", 3), ("b", 4), ("a", 5)))
    assert refused["status"] == "refused"
    assert "candidate 1 ('c') is flagged broken-media" in refused["notice"], refused["notice"]
    saved = browser.one(**rank("q1", ("e", 1), ("d", 2), ("b", 3), ("a", 4)))
    assert saved["status"] == "saved" and saved["queries"]["q1"]["done"] is True
    assert _labels(ranker.labels.dropna(subset=["rank"])) == [
        ("a", 4),
        ("b", 3),
        ("d", 2),
        ("e", 1),
    ]
    # undo twice: the ranking of four, then the flag; the first ranking is back whole
    browser.one(**UNDO)
    assert browser.one(**UNDO)["notice"] == "undid: flag 'broken-media' on candidate 3 of query 1"
    assert _stored(ranker) == [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)]
    assert _labels(ranker.labels) == [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)]
    assert _flagged(ranker.labels) == {} and ranker.labels["n_ranked"].tolist() == [5] * 5


def test_a_query_is_done_with_its_broken_candidate_unranked_and_resumes(
    built_bundle: pathlib.Path, location: Location
) -> None:
    store = location()
    ranker = make_ranker(store, items=MEDIA_ITEMS)
    browser = Browser(ranker)
    result = browser.one(**flag("q1", "b"))
    assert result["notice"] == "candidate 2 flagged broken-media: left out of the ranking"
    assert result["queries"]["q1"]["done"] is False
    missing = browser.one(**rank("q1", ("a", 1), ("c", 2), ("d", 3)))
    assert "it lists 3 of the 4 candidates to rank of query 1" in missing["notice"], missing
    done = browser.one(**rank("q1", ("d", 1), ("a", 2), ("c", 3), ("e", 4)))
    assert done["status"] == "saved" and done["queries"]["q1"]["done"] is True
    assert ranker.progress["queries_done"] == 1 and ranker.progress["judged"] == 5
    # reopened: the flag and the ranking are back, in the labels, the page and the progress
    again = make_ranker(store, items=MEDIA_ITEMS)
    assert again.query_index == 1
    assert again.progress == {"judged": 5, "total": 7, "queries_done": 1, "n_queries": 2}
    assert list(again.labels["item_id"]) == list("daceb")
    assert _flagged(again.labels) == {"b": "broken-media"}
    assert again.labels["n_ranked"].tolist()[:4] == [4] * 4
    page, _ = Browser(again).page(0)
    assert {c["item_id"]: (c["rank"], c["flags"]) for c in page["candidates"]} == {
        "a": (2, []),
        "b": (None, ["broken-media"]),
        "c": (3, []),
        "d": (1, []),
        "e": (4, []),
    }
    # m again clears it: the candidate is unranked, the query needs its ranking again
    cleared = Browser(again).one(**flag("q1", "b", on=False))
    assert cleared["notice"] == "broken-media flag cleared on candidate 2: rank it, then save (s)"
    assert cleared["queries"]["q1"]["done"] is False
    assert "b" not in set(again.labels["item_id"])
    assert again.progress["queries_done"] == 0


def test_a_flag_on_an_item_that_is_not_a_candidate_is_refused_naming_it(
    built_bundle: pathlib.Path,
) -> None:
    ranker = make_ranker()
    browser = Browser(ranker)
    result = browser.one(**flag("q1", "f"))
    assert result["status"] == "refused"
    assert result["notice"] == "item_id 'f' is not a candidate of query 'q1' (query 1)"
    other = browser.one(**flag("q1", "a", name="dissonant"))
    assert other["status"] == "refused"
    assert other["notice"] == (
        'flag "dissonant" refused: the ranking task\'s flags are broken-media'
    )
    assert ranker.store.events().empty and ranker.labels.empty


def test_broken_media_is_refused_on_a_text_only_candidate(built_bundle: pathlib.Path) -> None:
    ranker = make_ranker()  # every candidate is a caption
    browser = Browser(ranker)
    result = browser.one(**flag("q1", "c"), place=2)
    assert result["status"] == "refused"
    assert result["notice"] == (
        "broken-media refused: candidate 2 is text only: broken media is for an image, audio or "
        "video that does not load; rank the text"
    )
    assert ranker.store.events().empty and ranker.labels.empty
    assert ranker.progress["judged"] == 0
    # the ranking still needs c
    missing = browser.one(**rank("q1", ("a", 1), ("b", 2), ("d", 3), ("e", 4)))
    assert "'c' is missing" in missing["notice"], missing


def test_a_flag_names_the_candidate_by_its_place_on_screen(built_bundle: pathlib.Path) -> None:
    # the tiles move: c (shown third) is on screen first after t; its notices say candidate 1,
    # as the header does, not 3 (review 4, F3)
    ranker = make_ranker(items=MEDIA_ITEMS)
    browser = Browser(ranker)
    result = browser.one(**flag("q1", "c"), place=1)
    assert result["notice"] == "candidate 1 flagged broken-media: left out of the ranking"
    assert browser.one(**UNDO)["notice"] == "undid: flag 'broken-media' on candidate 1 of query 1"
    flagged = browser.one(**flag("q1", "c"), place=5)
    assert flagged["notice"].startswith("candidate 5 flagged broken-media")
    again = browser.one(**flag("q1", "c", on=False), place=5)
    assert again["notice"] == "broken-media flag cleared on candidate 5: rank it, then save (s)"
    # no place, or one that is no place of the query: its shown position names it
    for place in (None, 0, 6, True, "1"):
        extra = {} if place is None else {"place": place}
        on = browser.one(**flag("q1", "d"), **extra)
        assert on["status"] == "saved", on
        assert on["notice"].startswith("candidate 4 flagged broken-media"), (place, on)
        browser.one(**UNDO)
