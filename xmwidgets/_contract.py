"""The data contract shared by every part (DESIGN.md §3), in one place.

Column names and dtypes of the label events and the labels view. The store writes these, the widgets
read them, the analysis functions accept frames with (a subset of) these columns.
"""

from __future__ import annotations

__all__ = [
    "BROKEN",
    "CHOICES",
    "EVENT_COLUMNS",
    "LABEL_COLUMNS",
    "LABEL_KEY",
    "ROLES",
    "TASKS",
    "float_ids",
    "repeated_columns",
]

# task names of label events
TASKS = ("grade", "pick", "pair", "rank", "segment")

# values of the `choice` column (pair task) and of the `role` column
CHOICES = ("a", "b", "tie", "both-bad")
ROLES = ("annotator", "adjudicator")

# the flag of a candidate whose media did not load or play: it cannot be judged, so it is stored
# without a grade, counts as handled and stays out of the relevance judgements (every task)
BROKEN = "broken-media"

# longest note kept, from the browser, store.append and import_labels alike (a note is a sentence
# or a paragraph, not a document)
MAX_NOTE = 10_000

# column -> pandas dtype of the events frame (append-only log; one row per judgement act)
EVENT_COLUMNS: dict[str, str] = {
    "event_id": "int64",  # monotonic, assigned by the store
    "campaign": "string",
    "task": "string",  # grade | pick | pair | rank | segment
    "query_id": "string",
    "item_id": "string",  # null for query-level events ("none relevant")
    "other_id": "string",  # pair: the second item of the pair (item_id = a, other_id = b)
    "annotator": "string",
    "role": "string",  # "annotator" (stored null reads as "annotator") | "adjudicator" (Review)
    "relevance": "Int8",  # discrete scale value (grade)
    "magnitude": "Float64",  # continuous scale value (grade on a continuous scale)
    "best": "boolean",  # pick: True = best match, False = no longer best
    "none_relevant": "boolean",  # pick with item_id null: True = "none relevant" for the query
    "choice": "string",  # pair: "a" | "b" | "tie" | "both-bad"; null = choice cleared
    "rank": "Int32",  # pick: 1 = best, 2 = second; rank: 1-based position (ties share); null = cleared
    "flags": "string",  # comma-separated
    "note": "string",
    "segment_start": "Float64",  # seconds
    "segment_end": "Float64",
    "guideline_version": "string",
    "shown_position": "Int32",  # 0-based position of the candidate as shown to this annotator
    "shown": "string",  # JSON list of the item ids shown, in order (pick events), for "chosen over" pairs
    "duration_ms": "Int64",
    "retracts": "Int64",  # event_id this event retracts (undo); the other value fields are null then
    "created_at": "datetime64[ns, UTC]",
}

# the key of the labels view: the current judgement per key
# (judgements under another guideline_version, or of another pair, are other labels)
LABEL_KEY = (
    "campaign",
    "task",
    "guideline_version",
    "query_id",
    "item_id",
    "other_id",
    "annotator",
)

# columns of the labels view (store.labels()): the newest non-retracted event per LABEL_KEY
LABEL_COLUMNS: dict[str, str] = {k: v for k, v in EVENT_COLUMNS.items() if k != "retracts"}


def repeated_columns(frame: object, what: str, name: str) -> str | None:
    """What is wrong when ``frame`` (called ``what``; a variable ``name`` in the fix) repeats a
    column name, or None. Which of the columns a reader would get is pandas' choice, not the caller's:
    every reader of the contract refuses such a frame, each with its own error type."""
    columns = frame.columns  # type: ignore[attr-defined]
    repeated = list(dict.fromkeys(columns[columns.duplicated()]))
    if not repeated:
        return None
    return (
        f"{what} has duplicate column name{'s' if len(repeated) > 1 else ''} "
        f"{', '.join(repr(c) for c in repeated)} (columns: {', '.join(map(str, columns))}): each "
        f"column needs its own name; rename them ({name}.columns = [...]) or keep the first "
        f"({name}.loc[:, ~{name}.columns.duplicated()])"
    )


def float_ids(series: object, col: str, frame: str = "df") -> str | None:
    """What is wrong when an id column holds floats that are whole numbers (a NaN made an int
    column float), or None: as text they are '1.0', which matches no '1' that read_qrels, read_run
    or a column of str give. ``frame`` names the frame in the fix. True/False are no ids either."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_bool_dtype(series.dtype):  # type: ignore[attr-defined]
        return f"{col} holds True/False, not ids: ids are strings; pass the id column itself"
    dtype = series.dtype  # type: ignore[attr-defined]
    if not pd.api.types.is_float_dtype(dtype) and (
        not pd.api.types.is_object_dtype(dtype)
        or pd.api.types.infer_dtype(series, skipna=True) not in ("floating", "mixed-integer-float")
    ):
        return None  # str, int, categorical, Arrow ids: no scan of a million values
    numbers = pd.to_numeric(series, errors="coerce").dropna()
    floats = numbers.to_numpy(dtype=np.float64)
    whole = np.isfinite(floats) & (floats == np.round(floats))
    if not whole.any():
        return None  # ids such as 1.5: their text is what they look like
    shown = [float(v) for v in numbers[whole].unique()[:3]]
    as_text = ", ".join(repr(str(v)) for v in shown)
    unmatched = (
        f"no id '{int(shown[0])}' as read_qrels, read_run or a column of str give it"
        if col in ("query_id", "item_id")
        else f"no {col} '{int(shown[0])}' a widget writes (e.g. {col}='{int(shown[0])}')"
    )
    return (
        f"{col} holds floats that are whole numbers ({', '.join(map(repr, shown))}): as text they "
        f"would be stored as {as_text}, which match {unmatched}; convert the column first, e.g. "
        f"{frame}[{col!r}] = {frame}[{col!r}].astype('Int64').astype(str) (or .astype(str) if "
        f"{str(shown[0])!r} is meant)"
    )
