"""Retrieval metrics of runs against the labels, through ir-measures (trec_eval), plus mAP@R.

Conventions (every report built on these functions uses them; say so when you publish numbers):

- **Judgements to qrels.** Only graded judgements count (``task == "grade"`` when a ``task`` column
  exists, non-null ``relevance``): a candidate flagged broken-media (``relevance`` <NA>) is not a
  judgement, and a query whose only rows are such flags is not a judged query. Several
  annotators' judgements of a pair become one grade by ``aggregate``: ``"mean"`` and ``"median"``
  rounded to the nearest level with halves rounded *up* (grades 1 and 2 give 2), ``"majority"``
  the most frequent grade with ties going to the *higher* grade, ``"max"``, ``"min"``; or
  ``annotator="ana"`` uses that annotator's judgements only. Grades of one pair under two
  guideline versions (``guideline_version``: the store keeps both) are never aggregated: they
  answer different questions, so ``to_qrels`` and ``evaluate`` refuse them, naming the pair and
  the versions; select one first (``labels[labels.guideline_version == "v2"]``). Pairs each
  judged under one version may mix versions.
- **Binary measures** (P, R, AP, RR, Rprec, Success, mAP@R) count a grade ≥ ``rel`` as relevant
  (default 1). nDCG uses the grades as gains (linear; ``nDCG(gains={0:0,1:1,2:3,3:7})@10`` for
  exponential gains) and ignores ``rel``.
- **Unjudged retrieved items** count as non-relevant (``unjudged="nonrelevant"``, trec_eval's rule),
  or are removed from the ranking before evaluation (``unjudged="drop"``, the *condensed list* of
  Sakai 2007), which is fairer to a new retriever whose top items were never pooled.
- **Score ties** are broken by ``item_id`` ascending: each run is ordered by score descending, then
  item_id ascending, and its scores are rewritten to strictly decreasing numbers before they reach
  trec_eval (which would otherwise break ties by document id *descending*). A run with a ``rank``
  column and no ``score`` is ordered by rank. The ``rank`` column of a scored run is ignored.
  :func:`~xmwidgets.unjudged` and :func:`~xmwidgets.pool` rank runs by the same rule.
- **Queries** are those with at least one judgement; queries with no judgement are excluded (they
  cannot be scored). A judged query missing from a run scores 0 on every measure; a judged query
  with no relevant item scores 0 too (trec_eval's rule). The aggregate is the mean over judged
  queries.
"""

from __future__ import annotations

import html
import itertools
import numbers
import operator
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._frames import (
    _alias_doc_id,
    _text,
    check_rel,
    grade_labels,
    id_examples,
    id_mismatch_hint,
    no_grade_error,
    one_guideline_version_per_pair,
    rank_run,
    require_columns,
    runs_dict,
)
from ._mapr import is_map_at_r, map_at_r_ranked

__all__ = ["RunComparison", "compare_runs", "evaluate", "map_at_r", "to_qrels"]

Aggregate = Literal["mean", "median", "majority", "max", "min"]
DEFAULT_MEASURES = ("nDCG@10", "R@10", "AP", "RR", "mAP@R")
_AGGREGATES = ("mean", "median", "majority", "max", "min")
# columns of RunComparison.per_query besides the two runs' own
_PER_QUERY_COLUMNS = ("query_id", "difference")


