"""Assembling one page (a query and its candidates) for the browser: JSON plus binary media buffers.

Media are rendered lazily, only for the page asked for (the one on screen and the prefetched next one),
and cached by ``(record id, column)``; candidate media are rendered on a small thread pool because
Pillow and soundfile release the GIL while decoding.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd

from ..media import MediaCache
from ..media._types import error_rendered
from ._input import json_safe

__all__ = ["PageBuilder"]


class PageBuilder:
    """Turns records into the ``Page`` structure of ``js/src/protocol.ts``."""

    def __init__(
        self,
        queries: pd.DataFrame,
        items: pd.DataFrame,
        query_roles: dict[str, str],
        item_roles: dict[str, str],
        *,
        max_px: int = 320,
        cache_size: int = 2048,
    ) -> None:
        self._queries = queries.set_index("query_id", drop=False)
        self._items = items.set_index("item_id", drop=False)
        self._query_roles = query_roles
        self._item_roles = item_roles
        self._max_px = max_px
        self._cache = MediaCache(maxsize=cache_size)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="xmwidgets-media")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def text_only(self, item_id: str) -> bool:
        """Whether the tile of ``item_id`` shows text only: it cannot be flagged broken-media.

        The kernel's side of the front end's ``hasMedia`` (``js/src/shell/candidate.ts``): an
        item with a cell in a media column (image, audio, video), or whose tile is an error
        (text bytes that are not UTF-8, every column empty), has media that may not load; an
        item whose parts are all non-empty text has none. Decided from the cells, without
        rendering them. False for an id the items frame does not hold.
        """
        try:
            row = self._items.loc[item_id]
        except KeyError:
            return False
        texts = 0
        for column, kind in self._item_roles.items():
            value = row.get(column)
            if value is None or (not isinstance(value, (list, tuple, dict)) and _is_missing(value)):
                continue
            if isinstance(value, str) and not value.strip():
                continue  # no part on the tile (_parts and render_cell skip it)
            if kind != "text":
                return False
            if isinstance(value, (bytes, bytearray, memoryview)):
                try:
                    bytes(value).decode("utf-8")
                except UnicodeDecodeError:
                    return False  # an error tile: "not UTF-8 text"
            texts += 1
        return texts > 0  # no part at all: the tile is an error ("every column ... is empty")

    def _parts(
        self, prefix: str, record_id: str, row: pd.Series, roles: dict[str, str]
    ) -> tuple[list[dict[str, Any]], list[bytes]]:
        parts: list[dict[str, Any]] = []
        buffers: list[bytes] = []
        for column, kind in roles.items():
            value = row.get(column)
            if value is None or (not isinstance(value, (list, tuple, dict)) and _is_missing(value)):
                continue
            if kind == "text" and isinstance(value, str) and not value.strip():
                continue  # an empty caption is no part (it took room above the image)
            rendered = self._cache.get(
                (prefix, record_id, column), value, kind, column=column, max_px=self._max_px
            )
            if rendered is None:
                continue
            parts.append(rendered.with_offset(len(buffers)))
            buffers.extend(rendered.buffers)
        # media first, text (a caption) under it, whatever the columns' order: the tile's box has a
        # fixed height, and a long caption first hid the image until "more" (the buffers' indices
        # go with their parts)
        parts.sort(key=lambda part: part.get("kind") == "text")
        if not parts:
            # nothing to judge: say so on the tile (which can then be marked broken, m) rather
            # than show an empty box that takes a grade
            what = "query" if prefix == "q" else "item"
            columns = ", ".join(roles) or "none"
            parts.append(
                error_rendered(
                    f"every column of this {what} is empty ({columns}): give {record_id!r} a "
                    f"text or a media file, or leave it out",
                    "content",
                    ", ".join(roles),
                ).part
            )
        return parts, buffers

    def build(
        self,
        index: int,
        query_id: str,
        candidates: pd.DataFrame,
        states: dict[str, dict[str, Any]],
        none_relevant: bool,
        show_sources: bool,
        extra: dict[str, Any] | None = None,
        record: str | None = None,
    ) -> tuple[dict[str, Any], list[bytes]]:
        """The page for ``query_id``; ``candidates`` are its rows in shown order.

        ``states`` maps item ids to their stored state as the task's view reads it, e.g.
        ``{"relevance", "best", "flags", "note"}`` for grading (relevance: the level or magnitude,
        None when ungraded); every key is copied onto the candidate, over the defaults relevance
        None, best False, flags []. ``extra`` holds page-level fields of the task (the query's own
        flags and note, ...), copied onto the page. ``record`` is the id of the query record
        whose content heads the page when it is not ``query_id`` (a pair's query: its media are
        cached per query, not per pair).
        """
        record = query_id if record is None else record
        query_parts, buffers = self._parts(
            "q", record, self._queries.loc[record], self._query_roles
        )
        item_ids = [str(v) for v in candidates["item_id"]]
        rendered = list(
            self._pool.map(
                lambda item_id: self._parts(
                    "i", item_id, self._items.loc[item_id], self._item_roles
                ),
                item_ids,
            )
        )
        page_candidates = []
        for position, (item_id, (parts, item_buffers)) in enumerate(
            zip(item_ids, rendered, strict=True)
        ):
            offset = len(buffers)
            buffers.extend(item_buffers)
            parts = [_shift(p, offset) for p in parts]
            candidate: dict[str, Any] = {
                "item_id": item_id,
                "shown_position": position,
                "parts": parts,
                "relevance": None,
                "best": False,
                "flags": [],
                **states.get(item_id, {}),
            }
            candidate["relevance"] = _number(candidate["relevance"])
            if show_sources:
                row = candidates.iloc[position]
                candidate["meta"] = {
                    "sources": [s for s in str(row.get("source", "") or "").split(",") if s],
                    "rank": _number(row.get("rank")),
                    "score": _number(row.get("score")),
                }
            page_candidates.append(candidate)
        page = {
            "index": index,
            "query_id": query_id,
            "query": {"parts": query_parts},
            "candidates": page_candidates,
            "none_relevant": none_relevant,
            **(extra or {}),
        }
        # a caption with a lone surrogate is shown with U+FFFD instead of failing the whole page
        return json_safe(page), buffers


_BUFFER_FIELDS = ("data", "poster", "waveform")


def _shift(part: dict[str, Any], offset: int) -> dict[str, Any]:
    if not offset:
        return part
    return {
        k: (v + offset if k in _BUFFER_FIELDS and isinstance(v, int) else v)
        for k, v in part.items()
    }


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _number(value: Any) -> float | int | None:
    if value is None or _is_missing(value):
        return None
    number = float(value)
    return int(number) if number.is_integer() else number
