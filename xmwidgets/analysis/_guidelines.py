"""Two guideline versions compared on the same items: agreement in each, shifts, confusion, movers.

The guideline designer grades a set of items under rubric ``v1``, revises the rubric, and has the
same items graded again under ``v2`` (the store keeps both: ``guideline_version`` is part of the
label key). :func:`compare_guidelines` says what the revision changed: whether annotators agree
better within ``v2`` than within ``v1``, how far each item's grade moved, which levels turned into
which, and which items moved most (a candidates frame for the next review round).

>>> result = compare_guidelines(labels, "v1", "v2")   # doctest: +SKIP
>>> result.within                                      # α per version  # doctest: +SKIP
>>> xm.RelevanceGrid(queries, items, result.moved)     # review the movers  # doctest: +SKIP
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._frames import require_columns, resolve_scale, single_judgement_per_annotator

__all__ = ["GuidelineComparison", "compare_guidelines"]

Pairs = Literal["auto", "same-annotator", "all"]
_WITHIN_COLUMNS = [
    "version",
    "alpha",
    "ci_low",
    "ci_high",
    "n_annotators",
    "n_units",
    "n_pairable",
    "note",
]


@dataclass
class GuidelineComparison:
    """What :func:`compare_guidelines` found; displays as a small HTML report in a notebook.

    Attributes
    ----------
    before, after : str
        The two guideline versions, as given.
    value : str
        The column compared: ``"relevance"`` (levels) or ``"magnitude"`` (continuous).
    within : DataFrame
        One row per version: ``version, alpha, ci_low, ci_high, n_annotators, n_units,
        n_pairable, note``. ``alpha`` is Krippendorff's α within that version (ordinal for
        relevance, interval for magnitude), computed by :func:`xmwidgets.agreement`; NaN with a
        ``note`` when no unit was judged twice under that version (α needs overlap).
    agreement : dict
        ``{version: AgreementReport or None}`` (relevance only; None where α is undefined).
    shift : DataFrame
        One row per unit (``query_id, item_id``) graded under both versions: ``mean_before,
        mean_after`` (mean grade over the annotators of that version), ``n_before, n_after``
        (how many annotators), ``shift = mean_after - mean_before``; sorted by ``|shift|``
        descending, then ids.
    confusion : DataFrame or None
        Levels of ``before`` (rows) × levels of ``after`` (columns): one count per judgement pair
        as described by ``confusion_basis``. None for a continuous value.
    confusion_basis : str
        ``"same-annotator"``: each pair is one annotator's grade of one unit under ``before`` and
        the same annotator's grade of it under ``after`` (what the revision changed in a reader's
        mind, annotators' own biases cancel out). ``"all"``: every ``before`` judgement of a unit
        paired with every ``after`` judgement of it (used when no annotator graded under both,
        or when asked with ``pairs="all"``).
    per_annotator : DataFrame
        ``annotator, n_both, mean_shift, changed`` for annotators who graded units under both
        versions: mean of (after − before) over those units, and the share of them graded
        differently.
    moved : DataFrame
        The units whose mean grade moved (``shift != 0``), largest ``|shift|`` first: ``query_id,
        item_id, mean_before, mean_after, shift`` and one column per annotator and version,
        ``"<version>:<annotator>"`` (their grade, ``<NA>`` where they did not grade the unit).
        A candidates frame: pass it to ``xm.RelevanceGrid`` or a review to discuss the movers.
    only_before, only_after : int
        Units graded under one version only (not in ``shift``).
    """

    before: str
    after: str
    value: str
    within: pd.DataFrame
    shift: pd.DataFrame
    confusion: pd.DataFrame | None
    confusion_basis: str
    per_annotator: pd.DataFrame
    moved: pd.DataFrame
    only_before: int = 0
    only_after: int = 0
    agreement: dict[str, Any] = field(default_factory=dict, repr=False)

    def alpha(self, version: str) -> float:
        """Krippendorff's α within ``version`` (NaN when it is undefined)."""
        rows = self.within.loc[self.within["version"] == version, "alpha"]
        if rows.empty:
            raise ValueError(
                f"version {version!r} is not compared here: use {self.before!r} or {self.after!r}"
            )
        return float(rows.iloc[0])

    def __repr__(self) -> str:
        a, b = self.alpha(self.before), self.alpha(self.after)
        return (
            f"GuidelineComparison({self.before!r} -> {self.after!r}: α {a:.3f} -> {b:.3f}, "
            f"{len(self.shift)} units in both, {len(self.moved)} moved, "
            f"mean shift {self._mean_shift():+.3f})"
        )

    def _mean_shift(self) -> float:
        return float(self.shift["shift"].mean()) if len(self.shift) else float("nan")

    def _repr_html_(self) -> str:
        esc = html.escape
        within = self.within.copy()
        within["version"] = within["version"].map(str)
        head = (
            f"<p><b>Guideline {esc(self.before)} → {esc(self.after)}</b> on "
            f"<code>{esc(self.value)}</code>: {len(self.shift)} units graded under both "
            f"({self.only_before} only under {esc(self.before)}, {self.only_after} only under "
            f"{esc(self.after)}); {len(self.moved)} moved, mean shift {self._mean_shift():+.3f}</p>"
        )
        parts = [
            "<div>",
            head,
            "<p><b>Agreement within each version</b> (Krippendorff's α)</p>",
            within.to_html(index=False, float_format=lambda x: f"{x:.3f}", na_rep=""),
        ]
        if self.confusion is not None:
            parts += [
                f"<p><b>Confusion {esc(self.before)} → {esc(self.after)}</b> "
                f"({esc(self.confusion_basis)} pairs; rows: {esc(self.before)})</p>",
                self.confusion.to_html(),
            ]
        if len(self.per_annotator):
            parts += [
                "<p><b>Per annotator</b> (units graded under both)</p>",
                self.per_annotator.to_html(index=False, float_format=lambda x: f"{x:.3f}"),
            ]
        top = self.moved.head(10).astype(object)
        top = top.where(top.notna(), "")
        parts += [
            f"<p><b>Moved most</b> (top 10 of {len(self.moved)}; "
            f"<code>{esc('result.moved')}</code> has them all)</p>",
            top.to_html(index=False, float_format=lambda x: f"{x:.3g}"),
            "</div>",
        ]
        # DataFrame.to_html escapes cell text and headers (escape=True is its default)
        return "".join(parts)

    def plot(self) -> Any:
        """The confusion ``before`` → ``after`` and the distribution of shifts, side by side.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from ..plot import guideline_shift

        return guideline_shift(self)


def compare_guidelines(
    labels: pd.DataFrame,
    before: str,
    after: str,
    *,
    value: str = "relevance",
    scale: Any = None,
    value_domain: Any = None,
    pairs: Pairs = "auto",
    n_boot: int = 1000,
    seed: int = 0,
) -> GuidelineComparison:
    """Compare the grades of two guideline versions on the items graded under both.

    Parameters
    ----------
    labels : DataFrame
        Judgements of both versions: ``query_id, item_id, annotator, guideline_version`` and the
        ``value`` column (``store.labels()`` of a campaign, or ``grid.labels`` frames
        concatenated). Rows with a ``task`` other than ``"grade"``, with no value (e.g. flagged
        broken-media), or with ``role == "adjudicator"`` are left out: only annotators' grades
        are compared.
    before, after : str
        The two values of ``guideline_version`` to compare, e.g. ``"v1"`` and ``"v2"``.
    value : {"relevance", "magnitude"}
        Discrete levels (α ordinal, a confusion matrix) or a continuous magnitude (α interval,
        no confusion).
    scale, value_domain
        The levels for relevance (default: TREC 0–3), as for :func:`xmwidgets.agreement`; a
        level no one used still counts and has its row and column in ``confusion``.
    pairs : {"auto", "same-annotator", "all"}
        What the confusion counts (see :attr:`GuidelineComparison.confusion_basis`). ``"auto"``
        uses same-annotator pairs when some annotator graded under both versions, else all pairs.
    n_boot, seed
        Bootstrap of the α intervals (as in :func:`xmwidgets.agreement`).

    Returns
    -------
    GuidelineComparison

    Raises
    ------
    ValueError
        When a column is missing, a version has no graded judgement (the error lists the
        versions present), no unit is graded under both, ``before == after``, or an annotator
        graded a unit twice under one version.

    Examples
    --------
    >>> import pandas as pd
    >>> labels = pd.DataFrame({
    ...     "query_id": "q", "item_id": ["a", "b", "a", "b"], "annotator": "ana",
    ...     "guideline_version": ["v1", "v1", "v2", "v2"], "relevance": [2, 0, 3, 0]})
    >>> result = compare_guidelines(labels, "v1", "v2")
    >>> result.moved[["item_id", "mean_before", "mean_after", "shift"]].to_dict("records")
    [{'item_id': 'a', 'mean_before': 2.0, 'mean_after': 3.0, 'shift': 1.0}]
    """
    if value not in ("relevance", "magnitude"):
        raise ValueError(
            f"value must be 'relevance' (levels) or 'magnitude' (continuous), got {value!r}"
        )
    if pairs not in ("auto", "same-annotator", "all"):
        raise ValueError(f"pairs must be 'auto', 'same-annotator' or 'all', got {pairs!r}")
    before, after = str(before), str(after)
    if before == after:
        raise ValueError(f"before and after are both {before!r}: compare two different versions")
    frame = _judgements(labels, value)
    present = sorted(frame["guideline_version"].unique())
    for version in (before, after):
        if version not in present:
            raise ValueError(
                f"no graded judgement under guideline_version {version!r} in labels; versions "
                f"present: {', '.join(repr(v) for v in present) or 'none'}"
            )
    frame = frame[frame["guideline_version"].isin([before, after])].reset_index(drop=True)
    domain: list[int] | None = None
    if value == "relevance":
        domain = resolve_scale(scale, value_domain)
        _check_levels(frame, domain)
    by_version = {v: frame[frame["guideline_version"] == v] for v in (before, after)}
    for part in by_version.values():
        single_judgement_per_annotator(part)

    within_rows, reports = [], {}
    for version, part in by_version.items():
        row, report = _within(version, part, value, domain, n_boot=n_boot, seed=seed)
        within_rows.append(row)
        reports[version] = report
    within = pd.DataFrame(within_rows, columns=_WITHIN_COLUMNS)

    shift, only_before, only_after = _shift(by_version[before], by_version[after])
    if shift.empty:
        raise ValueError(
            f"no unit (query_id, item_id) is graded under both {before!r} ({only_before} units) "
            f"and {after!r} ({only_after} units): have the same items graded again under "
            f"{after!r}, e.g. with candidates = the units of {before!r}"
        )
    same = by_version[before].merge(
        by_version[after], on=["query_id", "item_id", "annotator"], suffixes=("_b", "_a")
    )
    basis = pairs if pairs != "auto" else ("same-annotator" if len(same) else "all")
    if basis == "all":
        crossed = by_version[before].merge(
            by_version[after], on=["query_id", "item_id"], suffixes=("_b", "_a")
        )
    else:
        crossed = same
    confusion = None
    if domain is not None:
        confusion = pd.crosstab(
            pd.Categorical(crossed["value_b"], categories=domain),
            pd.Categorical(crossed["value_a"], categories=domain),
            dropna=False,
        )
        confusion.index = pd.Index(domain, name=f"level ({before})")
        confusion.columns = pd.Index(domain, name=f"level ({after})")
        confusion = confusion.astype("int64")
    return GuidelineComparison(
        before=before,
        after=after,
        value=value,
        within=within,
        shift=shift,
        confusion=confusion,
        confusion_basis=basis,
        per_annotator=_per_annotator(same),
        moved=_moved(shift, by_version, value),
        only_before=only_before,
        only_after=only_after,
        agreement=reports,
    )


def _judgements(labels: Any, value: str) -> pd.DataFrame:
    """``query_id, item_id, annotator, guideline_version, value`` of the annotators' grades."""
    columns = ["query_id", "item_id", "annotator", "guideline_version", value]
    frame = require_columns(labels, columns, "labels")
    mask = frame[value].notna().to_numpy(dtype=bool) & frame["item_id"].notna().to_numpy(dtype=bool)
    if "task" in frame.columns:
        mask &= (frame["task"].astype("string") == "grade").fillna(False).to_numpy(dtype=bool)
    if "role" in frame.columns:
        # adjudicated grades settle a disagreement; they are not one more reading of the rubric
        mask &= (
            (frame["role"].astype("string").fillna("annotator") == "annotator")
            .fillna(True)
            .to_numpy(dtype=bool)
        )
    out = frame.loc[mask, columns].reset_index(drop=True)
    out = out.rename(columns={value: "value"})
    for c in ("query_id", "item_id", "annotator", "guideline_version"):
        out[c] = out[c].astype(str)
    numbers = pd.to_numeric(out["value"], errors="coerce")
    bad = numbers.isna() | ~np.isfinite(numbers.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        raise ValueError(
            f"{value} {out['value'][bad].iloc[0]!r} is not a number: {value} must hold numbers"
        )
    out["value"] = numbers.astype(float)
    return out


def _check_levels(frame: pd.DataFrame, domain: list[int]) -> None:
    values = frame["value"].to_numpy()
    off = ~np.isin(values, np.asarray(domain, dtype=float))
    if off.any():
        raise ValueError(
            f"relevance {values[off][0]:g} is not a level of the scale "
            f"({', '.join(map(str, domain))}): pass scale=... or value_domain=[...] with every "
            "level used, or value='magnitude' for a continuous value"
        )


def _within(
    version: str,
    part: pd.DataFrame,
    value: str,
    domain: list[int] | None,
    *,
    n_boot: int,
    seed: int,
) -> tuple[list[Any], Any]:
    """One row of ``within`` for a version, and its AgreementReport (relevance) or None."""
    per_unit = part.groupby(["query_id", "item_id"]).size()
    n_units, n_annotators = len(per_unit), part["annotator"].nunique()
    n_pairable = int(per_unit[per_unit >= 2].sum())
    nan = float("nan")
    if n_pairable == 0:
        note = (
            "one annotator: α needs two"
            if n_annotators < 2
            else "no unit graded by two annotators: α needs overlap"
        )
        return [version, nan, nan, nan, n_annotators, n_units, 0, note], None
    if domain is not None:
        from .agreement import agreement

        grades = part.rename(columns={"value": "relevance"}).astype({"relevance": "int64"})
        report = agreement(grades, value_domain=domain, n_boot=n_boot, seed=seed)
        low, high = report.alpha_ci
        note = "" if np.isfinite(report.alpha_ordinal) else "one level used throughout"
        row = [version, report.alpha_ordinal, low, high, n_annotators, n_units, n_pairable, note]
        return row, report
    alpha = _interval_alpha(part)
    return [version, alpha, nan, nan, n_annotators, n_units, n_pairable, ""], None


def _interval_alpha(part: pd.DataFrame) -> float:
    import krippendorff

    wide = part.pivot_table(
        index="annotator", columns=["query_id", "item_id"], values="value", aggfunc="first"
    )
    data = wide.to_numpy(dtype=float)
    if np.unique(data[~np.isnan(data)]).size < 2:
        return float("nan")  # one value throughout: α is 0/0
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="interval"))


