"""Plots: matplotlib Figures whose drawn data match the input, shown as PNG without pyplot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import xmwidgets as xm


@pytest.fixture
def labels() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "query_id": "q",
            "item_id": ["a", "a", "b", "b", "c", "c", "d"],
            "annotator": ["ana", "ben"] * 3 + ["ana"],
            "relevance": pd.array([3, 3, 0, 1, 2, 2, None], dtype="Int8"),
        }
    )


def test_confusion_draws_the_report_counts(labels: pd.DataFrame) -> None:
    from matplotlib.figure import Figure

    report = xm.agreement(labels, n_boot=20)
    fig = xm.plot.confusion(report)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    shown = ax.images[0].get_array()
    np.testing.assert_array_equal(np.asarray(shown), report.confusion.to_numpy())
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("1") == 3 and len(texts) == 16  # (0,1), (2,2), (3,3) once each
    assert "α" in ax.get_title()
    assert fig._repr_png_().startswith(b"\x89PNG")


def test_confusion_rejects_other_input() -> None:
    with pytest.raises(TypeError, match="AgreementReport"):
        xm.plot.confusion([[1, 2], [3, 4]])


def test_metrics_bars_are_the_means(labels: pd.DataFrame) -> None:
    results = pd.DataFrame(
        {
            "run": ["a", "a", "b", "b"] * 2,
            "measure": ["nDCG@10", "RR"] * 4,
            "query_id": ["q1"] * 4 + ["q2"] * 4,
            "value": [0.2, 0.4, 0.6, 0.8, 0.4, 0.6, 1.0, 1.0],
        }
    )
    fig = xm.plot.metrics(results)
    ax = fig.axes[0]
    heights = [round(p.get_height(), 6) for p in ax.patches]
    assert heights == [0.3, 0.5, 0.8, 0.9]  # run a: nDCG, RR; run b: nDCG, RR
    assert [t.get_text() for t in ax.get_xticklabels()] == ["nDCG@10", "RR"]
    assert fig._repr_png_().startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="'measure'"):
        xm.plot.metrics(results.drop(columns="measure"))


def test_label_distribution_counts_levels_per_annotator(labels: pd.DataFrame) -> None:
    fig = xm.plot.label_distribution(labels, scale=xm.TREC_SCALE)
    ax = fig.axes[0]
    heights = [int(p.get_height()) for p in ax.patches]
    # ana: levels 0..3 -> 1, 0, 1, 1 ; ben: 0, 1, 1, 1 (the null grade is not counted)
    assert heights == [1, 0, 1, 1, 0, 1, 1, 1]
    assert "exact match" in ax.get_xticklabels()[3].get_text()
    assert ax.get_title() == "6 judgements"
