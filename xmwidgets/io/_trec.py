"""TREC qrels and run files (the formats trec_eval reads).

- qrels: ``qid 0 docno rel``, whitespace-separated, one judgement per line.
- run: ``qid Q0 docno rank score tag``; trec_eval ignores ``rank`` and orders by ``score``.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._errors import (
    FormatError,
    PathLike,
    _data_lines,
    _duplicate_error,
    _fields,
    _int64,
    _QrelsRows,
    _require_path,
    _short,
)

__all__ = ["read_qrels", "read_run", "write_qrels", "write_run"]

_AGGREGATES = ("mean", "median", "max", "min", "majority")


def _refuse_nul(path: PathLike, number: int, line: str, names: tuple[str, ...]) -> None:
    """A NUL byte is no text: trec_eval (C) would read a field only up to it, so the file is
    most likely binary or damaged; refused, naming the line and the field."""
    if "\x00" not in line:
        return
    fields = _fields(line)
    field = next((i for i, f in enumerate(fields) if "\x00" in f), 0)
    name = names[field] if field < len(names) else f"field {field + 1}"
    raise FormatError(
        path,
        f"a NUL byte (\\x00) in the {name} {_short(fields[field])}: a TREC file is text (C "
        "tools such as trec_eval take a NUL for the end of a string), so the file is probably "
        "damaged or not text "
        "(remove NUL bytes, e.g. tr -d '\\000' < old > new, after checking why they are there)",
        line=number,
    )


def read_qrels(path: PathLike, *, groups: bool = False) -> pd.DataFrame:
    """Read a TREC qrels file, as trec_eval reads it.

    Parameters
    ----------
    path : str or PathLike
        Lines ``qid iteration docno relevance`` separated by spaces or tabs (the iteration is
        ignored, e.g. ``0``, ``Q0`` or ``0.5``). Lines starting with ``#`` are comments and blank
        lines are skipped, as in trec_eval.
    groups : bool
        Read the second field as a judgement group (trec_eval's ``-R qrels_jg`` files, e.g. its
        ``qrels.123``): a pair may then be judged once per group.

    Returns
    -------
    pandas.DataFrame
        ``query_id, item_id`` (str) and ``relevance`` (int64), in file order; with ``groups``
        also ``group`` (str).

    Raises
    ------
    FormatError
        Empty file, a line without 4 fields, a relevance that is not an integer (or does not fit
        in 64 bits), a NUL byte in a line, or a ``(qid, docno)`` judged twice (trec_eval refuses
        it too; with ``groups``, twice in one group).

    Examples
    --------
    >>> qrels = xm.io.read_qrels("test.qrels")            # doctest: +SKIP
    """
    _require_path(path, "read_qrels", "qrels/test.qrels")
    pairs = _QrelsRows(path, "pair (qid docno)", groups=groups)
    for number, line in _data_lines(path, comments=True):
        _refuse_nul(path, number, line, ("qid", "iteration", "docno", "relevance"))
        fields = _fields(line)
        if len(fields) != 4:
            raise FormatError(
                path,
                f"expected 4 fields 'qid 0 docno rel', got {len(fields)}: {_short(line)}",
                line=number,
            )
        qid, group, docno, rel = fields
        relevance = _number(path, number, "relevance", rel, int, line)
        pairs.add(number, qid, docno, relevance, group)
    return pairs.frame()


def _number(
    path: PathLike, number: int, what: str, text: str, kind: type, line: str | None = None
) -> Any:
    """``kind(text)``, or a FormatError naming the line and the value.

    An integer must fit the int64 column it goes to; a score must be finite (``nan``, ``inf`` and
    ``1e400`` are refused, as :func:`read_json_run` refuses them).
    """
    where = f" in {_short(line)}" if line is not None else ""
    try:
        # Python's int() and float() also take 1_000, Arabic-Indic and full-width digits, which
        # trec_eval's atof / atol read as 1 or 0
        value = kind(text) if text.isascii() and "_" not in text else None
    except ValueError:
        value = None
    if value is None or value != value:
        kind_name = "an integer" if kind is int else "a number"
        raise FormatError(path, f"{what} must be {kind_name}, got {text!r}{where}", line=number)
    if kind is int:
        _int64(path, value, what, line=number)
    if kind is float and not math.isfinite(value):
        raise FormatError(path, f"{what} must be a finite number, got {text!r}{where}", line=number)
    return value


def read_run(path: PathLike) -> pd.DataFrame:
    """Read a TREC run file, as trec_eval reads it.

    Parameters
    ----------
    path : str or PathLike
        Lines ``qid Q0 docno rank score tag`` separated by spaces or tabs. As in trec_eval, lines
        starting with ``#`` are comments, blank lines are skipped, and fields after the tag are
        ignored (trec_eval's ``results.trunc``).

    Returns
    -------
    pandas.DataFrame
        ``query_id, item_id`` (str), ``rank`` (int64, as written; trec_eval ignores it),
        ``score`` (float64), ``run`` (each line's tag, as written), in file order. The file is one
        run whatever its tags say, as trec_eval treats it: to compare runs, read one file each.

    Raises
    ------
    FormatError
        Empty file, a line with fewer than 6 fields, a rank that is not an integer (or does not
        fit in 64 bits), a score that is not a finite number (``nan``, ``inf`` and ``1e400`` are
        refused), a NUL byte in a line, or the same ``(qid, docno)`` twice (trec_eval refuses it
        too).
    """
    _require_path(path, "read_run", "runs/bm25.txt")
    rows: list[tuple[str, str, int, float, str]] = []
    seen: dict[tuple[str, str], int] = {}
    for number, line in _data_lines(path, comments=True):
        _refuse_nul(path, number, line, ("qid", "Q0", "docno", "rank", "score", "tag"))
        fields = _fields(line)
        if len(fields) < 6:
            raise FormatError(
                path,
                "expected 6 fields 'qid Q0 docno rank score tag', "
                f"got {len(fields)}: {_short(line)}",
                line=number,
            )
        qid, _, docno, rank, score, tag = fields[:6]
        if (qid, docno) in seen:
            first = f"line {seen[qid, docno]}"
            raise _duplicate_error(
                path, "pair (qid docno)", f"{qid} {docno}", first, f"line {number}"
            )
        seen[qid, docno] = number
        rank_value = _number(path, number, "rank", rank, int)
        rows.append((qid, docno, rank_value, _number(path, number, "score", score, float), tag))
    frame = pd.DataFrame(rows, columns=["query_id", "item_id", "rank", "score", "run"])
    return frame.astype(
        {"query_id": str, "item_id": str, "rank": "int64", "score": "float64", "run": str}
    )


_WHITESPACE = re.compile(r"\s")


def _check_ids(values: list[str], column: str, fmt: str) -> None:
    """TREC files split on whitespace: an id containing a space would silently shift the fields."""
    if column == "query_id":
        # the first field of a line: trec_eval (and read_qrels / read_run) skip it as a comment
        comment = next((v for v in values if v.startswith("#")), None)
        if comment is not None:
            raise ValueError(
                f"cannot write {fmt}: query_id {comment!r} starts with '#', so its lines would be "
                "read as comments (by trec_eval too) and lost; rename those queries first"
            )
    # one search over all ids: NUL is no whitespace, so the joined text has some iff an id does
    if "" not in values and not _WHITESPACE.search("\x00".join(values)):
        return
    bad = next((v for v in values if not v or _WHITESPACE.search(v)), None)
    if bad is not None:
        raise ValueError(
            f"cannot write {fmt}: {column} {bad!r} is empty or contains whitespace, "
            f"which the whitespace-separated format cannot hold; rename those ids first"
        )


def _to_qrels(
    frame: pd.DataFrame, *, aggregate: str | None = None, annotator: str | None = None
) -> pd.DataFrame:
    """Reduce a qrels or labels frame to one integer relevance per ``(query_id, item_id)``.

    The conventions are those of :func:`xmwidgets.to_qrels` (which does the work): only graded
    judgements count (``task == "grade"`` when there is a ``task`` column, non-null relevance);
    ``mean``/``median`` round half up, ``majority`` breaks ties towards the higher level. Unlike
    ``to_qrels``, a pair judged several times is an error unless ``aggregate`` or ``annotator`` says
    what to do, so that a file is never written from an aggregate nobody chose.
    """
    from ..analysis._frames import one_guideline_version_per_pair
    from ..analysis.metrics import to_qrels

    if "item_id" not in frame.columns and "doc_id" in frame.columns:
        frame = frame.rename(columns={"doc_id": "item_id"})
    missing = [c for c in ("query_id", "item_id", "relevance") if c not in frame.columns]
    if missing:
        raise ValueError(
            f"expected a qrels or labels frame with query_id, item_id, relevance; missing "
            f"{', '.join(missing)} (columns: {', '.join(map(str, frame.columns))})"
        )
    if aggregate is None:
        graded = frame[frame["relevance"].notna()]
        if "task" in graded.columns:
            graded = graded[graded["task"].astype("string").fillna("") == "grade"]
        if annotator is not None and "annotator" in graded.columns:
            graded = graded[graded["annotator"].astype(str) == str(annotator)]
        # grades under two rubric versions are not "several judgements" that an aggregate joins
        one_guideline_version_per_pair(graded, "qrels need one guideline version per pair")
        keys = graded[["query_id", "item_id"]].astype(str)
        if keys.duplicated().any():
            pair = keys[keys.duplicated()].iloc[0].tolist()
            who = (
                sorted(graded["annotator"].dropna().astype(str).unique())
                if "annotator" in graded
                else []
            )
            raise ValueError(
                f"pair {pair[0]!r}, {pair[1]!r} has several judgements"
                + (f" (annotators: {', '.join(who)})" if len(who) > 1 else "")
                + f"; pass aggregate= one of {', '.join(_AGGREGATES)}, or annotator='name'"
            )
    # with one judgement per pair every aggregate is the identity; "max" is the cheapest
    qrels = to_qrels(frame, aggregate=aggregate or "max", annotator=annotator)  # type: ignore[arg-type]
    qrels = qrels.rename(columns={"doc_id": "item_id"})
    # to_qrels sorts; a writer keeps the pairs in the order they first appear in the input
    order = frame[["query_id", "item_id"]].astype(str).drop_duplicates()
    return order.merge(qrels, on=["query_id", "item_id"], how="inner").reset_index(drop=True)


def write_qrels(
    labels_or_qrels: pd.DataFrame,
    path: PathLike,
    *,
    aggregate: str | None = None,
    annotator: str | None = None,
) -> Path:
    """Write a TREC qrels file from a qrels or labels frame.

    Parameters
    ----------
    labels_or_qrels : pandas.DataFrame
        ``query_id, item_id, relevance`` (a labels frame may also have ``annotator`` and more); rows
        with a missing relevance are skipped (flagged ones, e.g. broken-media, silently: they are
        handled, not judged; the others with a warning that counts them). A frame with no graded row at all is refused (nothing is written).
    path : str or PathLike
        Where to write ``qid 0 docno rel`` lines, in the order the pairs first appear in the
        input (so that reading the file back gives the same frame).
    aggregate : {"mean", "median", "max", "min", "majority"}, optional
        How several judgements of one pair become one level (mean/median rounded half up; majority
        breaks ties towards the higher level). Required when a pair is judged more than once.
    annotator : str, optional
        Keep only this annotator's judgements instead of aggregating.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    from ..analysis._frames import no_grade_error, ungraded_rows

    if not isinstance(labels_or_qrels, pd.DataFrame):
        raise TypeError(
            f"write_qrels needs a qrels or labels DataFrame (query_id, item_id, relevance), got "
            f"{type(labels_or_qrels).__name__}"
        )
    qrels = _to_qrels(labels_or_qrels, aggregate=aggregate, annotator=annotator)
    if qrels.empty:  # checked before the file is opened: an existing file is left as it was
        raise no_grade_error(
            labels_or_qrels, f"nothing to write to {os.fspath(path)!r} (a qrels file needs one)"
        )
    no_grade, flagged = ungraded_rows(labels_or_qrels)
    # rows flagged and not graded (broken-media) are left out by design: only the others are news
    if no_grade > flagged:
        warnings.warn(
            f"write_qrels left out {no_grade - flagged} row(s) with neither a grade nor a flag"
            + (f" (and {flagged} flagged row(s), e.g. broken-media, as always)" if flagged else "")
            + f": they are no judgements; {len(qrels)} judged pair(s) written",
            UserWarning,
            stacklevel=2,
        )
    for column in ("query_id", "item_id"):
        _check_ids(qrels[column].tolist(), column, "TREC qrels")
    lines = [f"{q} 0 {i} {r}\n" for q, i, r in qrels.itertuples(index=False)]
    out = Path(path)
    out.write_text("".join(lines), encoding="utf-8")
    return out


_TIES = ("trec_eval", "item_id")


def _ranked_lines(
    query_ids: list[str], item_ids: list[str], scores: list[float], tags: list[str], ties: str
) -> list[str]:
    """Run lines: each query by score descending, ties as ``ties`` says, ranks from 1; queries in
    the order they first appear. Plain Python: a sort of tuples beats pandas at these sizes."""
    first = {query: n for n, query in enumerate(dict.fromkeys(query_ids))}
    rows = sorted(
        zip(query_ids, item_ids, scores, tags, strict=True),
        key=lambda row: row[1],
        reverse=ties == "trec_eval",
    )
    rows.sort(key=lambda row: (first[row[0]], -row[2]))  # stable: keeps the item order of ties
    lines: list[str] = []
    rank, previous = 0, None
    for query, item, score, tag in rows:
        rank = rank + 1 if query == previous else 1
        previous = query
        lines.append(f"{query} Q0 {item} {rank} {score!r} {tag}\n")
    return lines


def _scores(run: pd.DataFrame) -> list[float]:
    if "score" not in run.columns:
        if "rank" not in run.columns:
            raise ValueError("a run needs a score or a rank column; it has neither")
        # the best rank must get the highest score, since trec_eval orders by score alone
        return (-run["rank"].astype("float64")).tolist()
    scores = run["score"].astype("float64")
    if scores.isna().any():
        raise ValueError("run has rows without a score; drop or fill them before writing")
    infinite = np.isinf(scores.to_numpy())
    if infinite.any():
        row = run.iloc[int(np.flatnonzero(infinite)[0])]
        raise ValueError(
            f"run has an infinite score ({row['score']}) for {row['query_id']}/{row['item_id']}: "
            "read_run and other readers refuse it; clip the scores first, e.g. "
            "run.assign(score=run.score.clip(-1e300, 1e300))"
        )
    return scores.tolist()


def write_run(
    run: pd.DataFrame, path: PathLike, tag: str | None = "xmwidgets", *, ties: str = "trec_eval"
) -> Path:
    """Write a TREC run file (one run, as trec_eval reads a file).

    Ranks are recomputed: within each query by ``score`` descending, ties broken by ``item_id``
    descending by default, which is how trec_eval breaks them (it ignores the rank column and
    sorts by score, then docno descending), so the written ranks are the ones trec_eval
    evaluates. Queries keep the order they first appear in.

    Parameters
    ----------
    run : pandas.DataFrame
        ``query_id, item_id, score`` (or only ``rank``: scores become ``-rank``); with a ``run``
        column and ``tag=None``, each row keeps its own tag (as :func:`read_run` returns them).
    path : str or PathLike
        Where to write ``qid Q0 docno rank score tag`` lines.
    tag : str or None
        The run name written in the last column (default ``"xmwidgets"``).
    ties : {"trec_eval", "item_id"}
        How equal scores are ranked: ``"trec_eval"`` (default) ``item_id`` descending, as
        trec_eval does; ``"item_id"`` ascending.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        A missing column or score, an id with whitespace, or an item listed twice for a query.
    """
    if ties not in _TIES:
        raise ValueError(
            f"unknown ties={ties!r}; use 'trec_eval' (item_id descending, the order trec_eval "
            "evaluates in) or 'item_id' (ascending)"
        )
    for column in ("query_id", "item_id"):
        if column not in run.columns:
            raise ValueError(f"a run needs a {column} column; it has {', '.join(run.columns)}")
    query_ids, item_ids = run["query_id"].astype(str).tolist(), run["item_id"].astype(str).tolist()
    if tag is None and "run" in run.columns:
        tags = run["run"].astype(str).tolist()
    else:
        tags = [str(tag) if tag is not None else "xmwidgets"] * len(run)
    for values, column in ((query_ids, "query_id"), (item_ids, "item_id"), (tags, "run")):
        _check_ids(values, column, "a TREC run")
    seen: set[tuple[str, str]] = set()
    for pair in zip(query_ids, item_ids, strict=True):
        if pair in seen:
            raise ValueError(
                f"run lists item {pair[1]!r} twice for query {pair[0]!r} (a file is one run for "
                "trec_eval, whatever the tags); keep one row per (query_id, item_id), e.g. "
                "run.drop_duplicates(['query_id', 'item_id']), or write one file per run"
            )
        seen.add(pair)
    lines = _ranked_lines(query_ids, item_ids, _scores(run), tags, ties)
    out = Path(os.fspath(path))
    out.write_text("".join(lines), encoding="utf-8")
    return out
