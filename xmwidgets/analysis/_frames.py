"""Input checks and conversions shared by the analysis functions.

Everything here turns user frames (the labels view of the store, run frames of retrievers) into
the plain, predictable shapes the analysis needs: ``str`` ids, plain ``int`` relevance, one row per
pair, and a deterministic ranking.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "check_count",
    "check_rel",
    "flagged_pairs",
    "grade_labels",
    "id_examples",
    "id_mismatch_hint",
    "no_grade_error",
    "one_guideline_version_per_pair",
    "rank_run",
    "require_columns",
    "require_ids",
    "resolve_scale",
    "runs_dict",
    "ungraded_rows",
    "unit_name",
]

_LABEL_COLUMNS = ("query_id", "item_id", "annotator", "relevance")


def require_columns(frame: Any, columns: Iterable[str], what: str) -> pd.DataFrame:
    """Raise a ``ValueError`` naming the columns ``frame`` lacks; return it as a DataFrame."""
    columns = list(columns)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"{what} must be a pandas DataFrame, got {type(frame).__name__}: pass a frame with "
            f"columns {', '.join(map(repr, columns))}, e.g. pd.DataFrame(rows, columns=[...])"
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} is missing column(s) {', '.join(repr(c) for c in missing)}; "
            f"it has {', '.join(repr(str(c)) for c in frame.columns) or 'no columns'}"
        )
    return frame


def require_ids(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise a ``ValueError`` naming the first row of ``frame`` whose id in ``columns`` is missing.

    A missing id would otherwise be read as the text "None", or as the code -1 of
    ``pd.factorize`` -- that is, as some other id -- and give a wrong result without a word.
    """
    for col in columns:
        missing = frame[col].isna().to_numpy(dtype=bool)
        if not missing.any():
            continue
        at = int(np.flatnonzero(missing)[0])
        label = frame.index[at]
        row = f"row {at}" if label == at else f"row {at} (index {label!r})"
        context = ""
        if (
            col != "query_id"
            and "query_id" in frame.columns
            and pd.notna(frame["query_id"].iloc[at])
        ):
            context = f" (query {frame['query_id'].iloc[at]!r})"
        raise ValueError(
            f"{what}: {row}{context} has no {col} ({int(missing.sum())} row(s) without one); "
            f"every row needs one: drop such rows first, e.g. frame.dropna(subset=[{col!r}])"
        )


def _alias_doc_id(frame: pd.DataFrame) -> pd.DataFrame:
    # runs and qrels in the TREC/ir-measures world call the item ``doc_id``; anything but a
    # frame goes on unchanged, for require_columns to name its type
    if not isinstance(frame, pd.DataFrame):
        return frame
    if "item_id" not in frame.columns and "doc_id" in frame.columns:
        return frame.rename(columns={"doc_id": "item_id"})
    return frame


def grade_labels(labels: Any, *, annotator: bool = True) -> pd.DataFrame:
    """The graded judgements of a labels frame, cleaned.

    Keeps rows with ``task == "grade"`` (when a ``task`` column exists) and a non-null relevance;
    casts ids and annotators to ``str`` and relevance to ``int64``. Rows with no grade (``<NA>``,
    e.g. a candidate flagged broken-media) are not judgements and are dropped; other columns of
    ``grid.labels`` (``best``, ``none_relevant``, ``flags``...) are ignored.

    Returns
    -------
    DataFrame with columns ``query_id, item_id, annotator, relevance`` (``annotator`` only when
    ``annotator=True``), plus ``campaign`` and ``guideline_version`` when the input has them
    (``guideline_version`` as given, for :func:`one_guideline_version_per_pair`).
    """
    columns = _LABEL_COLUMNS if annotator else ("query_id", "item_id", "relevance")
    frame = require_columns(_alias_doc_id(labels), columns, "labels")
    mask = frame["relevance"].notna().to_numpy(dtype=bool)
    if "task" in frame.columns:
        mask = mask & (frame["task"].astype("string") == "grade").fillna(False).to_numpy(dtype=bool)
    extra = [c for c in ("campaign", "guideline_version") if c in frame.columns]
    keep = [*columns, *extra]
    out = frame.loc[mask, keep]
    require_ids(out, [c for c in columns if c != "relevance"], "labels")
    out = out.reset_index(drop=True)
    for c in keep:
        if c == "guideline_version":
            continue
        if c == "relevance":
            out[c] = _as_int(out[c])
        elif not is_text(out[c]):
            out[c] = out[c].astype(str)
    return out


