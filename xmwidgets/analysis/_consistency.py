"""Cross-modal concept consistency: is one concept judged the same way whatever the item's
modality?

Concepts are guideline terms with definitions ("barking": "a dog's bark, heard or shown"). A
query belongs to a concept when its ``concepts`` column names it (comma-separated), else when its
``text`` contains the term or one of its synonyms at the start of a word, case-insensitive
("bark" matches "barking"). Every judgement of such a query is a judgement of the concept, in
the modality of the judged item (``items.modality``).

**The test.** For each annotator and concept, the *residual* of a judgement is the annotator's
grade minus the reference grade of the pair: the ``reference`` qrels when given (a gold set),
otherwise the pair's majority grade over all annotators, the mean when there is no majority
(pairs only one annotator judged are left out). With two annotators and no gold, a disagreement
cannot be pinned on either: both show half the shift. A consistent annotator's residuals do not depend on the modality; an annotator who grades
audio a level lower than images for the same concept has residuals about one lower on audio. The
Kruskal–Wallis test compares the residuals across modalities (two modalities: equivalent to the
Mann–Whitney U test); p-values are Holm-corrected over all (annotator, concept) tests.
Rank tests, because grades are ordinal and residuals pile up on a few values; a mean difference
of ``min_shift`` grades is also required, so that a tiny but significant shift over thousands of
judgements is not called a disagreement.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._frames import grade_labels, require_columns

__all__ = ["ConsistencyReport", "consistency"]


@dataclass
class ConsistencyReport:
    """What :func:`consistency` found.

    Attributes
    ----------
    by_modality : DataFrame
        ``concept, modality, judgements, pairs, annotators, mean, grade_<level>...`` (counts),
        ``alpha`` (Krippendorff's ordinal α over the pairs judged more than once; NaN when none).
    findings : DataFrame
        One row per (annotator, concept) tested: ``annotator, concept, modalities, shift`` (the
        largest minus the smallest mean residual over modalities), ``lowest`` (the modality graded
        lowest relative to the reference), ``mean_residual`` (per modality, as text),
        ``statistic, p, p_holm, inconsistent``.
    review : DataFrame
        The judgements behind each inconsistent finding that differ from the reference:
        ``annotator, concept, modality, query_id, item_id, relevance, reference, residual``.
    definitions : dict
        Concept -> definition (for showing beside a query that mentions it).
    """

    by_modality: pd.DataFrame
    findings: pd.DataFrame
    review: pd.DataFrame
    definitions: dict[str, str]

    def __repr__(self) -> str:
        bad = self.findings[self.findings["inconsistent"]]
        what = "; ".join(
            f"{r.annotator} on {r.concept!r}: {r.lowest} {r.shift:.2f} lower (p_holm={r.p_holm:.2g})"
            for r in bad.itertuples()
        )
        return (
            f"ConsistencyReport({len(self.definitions)} concepts, {len(self.findings)} tests, "
            f"{len(bad)} inconsistent{': ' + what if what else ''})"
        )


def _concept_table(concepts: Any) -> pd.DataFrame:
    if isinstance(concepts, Mapping):
        frame = pd.DataFrame({"concept": list(concepts), "definition": list(concepts.values())})
    else:
        frame = require_columns(concepts, ("concept", "definition"), "concepts").copy()
    if frame.empty:
        raise ValueError("concepts is empty: pass e.g. {'barking': 'a dog barking, heard or seen'}")
    frame["concept"] = frame["concept"].astype(str)
    blank = frame["concept"].str.strip() == ""
    if blank.any():
        # a blank name has no term to find in a query: it matched nothing, silently
        raise ValueError(
            f"concepts has a blank name ({frame['concept'][blank].iloc[0]!r}): name each concept "
            "by the word a query uses for it, e.g. {'barking': 'a dog barking, heard or seen'}"
        )
    definitions = frame["definition"].tolist()
    odd = next((k for k, v in enumerate(definitions) if not isinstance(v, str)), None)
    if odd is not None:
        raise ValueError(
            f"the definition of concept {frame['concept'].iloc[odd]!r} is "
            f"{type(definitions[odd]).__name__} {definitions[odd]!r}, not text: a definition "
            "says in words what the concept covers"
        )
    terms = frame["terms"] if "terms" in frame.columns else frame["concept"]
    frame["patterns"] = [[t.strip().lower() for t in str(v).split(",") if t.strip()] for v in terms]
    return frame


def link_concepts(queries: pd.DataFrame, concepts: Any) -> pd.DataFrame:
    """``query_id, concept`` for every query linked to a concept (see the module docstring)."""
    require_columns(queries, ("query_id",), "queries")
    table = _concept_table(concepts)
    rows = []
    explicit = queries["concepts"] if "concepts" in queries.columns else None
    text = (
        queries["text"].astype("string").fillna("").str.lower()
        if "text" in queries.columns
        else pd.Series("", index=queries.index)
    )
    known = set(table["concept"])
    for n, query_id in enumerate(queries["query_id"].astype(str)):
        named = explicit.iloc[n] if explicit is not None else None
        if isinstance(named, str | list | tuple) and len(named):
            names = named.split(",") if isinstance(named, str) else list(named)
            for name in (str(x).strip() for x in names):
                if name not in known:
                    raise ValueError(
                        f"query {query_id!r} names concept {name!r}, which is not in concepts "
                        f"({', '.join(sorted(known))}): add it or fix the name"
                    )
                rows.append((query_id, name))
            continue
        for concept, patterns in zip(table["concept"], table["patterns"], strict=True):
            if any(re.search(rf"\b{re.escape(p)}", text.iloc[n]) for p in patterns):
                rows.append((query_id, concept))
    return pd.DataFrame(rows, columns=["query_id", "concept"]).drop_duplicates()


def consistency(
    labels: pd.DataFrame,
    queries: pd.DataFrame,
    items: pd.DataFrame,
    concepts: Mapping[str, str] | pd.DataFrame,
    *,
    reference: pd.DataFrame | None = None,
    alpha: float = 0.05,
    min_shift: float = 0.5,
    min_per_modality: int = 5,
) -> ConsistencyReport:
    """Per concept and modality: grades, agreement, and annotators who judge the concept
    differently across modalities (Kruskal–Wallis on residuals; see the module docstring).

    Parameters
    ----------
    labels : DataFrame
        ``query_id, item_id, annotator, relevance``.
    queries : DataFrame
        ``query_id`` and ``text`` and/or ``concepts`` (comma-separated concept names).
    items : DataFrame
        ``item_id, modality``.
    concepts : dict or DataFrame
        ``{concept: definition}``, or a frame ``concept, definition`` (+ ``terms``: synonyms,
        comma-separated, that link a query to the concept).
    reference : DataFrame, optional
        Gold grades ``query_id, item_id, relevance``; default: the annotators' majority grade.
    alpha : float
        Significance level after Holm's correction.
    min_shift : float
        Smallest difference of mean residuals between modalities (in grades) worth reporting.
    min_per_modality : int
        Modalities with fewer residuals for an (annotator, concept) are left out of its test.

    Returns
    -------
    ConsistencyReport
    """
    from scipy.stats import kruskal
    from statsmodels.stats.multitest import multipletests

    from .agreement import krippendorff_alpha

    require_columns(items, ("item_id", "modality"), "items")
    graded = grade_labels(labels, annotator=True)
    linked = link_concepts(queries, concepts)
    modality = pd.Series(
        items["modality"].astype(str).to_numpy(), index=items["item_id"].astype(str)
    )
    frame = graded.merge(linked, on="query_id")
    frame["modality"] = modality.reindex(frame["item_id"]).to_numpy()
    if frame["modality"].isna().any():
        missing = frame.loc[frame["modality"].isna(), "item_id"].iloc[0]
        raise ValueError(f"item {missing!r} is judged but not in items: add it with its modality")
    frame["reference"] = _reference(frame, reference)
    frame["residual"] = frame["relevance"] - frame["reference"]

    levels = sorted(set(graded["relevance"].tolist()))
    summary = []
    for (concept, mod), group in frame.groupby(["concept", "modality"], sort=True):
        counts = group["relevance"].value_counts()
        shared = group[group.duplicated(["query_id", "item_id"], keep=False)]
        try:
            a = krippendorff_alpha(shared, value_domain=levels) if len(shared) else np.nan
        except ValueError:
            a = np.nan
        summary.append(
            {
                "concept": concept,
                "modality": mod,
                "judgements": len(group),
                "pairs": group[["query_id", "item_id"]].drop_duplicates().shape[0],
                "annotators": group["annotator"].nunique(),
                "mean": float(group["relevance"].mean()),
                **{f"grade_{v}": int(counts.get(v, 0)) for v in levels},
                "alpha": float(a),
            }
        )
    tests = []
    # only pairs the reference calls relevant: a grade at the lowest level cannot go lower, and
    # the many unrelated pairs (another family, another modality) would dilute every shift
    usable = frame[frame["reference"].to_numpy(dtype=float) > levels[0]]
    for (annotator, concept), group in usable.groupby(["annotator", "concept"], sort=True):
        by = {m: g["residual"].to_numpy() for m, g in group.groupby("modality", sort=True)}
        by = {m: r for m, r in by.items() if len(r) >= min_per_modality}
        if len(by) < 2:
            continue
        means = {m: float(r.mean()) for m, r in by.items()}
        values = list(by.values())
        if all(np.all(v == values[0][0]) for v in values):
            statistic, p = 0.0, 1.0  # identical residuals everywhere: no difference at all
        else:
            statistic, p = (float(x) for x in kruskal(*values))
        tests.append(
            {
                "annotator": annotator,
                "concept": concept,
                "modalities": ", ".join(by),
                "shift": max(means.values()) - min(means.values()),
                "lowest": min(means, key=means.__getitem__),
                "mean_residual": ", ".join(f"{m} {v:+.2f}" for m, v in means.items()),
                "statistic": statistic,
                "p": p,
            }
        )
    findings = pd.DataFrame(
        tests,
        columns=[
            "annotator", "concept", "modalities", "shift", "lowest", "mean_residual",
            "statistic", "p",
        ],
    )  # fmt: skip
    if len(findings):
        findings["p_holm"] = multipletests(findings["p"].to_numpy(), method="holm")[1]
    else:
        findings["p_holm"] = pd.Series(dtype=float)
    findings["inconsistent"] = (findings["p_holm"] < alpha) & (findings["shift"] >= min_shift)
    review = []
    for row in findings[findings["inconsistent"]].itertuples():
        pick = usable[
            (usable["annotator"] == row.annotator)
            & (usable["concept"] == row.concept)
            & (usable["modality"] == row.lowest)
            & (usable["residual"] != 0)
        ]
        review.append(pick)
    review_cols = [
        "annotator", "concept", "modality", "query_id", "item_id", "relevance", "reference",
        "residual",
    ]  # fmt: skip
    review_frame = (
        pd.concat(review, ignore_index=True)[review_cols]
        if review
        else pd.DataFrame(columns=review_cols)
    )
    table = _concept_table(concepts)
    return ConsistencyReport(
        by_modality=pd.DataFrame(summary),
        findings=findings,
        review=review_frame,
        definitions=dict(zip(table["concept"], table["definition"].astype(str), strict=True)),
    )


def _reference(frame: pd.DataFrame, reference: pd.DataFrame | None) -> np.ndarray:
    """The reference grade of each judgement: gold, or the other annotators' mean."""
    if reference is not None:
        gold = grade_labels(reference, annotator=False)
        grades = gold.groupby(["query_id", "item_id"])["relevance"].mean()
        key = pd.MultiIndex.from_frame(frame[["query_id", "item_id"]])
        return grades.reindex(key).to_numpy(dtype=float)
    # the pair's majority grade over all annotators (ties: the mean): one deviating annotator
    # out of three leaves the other two at residual 0, where a leave-one-out mean would give
    # them half its shift
    key = ["query_id", "item_id", "concept"]
    counts = frame.groupby([*key, "relevance"]).size().rename("n").reset_index()
    top = counts.groupby(key)["n"].transform("max")
    modes = counts[counts["n"] == top]
    n_modes = modes.groupby(key)["relevance"].transform("size")
    unique_mode = modes[n_modes == 1].set_index(key)["relevance"].astype(float)
    mean = frame.groupby(key)["relevance"].mean()
    several = frame.groupby(key)["annotator"].nunique() > 1
    grade = unique_mode.reindex(mean.index).fillna(mean).where(several)
    return grade.reindex(pd.MultiIndex.from_frame(frame[key])).to_numpy(dtype=float)
