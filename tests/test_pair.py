"""PairwiseJudge: the pairs frame checked, sides randomised and recorded, choices stored as a/b.

Each test plays the browser (``Browser`` of test_grid.py) and checks what lands in the store's
events and labels and in ``judge.labels``.
"""

from __future__ import annotations

import json
import pathlib
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest
from PIL import Image
from test_grid import UNDO, Browser

import xmwidgets as xm
from xmwidgets.widgets._checks import InputError

if TYPE_CHECKING:
    from conftest import Location


@pytest.fixture
def data(tmp_path: pathlib.Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    paths = []
    for i, colour in enumerate(["red", "green", "blue"]):
        p = tmp_path / f"img{i}.png"
        Image.new("RGB", (64, 48), colour).save(p)
        paths.append(str(p))
    queries = pd.DataFrame({"query_id": ["q1", "q2"], "text": ["a red square", "<b>blue</b>"]})
    items = pd.DataFrame(
        {
            "item_id": ["i1", "i2", "i3", "t1"],
            "image": [*paths, None],
            "text": [None, None, None, "<script>x</script> a caption"],
        }
    )
    pairs = pd.DataFrame(
        {
            "query_id": ["q1", "q1", "q2"],
            "a": ["i1", "i1", "i3"],
            "b": ["i2", "t1", "i2"],
            "source": ["bm25 vs clip", "bm25 vs clip", "clip vs bm25"],
        }
    )
    return queries, items, pairs


def _judge(data: Any, store: Any = ":memory:", **kwargs: Any) -> xm.PairwiseJudge:
    queries, items, pairs = data
    kwargs.setdefault("annotator", "ana")
    return xm.PairwiseJudge(queries, items, pairs, store=store, **kwargs)


def choose(pair_id: str, side: Any) -> dict[str, Any]:
    return {"op": "choice", "query_id": pair_id, "side": side}


def broken(pair_id: str, on: bool = True, item_id: str | None = None) -> dict[str, Any]:
    """broken-media on ``item_id`` of the pair (None: both items, as an older view sent it)."""
    action = {"op": "flag", "query_id": pair_id, "flag": "broken-media", "on": on}
    return action if item_id is None else {**action, "item_id": item_id}


def _left(judge: xm.PairwiseJudge, k: int) -> str:
    return str(judge.shown_pairs()["left"].iloc[k])


def test_opens_on_the_first_pair_with_one_unit_per_pair(
    built_bundle: pathlib.Path, data: Any
) -> None:
    judge = _judge(data)
    assert judge.task == "pair" and judge.n_queries == 3 and judge.query_index == 0
    assert judge.progress == {"judged": 0, "total": 3, "queries_done": 0, "n_queries": 3}
    assert judge.pair_ids == ["pair-1", "pair-2", "pair-3"]
    assert judge.query_ids == ["q1", "q1", "q2"]
    assert repr(judge) == "PairwiseJudge(annotator='ana', pairs=3, judged=0/3, store=':memory:')"
    # g with a query id goes to that query's first pair
    assert judge.goto_query_ids == ["q1", "", "q2"]
    # the view gets the guideline's version and flags, not grading levels (their keys are 0-3)
    assert judge.scale["levels"] == [] and judge.scale["version"] == xm.TREC_SCALE.version
    assert "broken-media" in judge.scale["flags"]
    assert judge.labels.empty and list(judge.labels.columns) == [
        "query_id",
        "a",
        "b",
        "choice",
        "left",
        "flags",
        "broken",
        "annotator",
        "campaign",
        "guideline_version",
        "duration_ms",
        "created_at",
    ]


def test_page_shows_the_query_and_both_items_in_shown_order(
    built_bundle: pathlib.Path, data: Any
) -> None:
    judge = _judge(data, shuffle=False)
    page, buffers = Browser(judge).page(1)
    assert page["query_id"] == "pair-2"
    assert page["query"]["parts"] == [{"column": "text", "kind": "text", "text": "a red square"}]
    assert [c["item_id"] for c in page["candidates"]] == ["i1", "t1"]
    assert page["candidates"][0]["parts"][0]["kind"] == "image" and len(buffers) == 1
    assert page["candidates"][1]["parts"][0]["text"] == "<script>x</script> a caption"
    assert page["pair"] == {"query_id": "q1", "side": None, "flags": [], "broken": []}
    assert "meta" not in page["candidates"][0]  # blind by default


def test_show_sources_puts_the_pairs_source_on_the_tiles(
    built_bundle: pathlib.Path, data: Any
) -> None:
    page, _ = Browser(_judge(data, show_sources=True)).page(0)
    assert page["candidates"][0]["meta"]["sources"] == ["bm25 vs clip"]


def test_sides_are_seeded_per_pair_and_annotator_and_recorded(
    built_bundle: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    n = 200
    queries = pd.DataFrame({"query_id": [f"q{k}" for k in range(n)], "text": "q"})
    items = pd.DataFrame({"item_id": ["x", "y"], "text": ["x", "y"]})
    pairs = pd.DataFrame({"query_id": queries["query_id"], "a": "x", "b": "y"})
    ana = xm.PairwiseJudge(queries, items, pairs, store=":memory:", annotator="ana")
    again = xm.PairwiseJudge(queries, items, pairs, store=":memory:", annotator="ana")
    bob = xm.PairwiseJudge(queries, items, pairs, store=":memory:", annotator="bob")
    reseeded = xm.PairwiseJudge(queries, items, pairs, store=":memory:", annotator="ana", seed=1)
    left = ana.shown_pairs()["left"]
    assert left.tolist() == again.shown_pairs()["left"].tolist()
    assert 0.35 < (left == "x").mean() < 0.65  # about half the pairs show a on the right
    assert left.tolist() != bob.shown_pairs()["left"].tolist()
    assert left.tolist() != reseeded.shown_pairs()["left"].tolist()
    # keyed by the pair, not by its row: the reversed frame gives every pair the same sides
    flipped = xm.PairwiseJudge(
        queries, items, pairs.iloc[::-1], store=":memory:", annotator="ana"
    ).shown_pairs()
    assert flipped.set_index("query_id")["left"].loc[pairs["query_id"]].tolist() == left.tolist()
    fixed = xm.PairwiseJudge(
        queries, items, pairs, store=":memory:", annotator="ana", shuffle=False
    )
    assert (fixed.shown_pairs()["left"] == "x").all()


def test_choice_is_translated_from_the_side_and_stored_as_a_pair_event(
    built_bundle: pathlib.Path, data: Any, location: Location
) -> None:
    judge = _judge(data, store=location())
    browser = Browser(judge)
    sides = judge.shown_pairs()
    ack = browser.judge(
        choose("pair-1", "left"), choose("pair-2", "right"), choose("pair-3", "tie")
    )
    assert [r["status"] for r in ack["results"]] == ["saved"] * 3
    assert ack["queries"]["pair-1"]["states"] == [
        {
            "item_id": "i1",
            "relevance": None,
            "best": False,
            "flags": [],
            "side": "left",
            "broken": [],
        }
    ]
    assert ack["progress"] == {"judged": 3, "total": 3, "queries_done": 3, "n_queries": 3}
    events = judge.store.events().set_index("item_id", drop=False)
    assert events["task"].tolist() == ["pair"] * 3
    for k, side in enumerate(["left", "right", "tie"]):
        row = events.iloc[k]
        a, left, right = sides.iloc[k][["a", "left", "right"]]
        assert (row["query_id"], row["item_id"], row["other_id"]) == tuple(
            sides.iloc[k][["query_id", "a", "b"]]
        )
        assert json.loads(row["shown"]) == [left, right]
        assert row["shown_position"] == (0 if left == a else 1)
        chosen = {"left": left, "right": right}.get(side)
        expected = side if chosen is None else ("a" if chosen == a else "b")
        assert row["choice"] == expected
        assert row["guideline_version"] == xm.TREC_SCALE.version
        assert row["duration_ms"] == 10 and row["annotator"] == "ana"
    labels = judge.labels
    assert labels.index.equals(pd.RangeIndex(3))
    assert labels["choice"].tolist() == events["choice"].tolist()
    assert labels["left"].tolist() == sides["left"].tolist()
    assert str(labels["duration_ms"].dtype) == "Int64"
    assert str(labels["created_at"].dtype) == "datetime64[ns, UTC]"
    stored = judge.store.labels(task="pair")
    assert stored[["query_id", "item_id", "other_id", "choice"]].values.tolist() == (
        labels[["query_id", "a", "b", "choice"]].values.tolist()
    )


def test_a_shown_on_the_right_left_means_b(built_bundle: pathlib.Path, data: Any) -> None:
    judge = _judge(data)
    browser = Browser(judge)
    sides = judge.shown_pairs()
    k = next(k for k in range(3) if sides["left"].iloc[k] == sides["b"].iloc[k])
    browser.judge(choose(judge.pair_ids[k], "left"))
    row = judge.labels.iloc[0]
    assert row["choice"] == "b" and row["left"] == sides["b"].iloc[k]
    assert judge.store.events()["shown_position"].tolist() == [1]


def test_a_new_choice_replaces_the_old_one_and_the_same_one_writes_nothing(
    built_bundle: pathlib.Path, data: Any
) -> None:
    judge = _judge(data, shuffle=False)
    browser = Browser(judge)
    browser.judge(choose("pair-1", "left"))
    browser.judge(choose("pair-1", "left"))
    assert len(judge.store.events()) == 1
    browser.judge(choose("pair-1", "both-bad"))
    assert judge.labels["choice"].tolist() == ["both-bad"]
    assert judge.store.labels(task="pair")["choice"].tolist() == ["both-bad"]
    result = browser.one(**choose("pair-1", None))
    assert result["notice"] == "choice cleared on pair 1"
    assert judge.labels.empty and judge.progress["judged"] == 0


def test_broken_media_removes_the_choice_counts_as_done_and_a_choice_clears_it(
    built_bundle: pathlib.Path, data: Any
) -> None:
    judge = _judge(data, shuffle=False)
    browser = Browser(judge)
    browser.judge(choose("pair-1", "right"))
    result = browser.one(**broken("pair-1"))
    assert result["notice"] == (
        "pair 1: both items flagged broken-media, the pair left out of the preferences · "
        "its choice 'right better' removed"
    )
    assert result["queries"]["pair-1"]["states"][0]["flags"] == ["broken-media"]
    assert result["queries"]["pair-1"]["done"] is True
    row = judge.labels.iloc[0]
    assert pd.isna(row["choice"]) and row["flags"] == "broken-media"
    assert judge.progress["queries_done"] == 1
    stored = judge.store.labels(task="pair").iloc[0]
    assert pd.isna(stored["choice"]) and stored["flags"] == "broken-media"
    result = browser.one(**choose("pair-1", "left"))
    assert result["notice"] == "broken-media flag cleared on pair 1"
    assert judge.labels[["choice", "flags"]].iloc[0].tolist() == ["a", pd.NA]
    browser.judge(broken("pair-1"), broken("pair-1", on=False))
    assert judge.labels.empty and judge.progress["queries_done"] == 0


def test_undo_takes_back_the_last_choice_and_says_where(
    built_bundle: pathlib.Path, data: Any, location: Location
) -> None:
    judge = _judge(data, store=location(), shuffle=False)
    browser = Browser(judge)
    browser.judge(choose("pair-1", "left"))
    browser.judge(choose("pair-2", "tie"))
    result = browser.one(**UNDO)
    assert result["notice"] == "undid: 'tie' on pair 2"
    assert result["undone"] == {"query_id": "pair-2", "index": 1, "item_id": None}
    assert result["queries"]["pair-2"]["states"][0]["side"] is None
    assert judge.labels[["a", "b", "choice"]].values.tolist() == [["i1", "i2", "a"]]
    assert judge.store.labels(task="pair")["other_id"].tolist() == ["i2"]
    assert judge.progress["judged"] == 1
    assert browser.one(**UNDO)["undone"]["index"] == 0
    assert judge.labels.empty and judge.store.labels(task="pair").empty
    assert browser.one(**UNDO)["notice"] == "nothing to undo in this session"


def test_reopening_resumes_at_the_first_open_pair_and_keeps_the_sides(
    built_bundle: pathlib.Path, data: Any, tmp_path: pathlib.Path
) -> None:
    path = tmp_path / "pairs.sqlite"
    judge = _judge(data, store=path)
    sides = judge.shown_pairs()
    Browser(judge).judge(choose("pair-1", "left"), broken("pair-2", item_id="i1"))
    before = judge.labels.copy()
    judge.close()
    again = _judge(data, store=path)
    assert again.query_index == 2
    assert again.progress == {"judged": 2, "total": 3, "queries_done": 2, "n_queries": 3}
    pd.testing.assert_frame_equal(again.labels, before)
    page, _ = Browser(again).page(0)
    assert page["pair"]["side"] == "left"
    assert [c["item_id"] for c in page["candidates"]] == sides.iloc[0][["left", "right"]].tolist()
    # another annotator and another guideline version start from nothing
    assert _judge(data, store=path, annotator="bob").labels.empty
    t = xm.TREC_SCALE
    v2 = _judge(
        data, store=path, scale=xm.Scale(t.levels, name=t.name, version="v2", flags=t.flags)
    )
    assert v2.labels.empty and v2.query_index == 0
    # a grading widget on the same store does not see the pair events as grades
    queries, items, _ = data
    grid = xm.RelevanceGrid(
        queries,
        items,
        pd.DataFrame({"query_id": ["q1"], "item_id": ["i1"]}),
        store=path,
        annotator="ana",
    )
    assert grid.labels.empty


def test_refresh_then_undo_reads_the_pair_again(built_bundle: pathlib.Path, data: Any) -> None:
    judge = _judge(data, shuffle=False)
    browser = Browser(judge)
    browser.judge(choose("pair-1", "left"))
    browser.judge(choose("pair-1", "right"))
    judge.refresh()
    assert judge.labels["choice"].tolist() == ["b"]
    result = browser.one(**UNDO)
    assert result["status"] == "saved"
    assert judge.labels["choice"].tolist() == ["a"]


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (choose("pair-1", "up"), 'side "up" refused: it must be one of left, right, tie'),
        (choose("pair-1", 1), "side 1 refused"),
        ({"op": "choice", "query_id": "pair-1"}, "missing field 'side'"),
        ({"op": "grade", "query_id": "pair-1"}, 'unknown op "grade"'),
        ({"op": "flag", "query_id": "pair-1", "flag": "nope", "on": True}, 'flag "nope" refused'),
        (choose("pair-9", "left"), "unknown query_id 'pair-9'"),
        (choose("", "left"), "field 'query_id' is \"\""),
        (broken("pair-1", item_id="zzz"), "item_id 'zzz' is not an item of pair 1"),
        # a huge id is named, not echoed whole
        (broken("pair-1", item_id="z" * 10_000), "item_id '" + "z" * 77 + "'... is not an item"),
    ],
)
def test_bad_browser_actions_are_refused_with_the_value(
    built_bundle: pathlib.Path, data: Any, action: dict[str, Any], message: str
) -> None:
    judge = _judge(data)
    browser = Browser(judge)
    judge._on_message(judge, {"type": "judge", "actions": [{"request_id": 7, **action}]}, [])
    ack = browser.sent[0][0]
    assert ack["type"] == "ack" and ack["results"][0]["status"] == "refused"
    assert message in ack["results"][0]["notice"], ack["results"][0]["notice"]
    # a malformed action is also reported as an error (no correct front end sends one)
    errors = [content for content, _ in browser.sent[1:]]
    assert all(e["type"] == "error" and message in e["message"] for e in errors)
    assert judge.store.events().empty and judge.labels.empty


