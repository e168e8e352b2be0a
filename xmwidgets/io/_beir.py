"""BEIR folders: ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv``."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Any

import pandas as pd

from ._errors import (
    FormatError,
    PathLike,
    _csv_records,
    _duplicate_error,
    _header_error,
    _QrelsRows,
    _require_keys,
    _row,
    _short,
    _warn,
)
from ._jsonl import _frame, _jsonl_records
from ._loaded import Loaded
from ._trec import _to_qrels

__all__ = ["read_beir", "write_beir"]


def _records(path: Path, id_column: str, text_columns: tuple[str, ...]) -> pd.DataFrame:
    """A BEIR JSONL file as a frame: ``_id`` → ``id_column`` (unique, str), other keys kept."""
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, record in _jsonl_records(path):
        _require_keys(path, record, ("_id", "text"), f"line {number}")
        key = str(record["_id"])
        if key in seen:
            raise _duplicate_error(path, "_id", key, f"line {seen[key]}", f"line {number}")
        seen[key] = number
        row = {id_column: key, **{c: record.get(c, "") for c in text_columns}}
        row.update({k: v for k, v in record.items() if k not in ("_id", *text_columns)})
        rows.append(row)
    return _frame(rows).astype({id_column: str})


_QRELS_HEADER = ("query-id", "corpus-id", "score")


def _is_integer(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def _not_tab_separated(path: Path, fields: list[str]) -> str | None:
    """Why a qrels line split at tabs has too few fields, when spaces separate its fields."""
    words = " ".join(fields).split()
    if len(fields) >= 3 or len(words) < 3:
        return None
    line = _short("\t".join(fields))
    if len(words) == 4 and _is_integer(words[3]):
        return (
            f"{line} is separated by spaces and has 4 fields, as TREC qrels 'qid 0 docno rel' "
            "are: read the file with xm.io.read_qrels, or write BEIR's "
            "query-id<TAB>corpus-id<TAB>score"
        )
    if len(words) > 3:
        return None
    how = "is separated by spaces, not tabs" if len(fields) == 1 else "has spaces between fields"
    return (
        f"{line} {how}: BEIR qrels are tab-separated, query-id<TAB>corpus-id<TAB>score "
        "(BEIR's own loader splits at tabs only); replace the spaces with tabs, e.g. "
        f"sed -i 's/ \\+/\\t/g' {shlex.quote(os.fspath(path))}"
    )


def _read_beir_qrels(path: Path) -> pd.DataFrame:
    """``query-id corpus-id score`` rows; the header may be missing (as in real BEIR files)."""
    records = list(_csv_records(path, "\t"))
    if not records:  # BEIR's own loader fails here too (next() on an empty reader)
        raise FormatError(path, "the file is empty; expected a header query-id corpus-id score")
    if not (len(records[0][1]) == 3 and _is_integer(records[0][1][2])):
        header = [h.strip() for h in records[0][1]]
        if tuple(header) != _QRELS_HEADER:
            spaces = _not_tab_separated(path, records[0][1])
            problem = _header_error(_QRELS_HEADER, header, "\t") if spaces is None else spaces
            raise FormatError(path, problem, line=records[0][0])
        records = records[1:]
    else:
        # BEIR's GenericDataLoader skips line 1 whatever it holds, so it loses this judgement
        _warn(
            path,
            f"no header line 'query-id<TAB>corpus-id<TAB>score'; read all {len(records)} rows "
            f"(BEIR's own loader skips line 1 as a header and would read {len(records) - 1})",
        )
    pairs = _QrelsRows(path, "pair (query-id corpus-id)")
    for number, fields in records:
        spaces = _not_tab_separated(path, fields)
        if spaces is not None:
            raise FormatError(path, spaces, line=number)
        row = _row(path, list(_QRELS_HEADER), fields, number, "\t")
        qid, cid, score = row["query-id"], row["corpus-id"], row["score"].strip()
        for column, value in (("query-id", qid), ("corpus-id", cid)):
            if not value or value != value.strip():
                raise FormatError(
                    path,
                    f"{column} {value!r} is empty or has surrounding whitespace; a line like "
                    "'qid<TAB> 0 docno<TAB>rel' is TREC qrels in a BEIR file (read_qrels reads it)",
                    line=number,
                )
        if not _is_integer(score):
            raise FormatError(
                path, f"score must be an integer relevance, got {score!r}", line=number
            )
        pairs.add(number, qid, cid, int(score))
    if not records:
        _warn(path, "no judgements (only a header); the qrels are empty")
    return pairs.frame()


def _check_qrels_ids(
    path: Path, queries: pd.DataFrame, items: pd.DataFrame, qrels: pd.DataFrame
) -> None:
    """Warn, with counts, about qrels rows whose ids are not among the queries or the corpus."""
    for column, frame, what, where in (
        ("query_id", queries, "query-id", "queries.jsonl"),
        ("item_id", items, "corpus-id", "corpus.jsonl"),
    ):
        missing = qrels.loc[~qrels[column].isin(frame[column]), column]
        if len(missing):
            ids = list(dict.fromkeys(missing))
            examples = ", ".join(map(repr, ids[:3])) + (", …" if len(ids) > 3 else "")
            _warn(
                path,
                f"{len(missing)} of {len(qrels)} rows have a {what} that is not in {where} "
                f"({len(ids)} distinct: {examples}); the rows are kept",
            )


def read_beir(folder: PathLike, split: str = "test") -> Loaded:
    """Read a BEIR dataset folder.

    Parameters
    ----------
    folder : str or PathLike
        Holds ``corpus.jsonl`` (``_id, title, text``), ``queries.jsonl`` (``_id, text``) and
        ``qrels/<split>.tsv`` (header ``query-id corpus-id score``; a file without the header is
        read whole, with a :class:`FormatWarning`, where BEIR's own loader drops its first line).
    split : str
        Which qrels file to read (``"test"``, ``"dev"``, ``"train"``).

    Returns
    -------
    Loaded
        Unpacks to ``(queries, items, qrels)``: queries ``query_id, text``; items ``item_id, title,
        text``; qrels ``query_id, item_id, relevance``. Extra keys of the JSONL records (e.g.
        ``metadata``) are kept as columns. All queries are kept, also those without qrels; all
        qrels rows are kept, also those whose ids are not among the queries or the corpus (a
        :class:`FormatWarning` gives their counts; BEIR's own loader fails on a missing query).

    Raises
    ------
    FormatError
        Malformed JSONL or TSV (names the file and line), a missing ``_id``/``text``, a duplicate
        ``_id``, an id with surrounding whitespace, or a non-integer score.

    Warns
    -----
    FormatWarning
        qrels without a header, with no rows, or with ids missing from queries/corpus.

    Examples
    --------
    >>> queries, items, qrels = xm.io.read_beir("scifact", split="test")   # doctest: +SKIP
    """
    root = Path(folder)
    if root.is_file():
        # the message was ".../corpus.jsonl/corpus.jsonl: no such file"
        raise FileNotFoundError(
            f"{root} is a file; read_beir takes the dataset's folder, the one holding "
            f"corpus.jsonl, queries.jsonl and qrels/ (here perhaps {str(root.parent)!r})"
        )
    qrels_path = root / "qrels" / f"{split}.tsv"
    for needed in (root / "corpus.jsonl", root / "queries.jsonl", qrels_path):
        if not needed.is_file():
            splits = sorted(p.stem for p in (root / "qrels").glob("*.tsv"))
            hint = f" (qrels splits present: {', '.join(splits)})" if splits else ""
            raise FileNotFoundError(
                f"{os.fspath(needed)}: no such file; a BEIR folder holds corpus.jsonl, "
                f"queries.jsonl and qrels/<split>.tsv{hint}"
            )
    items = _records(root / "corpus.jsonl", "item_id", ("title", "text"))
    queries = _records(root / "queries.jsonl", "query_id", ("text",))
    qrels = _read_beir_qrels(qrels_path)
    _check_qrels_ids(qrels_path, queries, items, qrels)
    return Loaded(queries, items, qrels, "text_to_text")


def _to_records(frame: pd.DataFrame, id_column: str, text_columns: tuple[str, ...]) -> pd.DataFrame:
    missing = [c for c in (id_column, "text") if c not in frame.columns]
    if missing:
        raise ValueError(
            f"BEIR needs {id_column} and text columns; missing {', '.join(missing)} "
            f"(columns: {', '.join(map(str, frame.columns))})"
        )
    if frame[id_column].duplicated().any():
        dup = frame.loc[frame[id_column].duplicated(), id_column].iloc[0]
        raise ValueError(f"duplicate {id_column} {dup!r}: BEIR ids must be unique")
    out = frame.rename(columns={id_column: "_id"}).astype({"_id": str})
    for column in text_columns:
        if column not in out.columns:
            out[column] = ""
    rest = [c for c in out.columns if c not in ("_id", *text_columns)]
    return out[["_id", *text_columns, *rest]]


def _write_corpus_and_queries(folder: PathLike, queries: pd.DataFrame, items: pd.DataFrame) -> Path:
    """``corpus.jsonl`` and ``queries.jsonl`` in BEIR's shape, and an empty ``qrels/`` folder."""
    from ._jsonl import write_jsonl

    root = Path(folder)
    (root / "qrels").mkdir(parents=True, exist_ok=True)
    write_jsonl(_to_records(items, "item_id", ("title", "text")), root / "corpus.jsonl")
    write_jsonl(_to_records(queries, "query_id", ("text",)), root / "queries.jsonl")
    return root


def write_beir(
    folder: PathLike,
    queries: pd.DataFrame,
    items: pd.DataFrame,
    qrels: pd.DataFrame,
    split: str = "test",
    *,
    aggregate: str | None = None,
    annotator: str | None = None,
) -> Path:
    """Write a BEIR dataset folder that ``read_beir`` and BEIR's own loader read.

    Parameters
    ----------
    folder : str or PathLike
        Created if needed; writes ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv``.
    queries : pandas.DataFrame
        ``query_id, text`` (+ extra columns, written as extra keys).
    items : pandas.DataFrame
        ``item_id, text`` and optionally ``title`` (empty when absent) (+ extra columns).
    qrels : pandas.DataFrame
        A qrels frame, or a labels frame with ``aggregate``/``annotator`` as in
        :func:`write_qrels`.
    split : str
        Name of the qrels file.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    root = _write_corpus_and_queries(folder, queries, items)
    table = _to_qrels(qrels, aggregate=aggregate, annotator=annotator)
    table = table.rename(
        columns={"query_id": "query-id", "item_id": "corpus-id", "relevance": "score"}
    )
    table.to_csv(root / "qrels" / f"{split}.tsv", sep="\t", index=False, lineterminator="\n")
    return root
