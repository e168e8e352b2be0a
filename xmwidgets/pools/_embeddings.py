"""Pluggable embeddings: turn what the user passes into float32 matrices aligned to the frames'
rows.

Accepted for each side (queries, items):

- an array of shape ``(n_rows, d)`` aligned to the rows of the frame, in the same order;
- a mapping or pandas Series from id to vector (any order; every id of the frame must be present);
- the name of a column of the frame that holds one vector per row;
- a callable ``encode(contents) -> array`` that receives the list of the frame's content values (the
  ``text`` column if there is one, else ``image``, ``audio``, ``video``, else the first non-id
  column) and returns one vector per value. No weights are downloaded: the callable is the user's
  model.

For records that bundle several modalities (a text and an image on one row), compute the vectors
yourself and pass an array or a mapping: the callable sees one column only.

``embeddings=`` in :func:`xmwidgets.pool` is a pair ``(for_queries, for_items)``, or one column name
or callable used for both sides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._knn import as_matrix

__all__ = ["content_column", "resolve_embeddings"]

_CONTENT_PREFERENCE = ("text", "image", "audio", "video")


def content_column(frame: pd.DataFrame, id_column: str) -> str:
    """The column whose values an ``encode`` callable receives."""
    for name in _CONTENT_PREFERENCE:
        if name in frame.columns:
            return name
    others = [c for c in frame.columns if c != id_column]
    if not others:
        raise ValueError(
            f"cannot call an encoder: the frame has no content column besides {id_column!r}"
        )
    return str(others[0])


def _side(spec: Any, frame: pd.DataFrame, id_column: str, what: str) -> np.ndarray:
    ids = frame[id_column].to_numpy()
    n_rows = len(frame)
    if isinstance(spec, str):
        if spec not in frame.columns:
            raise ValueError(
                f"no column {spec!r} in {what} to take embeddings from; "
                f"columns are {list(frame.columns)}"
            )
        return as_matrix(list(frame[spec]), f"{what} embeddings (column {spec!r})", ids)
    if isinstance(spec, (Mapping, pd.Series)):
        lookup = spec if isinstance(spec, Mapping) else spec.to_dict()
        lookup = {str(key): value for key, value in lookup.items()}
        missing = [i for i in ids if i not in lookup]
        if missing:
            raise ValueError(
                f"{what} embeddings have no vector for {len(missing)} ids, e.g. {missing[:5]}; "
                "give a vector for every id"
            )
        return as_matrix([lookup[i] for i in ids], f"{what} embeddings", ids)
    if callable(spec):
        column = content_column(frame, id_column)
        encoded = _call(spec, list(frame[column]), what, column)
        matrix = as_matrix(
            encoded, f"{what} embeddings (returned by the encoder)", _safe(ids, encoded)
        )
        if matrix.shape[0] != n_rows:
            raise ValueError(
                f"the {what} encoder returned {matrix.shape[0]} vectors for {n_rows} {what}: "
                "it must return one vector per value, in order"
            )
        return matrix
    matrix = as_matrix(spec, f"{what} embeddings", _safe(ids, spec))
    if matrix.shape[0] != n_rows:
        raise ValueError(
            f"{what} embeddings have {matrix.shape[0]} rows but {what} has {n_rows} rows: "
            f"pass one vector per row of {what}, in the same order"
        )
    return matrix


def _safe(ids: np.ndarray, vectors: Any) -> np.ndarray | None:
    # ids name a bad row only when the rows line up with them
    return ids if len(vectors) == len(ids) else None


def _call(encode: Callable[[list[Any]], Any], contents: list[Any], what: str, column: str) -> Any:
    try:
        return encode(contents)
    except Exception as exc:  # surface which side and column the user's encoder failed on
        raise RuntimeError(
            f"the {what} encoder failed on column {column!r}: {type(exc).__name__}: {exc}"
        ) from exc


def resolve_embeddings(
    embeddings: Any, queries: pd.DataFrame, items: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(query_matrix, item_matrix)``, float32, aligned to the rows of the two frames.

    Raises ``ValueError`` naming the value when row counts, dimensions or ids do not match, or a
    vector holds NaN.
    """
    if isinstance(embeddings, tuple | list) and len(embeddings) == 2:
        query_spec, item_spec = embeddings
    elif isinstance(embeddings, str) or callable(embeddings):
        query_spec = item_spec = embeddings
    else:
        raise TypeError(
            "embeddings must be a pair (query_vectors, item_vectors) or one column name / "
            f"encode callable for both sides, got {type(embeddings).__name__}"
        )
    query_matrix = _side(query_spec, queries, "query_id", "queries")
    item_matrix = _side(item_spec, items, "item_id", "items")
    if query_matrix.shape[1] != item_matrix.shape[1]:
        raise ValueError(
            f"query embeddings have dimension {query_matrix.shape[1]} but item embeddings have "
            f"dimension {item_matrix.shape[1]}: embed queries and items into the same space"
        )
    return query_matrix, item_matrix
