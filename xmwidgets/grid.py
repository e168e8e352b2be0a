"""RelevanceGrid: one query above its N candidates, graded on a named scale at keyboard speed.

Data flows one way: a key press updates the view at once (browser), a message carries the judgement
to the kernel, the kernel appends it to the store (durable), re-reads that query's labels from the
store into ``grid.labels`` and acknowledges; only then does the view mark the candidate "saved".
The browser never waits for the kernel while labelling; the next query's media is prefetched.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import pathlib
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import anywidget
import numpy as np
import pandas as pd
import traitlets

from ._frames import check_candidates, check_records, group_positions
from ._live_labels import LiveLabels, judged_value, pair_states
from ._pages import PageBuilder
from .media import infer_roles
from .scale import TREC_SCALE, Scale
from .store import Store, open_store

__all__ = ["RelevanceGrid"]

_log = logging.getLogger(__name__)
_STATIC = pathlib.Path(__file__).parent / "static"


def _default_annotator() -> str:
    return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()


class RelevanceGrid(anywidget.AnyWidget):
    """Graded relevance judgements of each query's candidates, written to a store as events.

    Parameters
    ----------
    queries : DataFrame
        ``query_id`` plus content columns (text, image, audio, video; several = a bundle).
    items : DataFrame
        The corpus: ``item_id`` plus content columns.
    candidates : DataFrame
        The pool: ``query_id, item_id`` plus optional ``source, score, rank``.
    store : str, path or Store
        Where judgements go: a SQLite file (created if missing), ``":memory:"``, or an open store.
    annotator : str, optional
        Who judges; defaults to ``$JUPYTERHUB_USER`` or the login name.
    campaign : str
        Campaign name, so that one store can hold several labelling rounds.
    scale : Scale
        The relevance scale; default TREC 0–3. Its ``version`` is stored as ``guideline_version``.
    query_roles, item_roles : dict, optional
        Column -> modality (``text``, ``image``, ``audio``, ``video``; ``None`` to hide a column).
        Inferred from dtypes and file extensions when not given.
    shuffle : bool
        Show candidates in an order shuffled per annotator and query (seeded, recorded as
        ``shown_position``) so that order bias can be measured. ``False`` keeps the given order.
    seed : int
        Seed of that shuffle.
    show_sources : bool
        Blind by default: source, rank and score are shown only when this is true.
    max_px : int
        Longest side, in pixels, that images and posters are downscaled to before they are sent.

    Examples
    --------
    >>> import xmwidgets as xm
    >>> demo = xm.datasets.demo()                                          # doctest: +SKIP
    >>> grid = xm.RelevanceGrid(demo.queries, demo.items, demo.candidates,
    ...                         store="demo-labels.sqlite", annotator="ana")  # doctest: +SKIP
    >>> grid.labels                                                        # doctest: +SKIP
    """

    _esm = _STATIC / "grid.js"
    _css = _STATIC / "grid.css"

    scale = traitlets.Dict().tag(sync=True)
    """dict: the relevance scale (levels with value, name, definition, key; or a continuous range)."""
    n_queries = traitlets.Int(0).tag(sync=True)
    """int: number of queries that have candidates. Default 0."""
    query_index = traitlets.Int(0).tag(sync=True)
    """int: position of the query on screen (0-based); set it to jump. Opens at the first unfinished query."""
    progress = traitlets.Dict().tag(sync=True)
    """dict: ``judged``, ``total`` candidates, ``queries_done``, ``n_queries`` for this annotator."""
    annotator = traitlets.Unicode("").tag(sync=True)
    """str: who judges. Read-only after construction."""
    show_sources = traitlets.Bool(False).tag(sync=True)
    """bool: show each candidate's source, rank and score (blind when false). Default False."""
    tile_size = traitlets.Int(240).tag(sync=True)
    """int: width of a candidate tile in CSS pixels. Default 240."""
    advance_on_grade = traitlets.Bool(True).tag(sync=True)
    """bool: after a grade key, move the focus to the next unjudged candidate. Default True."""
    error = traitlets.Unicode("").tag(sync=True)
    """str: a problem on the kernel side to show in a banner; empty when all is well."""

    def __init__(
        self,
        queries: pd.DataFrame,
        items: pd.DataFrame,
        candidates: pd.DataFrame,
        *,
        store: str | os.PathLike[str] | Store = "labels.sqlite",
        annotator: str | None = None,
        campaign: str = "default",
        scale: Scale = TREC_SCALE,
        query_roles: dict[str, str | None] | None = None,
        item_roles: dict[str, str | None] | None = None,
        shuffle: bool = True,
        seed: int = 0,
        show_sources: bool = False,
        max_px: int = 320,
        **kwargs: Any,
    ) -> None:
        if not isinstance(scale, Scale):
            raise TypeError(f"scale must be an xmwidgets.Scale, got {type(scale).__name__}")
        annotator = annotator or _default_annotator()
        if not isinstance(annotator, str) or not annotator.strip():
            raise ValueError(f"annotator must be a non-empty string, got {annotator!r}")
        queries = check_records(queries, "queries", "query_id")
        items = check_records(items, "items", "item_id")
        candidates, query_positions = check_candidates(candidates, queries, items)
        query_roles_ = infer_roles(queries, "query_id", query_roles)
        item_roles_ = infer_roles(items, "item_id", item_roles)

        self._scale = scale
        self._campaign = campaign
        self._shuffle = shuffle
        self._seed = seed
        self._store = open_store(store)
        self._candidates = candidates
        self._positions = group_positions(query_positions, list(queries["query_id"]))
        # queries in the order of the queries frame, those without candidates left out
        self._query_ids: list[str] = list(self._positions)
        self._item_sets: dict[str, frozenset[str]] = {}
        self._pages = PageBuilder(queries, items, query_roles_, item_roles_, max_px=max_px)
        self._page_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xmwidgets-pages")
        self._page_futures: list[Future[None]] = []
        self._undo_stack: list[tuple[str, list[int]]] = []
        self._live = LiveLabels()
        self._states: dict[str, dict[str, dict[str, Any]]] = {}
        self._none_relevant: set[str] = set()
        self._judged_count: dict[str, int] = {}

        super().__init__(annotator=annotator, show_sources=show_sources, **kwargs)
        self._load_from_store()
        with self.hold_sync():
            self.scale = scale.to_dict()
            self.n_queries = len(self._query_ids)
            self.query_index = self._first_unfinished()
            self.progress = self._progress()
        self.on_msg(self._on_message)

    # ----------------------------------------------------------------- public API
    @property
    def labels(self) -> pd.DataFrame:
        """This annotator's current judgements: one row per judged ``(query_id, item_id)``.

        The same DataFrame object for the widget's life, updated in place after each judgement is in
        the store. Columns: ``query_id, item_id, relevance`` (nullable Int8), ``magnitude``, ``best``,
        ``annotator, campaign, guideline_version, shown_position, duration_ms, created_at`` (UTC).
        """
        return self._live.frame

    @property
    def store(self) -> Store:
        """The store the judgements are written to (``store.events()``, ``store.labels()``)."""
        return self._store

    @property
    def query_ids(self) -> list[str]:
        """Query ids in the order the grid shows them."""
        return list(self._query_ids)

    @property
    def none_relevant(self) -> set[str]:
        """Query ids this annotator marked "none relevant"."""
        return set(self._none_relevant)

    def shown_candidates(self, query_id: str) -> pd.DataFrame:
        """The candidate rows of ``query_id`` in the order this annotator sees them."""
        rows = self._candidates.iloc[self._positions[query_id]]
        if self._shuffle:
            from .pools import shown_order

            order = shown_order(list(rows["item_id"]), self.annotator, query_id, seed=self._seed)
            rows = rows.set_index("item_id", drop=False).loc[order]
        return rows.reset_index(drop=True)

    def refresh(self) -> None:
        """Re-read every query's judgements from the store (e.g. after another process wrote to it)."""
        labels = self._store.labels(campaign=self._campaign, annotator=self.annotator)
        touched = set(self._states) | set(labels["query_id"].astype(str))
        for query_id in touched:
            self._sync_query(query_id)
        self.progress = self._progress()

    # ----------------------------------------------------------------- state from the store
    def _load_from_store(self) -> None:
        rows = self._store.labels(campaign=self._campaign, annotator=self.annotator)
        states, self._none_relevant = pair_states(rows)
        for (query_id, item_id), state in states.items():
            self._states.setdefault(query_id, {})[item_id] = state
        self._live.load(states)
        for query_id in self._states:
            self._judged_count[query_id] = self._count_judged(query_id)

    def _items_of(self, query_id: str) -> frozenset[str]:
        items = self._item_sets.get(query_id)
        if items is None:
            positions = self._positions.get(query_id)
            values = [] if positions is None else self._candidates["item_id"].to_numpy()[positions]
            items = self._item_sets[query_id] = frozenset(str(v) for v in values)
        return items

    def _count_judged(self, query_id: str) -> int:
        items = self._items_of(query_id)
        return sum(
            1
            for item_id, s in self._states.get(query_id, {}).items()
            if item_id in items and judged_value(s) is not None
        )

    def _sync_query(self, query_id: str) -> list[dict[str, Any]]:
        """Reload one query's state from the store; returns the candidate states that changed."""
        rows = self._store.labels(
            campaign=self._campaign, annotator=self.annotator, query_ids=[query_id]
        )
        states, none_relevant = pair_states(rows)
        new = {item_id: s for (_, item_id), s in states.items()}
        old = self._states.get(query_id, {})
        self._states[query_id] = new
        self._none_relevant.discard(query_id)
        self._none_relevant |= none_relevant
        self._live.replace_query(query_id, new)
        self._judged_count[query_id] = self._count_judged(query_id)
        changed = []
        for item_id in sorted(set(old) | set(new)):
            state = new.get(item_id, {})
            changed.append(
                {
                    "query_id": query_id,
                    "item_id": item_id,
                    "relevance": _plain(judged_value(state)),
                    "best": bool(state.get("best")),
                }
            )
        return changed

    def _progress(self) -> dict[str, int]:
        done = sum(
            1
            for q in self._query_ids
            if q in self._none_relevant or self._judged_count.get(q, 0) >= len(self._positions[q])
        )
        return {
            "judged": int(sum(self._judged_count.values())),
            "total": len(self._candidates),
            "queries_done": done,
            "n_queries": len(self._query_ids),
        }

    def _first_unfinished(self) -> int:
        for index, query_id in enumerate(self._query_ids):
            if query_id in self._none_relevant:
                continue
            if self._judged_count.get(query_id, 0) < len(self._positions[query_id]):
                return index
        return 0

    # ----------------------------------------------------------------- browser messages
    def _on_message(self, _widget: Any, content: dict[str, Any], buffers: list[Any]) -> None:
        kind = content.get("type")
        request_id = content.get("request_id")
        try:
            if kind == "page":
                self._send_page(int(content["index"]), request_id)
            elif kind == "grade":
                self._grade(content)
            elif kind == "pick":
                self._pick(content)
            elif kind == "undo":
                self._undo(content)
            elif kind == "ready":
                return
            else:
                raise ValueError(f"unknown message type {kind!r} from the browser")
        except (
            Exception
        ) as exc:  # the browser must learn of every failure, or it shows "saving…" forever
            self._report(kind, request_id, exc)

    def _report(self, kind: Any, request_id: Any, exc: Exception) -> None:
        _log.error("xmwidgets: handling %r failed", kind, exc_info=exc)
        self.send({"type": "error", "request_id": request_id, "message": str(exc)})

    def _send_page(self, index: int, request_id: Any) -> Future[None]:
        """Build and send a page on the page thread, so that judgements never queue behind media.

        Rendering a prefetched page (a dozen photos) takes tens of milliseconds; on the kernel's
        main thread it would delay the acknowledgement of every judgement that arrives meanwhile.
        The page's judgement state is copied here, on the main thread, before the hand-over.
        """
        if not 0 <= index < len(self._query_ids):
            raise IndexError(f"query index {index} is out of range 0..{len(self._query_ids) - 1}")
        query_id = self._query_ids[index]
        candidates = self.shown_candidates(query_id)
        states = {item_id: dict(s) for item_id, s in self._states.get(query_id, {}).items()}
        none_relevant = query_id in self._none_relevant
        show_sources = self.show_sources

        def build_and_send() -> None:
            try:
                page, buffers = self._pages.build(
                    index, query_id, candidates, states, none_relevant, show_sources
                )
                self.send(
                    {"type": "page", "request_id": request_id, "index": index, "page": page},
                    buffers,
                )
            except Exception as exc:
                self._report("page", request_id, exc)

        future = self._page_thread.submit(build_and_send)
        self._page_futures = [f for f in self._page_futures if not f.done()] + [future]
        return future

    def wait_for_pages(self, timeout: float | None = 30) -> None:
        """Block until every page asked for so far has been sent (for tests and scripts)."""
        for future in list(self._page_futures):
            future.result(timeout=timeout)

    def _check_pair(self, query_id: str, item_id: str | None) -> None:
        if query_id not in self._positions:
            raise ValueError(f"unknown query_id {query_id!r}: it has no candidates in this grid")
        if item_id is not None and item_id not in self._items_of(query_id):
            raise ValueError(f"item_id {item_id!r} is not a candidate of query {query_id!r}")

    def _event(
        self, task: str, query_id: str, item_id: str | None, content: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "campaign": self._campaign,
            "task": task,
            "query_id": query_id,
            "item_id": item_id,
            "annotator": self.annotator,
            "guideline_version": self._scale.version,
            "shown_position": _int_or_none(content.get("shown_position")),
            "duration_ms": _int_or_none(content.get("duration_ms")),
        }

    def _grade(self, content: dict[str, Any]) -> None:
        query_id, item_id = str(content["query_id"]), str(content["item_id"])
        self._check_pair(query_id, item_id)
        value = self._scale.validate(content["relevance"])
        event = self._event("grade", query_id, item_id, content)
        event["magnitude" if self._scale.is_continuous else "relevance"] = value
        self._write(query_id, [event], content.get("request_id"))

    def _pick(self, content: dict[str, Any]) -> None:
        query_id = str(content["query_id"])
        item_id = None if content.get("item_id") is None else str(content["item_id"])
        self._check_pair(query_id, item_id)
        shown = json.dumps([str(i) for i in content.get("shown") or []])
        current = next(
            (i for i, s in self._states.get(query_id, {}).items() if s.get("best")), None
        )

        def pick(item: str | None, **values: Any) -> dict[str, Any]:
            event = self._event("pick", query_id, item, content if item == item_id else {})
            return {**event, "shown": shown, **values}

        events: list[dict[str, Any]] = []
        if content.get("none_relevant"):
            if current is not None:
                events.append(pick(current, best=False))
            events.append(pick(None, none_relevant=True))
        elif item_id is None:
            events.append(pick(None, none_relevant=False))
        elif content.get("best"):
            if current is not None and current != item_id:
                events.append(pick(current, best=False))
            if query_id in self._none_relevant:
                events.append(pick(None, none_relevant=False))
            events.append(pick(item_id, best=True))
        else:
            events.append(pick(item_id, best=False))
        self._write(query_id, events, content.get("request_id"))

    def _undo(self, content: dict[str, Any]) -> None:
        if not self._undo_stack:
            raise ValueError("nothing to undo in this session")
        query_id, event_ids = self._undo_stack.pop()
        self._store.retract(event_ids)
        self._acknowledge(query_id, content.get("request_id"))

    def _write(self, query_id: str, events: list[dict[str, Any]], request_id: Any) -> None:
        event_ids = self._store.append(events)  # durable before anything says "saved"
        self._undo_stack.append((query_id, list(event_ids)))
        self._acknowledge(query_id, request_id)

    def _acknowledge(self, query_id: str, request_id: Any) -> None:
        states = self._sync_query(query_id)
        self.progress = self._progress()
        self.send(
            {
                "type": "ack",
                "request_id": request_id,
                "query_id": query_id,
                "states": states,
                "none_relevant": query_id in self._none_relevant,
            }
        )

    def close(self) -> None:
        pages = getattr(self, "_pages", None)  # absent when __init__ failed on bad input
        if pages is not None:
            self._page_thread.shutdown(wait=False, cancel_futures=True)
            pages.close()
        super().close()

    def __repr__(self) -> str:
        p = self._progress()
        return (
            f"RelevanceGrid(annotator={self.annotator!r}, queries={p['n_queries']}, "
            f"judged={p['judged']}/{p['total']}, store={self._store.path!r})"
        )


def _plain(value: Any) -> float | int | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.integer, int)):
        return int(value)
    number = float(value)
    return int(number) if number.is_integer() else number


def _int_or_none(value: Any) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"expected an integer, got {value!r}") from None
