"""Generating the demo dataset into a directory: media files, frames as CSV, vectors, a manifest.

Called by :func:`xmwidgets.datasets.demo` on a temporary directory that is renamed into the cache
only once everything is written. Every random choice comes from one ``numpy`` generator per part,
derived from the seed, so the same seed gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from . import _retrievers, _shapes, _sounds, _spec, _texts, _videos

__all__ = ["FORMAT_VERSION", "build"]

FORMAT_VERSION = 2  # 2: one safe-rendering caption instead of HTML in many
_PNG_LEVEL = 3  # zlib level: level 6 (the default) is twice as slow for ~5 % smaller files
_PREFIX = {"image": "img", "audio": "aud", "video": "vid", "text": "txt", "bundle": "bun"}
_ATTRIBUTE_COLUMNS = (
    "shape", "colour", "count", "position", "background", "direction", "sound", "variant", "length",
    "device",
)  # fmt: skip


def _rng(seed: int, part: str) -> Any:
    import numpy as np

    # one independent stream per part: changing how images are drawn does not move the sounds
    return np.random.default_rng([seed, int(hashlib.sha256(part.encode()).hexdigest()[:8], 16)])


def _attribute_columns(record: _spec.Record) -> dict[str, Any]:
    return {k: record.attrs.get(k) for k in _ATTRIBUTE_COLUMNS}


def build(directory: Path, seed: int) -> None:
    """Write the whole dataset for ``seed`` into the existing empty ``directory``."""
    from ._progress import progress

    queries = _spec.plan_queries()
    items = _spec.plan_corpus(queries, _rng(seed, "corpus"))
    n_media = sum(1 for r in [*queries, *items] if r.modality not in ("text",))
    with progress(n_media + 2, "Generating demo data") as bar:
        _build(directory, seed, queries, items, bar)


def _build(
    directory: Path, seed: int, queries: list[_spec.Record], items: list[_spec.Record], bar: Any
) -> None:
    import numpy as np
    import pandas as pd

    media = directory / "media"
    media.mkdir()
    query_ids = [f"q{k:02d}" for k in range(1, len(queries) + 1)]
    counters = dict.fromkeys(_PREFIX, 0)
    item_ids = []
    for record in items:
        counters[record.modality] += 1
        item_ids.append(f"{_PREFIX[record.modality]}-{counters[record.modality]:04d}")

    item_rows = _write_items(items, item_ids, media, seed, bar)
    query_rows = _write_queries(queries, query_ids, media, seed, bar)

    # truth for every (query, item) pair: known by construction
    truth = pd.DataFrame(
        [
            (qid, iid, _spec.relevance(q, it))
            for qid, q in zip(query_ids, queries, strict=True)
            for iid, it in zip(item_ids, items, strict=True)
        ],
        columns=["query_id", "item_id", "relevance"],
    )
    query_vectors, item_vectors = _retrievers.dense_vectors(queries, items, _rng(seed, "dense"))
    dense = query_vectors @ item_vectors.T
    lexical = _retrievers.lexical_scores(
        [row["text"] if row["text"] is not None else row["tags"] for row in query_rows],
        [row["description"] for row in item_rows],
        _rng(seed, "lexical"),
    )
    runs = {
        "lexical": _retrievers.run_frame(lexical, query_ids, item_ids),
        "dense": _retrievers.run_frame(dense, query_ids, item_ids),
    }
    hard = _hard_negatives(queries, items, query_ids, item_ids, dense)
    candidates = _retrievers.pool(runs, hard, item_ids, _rng(seed, "pool"))
    bar.update()

    frames = {
        "queries": pd.DataFrame(query_rows).drop(columns="tags"),
        "items": pd.DataFrame(item_rows),
        "candidates": candidates,
        "truth": truth,
        "run-lexical": runs["lexical"],
        "run-dense": runs["dense"],
    }
    for name, frame in frames.items():
        frame.to_csv(directory / f"{name}.csv", index=False, lineterminator="\n")
    np.save(directory / "query_vectors.npy", query_vectors)
    np.save(directory / "item_vectors.npy", item_vectors)
    _write_manifest(directory, seed, {name: len(frame) for name, frame in frames.items()})
    bar.update()


def _write_items(
    items: list[_spec.Record], item_ids: list[str], media: Path, seed: int, bar: Any
) -> list[dict[str, Any]]:
    rng = _rng(seed, "media")
    tags_rng = _rng(seed, "tags")
    _, video_ext, _ = _videos.video_codec()
    rows = []
    # the first text item is the one safe-rendering test of the corpus
    probe = next((i for i, r in enumerate(items) if r.modality == "text"), -1)
    for k, (item_id, record) in enumerate(zip(item_ids, items, strict=True)):
        row: dict[str, Any] = dict(item_id=item_id, modality=record.modality)
        row.update(image=None, audio=None, video=None, text=None)
        attrs = record.attrs
        if record.modality == "image":
            row["image"] = f"media/{item_id}.png"
            _shapes.draw_scene(attrs, rng).save(media / f"{item_id}.png", compress_level=_PNG_LEVEL)
        elif record.modality == "audio":
            row["audio"] = f"media/{item_id}.wav"
            _sounds.write_wav(media / f"{item_id}.wav", _sounds.sound(attrs, rng))
        elif record.modality == "video":
            row["video"] = f"media/{item_id}.{video_ext}"
            _videos.write_video(media / f"{item_id}.{video_ext}", attrs, rng)
        elif record.modality == "text":
            row["text"] = _texts.caption(attrs, k, safe_rendering_test=k == probe)
        else:  # bundle: a support ticket with text, a recording and a photo
            number = int(item_id.split("-")[1])
            row["text"] = _texts.ticket(attrs, number)
            row["audio"] = f"media/{item_id}.wav"
            row["image"] = f"media/{item_id}.png"
            _sounds.write_wav(
                media / f"{item_id}.wav", _sounds.device_recording(attrs["sound"], rng)
            )
            label = f"#{1000 + number}"
            photo = _shapes.draw_device_photo(
                _spec.DEVICES[attrs["device"]], attrs["colour"], label, rng
            )
            photo.save(media / f"{item_id}.png", compress_level=_PNG_LEVEL)
        row["description"] = _texts.describe(record.modality, attrs, row["text"], tags_rng)
        row.update(_attribute_columns(record))
        rows.append(row)
        if record.modality != "text":
            bar.update()
    return rows


def _write_queries(
    queries: list[_spec.Record], query_ids: list[str], media: Path, seed: int, bar: Any
) -> list[dict[str, Any]]:
    rng = _rng(seed, "query-media")
    tags_rng = _rng(seed, "query-tags")
    rows = []
    for query_id, record in zip(query_ids, queries, strict=True):
        row: dict[str, Any] = dict(query_id=query_id, text=record.extra.get("text"), image=None)
        row["tags"] = None
        if record.modality == "image":
            row["image"] = f"media/{query_id}.png"
            row["tags"] = _texts.query_tags(record.attrs, tags_rng)
            image = _shapes.draw_scene(record.extra["scene"], rng)
            image.save(media / f"{query_id}.png", compress_level=_PNG_LEVEL)
            bar.update()
        row["target_modality"] = record.extra["target_modality"]
        row.update(_attribute_columns(record))
        rows.append(row)
    return rows


def _hard_negatives(
    queries: list[_spec.Record],
    items: list[_spec.Record],
    query_ids: list[str],
    item_ids: list[str],
    dense: Any,
) -> dict[str, list[tuple[str, float]]]:
    """Per query: items of its target modality that differ in exactly one stated attribute."""
    out = {}
    for qi, (query_id, query) in enumerate(zip(query_ids, queries, strict=True)):
        found = []
        for ii, item in enumerate(items):
            if item.modality != query.extra["target_modality"]:
                continue
            differing = sum(1 for k, v in query.attrs.items() if item.attrs.get(k) != v)
            if differing == 1:
                found.append((item_ids[ii], float(dense[qi, ii])))
        out[query_id] = sorted(found, key=lambda pair: -pair[1])
    return out


def _write_manifest(directory: Path, seed: int, rows: dict[str, int]) -> None:
    files = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        files[path.relative_to(directory).as_posix()] = hashlib.sha256(
            path.read_bytes()
        ).hexdigest()
    manifest = {
        "format": "xmwidgets-demo",
        "version": FORMAT_VERSION,
        "seed": seed,
        "video_codec": _videos.video_codec()[0],
        "rows": rows,
        "files": files,
    }
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    (directory / "manifest.json").write_text(text, encoding="utf-8")