def to_qrels(
    labels: pd.DataFrame, aggregate: Aggregate = "mean", annotator: str | None = None
) -> pd.DataFrame:
    """One relevance grade per judged (query, item): the qrels of the labels.

    Parameters
    ----------
    labels : DataFrame
        ``query_id, item_id, annotator, relevance`` (``doc_id`` accepted for ``item_id``; without an
        ``annotator`` column every row counts as one judgement).
    aggregate : {"mean", "median", "majority", "max", "min"}
        How several judgements of a pair become one grade (see the module docstring for rounding).
    annotator : str, optional
        Use only this annotator's judgements.

    Returns
    -------
    DataFrame
        ``query_id, doc_id, relevance`` with ``str`` ids and plain ``int64`` relevance, sorted.

    Raises
    ------
    ValueError
        When a pair was graded under several ``guideline_version`` values (after ``annotator``):
        select one version first, e.g. ``labels[labels.guideline_version == "v2"]``.

    Examples
    --------
    >>> import pandas as pd
    >>> labels = pd.DataFrame({"query_id": "q1", "item_id": "a", "annotator": ["x", "y"],
    ...                        "relevance": [1, 2]})
    >>> to_qrels(labels).relevance.tolist()
    [2]
    """
    if aggregate not in _AGGREGATES:
        raise ValueError(f"unknown aggregate {aggregate!r}: use one of {', '.join(_AGGREGATES)}")
    has_annotator = isinstance(labels, pd.DataFrame) and "annotator" in labels.columns
    frame = grade_labels(labels, annotator=has_annotator or annotator is not None)
    if annotator is not None:
        present = sorted(frame["annotator"].unique())
        if str(annotator) not in present:
            raise ValueError(
                f"annotator {annotator!r} has no graded judgements in labels; annotators present: "
                f"{', '.join(repr(a) for a in present) or 'none'}"
            )
        frame = frame[frame["annotator"] == str(annotator)]
    one_guideline_version_per_pair(frame, "qrels need one guideline version per pair")
    groups = frame.groupby(["query_id", "item_id"], sort=True)["relevance"]
    if aggregate in ("mean", "median"):
        central = groups.mean() if aggregate == "mean" else groups.median()
        grade = np.floor(central + 0.5).astype(np.int64)
    elif aggregate == "max":
        grade = groups.max()
    elif aggregate == "min":
        grade = groups.min()
    else:
        counts = frame.groupby(["query_id", "item_id", "relevance"]).size().reset_index(name="n")
        counts = counts.sort_values(
            ["query_id", "item_id", "n", "relevance"], ascending=[True, True, False, False]
        )
        grade = counts.drop_duplicates(["query_id", "item_id"]).set_index(["query_id", "item_id"])[
            "relevance"
        ]
    out = grade.rename("relevance").reset_index().rename(columns={"item_id": "doc_id"})
    out["relevance"] = out["relevance"].to_numpy(dtype=np.int64)
    return out.sort_values(["query_id", "doc_id"], ignore_index=True)


def _measure_list() -> str:
    import ir_measures

    names = sorted(ir_measures.measures.registry)
    return (
        "mAP@R, and the ir-measures measures "
        + ", ".join(names)
        + " (e.g. 'nDCG@10', 'P@5', 'R(rel=2)@100', 'Success@1', 'AP', 'RR', 'Judged@10')"
    )


_NOT_GIVEN = object()
_MAX_CUTOFF = 2**63 - 1


