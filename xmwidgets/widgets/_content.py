"""The content columns of a widget's queries or items frame, and why none was found when none was.

:func:`~xmwidgets.media.infer_roles` looks at a sample of each column and leaves out a column it
cannot tell apart from metadata: a tie between media paths and other strings (a folder path in a
column of image paths) reads as one-word labels. When that leaves no content column, the widget
says, per column, what its cells looked like and which of them kept it from being media.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..media import infer_roles
from ..media._roles import NoContentColumn, kind_of_value
from ..media._types import is_null

__all__ = ["content_roles"]

_MEDIA_KINDS = ("image", "audio", "video")
# cells looked at per column to say why it is not media (an error path: a few thousand is cheap)
_LOOKED_AT = 2_000
_DROPPED = (None, "meta", "metadata")


def content_roles(
    frame: pd.DataFrame,
    id_column: str,
    roles: Mapping[str, str | None] | None,
    name: str,
    param: str,
) -> dict[str, str]:
    """:func:`~xmwidgets.media.infer_roles` of ``frame`` (called ``name``, its roles passed as
    ``param``); when it finds no content column, a NoContentColumn (a MediaError) that names each column that
    holds media paths and the cells that kept it from being taken as media."""
    try:
        return infer_roles(frame, id_column, roles)
    except NoContentColumn:
        raise NoContentColumn(_no_content(frame, id_column, roles or {}, name, param)) from None


def _no_content(
    frame: pd.DataFrame, id_column: str, roles: Mapping[str, str | None], name: str, param: str
) -> str:
    columns = ", ".join(map(str, frame.columns))
    head = f"no content column in {name} (columns: {columns})"
    reasons = []
    for column in frame.columns:
        if column == id_column or (column in roles and roles[column] in _DROPPED):
            continue
        reason = _why_not_media(frame[column], str(column), param)
        if reason:
            reasons.append(reason)
    if not reasons:
        return (
            f"{head}: no column holds media paths, and none reads as text (numbers, one-word "
            "labels and columns named like metadata, such as 'source' or 'score', are left "
            f"out); name the content with {param}, e.g. {param}={{'caption': 'text'}}"
        )
    return f"{head}: " + "; ".join(reasons)


def _why_not_media(series: pd.Series, column: str, param: str) -> str:
    """Why a column whose cells are partly media paths was left out, or "" when it holds none."""
    n = len(series)
    positions = np.unique(np.linspace(0, max(n - 1, 0), min(n, _LOOKED_AT)).astype(int))
    cells = [(series.index[k], v) for k, v in zip(positions, series.iloc[positions], strict=True)]
    cells = [(at, v) for at, v in cells if not is_null(v)]
    kinds = [kind_of_value(v) for _, v in cells]
    media = Counter(k for k in kinds if k in _MEDIA_KINDS)
    if not media:
        return ""
    kind = media.most_common(1)[0][0]
    others = [(at, v) for (at, v), k in zip(cells, kinds, strict=True) if k not in _MEDIA_KINDS]
    looked = f"of {len(cells):,} cells looked at" if len(cells) < n else f"of its {n:,} cells"
    found = ", ".join(f"{count:,} {k} path{'s' if count > 1 else ''}" for k, count in media.items())
    shown = "; ".join(_cell(at, v) for at, v in others[:3])
    more = f" and {len(others) - 3:,} more" if len(others) > 3 else ""
    return (
        f"column {column!r} was not taken as {kind}: {looked}, {found} but "
        f"{len(others):,} {'are' if len(others) > 1 else 'is'} no media file ({shown}{more}), "
        "so the column reads as metadata; fix those cells (a cell must name one file), or pass "
        f"{param}={{{column!r}: {kind!r}}} to show it as {kind} (a cell that is no {kind} file "
        "then shows an error tile, which the annotator marks broken-media)"
    )


def _cell(at: Any, value: Any) -> str:
    """One cell for the message: its value, its row, and what it is when that is not obvious."""
    shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
    what = ""
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("/", "\\")) or (text and os.path.isdir(text)):
            what = ": a folder, not a file"
        elif text and " " not in text:
            what = ": no media file extension"
    elif not isinstance(value, (bytes, bytearray, memoryview)):
        what = f": a {type(value).__name__}"
    return f"{shown} at row {at!r}{what}"
