"""Agreement between annotators: Krippendorff's α, Cohen's and Fleiss' κ, and a full report.

A *unit* is one judged pair ``(query_id, item_id)``; a *judgement* is one annotator's relevance
for it. Only graded judgements count: rows with ``task == "grade"`` (when a ``task`` column exists)
and a non-null ``relevance``. The value domain comes from the scale (TREC 0–3 by default), so a
level no one used still counts, as Krippendorff prescribes for ordinal data.

>>> import pandas as pd
>>> labels = pd.DataFrame({"query_id": ["q1"] * 4, "item_id": ["a", "a", "b", "b"],
...                        "annotator": ["ana", "ben"] * 2, "relevance": [3, 3, 0, 1]})
>>> round(krippendorff_alpha(labels), 3)
0.833
"""

from __future__ import annotations

import html
import itertools
import numbers
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._bootstrap import bootstrap_alpha, unit_coincidences
from ._frames import (
    check_count,
    check_domain,
    grade_labels,
    one_guideline_version_per_pair,
    resolve_scale,
    single_judgement_per_annotator,
    unit_name,
)

__all__ = [
    "AgreementReport",
    "agreement",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
]

MeasurementLevel = Literal["nominal", "ordinal", "interval", "ratio"]
_LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _graded(labels: Any, scale: Any, value_domain: Any) -> tuple[pd.DataFrame, list[int]]:
    frame = grade_labels(labels)
    one_guideline_version_per_pair(frame, "agreement needs one guideline version per unit")
    single_judgement_per_annotator(frame)
    if scale is None and value_domain is None:
        from ..scale import TREC_SCALE

        scale = TREC_SCALE
    domain = resolve_scale(scale, value_domain)
    check_domain(frame["relevance"].to_numpy(), domain, scale if value_domain is None else None)
    return frame, domain


@dataclass
class _Coded:
    """Judgements as integer codes: unit (row of ``units``), annotator, level position."""

    units: pd.DataFrame  # query_id, item_id, sorted
    annotators: list[str]  # sorted
    unit: np.ndarray
    annotator: np.ndarray
    level: np.ndarray
    domain: list[int]

    def counts(self) -> np.ndarray:
        """Units × levels counts of judgements."""
        k = len(self.domain)
        flat = np.bincount(self.unit * k + self.level, minlength=len(self.units) * k)
        return flat.reshape(len(self.units), k)

    def wide(self) -> np.ndarray:
        """Units × annotators level positions, NaN where an annotator did not judge the unit."""
        out = np.full((len(self.units), len(self.annotators)), np.nan)
        out[self.unit, self.annotator] = self.level
        return out


