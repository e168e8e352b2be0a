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