def _check_measure(name: str, measure: Any) -> None:
    """Refuse parameters that trec_eval cannot take, before it sees them.

    A cutoff of 0 aborts the whole process inside pytrec_eval (a C assertion: in Jupyter the
    kernel dies), ``Judged@0`` divides by zero, and ir-measures itself answers a wrong type with
    a bare ``AssertionError``: each is refused here, naming the measure and the value.
    """

    def fail(problem: str) -> None:
        raise ValueError(f"measure {name!r}: {problem}")

    params = dict(getattr(measure, "params", {}))
    supported = dict(getattr(measure, "SUPPORTED_PARAMS", {}))
    base = getattr(measure, "NAME", None) or name
    unknown = sorted(set(params) - set(supported))
    if unknown:
        fail(
            f"unknown parameter(s) {', '.join(unknown)}; {base} takes "
            f"{', '.join(supported) or 'no parameters'}"
        )
    for key, info in supported.items():
        value = params.get(key, _NOT_GIVEN)
        desc = getattr(info, "desc", None) or key
        if value is _NOT_GIVEN:
            if getattr(info, "required", False):
                fail(f"needs the parameter {key} ({desc}), e.g. {base}({key}=...)")
            continue
        if key == "cutoff":
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                fail(
                    f"the cutoff must be a whole number of top items, got {value!r}; e.g. "
                    f"'{base}@10'"
                )
            if value < 1:
                fail(
                    f"the cutoff must be at least 1 (the number of top items scored), got "
                    f"{value!r}; e.g. '{base}@10'"
                )
            if value > _MAX_CUTOFF:  # trec_eval reads cutoffs as C longs: it would wrap round
                fail(
                    f"the cutoff must be at most {_MAX_CUTOFF} (trec_eval's largest), got "
                    f"{value!r}; e.g. the length of the longest run, '{base}@1000'"
                )
        elif key == "rel":
            try:
                check_rel(value, f"measure {name!r}: ")
            except TypeError as err:  # a bad value in a measure name: one kind of error
                raise ValueError(str(err)) from None
        elif key == "recall":
            if (
                isinstance(value, bool)
                or not isinstance(value, numbers.Real)
                or not 0 <= float(value) <= 1
            ):
                fail(f"the recall level must be a number from 0 to 1, got {value!r}")
        elif key == "gains":
            bad = [
                (grade, gain)
                for grade, gain in (value.items() if isinstance(value, dict) else [])
                if any(
                    isinstance(v, bool) or not isinstance(v, numbers.Integral)
                    for v in (grade, gain)
                )
            ]
            if not isinstance(value, dict) or bad:
                shown = f"{bad[0][0]!r}: {bad[0][1]!r}" if bad else repr(value)
                fail(
                    f"gains must map integer grades to integer gains (trec_eval takes whole "
                    f"numbers), got {shown}; e.g. nDCG(gains={{0: 0, 1: 1, 2: 3, 3: 7}})@10"
                )
        dtype = getattr(info, "dtype", None)
        if isinstance(dtype, type) and (
            not isinstance(value, dtype) or (isinstance(value, bool) and dtype is not bool)
        ):
            written = (
                f" (write {float(value)!r})"
                if dtype is float
                and not isinstance(value, bool)
                and isinstance(value, numbers.Integral)
                else ""
            )
            fail(f"{key} ({desc}) must be of type {dtype.__name__}, got {value!r}{written}")
        choices = getattr(info, "choices", None)
        if isinstance(choices, list | tuple | set | frozenset) and value not in choices:
            fail(f"{key} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    try:
        measure.validate_params()
    except AssertionError as err:  # ir-measures' own check, in its words
        fail(f"{err}; {base} takes {', '.join(supported) or 'no parameters'}")


def _parse(measures: Iterable[Any] | str, rel: int) -> list[tuple[str, Any]]:
    """(display name, ir_measures measure or ``("mAP@R", rel)``) per requested measure."""
    import ir_measures

    if isinstance(measures, str):
        measures = [measures]
    if measures is None or not isinstance(measures, Iterable):
        raise TypeError(
            f"measures must be a list of measure names, got {type(measures).__name__} "
            f"{measures!r}; e.g. {list(DEFAULT_MEASURES)}"
        )
    parsed: list[tuple[str, Any]] = []
    for spec in measures:
        name = str(spec)
        if not isinstance(spec, str | ir_measures.Measure):
            raise TypeError(
                f"measure {spec!r} is a {type(spec).__name__}: give a name such as 'nDCG@10' "
                "or an ir_measures measure"
            )
        map_at_r = is_map_at_r(name) if isinstance(spec, str) else None
        if map_at_r is not None:
            (own_rel,) = map_at_r
            if own_rel is not None:
                check_rel(own_rel, f"measure {name!r}: ")
            parsed.append((name, ("mAP@R", rel if own_rel is None else own_rel)))
            continue
        try:
            measure = ir_measures.parse_measure(spec) if isinstance(spec, str) else spec
        except Exception as err:
            raise ValueError(
                f"unknown measure {name!r}: {err}. Supported: {_measure_list()}"
            ) from None
        if rel != 1 and "rel" in measure.SUPPORTED_PARAMS and "rel" not in measure.params:
            measure = measure(rel=rel)
        _check_measure(name, measure)
        parsed.append((name, measure))
    if not parsed:
        raise ValueError(f"no measures given: pass e.g. {list(DEFAULT_MEASURES)}")
    names = [name for name, _ in parsed]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"measure(s) {', '.join(map(repr, repeated))} requested more than once")
    return parsed


