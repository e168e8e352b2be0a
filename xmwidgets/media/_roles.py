"""Which columns of a queries/items frame are content, and of which kind.

Inference looks at the dtype, the column name and a small sample of non-null values (never the
whole column: a million-row corpus must open as fast as a ten-row one).
"""

from __future__ import annotations

import os
import sys
import warnings
from collections import Counter
from collections.abc import Mapping
from types import FrameType
from typing import Any

import numpy as np
import pandas as pd

from .._contract import repeated_columns
from ._sources import EXTENSIONS, kind_of_bytes, kind_of_location
from ._types import KINDS, MediaError, is_null

__all__ = ["infer_roles", "kind_of_value"]

_SAMPLE = 24  # values looked at per column: spread over the column, plus the first few
# values of a text column checked for hidden media paths: a vectorized pass, ~15 ms for 50k
_PATH_SCAN = 50_000
_DROP = (None, "meta", "metadata")
# names that say "content of this kind" (the name, or a word of it: "image_path", "query_text")
_NAME_HINTS = {
    "image": "image", "img": "image", "photo": "image", "picture": "image", "thumbnail": "image",
    "audio": "audio", "sound": "audio", "speech": "audio", "recording": "audio",
    "video": "video", "movie": "video",
    "text": "text", "caption": "text", "title": "text", "description": "text", "query": "text",
    "sentence": "text", "transcript": "text", "body": "text", "content": "text",
}  # fmt: skip
# names that say "metadata": never content, whatever the values look like
_META_NAMES = {
    "source", "sources", "score", "scores", "rank", "split", "metadata", "meta", "fold", "license",
    "width", "height", "duration", "sample_rate", "sampling_rate", "sr", "fps", "frames", "size",
    "created_at", "updated_at", "timestamp", "date", "time", "annotator", "author", "dataset",
    "subset", "md5", "sha1", "sha256", "hash", "id", "label", "labels", "relevance", "weight",
    "modality", "target_modality", "category", "type", "kind", "class", "language", "lang", "tags",
}  # fmt: skip
_META_SUFFIXES = ("_id", "_ids", "_score", "_rank", "_split", "_source", "_date", "_at")
# names of a file's name: the media itself when no other column is, else metadata (a dataset's
# "file_name" next to its resolved "image" path would show every image a second time, as an error)
_FILE_NAMES = {"file_name", "filename", "fname", "file_names", "filenames"}
_MEDIA_KINDS = ("image", "audio", "video")


class NoContentColumn(MediaError):
    """No column of the frame was inferred (nor named) as content: text, image, audio or video."""


def infer_roles(
    df: pd.DataFrame, id_column: str, roles: Mapping[str, str | None] | None = None
) -> dict[str, str]:
    """The content columns of ``df`` and their kinds, in column order.

    Parameters
    ----------
    df : DataFrame
        A queries or items frame: an id column, content columns, optional metadata columns.
    id_column : str
        The id column (``"query_id"`` or ``"item_id"``): not content unless ``roles`` says so.
    roles : mapping of column -> kind, optional
        Explicit kinds, which win over inference. A kind of ``None`` or ``"meta"`` drops a column.

    Returns
    -------
    dict
        ``{column: kind}`` with kinds from ``KINDS`` (``"text"``, ``"image"``, ``"audio"``,
        ``"video"``). A column named like a file's name (``file_name``, ``filename``) is
        metadata when another column is inferred as media (a dataset's ``file_name`` next to its
        resolved ``image`` path), and the media otherwise.

    Raises
    ------
    MediaError
        For an unknown kind, a role for a column the frame lacks, repeated column names, or a frame
        with no content column.

    Warns
    -----
    UserWarning
        When a column inferred as text has some cells that look like media paths
        (``"img/cat.jpg"``): they would be shown as text. Naming the column's kind in ``roles``
        silences it.

    Examples
    --------
    >>> items = pd.DataFrame({"item_id": ["a"], "image": ["cat.jpg"], "caption": ["a cat"],
    ...                       "source": ["clip"]})
    >>> infer_roles(items, "item_id")
    {'image': 'image', 'caption': 'text'}
    >>> infer_roles(items, "item_id", roles={"caption": None})
    {'image': 'image'}
    """
    if not isinstance(df, pd.DataFrame):
        raise MediaError(f"expected a pandas DataFrame, got {type(df).__name__}")
    frame = {"item_id": "items", "query_id": "queries"}.get(id_column, "the frame")
    problem = repeated_columns(df, frame, "df" if frame == "the frame" else frame)
    if problem:
        raise MediaError(problem)
    roles = dict(roles or {})
    for column, kind in roles.items():
        if kind not in _DROP and kind not in KINDS:
            raise MediaError(
                f"unknown modality {kind!r} for column {column!r}: use one of {', '.join(KINDS)}"
                " (or None / 'meta' to leave the column out)"
            )
        if column not in df.columns:
            raise MediaError(
                f"roles name column {column!r}, which the frame does not have "
                f"(columns: {', '.join(map(str, df.columns))})"
            )
    result: dict[str, str] = {}
    for column in df.columns:
        if column in roles:  # explicit roles win, even for the id column
            kind = roles[column]
            if kind not in _DROP:
                result[column] = str(kind)
            continue
        if column == id_column:
            continue
        inferred = _infer_column(df[column], str(column))
        if inferred == "text":
            _warn_hidden_paths(df[column], str(column), id_column)
        if inferred is not None:
            result[column] = inferred
    result = _without_redundant_file_names(result, roles)
    if not result:
        raise NoContentColumn(
            f"no content column in the frame (columns: {', '.join(map(str, df.columns))}): "
            "name one with roles, e.g. roles={'caption': 'text'}"
        )
    return result