def test_notices_say_when_the_last_pairs_are_done(built_bundle: pathlib.Path, data: Any) -> None:
    judge = _judge(data)
    browser = Browser(judge)
    assert browser.one(**choose("pair-1", "left"))["notice"] == ""  # the next pair is on screen
    assert browser.one(**choose("pair-3", "left"))["notice"] == (
        "pair 3 done · 1 pair left · g to go to one"
    )
    assert browser.one(**choose("pair-2", "tie"))["notice"] == "all 3 pairs done"
    judge.advance_on_choice = False
    browser.judge(choose("pair-1", None), choose("pair-2", None))
    assert browser.one(**choose("pair-1", "tie"))["notice"] == "pair 1 done · n for next"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.drop(columns="b"), "pairs is missing column 'b'"),
        (lambda p: p.iloc[:0], "pairs is empty"),
        (lambda p: p.assign(a=["i1", "zz", "i3"]), "pairs.a names 1 id(s) not in items, e.g. 'zz'"),
        (
            lambda p: p.assign(query_id=["q1", "q1", "q9"]),
            "not in queries, e.g. 'q9' (first at row 2)",
        ),
        (
            lambda p: p.assign(a=["i1 ", "i1", "i3"]),
            "pairs.a names 1 id(s) not in items, e.g. 'i1 ' (first at row 0); items has e.g. "
            "'i1', 'i2', 'i3': add them to items or drop those pair rows; the ids differ only by "
            "spaces at the start or end ('i1 ' in pairs, 'i1' in items): strip them, e.g. "
            "pairs['a'] = pairs['a'].str.strip()",
        ),
        (lambda p: p.assign(b=["i2", "i1", "i2"]), "row 1 compares item 'i1' with itself"),
        (
            lambda p: pd.concat([p, p.iloc[[0]]]),
            "comparison of 'i1' and 'i2' for query 'q1' more than once: row 0 ('i1', 'i2'), "
            "row 3 ('i1', 'i2')",
        ),
        (
            lambda p: pd.concat([p, p.iloc[[0]].rename(columns={"a": "b", "b": "a"})]),
            "row 0 ('i1', 'i2'), row 3 ('i2', 'i1')",
        ),
        (lambda p: p.assign(a=[None, "i1", "i3"]), "pairs.a is missing at row 0"),
        (lambda p: p.values, "pairs must be a pandas DataFrame"),
    ],
)
def test_a_bad_pairs_frame_is_refused_naming_the_value(
    built_bundle: pathlib.Path, data: Any, change: Any, message: str
) -> None:
    queries, items, pairs = data
    with pytest.raises(InputError) as info:
        xm.PairwiseJudge(queries, items, change(pairs), store=":memory:", annotator="ana")
    assert message in str(info.value), str(info.value)