def _run_for_eval(run: pd.DataFrame, name: str, qrels: pd.DataFrame, unjudged: str) -> pd.DataFrame:
    ranked = rank_run(run, name)
    # judged queries only: tested once per distinct query, not per row (a string isin over a
    # million rows), and no copy at all when every query of the run is judged
    codes, uniques = pd.factorize(ranked["query_id"])
    judged = pd.Index(uniques).isin(pd.Index(qrels["query_id"].unique()))
    if not judged.all():
        ranked = ranked[judged[codes]]
    if unjudged == "drop":
        key = pd.MultiIndex.from_frame(qrels[["query_id", "doc_id"]])
        keep = pd.MultiIndex.from_frame(ranked[["query_id", "item_id"]]).isin(key)
        ranked = ranked[keep]
    return ranked.reset_index(drop=True)


def _direct_run(run: Any, qrels: pd.DataFrame) -> dict[str, dict[str, float]] | None:
    """The run as ``{query: {item: score}}`` straight from its rows (judged queries only), or
    None when it must be ranked first (:func:`rank_run`).

    When no two items of a query share a score, trec_eval's order (score descending) is already
    the convention's, so the scores can go as they are: no sort of a million rows, and no
    rewritten copy of the run. A run with ties, no ``score`` column, a missing score or a
    repeated pair goes through ``rank_run`` (which breaks the ties, or says what is wrong).
    """
    if not isinstance(run, pd.DataFrame):
        return None
    frame = _alias_doc_id(run)
    if not {"query_id", "item_id", "score"} <= set(frame.columns):
        return None
    score = pd.to_numeric(frame["score"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(score).any() or frame[["query_id", "item_id"]].isna().any().any():
        return None  # rank_run says what is wrong
    q_codes, q_names = pd.factorize(_text(frame["query_id"]))
    i_codes, i_names = pd.factorize(_text(frame["item_id"]))
    if len(q_codes) == 0:
        return {}
    # a tie = the same (query, score) twice; hashed, not sorted (distinct scores overall, the
    # usual case with float scores, need no look at the queries)
    if (
        pd.Index(score).has_duplicates
        and pd.DataFrame({"q": q_codes, "s": score}).duplicated().any()
    ):
        return None
    order = None if (np.diff(q_codes) >= 0).all() else np.argsort(q_codes, kind="stable")
    if order is not None:
        q_codes, i_codes, score = q_codes[order], i_codes[order], score[order]
    names = np.asarray(q_names, dtype=object).tolist()
    judged_queries = set(np.asarray(qrels["query_id"].unique(), dtype=object).tolist())
    judged = [name in judged_queries for name in names]
    items = _pick(np.asarray(i_names, dtype=object).tolist(), i_codes)
    values = score.tolist()
    starts = np.flatnonzero(np.r_[True, q_codes[1:] != q_codes[:-1]])
    bounds = [*starts.tolist(), len(q_codes)]
    nested = {
        names[q]: dict(zip(items[a:b], values[a:b], strict=True))
        for q, (a, b) in zip(q_codes[starts].tolist(), itertools.pairwise(bounds), strict=True)
    }
    # a repeated (query, item) pair shrinks its query's dict: counted here instead of hashed
    if sum(map(len, nested.values())) != len(values):
        return None
    if all(judged):
        return nested
    return {q: docs for q, docs in nested.items() if q in judged_queries}


def _nested(queries: pd.Series, docs: pd.Series, values: pd.Series) -> dict[str, dict[str, Any]]:
    """``{query: {doc: value}}`` from rows grouped by query, as pytrec_eval takes them.

    Built from plain Python lists, one slice per query: iterating pandas' Arrow-backed string
    columns row by row is about ten times slower. Ids are factorized (a hash over the Arrow
    buffers) and each distinct id becomes a Python string once: a run repeats the same items
    under many queries, and turning a million Arrow strings into objects one by one cost more
    than trec_eval itself.
    """
    if len(queries) == 0:
        return {}
    q_codes, q_names = pd.factorize(queries)
    d_codes, d_names = pd.factorize(docs)
    d_list = _pick(np.asarray(d_names, dtype=object).tolist(), d_codes)
    v = values.to_numpy().tolist()
    q_list = np.asarray(q_names, dtype=object).tolist()
    starts = np.flatnonzero(np.r_[True, q_codes[1:] != q_codes[:-1]])
    first = q_codes[starts].tolist()
    bounds = [*starts.tolist(), len(q_codes)]
    return {
        q_list[q]: dict(zip(d_list[s:e], v[s:e], strict=True))
        for q, (s, e) in zip(first, itertools.pairwise(bounds), strict=True)
    }


def _pick(names: list[Any], codes: np.ndarray) -> list[Any]:
    """``[names[c] for c in codes]``, in C (operator.itemgetter) rather than a Python loop."""
    if len(codes) == 0:
        return []
    if len(codes) == 1:
        return [names[int(codes[0])]]
    return list(operator.itemgetter(*codes.tolist())(names))


def _trec_eval(
    library: list[Any], qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]]
) -> list[dict[str, float]] | None:
    """Per measure, ``{query: value}`` straight from pytrec_eval, or None to go through
    ``ir_measures.iter_calc``.

    When pytrec_eval supports every measure it is the provider ``iter_calc`` uses (the first of
    ir-measures' default pipeline that can), so the values are the same; but ``iter_calc``
    wraps each value in a ``Metric`` and hashes its measure through ``repr``, which over 10,000
    queries × 4 measures took longer than trec_eval's own work. Built on the provider's
    ``evaluator().invokers`` (ir-measures 0.3–0.4); if that changes, None falls back.
    """
    from ir_measures import providers

    provider = providers.registry.get("pytrec_eval")
    try:
        if provider is None or not provider.is_available():
            return None
        if not all(provider.supports(m) for m in library):
            return None
        evaluator: Any = provider.evaluator(library, qrels)
        invokers = evaluator.invokers
        values: list[dict[str, float]] = [{} for _ in library]
        for invoker in invokers:
            result = invoker.evaluator.evaluate(run)
            slots = [(key, library.index(m)) for key, (m, _) in invoker.measure_map.items()]
            for key, slot in slots:
                values[slot] = {q: got[key] for q, got in result.items()}
    except (AttributeError, TypeError, ValueError, KeyError):
        return None
    return values


