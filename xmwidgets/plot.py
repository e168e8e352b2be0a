"""Small static charts of labels, agreement and metrics.

Why matplotlib: it is already a dependency (librosa needs it), renders a static PNG that is saved
with the notebook and shows on GitHub and in nbviewer, and needs no JavaScript or renderer setup.
Altair would add a dependency and a browser-side renderer for three bar charts.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot (no global state, so
it works headless and in threads); it displays itself as a PNG when it is the last value of a cell.

>>> fig = label_distribution(labels)          # doctest: +SKIP
>>> fig.savefig("labels.png")                 # doctest: +SKIP
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["confusion", "guideline_shift", "label_distribution", "metrics"]


@lru_cache(maxsize=1)
def _figure_class() -> type:
    from matplotlib.figure import Figure

    class NotebookFigure(Figure):
        """A Figure that shows itself as a PNG in Jupyter, whatever the matplotlib backend."""

        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
            return buffer.getvalue()

    return NotebookFigure


def _new_figure(width: float, height: float) -> Any:
    return _figure_class()(figsize=(width, height), layout="constrained")


def confusion(report: Any, *, title: str | None = None) -> Any:
    """Heat map of the confusion between levels of an agreement report.

    Parameters
    ----------
    report : AgreementReport or DataFrame
        The result of :func:`xmwidgets.agreement`, or a levels × levels count frame.
    title : str, optional
        Defaults to the α of the report.

    Returns
    -------
    matplotlib.figure.Figure
        Counts in every cell; the diagonal is where annotators agree.
    """
    matrix = report.confusion if hasattr(report, "confusion") else report
    if not isinstance(matrix, pd.DataFrame):
        raise TypeError(
            f"confusion() needs an AgreementReport or a levels × levels DataFrame, "
            f"got {type(report).__name__}"
        )
    counts = matrix.to_numpy(dtype=float)
    k_rows, k_cols = counts.shape
    fig = _new_figure(1.2 + 0.7 * k_cols, 1.0 + 0.7 * k_rows)
    ax = fig.add_subplot()
    image = ax.imshow(counts, cmap="Blues")
    fig.colorbar(image, ax=ax, shrink=0.8, label="judgement pairs")
    ax.set_xticks(range(k_cols), [str(c) for c in matrix.columns])
    ax.set_yticks(range(k_rows), [str(i) for i in matrix.index])
    ax.set_xlabel(matrix.columns.name or "level (annotator b)")
    ax.set_ylabel(matrix.index.name or "level (annotator a)")
    threshold = counts.max() / 2 if counts.size else 0
    for i in range(k_rows):
        for j in range(k_cols):
            ax.text(
                j, i, f"{counts[i, j]:g}", ha="center", va="center",
                color="white" if counts[i, j] > threshold else "black", fontsize=9,
            )  # fmt: skip
    if title is None and hasattr(report, "alpha_ordinal"):
        title = f"ordinal α = {report.alpha_ordinal:.3f}"
    if title:
        ax.set_title(title)
    return fig


def metrics(results: pd.DataFrame, *, title: str | None = None) -> Any:
    """Grouped bars: one group per measure, one bar per run.

    Parameters
    ----------
    results : DataFrame
        The output of :func:`xmwidgets.evaluate` (``run, measure, value``); with ``query_id``
        (``per_query=True``) the bars are means with 95 % normal-approximation error bars.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    missing = [c for c in ("run", "measure", "value") if c not in results.columns]
    if missing:
        raise ValueError(
            f"results is missing column(s) {', '.join(map(repr, missing))}: pass the output of "
            "xm.evaluate(labels, runs)"
        )
    measures = list(dict.fromkeys(results["measure"]))
    runs = list(dict.fromkeys(results["run"]))
    grouped = results.groupby(["measure", "run"], sort=False)["value"]
    means = grouped.mean().unstack("run").reindex(index=measures, columns=runs)
    errors = None
    if "query_id" in results.columns:
        sem = grouped.std(ddof=1) / np.sqrt(grouped.count())
        errors = (1.96 * sem).unstack("run").reindex(index=measures, columns=runs).fillna(0)
    fig = _new_figure(max(4.0, (0.55 + 0.25 * len(runs)) * len(measures) + 1.8), 3.2)
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(runs))
    x = np.arange(len(measures))
    for i, run in enumerate(runs):
        ax.bar(
            x + (i - (len(runs) - 1) / 2) * width,
            means[run].to_numpy(),
            width,
            label=str(run),
            yerr=None if errors is None else errors[run].to_numpy(),
            capsize=2,
        )
    ax.set_xticks(x, [str(m) for m in measures])
    top = float(np.nanmax(means.to_numpy())) if means.size else 1.0
    ax.set_ylim(0, max(1.0, top * 1.05))
    ax.set_ylabel("mean over queries")
    ax.legend(title="run", fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    if title:
        ax.set_title(title)
    return fig


def label_distribution(labels: pd.DataFrame, *, scale: Any = None) -> Any:
    """How often each level was given, per annotator (graded judgements only).

    Parameters
    ----------
    labels : DataFrame
        ``query_id, item_id, relevance`` and optionally ``annotator``.
    scale : Scale, optional
        Its levels are shown even when unused, with their names; defaults to the levels present.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .analysis._frames import grade_labels

    has_annotator = "annotator" in labels.columns
    frame = grade_labels(labels, annotator=has_annotator)
    if not has_annotator:
        frame["annotator"] = "all"
    levels = sorted(set(frame["relevance"])) if scale is None else list(scale.values)
    names = (
        [str(v) for v in levels]
        if scale is None
        else [f"{v}\n{scale.level(v).name}" for v in levels]
    )
    counts = (
        frame.groupby(["relevance", "annotator"]).size().unstack("annotator", fill_value=0)
    ).reindex(levels, fill_value=0)
    annotators = list(counts.columns)
    fig = _new_figure(max(4.0, 0.9 * len(levels) + 2.5), 3.2)
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(annotators))
    x = np.arange(len(levels))
    for i, name in enumerate(annotators):
        offset = (i - (len(annotators) - 1) / 2) * width
        ax.bar(x + offset, counts[name].to_numpy(), width, label=str(name))
    ax.set_xticks(x, names, fontsize=8)
    ax.set_xlabel("relevance")
    ax.set_ylabel("judgements")
    if len(annotators) > 1:
        ax.legend(title="annotator", fontsize=8, frameon=False)
    ax.set_title(f"{len(frame)} judgements")
    return fig


def guideline_shift(result: Any, *, title: str | None = None) -> Any:
    """What a guideline revision changed: the confusion ``before`` → ``after`` and the shifts.

    Parameters
    ----------
    result : GuidelineComparison
        The result of :func:`xmwidgets.compare_guidelines`.
    title : str, optional
        Defaults to the two versions and their α.

    Returns
    -------
    matplotlib.figure.Figure
        Left: counts of (level under ``before``, level under ``after``) judgement pairs; the
        diagonal is where the grade stayed (relevance only). Right: how many units moved by how
        much (mean grade under ``after`` minus under ``before``).
    """
    shifts = result.shift["shift"].to_numpy(dtype=float)
    matrix = result.confusion
    k = 0 if matrix is None else matrix.shape[0]
    width = 5.5 + 0.7 * k if matrix is not None else 5.0
    fig = _new_figure(width, 1.4 + 0.7 * max(k, 3))
    # room between the colour bar's label and the histogram's axis label
    fig.get_layout_engine().set(wspace=0.12)
    axes = fig.subplots(1, 2 if matrix is not None else 1, squeeze=False)[0]
    if matrix is not None:
        ax = axes[0]
        counts = matrix.to_numpy(dtype=float)
        image = ax.imshow(counts, cmap="Blues")
        fig.colorbar(image, ax=ax, shrink=0.8, label=f"{result.confusion_basis} pairs")
        ax.set_xticks(range(counts.shape[1]), [str(c) for c in matrix.columns])
        ax.set_yticks(range(counts.shape[0]), [str(i) for i in matrix.index])
        ax.set_xlabel(str(matrix.columns.name))
        ax.set_ylabel(str(matrix.index.name))
        threshold = counts.max() / 2 if counts.size else 0
        for i in range(counts.shape[0]):
            for j in range(counts.shape[1]):
                ax.text(
                    j, i, f"{counts[i, j]:g}", ha="center", va="center",
                    color="white" if counts[i, j] > threshold else "black", fontsize=9,
                )  # fmt: skip
    ax = axes[-1]
    if len(shifts):
        # one bar per distinct shift: means over a few annotators take few values
        values, n_units = np.unique(np.round(shifts, 3), return_counts=True)
        bar = 0.8 * (float(np.min(np.diff(values))) if len(values) > 1 else 1.0)
        colors = ["#4c72b0" if v > 0 else "#c44e52" if v < 0 else "#999999" for v in values]
        ax.bar(values, n_units, width=bar, color=colors)
        ax.set_xticks(values, [f"{v:+g}" if v else "0" for v in values])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"shift of mean grade ({result.after} − {result.before})")
    ax.set_ylabel("units")
    if title is None:
        a, b = result.alpha(result.before), result.alpha(result.after)
        title = (
            f"{result.before} (α {a:.3f}) → {result.after} (α {b:.3f}): "
            f"{len(result.moved)} of {len(shifts)} units moved"
        )
    fig.suptitle(title, fontsize=10)
    return fig