def test_choices_give_preference_pairs(built_bundle: pathlib.Path, data: Any) -> None:
    judge = _judge(data)
    sides = judge.shown_pairs()
    Browser(judge).judge(choose("pair-1", "left"), choose("pair-2", "tie"), broken("pair-3"))
    prefs = xm.preferences(judge.store.events())
    left = sides.iloc[0]
    rejected = left["right"]
    assert prefs[["query_id", "chosen", "rejected", "task"]].values.tolist() == [
        ["q1", left["left"], rejected, "pair"]
    ]


def test_a_stored_choice_keeps_its_item_when_the_sides_change(
    built_bundle: pathlib.Path, data: Any, tmp_path: pathlib.Path
) -> None:
    path = tmp_path / "pairs.sqlite"
    fixed = _judge(data, store=path, shuffle=False)  # a on the left everywhere
    Browser(fixed).judge(*(choose(p, "left") for p in fixed.pair_ids))  # a is better
    fixed.close()
    shuffled = _judge(data, store=path)
    sides = shuffled.shown_pairs()
    k = next(k for k in range(3) if sides["left"].iloc[k] == sides["b"].iloc[k])
    page, _ = Browser(shuffled).page(k)
    # a is on the right now: the stored choice "a" shows as "right better"
    assert [c["item_id"] for c in page["candidates"]] == [sides["b"].iloc[k], sides["a"].iloc[k]]
    assert page["pair"]["side"] == "right"
    # the labels keep the side it was judged on until it is judged again
    assert shuffled.labels["left"].iloc[k] == sides["a"].iloc[k]
    Browser(shuffled).judge(choose(shuffled.pair_ids[k], "left"))
    row = shuffled.labels.iloc[k]
    assert (row["choice"], row["left"]) == ("b", sides["b"].iloc[k])


