"""RelevanceGrid without a browser: the browser's messages are simulated, as the front end sends them.

Asserts on what lands in the store and in ``grid.labels``, and on what the kernel sends back.

The tests that touch the store (durability, resume, two widgets on one store, undo, imported
labels, what an event records) take the ``location`` fixture of ``conftest.py`` and run on SQLite
and on PostgreSQL. The others (page building, media, input checks, the comm path) exercise the
kernel's in-memory state and the UI messages: the store only receives their events, so they run
on SQLite ``":memory:"`` only, which keeps them fast and adds nothing a second backend could fail.
"""

from __future__ import annotations

import json
import pathlib
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest
from PIL import Image

import xmwidgets as xm
from xmwidgets.widgets._checks import InputError

if TYPE_CHECKING:
    from conftest import Location


@pytest.fixture
def frames(tmp_path: pathlib.Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    paths = []
    for i, colour in enumerate(["red", "green", "blue", "yellow"]):
        p = tmp_path / f"img{i}.png"
        Image.new("RGB", (640, 480), colour).save(p)
        paths.append(str(p))
    queries = pd.DataFrame(
        {"query_id": ["q1", "q2", "q3"], "text": ["a red square", "<b>green</b>", "blue"]}
    )
    items = pd.DataFrame(
        {
            "item_id": ["i1", "i2", "i3", "i4", "t1"],
            "image": [*paths, None],
            "text": [None, None, None, None, "<script>alert(1)</script> a caption"],
        }
    )
    candidates = pd.DataFrame(
        {
            "query_id": ["q1", "q1", "q1", "q2", "q2", "q3"],
            "item_id": ["i1", "i2", "t1", "i2", "i3", "i4"],
            "source": ["run:a", "run:a", "random", "run:b", "run:b", "run:a"],
            "score": [0.9, 0.5, 0.1, 0.8, 0.7, 0.4],
            "rank": [1, 2, 9, 1, 2, 1],
        }
    )
    return queries, items, candidates


class Browser:
    """Plays the front end: sends messages to the widget and collects what the kernel sends back."""

    def __init__(self, grid: xm.RelevanceGrid) -> None:
        self.grid = grid
        self.sent: list[tuple[dict[str, Any], list[bytes]]] = []
        self._request = 0
        grid.send = lambda content, buffers=None: self.sent.append((content, list(buffers or [])))  # type: ignore[method-assign]

    def next_id(self) -> int:
        self._request += 1
        return self._request

    def __call__(self, message: Any, buffers: list[Any] | None = None) -> dict[str, Any]:
        """Send one message as is (a dict gets a request_id); returns the kernel's last reply."""
        if isinstance(message, dict) and "request_id" not in message:
            message = {"request_id": self.next_id(), **message}
        before = len(self.sent)
        self.grid._on_message(self.grid, message, buffers or [])
        self.grid.wait_for_pages()  # pages are built and sent on the page thread
        assert len(self.sent) == before + 1, self.sent[before:]  # one reply per message
        return self.sent[-1][0]

    def page(self, index: int) -> tuple[dict[str, Any], list[bytes]]:
        reply = self({"type": "page", "index": index})
        assert reply["type"] == "page", reply
        return reply["page"], self.sent[-1][1]

    def judge(self, *actions: dict[str, Any]) -> dict[str, Any]:
        """Send one judge batch; returns the ack (checked to be the only reply)."""
        batch = [{"request_id": self.next_id(), "duration_ms": 10, **a} for a in actions]
        ack = self({"type": "judge", "actions": batch})
        assert ack["type"] == "ack", ack
        assert [r["request_id"] for r in ack["results"]] == [a["request_id"] for a in batch]
        return ack

    def one(self, **action: Any) -> dict[str, Any]:
        """Send one action; returns its result with the ack's queries and progress."""
        ack = self.judge(action)
        return {**ack["results"][0], "queries": ack["queries"], "progress": ack["progress"]}


def grade(query_id: str, item_id: str, relevance: Any, **more: Any) -> dict[str, Any]:
    return {"op": "grade", "query_id": query_id, "item_id": item_id, "relevance": relevance, **more}


def best(query_id: str, item_id: str, on: bool = True) -> dict[str, Any]:
    return {"op": "best", "query_id": query_id, "item_id": item_id, "best": on}


def none(query_id: str, on: bool = True) -> dict[str, Any]:
    return {"op": "none", "query_id": query_id, "none_relevant": on}


def flag(
    query_id: str, item_id: str, on: bool = True, name: str = "broken-media"
) -> dict[str, Any]:
    return {"op": "flag", "query_id": query_id, "item_id": item_id, "flag": name, "on": on}


UNDO = {"op": "undo"}


def make_grid(
    frames: tuple[pd.DataFrame, ...], store: Any = ":memory:", **kwargs: Any
) -> xm.RelevanceGrid:
    queries, items, candidates = frames
    return xm.RelevanceGrid(queries, items, candidates, store=store, annotator="ana", **kwargs)


def test_opens_with_scale_progress_and_first_query(built_bundle: pathlib.Path, frames: Any) -> None:
    grid = make_grid(frames)
    assert grid.n_queries == 3 and grid.query_index == 0
    assert grid.progress == {"judged": 0, "total": 6, "queries_done": 0, "n_queries": 3}
    assert [lv["name"] for lv in grid.scale["levels"]] == [
        "not relevant",
        "related",
        "partially relevant",
        "exact match",
    ]
    assert grid.labels.empty and list(grid.labels.columns)[:3] == [
        "query_id",
        "item_id",
        "relevance",
    ]


def test_page_carries_media_as_bytes_and_text_literally(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    grid = make_grid(frames)
    page, buffers = Browser(grid).page(0)
    assert page["query_id"] == "q1" and page["query"]["parts"][0]["text"] == "a red square"
    assert sorted(c["item_id"] for c in page["candidates"]) == ["i1", "i2", "t1"]
    assert [c["shown_position"] for c in page["candidates"]] == [0, 1, 2]
    by_id = {c["item_id"]: c for c in page["candidates"]}
    image = by_id["i1"]["parts"][0]
    assert image["kind"] == "image" and max(image["width"], image["height"]) <= 320
    data = buffers[image["data"]]
    assert isinstance(data, bytes) and data[:2] == b"\xff\xd8" and len(data) < 60_000
    assert by_id["t1"]["parts"][0] == {
        "column": "text",
        "kind": "text",
        "text": "<script>alert(1)</script> a caption",
    }
    assert all("meta" not in c for c in page["candidates"])  # blind by default


def test_grade_is_durable_then_acknowledged_and_in_labels(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    grid = make_grid(frames, store=location.where, shuffle=False)  # the grid opens the URL/path
    location.track(grid.store)
    labels = grid.labels
    browser = Browser(grid)
    ack = browser.judge(grade("q1", "i2", 3, duration_ms=850))
    assert ack["results"] == [
        {
            "request_id": ack["results"][0]["request_id"],
            "status": "saved",
            "query_id": "q1",
            "notice": "",
        }
    ]
    assert ack["queries"] == {
        "q1": {
            "index": 0,
            "states": [{"item_id": "i2", "relevance": 3, "best": False, "flags": [], "note": None}],
            "none_relevant": False,
            "query_flags": [],
            "query_note": None,
            "done": False,
            "judged": 1,
            "total": 3,
        }
    }
    assert ack["progress"] == {"judged": 1, "total": 6, "queries_done": 0, "n_queries": 3}
    # the same DataFrame object now holds the judgement
    assert labels is grid.labels and len(labels) == 1
    row = labels.iloc[0]
    assert (row.query_id, row.item_id, row.relevance, row.annotator) == ("q1", "i2", 3, "ana")
    assert str(labels["relevance"].dtype) == "Int8" and row.duration_ms == 850
    assert row.shown_position == 1  # the kernel's position of i2, not the browser's word
    assert row.guideline_version == "trec-0-3@1" and row.created_at.tzinfo is not None
    # another connection to the store sees the event
    events = location().events()
    assert events[["task", "query_id", "item_id", "relevance"]].values.tolist() == [
        ["grade", "q1", "i2", 3]
    ]
    assert grid.progress["judged"] == 1


def test_regrade_updates_row_in_place_and_undo_restores(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    grid = make_grid(frames, store=location(), shuffle=False)
    browser = Browser(grid)
    browser.judge(grade("q1", "i1", 1))
    browser.judge(grade("q1", "i1", 2))
    assert grid.labels["relevance"].tolist() == [2]
    result = browser.one(**UNDO)
    assert result["notice"] == "undid: grade 'partially relevant' on candidate 1 of query 1"
    assert result["undone"] == {"query_id": "q1", "index": 0, "item_id": "i1"}
    assert result["queries"]["q1"]["states"] == [
        {"item_id": "i1", "relevance": 1, "best": False, "flags": [], "note": None}
    ]
    assert grid.labels["relevance"].tolist() == [1]
    assert grid.store.labels()["relevance"].tolist() == [1]  # the store agrees with the view
    result = browser.one(**UNDO)
    assert result["queries"]["q1"]["states"][0]["relevance"] is None and grid.labels.empty
    events = grid.store.events()
    assert len(events) == 4 and events["retracts"].notna().sum() == 2  # history is kept
    result = browser.one(**UNDO)
    assert result["status"] == "refused" and result["notice"] == "nothing to undo in this session"


def test_best_is_exclusive_and_recorded_with_the_kernels_shown_order(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    grid = make_grid(frames, store=location())
    browser = Browser(grid)
    shown = list(grid.shown_candidates("q1")["item_id"])
    browser.judge(grade("q1", "i1", 3), grade("q1", "i2", 2), best("q1", "i1"))
    ack = browser.judge(best("q1", "i2"))
    states = {s["item_id"]: s["best"] for s in ack["queries"]["q1"]["states"]}
    assert states == {"i1": False, "i2": True}
    position = {item: k + 1 for k, item in enumerate(shown)}
    assert ack["results"][0]["notice"] == (
        f"best pick moved from candidate {position['i1']} to candidate {position['i2']}"
    )
    assert grid.labels.set_index("item_id")["best"].to_dict() == {"i1": False, "i2": True}
    picks = grid.store.events(task="pick")
    assert json.loads(picks["shown"].iloc[-1]) == shown  # "chosen over" pairs are recoverable


def test_bad_actions_are_refused_and_lose_nothing(built_bundle: pathlib.Path, frames: Any) -> None:
    grid = make_grid(frames)
    browser = Browser(grid)
    browser.judge(grade("q1", "i1", 2))
    for action, text in [
        (grade("q1", "i1", 7), "relevance 7 refused: this scale takes the level values 0, 1, 2, 3"),
        (grade("q1", "i4", 1), "item_id 'i4' is not a candidate of query 'q1'"),
        (grade("nope", "i4", 1), "unknown query_id 'nope'"),
    ]:
        result = browser.one(**action)
        assert result["status"] == "refused" and text in result["notice"], result
    for message, text in [
        ({"type": "page", "index": 99}, "out of range"),
        ({"type": "launch-missiles"}, "unknown message type"),
    ]:
        reply = browser(message)
        assert reply["type"] == "error" and text in reply["message"], reply
    assert grid.labels["relevance"].tolist() == [2] and len(grid.store.events()) == 1


def test_memoryview_buffers_and_set_state_from_browser(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    grid = make_grid(frames)
    browser = Browser(grid)
    # browser -> kernel buffers arrive as memoryview; a page request with one must still work
    reply = browser({"type": "page", "index": 1}, [memoryview(b"\x00\x01")])
    assert reply["page"]["query_id"] == "q2"
    grid.set_state({"query_index": 2})
    assert grid.query_index == 2


def test_resume_opens_at_first_unfinished_query(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    first = location()
    grid = make_grid(frames, store=first)
    browser = Browser(grid)
    browser.judge(*[grade("q1", item_id, 0) for item_id in ["i1", "i2", "t1"]])
    browser.judge(grade("q2", "i3", 3), best("q2", "i3"))
    grid.close()
    first.close()  # a kernel restart: a new connection reads what the old one wrote
    again = make_grid(frames, store=location())
    assert again.query_index == 1  # q1 is finished, q2 is not
    assert len(again.labels) == 4
    assert again.progress == {"judged": 4, "total": 6, "queries_done": 1, "n_queries": 3}
    page, _ = Browser(again).page(1)
    assert {c["item_id"]: (c["relevance"], c["best"]) for c in page["candidates"]} == {
        "i2": (None, False),
        "i3": (3, True),
    }
    # the resumed state is the one the rules work on: best moves, R2 clears it
    result = Browser(again).one(**grade("q2", "i3", 0))
    assert "best pick cleared" in result["notice"]
    assert again.labels.set_index("item_id").loc["i3", "best"] == False  # noqa: E712


def test_imported_labels_show_as_judged(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    store = location()
    store.import_labels(
        pd.DataFrame({"query_id": ["q3"], "item_id": ["i4"], "relevance": [2]}), annotator="ana"
    )
    grid = make_grid(frames, store=store)
    assert grid.progress["judged"] == 1 and grid.labels["item_id"].tolist() == ["i4"]
    page, _ = Browser(grid).page(2)
    assert page["candidates"][0]["relevance"] == 2


def test_shown_order_is_shuffled_per_annotator_and_recorded(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    queries, items, _ = frames
    candidates = pd.DataFrame({"query_id": "q1", "item_id": ["i1", "i2", "i3", "i4", "t1"]})
    orders = {
        a: list(
            xm.RelevanceGrid(
                queries, items, candidates, store=":memory:", annotator=a
            ).shown_candidates("q1")["item_id"]
        )
        for a in ["ana", "ben", "cy", "dee"]
    }
    assert all(sorted(o) == ["i1", "i2", "i3", "i4", "t1"] for o in orders.values())
    assert len({tuple(o) for o in orders.values()}) > 1
    kept = xm.RelevanceGrid(
        queries, items, candidates, store=":memory:", annotator="ana", shuffle=False
    )
    assert list(kept.shown_candidates("q1")["item_id"]) == ["i1", "i2", "i3", "i4", "t1"]


def test_show_sources_adds_meta(built_bundle: pathlib.Path, frames: Any) -> None:
    grid = make_grid(frames, show_sources=True, shuffle=False)
    page, _ = Browser(grid).page(0)
    assert page["candidates"][0]["meta"] == {"sources": ["run:a"], "rank": 1, "score": 0.9}


def test_broken_media_is_an_error_tile_not_a_broken_widget(
    built_bundle: pathlib.Path, frames: Any, tmp_path: pathlib.Path
) -> None:
    queries, items, candidates = frames
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    items = items.copy()
    items.loc[1, "image"] = str(empty)
    items.loc[2, "image"] = str(tmp_path / "missing.png")
    grid = xm.RelevanceGrid(
        queries, items, candidates, store=":memory:", annotator="ana", shuffle=False
    )
    page, _ = Browser(grid).page(1)
    kinds = {c["item_id"]: c["parts"][0]["kind"] for c in page["candidates"]}
    assert kinds == {"i2": "error", "i3": "error"}
    assert all(c["parts"][0]["error"] for c in page["candidates"])
    page, _ = Browser(grid).page(0)
    assert {c["item_id"]: c["parts"][0]["kind"] for c in page["candidates"]}["i1"] == "image"


def test_an_item_with_nothing_to_show_says_so_and_an_empty_caption_is_no_part(
    built_bundle: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    png = tmp_path / "red.png"
    Image.new("RGB", (64, 48), "red").save(png)
    queries = pd.DataFrame({"query_id": ["q1"], "text": ["a query"]})
    items = pd.DataFrame(
        {
            "item_id": ["blank", "none", "captioned", "image only", "long caption"],
            "text": ["  ", None, "a caption", "", "word " * 1000],
            "image": [None, None, None, str(png), str(png)],
        }
    )
    candidates = pd.DataFrame({"query_id": "q1", "item_id": items["item_id"]})
    grid = xm.RelevanceGrid(
        queries, items, candidates, store=":memory:", annotator="ana", shuffle=False
    )
    page, _ = Browser(grid).page(0)
    parts = {c["item_id"]: c["parts"] for c in page["candidates"]}
    for empty in ("blank", "none"):
        (part,) = parts[empty]
        assert part["kind"] == "error" and f"give {empty!r} a text or a media file" in part["error"]
    assert [p["kind"] for p in parts["captioned"]] == ["text"]
    assert [p["kind"] for p in parts["image only"]] == ["image"]  # no empty text part above it
    # the text column comes first in the frame, the image first on the tile (a long caption
    # would hide it in the tile's box)
    assert [p["kind"] for p in parts["long caption"]] == ["image", "text"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda q, i, c: (q.drop(columns="query_id"), i, c),
            "queries is missing column 'query_id'",
        ),
        (lambda q, i, c: (q, i.drop(columns=["image", "text"]), c), "add a content column"),
        (lambda q, i, c: (pd.concat([q, q.iloc[:1]]), i, c), "duplicate query_id 'q1'"),
        (
            lambda q, i, c: (
                q,
                i,
                pd.concat([c, pd.DataFrame({"query_id": ["q9"], "item_id": ["i1"]})]),
            ),
            "not in queries, e.g. 'q9'",
        ),
        (
            lambda q, i, c: (
                q,
                i,
                pd.concat([c, pd.DataFrame({"query_id": ["q1"], "item_id": ["zz"]})]),
            ),
            "not in items, e.g. 'zz'",
        ),
        (
            lambda q, i, c: (q, i, c.drop(columns="item_id")),
            "candidates is missing column 'item_id'",
        ),
        (lambda q, i, c: (q, i, "not a frame"), "must be a pandas DataFrame"),
    ],
)
def test_bad_frames_get_clear_errors(
    built_bundle: pathlib.Path, frames: Any, mutate: Any, message: str
) -> None:
    queries, items, candidates = mutate(*frames)
    with pytest.raises(InputError, match=message):
        xm.RelevanceGrid(queries, items, candidates, store=":memory:", annotator="ana")


def test_unknown_ids_show_what_the_other_frame_holds_and_why_they_differ(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    queries, items, candidates = frames
    # a query_id column read as floats ('1.0') against candidates with integer ids ('1'): refused
    # up front, as import_labels refuses it (consistent floats were stored as '1.0', which no run
    # or qrels id matches)
    float_queries = pd.DataFrame({"query_id": [1.0, 2.0], "text": ["a", "b"]})
    pool = pd.DataFrame({"query_id": [1, 2], "item_id": ["i1", "i2"]})
    with pytest.raises(InputError) as floats:
        xm.RelevanceGrid(float_queries, items, pool, store=":memory:", annotator="ana")
    assert str(floats.value) == (
        "queries.query_id holds floats that are whole numbers (1.0, 2.0): as text they would be "
        "stored as '1.0', '2.0', which match no id '1' as read_qrels, read_run or a column of str "
        "give it; convert the column first, e.g. queries['query_id'] = "
        "queries['query_id'].astype('Int64').astype(str) (or .astype(str) if '1.0' is meant)"
    )
    # the candidates' side read as floats
    with pytest.raises(InputError, match=r"candidates\.item_id holds floats that are whole"):
        xm.RelevanceGrid(
            queries,
            items.assign(item_id=["1", "2", "3", "4", "5"]),
            pd.DataFrame({"query_id": ["q1"], "item_id": [1.0]}),
            store=":memory:",
            annotator="ana",
        )
    # ids such as 1.5 are what they look like
    halves = pd.DataFrame({"query_id": [1.5], "text": ["a"]})
    xm.RelevanceGrid(
        halves, items, pd.DataFrame({"query_id": [1.5], "item_id": ["i1"]}), store=":memory:"
    )
    # a space at the end of an id
    with pytest.raises(InputError) as spaces:
        xm.RelevanceGrid(
            queries,
            items,
            candidates.assign(item_id=candidates["item_id"] + " "),
            store=":memory:",
            annotator="ana",
        )
    message = str(spaces.value)
    assert "e.g. 'i1 ', 'i2 ', 't1 ' (items has e.g. 'i1', 'i2', 'i3')" in message
    assert message.endswith(
        "the ids differ only by spaces at the start or end ('i1 ' in candidates, 'i1' in "
        "items): strip them, e.g. candidates['item_id'] = candidates['item_id'].str.strip()"
    )
    # ids that are just other ids: no hint
    with pytest.raises(InputError) as plain:
        xm.RelevanceGrid(
            queries, items, candidates.assign(query_id="q9"), store=":memory:", annotator="ana"
        )
    assert str(plain.value).endswith(
        "(queries has e.g. 'q1', 'q2', 'q3'): add them to queries or drop those rows of candidates"
    )


def test_no_content_column_says_why_a_media_column_was_left_out(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    queries, _, _ = frames
    # one cell of an image column is a folder: a tie of image paths and other short strings
    items = pd.DataFrame({"item_id": ["x0", "x1"], "m": ["/data/imgs/", "/data/imgs/ok.png"]})
    pool = pd.DataFrame({"query_id": ["q1", "q1"], "item_id": ["x0", "x1"]})
    with pytest.raises(xm.media.MediaError) as info:
        xm.RelevanceGrid(queries, items, pool, store=":memory:", annotator="ana")
    assert str(info.value) == (
        "no content column in items (columns: item_id, m): column 'm' was not taken as image: "
        "of its 2 cells, 1 image path but 1 is no media file ('/data/imgs/' at row 0: a folder, "
        "not a file), so the column reads as metadata; fix those cells (a cell must name one "
        "file), or pass item_roles={'m': 'image'} to show it as image (a cell that is no image "
        "file then shows an error tile, which the annotator marks broken-media)"
    )
    # as it says: named, the column is shown as images
    grid = xm.RelevanceGrid(
        queries, items, pool, store=":memory:", annotator="ana", item_roles={"m": "image"}
    )
    assert grid.n_queries == 1
    # no media at all: it says to name the content, with the widget's parameter
    with pytest.raises(xm.media.MediaError, match=r"name the content with query_roles, e\.g\."):
        xm.RelevanceGrid(
            pd.DataFrame({"query_id": ["q1"], "score": [0.5]}),
            items,
            pool,
            store=":memory:",
            annotator="ana",
            item_roles={"m": "image"},
        )


def test_unknown_modality_is_a_clear_error(built_bundle: pathlib.Path, frames: Any) -> None:
    queries, items, candidates = frames
    with pytest.raises(ValueError, match="unknown modality 'smell'"):
        xm.RelevanceGrid(
            queries,
            items,
            candidates,
            store=":memory:",
            annotator="ana",
            item_roles={"image": "smell"},
        )


def test_repeated_pairs_are_merged_with_their_sources(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    queries, items, candidates = frames
    doubled = pd.concat([candidates, candidates.iloc[:1].assign(source="knn", rank=5)])
    with pytest.warns(UserWarning, match="1 repeated"):
        grid = xm.RelevanceGrid(
            queries,
            items,
            doubled,
            store=":memory:",
            annotator="ana",
            show_sources=True,
            shuffle=False,
        )
    page, _ = Browser(grid).page(0)
    assert (
        page["candidates"][0]["meta"]["sources"] == ["run:a", "knn"] and grid.progress["total"] == 6
    )


def test_two_widgets_on_one_store_lose_nothing(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    # each widget has its own connection, as two notebooks would
    ana = make_grid(frames, store=location())
    ben = xm.RelevanceGrid(*frames, store=location(), annotator="ben")
    a, b = Browser(ana), Browser(ben)
    for i, item_id in enumerate(["i1", "i2", "t1"]):
        a.judge(grade("q1", item_id, i))
        b.judge(grade("q1", item_id, 3 - i))
    labels = location().labels()
    assert sorted(labels["annotator"].value_counts().items()) == [("ana", 3), ("ben", 3)]
    assert len(ana.labels) == 3 and len(ben.labels) == 3


def test_continuous_scale_stores_magnitude(built_bundle: pathlib.Path, frames: Any) -> None:
    grid = make_grid(frames, scale=xm.Scale.continuous(0, 100, step=0.5))
    assert grid.scale["continuous"] is True and grid.scale["levels"] == []
    browser = Browser(grid)
    result = browser.one(**grade("q1", "i1", 42.5))
    assert result["queries"]["q1"]["states"][0]["relevance"] == 42.5
    row = grid.labels.iloc[0]
    assert row.magnitude == 42.5 and pd.isna(row.relevance)
    assert grid.progress["judged"] == 1
    result = browser.one(**grade("q1", "i2", 120))
    assert result["status"] == "refused"
    assert result["notice"] == "relevance 120 refused: this scale takes a number from 0 to 100"


def test_a_file_that_is_not_a_store_is_refused_and_left_alone(
    built_bundle: pathlib.Path, frames: Any, tmp_path: pathlib.Path
) -> None:
    notes = tmp_path / "notes.sqlite"
    notes.write_text("my precious notes, not a database\n")
    with pytest.raises(xm.StoreError, match=r"notes\.sqlite"):
        make_grid(frames, store=str(notes))
    assert notes.read_text() == "my precious notes, not a database\n"


def test_a_judgement_reads_nothing_back_and_sends_one_message(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    grid = make_grid(frames)
    browser = Browser(grid)
    browser.page(0)  # the page loads the query's state once

    def no_reads(**_: Any) -> pd.DataFrame:
        raise AssertionError("a judgement must not re-read the store")

    grid.store.labels = no_reads  # type: ignore[method-assign]
    grid.store.events = no_reads  # type: ignore[method-assign]
    updates: list[dict[str, Any]] = []
    grid._send = lambda msg, buffers=None: updates.append(msg)  # type: ignore[method-assign]
    before = len(browser.sent)
    ack = browser.judge(grade("q1", "i1", 3), best("q1", "i1"), grade("q1", "i2", 0))
    assert len(browser.sent) == before + 1 and ack["progress"]["judged"] == 2
    # no state update message either: the ack carries the progress, the trait is kept quietly
    assert updates == [] and grid.progress == ack["progress"]
    assert len(grid.labels) == 2


def test_through_the_comm_as_jupyter_delivers_it(built_bundle: pathlib.Path, frames: Any) -> None:
    """The whole ipywidgets path: comm message in, exactly the packed messages out."""
    grid = make_grid(frames)
    out: list[dict[str, Any]] = []

    def publish(
        msg_type: str, data: Any = None, metadata: Any = None, buffers: Any = None, **_: Any
    ) -> None:
        # as jupyter_client packs it: strict JSON, UTF-8
        json.dumps(data, allow_nan=False, ensure_ascii=False).encode("utf-8")
        out.append(data)

    grid.comm.publish_msg = publish  # type: ignore[union-attr]

    def deliver(data: dict[str, Any]) -> list[dict[str, Any]]:
        before = len(out)
        grid._handle_msg({"content": {"data": data}, "buffers": []})
        grid.wait_for_pages()
        return out[before:]

    action = {**grade("q1", "i1", 2), "request_id": 1, "duration_ms": 400}
    sent = deliver({"method": "custom", "content": {"type": "judge", "actions": [action]}})
    assert [m["method"] for m in sent] == ["custom"]
    assert sent[0]["content"]["type"] == "ack" and sent[0]["content"]["progress"]["judged"] == 1
    sent = deliver({"method": "custom", "content": {"type": "page", "request_id": 2, "index": 0}})
    assert [m["content"]["type"] for m in sent] == ["page"]
    # a state update: query_index is taken (and echoed), annotator reverted with the kernel's value
    sent = deliver(
        {"method": "update", "state": {"query_index": 2, "annotator": "eve"}, "buffer_paths": []}
    )
    assert grid.query_index == 2 and grid.annotator == "ana"
    states = {k: v for m in sent for k, v in m.get("state", {}).items()}
    assert states["annotator"] == "ana" and states["query_index"] == 2
    sent = deliver({"method": "custom", "content": "not an object"})
    assert sent[0]["content"]["type"] == "error"


def test_an_undo_after_another_widget_judged_the_pair_shows_what_the_store_holds(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    # g2 grades i1, g1 (the same annotator, another cell) grades it again, then g2 undoes its own
    # grade: the store keeps g1's grade, and g2 must show that, not the pair as before its grade
    store = location()
    second = Browser(make_grid(frames, store=store, shuffle=False))
    second.judge(grade("q1", "i2", 1), grade("q1", "i1", 3))  # z takes back the last: i1
    first = Browser(make_grid(frames, store=store, shuffle=False))
    first.judge(grade("q1", "i1", 0))
    ack = second.judge(UNDO, grade("q1", "t1", 2))  # typed ahead after the undo
    assert ack["results"][0]["status"] == "saved"
    states = {s["item_id"]: s["relevance"] for s in ack["queries"]["q1"]["states"]}
    assert states["i1"] == 0 and states["i2"] == 1 and states["t1"] == 2
    labels = second.grid.labels.set_index("item_id")["relevance"].to_dict()
    assert labels == {"i1": 0, "i2": 1, "t1": 2}
    stored = second.grid.store.labels(annotator="ana").set_index("item_id")["relevance"]
    assert stored.to_dict() == labels
    # undoing the last grade of g2 itself (nobody else touched t1) still takes it back
    ack = second.judge(UNDO)
    assert {s["item_id"]: s["relevance"] for s in ack["queries"]["q1"]["states"]}["t1"] is None
    assert "t1" not in set(second.grid.labels["item_id"])


def test_a_write_in_one_widget_is_pushed_to_its_siblings_views_at_once(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    # the first grid's view holds q1 cached: n/p there send nothing, so the kernel must tell it
    store = location()
    old = Browser(make_grid(frames, store=store, shuffle=False))
    old.page(0)
    new = Browser(make_grid(frames, store=store, shuffle=False))
    before = len(old.sent)
    new.judge(grade("q1", "i1", 3))
    pushed = [content for content, _ in old.sent[before:]]
    assert [m["type"] for m in pushed] == ["ack"] and pushed[0]["results"] == []
    states = {s["item_id"]: s["relevance"] for s in pushed[0]["queries"]["q1"]["states"]}
    assert states["i1"] == 3 and pushed[0]["progress"]["judged"] == 1
    assert old.grid.labels.set_index("item_id")["relevance"].to_dict() == {"i1": 3}
    # an undo there too, and nothing for a widget of another annotator
    queries, items, candidates = frames
    other = Browser(xm.RelevanceGrid(queries, items, candidates, store=store, annotator="bo"))
    before, before_other = len(old.sent), len(other.sent)
    new.judge(UNDO)
    states = {s["item_id"]: s["relevance"] for s in old.sent[-1][0]["queries"]["q1"]["states"]}
    assert len(old.sent) == before + 1 and states["i1"] is None
    assert old.grid.labels.empty
    assert len(other.sent) == before_other
    # a refused key writes nothing: no message to the siblings
    before = len(old.sent)
    new.judge(grade("q1", "nope", 1))
    assert len(old.sent) == before


def test_a_second_widget_of_the_annotator_shows_in_the_first_without_refresh(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    # a cell run again: a second grid of ana on the store while the first is still on screen
    first = make_grid(frames, store=location(), shuffle=False)
    old = Browser(first)
    old.page(0)
    old.judge(grade("q1", "i1", 1))
    second = make_grid(frames, store=location(), shuffle=False)
    new = Browser(second)
    before = len(old.sent)
    new.judge(grade("q1", "i1", 3), grade("q1", "i2", 2), best("q1", "i1"))
    new.judge(grade("q2", "i2", 0))
    # the first grid's view is told at once (an ack of no request of its own), and its next
    # acknowledgement says the rest: its view adopts them
    ack = old.judge(grade("q1", "t1", 0))
    states = {
        s["item_id"]: s
        for content, _ in old.sent[before:]
        if content["type"] == "ack" and "q1" in content["queries"]
        for s in content["queries"]["q1"]["states"]
    }
    assert {i: states[i]["relevance"] for i in ("i1", "i2", "t1")} == {"i1": 3, "i2": 2, "t1": 0}
    assert states["i1"]["best"] is True
    assert ack["progress"]["judged"] == 4 and ack["progress"]["queries_done"] == 1
    labels = first.labels.set_index(["query_id", "item_id"])["relevance"]
    assert labels.to_dict() == {("q1", "i1"): 3, ("q1", "i2"): 2, ("q1", "t1"): 0, ("q2", "i2"): 0}
    # a page it serves shows the stored state too (q2 was never loaded by the first grid)
    page, _ = old.page(1)
    assert {c["item_id"]: c["relevance"] for c in page["candidates"]} == {"i2": 0, "i3": None}
    # and the second sees the first's judgement the same way
    page, _ = new.page(0)
    assert {c["item_id"]: c["relevance"] for c in page["candidates"]}["t1"] == 0
    # nothing new from others: the log is not read (the newest event id says so)

    def no_reads(**_: Any) -> pd.DataFrame:
        raise AssertionError("nothing new: the widget must not read the event log")

    first.store.events = no_reads  # type: ignore[method-assign]
    assert old.judge(grade("q3", "i4", 1))["results"][0]["status"] == "saved"
    old.page(2)
