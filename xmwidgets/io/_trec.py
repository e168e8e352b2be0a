"""TREC qrels and run files (the formats trec_eval reads).

- qrels: ``qid 0 docno rel``, whitespace-separated, one judgement per line.
- run: ``qid Q0 docno rank score tag``; trec_eval ignores ``rank`` and orders by ``score``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ._errors import FormatError, PathLike, _data_lines, _duplicate_error, _QrelsRows, _short

__all__ = ["read_qrels", "read_run", "write_qrels", "write_run"]

_AGGREGATES = ("mean", "median", "max", "min", "majority")


def read_qrels(path: PathLike) -> pd.DataFrame:
    """Read a TREC qrels file.

    Parameters
    ----------
    path : str or PathLike
        Lines ``qid iteration docno relevance`` separated by whitespace (the iteration is ignored).

    Returns
    -------
    pandas.DataFrame
        ``query_id, item_id`` (str) and ``relevance`` (int64), in file order.

    Raises
    ------
    FormatError
        Empty file, a line without 4 fields, a non-integer relevance, or a ``(qid, docno)``
        judged twice.

    Examples
    --------
    >>> qrels = xm.io.read_qrels("test.qrels")            # doctest: +SKIP
    """
    pairs = _QrelsRows(path, "pair (qid docno)")
    for number, line in _data_lines(path):
        fields = line.split()
        if len(fields) != 4:
            raise FormatError(
                path,
                f"expected 4 fields 'qid 0 docno rel', got {len(fields)}: {_short(line)}",
                line=number,
            )
        qid, _, docno, rel = fields
        try:
            relevance = int(rel)
        except ValueError:
            raise FormatError(
                path, f"relevance must be an integer, got {rel!r} in {_short(line)}", line=number
            ) from None
        pairs.add(number, qid, docno, relevance)
    return pairs.frame()


def read_run(path: PathLike) -> pd.DataFrame:
    """Read a TREC run file.

    Parameters
    ----------
    path : str or PathLike
        Lines ``qid Q0 docno rank score tag`` separated by whitespace.

    Returns
    -------
    pandas.DataFrame
        ``query_id, item_id`` (str), ``rank`` (int64, as written), ``score`` (float64),
        ``run`` (the tag).

    Raises
    ------
    FormatError
        Empty file, a line without 6 fields, a non-integer rank or non-numeric score, or the same
        ``(tag, qid, docno)`` twice.
    """
    rows: list[tuple[str, str, int, float, str]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, line in _data_lines(path):
        fields = line.split()
        if len(fields) != 6:
            raise FormatError(
                path,
                "expected 6 fields 'qid Q0 docno rank score tag', "
                f"got {len(fields)}: {_short(line)}",
                line=number,
            )
        qid, _, docno, rank, score, tag = fields
        try:
            rank_value = int(rank)
        except ValueError:
            raise FormatError(path, f"rank must be an integer, got {rank!r}", line=number) from None
        try:
            score_value = float(score)
        except ValueError:
            raise FormatError(path, f"score must be a number, got {score!r}", line=number) from None
        if (tag, qid, docno) in seen:
            first = f"line {seen[tag, qid, docno]}"
            raise _duplicate_error(
                path, "pair (qid docno)", f"{qid} {docno}", first, f"line {number}"
            )
        seen[tag, qid, docno] = number
        rows.append((qid, docno, rank_value, score_value, tag))
    frame = pd.DataFrame(rows, columns=["query_id", "item_id", "rank", "score", "run"])
    return frame.astype(
        {"query_id": str, "item_id": str, "rank": "int64", "score": "float64", "run": str}
    )


def _check_ids(frame: pd.DataFrame, columns: list[str], fmt: str) -> None:
    """TREC files split on whitespace: an id containing a space would silently shift the fields."""
    for column in columns:
        values = frame[column].astype(str)
        bad = values[values.str.contains(r"\s", regex=True) | (values == "")]
        if len(bad):
            raise ValueError(
                f"cannot write {fmt}: {column} {bad.iloc[0]!r} is empty or contains whitespace, "
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
    return qrels.rename(columns={"doc_id": "item_id"})


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
        with a missing relevance are skipped.
    path : str or PathLike
        Where to write ``qid 0 docno rel`` lines, sorted by query then item.
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
    qrels = _to_qrels(labels_or_qrels, aggregate=aggregate, annotator=annotator)
    _check_ids(qrels, ["query_id", "item_id"], "TREC qrels")
    qrels = qrels.sort_values(["query_id", "item_id"], kind="stable")
    lines = [f"{q} 0 {i} {r}\n" for q, i, r in qrels.itertuples(index=False)]
    out = Path(path)
    out.write_text("".join(lines), encoding="utf-8")
    return out


def _ranked(run: pd.DataFrame) -> pd.DataFrame:
    """Order by score descending, ties by item_id ascending, and number the ranks from 1."""
    if "score" not in run.columns:
        if "rank" not in run.columns:
            raise ValueError("a run needs a score or a rank column; it has neither")
        # the best rank must get the highest score, since trec_eval orders by score alone
        run = run.assign(score=-run["rank"].astype("float64"))
    if run["score"].isna().any():
        raise ValueError("run has rows without a score; drop or fill them before writing")
    run = run.sort_values(["query_id", "score", "item_id"], ascending=[True, False, True])
    return run.assign(rank=run.groupby("query_id", sort=False).cumcount() + 1)


def write_run(run: pd.DataFrame, path: PathLike, tag: str | None = "xmwidgets") -> Path:
    """Write a TREC run file.

    Ranks are recomputed: within each query, by ``score`` descending, ties broken by ``item_id``
    ascending (so a file written twice is identical). trec_eval itself ignores the rank column and
    breaks score ties by docno descending: give distinct scores if the order of ties matters.

    Parameters
    ----------
    run : pandas.DataFrame
        ``query_id, item_id, score`` (or only ``rank``: scores become ``-rank``); with a ``run``
        column and ``tag=None``, each row keeps its own run name as tag.
    path : str or PathLike
        Where to write ``qid Q0 docno rank score tag`` lines.
    tag : str or None
        The run name written in the last column (default ``"xmwidgets"``).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    for column in ("query_id", "item_id"):
        if column not in run.columns:
            raise ValueError(f"a run needs a {column} column; it has {', '.join(run.columns)}")
    frame = run.astype({"query_id": str, "item_id": str})
    if tag is None:
        frame = frame.assign(run=frame["run"].astype(str) if "run" in frame else "xmwidgets")
    else:
        frame = frame.assign(run=str(tag))
    _check_ids(frame, ["query_id", "item_id", "run"], "a TREC run")
    if frame.duplicated(["run", "query_id", "item_id"]).any():
        dup = frame.loc[frame.duplicated(["run", "query_id", "item_id"])].iloc[0]
        raise ValueError(
            f"run lists item {dup['item_id']!r} twice for query {dup['query_id']!r}; keep one row "
            "per (query_id, item_id), e.g. run.drop_duplicates(['query_id', 'item_id'])"
        )
    parts = [_ranked(group) for _, group in frame.groupby("run", sort=True)]
    lines = [
        f"{r.query_id} Q0 {r.item_id} {r.rank} {float(r.score)!r} {r.run}\n"
        for part in parts
        for r in part[["query_id", "item_id", "rank", "score", "run"]].itertuples(index=False)
    ]
    out = Path(os.fspath(path))
    out.write_text("".join(lines), encoding="utf-8")
    return out