def test_pages_carry_the_concepts_of_the_pairs_query(built_bundle: pathlib.Path, data: Any) -> None:
    concepts = {"red": "the colour of ripe tomatoes", "square": "four equal sides"}
    browser = Browser(_judge(data, concepts=concepts))
    page, _ = browser.page(1)  # pair 2 is of q1, "a red square"
    assert [c["name"] for c in page["concepts"]] == ["red", "square"]
    page, _ = browser.page(2)  # q2: "<b>blue</b>"
    assert "concepts" not in page


def test_added_pairs_carry_the_concepts_of_their_query(
    built_bundle: pathlib.Path, data: Any
) -> None:
    concepts = {"blue": "the colour of a clear sky"}
    judge = _judge(data, concepts=concepts)
    more = pd.DataFrame({"query_id": ["q2", "q1"], "a": ["i1", "i2"], "b": ["t1", "i3"]})
    assert judge.add_pairs(more) == 2
    browser = Browser(judge)
    page, _ = browser.page(3)  # pair 4, added: q2, "<b>blue</b>"
    assert page["query_id"] == "pair-4" and [c["name"] for c in page["concepts"]] == ["blue"]
    page, _ = browser.page(4)  # pair 5, added: q1 mentions none of them
    assert page["query_id"] == "pair-5" and "concepts" not in page


