"""Shared types of the media part: kinds, the rendered part, and the two kinds of failure.

``MediaError`` is for the caller's mistakes (an unknown kind, a role for a missing column) and is
raised. ``ContentError`` is for bad content (a missing file, a truncated JPEG) and never leaves
:func:`~xmwidgets.media.render_cell`: it becomes an error part shown on the candidate's tile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BUFFER_FIELDS",
    "KINDS",
    "ContentError",
    "MediaError",
    "Rendered",
    "error_rendered",
    "is_null",
    "non_finite",
    "valid_text",
]

KINDS = ("text", "image", "audio", "video")

# part fields that hold an index into the message buffers (js/src/protocol.ts, Part)
BUFFER_FIELDS = ("data", "poster", "waveform")


class MediaError(ValueError):
    """A mistake in how media columns were described (unknown kind, missing column, ...)."""


class ContentError(Exception):
    """A cell whose content cannot be shown; the message is the reason, written for a person.

    ``detail`` is what the decoders said, for whoever digs further: the tile shows the reason and
    keeps the detail in its tooltip (the part's ``detail``).
    """

    def __init__(self, reason: str, detail: str | None = None) -> None:
        super().__init__(reason)
        self.detail = detail


@dataclass
class Rendered:
    """One content cell, ready for the browser: a JSON part and the bytes it refers to.

    Parameters
    ----------
    part : dict
        The part as in ``js/src/protocol.ts`` (``Part``). Its ``data``, ``poster`` and ``waveform``
        fields are indexes into ``buffers``, starting at 0.
    buffers : list of bytes
        The binary buffers of this part only.

    Examples
    --------
    >>> r = Rendered({"column": "image", "kind": "image", "data": 0}, [b"..."])
    >>> r.with_offset(3)["data"]
    3
    """

    part: dict[str, Any]
    buffers: list[bytes] = field(default_factory=list)

    def with_offset(self, offset: int) -> dict[str, Any]:
        """A copy of :attr:`part` whose buffer indexes are shifted by ``offset``.

        Use it when several parts share one message: append ``buffers`` to the message's list and
        pass the list's length before appending as ``offset``.
        """
        shifted = dict(self.part)
        for name in BUFFER_FIELDS:
            if isinstance(shifted.get(name), int):
                shifted[name] += offset
        return shifted

    @property
    def nbytes(self) -> int:
        """Total size of the buffers in bytes."""
        return sum(len(b) for b in self.buffers)

    @property
    def is_error(self) -> bool:
        return self.part.get("kind") == "error"


def error_rendered(reason: str, kind: str, column: str = "", detail: str | None = None) -> Rendered:
    """The error tile of a cell that should have been ``kind`` (``detail``: see ContentError)."""
    part = {"column": valid_text(column), "kind": "error", "error": valid_text(reason)}
    if detail:
        part["detail"] = valid_text(detail)
    return Rendered({**part, "original_kind": kind}, [])


def valid_text(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, so that it encodes as UTF-8.

    A Python str can hold surrogates (``"caf\\ud800"``, file names decoded with
    ``surrogateescape``) that no UTF-8 message can carry: one such caption would fail the whole
    page. A well-formed pair (``"\\ud83d\\ude00"``) becomes the character it encodes.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # UTF-16 joins valid pairs; "replace" turns each lone surrogate into one U+FFFD
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def is_null(value: Any) -> bool:
    """True for None, NaN, pandas NA/NaT: cells with nothing to show (arrays are never null)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    type_name = type(value).__name__
    if type_name in ("NAType", "NaTType"):
        return True
    if type_name.startswith("float") and hasattr(value, "dtype"):  # numpy scalar floats
        return bool(value != value)
    return False


def non_finite(
    array: Any,
    what: str,
    at: str,
    shown_as: str,
    *,
    fix: str = "fix what made them, or replace them, e.g. np.nan_to_num(array)",
) -> ContentError | None:
    """The error for an image or audio array that holds NaN or infinity, else None.

    NaN has no colour and no loudness: drawn as black or played as silence (``shown_as``), it
    would hide a broken array (a division by zero upstream) behind a tile that looks fine. ``at``
    names the place of the first such value from its index (``"row {0}, column {1}"``); ``what``
    is what holds them (``"audio array"``), ``fix`` what to do.
    """
    import numpy as np

    if array.dtype.kind not in "fc":
        return None
    bad = ~np.isfinite(array)
    if not bad.any():
        return None
    nans = int(np.isnan(array).sum())
    infinite = int(bad.sum()) - nans
    holds = " and ".join(name for n, name in ((nans, "NaN"), (infinite, "infinite values")) if n)
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    effect = f", which would {shown_as}" if nans else ""
    return ContentError(
        f"the {what} holds {holds} ({int(bad.sum())} of {array.size} values, the first at "
        f"{at.format(*first)}){effect}: {fix}",
        f"{what} of shape {array.shape}, dtype {array.dtype}: {nans} NaN, {infinite} infinite",
    )
