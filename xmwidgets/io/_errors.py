"""FormatError and the low-level readers that report where a file is malformed.

Every reader in :mod:`xmwidgets.io` goes through these helpers so that a malformed file always
gives the same kind of message: the file, the line (or JSON path / record index) and what was
expected.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = ["FormatError", "FormatWarning"]

PathLike = str | os.PathLike[str]


class FormatError(ValueError):
    """A file does not have the shape its format requires.

    The message names the file, where in it the problem is, and what was expected, e.g.
    ``runs.txt line 7: expected 6 fields 'qid Q0 docno rank score tag', got 4: 'q1 Q0 d3 1'``.

    Attributes
    ----------
    path : str
        The file as it was given.
    where : str or None
        ``"line 7"``, a JSON path such as ``"$.annotations[3]"``, or None for the whole file.
    line : int or None
        The 1-based line number, when the problem is on one line.
    """

    def __init__(
        self, path: PathLike, problem: str, *, line: int | None = None, where: str | None = None
    ) -> None:
        self.path = os.fspath(path)
        if line is None and where is not None and where.startswith("line ") and where[5:].isdigit():
            line = int(where[5:])
        self.line = line
        self.where = where if where is not None else (f"line {line}" if line is not None else None)
        self.problem = problem
        prefix = self.path if self.where is None else f"{self.path} {self.where}"
        super().__init__(f"{prefix}: {problem}")


class FormatWarning(UserWarning):
    """A file was read, but something in it deserves a look (e.g. ids that match nothing).

    Filter with ``warnings.simplefilter("ignore", xm.io.FormatWarning)``.
    """


def _warn(path: PathLike, problem: str) -> None:
    """Warn about ``path``; the warning points at the caller of the public reader."""
    warnings.warn(f"{os.fspath(path)}: {problem}", FormatWarning, stacklevel=4)


def _short(text: str, limit: int = 80) -> str:
    """Quote a line for an error message, cut so that a huge line does not flood the output."""
    text = text.rstrip("\r\n")
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _require_path(path: Any, reader: str = "", example: str = "") -> None:
    """A file name, or a TypeError that names the value (pathlib's own words do not)."""
    if not isinstance(path, str | os.PathLike):
        needs = f"{reader} needs" if reader else "expected"
        eg = f"; e.g. {reader}({example!r})" if reader and example else ""
        raise TypeError(
            f"{needs} the path of a file (str or pathlib.Path), got "
            f"{type(path).__name__} {repr(path)[:80]}{eg}"
        )


def _check_file(path: PathLike) -> None:
    """Raise unless ``path`` is a file: a folder is named as such, with some of its files."""
    _require_path(path)
    p = Path(path)
    if p.is_dir():
        files = sorted(f.name for f in p.iterdir() if f.is_file())
        inside = f" (it holds {', '.join(files[:5])}{', …' * (len(files) > 5)})" if files else ""
        raise IsADirectoryError(
            f"{os.fspath(path)}: is a folder, not a file; pass the path of one file in it{inside}"
        )
    if not p.is_file():
        raise FileNotFoundError(f"{os.fspath(path)}: no such file")


def _open_text(path: PathLike) -> str:
    """Read a whole text file as UTF-8 (a BOM is dropped); a missing file names the path tried."""
    _check_file(path)
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise FormatError(path, f"not UTF-8 text ({err.reason} at byte {err.start})") from None


# the whitespace of C's isspace(), which trec_eval splits on (str.split() also splits at U+0085,
# U+00A0, U+2028, ..., which may be part of an id)
_ASCII_SPACE = " \t\n\v\f\r"
_FIELD_SEPARATOR = re.compile(f"[{re.escape(_ASCII_SPACE)}]+")
# ASCII characters that str.split() treats as whitespace but C's isspace() does not
_NOT_C_SPACE = ("\x1c", "\x1d", "\x1e", "\x1f")


def _lines(text: str) -> list[str]:
    """Split at ``\n`` (a ``\r`` before it goes too), as JSON Lines, CSV and trec_eval do.

    Not ``str.splitlines``: it also breaks at U+0085, U+2028, U+2029 and \x0b-\x1e, which JSON
    allows raw inside strings (BEIR's msmarco corpus holds six raw U+0085).
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _data_lines(
    path: PathLike, *, comments: bool = False, allow_empty: bool = False
) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` for the non-blank lines; an empty file is an error unless
    ``allow_empty``.

    With ``comments``, lines whose first non-blank character is ``#`` are skipped too (trec_eval's
    convention for qrels and run files).
    """
    found = False
    for number, line in enumerate(_lines(_open_text(path)), start=1):
        start = line.lstrip(_ASCII_SPACE)
        if start and not (comments and start.startswith("#")):
            found = True
            yield number, line
    if not found and not allow_empty:
        raise FormatError(path, "the file is empty" + (" (or holds only comments)" * comments))


def _fields(line: str) -> list[str]:
    """The whitespace-separated fields of a TREC line."""
    if line.isascii() and not any(c in line for c in _NOT_C_SPACE):
        return line.split()  # the same fields, several times faster than the regex
    stripped = line.strip(_ASCII_SPACE)
    return _FIELD_SEPARATOR.split(stripped) if stripped else []


def _unique_keys(
    path: PathLike, line: int | None = None
) -> Callable[[list[tuple[str, Any]]], dict]:
    """A ``json`` ``object_pairs_hook`` that refuses a key repeated in one object.

    ``json`` keeps the last value of a repeated key and drops the others without a word: a
    query's first block of qrels would be lost, as a repeated pair in a TREC file is refused.
    """

    def build(pairs: list[tuple[str, Any]]) -> dict:
        document = dict(pairs)
        if len(document) < len(pairs):
            repeated = next(key for key, count in Counter(k for k, _ in pairs).items() if count > 1)
            raise FormatError(
                path,
                f"duplicate key {repeated!r} in one JSON object (a JSON reader keeps only its last "
                "value and drops the others): each key must appear once; merge its entries",
                line=line,
            )
        return document

    return build


def _load_json(path: PathLike) -> Any:
    """Parse a JSON file; a syntax error names its line and column, a repeated key the key."""
    text = _open_text(path)
    if not text.strip():
        raise FormatError(path, "the file is empty; expected a JSON document")
    try:
        return json.loads(text, object_pairs_hook=_unique_keys(path))
    except json.JSONDecodeError as err:
        raise FormatError(
            path, f"invalid JSON at column {err.colno}: {err.msg}", line=err.lineno
        ) from None


# what an int64 column holds: a larger integer would fail the cast with a bare OverflowError
_INT64 = range(-(2**63), 2**63)


def _int64(
    path: PathLike, value: int, what: str, *, line: int | None = None, where: str | None = None
) -> int:
    """``value``, or a FormatError when it does not fit the int64 column it goes to."""
    if value not in _INT64:
        raise FormatError(
            path,
            f"{what} {_short(str(value))} does not fit in a 64-bit integer (-2**63 to 2**63 - 1)",
            line=line,
            where=where,
        )
    return value


def _expect(
    path: PathLike, value: Any, kind: type | tuple[type, ...], where: str, what: str
) -> None:
    """Raise unless ``value`` is of ``kind``; ``what`` says what the format puts there."""
    if not isinstance(value, kind):
        got = type(value).__name__
        raise FormatError(path, f"expected {what}, got {got}: {_short(repr(value))}", where=where)


def _require_keys(path: PathLike, record: dict, keys: Sequence[str], where: str) -> None:
    """Raise when a JSON object lacks one of ``keys``."""
    missing = [k for k in keys if k not in record]
    if missing:
        got = ", ".join(_short(str(k)) for k in list(record)[:8]) or "none"
        if len(record) > 8:
            # an object keyed by ids (another dataset's file) has thousands of keys
            got += f", ... ({len(record):,} keys; is it the file this reader is for?)"
        raise FormatError(
            path,
            f"missing key {', '.join(map(repr, missing))}; expected keys {', '.join(keys)}, "
            f"got {got}",
            where=where,
        )


def _csv_records(path: PathLike, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line_number, fields)`` per non-blank CSV record (quoted newlines are counted).

    Records end at ``\n``, ``\r\n`` or ``\r`` only, as the csv module and pandas read them.
    """
    reader = csv.reader(io.StringIO(_open_text(path), newline=""), delimiter=delimiter)
    start = 1
    for fields in reader:
        if any(f.strip() for f in fields):
            yield start, fields
        start = reader.line_num + 1


def _csv_header(path: PathLike, delimiter: str = ",") -> list[str]:
    """The stripped fields of a CSV's first non-blank record ([] for an empty file)."""
    first = next(_csv_records(path, delimiter), None)
    return [] if first is None else [h.strip() for h in first[1]]


def _header_error(required: Sequence[str], header: list[str], delimiter: str) -> str:
    """Why a header lacks columns; names the separator when the file uses another one."""
    problem = (
        f"expected a header with columns {', '.join(required)}; missing "
        f"{', '.join(c for c in required if c not in header)} in {_short(delimiter.join(header))}"
    )
    joined = delimiter.join(header)
    for other in ";\t|,":
        if other != delimiter and all(c in joined.split(other) for c in required):
            problem += f" (the file is separated by {other!r}, not {delimiter!r}: re-save it)"
    return problem


def _read_csv(
    path: PathLike, required: Sequence[str], *, delimiter: str = ","
) -> list[tuple[int, dict[str, str]]]:
    """Read a CSV/TSV with a header into ``(line_number, row)`` pairs.

    The header must hold every column of ``required`` (others are kept); each row must have as many
    fields as the header. Values are not stripped (Clotho file names may begin with a space).
    """
    records = _csv_records(path, delimiter)
    first = next(records, None)
    if first is None:
        raise FormatError(path, f"the file is empty; expected a header {delimiter.join(required)}")
    header = [h.strip() for h in first[1]]
    if any(c not in header for c in required):
        raise FormatError(path, _header_error(required, header, delimiter), line=first[0])
    rows = [(number, _row(path, header, fields, number, delimiter)) for number, fields in records]
    if not rows:
        raise FormatError(path, "no rows after the header; expected at least one", line=2)
    return rows


def _row(
    path: PathLike, header: list[str], fields: list[str], number: int, delimiter: str
) -> dict[str, str]:
    if len(fields) != len(header):
        raise FormatError(
            path,
            f"expected {len(header)} fields ({delimiter.join(header)}), got {len(fields)}: "
            f"{_short(delimiter.join(fields))}",
            line=number,
        )
    return dict(zip(header, fields, strict=True))


def _duplicate_error(path: PathLike, what: str, value: str, first: str, again: str) -> FormatError:
    """The error for an id that must be unique but appears twice."""
    return FormatError(
        path,
        f"duplicate {what} {value!r} (first at {first}): each {what} must be unique",
        where=again,
    )


class _QrelsRows:
    """Collects ``(query, item, relevance)`` rows of a qrels file; a repeated pair is an error.

    With ``groups``, each row also has a judgement group (the second field of trec_eval's
    ``qrels_jg`` files) and a pair may repeat in different groups.
    """

    def __init__(self, path: PathLike, pair_name: str, *, groups: bool = False) -> None:
        self.path, self.pair_name, self.groups = path, pair_name, groups
        self.rows: list[tuple[str | int, ...]] = []
        self.seen: dict[tuple[str, ...], tuple[int, str]] = {}

    def add(
        self, number: int, query_id: str, item_id: str, relevance: int, group: str = ""
    ) -> None:
        key = (query_id, item_id, group) if self.groups else (query_id, item_id)
        if key in self.seen:
            first_line, first_group = self.seen[key]
            error = _duplicate_error(
                self.path,
                self.pair_name,
                f"{query_id} {item_id}",
                f"line {first_line}",
                f"line {number}",
            )
            if first_group != group:
                error = FormatError(
                    self.path,
                    f"{error.problem}; its second field differs ({first_group}, then {group}): "
                    "for judgement groups (trec_eval -R qrels_jg) pass groups=True",
                    line=number,
                )
            raise error
        self.seen[key] = (number, group)
        _int64(self.path, relevance, "relevance", line=number)
        self.rows.append((query_id, item_id, relevance, *((group,) if self.groups else ())))

    def frame(self) -> Any:
        import pandas as pd

        columns = ["query_id", "item_id", "relevance", *(["group"] if self.groups else [])]
        frame = pd.DataFrame(self.rows, columns=columns)
        frame = frame.astype({"query_id": str, "item_id": str, "relevance": "int64"})
        return frame.astype({"group": str}) if self.groups else frame