def _without_redundant_file_names(
    result: dict[str, str], roles: Mapping[str, str | None]
) -> dict[str, str]:
    """Drop inferred media columns named like a file name when another column holds the media."""
    named = {
        c for c, kind in result.items() if kind in _MEDIA_KINDS and str(c).lower() in _FILE_NAMES
    }
    others = [c for c, kind in result.items() if kind in _MEDIA_KINDS and c not in named]
    if not others:  # the file names are the only media: they are what to show
        return result
    return {c: kind for c, kind in result.items() if c not in named or c in roles}


def kind_of_value(value: Any) -> str | None:
    """The kind one cell looks like, or None when its value alone does not tell."""
    if isinstance(value, str):
        return kind_of_location(value.strip()) or "text"
    if isinstance(value, os.PathLike):
        return kind_of_location(os.fspath(value))
    if isinstance(value, (bytes, bytearray, memoryview)):
        kind = kind_of_bytes(bytes(value[:16]))
        if kind is None:
            try:
                bytes(value[:4096]).decode("utf-8")
            except UnicodeDecodeError:
                return None
            return "text"
        return kind
    if isinstance(value, dict):
        if "array" in value and ("sampling_rate" in value or "sample_rate" in value):
            return "audio"
        if value.get("bytes") is not None:
            return kind_of_bytes(bytes(value["bytes"][:16]))
        if value.get("path"):
            return kind_of_location(str(value["path"]))
        return None
    if isinstance(value, (tuple, list)) and len(value) == 2:
        if any(isinstance(v, np.ndarray) for v in value) and any(
            isinstance(v, (int, float, np.integer)) and not isinstance(v, bool) for v in value
        ):
            return "audio"
        return None
    if isinstance(value, np.ndarray):
        shape = value.shape
        if value.dtype == np.uint8 and (
            value.ndim == 2
            or (value.ndim == 3 and (shape[-1] in (1, 3, 4) or shape[0] in (1, 3, 4)))
        ):
            return "image"
        return None
    if hasattr(value, "get_all_samples"):  # torchcodec AudioDecoder
        return "audio"
    if _is_pil_image(value):
        return "image"
    return None


def _infer_column(series: pd.Series, name: str) -> str | None:
    dtype = series.dtype
    if (
        pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_numeric_dtype(dtype)
        or pd.api.types.is_datetime64_any_dtype(dtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
        or isinstance(dtype, (pd.CategoricalDtype, pd.PeriodDtype, pd.IntervalDtype))
    ):
        return None
    lowered = name.lower()
    hint = _name_hint(lowered)
    if hint is None and (lowered in _META_NAMES or lowered.endswith(_META_SUFFIXES)):
        return None
    values = _sample(series)
    if not values:
        return hint  # an all-null column is content only when its name says so
    kinds = Counter(kind_of_value(v) for v in values)
    kinds.pop(None, None)
    if not kinds:
        return hint
    # strings without a media extension ("photos/123", "s3-key") in a column called "image"
    if (
        hint in ("image", "audio", "video")
        and set(kinds) == {"text"}
        and all(isinstance(v, str) and _looks_like_location(v) for v in values)
    ):
        return hint
    ranked = kinds.most_common()
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1] and hint in dict(ranked):
        return hint
    if ranked[0][0] == "text" and _looks_like_metadata_strings(values, hint):
        return None
    return ranked[0][0]


