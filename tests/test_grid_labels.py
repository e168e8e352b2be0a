"""``grid.labels`` as an analyst expects it, and the constructor's checks of its inputs."""

from __future__ import annotations

import json
import pathlib
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest
import traitlets
from test_grid import UNDO, Browser, best, flag, frames, grade, make_grid, none

import xmwidgets as xm
from xmwidgets.widgets._checks import InputError

if TYPE_CHECKING:
    from conftest import Location

__all__ = ["frames"]  # the fixture, imported for pytest

# The tests that read the labels frame back from a store (after undo, on resume, after refresh,
# from imported or older events) take ``location`` and run on SQLite and on PostgreSQL. The
# input checks, the lazy frame and the IPython hook are about the kernel's in-memory frame and
# run on SQLite ":memory:" only.

DTYPES = {
    "query_id": "string",
    "item_id": "string",
    "relevance": "Int8",
    "magnitude": "Float64",
    "best": "boolean",
    "none_relevant": "boolean",
    "flags": "string",
    "note": "string",
    "annotator": "string",
    "campaign": "string",
    "guideline_version": "string",
    "shown_position": "Int32",
    "duration_ms": "Int64",
    "created_at": "datetime64[ns, UTC]",
}


def _check_shape(labels: pd.DataFrame) -> None:
    assert {c: str(t) for c, t in labels.dtypes.items()} == DTYPES
    assert isinstance(labels.index, pd.RangeIndex) and labels.index.tolist() == list(
        range(len(labels))
    )
    assert labels["best"].notna().all()  # True or False, never <NA>


@pytest.mark.parametrize("storage", ["python", "pyarrow"])
def test_labels_columns_best_flags_and_no_gaps_after_undo(
    built_bundle: pathlib.Path, frames: Any, location: Location, storage: str
) -> None:
    with pd.option_context("mode.string_storage", storage):
        grid = make_grid(frames, store=location(), shuffle=False)
        labels = grid.labels
        browser = Browser(grid)
        browser.judge(grade("q1", "i1", 3), best("q1", "i1"), grade("q1", "t1", 1))
        browser.judge(flag("q1", "i2"), grade("q2", "i2", 0))
        browser.judge(grade("q2", "i3", 0), none("q2"))
        assert grid.labels is labels
        _check_shape(labels)
        table = labels.astype(object).where(labels.notna(), None)
        assert table[
            ["query_id", "item_id", "relevance", "best", "none_relevant", "flags"]
        ].values.tolist() == [
            ["q1", "i1", 3, True, False, None],
            ["q1", "t1", 1, False, False, None],
            ["q1", "i2", None, False, False, "broken-media"],
            ["q2", "i2", 0, False, True, None],
            ["q2", "i3", 0, False, True, None],
        ]
        # undo a row in the middle: the index stays 0..n-1, the object stays the same
        browser.judge(UNDO, UNDO, UNDO)  # none (nothing new graded), q2/i3, q2/i2
        browser.judge(UNDO)  # the broken-media flag of i2
        assert grid.labels is labels and labels["item_id"].tolist() == ["i1", "t1"]
        _check_shape(labels)
        assert labels.index.equals(pd.RangeIndex(2))
        browser.judge(grade("q3", "i4", 2))
        assert grid.labels["item_id"].tolist() == ["i1", "t1", "i4"]
        assert labels.index.tolist() == [0, 1, 2]
        assert str(labels["query_id"].dtype.storage) == storage  # type: ignore[union-attr]