def _per_query(
    qrels: pd.DataFrame,
    ranked: pd.DataFrame | None,
    parsed: list[tuple[str, Any]],
    run_dict: dict[str, dict[str, float]] | None = None,
) -> pd.DataFrame:
    """Per judged query and measure, the value (0 for queries the run missed); the run as
    ranked rows, or as the nested dict of :func:`_direct_run` (no mAP@R then)."""
    import ir_measures

    queries = np.sort(qrels["query_id"].unique())
    columns: dict[str, np.ndarray] = {}
    library = [m for _, m in parsed if not isinstance(m, tuple)]
    if run_dict is None and ranked is not None and len(ranked):
        run_dict = _nested(ranked["query_id"], ranked["item_id"], ranked["score"])
    if library and run_dict:
        qrels_dict = _nested(qrels["query_id"], qrels["doc_id"], qrels["relevance"])
        fast = _trec_eval(library, qrels_dict, run_dict)
        values: list[dict[str, float]] = fast if fast is not None else [{} for _ in library]
        # measures hash through their repr, which is slow: map each yielded object to its slot once
        slot_of: dict[int, int] = {}
        try:
            for metric in (
                ir_measures.iter_calc(library, qrels_dict, run_dict) if fast is None else ()
            ):
                slot = slot_of.get(id(metric.measure))
                if slot is None:
                    slot = slot_of[id(metric.measure)] = library.index(metric.measure)
                values[slot][metric.query_id] = metric.value
        except Exception as err:  # re-raised with what to do; the cause stays attached
            # e.g. a measure whose only provider is not installed or needs an external tool
            raise ValueError(
                f"ir-measures could not compute {', '.join(map(str, library))}: {err}. Measures "
                "computed by trec_eval (nDCG, P, R, AP, RR, Rprec, Success, Judged, Bpref...) "
                "always work; remove the others or install their provider"
            ) from err
        by_measure = dict(zip((id(m) for m in library), values, strict=True))
        for name, m in parsed:
            if not isinstance(m, tuple):
                got = by_measure[id(m)]
                columns[name] = np.array([got.get(q, 0.0) for q in queries], dtype=float)
    for name, m in parsed:
        if isinstance(m, tuple):
            assert ranked is not None  # mAP@R is computed on ranked rows
            per_q = map_at_r_ranked(qrels, ranked, rel=m[1])
            columns[name] = per_q.reindex(queries, fill_value=0.0).to_numpy(dtype=float)
        elif name not in columns:
            columns[name] = np.zeros(len(queries))
    wide = pd.DataFrame(columns, index=pd.Index(queries, name="query_id"))
    return wide[[name for name, _ in parsed]]