def test_query_roles_are_those_of_the_queries_frame(built_bundle: pathlib.Path, data: Any) -> None:
    queries, items, pairs = data
    queries = queries.assign(poster=[items["image"].iloc[0], None])
    roles = {"text": None, "poster": "image"}
    judge = xm.PairwiseJudge(
        queries, items, pairs, store=":memory:", annotator="ana", query_roles=roles
    )
    page, buffers = Browser(judge).page(0)  # q1: its poster, not its text
    assert [p["kind"] for p in page["query"]["parts"]] == ["image"] and len(buffers) == 3
    with pytest.raises(ValueError, match=r"'nope'.*columns: query_id, text"):
        xm.PairwiseJudge(queries, items, pairs, store=":memory:", query_roles={"nope": "text"})


def test_add_pairs_numbers_new_pairs_after_the_others_and_skips_known_ones(
    built_bundle: pathlib.Path, data: Any
) -> None:
    judge = _judge(data)
    browser = Browser(judge)
    browser.judge(choose("pair-1", "tie"))
    more = pd.DataFrame(
        {"query_id": ["q2", "q1", "q2"], "a": ["i1", "i2", "t1"], "b": ["t1", "i1", "i2"]}
    )
    assert judge.add_pairs(more) == 2  # (q1, i2, i1) is pair 1 the other way round
    assert judge.add_pairs(more.iloc[:0]) == 0  # an empty batch adds nothing
    assert judge.pair_ids[-2:] == ["pair-4", "pair-5"] and judge.n_queries == 5
    assert judge.query_ids == ["q1", "q1", "q2", "q2", "q2"]
    assert judge.progress == {"judged": 1, "total": 5, "queries_done": 1, "n_queries": 5}
    assert judge.goto_query_ids == ["q1", "", "q2", "", ""]
    assert judge.labels["choice"].tolist() == ["tie"]
    page, _ = browser.page(3)
    assert page["query_id"] == "pair-4" and page["query"]["parts"][0]["text"] == "<b>blue</b>"
    assert sorted(c["item_id"] for c in page["candidates"]) == ["i1", "t1"]
    browser.judge(choose("pair-4", "both-bad"))
    assert judge.store.labels(task="pair")[["query_id", "item_id", "other_id"]].values.tolist()[
        -1
    ] == ["q2", "i1", "t1"]
    assert judge.add_pairs(more) == 0
    with pytest.raises(InputError, match="'zz'"):
        judge.add_pairs(pd.DataFrame({"query_id": ["q1"], "a": ["zz"], "b": ["i1"]}))
    with pytest.raises(TypeError, match="add_pairs"):
        judge.add_candidates(pd.DataFrame({"query_id": ["q1"], "item_id": ["i3"]}))