def _coded(frame: pd.DataFrame, domain: list[int]) -> _Coded:
    q_codes, q_names = pd.factorize(frame["query_id"], sort=True)
    i_codes, i_names = pd.factorize(frame["item_id"], sort=True)
    a_codes, a_names = pd.factorize(frame["annotator"], sort=True)
    # sorted codes of (query, item) give the units in (query_id, item_id) order
    unit, pairs = pd.factorize(q_codes.astype(np.int64) * len(i_names) + i_codes, sort=True)
    units = pd.DataFrame(
        {
            "query_id": np.asarray(q_names, dtype=object)[pairs // len(i_names)],
            "item_id": np.asarray(i_names, dtype=object)[pairs % len(i_names)],
        }
    )
    level = np.searchsorted(np.asarray(domain), frame["relevance"].to_numpy())
    return _Coded(units, [str(a) for a in a_names], unit, a_codes, level, domain)


def _value_counts(frame: pd.DataFrame, domain: list[int]) -> tuple[np.ndarray, pd.DataFrame]:
    """Units × levels counts of judgements, and the units (query_id, item_id) in row order."""
    coded = _coded(frame, domain)
    return coded.counts(), coded.units


def krippendorff_alpha(
    labels: pd.DataFrame,
    level: MeasurementLevel = "ordinal",
    *,
    scale: Any = None,
    value_domain: Any = None,
) -> float:
    """Krippendorff's α over all annotators, allowing missing judgements.

    Parameters
    ----------
    labels : DataFrame
        ``query_id, item_id, annotator, relevance`` (the labels view of the store will do).
    level : {"nominal", "ordinal", "interval", "ratio"}
        Level of measurement; relevance grades are ordinal.
    scale : Scale, optional
        Gives the value domain (``scale.values``); defaults to ``TREC_SCALE`` (0–3).
    value_domain : sequence of int, optional
        The levels, overriding ``scale`` (e.g. ``[1, 2, 3, 4, 5]``).

    Returns
    -------
    float
        α (1 = perfect agreement, 0 = chance level). Computed by the ``krippendorff`` package.
        NaN when all pairable judgements use one level (no variation: α is undefined).

    Examples
    --------
    >>> import pandas as pd
    >>> labels = pd.DataFrame({"query_id": "q", "item_id": ["a", "a", "b", "b"],
    ...                        "annotator": ["x", "y", "x", "y"], "relevance": [1, 1, 3, 3]})
    >>> krippendorff_alpha(labels, "nominal")
    1.0
    """
    if level not in _LEVELS:
        raise ValueError(f"unknown level {level!r}: use one of {', '.join(_LEVELS)}")
    if isinstance(labels, list | tuple | np.ndarray):
        raise TypeError(
            f"labels must be a pandas DataFrame (query_id, item_id, annotator, relevance), got "
            f"{type(labels).__name__}: for an annotators x units matrix, call "
            "krippendorff.alpha(reliability_data=matrix, level_of_measurement='ordinal') directly"
        )
    frame, domain = _graded(labels, scale, value_domain)
    counts, _ = _value_counts(frame, domain)
    _require_pairable(counts)
    alpha = _alpha(counts, domain, level)
    _warn_if_undefined(alpha, counts, domain)
    return alpha


def _alpha(counts: np.ndarray, domain: list[int], level: MeasurementLevel) -> float:
    import krippendorff

    pairable = counts[counts.sum(axis=1) >= 2]
    if np.count_nonzero(pairable.sum(axis=0)) < 2:
        return float("nan")  # one level used throughout: no variation, α is undefined (0/0)
    # the package takes units × values counts directly: no annotators × units matrix needed
    return float(
        krippendorff.alpha(
            value_counts=counts.astype(float), value_domain=domain, level_of_measurement=level
        )
    )


def _warn_if_undefined(
    alpha: float,
    counts: np.ndarray,
    domain: list[int],
    name: str = "Krippendorff's alpha",
    short: str = "alpha",
) -> None:
    """Say why a coefficient is NaN: every pairable judgement has one level, so there is
    nothing to compare."""
    if not np.isnan(alpha):
        return
    pairable = counts[counts.sum(axis=1) >= 2]
    used = [domain[i] for i in np.flatnonzero(pairable.sum(axis=0))]
    warnings.warn(
        f"{name} is undefined (NaN): every judgement on the {len(pairable)} "
        f"unit(s) judged more than once is level {used[0] if used else '?'}, so there is no "
        f"variation to measure agreement against ({short} compares observed with expected "
        "disagreement, and both are 0). The annotators agree on every such unit; report that "
        "raw agreement, or judge units whose grades vary",
        UserWarning,
        stacklevel=3,
    )


def _check_bootstrap(n_boot: Any, ci_level: Any) -> None:
    check_count(n_boot, "n_boot", minimum=0)
    if (
        isinstance(ci_level, bool)
        or not isinstance(ci_level, numbers.Real)
        or not 0 < float(ci_level) < 1
    ):
        raise ValueError(
            f"ci_level must be a number between 0 and 1 (e.g. 0.95 for a 95% interval), got "
            f"{ci_level!r}"
            + (f"; did you mean {ci_level / 100:g}?" if _is_percent(ci_level) else "")
        )


def _is_percent(value: Any) -> bool:
    return (
        isinstance(value, numbers.Real) and not isinstance(value, bool) and 1 < float(value) < 100
    )


def _require_pairable(counts: np.ndarray) -> None:
    if not (counts.sum(axis=1) >= 2).any():
        raise ValueError(
            "no unit (query–item pair) has judgements from two annotators: agreement needs "
            "overlapping judgements; assign some pairs to several annotators"
        )


def _pair_frame(frame: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    names = set(frame["annotator"].unique())
    for name in (a, b):
        if name not in names:
            raise ValueError(
                f"annotator {name!r} has no graded judgements in labels; annotators present: "
                f"{', '.join(repr(n) for n in sorted(names)) or 'none'}"
            )
    left = frame.loc[frame.annotator == a, ["query_id", "item_id", "relevance"]]
    right = frame.loc[frame.annotator == b, ["query_id", "item_id", "relevance"]]
    return left.merge(right, on=["query_id", "item_id"], suffixes=("_a", "_b"))


def cohen_kappa(
    labels: pd.DataFrame,
    a: str,
    b: str,
    weights: Literal["linear", "quadratic"] | None = None,
    *,
    scale: Any = None,
    value_domain: Any = None,
) -> float:
    """Cohen's κ between annotators ``a`` and ``b`` on the units both judged.

    Parameters
    ----------
    labels : DataFrame
        ``query_id, item_id, annotator, relevance``.
    a, b : str
        The two annotators.
    weights : {None, "linear", "quadratic"}
        Unweighted κ, or weighted by the distance between level positions on the scale.
    scale, value_domain
        The levels (default TREC 0–3); weights follow their positions, so unused levels still count.

    Returns
    -------
    float
        κ, through ``sklearn.metrics.cohen_kappa_score``; NaN when it is undefined (both annotators
        used a single, identical level).
    """
    from sklearn.metrics import cohen_kappa_score

    if weights not in (None, "linear", "quadratic"):
        raise ValueError(f"unknown weights {weights!r}: use None, 'linear' or 'quadratic'")
    frame, domain = _graded(labels, scale, value_domain)
    pairs = _pair_frame(frame, str(a), str(b))
    if pairs.empty:
        raise ValueError(f"annotators {a!r} and {b!r} judged no unit in common: κ is undefined")
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(
            cohen_kappa_score(
                pairs["relevance_a"], pairs["relevance_b"], labels=domain, weights=weights
            )
        )


def fleiss_kappa(labels: pd.DataFrame, *, scale: Any = None, value_domain: Any = None) -> float:
    """Fleiss' κ: every unit must have the same number of judgements (annotators may differ).

    Parameters
    ----------
    labels : DataFrame
        ``query_id, item_id, annotator, relevance``.
    scale, value_domain
        The levels (default TREC 0–3).

    Returns
    -------
    float
        κ, through ``statsmodels.stats.inter_rater.fleiss_kappa``.

    Raises
    ------
    ValueError
        When units have different numbers of judgements; use :func:`krippendorff_alpha` then.
    """
    from statsmodels.stats.inter_rater import fleiss_kappa as _fleiss

    frame, domain = _graded(labels, scale, value_domain)
    counts, units = _value_counts(frame, domain)
    per_unit = counts.sum(axis=1)
    values, freq = np.unique(per_unit, return_counts=True)
    if len(values) > 1:
        usual = values[np.argmax(freq)]
        odd = int(np.flatnonzero(per_unit != usual)[0])
        raise ValueError(
            f"unit {unit_name(units.query_id[odd], units.item_id[odd])} has {per_unit[odd]} "
            f"judgements, others {usual}: Fleiss' kappa needs the same number per unit; use "
            "krippendorff_alpha, which allows missing judgements"
        )
    if values[0] < 2:
        raise ValueError("every unit has a single judgement: Fleiss' kappa needs at least two")
    if np.count_nonzero(counts.sum(axis=0)) < 2:
        # statsmodels divides 0 by 0 here, with a RuntimeWarning from its own code
        _warn_if_undefined(float("nan"), counts, domain, "Fleiss' kappa", "kappa")
        return float("nan")
    return float(_fleiss(counts, method="fleiss"))


@dataclass
class AgreementReport:
    """What :func:`agreement` found; displays as a small HTML report in a notebook.

    Attributes
    ----------
    alpha_ordinal, alpha_nominal : float
        Krippendorff's α at the two levels of measurement.
    alpha_ci : (float, float)
        Percentile bootstrap interval of the ordinal α (``ci_level``, units resampled).
    pairwise : DataFrame
        ``annotator_a, annotator_b, kappa_linear, kappa_quadratic, n`` per pair with common units.
    n_units : int
        Units (query–item pairs) with at least one judgement.
    n_pairable : int
        Judgements on units judged at least twice (Krippendorff's *n*).
    confusion : DataFrame
        Levels × levels: for every annotator pair (a < b by name) and unit both judged, one count at
        (level by a, level by b).
    disagreements : DataFrame
        ``query_id, item_id, spread`` and one column per annotator, units whose judgements differ,
        by spread descending. Usable as a candidates frame for the next round.
    """

    alpha_ordinal: float
    alpha_nominal: float
    alpha_ci: tuple[float, float]
    pairwise: pd.DataFrame
    n_units: int
    n_pairable: int
    confusion: pd.DataFrame
    disagreements: pd.DataFrame
    annotators: list[str] = field(default_factory=list)
    ci_level: float = 0.95
    n_boot: int = 1000

    def __repr__(self) -> str:
        low, high = self.alpha_ci
        return (
            f"AgreementReport(alpha_ordinal={self.alpha_ordinal:.3f} [{low:.3f}, {high:.3f}], "
            f"alpha_nominal={self.alpha_nominal:.3f}, {len(self.annotators)} annotators, "
            f"{self.n_units} units, {self.n_pairable} pairable judgements, "
            f"{len(self.disagreements)} disagreements)"
        )

    def _repr_html_(self) -> str:
        low, high = self.alpha_ci
        pct = round(self.ci_level * 100)
        head = (
            f"<p><b>Krippendorff's α</b> ordinal {self.alpha_ordinal:.3f} "
            f"({pct}% CI {low:.3f}–{high:.3f}, {self.n_boot} bootstrap samples of units), "
            f"nominal {self.alpha_nominal:.3f}<br>{len(self.annotators)} annotators, "
            f"{self.n_units} units, {self.n_pairable} pairable judgements, "
            f"{len(self.disagreements)} units with disagreement</p>"
        )
        if np.isnan(self.alpha_ordinal):
            head += (
                "<p>α is undefined (NaN): every judgement on the units judged more than once "
                "has the same level, so there is no variation to measure agreement against.</p>"
            )
        pairwise = self.pairwise.to_html(index=False, float_format=lambda x: f"{x:.3f}")
        # blank cells where an annotator did not judge the unit (to_html shows <NA> otherwise)
        top = self.disagreements.head(10).astype(object)
        top = top.where(top.notna(), "").to_html(index=False)
        return (
            f"<div>{head}<p><b>Pairwise weighted κ</b></p>{pairwise}"
            f"<p><b>Confusion between levels</b> (rows: first annotator of a pair)</p>"
            f"{self.confusion.to_html()}"
            f"<p><b>Largest disagreements</b> (top 10 of {len(self.disagreements)}; "
            f"<code>{html.escape('report.disagreements')}</code> has them all)</p>{top}</div>"
        )


def _kappa_from_confusion(cm: np.ndarray, weights: str) -> float:
    # same formula as sklearn.metrics.cohen_kappa_score, on a precomputed confusion matrix
    k = cm.shape[0]
    pos = np.arange(k)
    w = np.abs(pos[:, None] - pos[None, :]).astype(float)
    if weights == "quadratic":
        w = w**2
    n = cm.sum()
    expected = np.outer(cm.sum(axis=1), cm.sum(axis=0)) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(1 - (w * cm).sum() / (w * expected).sum())


def agreement(
    labels: pd.DataFrame,
    *,
    scale: Any = None,
    value_domain: Any = None,
    n_boot: int = 1000,
    seed: int = 0,
    ci_level: float = 0.95,
) -> AgreementReport:
    """Everything about annotator agreement in one call.

    Parameters
    ----------
    labels : DataFrame
        ``query_id, item_id, annotator, relevance`` (one judgement per annotator and unit).
    scale, value_domain
        The levels (default TREC 0–3).
    n_boot : int
        Bootstrap samples for the α interval: pairable units are resampled with replacement;
        0 skips the bootstrap (the interval is then NaN, NaN).
    seed : int
        Seed of the bootstrap, so the interval is reproducible.
    ci_level : float
        Coverage of the percentile interval, between 0 and 1 (0.95, not 95).

    Returns
    -------
    AgreementReport

    Examples
    --------
    >>> report = agreement(labels)                     # doctest: +SKIP
    >>> report.disagreements[["query_id", "item_id"]]  # next batch to discuss  # doctest: +SKIP
    """
    _check_bootstrap(n_boot, ci_level)
    frame, domain = _graded(labels, scale, value_domain)
    coded = _coded(frame, domain)
    counts = coded.counts()
    _require_pairable(counts)
    alpha_ord = _alpha(counts, domain, "ordinal")
    alpha_nom = _alpha(counts, domain, "nominal")
    _warn_if_undefined(alpha_ord, counts, domain)
    pairable = counts.sum(axis=1) >= 2
    coinc = unit_coincidences(counts[pairable])
    low, high = bootstrap_alpha(coinc, "ordinal", n_boot=n_boot, seed=seed, ci_level=ci_level)

    annotators = coded.annotators
    pos = coded.wide()
    k = len(domain)
    total = np.zeros((k, k), dtype=np.int64)
    rows = []
    for i, j in itertools.combinations(range(len(annotators)), 2):
        both = ~np.isnan(pos[:, i]) & ~np.isnan(pos[:, j])
        if not both.any():
            continue
        cm = np.bincount(
            pos[both, i].astype(int) * k + pos[both, j].astype(int), minlength=k * k
        ).reshape(k, k)
        total += cm
        rows.append(
            (
                annotators[i],
                annotators[j],
                _kappa_from_confusion(cm, "linear"),
                _kappa_from_confusion(cm, "quadratic"),
                int(both.sum()),
            )
        )
    pairwise = pd.DataFrame(
        rows, columns=["annotator_a", "annotator_b", "kappa_linear", "kappa_quadratic", "n"]
    )
    confusion = pd.DataFrame(
        total,
        index=pd.Index(domain, name="level (annotator a)"),
        columns=pd.Index(domain, name="level (annotator b)"),
    )
    values = np.asarray(domain, dtype=float)
    with np.errstate(invalid="ignore"):
        graded = np.where(np.isnan(pos), np.nan, values[np.nan_to_num(pos).astype(int)])
    judged = (~np.isnan(pos)).sum(axis=1)
    spread = np.zeros(len(pos))
    multi = judged >= 2
    spread[multi] = np.nanmax(graded[multi], axis=1) - np.nanmin(graded[multi], axis=1)
    keep = np.flatnonzero(spread > 0)
    dis = coded.units.iloc[keep].reset_index(drop=True)
    dis["spread"] = spread[keep].astype(int)
    for col, name in enumerate(annotators):
        dis[name] = pd.array(graded[keep, col], dtype="Float64").astype("Int8")
    dis = dis.sort_values(
        ["spread", "query_id", "item_id"], ascending=[False, True, True], ignore_index=True
    )
    return AgreementReport(
        alpha_ordinal=alpha_ord,
        alpha_nominal=alpha_nom,
        alpha_ci=(low, high),
        pairwise=pairwise,
        n_units=len(coded.units),
        n_pairable=int(counts[pairable].sum()),
        confusion=confusion,
        disagreements=dis,
        annotators=annotators,
        ci_level=ci_level,
        n_boot=n_boot,
    )
