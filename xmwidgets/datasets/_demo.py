"""The built-in demo dataset: :func:`demo` returns a :class:`Demo`, generated once and then cached.

The cache is a folder ``demo-v{version}-seed{seed}`` under ``$XMWIDGETS_CACHE_DIR`` or
``~/.cache/xmwidgets``. It is generated into a temporary sibling folder and renamed into place when
complete, so an interrupted run never leaves a half-written cache behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = ["Demo", "default_cache_dir", "demo"]

_FORMAT_VERSION = 2  # bump when the content changes, so old caches are not reused
_STRING_COLUMNS = (
    "query_id", "item_id", "text", "image", "audio", "video", "modality", "target_modality",
    "description", "source", "shape", "colour", "position", "background", "direction", "sound",
    "variant", "length", "device",
)  # fmt: skip
_MEDIA_COLUMNS = ("image", "audio", "video")
_FRAMES = ("queries", "items", "candidates", "truth", "run-lexical", "run-dense")
# what an annotator sees; every other column (the attributes the truth is built from, the lexical
# retriever's tag line) goes to the *_attributes frames, so that no widget shows the answer
_QUERY_CONTENT = ("query_id", "text", "image", "target_modality")
_ITEM_CONTENT = ("item_id", "image", "audio", "video", "text", "modality")


@dataclass
class Demo:
    """The demo dataset: queries, a mixed-media corpus, a pool to label, the truth and two runs.

    Attributes
    ----------
    queries : pandas.DataFrame
        ``query_id``, ``text`` (null for image queries), ``image`` (path, image queries only) and
        ``target_modality``.
    items : pandas.DataFrame
        ``item_id``, content columns ``image``, ``audio``, ``video`` (absolute paths) and ``text``,
        null where absent, and ``modality`` (image, audio, video, text, bundle).
    candidates : pandas.DataFrame
        The pool to label: ``query_id, item_id, source, score, rank``; 6–24 pairs per query.
    truth : pandas.DataFrame
        ``query_id, item_id, relevance`` (0–3) for every query × item pair, known by construction.
    runs : dict of str to pandas.DataFrame
        ``{"lexical": ..., "dense": ...}``: top-30 ``query_id, item_id, score, rank`` per query.
    query_vectors, item_vectors : numpy.ndarray
        float32 (n × 64) unit vectors of the dense retriever, aligned to the rows of queries and
        items.
    cache_dir : pathlib.Path
        The folder holding the files of this dataset.
    query_attributes, item_attributes : pandas.DataFrame
        ``query_id`` / ``item_id`` and the attributes each record was made from (``shape``,
        ``colour``, …; items also ``description``, the tag line the lexical retriever reads). Kept
        apart from ``queries``/``items`` so that a widget showing those never shows the answer.
    """

    queries: pd.DataFrame
    items: pd.DataFrame
    candidates: pd.DataFrame
    truth: pd.DataFrame
    runs: dict[str, pd.DataFrame]
    query_vectors: np.ndarray
    item_vectors: np.ndarray
    cache_dir: Path
    query_attributes: pd.DataFrame
    item_attributes: pd.DataFrame

    def __repr__(self) -> str:
        per_query = self.candidates.groupby("query_id").size()
        modalities = self.items["modality"].value_counts().to_dict()
        return (
            f"Demo({len(self.queries)} queries, {len(self.items)} items {modalities}, "
            f"{len(self.candidates)} candidates ({per_query.min()}–{per_query.max()} per query), "
            f"runs {sorted(self.runs)}, cache_dir={str(self.cache_dir)!r})"
        )


def default_cache_dir() -> Path:
    """``$XMWIDGETS_CACHE_DIR`` if set, else ``~/.cache/xmwidgets``."""
    configured = os.environ.get("XMWIDGETS_CACHE_DIR")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "xmwidgets"


def demo(
    *, cache_dir: str | os.PathLike[str] | None = None, seed: int = 0, refresh: bool = False
) -> Demo:
    """Load the built-in demo dataset, generating it on first use (a few seconds, a few MB).

    Parameters
    ----------
    cache_dir : str or path-like, optional
        Where the dataset folders live; default ``$XMWIDGETS_CACHE_DIR`` or ``~/.cache/xmwidgets``.
    seed : int, default 0
        The same seed always gives the same data, down to the bytes of every file.
    refresh : bool, default False
        Regenerate even if a complete cache exists.

    Returns
    -------
    Demo

    Examples
    --------
    >>> import xmwidgets as xm
    >>> d = xm.datasets.demo()  # doctest: +SKIP
    >>> pool = d.candidates.merge(d.truth, on=["query_id", "item_id"])  # doctest: +SKIP
    >>> pool.relevance.value_counts()  # doctest: +SKIP
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    target = root / f"demo-v{_FORMAT_VERSION}-seed{seed}"
    if refresh or not _is_complete(target):
        _generate(root, target, seed)
    return _load(target)