def _shift(before: pd.DataFrame, after: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    keys = ["query_id", "item_id"]
    b = before.groupby(keys)["value"].agg(mean_before="mean", n_before="size")
    a = after.groupby(keys)["value"].agg(mean_after="mean", n_after="size")
    both = b.join(a, how="inner")
    shift = both.reset_index()[["query_id", "item_id", "mean_before", "mean_after"]]
    shift["n_before"] = both["n_before"].to_numpy().astype("int64")
    shift["n_after"] = both["n_after"].to_numpy().astype("int64")
    shift["shift"] = shift["mean_after"] - shift["mean_before"]
    shift = _by_size_of_shift(shift)
    return shift, len(b) - len(both), len(a) - len(both)


def _by_size_of_shift(frame: pd.DataFrame) -> pd.DataFrame:
    order = np.lexsort(
        (frame["item_id"].to_numpy(), frame["query_id"].to_numpy(), -frame["shift"].abs())
    )
    return frame.iloc[order].reset_index(drop=True)


def _per_annotator(same: pd.DataFrame) -> pd.DataFrame:
    if same.empty:
        return pd.DataFrame(
            {
                "annotator": pd.Series(dtype=object),
                "n_both": pd.Series(dtype="int64"),
                "mean_shift": pd.Series(dtype=float),
                "changed": pd.Series(dtype=float),
            }
        )
    diff = same.assign(d=same["value_a"] - same["value_b"])
    out = diff.groupby("annotator")["d"].agg(
        n_both="size", mean_shift="mean", changed=lambda d: float((d != 0).mean())
    )
    return out.reset_index().astype({"n_both": "int64"})


def _moved(shift: pd.DataFrame, by_version: dict[str, pd.DataFrame], value: str) -> pd.DataFrame:
    moved = shift.loc[shift["shift"] != 0, ["query_id", "item_id", "mean_before", "mean_after"]]
    moved = moved.assign(shift=shift.loc[moved.index, "shift"]).reset_index(drop=True)
    for version, part in by_version.items():
        wide = part.pivot_table(
            index=["query_id", "item_id"], columns="annotator", values="value", aggfunc="first"
        )
        for annotator in sorted(wide.columns):
            grades = wide[annotator].reindex(
                pd.MultiIndex.from_frame(moved[["query_id", "item_id"]])
            )
            column = pd.array(grades.to_numpy(), dtype="Float64")
            moved[f"{version}:{annotator}"] = (
                column.astype("Int8") if value == "relevance" else column
            )
    return moved