def test_broken_media_marks_the_item_whose_media_fail_not_the_whole_pair(
    built_bundle: pathlib.Path, data: Any, tmp_path: pathlib.Path
) -> None:
    path = tmp_path / "pairs.sqlite"
    judge = _judge(data, store=path, shuffle=False)  # a on the left
    browser = Browser(judge)
    browser.judge(choose("pair-1", "left"), choose("pair-2", "right"))
    # only b's (the right item's) media fail on pair 1
    result = browser.one(**broken("pair-1", item_id="i2"))
    assert result["notice"] == (
        "pair 1: right item flagged broken-media, the pair left out of the preferences · "
        "its choice 'left better' removed"
    )
    state = result["queries"]["pair-1"]["states"][0]
    assert state["broken"] == ["i2"] and state["side"] is None
    assert result["queries"]["pair-1"]["done"] is True
    row = judge.labels.iloc[0]
    assert (row["a"], row["b"], row["broken"], row["flags"]) == ("i1", "i2", "i2", "broken-media")
    assert pd.isna(row["choice"]) and judge.progress["queries_done"] == 2
    # the store says which item: its flag is on the event whose item_id is the broken item
    stored = judge.store.labels(task="pair").set_index(["item_id", "other_id"])
    assert pd.isna(stored.loc[("i1", "i2"), "choice"]) and pd.isna(
        stored.loc[("i1", "i2"), "flags"]
    )
    assert stored.loc[("i2", "i1"), "flags"] == "broken-media"
    assert stored.loc[("i2", "i1"), "shown_position"] == 1  # b was on the right
    # out of the preferences; the other pair's choice is one
    prefs = xm.preferences(judge.store.events())
    assert prefs[["chosen", "rejected"]].values.tolist() == [["t1", "i1"]]
    # a reopened widget reads the same: b broken, the pair handled
    before = judge.labels.copy()
    judge.close()
    again = _judge(data, store=path, shuffle=False)
    pd.testing.assert_frame_equal(  # in the order of the store's current events
        again.labels.sort_values("b", ignore_index=True), before.sort_values("b", ignore_index=True)
    )
    assert again.progress["queries_done"] == 2
    page, _ = Browser(again).page(0)
    assert page["pair"]["broken"] == ["i2"] and page["pair"]["flags"] == ["broken-media"]
    # a second item broken, then one flag removed: the other stays, the pair still handled
    browser = Browser(again)
    browser.judge(broken("pair-1", item_id="i1"))
    broken_of = lambda: again.labels.set_index("b")["broken"]["i2"]  # noqa: E731
    assert broken_of() == "i1,i2"
    result = browser.one(**broken("pair-1", on=False, item_id="i2"))
    assert result["notice"] == "broken-media flag removed from the right item of pair 1"
    assert broken_of() == "i1" and again.progress["queries_done"] == 2
    # undo puts b's flag back (its event is retracted with the pair's)
    assert (
        browser.one(**UNDO)["notice"] == "undid: broken-media removed from the right item of pair 1"
    )
    assert broken_of() == "i1,i2"
    # a choice clears both flags: the media played after all
    browser.judge(choose("pair-1", "right"))
    row = again.labels.set_index("b").loc["i2"]
    assert row["choice"] == "b" and pd.isna(row["broken"]) and pd.isna(row["flags"])
    stored = again.store.labels(task="pair").set_index(["item_id", "other_id"])
    assert pd.isna(stored.loc[("i2", "i1"), "flags"])