def test_queries_marked_none_relevant_are_in_labels(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    first = location()
    grid = make_grid(frames, store=first)
    Browser(grid).judge(none("q2"))
    rows = grid.labels[grid.labels["query_id"] == "q2"]
    assert sorted(rows["item_id"]) == ["i2", "i3"]
    assert rows["none_relevant"].all() and (rows["relevance"] == 0).all()
    assert rows["duration_ms"].isna().all()  # side-effect grades carry no time of their own
    grid.close()
    first.close()  # a kernel restart: a new connection reads what the old one wrote
    again = make_grid(frames, store=location())
    _check_shape(again.labels)
    assert again.labels["none_relevant"].tolist() == [True, True]
    assert again.none_relevant == {"q2"} and again.progress["queries_done"] == 1


def test_labels_are_lazy_but_current_when_looked_at(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    grid = make_grid(frames)
    labels = grid.labels
    browser = Browser(grid)
    browser.judge(grade("q1", "i1", 2))
    assert labels.empty  # nothing has looked at the frame yet: the write is pending
    assert len(grid.labels) == 1 and labels is grid.labels


def test_labels_are_flushed_before_each_ipython_cell(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        grid = make_grid(frames)
        labels = grid.labels
        Browser(grid).judge(grade("q1", "i1", 2), grade("q1", "i2", 1))
        assert labels.empty
        shell.run_cell("pass")  # pre_run_cell fires before the cell, as in a notebook
        assert len(labels) == 2 and labels is grid.labels
        hooks = len(shell.events.callbacks["pre_run_cell"])
        grid.close()
        assert len(shell.events.callbacks["pre_run_cell"]) == hooks - 1
    finally:
        InteractiveShell.clear_instance()


def test_resume_gives_the_same_labels(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    first = location()
    grid = make_grid(frames, store=first)
    browser = Browser(grid)
    browser.judge(grade("q1", "i1", 3), best("q1", "i1"), flag("q1", "t1"), grade("q1", "t1", 1))
    browser.judge(flag("q2", "i3"), flag("q2", "i2", name="dissonant"), grade("q3", "i4", 1))
    before = grid.labels.copy()
    grid.close()
    first.close()
    again = make_grid(frames, store=location())
    after = again.labels
    _check_shape(after)
    key = ["query_id", "item_id"]
    pd.testing.assert_frame_equal(
        before.sort_values(key, ignore_index=True), after.sort_values(key, ignore_index=True)
    )
    # and the rules work on the resumed state
    result = Browser(again).one(**best("q2", "i3"))
    assert result["notice"].startswith("best refused: candidate")


def test_an_older_store_with_best_but_no_grade(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    store = location()
    base = {"campaign": "default", "annotator": "ana", "query_id": "q1"}
    store.append(
        [
            {**base, "task": "pick", "item_id": "i1", "best": True},
            {**base, "task": "pick", "item_id": None, "none_relevant": True},
        ]
    )
    grid = make_grid(frames, store=store)
    labels = grid.labels
    _check_shape(labels)
    assert labels[["item_id", "best", "none_relevant"]].values.tolist() == [["i1", True, True]]
    assert pd.isna(labels["relevance"].iloc[0])
    assert grid.progress["queries_done"] == 1  # marked none relevant


@pytest.mark.parametrize("widget", [xm.RelevanceGrid, xm.BestMatchPicker, xm.Ranker])
def test_empty_candidates_is_a_clear_error(
    built_bundle: pathlib.Path, frames: Any, widget: type
) -> None:
    queries, items, candidates = frames
    # the picker and the ranker said "a grid needs", which they are not
    with pytest.raises(InputError, match="candidates is empty: the widget needs at least one"):
        widget(queries, items, candidates.iloc[:0], store=":memory:", annotator="ana")


@pytest.mark.parametrize("which", [0, 1, 2])
def test_duplicate_column_names_are_a_clear_error(
    built_bundle: pathlib.Path, frames: Any, which: int
) -> None:
    parts = list(frames)
    frame = parts[which]
    parts[which] = pd.concat([frame, frame.iloc[:, -1:]], axis=1)
    name = ["queries", "items", "candidates"][which]
    with pytest.raises(InputError, match=f"{name} has duplicate column name '{frame.columns[-1]}'"):
        xm.RelevanceGrid(*parts, store=":memory:", annotator="ana")


def test_lone_surrogate_in_an_id_names_the_row(built_bundle: pathlib.Path, frames: Any) -> None:
    queries, items, candidates = frames
    items = items.astype({"item_id": object})  # pyarrow strings cannot even hold it
    items.loc[2, "item_id"] = "i\ud800"
    with pytest.raises(InputError, match=r"items\.item_id at row 2: 'i\\ud800' holds '\\ud800'"):
        xm.RelevanceGrid(queries, items, candidates, store=":memory:", annotator="ana")


def test_lone_surrogate_in_a_caption_shows_a_replacement_character(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    queries, items, candidates = frames
    items = items.astype({"text": object})  # pyarrow strings cannot even hold it
    items.loc[4, "text"] = "broken \ud800 caption"
    queries = queries.assign(text=pd.Series(["a red \udfff square", "g", "b"], dtype=object))
    grid = xm.RelevanceGrid(queries, items, candidates, store=":memory:", annotator="ana")
    page, _ = Browser(grid).page(0)
    # Jupyter packs messages as UTF-8: the page must encode, or it would never arrive
    json.dumps(page, ensure_ascii=False).encode("utf-8")
    texts = [p["text"] for c in page["candidates"] for p in c["parts"] if p["kind"] == "text"]
    assert texts == ["broken \ufffd caption"]
    assert page["query"]["parts"][0]["text"] == "a red \ufffd square"


def test_score_of_strings_is_a_clear_error(built_bundle: pathlib.Path, frames: Any) -> None:
    queries, items, candidates = frames
    bad = candidates.assign(score=["0.9", "high", "0.1", "0.8", "0.7", "0.4"])
    with pytest.raises(
        InputError, match=r"candidates\.score must hold numbers, but row 1 has 'high'"
    ):
        xm.RelevanceGrid(queries, items, bad, store=":memory:", annotator="ana")
    # numbers written as text are fine
    ok = candidates.assign(score=candidates["score"].astype(str))
    grid = xm.RelevanceGrid(
        queries, items, ok, store=":memory:", annotator="ana", show_sources=True
    )
    page, _ = Browser(grid).page(2)
    assert page["candidates"][0]["meta"]["score"] == 0.4


@pytest.mark.parametrize(
    ("option", "value", "text"),
    [
        (
            "max_px",
            0,
            "max_px must be a positive integer (the longest side of an image, in pixels), got 0",
        ),
        ("max_px", -3, "got -3"),
        ("max_px", 1.5, "got 1.5"),
        ("max_px", True, "got True"),
        ("campaign", None, "campaign must be a non-empty string, got None"),
        ("campaign", "", "campaign must be a non-empty string, got ''"),
        ("campaign", 7, "got 7"),
        ("annotator", "  ", "annotator must be a non-empty string, got '  '"),
        ("annotator", 3, "got 3"),
        ("annotator", "a\udc80", "lone surrogate"),
        # the store matches names by their exact text: "ana\n" would be another annotator
        (
            "annotator",
            "ana\n",
            "annotator 'ana\\n' has spaces or a line break at its start or end: it would be "
            "stored as another annotator than 'ana'; pass annotator='ana'",
        ),
        ("annotator", " ana", "annotator ' ana' has spaces or a line break at its start or end"),
        (
            "annotator",
            "a\tna",
            "annotator 'a\\tna' holds a control character (U+0009) at position 1, which no one "
            "sees or types in a name; pass annotator='a na'",
        ),
        ("campaign", "round 1 ", "pass campaign='round 1'"),
        ("seed", "1", "seed must be an integer, got '1'"),
        ("shuffle", "yes", "shuffle must be True or False, got 'yes'"),
        ("show_sources", 1, "show_sources must be True or False, got 1"),
    ],
)
def test_bad_options_are_refused_in_the_constructor(
    built_bundle: pathlib.Path, frames: Any, option: str, value: Any, text: str
) -> None:
    queries, items, candidates = frames
    options: dict[str, Any] = {"store": ":memory:", "annotator": "ana", option: value}
    with pytest.raises(InputError) as caught:
        xm.RelevanceGrid(queries, items, candidates, **options)
    assert text in str(caught.value)


@pytest.mark.parametrize(
    ("value", "text"), [(-5, "less than 80"), (10, "less than 80"), (5000, "greater than 2000")]
)
def test_a_tile_size_the_layout_cannot_take_is_refused(
    built_bundle: pathlib.Path, frames: Any, value: int, text: str
) -> None:
    queries, items, candidates = frames
    # a negative width made every tile a sliver in the browser
    with pytest.raises(traitlets.TraitError, match=f"'tile_size'.*{text}, but a value of {value}"):
        xm.RelevanceGrid(
            queries, items, candidates, store=":memory:", annotator="a", tile_size=value
        )
    grid = make_grid(frames, tile_size=320)
    with pytest.raises(traitlets.TraitError, match="less than 80"):
        grid.tile_size = 0
    assert grid.tile_size == 320


@pytest.mark.parametrize("store", [5, 2.5, None, ["labels.sqlite"]])
def test_a_store_that_is_not_a_path_names_what_was_passed(
    built_bundle: pathlib.Path, frames: Any, store: Any
) -> None:
    with pytest.raises(TypeError, match=f"store must be a file path.*got {type(store).__name__} "):
        make_grid(frames, store=store)


def test_refresh_reads_what_another_process_wrote(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    grid = make_grid(frames, store=location())
    labels = grid.labels
    Browser(grid).judge(grade("q1", "i1", 2))
    # the same annotator in another process (a widget of this kernel would be told at once)
    location().import_labels(
        pd.DataFrame({"query_id": ["q1", "q3"], "item_id": ["i2", "i4"], "relevance": [1, 3]}),
        annotator="ana",
    )
    browser = Browser(grid)
    synced: list[dict[str, Any]] = []
    send_state = grid.send_state
    grid.send_state = lambda key=None: synced.append(grid.get_state(key)) or send_state(key)  # type: ignore[method-assign]
    grid.refresh()
    assert grid.labels is labels and sorted(labels["item_id"]) == ["i1", "i2", "i4"]
    assert grid.progress == {"judged": 3, "total": 6, "queries_done": 1, "n_queries": 3}
    # the view learns it at once: the header's counts, and every page it holds is out of date
    assert {"judged": 3, "total": 6, "queries_done": 1, "n_queries": 3} in [
        s["progress"] for s in synced if "progress" in s
    ]
    assert browser.sent[-1][0] == {"type": "invalidate", "indices": "all"}
    page, _ = Browser(grid).page(0)
    assert {c["item_id"]: c["relevance"] for c in page["candidates"]}["i2"] == 1


def test_progress_counts_only_this_grids_candidates(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    store = location()
    store.import_labels(
        pd.DataFrame(
            {
                "query_id": ["q1", "q1", "q9", "q3"],
                "item_id": ["i1", "i4", "i1", "i4"],  # q1/i4 and q9 are not in this pool
                "relevance": [1, 2, 3, 0],
            }
        ),
        annotator="ana",
    )
    store.import_labels(
        pd.DataFrame({"query_id": ["q2"], "item_id": ["i2"], "relevance": [3]}), annotator="ben"
    )
    grid = make_grid(frames, store=store)
    assert grid.progress == {"judged": 2, "total": 6, "queries_done": 1, "n_queries": 3}
    assert len(grid.labels) == 4  # every stored judgement of this annotator is shown
    page, _ = Browser(grid).page(0)
    assert {c["item_id"]: c["relevance"] for c in page["candidates"]} == {
        "i1": 1,
        "i2": None,
        "t1": None,
    }


def test_numpy_integers_are_fine_options(built_bundle: pathlib.Path, frames: Any) -> None:
    import numpy as np

    grid = make_grid(frames, seed=np.int64(3), max_px=np.int32(64))
    page, _ = Browser(grid).page(0)
    image = next(c["parts"][0] for c in page["candidates"] if c["parts"][0]["kind"] == "image")
    assert max(image["width"], image["height"]) <= 64


def test_a_long_session_leaves_compact_columns(built_bundle: pathlib.Path) -> None:
    import pyarrow as pa

    n = 60
    with pd.option_context("mode.string_storage", "pyarrow"):
        queries = pd.DataFrame({"query_id": ["q1"], "text": ["a query"]})
        items = pd.DataFrame({"item_id": [f"i{k}" for k in range(n)], "text": "an item"})
        candidates = pd.DataFrame({"query_id": "q1", "item_id": items["item_id"]})
        grid = xm.RelevanceGrid(
            queries, items, candidates, store=":memory:", annotator="ana", shuffle=False
        )
        browser = Browser(grid)
        for k in range(n):  # a flush per judgement, as when a cell reads grid.labels each time
            browser.judge(grade("q1", f"i{k}", k % 4))
            assert len(grid.labels) == k + 1
        for name in ("query_id", "item_id", "annotator"):
            column = pa.array(grid.labels[name].array)
            chunks = column.num_chunks if isinstance(column, pa.ChunkedArray) else 1
            assert chunks <= 17, (name, chunks)
        assert grid.labels["relevance"].tolist() == [k % 4 for k in range(n)]


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        # inf went to the browser as the string "inf": the page was not JSON
        (
            "score",
            [np.inf, 0.1, 0.2, 0.3, 0.4, 0.5],
            r"score must hold finite numbers .* row 0 has inf",
        ),
        ("score", [0.9, 0.1, -np.inf, 0.3, 0.4, 0.5], r"row 2 has -inf"),
        # shown as "#1.5" and "#-3"
        (
            "rank",
            [1, 1.5, 2, 3, 4, 5],
            r"rank must hold whole numbers of at least 1 .* row 1 has 1.5",
        ),
        (
            "rank",
            [1, 2, -3, 3, 4, 5],
            r"rank must hold whole numbers of at least 1 .* row 2 has -3",
        ),
        ("rank", [0, 2, 1, 3, 4, 5], r"row 0 has 0"),
    ],
)
def test_scores_and_ranks_a_run_cannot_have_are_refused(
    built_bundle: pathlib.Path, frames: Any, column: str, values: list, message: str
) -> None:
    queries, items, candidates = frames
    with pytest.raises(InputError, match=message):
        xm.RelevanceGrid(queries, items, candidates.assign(**{column: values}), store=":memory:")
    # a missing score or rank is a source that gave none
    gaps = candidates.assign(score=[0.9, np.nan, 0.1, 0.8, 0.7, 0.4], rank=[1, None, 2, 1, 2, 3])
    grid = xm.RelevanceGrid(
        queries, items, gaps, store=":memory:", annotator="ana", show_sources=True
    )
    page, _ = Browser(grid).page(0)
    json.dumps(page, allow_nan=False)