def evaluate(
    labels: pd.DataFrame,
    runs: pd.DataFrame | dict[str, pd.DataFrame],
    measures: Sequence[Any] | str = DEFAULT_MEASURES,
    *,
    per_query: bool = False,
    aggregate: Aggregate = "mean",
    annotator: str | None = None,
    rel: int = 1,
    unjudged: Literal["nonrelevant", "drop"] = "nonrelevant",
) -> pd.DataFrame:
    """Score one or more runs against the labels.

    Parameters
    ----------
    labels : DataFrame
        ``query_id, item_id, annotator, relevance`` (the store's labels view), or qrels.
    runs : DataFrame or dict of str -> DataFrame
        ``query_id, item_id, score`` (``doc_id`` accepted; ``rank`` instead of ``score`` works).
    measures : sequence of str or ir_measures measures
        ir-measures names (``"nDCG@10"``, ``"P@5"``, ``"R@100"``, ``"Success@1"``, ``"AP"``,
        ``"RR"``, ``"Rprec"``, ``"Judged@10"``, ...) and ``"mAP@R"``.
    per_query : bool
        Return one row per query instead of the mean.
    aggregate, annotator
        How judgements become qrels (see :func:`to_qrels`).
    rel : int
        Lowest grade that counts as relevant for binary measures (unless a measure sets its own).
    unjudged : {"nonrelevant", "drop"}
        What an unjudged retrieved item counts as (see the module docstring).

    Returns
    -------
    DataFrame
        Tidy: ``run, measure, value``, or ``run, measure, query_id, value`` when ``per_query``.

    Examples
    --------
    >>> evaluate(labels, {"clip": clip, "bm25": bm25}, ["nDCG@10", "mAP@R"])  # doctest: +SKIP
    """
    if unjudged not in ("nonrelevant", "drop"):
        raise ValueError(f"unknown unjudged={unjudged!r}: use 'nonrelevant' or 'drop'")
    rel = check_rel(rel)
    parsed = _parse(measures, rel)
    qrels = to_qrels(labels, aggregate=aggregate, annotator=annotator)
    if qrels.empty:
        raise no_grade_error(labels, "nothing to evaluate against")
    frames = []
    for name, run in runs_dict(runs).items():
        direct = None
        if unjudged == "nonrelevant" and not any(isinstance(m, tuple) for _, m in parsed):
            direct = _direct_run(run, qrels)
        if direct is not None:
            wide = _per_query(qrels, None, parsed, run_dict=direct)
        else:
            wide = _per_query(qrels, _run_for_eval(run, name, qrels, unjudged), parsed)
        if len(run) and not wide.to_numpy().any():
            _explain_zeros(run, name, qrels)  # only then: no cost when a run scores anything
        if per_query:
            long = wide.reset_index().melt(
                id_vars="query_id", var_name="measure", value_name="value"
            )
            long.insert(0, "run", name)
            frames.append(long[["run", "measure", "query_id", "value"]])
        else:
            frames.append(
                pd.DataFrame(
                    {"run": name, "measure": list(wide.columns), "value": wide.mean().values}
                )
            )
    return pd.concat(frames, ignore_index=True)