def ungraded_rows(labels: Any) -> tuple[int, int]:
    """How many rows have no grade, and how many of those carry flags (e.g. broken-media).

    Such rows are handled in the grid (a broken file counts as done) but are not judgements: they
    never reach the qrels, the agreement or the judged pairs.
    """
    if not isinstance(labels, pd.DataFrame) or "relevance" not in labels.columns:
        return 0, 0
    no_grade = labels["relevance"].isna().to_numpy(dtype=bool)
    if "flags" not in labels.columns:
        return int(no_grade.sum()), 0
    flags = labels["flags"].astype("string").str.strip().fillna("")
    return int(no_grade.sum()), int((no_grade & (flags != "").to_numpy(dtype=bool)).sum())


def flagged_pairs(labels: Any) -> pd.MultiIndex:
    """``(query_id, item_id)`` of rows with flags and no grade (e.g. marked broken-media)."""
    frame = _alias_doc_id(labels) if isinstance(labels, pd.DataFrame) else labels
    if not isinstance(frame, pd.DataFrame) or not {"flags", "relevance", "item_id"} <= set(
        frame.columns
    ):
        return pd.MultiIndex.from_arrays([[], []], names=["query_id", "item_id"])
    flags = frame["flags"].astype("string").str.strip().fillna("")
    mask = (flags != "").to_numpy(dtype=bool) & frame["relevance"].isna().to_numpy(dtype=bool)
    mask &= frame["item_id"].notna().to_numpy(dtype=bool)
    if "task" in frame.columns:
        mask &= (frame["task"].astype("string") == "grade").fillna(False).to_numpy(dtype=bool)
    rows = frame.loc[mask, ["query_id", "item_id"]]
    return pd.MultiIndex.from_arrays(
        [_text(rows["query_id"]), _text(rows["item_id"])], names=["query_id", "item_id"]
    )


def no_grade_error(labels: Any, what: str) -> ValueError:
    """The error for labels without a single graded judgement, saying what the rows hold."""
    no_grade, flagged = ungraded_rows(labels)
    why = ""
    if no_grade:
        why = f" ({no_grade} row(s) have no grade"
        why += f", {flagged} of them flagged, e.g. broken-media)" if flagged else ")"
    return ValueError(f"labels hold no graded judgement{why}: {what}")


def is_text(column: pd.Series) -> bool:
    """Whether a column holds only Python strings already (no cast needed)."""
    return isinstance(column.dtype, pd.StringDtype) or (
        column.dtype == object and pd.api.types.infer_dtype(column, skipna=False) == "string"
    )


def combined_codes(*columns: pd.Series) -> np.ndarray:
    """One integer code per distinct combination of the columns' values (hashing, no sort)."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(column)
        key, _ = pd.factorize(key * len(uniques) + codes)
    return key


# trec_eval keeps a counter per relevance level up to the largest grade of a query: a grade of
# 2**31 - 1 took 62 s and 16.9 GB here, 2**32 + 1 wrapped round into wrong scores, 2**62 crashed
# the process. A million levels cost it ~5 MB; no graded scale comes near.
MAX_LEVEL = 1_000_000


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (shown as 3, not np.int64(3))."""
    return value.item() if isinstance(value, np.generic) else value


def _as_int(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values.dtype) or any(
        isinstance(v, (bool, np.bool_)) for v in values.iloc[:1000].to_numpy(dtype=object)
    ):
        raise ValueError(
            "relevance holds True/False, not grades: relevance must hold the scale's integer "
            "values (0 = not relevant, 1 = relevant on a binary scale); a 'best' column is not a "
            "grade"
        )
    as_float = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(as_float) | (as_float != np.round(as_float))
    if bad.any():
        example = _plain(values.to_numpy()[np.flatnonzero(bad)[0]])
        raise ValueError(
            f"relevance {example!r} is not an integer level: relevance must hold the scale's "
            "integer values (a continuous magnitude belongs in the 'magnitude' column)"
        )
    huge = np.abs(as_float) > MAX_LEVEL
    if huge.any():
        example = _plain(values.to_numpy()[np.flatnonzero(huge)[0]])
        raise ValueError(
            f"relevance {example!r} is not a grade of a scale: grades go from {-MAX_LEVEL:,} to "
            f"{MAX_LEVEL:,} (trec_eval keeps a counter for every level up to the largest); is a "
            "score or an id in the relevance column?"
        )
    return as_float.astype(np.int64)


