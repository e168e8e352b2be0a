"""The ``Loaded`` bundle that dataset loaders return, and how captions and media become it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["Loaded"]


@dataclass(frozen=True)
class Loaded:
    """Queries, items and their known positives, in the data contract of DESIGN.md §3.

    Unpacks like a tuple: ``queries, items, qrels = xm.io.load_coco_captions(path)``.

    Attributes
    ----------
    queries : pandas.DataFrame
        ``query_id`` + content columns (``text`` for captions; ``image``/``audio``/``video``).
    items : pandas.DataFrame
        ``item_id`` + content columns.
    qrels : pandas.DataFrame
        ``query_id, item_id, relevance`` (int): the pairs the dataset itself labels (for caption
        datasets, each caption with the medium it was written for, relevance 1). Pairs not
        listed are *unjudged*, not negative: caption datasets miss most true positives (see ECCV
        Caption).
    direction : str
        Which side is the query, e.g. ``"text_to_image"`` (queries = captions, items = images).
    """

    queries: pd.DataFrame
    items: pd.DataFrame
    qrels: pd.DataFrame
    direction: str = "text_to_text"

    def __iter__(self) -> Iterator[pd.DataFrame]:
        return iter((self.queries, self.items, self.qrels))

    @property
    def candidates(self) -> pd.DataFrame:
        """The qrels pairs as a candidates frame (``query_id, item_id, source="gold"``)."""
        frame = self.qrels[["query_id", "item_id"]].copy()
        frame["source"] = "gold"
        return frame.reset_index(drop=True)

    def __repr__(self) -> str:
        return (
            f"Loaded(direction={self.direction!r}, queries={len(self.queries)}, "
            f"items={len(self.items)}, qrels={len(self.qrels)})"
        )


def _media_path(media_dir: str | os.PathLike[str] | None, file_name: str) -> str:
    """The media cell: ``media_dir/file_name`` when a folder is given, else the bare file name."""
    return file_name if media_dir is None else os.fspath(Path(media_dir) / file_name)


def _check_direction(direction: str, medium: str, loader: str) -> bool:
    """Return True when text is the query side; reject directions that do not fit the medium."""
    allowed = (f"text_to_{medium}", f"{medium}_to_text")
    if direction not in allowed:
        raise ValueError(
            f"{loader}: unknown direction {direction!r}; use {allowed[0]!r} (queries = captions, "
            f"items = {medium}s) or {allowed[1]!r} (queries = {medium}s, items = captions)"
        )
    return direction == allowed[0]


def _assemble(
    captions: pd.DataFrame, media: pd.DataFrame, medium: str, direction: str, loader: str
) -> Loaded:
    """Build a :class:`Loaded` from captions and media frames.

    ``captions`` has ``caption_id, text, media_id`` (+ extras), ``media`` has ``media_id`` and the
    ``medium`` column (+ extras); every caption is a positive of its medium.
    """
    text_first = _check_direction(direction, medium, loader)
    captions = captions.astype({"caption_id": str, "media_id": str})
    media = media.astype({"media_id": str})
    pairs = captions[["caption_id", "media_id"]]
    # the caption rows keep the id of their medium as metadata, under a name that says which it is
    link = f"{medium}_id"
    if text_first:
        queries = captions.rename(columns={"caption_id": "query_id", "media_id": link})
        items = media.rename(columns={"media_id": "item_id"})
        qrels = pairs.rename(columns={"caption_id": "query_id", "media_id": "item_id"})
    else:
        queries = media.rename(columns={"media_id": "query_id"})
        items = captions.rename(columns={"caption_id": "item_id", "media_id": link})
        qrels = pairs.rename(columns={"media_id": "query_id", "caption_id": "item_id"})
        qrels = qrels[["query_id", "item_id"]]
    qrels = qrels.assign(relevance=1).astype({"relevance": "int64"})
    return Loaded(
        queries.reset_index(drop=True),
        items.reset_index(drop=True),
        qrels.reset_index(drop=True),
        direction,
    )
