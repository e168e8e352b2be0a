"""``render_cell``: a content cell to a browser part; ``MediaCache``: each cell rendered once."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from ._types import KINDS, ContentError, MediaError, Rendered, error_rendered, is_null

__all__ = ["MediaCache", "render_cell"]


def render_cell(
    value: Any,
    kind: str,
    *,
    column: str = "",
    max_px: int = 320,
    base_dir: str | os.PathLike[str] | None = None,
) -> Rendered | None:
    """Turn one content cell into a part for the browser plus its binary buffers.

    Bad content never raises: a missing file, a truncated image or undecodable audio gives an error
    part (``kind="error"``) whose ``error`` says why, so one broken cell shows one error tile.

    Parameters
    ----------
    value
        The cell: a str (text, or a path for media), bytes, a PIL image, a numpy array, an
        ``(array, sample_rate)`` tuple, a ``{"array", "sampling_rate"}`` dict, a
        ``{"bytes", "path"}`` dict, ...
    kind : {"text", "image", "audio", "video"}
        What the cell is, as given by :func:`infer_roles`.
    column : str
        The column name, copied into the part.
    max_px : int
        Images and video posters are downscaled to fit ``max_px``×``max_px``.
    base_dir : path, optional
        Relative paths are taken relative to this folder (default: the working directory).

    Returns
    -------
    Rendered or None
        None for a null cell (None, NaN, NA, or an empty path): there is nothing to show.

    Raises
    ------
    MediaError
        Only for an unknown ``kind`` or a bad ``max_px`` (mistakes in the calling code, not in
        the data).

    Examples
    --------
    >>> r = render_cell("a red car", "text", column="caption")
    >>> r.part
    {'column': 'caption', 'kind': 'text', 'text': 'a red car'}
    >>> render_cell("missing.png", "image").part["error"]
    'file not found: missing.png'
    """
    if kind not in KINDS:
        raise MediaError(f"unknown modality {kind!r}: use one of {', '.join(KINDS)}")
    if isinstance(max_px, bool) or not isinstance(max_px, int) or max_px < 1:
        raise MediaError(f"max_px must be a positive whole number of pixels, got {max_px!r}")
    if is_null(value) or (kind != "text" and isinstance(value, str) and not value.strip()):
        return None
    try:
        if kind == "text":
            from ._text import render_text

            return render_text(value, column=column)
        if kind == "image":
            from ._image import render_image

            return render_image(value, column=column, max_px=max_px, base_dir=base_dir)
        if kind == "audio":
            from ._audio import render_audio

            return render_audio(value, column=column, base_dir=base_dir)
        from ._video import render_video

        return render_video(value, column=column, max_px=max_px, base_dir=base_dir)
    except ContentError as exc:
        return error_rendered(str(exc), kind, column, exc.detail)
    except MemoryError:
        return error_rendered(f"out of memory while rendering this {kind}", kind, column)
    except Exception as exc:  # a decoder bug must cost one tile, not the page
        message = (str(exc).splitlines() or [""])[0][:300]
        return error_rendered(
            f"cannot render this {kind}: {type(exc).__name__}: {message}", kind, column
        )


class MediaCache:
    """An LRU cache of rendered cells, keyed by the caller (e.g. ``(item_id, column)``).

    Bounded by entry count and by total buffer bytes (audio and video are large). Errors are cached
    too: after fixing files on disk, call :meth:`clear`. Safe to use from several threads.

    Parameters
    ----------
    maxsize : int
        Most entries kept.
    maxbytes : int
        Most buffer bytes kept (default 256 MB); the least recently used entries go first.

    Examples
    --------
    >>> cache = MediaCache(maxsize=2)
    >>> cache.get(("q1", "text"), "a red car", "text", column="text").part["text"]
    'a red car'
    >>> cache.hits, cache.misses
    (0, 1)
    """

    def __init__(self, maxsize: int = 512, *, maxbytes: int = 256_000_000) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, got {maxsize!r}")
        self.maxsize = maxsize
        self.maxbytes = maxbytes
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[tuple[Hashable, str, str, int], Rendered | None] = OrderedDict()
        self._nbytes = 0
        self._lock = threading.Lock()

    def get(
        self,
        key: Hashable,
        value: Any,
        kind: str,
        *,
        column: str = "",
        max_px: int = 320,
        base_dir: str | os.PathLike[str] | None = None,
    ) -> Rendered | None:
        """The rendering of ``value`` under ``key``, computed by :func:`render_cell` on a miss."""
        full_key = (key, kind, column, max_px)
        with self._lock:
            if full_key in self._entries:
                self.hits += 1
                self._entries.move_to_end(full_key)
                return self._entries[full_key]
            self.misses += 1
        # rendered outside the lock: a slow video must not block other threads' cache hits
        rendered = render_cell(value, kind, column=column, max_px=max_px, base_dir=base_dir)
        with self._lock:
            if full_key not in self._entries:
                self._entries[full_key] = rendered
                self._nbytes += rendered.nbytes if rendered else 0
                self._evict()
        return rendered

    def clear(self) -> None:
        """Forget every entry (e.g. after media files were fixed on disk)."""
        with self._lock:
            self._entries.clear()
            self._nbytes = 0

    @property
    def nbytes(self) -> int:
        """Bytes held in cached buffers."""
        return self._nbytes

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return any(k[0] == key for k in self._entries)

    def _evict(self) -> None:
        # keep the newest entry even when it alone exceeds maxbytes: it is about to be shown
        while len(self._entries) > 1 and (
            len(self._entries) > self.maxsize or self._nbytes > self.maxbytes
        ):
            _, old = self._entries.popitem(last=False)
            self._nbytes -= old.nbytes if old else 0