def test_broken_media_refuses_an_item_not_in_the_pair(
    built_bundle: pathlib.Path, data: Any
) -> None:
    judge = _judge(data, shuffle=False)
    result = Browser(judge).one(**broken("pair-1", item_id="i3"))
    assert result["status"] == "refused" and "'i3'" in result["notice"]
    assert judge.store.events().empty


def test_broken_media_is_refused_on_a_text_only_item(built_bundle: pathlib.Path, data: Any) -> None:
    judge = _judge(data, shuffle=False)  # pair 2 shows i1 (an image) left of t1 (a caption)
    browser = Browser(judge)
    browser.judge(choose("pair-2", "right"))
    result = browser.one(**broken("pair-2", item_id="t1"))
    assert result["status"] == "refused"
    assert result["notice"] == (
        "broken-media refused: the right item of pair 2 is text only: broken media is for an "
        "image, audio or video that does not load; choose on the text"
    )
    # with no item named (both, as an older view sent it), the text is among them: refused too
    both = browser.one(**broken("pair-2"))
    assert both["status"] == "refused" and "the right item of pair 2 is text only" in both["notice"]
    assert judge.labels["choice"].tolist() == ["b"]  # the choice is kept
    assert judge.store.labels(task="pair")["flags"].isna().all()
    assert browser.one(**broken("pair-2", item_id="i1"))["status"] == "saved"


