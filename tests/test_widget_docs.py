"""The widgets' documentation as ``help()`` shows it: each task's labels frame, column by column."""

from __future__ import annotations

import inspect
import re

import pytest

import xmwidgets as xm

WIDGETS = [xm.RelevanceGrid, xm.Review, xm.BestMatchPicker, xm.Ranker, xm.PairwiseJudge]


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("widget", WIDGETS, ids=lambda w: w.__name__)
def test_labels_doc_says_what_the_frame_is_and_names_every_column(widget: type) -> None:
    doc = inspect.getdoc(widget.labels)
    assert doc is not None
    summary, live, rest = doc.split("\n\n", 2)
    assert summary.startswith("This annotator's ") and "one row per" in summary
    assert _words(live) == (
        "The same DataFrame object for the widget's life, brought up to date whenever it can be "
        "looked at (when this property is read, and before each notebook cell runs)."
    )
    for column in widget._LABEL_COLUMNS:
        assert f"``{column}``" in rest, f"{widget.__name__}.labels does not describe {column}"


def test_each_task_says_what_its_own_row_is() -> None:
    summaries = {w.__name__: inspect.getdoc(w.labels).split("\n\n")[0] for w in WIDGETS}
    assert summaries["Review"] == summaries["RelevanceGrid"]
    assert "per judged ``(query_id, item_id)``" in summaries["RelevanceGrid"]
    assert "per query with a pick" in summaries["BestMatchPicker"]
    assert "per ranked ``(query_id, item_id)``" in summaries["Ranker"]
    assert "per judged pair" in summaries["PairwiseJudge"]


def test_the_front_ends_built_in_flag_keys_are_the_rubrics() -> None:
    # js/src/tasks/grade/flags.ts lists the upper-case flag keys of the built-in rubrics by hand
    # (a key no flag of this rubric has says so instead of doing nothing): keep them in step
    import re
    from pathlib import Path

    from xmwidgets.rubric import DEFAULT_FLAGS

    source = (Path(__file__).resolve().parents[1] / "js/src/tasks/grade/flags.ts").read_text()
    listed = re.search(r"BUILT_IN_FLAG_KEYS[^=]*=\s*\[([^\]]*)\]", source)
    assert listed is not None, "BUILT_IN_FLAG_KEYS not found in flags.ts"
    keys = re.findall(r'"([^"]+)"', listed.group(1))
    assert keys == [f.key for f in DEFAULT_FLAGS if f.key and f.key.isupper()]