def unit_name(query_id: str, item_id: str) -> str:
    """How a unit (one query–item pair) is named in messages: ``q1/i3``."""
    return f"{query_id}/{item_id}"


def single_judgement_per_annotator(frame: pd.DataFrame) -> None:
    """Raise if an annotator judged a unit twice (e.g. in two campaigns)."""
    key = combined_codes(frame["query_id"], frame["item_id"], frame["annotator"])
    dup = pd.Index(key).duplicated(keep=False)
    if dup.any():
        row = frame[dup].iloc[0]
        where = ""
        if "campaign" in frame.columns:
            camps = sorted(
                frame.loc[
                    dup
                    & (frame.query_id == row.query_id)
                    & (frame.item_id == row.item_id)
                    & (frame.annotator == row.annotator),
                    "campaign",
                ].unique()
            )
            where = f" (campaigns {', '.join(repr(c) for c in camps)})"
        raise ValueError(
            f"annotator {row.annotator!r} judged {unit_name(row.query_id, row.item_id)} more than "
            f"once{where}: agreement needs one judgement per annotator and unit; select one "
            "campaign first, e.g. labels[labels.campaign == '...']"
        )


def one_guideline_version_per_pair(frame: pd.DataFrame, what: str) -> None:
    """Raise if a unit was graded under more than one guideline version.

    Grades under two versions of a rubric answer two different questions: averaging them (or
    measuring agreement across them) mixes the questions silently. ``what`` says what needed one
    version, e.g. ``"qrels need one guideline version per pair"``.
    """
    if "guideline_version" not in frame.columns or frame.empty:
        return
    versions, names = pd.factorize(frame["guideline_version"], use_na_sentinel=False)
    if len(names) < 2:  # the usual case: one version, no per-pair look needed
        return
    pair = combined_codes(frame["query_id"], frame["item_id"])
    pair_version = pd.Index(pair * len(names) + versions).unique().to_numpy()
    several = pd.Index(pair_version // len(names)).duplicated()
    if not several.any():
        return
    bad = pair == pair_version[several][0] // len(names)
    rows = frame[bad]
    used = list(pd.unique(rows["guideline_version"]))
    shown = ", ".join(repr(v) for v in used)
    who = ""
    if "annotator" in rows.columns:
        annotators = sorted(rows["annotator"].unique())
        who = f" (annotator{'s' * (len(annotators) > 1)} {', '.join(map(repr, annotators))})"
    unit = unit_name(rows["query_id"].iloc[0], rows["item_id"].iloc[0])
    raise ValueError(
        f"{unit} was graded under guideline_version {shown}{who}: {what}, and grades under "
        "different guidelines are not comparable. Select one version first, e.g. "
        f"labels[labels.guideline_version == {used[-1]!r}]; xm.compare_guidelines(labels, "
        f"{used[0]!r}, {used[-1]!r}) compares the two"
    )


def resolve_scale(scale: Any = None, value_domain: Iterable[int] | None = None) -> list[int]:
    """The ordered value domain: explicit ``value_domain``, else ``scale.values``, else TREC 0–3."""
    if value_domain is not None:
        domain = sorted({int(v) for v in value_domain})
        if not domain:
            raise ValueError("value_domain is empty: pass the scale's levels, e.g. [0, 1, 2, 3]")
        return domain
    if scale is None:
        from ..scale import TREC_SCALE

        scale = TREC_SCALE
    if getattr(scale, "is_continuous", False):
        raise ValueError(
            f"scale {scale.name!r} is continuous: agreement on levels needs a discrete scale"
        )
    return list(scale.values)


def check_domain(values: np.ndarray, domain: list[int], scale: Any = None) -> None:
    """Raise if a relevance value lies outside the value domain."""
    outside = sorted(set(np.unique(values).tolist()) - set(domain))
    if outside:
        name = f"scale {scale.name!r}" if scale is not None else "the value domain"
        raise ValueError(
            f"relevance {outside[0]} is not on {name} (levels {', '.join(map(str, domain))}): "
            "pass scale=Scale(...) or value_domain=[...] with every level used"
        )


def runs_dict(runs: Any) -> dict[str, pd.DataFrame]:
    """Turn one run frame or a mapping name -> run into ``{name: run}`` (one frame -> ``"run"``)."""
    if isinstance(runs, pd.DataFrame):
        return {"run": runs}
    if isinstance(runs, Mapping):
        if not runs:
            raise ValueError("runs is empty: pass a run frame or a dict name -> run frame")
        return {str(k): v for k, v in runs.items()}
    hint = ""
    if isinstance(runs, list | tuple):
        hint = "; name each run, e.g. runs={'bm25': run_a, 'clip': run_b}"
    raise TypeError(
        f"runs must be a DataFrame (query_id, item_id, score) or a dict name -> DataFrame, "
        f"got {type(runs).__name__}{hint}"
    )


def check_count(value: Any, name: str, *, minimum: int, none_means: str | None = None) -> Any:
    """``value`` as an ``int`` of at least ``minimum``, or a ``TypeError``/``ValueError`` naming it.

    ``int(2.5)`` would quietly take 2, and ``int(None)`` fails with Python's own words; a bool is
    refused too (``True`` is no depth). With ``none_means`` (e.g. ``"the whole run"``), ``None``
    is allowed and returned as is.
    """
    alternative = f" (or None for {none_means})" if none_means else ""
    if value is None and none_means:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer{alternative}, got {type(value).__name__} {value!r}"
        )
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}{alternative}, got {int(value)}")
    return int(value)


