"""Hugging Face: BEIR-style ``corpus``/``queries``/``qrels`` configs, ImageFolder/AudioFolder.

The folder layouts are plain files and are read without the ``datasets`` package; everything else
goes through ``datasets`` (the optional extra ``xmwidgets[hf]``), imported only when needed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._errors import FormatError, PathLike, _duplicate_error, _read_csv, _require_keys
from ._jsonl import _jsonl_records
from ._loaded import Loaded

__all__ = ["from_hf", "read_hf"]

_MEDIA_EXTENSIONS = {
    "image": {".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff"},
    "audio": {".wav", ".mp3", ".flac", ".ogg", ".m4a", ".opus", ".aiff"},
    "video": {".mp4", ".webm", ".mkv", ".avi", ".mov"},
}
_METADATA = ("metadata.jsonl", "metadata.csv")
_KINDS = ("corpus", "queries", "qrels")


def _datasets() -> Any:
    try:
        import datasets
    except ImportError:
        raise ImportError(
            "loading from the Hugging Face Hub needs the datasets package, which is not installed; "
            'run pip install "xmwidgets[hf]". (ImageFolder/AudioFolder folders with a metadata.csv '
            "or metadata.jsonl are read without it.)"
        ) from None
    return datasets


def _guess_kind(frame: pd.DataFrame) -> str:
    columns = set(frame.columns)
    if {"query-id", "corpus-id"} <= columns:
        return "qrels"
    if "_id" in columns and "title" in columns:
        return "corpus"
    if "_id" in columns:
        return "queries"
    raise ValueError(
        "cannot tell whether this is a corpus, queries or qrels table from its columns "
        f"({', '.join(map(str, frame.columns))}); expected _id/title/text, _id/text or "
        "query-id/corpus-id/score, or pass kind="
    )


def from_hf(data: Any, kind: str | None = None) -> pd.DataFrame:
    """Turn a BEIR-style Hugging Face table into a frame of the contract.

    Parameters
    ----------
    data : datasets.Dataset or pandas.DataFrame
        A ``corpus`` (``_id, title, text``), ``queries`` (``_id, text``) or ``qrels``
        (``query-id, corpus-id, score``) table.
    kind : {"corpus", "queries", "qrels"}, optional
        Which one it is; guessed from the columns when omitted.

    Returns
    -------
    pandas.DataFrame
        items ``item_id, title, text``; queries ``query_id, text``; qrels ``query_id, item_id,
        relevance`` (int64). Other columns are kept; ids are str.
    """
    frame = data.to_pandas() if hasattr(data, "to_pandas") else pd.DataFrame(data)
    kind = kind or _guess_kind(frame)
    if kind not in _KINDS:
        raise ValueError(f"unknown kind {kind!r}; use one of {', '.join(_KINDS)}")
    if kind == "qrels":
        frame = frame.rename(
            columns={"query-id": "query_id", "corpus-id": "item_id", "score": "relevance"}
        )
        scores = pd.to_numeric(frame["relevance"], errors="coerce").astype("float64")
        # NaN, inf and text are no level either (inf and NaN failed the int cast in pandas)
        bad = ~np.isfinite(scores) | (scores != scores.round()) | (scores.abs() >= 2**63)
        if bad.any():
            at = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(
                f"qrels score must hold integer relevance levels; row {at} holds "
                f"{frame['relevance'].iloc[at]!r}: fix or drop that row"
            )
        return frame.astype({"query_id": str, "item_id": str}).assign(
            relevance=scores.to_numpy().astype("int64")
        )
    id_column = "item_id" if kind == "corpus" else "query_id"
    return frame.rename(columns={"_id": id_column}).astype({id_column: str})


def _pick_split(dataset: Any, split: str | None, name: str, config: str) -> Any:
    if not hasattr(dataset, "keys"):
        return dataset
    splits = list(dataset.keys())
    chosen = split or (splits[0] if len(splits) == 1 else "test" if "test" in splits else None)
    if chosen not in splits:
        raise ValueError(f"{name} config {config!r} has splits {', '.join(splits)}; pass split=")
    return dataset[chosen]


def read_hf(
    path_or_name: PathLike,
    config: str | None = None,
    *,
    split: str | None = None,
    media_column: str | None = None,
    **load_kwargs: Any,
) -> pd.DataFrame | Loaded:
    """Read a Hugging Face dataset into the contract.

    Parameters
    ----------
    path_or_name : str or PathLike
        One of: a BEIR-style repo on disk (``corpus.jsonl``, ``queries.jsonl``,
        ``qrels/*.jsonl``, as :func:`write_hf` writes); a local ImageFolder/AudioFolder (a folder
        with ``metadata.csv`` or ``metadata.jsonl`` holding a ``file_name`` column, at the top or
        in per-split subfolders) -- both read without ``datasets``; or a Hub name / local path for
        ``datasets.load_dataset`` with BEIR-style configs.
    config : str, optional
        ``"corpus"``, ``"queries"``, ``"qrels"`` (or another config holding one of those tables).
        Omitted for a Hub dataset: the three configs are loaded and a :class:`Loaded` returned.
    split : str, optional
        The split to read (a subfolder for folders); by default the only one, else ``"test"``.
    media_column : str, optional
        Folders only: name of the column holding the media paths; guessed from the file extensions
        (``image``, ``audio``, ``video``, else ``file``).
    **load_kwargs
        Passed to ``datasets.load_dataset`` (``revision=``, ``cache_dir=``, …).

    Returns
    -------
    pandas.DataFrame or Loaded
        Folders: an items frame ``item_id`` (the file name; ``<split>/<file name>``, and a
        ``split`` column, only when several split folders are read together), the media column with full paths, ``file_name`` and the metadata
        columns. One config: the frame of :func:`from_hf`. No config:
        ``Loaded(queries, items, qrels)``.

    Raises
    ------
    ImportError
        ``datasets`` is needed and missing: ``pip install "xmwidgets[hf]"``.
    FormatError
        A malformed metadata file (names the file and line).
    ValueError
        A BEIR folder (``qrels/<split>.tsv``): the message says to use :func:`read_beir`.
    """
    from ._hf_repo import _is_repo, _read_repo

    root = Path(path_or_name)
    if root.is_dir() and _is_repo(root):
        return _read_repo(root, config, split)
    if root.is_dir() and _is_repo(root, qrels_ext="tsv"):
        splits = sorted(p.stem for p in (root / "qrels").glob("*.tsv"))
        raise ValueError(
            f"{os.fspath(root)} is a BEIR folder (corpus.jsonl, queries.jsonl, qrels/"
            f"{splits[0]}.tsv), not a Hugging Face dataset: read it with "
            f"xm.io.read_beir({os.fspath(root)!r}, split={(split or splits[0])!r}) "
            f"(qrels splits present: {', '.join(splits)})"
        )
    if root.is_dir() and _metadata_files(root, split):
        return _read_folder(root, split, media_column)
    datasets = _datasets()
    name = os.fspath(path_or_name)
    if config is not None:
        table = _pick_split(datasets.load_dataset(name, config, **load_kwargs), split, name, config)
        return from_hf(table, config if config in _KINDS else None)
    frames = {}
    for kind in _KINDS:
        table = _pick_split(datasets.load_dataset(name, kind, **load_kwargs), split, name, kind)
        frames[kind] = from_hf(table, kind)
    return Loaded(frames["queries"], frames["corpus"], frames["qrels"], "text_to_text")


def _metadata_files(root: Path, split: str | None) -> list[tuple[str | None, Path]]:
    """``(split, metadata file)`` pairs: the top-level file, else one per split subfolder."""
    for name in _METADATA:
        if split is None and (root / name).is_file():
            return [(None, root / name)]
    found: list[tuple[str | None, Path]] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if split is not None and folder.name != split:
            continue
        for name in _METADATA:
            if (folder / name).is_file():
                found.append((folder.name, folder / name))
                break
    return found


def _read_metadata(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        rows = _read_csv(path, ("file_name",))
        numbers = [number for number, _ in rows]
        frame = pd.read_csv(path, dtype={"file_name": str}, skip_blank_lines=True)
    else:
        records = _jsonl_records(path)
        for number, record in records:
            _require_keys(path, record, ("file_name",), f"line {number}")
        numbers = [number for number, _ in records]
        frame = pd.DataFrame.from_records([record for _, record in records])
    frame["file_name"] = frame["file_name"].astype(str)
    first: dict[str, int] = {}
    for number, name in zip(numbers, frame["file_name"], strict=True):
        if name in first:
            raise _duplicate_error(path, "file_name", name, f"line {first[name]}", f"line {number}")
        first[name] = number
    return frame


def _read_folder(root: Path, split: str | None, media_column: str | None) -> pd.DataFrame:
    parts = []
    files = _metadata_files(root, split)
    for split_name, path in files:
        frame = _read_metadata(path)
        if frame.empty:
            raise FormatError(path, "no rows; expected one row per file with a file_name column")
        folder = path.parent
        # several splits read together: ids and a split column tell them apart
        several = len(files) > 1
        frame.insert(0, "item_id", (f"{split_name}/" if several else "") + frame["file_name"])
        frame["path"] = [os.fspath(folder / name) for name in frame["file_name"]]
        if several:
            frame["split"] = split_name
        parts.append(frame)
    items = pd.concat(parts, ignore_index=True)
    column = media_column or _guess_media(items["file_name"])
    items = items.rename(columns={"path": column})
    ordered = ["item_id", column, *[c for c in items.columns if c not in ("item_id", column)]]
    return items[ordered].astype({"item_id": str})


def _guess_media(names: pd.Series) -> str:
    suffixes = {Path(name).suffix.lower() for name in names}
    for kind, known in _MEDIA_EXTENSIONS.items():
        if suffixes and suffixes <= known:
            return kind
    return "file"