def _explain_zeros(run: pd.DataFrame, name: str, qrels: pd.DataFrame) -> None:
    """A run that scored 0 everywhere: raise when it shares no query with the labels, warn when
    it retrieved no judged item; both usually mean the ids differ (``'1.0'`` against ``'1'``)."""
    frame = _alias_doc_id(run)
    run_queries = pd.unique(_text(frame["query_id"]))
    judged_queries = pd.unique(qrels["query_id"])
    on_judged = pd.Index(_text(frame["query_id"])).isin(judged_queries)
    what = f"run {name!r}"
    if not on_judged.any():
        hint = id_mismatch_hint(run_queries, judged_queries, "query_id", (what, "the labels"))
        raise ValueError(
            f"{what} shares no query_id with the labels, so every measure would be 0: the run "
            f"has {len(run_queries)} query id(s), e.g. {id_examples(sorted(run_queries))}; the "
            f"labels have {len(judged_queries)}, e.g. {id_examples(sorted(judged_queries))}"
            + (hint or "; evaluate the run against the labels of its own queries")
        )
    rows = frame[on_judged]
    retrieved = pd.MultiIndex.from_arrays([_text(rows["query_id"]), _text(rows["item_id"])])
    judged = pd.MultiIndex.from_arrays([qrels["query_id"], qrels["doc_id"]])
    if retrieved.isin(judged).any():
        return  # it found judged items, all non-relevant: a real 0
    run_items = pd.unique(_text(rows["item_id"]))
    judged_items = pd.unique(qrels["doc_id"])
    hint = id_mismatch_hint(run_items, judged_items, "item_id", (what, "the labels"))
    warnings.warn(
        f"{what} retrieved no judged item for any of its {on_judged.sum()} row(s) on judged "
        f"queries, so every measure is 0: its item ids are e.g. "
        f"{id_examples(sorted(run_items))}, the labels' e.g. {id_examples(sorted(judged_items))}"
        + (hint or "; if the ids are right, judge its top items first: xm.unjudged(labels, run)"),
        UserWarning,
        stacklevel=3,
    )


def map_at_r(
    qrels: pd.DataFrame, run: pd.DataFrame, rel: int = 1, *, per_query: bool = False
) -> float | pd.Series:
    """mAP@R (Musgrave et al. 2020; ECCV Caption's main metric).

    For a query with R relevant items (grade ≥ ``rel``): the sum over the first R ranks of
    precision@i × rel_i, divided by R. Unjudged items are non-relevant; ties are broken by item_id;
    a judged query the run misses, or one with R = 0, scores 0.

    Parameters
    ----------
    qrels : DataFrame
        ``query_id, doc_id`` (or ``item_id``), ``relevance`` — e.g. from :func:`to_qrels`.
    run : DataFrame
        ``query_id, item_id`` (or ``doc_id``), ``score``.
    rel : int
        Lowest relevant grade.
    per_query : bool
        Return a Series per judged query instead of the mean.

    Examples
    --------
    >>> import pandas as pd
    >>> qrels = pd.DataFrame({"query_id": "q", "doc_id": ["a", "b"], "relevance": 1})
    >>> run = pd.DataFrame({"query_id": "q", "item_id": ["a", "x", "b"], "score": [3, 2, 1]})
    >>> map_at_r(qrels, run)   # R = 2: (1/1 + 0) / 2
    0.5
    """
    qrels = require_columns(qrels, ("query_id", "relevance"), "qrels")
    if "doc_id" not in qrels.columns:
        require_columns(qrels, ("item_id",), "qrels")
        qrels = qrels.rename(columns={"item_id": "doc_id"})
    rel = check_rel(rel)
    q = to_qrels(qrels.rename(columns={"doc_id": "item_id"}), aggregate="max")
    per_q = map_at_r_ranked(q, rank_run(run), rel=rel).reindex(
        np.sort(q["query_id"].unique()), fill_value=0.0
    )
    return per_q if per_query else float(per_q.mean())