def check_rel(rel: Any, where: str = "") -> int:
    """The lowest relevant grade of binary measures: an ``int`` of at least 1.

    trec_eval refuses a level below 1 ("relevance_level should be positive"), and mAP@R would
    count every judged item as relevant. ``where`` prefixes the message, e.g.
    ``"measure 'P(rel=0)@5': "``.
    """
    if isinstance(rel, bool) or not isinstance(rel, numbers.Integral):
        raise TypeError(
            f"{where}rel must be an integer, the lowest grade that counts as relevant (e.g. "
            f"rel=2), got {type(rel).__name__} {rel!r}"
        )
    if rel < 1:
        raise ValueError(
            f"{where}rel must be at least 1, got {rel!r}: binary measures count a grade >= rel "
            "as relevant, and trec_eval refuses a level below 1 (grade 0 is non-relevant)"
        )
    return int(rel)


def id_examples(ids: Iterable[Any], limit: int = 3) -> str:
    """A few ids for a message: ``'q1', 'q2', 'q3'``."""
    return ", ".join(repr(str(i)) for i in list(ids)[:limit])


def id_mismatch_hint(
    ours: Iterable[Any], theirs: Iterable[Any], column: str, names: tuple[str, str]
) -> str:
    """Why two sets of ids that should overlap might not: float-looking ids, spaces, case.

    ``ours`` are the ids of the frame at fault (e.g. a run), ``theirs`` the ones they should
    match (the labels); ``names`` name the two frames, e.g. ``("the run", "the labels")``.
    Returns a sentence starting with ``"; "``, or ``""`` when no pattern is seen.
    """
    ours_list = sorted({str(i) for i in ours})
    theirs_set = {str(i) for i in theirs}
    ours_set = set(ours_list)
    cast = f"frame[{column!r}].astype('Int64').astype(str)"

    def floats(ids: Iterable[str]) -> dict[str, str]:
        return {i: i[:-2] for i in ids if i.endswith(".0") and i[:-2].lstrip("-").isdigit()}

    sides = (
        (names[0], names[1], ours_set, theirs_set),
        (names[1], names[0], theirs_set, ours_set),
    )
    for side, other_name, side_ids, other_ids in sides:
        float_ids = floats(side_ids)
        matching = sorted(i for i, whole in float_ids.items() if whole in other_ids)
        if matching:
            return (
                f"; the {column}s of {side} look like floats of whole numbers ({matching[0]!r} "
                f"against {float_ids[matching[0]]!r} in {other_name}): the column was read as "
                "float (e.g. because of a missing value); read it as text (dtype=str) or cast "
                f"it: {cast}"
            )
    stripped = {i.strip(): i for i in sorted(ours_set | theirs_set) if i != i.strip()}
    found = sorted(set(stripped) & (ours_set | theirs_set))
    if found:
        example = stripped[found[0]]
        return (
            f"; some {column}s carry spaces ({example!r}): strip them, e.g. "
            f"frame[{column!r}].str.strip()"
        )
    lowered = {i.lower() for i in theirs_set}
    if any(i.lower() in lowered for i in ours_list):
        return f"; some {column}s differ only in upper/lower case: ids are case-sensitive"
    return ""


