"""Cross-modal concept consistency: a modality-biased annotator is found, a consistent one not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import xmwidgets as xm
from xmwidgets.analysis._consistency import link_concepts

CONCEPTS = {
    "high": "a high pitch: a tone, a beep",
    "red": "the colour red (crimson counts)",
    "long": "lasting several seconds",
}


def annotators(truth: pd.DataFrame, items: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Two simulated annotators: 'steady' = truth with symmetric noise on 15 % of pairs,
    'deaf' = truth one level lower on audio items (floor 0), images and the rest as the truth."""
    rng = np.random.default_rng(seed)
    modality = truth.item_id.map(items.set_index("item_id").modality)
    noise = np.where(rng.random(len(truth)) < 0.15, rng.choice([-1, 1], len(truth)), 0)
    steady = np.clip(truth.relevance + noise, 0, 3)
    deaf = np.where(modality == "audio", np.clip(truth.relevance - 1, 0, 3), truth.relevance)
    return pd.concat(
        [
            truth.assign(annotator="steady", relevance=steady),
            truth.assign(annotator="deaf", relevance=deaf),
        ],
        ignore_index=True,
    )


@pytest.fixture(scope="module")
def demo():
    return xm.datasets.demo()


def test_demo_audio_biased_annotator_is_detected_and_consistent_one_is_not(demo) -> None:
    labels = annotators(demo.truth, demo.items)
    report = xm.consistency(labels, demo.queries, demo.items, CONCEPTS, reference=demo.truth)
    found = report.findings.set_index(["annotator", "concept"])
    # "high" is judged on audio (a long high-pitched tone) and on bundles (a lamp beeping high)
    assert found.loc[("deaf", "high"), "inconsistent"]
    assert found.loc[("deaf", "high"), "lowest"] == "audio"
    assert found.loc[("deaf", "high"), "shift"] == pytest.approx(1.0)
    assert not report.findings[report.findings.annotator == "steady"].inconsistent.any()
    review = report.review
    assert set(review.annotator) == {"deaf"} and set(review.modality) == {"audio"}
    assert (review.residual == -1).all() and len(review) > 5
    assert "deaf on 'high': audio 1.00 lower" in repr(report)
    assert report.definitions["red"].startswith("the colour red")


def test_without_gold_the_other_annotators_are_the_reference() -> None:
    rng = np.random.default_rng(1)
    items = pd.DataFrame(
        {"item_id": [f"i{k}" for k in range(60)], "modality": ["image", "audio"] * 30}
    )
    queries = pd.DataFrame({"query_id": ["q1", "q2"], "text": ["a dog Barking", "barks at night"]})
    truth = pd.DataFrame(
        {
            "query_id": np.repeat(["q1", "q2"], 60),
            "item_id": np.tile(items.item_id, 2),
            "relevance": rng.integers(1, 4, 120),
        }
    )
    frames = [truth.assign(annotator=a) for a in ("a", "b", "c")]
    audio = frames[2].item_id.map(items.set_index("item_id").modality) == "audio"
    frames[2] = frames[2].assign(
        relevance=np.where(audio, frames[2].relevance - 1, frames[2].relevance)
    )
    report = xm.consistency(pd.concat(frames), queries, items, {"bark": "a dog's bark"})
    flagged = report.findings[report.findings.inconsistent]
    assert flagged.annotator.tolist() == ["c"] and flagged.lowest.tolist() == ["audio"]
    row = report.by_modality.set_index("modality").loc["audio"]
    assert row.judgements == 180 and row.annotators == 3 and row.alpha < 1.0


def test_explicit_concepts_column_and_unknown_name() -> None:
    queries = pd.DataFrame({"query_id": ["q1"], "text": ["nothing"], "concepts": ["bark"]})
    linked = link_concepts(queries, {"bark": "a dog's bark"})
    assert linked.to_dict("records") == [{"query_id": "q1", "concept": "bark"}]
    with pytest.raises(ValueError, match="'meow'"):
        link_concepts(queries.assign(concepts="meow"), {"bark": "a dog's bark"})