@dataclass
class RunComparison:
    """Paired comparison of two runs on one measure (see :func:`compare_runs`)."""

    measure: str
    names: tuple[str, str]
    per_query: pd.DataFrame
    mean_a: float
    mean_b: float
    mean_difference: float
    t_statistic: float
    p_ttest: float
    p_permutation: float
    n_permutations: int

    def __repr__(self) -> str:
        a, b = self.names
        return (
            f"RunComparison({self.measure}: {a} {self.mean_a:.4f} vs {b} {self.mean_b:.4f}, "
            f"difference {self.mean_difference:+.4f} over {len(self.per_query)} queries, "
            f"p_ttest={self.p_ttest:.3g}, p_permutation={self.p_permutation:.3g})"
        )

    def _repr_html_(self) -> str:
        # names and the measure are user text: JupyterLab renders trusted output as HTML
        a, b = (html.escape(name) for name in self.names)
        measure = html.escape(self.measure)
        return (
            f"<p><b>{measure}</b>: {a} {self.mean_a:.4f} vs {b} {self.mean_b:.4f}, "
            f"mean difference ({a} − {b}) {self.mean_difference:+.4f} over "
            f"{len(self.per_query)} queries<br>paired t-test p = {self.p_ttest:.4g} "
            f"(t = {self.t_statistic:.3f}); randomisation test p = {self.p_permutation:.4g} "
            f"({self.n_permutations} sign flips)</p>"
        )


def compare_runs(
    labels: pd.DataFrame,
    run_a: pd.DataFrame,
    run_b: pd.DataFrame,
    measure: str = "nDCG@10",
    *,
    names: tuple[str, str] = ("a", "b"),
    aggregate: Aggregate = "mean",
    annotator: str | None = None,
    rel: int = 1,
    unjudged: Literal["nonrelevant", "drop"] = "nonrelevant",
    n_permutations: int = 10000,
    seed: int = 0,
) -> RunComparison:
    """Is run A better than run B? Paired per-query differences with two significance tests.

    Parameters
    ----------
    labels, aggregate, annotator, rel, unjudged
        As in :func:`evaluate`.
    run_a, run_b : DataFrame
        The two runs.
    measure : str
        One measure.
    names : (str, str)
        Names of the runs in the output: two different names, neither ``"query_id"`` nor
        ``"difference"`` (the other columns of ``per_query``).
    n_permutations : int
        Random sign flips of the differences for the randomisation test; when 2**queries is not
        larger, all sign patterns are enumerated and the p-value is exact.
    seed : int
        Seed of the sign flips.

    Returns
    -------
    RunComparison
        ``per_query`` (``query_id, <a>, <b>, difference`` with difference = a − b), the means, the
        paired t-test (``scipy.stats.ttest_rel``) and the two-sided randomisation test p-values.
    """
    from scipy.stats import ttest_rel

    from ._permutation import sign_flip_p

    a, b = (str(n) for n in names)
    if a == b:
        raise ValueError(f"names must differ, got {names!r}")
    clash = [n for n in (a, b) if n in _PER_QUERY_COLUMNS]
    if clash:
        raise ValueError(
            f"names={names!r}: {clash[0]!r} is a column of per_query (query_id, <a>, <b>, "
            "difference) and would clash with a run's column; name the runs otherwise, e.g. "
            "names=('new', 'baseline')"
        )
    result = evaluate(
        labels,
        {a: run_a, b: run_b},
        [measure],
        per_query=True,
        aggregate=aggregate,
        annotator=annotator,
        rel=rel,
        unjudged=unjudged,
    )
    wide = result.pivot(index="query_id", columns="run", values="value")[[a, b]]
    wide["difference"] = wide[a] - wide[b]
    wide = wide.reset_index()
    wide.columns.name = None
    diff = wide["difference"].to_numpy()
    if np.allclose(diff, 0):
        t_stat, p_t = float("nan"), 1.0
    else:
        test = ttest_rel(wide[a].to_numpy(), wide[b].to_numpy())
        t_stat, p_t = float(test.statistic), float(test.pvalue)
    return RunComparison(
        measure=str(measure),
        names=(a, b),
        per_query=wide,
        mean_a=float(wide[a].mean()),
        mean_b=float(wide[b].mean()),
        mean_difference=float(diff.mean()),
        t_statistic=t_stat,
        p_ttest=p_t,
        p_permutation=sign_flip_p(diff, n_permutations, seed),
        n_permutations=n_permutations,
    )