def _warn_hidden_paths(series: pd.Series, name: str, id_column: str) -> None:
    """Warn when a column taken as text holds cells that look like media paths (or URLs).

    Inference samples a few values, so a column of captions with some image paths is taken as
    text and those paths would be shown as text. Up to ``_PATH_SCAN`` values are checked (the
    whole column when it is shorter), in one vectorized pass.
    """
    n = len(series)
    if n > _PATH_SCAN:
        series = series.iloc[np.linspace(0, n - 1, _PATH_SCAN).astype(int)]
    if not (series.dtype == object or isinstance(series.dtype, pd.StringDtype)):
        return
    try:
        # not astype("string"): Arrow-backed strings cannot hold a lone surrogate
        text = series.str.strip()
    except AttributeError:  # an object column without a single string (bytes, arrays)
        return
    endings = tuple(EXTENSIONS) + tuple(e.upper() for e in EXTENSIONS)
    # NaN for a non-string of an object column, <NA> for a missing cell of a string column
    hit = np.flatnonzero(text.str.endswith(endings).eq(True).to_numpy(dtype=bool, na_value=False))
    # a caption may end in "cat.jpg" too; a path has no blank inside
    found = text.iloc[hit]
    found = found[~found.str.contains(r"\s", regex=True).astype(bool)]
    if found.empty:
        return
    kinds = Counter(kind_of_location(v) for v in found)
    described = ", ".join(f"{count:,} {kind}" for kind, count in kinds.most_common())
    first = found.iloc[0]
    where = (
        f"of its {len(series):,} values"
        if len(series) == n
        else f"of {len(series):,} values checked (of {n:,})"
    )
    kind = kinds.most_common(1)[0][0]
    param = {"item_id": "item_roles", "query_id": "query_roles"}.get(id_column, "roles")
    warnings.warn(
        f"column {name!r} is shown as text, but {len(found):,} {where} "
        f"{'looks' if len(found) == 1 else 'look'} like media paths "
        f"({described}; e.g. {first!r} at index {found.index[0]!r}), which will be shown as text. If the column holds "
        f"{kind} files, pass {param}={{{name!r}: {kind!r}}}; if it is text, fix those cells or "
        f"pass {param}={{{name!r}: 'text'}} to silence this warning",
        UserWarning,
        stacklevel=_caller_level(),
    )


def _caller_level() -> int:
    """The stacklevel of the first frame outside xmwidgets, for warnings.warn in the caller."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    frame: FrameType | None = sys._getframe(1)  # the function that calls warnings.warn
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame = frame.f_back
        level += 1
    return level


def _name_hint(lowered: str) -> str | None:
    if lowered in _NAME_HINTS:
        return _NAME_HINTS[lowered]
    for word in lowered.replace("-", "_").replace(" ", "_").split("_"):
        if word in _NAME_HINTS and not lowered.endswith(_META_SUFFIXES):
            return _NAME_HINTS[word]
    return None


def _sample(series: pd.Series) -> list[Any]:
    """Up to ~_SAMPLE non-null values: the first few and some spread over the column."""
    n = len(series)
    if n == 0:
        return []
    positions = sorted(set(range(min(n, 8))) | set(np.linspace(0, n - 1, _SAMPLE).astype(int)))
    values = [v for v in series.iloc[positions] if not is_null(v)]
    if not values:  # mostly null: find some real values (one vectorized pass)
        values = [v for v in series.dropna().iloc[:_SAMPLE] if not is_null(v)]
    return values


def _looks_like_location(text: str) -> bool:
    text = text.strip()
    return bool(text) and " " not in text and ("/" in text or "\\" in text or "://" in text)


def _looks_like_metadata_strings(values: list[Any], hint: str | None) -> bool:
    """Booleans, numbers or one-word labels stored as strings ("true", "0.93", "bundle").

    Captions have words; a column of single short tokens is a category (modality, split, colour),
    and showing it to an annotator can give the answer away. Name it in roles to show it anyway.
    """
    if hint == "text":
        return False
    if all(isinstance(v, str) and 0 < len(v.strip()) <= 32 and len(v.split()) == 1 for v in values):
        return True
    for v in values:
        if not isinstance(v, str):
            return False
        s = v.strip().lower()
        if s in ("true", "false", "yes", "no", ""):
            continue
        try:
            float(s)
        except ValueError:
            return False
    return True


def _is_pil_image(value: Any) -> bool:
    # checked by class name so that inference does not import Pillow for text-only frames
    return any(
        cls.__module__.startswith("PIL.") and cls.__name__ == "Image" for cls in type(value).__mro__
    )