def _is_complete(target: Path) -> bool:
    manifest = target / "manifest.json"
    if not manifest.is_file():
        return False
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except ValueError:
        return False
    if data.get("version") != _FORMAT_VERSION:
        return False
    # a stat per file is cheap (~250 files) and catches a cache someone pruned by hand
    return all((target / name).is_file() for name in data.get("files", {}))


def _generate(root: Path, target: Path, seed: int) -> None:
    from ._build import FORMAT_VERSION, build

    assert FORMAT_VERSION == _FORMAT_VERSION, "bump both format versions together"
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(
            f"cannot create the demo cache folder {str(root)!r} ({error}); pass a writable "
            "cache_dir=... or set XMWIDGETS_CACHE_DIR"
        ) from error
    temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}-tmp-", dir=root))
    try:
        build(temporary, seed)
        temporary.chmod(0o755)  # mkdtemp makes it private; the cache is ordinary data
        if target.exists():  # refresh, or an incomplete cache: move it aside, then replace
            stale = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=root))
            os.replace(target, stale / "old")
            shutil.rmtree(stale, ignore_errors=True)
        try:
            os.replace(temporary, target)
        except OSError:
            # another process finished first: its cache is as good as ours
            if not _is_complete(target):
                raise
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def _load(target: Path) -> Demo:
    import numpy as np
    import pandas as pd

    frames = {}
    for name in _FRAMES:
        path = target / f"{name}.csv"
        header = pd.read_csv(path, nrows=0).columns
        dtypes = {c: "str" for c in header if c in _STRING_COLUMNS}
        dtypes.update({c: "Int64" for c in header if c in ("count", "rank", "relevance")})
        # only empty cells are missing: a caption saying "None" or "NA" stays text
        frame = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])
        for column in _MEDIA_COLUMNS:
            if column in frame:
                absolute = [str(target / p) if isinstance(p, str) else p for p in frame[column]]
                frame[column] = pd.Series(absolute, index=frame.index, dtype="str")
        frames[name] = frame
    frames["truth"]["relevance"] = frames["truth"]["relevance"].astype("int64")
    for name in ("candidates", "run-lexical", "run-dense"):
        frames[name]["rank"] = frames[name]["rank"].astype("int64")
    queries, items = frames["queries"], frames["items"]
    return Demo(
        queries=queries[[c for c in _QUERY_CONTENT if c in queries]],
        items=items[[c for c in _ITEM_CONTENT if c in items]],
        candidates=frames["candidates"],
        truth=frames["truth"],
        runs={"lexical": frames["run-lexical"], "dense": frames["run-dense"]},
        query_vectors=np.load(target / "query_vectors.npy"),
        item_vectors=np.load(target / "item_vectors.npy"),
        cache_dir=target,
        query_attributes=queries[["query_id", *(c for c in queries if c not in _QUERY_CONTENT)]],
        item_attributes=items[["item_id", *(c for c in items if c not in _ITEM_CONTENT)]],
    )
