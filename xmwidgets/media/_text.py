"""Text cells: strings as they are (the browser inserts them as text, never as HTML).

Lone surrogates, which no UTF-8 message can carry, are shown as U+FFFD.
"""

from __future__ import annotations

from typing import Any

from ._types import ContentError, Rendered, valid_text

__all__ = ["MAX_TEXT_CHARS", "render_text"]

# longer texts are cut: a tile is not a reader, and a page message must stay small
MAX_TEXT_CHARS = 20_000


def render_text(value: Any, *, column: str) -> Rendered:
    """Render one text cell. Raises ContentError for bytes that are not UTF-8."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start]
            raise ContentError(
                f"not UTF-8 text (byte 0x{bad:02x} at position {exc.start}): decode it first, "
                "e.g. df[col] = df[col].str.decode('latin-1')"
            ) from None
        text = text.removeprefix("\ufeff")  # a byte-order mark is not content
    elif isinstance(value, str):
        text = value
    else:
        text = str(value)
    text = valid_text(text)
    part: dict[str, Any] = {"column": valid_text(column), "kind": "text", "text": text}
    if len(text) > MAX_TEXT_CHARS:
        part["text"] = (
            text[:MAX_TEXT_CHARS]
            + f"…\n[truncated: showing {MAX_TEXT_CHARS:,} of {len(text):,} characters]"
        )
        part["truncated_from"] = len(text)
    return Rendered(part, [])
