"""Extra human judgements over MS-COCO: Crisscrossed Captions (CxC) and ECCV Caption.

Both name captions and images by COCO ids, so their ids match those of :func:`load_coco_captions`;
pass that result as ``coco=`` to get the caption text and image paths joined in.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from ._errors import (
    FormatError,
    PathLike,
    _duplicate_error,
    _expect,
    _load_json,
    _read_csv,
)
from ._loaded import Loaded, _check_direction, _media_path

__all__ = ["load_cxc", "load_eccv_caption"]

_CXC_CAPTION = re.compile(r"^[^:]*:sentid:(\d+)$")  # COCO_val2014:sentid:732091
_CXC_IMAGE = re.compile(r"^(?:.*_)?0*(\d+)\.\w+$")  # COCO_val2014_000000365325.jpg


def _content(coco: Loaded | None, ids: list[str], kind: str, column: str) -> pd.DataFrame:
    """A frame of ``column`` = ids, plus the caption (``kind="text"``) or image columns of coco."""
    frame = pd.DataFrame({column: pd.Series(ids, dtype=str)})
    if coco is None:
        return frame
    # the captions side of a COCO load is the frame with a text column, whatever its direction
    for side, id_column in ((coco.queries, "query_id"), (coco.items, "item_id")):
        if ("text" in side.columns) == (kind == "text"):
            extra = side.rename(columns={id_column: column})
            return frame.merge(extra, on=column, how="left")
    return frame


def _orient(
    text_ids: list[str], image_ids: list[str], direction: str, coco: Loaded | None, loader: str
) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    text_first = _check_direction(direction, "image", loader)
    if text_first:
        return (
            _content(coco, text_ids, "text", "query_id"),
            _content(coco, image_ids, "image", "item_id"),
            True,
        )
    return (
        _content(coco, image_ids, "image", "query_id"),
        _content(coco, text_ids, "text", "item_id"),
        False,
    )


def load_cxc(
    csv_path: PathLike,
    *,
    coco: Loaded | None = None,
    image_dir: PathLike | None = None,
    positive_threshold: float = 3.0,
    direction: str = "text_to_image",
) -> Loaded:
    """Load a Crisscrossed Captions image–caption file (``sits_val.csv``, ``sits_test.csv``).

    Parameters
    ----------
    csv_path : str or PathLike
        CSV with header ``caption, image, agg_score, sampling_method``; ``caption`` like
        ``COCO_val2014:sentid:732091``, ``image`` like ``COCO_val2014_000000365325.jpg``,
        ``agg_score`` the mean human rating on 0–5.
    coco : Loaded, optional
        The result of :func:`load_coco_captions` for the same split: adds caption text and images.
    image_dir : str or PathLike, optional
        Without ``coco``: folder of the images, for the ``image`` column of the image side.
    positive_threshold : float
        The relevance mapping: ``relevance = 1`` if ``agg_score >= positive_threshold`` (3 by
        default, CxC's own cut between "related" and "unrelated"), else ``0``.
    direction : {"text_to_image", "image_to_text"}

    Returns
    -------
    Loaded
        Caption ids are COCO annotation ids (``"732091"``) and image ids COCO image ids
        (``"365325"``); values that do not have the CxC shape are kept as written. qrels hold every
        rated pair (positives and negatives) with ``relevance``, ``agg_score`` and
        ``sampling_method``.

    Raises
    ------
    FormatError
        Wrong header, a score that is not a number in 0–5, or a pair rated twice (names line).
    """
    rows = _read_csv(csv_path, ("caption", "image", "agg_score", "sampling_method"))
    records: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in rows:
        caption_raw, image_raw = row["caption"].strip(), row["image"].strip()
        try:
            score = float(row["agg_score"])
        except ValueError:
            score = math.nan
        if not 0.0 <= score <= 5.0:
            raise FormatError(
                csv_path,
                f"agg_score must be a number from 0 to 5, got {row['agg_score']!r}",
                line=number,
            )
        match_caption, match_image = _CXC_CAPTION.match(caption_raw), _CXC_IMAGE.match(image_raw)
        caption_id = match_caption.group(1) if match_caption else caption_raw
        image_id = match_image.group(1) if match_image else image_raw
        if (caption_id, image_id) in seen:
            raise _duplicate_error(
                csv_path,
                "pair (caption image)",
                f"{caption_raw} {image_raw}",
                f"line {seen[caption_id, image_id]}",
                f"line {number}",
            )
        seen[caption_id, image_id] = number
        records.append(
            {
                "caption_id": caption_id,
                "image_id": image_id,
                "file_name": image_raw,
                "agg_score": score,
                "sampling_method": row["sampling_method"].strip(),
            }
        )
    table = pd.DataFrame(records)
    text_ids = list(dict.fromkeys(table["caption_id"]))
    image_ids = list(dict.fromkeys(table["image_id"]))
    queries, items, text_first = _orient(text_ids, image_ids, direction, coco, "load_cxc")
    if coco is None:
        files = table.drop_duplicates("image_id").set_index("image_id")["file_name"]
        images = items if text_first else queries
        id_column = "item_id" if text_first else "query_id"
        images["file_name"] = images[id_column].map(files)
        images["image"] = [_media_path(image_dir, name) for name in images["file_name"]]
    query_col, item_col = ("caption_id", "image_id") if text_first else ("image_id", "caption_id")
    qrels = pd.DataFrame(
        {
            "query_id": table[query_col].astype(str),
            "item_id": table[item_col].astype(str),
            "relevance": (table["agg_score"] >= positive_threshold).astype("int64"),
            "agg_score": table["agg_score"],
            "sampling_method": table["sampling_method"].astype(str),
        }
    )
    return Loaded(queries, items, qrels, direction)


def load_eccv_caption(
    json_path: PathLike, *, direction: str = "text_to_image", coco: Loaded | None = None
) -> Loaded:
    """Load an ECCV Caption positives file (``{query_id: [positive ids]}``).

    Parameters
    ----------
    json_path : str or PathLike
        A JSON object mapping each query id to the list of its human-verified positive ids.
    direction : {"text_to_image", "image_to_text"}
        What the file's keys are: caption ids (``"text_to_image"``, the ``t2i`` file) or image ids
        (``"image_to_text"``, the ``i2t`` file).
    coco : Loaded, optional
        The result of :func:`load_coco_captions`: adds caption text and images.

    Returns
    -------
    Loaded
        qrels ``query_id, item_id, relevance=1`` for every listed positive; queries are the keys
        (also those with no positive), items the union of the positives.

    Raises
    ------
    FormatError
        Not an object of lists, or an id listed twice for one query (names the JSON path).
    """
    data = _load_json(json_path)
    _expect(json_path, data, dict, "$", "an object {query_id: [positive ids]}")
    pairs: list[tuple[str, str]] = []
    for key, positives in data.items():
        where = f"$[{key!r}]"
        _expect(json_path, positives, list, where, "a list of positive ids")
        seen: set[str] = set()
        for index, positive in enumerate(positives):
            # bool is an int subclass in Python, but JSON true/false is no id
            kind = (str, int) if not isinstance(positive, bool) else ()
            _expect(json_path, positive, kind, f"{where}[{index}]", "an id (string or integer)")
            if str(positive) in seen:
                raise FormatError(
                    json_path,
                    f"positive {positive!r} listed twice for query {key!r}",
                    where=f"{where}[{index}]",
                )
            seen.add(str(positive))
            pairs.append((str(key), str(positive)))
    query_ids = [str(key) for key in data]
    item_ids = list(dict.fromkeys(item for _, item in pairs))
    text_first = _check_direction(direction, "image", "load_eccv_caption")
    text_ids, image_ids = (query_ids, item_ids) if text_first else (item_ids, query_ids)
    queries, items, _ = _orient(text_ids, image_ids, direction, coco, "load_eccv_caption")
    qrels = pd.DataFrame(pairs, columns=["query_id", "item_id"], dtype=str).assign(relevance=1)
    return Loaded(queries, items, qrels.astype({"relevance": "int64"}), direction)