def rank_run(run: Any, name: str = "run") -> pd.DataFrame:
    """A run with deterministic ranks and strictly decreasing scores.

    The one ranking rule of the package: :func:`~xmwidgets.evaluate`, :func:`~xmwidgets.unjudged`
    and :func:`~xmwidgets.pool` all rank runs here, so a run's top k is the same for each (judging
    a depth-k pool judges every run's top k). Items are ordered per query by ``score``
    descending, then ``item_id`` ascending (a run with only a ``rank`` column is ordered by rank
    ascending, then ``item_id``; the ``rank`` of a scored run is ignored, as by trec_eval). The
    returned ``score`` column is rewritten to ``n - position`` so that trec_eval, which breaks
    ties by document id *descending*, sees no ties at all; the original score is kept as
    ``raw_score``.

    Returns
    -------
    DataFrame ``query_id, item_id, raw_score, rank (1-based), score``, sorted by query then rank.
    """
    frame = _alias_doc_id(run) if isinstance(run, pd.DataFrame) else run
    what = f"run {name!r}"
    require_columns(frame, ("query_id", "item_id"), what)
    if "score" in frame.columns:
        key = pd.to_numeric(frame["score"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        raw = key
        descending = True
    elif "rank" in frame.columns:
        key = pd.to_numeric(frame["rank"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        raw = np.full(len(key), np.nan)  # a rank-only run has no score to report
        descending = False
    else:
        raise ValueError(
            f"{what} is missing column 'score' (or 'rank'); it has "
            f"{', '.join(repr(str(c)) for c in frame.columns)}"
        )
    require_ids(frame, ("query_id", "item_id"), what)
    if np.isnan(key).any():
        bad = frame.iloc[int(np.flatnonzero(np.isnan(key))[0])]
        raise ValueError(
            f"{what} has a missing or non-numeric score/rank for {bad['query_id']}/"
            f"{bad['item_id']}: every retrieved item needs a number"
        )
    queries = _text(frame["query_id"])
    items = _text(frame["item_id"])
    # integer codes in string order: sorting ints is much faster than sorting strings
    q_codes, _ = pd.factorize(queries, sort=True)
    i_codes, _ = pd.factorize(items, sort=True)
    n_items = int(i_codes.max(initial=0)) + 1
    pair = q_codes.astype(np.int64) * n_items + i_codes
    if pd.Index(pair).has_duplicates:  # a hash table: cheaper than np.unique's sort
        _, first, counts = np.unique(pair, return_index=True, return_counts=True)
        at = int(first[np.argmax(counts > 1)])
        raise ValueError(
            f"{what} lists {unit_name(queries.iloc[at], items.iloc[at])} more than once "
            f"({int((counts - 1).sum())} duplicate pair(s)): keep one row per (query_id, "
            "item_id), e.g. run.sort_values('score').drop_duplicates(['query_id', 'item_id'], "
            "keep='last')"
        )
    order = _order(q_codes, -key if descending else key, i_codes)
    sorted_q = q_codes[order]
    starts = np.r_[True, sorted_q[1:] != sorted_q[:-1]]
    first_of_query = np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))
    return pd.DataFrame(
        {
            "query_id": queries.array.take(order),
            "item_id": items.array.take(order),
            "raw_score": raw[order],
            "rank": np.arange(len(order)) - first_of_query + 1,
            # strictly decreasing within each query, so no tie is left to trec_eval
            "score": (len(order) - np.arange(len(order))).astype(float),
        }
    )


def _order(q_codes: np.ndarray, key: np.ndarray, i_codes: np.ndarray) -> np.ndarray:
    """Row order by query code, then key ascending, then item code."""
    _, key_rank = np.unique(key, return_inverse=True)
    n_keys, n_items = int(key_rank.max(initial=0)) + 1, int(i_codes.max(initial=0)) + 1
    if (int(q_codes.max(initial=0)) + 1) * n_keys * n_items < 2**62:
        # one int64 sort key: about 4× faster than np.lexsort over three arrays
        combined = (q_codes.astype(np.int64) * n_keys + key_rank) * n_items + i_codes
        return np.argsort(combined, kind="stable")
    return np.lexsort((i_codes, key, q_codes))


def _text(column: pd.Series) -> pd.Series:
    """Ids as strings, cast only when needed; the index is dropped."""
    return (column if is_text(column) else column.astype(str)).reset_index(drop=True)