def test_a_second_judge_of_the_annotator_shows_in_the_first_without_refresh(
    built_bundle: pathlib.Path, data: Any, tmp_path: pathlib.Path
) -> None:
    path = tmp_path / "pairs.sqlite"
    first = _judge(data, store=path, shuffle=False)
    old = Browser(first)
    old.page(0)
    second = _judge(data, store=path, shuffle=False)
    before = len(old.sent)
    Browser(second).judge(choose("pair-1", "right"), broken("pair-2", item_id="i1"))
    # told at once: an ack of no request of the first judge's own carries the stored states
    pushed = old.sent[-1][0]
    assert len(old.sent) == before + 1 and pushed["type"] == "ack" and pushed["results"] == []
    assert pushed["queries"]["pair-1"]["states"][0]["side"] == "right"
    assert pushed["queries"]["pair-2"]["states"][0]["broken"] == ["i1"]
    ack = old.judge(choose("pair-3", "tie"))
    assert ack["progress"]["queries_done"] == 3
    labels = first.labels.set_index(["query_id", "a", "b"])
    assert labels.loc[("q1", "i1", "i2"), "choice"] == "b"
    assert labels.loc[("q1", "i1", "t1"), "broken"] == "i1"
    assert labels.loc[("q2", "i3", "i2"), "choice"] == "tie"


def test_takes_the_widget_options_and_refuses_a_misspelt_one(
    built_bundle: pathlib.Path, data: Any
) -> None:
    # ipywidgets' own options (layout, tooltip...) pass through, as for RelevanceGrid
    judge = _judge(data, layout={"width": "600px"}, tooltip="pairs of q1")
    assert judge.layout.width == "600px"
    assert judge.tooltip == "pairs of q1"
    with pytest.raises(TypeError, match="'advance_on_choise' \\(did you mean 'advance_on_choice'"):
        _judge(data, advance_on_choise=False)
    # the kernel's facts are not options: where it opens, what it has judged
    for fact in ({"query_index": 3}, {"progress": {}}, {"keys": 1}):
        with pytest.raises(TypeError, match=f"unknown option.*{next(iter(fact))}"):
            _judge(data, **fact)
