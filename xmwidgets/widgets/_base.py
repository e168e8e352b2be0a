"""The base of every judgement widget: what all tasks share, from the checked frames to the ack.

One widget per task (``grade.py``: RelevanceGrid, ``pick.py``: BestMatchPicker, ...) subclasses
:class:`TaskWidget` and adds its rules (a :class:`~xmwidgets.widgets._rules.Rules` subclass), how
its stored labels are read back, and its labels frame. The base owns the rest, the same for every
task: the frames checked on the way in, the store, pages built and sent on a worker thread, the
browser's messages checked (:mod:`._input`), a ``judge`` batch applied and written in one store
transaction and acknowledged in one ``ack``, undo, the live labels frame and progress.

Data flows one way: a key press updates the view at once (browser), a ``judge`` message carries a
batch of actions to the kernel, the kernel applies the task's rules to its in-memory state, appends
all the batch's events to the store in one transaction (durable) and sends one ``ack``; only then
does the view mark them "saved". The protocol is in ``js/src/shell/protocol.ts``.
"""

from __future__ import annotations

import getpass
import logging
import os
import pathlib
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ClassVar

import anywidget
import numpy as np
import pandas as pd
import traitlets

from ..media import infer_roles
from ..scale import TREC_SCALE, Scale
from ..store import Store, open_store
from ._batch import JudgeBatches
from ._checks import (
    check_candidates,
    check_grid_options,
    check_records,
    concepts_by_query,
    group_positions,
)
from ._input import (
    Action,
    BrowserInputError,
    checked_query_index,
    parse_message,
    safe_text,
    shown_value,
)
from ._live_labels import LiveLabels, register_cell_hook
from ._pages import PageBuilder
from ._peers import PeerWrites
from ._rules import QueryState, Rules

__all__ = ["QUERY_IDS_SYNCED", "TaskWidget"]

_log = logging.getLogger(__name__)
_STATIC = pathlib.Path(__file__).parent.parent / "static"
# above this many queries the id list is not sent to the browser (it would outweigh a page of media)
QUERY_IDS_SYNCED = 20_000


def _default_annotator() -> str:
    return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()


class TaskWidget(JudgeBatches, anywidget.AnyWidget):
    """Base of the judgement widgets: one query at a time above its candidates, judged by keys.

    Subclasses set ``_TASK`` (the front end's task body, see ``js/src/tasks/``) and
    ``_LABEL_COLUMNS`` (their labels frame), and implement :meth:`_read_labels`, :meth:`_open`,
    :meth:`_parse_action`, :meth:`_page_states`, :meth:`_label_row` and :meth:`_reload_query`.
    The constructor's parameters are those of :class:`~xmwidgets.RelevanceGrid`.
    """

    # one bundle for all widgets: the shell is most of it, and each task body is small (the
    # browser loads and caches one module; ``task`` tells it which body to mount)
    _esm = _STATIC / "widgets.js"
    _css = _STATIC / "widgets.css"

    _TASK: ClassVar[str] = ""
    _LABEL_COLUMNS: ClassVar[dict[str, str]] = {}
    # traits the browser may change through a state update; every other one is a kernel fact
    _BROWSER_TRAITS: ClassVar[frozenset[str]] = frozenset({"query_index"})

    task = traitlets.Unicode("").tag(sync=True)
    """str: which task body the front end shows (``grade``, ``pick``, ...). Fixed per class."""
    scale = traitlets.Dict().tag(sync=True)
    """dict: the scale or rubric (levels with value, name, definition, key; flags; a version)."""
    n_queries = traitlets.Int(0).tag(sync=True)
    """int: number of queries that have candidates. Default 0."""
    query_index = traitlets.Int(0).tag(sync=True)
    """int: position of the query on screen (0-based); set it to jump. Opens at the first unfinished query.

    The only trait the browser may change; any other state update from it is reverted."""
    progress = traitlets.Dict().tag(sync=True)
    """dict: ``judged`` (candidates handled), ``total`` candidates, ``queries_done``,
    ``n_queries`` for this annotator. Current in Python at all times; the view gets it when it
    opens and in every ``ack`` (no state update message per judgement)."""
    annotator = traitlets.Unicode("").tag(sync=True)
    """str: who judges. Read-only after construction."""
    show_sources = traitlets.Bool(False).tag(sync=True)
    """bool: show each candidate's source, rank and score (blind when false). Default False."""
    tile_size = traitlets.Int(240).tag(sync=True)
    """int: width of a candidate tile in CSS pixels. Default 240."""
    error = traitlets.Unicode("").tag(sync=True)
    """str: a problem on the kernel side to show in a banner; empty when all is well."""
    goto_query_ids = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """list of str: the query ids in the order shown, so that ``g`` (go to) finds a query by its id.
    Empty when there are more than ``QUERY_IDS_SYNCED`` queries (``g`` then takes numbers only)."""

    _rules: Rules

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
        concepts: Mapping[str, str] | pd.DataFrame | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(scale, Scale):
            raise TypeError(f"scale must be an xmwidgets.Scale, got {type(scale).__name__}")
        annotator = _default_annotator() if annotator is None else annotator
        check_grid_options(
            annotator=annotator,
            campaign=campaign,
            max_px=max_px,
            seed=seed,
            shuffle=shuffle,
            show_sources=show_sources,
        )
        queries = check_records(queries, "queries", "query_id")
        items = check_records(items, "items", "item_id")
        # an existing store's labels are read on a thread while the pool is checked (SQLite and
        # Arrow release the GIL): resuming over a million labels costs little more than opening
        self._page_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xmwidgets-pages")
        reading: Future[pd.DataFrame] | None = None
        if _has_labels(store):
            self._store = open_store(store)
            reading = self._page_thread.submit(
                self._read_for_open,
                campaign,
                annotator,
                scale,
                queries["query_id"],
                items["item_id"],
            )
        try:
            candidates, query_positions, item_positions = check_candidates(
                candidates, queries, items
            )
            query_roles_ = infer_roles(queries, "query_id", query_roles)
            item_roles_ = infer_roles(items, "item_id", item_roles)
        except BaseException:
            if reading is not None:
                reading.cancel()
            self._page_thread.shutdown(wait=True)
            raise

        self._scale = scale
        self._campaign = campaign
        self._shuffle = shuffle
        self._seed = int(seed)
        if reading is None:
            self._store = open_store(store)
        self._candidates = candidates
        self._records = (queries, items)  # checked, for add_candidates
        # the guideline's concepts each query mentions, shown with their definitions above it
        self._concepts = concepts_by_query(queries, concepts)
        self._positions = group_positions(query_positions, list(queries["query_id"]))
        # each query's candidates in the batches they came in (the constructor's, then each
        # add_candidates call): every batch is shuffled on its own, after the earlier ones, so
        # that adding candidates never moves those already on screen
        self._batches: dict[str, list[np.ndarray]] = {q: [p] for q, p in self._positions.items()}
        # queries in the order of the queries frame, those without candidates left out
        self._query_ids: list[str] = list(self._positions)
        self._index_of = {query_id: k for k, query_id in enumerate(self._query_ids)}
        self._query_index = pd.Index(queries["query_id"])
        self._item_index = pd.Index(items["item_id"])
        # each candidate pair as one integer (query row * n items + item row): resuming matches a
        # million stored labels against a million candidates with one hash lookup each
        self._pair_codes = query_positions * max(len(items), 1) + item_positions
        self._pages = PageBuilder(queries, items, query_roles_, item_roles_, max_px=int(max_px))
        self._page_futures: list[Future[None]] = []
        self._live = LiveLabels(self._LABEL_COLUMNS)
        self._constructed = False

        super().__init__(annotator=annotator, show_sources=show_sources, task=self._TASK, **kwargs)
        first = self._open(None if reading is None else reading.result())
        self._peers = PeerWrites(self._store, campaign, annotator, self._TASK)
        with self.hold_sync():
            self.scale = scale.to_dict()
            self.n_queries = len(self._query_ids)
            if len(self._query_ids) <= QUERY_IDS_SYNCED:
                self.goto_query_ids = list(self._query_ids)
            self.query_index = first
            self.progress = self._rules.progress()
        self._constructed = True
        self.on_msg(self._on_message)
        self._cell_hook = register_cell_hook(self)

    # ----------------------------------------------------------------- for subclasses
    def _read_labels(self, campaign: str, annotator: str, scale: Scale) -> pd.DataFrame:
        """This annotator's stored labels as the task needs them (runs on the page thread)."""
        raise NotImplementedError

    def _read_for_open(
        self, campaign: str, annotator: str, scale: Scale, query_ids: Any, item_ids: Any
    ) -> Any:
        """What ``_open`` gets: runs on the page thread while the pool is checked. The stored
        labels; a task may also do there the part of its opening that needs only them and the
        ids of the (checked) queries and items frames, in their order."""
        return self._read_labels(campaign, annotator, scale)

    def _open(self, rows: Any) -> int:
        """Build ``self._rules`` from what ``_read_for_open`` returned (``None``: read it now)
        and fill the live frame; returns the index of the first query that is not done."""
        raise NotImplementedError

    def _parse_action(self, raw: Any, position: int) -> Action:
        """Check one browser action of this task (raises BrowserInputError)."""
        raise NotImplementedError

    def _page_states(self, q: QueryState) -> dict[str, dict[str, Any]]:
        """The stored state of each judged candidate of ``q``, as the page carries it."""
        raise NotImplementedError

    def _page_extra(self, q: QueryState) -> dict[str, Any]:
        """Page-level fields of the task (e.g. the query's own flags and note); default none."""
        return {}

    def _label_row(self, q: QueryState, item_id: str, state: Any | None) -> tuple[Any, ...] | None:
        """The live labels row of one pair (None: the pair is not judged)."""
        raise NotImplementedError

    def _reload_query(self, query_id: str) -> None:
        """Read one query's state from the store again (undo of an action from before refresh())."""
        raise NotImplementedError

    def _pages_of(self, query_ids: list[str]) -> list[str]:
        """This widget's pages (their query ids) that show the store's ``query_ids``."""
        return [q for q in query_ids if q in self._index_of]

    def _catch_up(self) -> None:
        """Re-read the queries another writer changed in the store since this widget looked."""
        slots = self._pages_of(self._peers.changed_queries())
        for query_id in slots:
            self._reload_query(query_id)  # touched: the next ack carries their states too
            self._put_labels(self._rules.queries[query_id], self._rules.touched.get(query_id, {}))
        if slots:
            self._set_progress()

    def _put_labels(self, q: QueryState, item_ids: Iterable[str]) -> None:
        """Queue the live labels rows of the pairs of ``q`` a batch touched (one row per pair;
        a task with one row per query overrides this)."""
        for item_id in item_ids:
            self._live.put((q.query_id, item_id), self._label_row(q, item_id, q.pairs.get(item_id)))

    # ----------------------------------------------------------------- public API
    @property
    def labels(self) -> pd.DataFrame:
        """This annotator's current judgements (see the subclass for its columns).

        The same DataFrame object for the widget's life, brought up to date whenever it can be
        looked at (when this property is read, and before each notebook cell runs).
        """
        self._live.flush()
        return self._live.frame

    @property
    def store(self) -> Store:
        """The store the judgements are written to (``store.events()``, ``store.labels()``)."""
        return self._store

    @property
    def query_ids(self) -> list[str]:
        """Query ids in the order the widget shows them."""
        return list(self._query_ids)

    def shown_candidates(self, query_id: str) -> pd.DataFrame:
        """The candidate rows of ``query_id`` in the order this annotator sees them."""
        rows = self._candidates.iloc[self._positions[query_id]]
        shown = self._rules.query(query_id).shown
        return rows.set_index("item_id", drop=False).loc[shown].reset_index(drop=True)

    def refresh(self) -> None:
        """Re-read this annotator's judgements from the store (e.g. after another process wrote).

        Undo still works for the actions of this session from before the refresh: their events
        are retracted and the query is read from the store again.
        """
        self._reload()
        # the view shows the stored work at once: its header's counts, and every page it holds
        # (read again from here when it is next shown)
        self.send({"type": "invalidate", "indices": "all"})

    def _reload(self) -> None:
        """Read the rules' state and the live frame from the store again; ``progress`` is synced."""
        stale = [*self._rules.stale_undo, *self._rules.undo_stack]
        self._peers.reset()
        self._open(None)
        self._rules.stale_undo = stale
        self.progress = self._rules.progress()

    def _shown_order(self, query_id: str) -> list[str]:
        shown: list[str] = []
        for positions in self._batches[query_id]:
            item_ids = [str(v) for v in self._candidates["item_id"].array[positions]]
            if self._shuffle:
                from ..pools import shown_order

                item_ids = shown_order(item_ids, self.annotator, query_id, seed=self._seed)
            shown.extend(item_ids)
        return shown

    def add_candidates(self, candidates: pd.DataFrame) -> int:
        """Add pairs to judge while the widget runs (e.g. the next batch of ``xm.discover``).

        Pairs already in the widget are skipped; new ones join their query after the candidates it
        already shows (those keep their places), and queries new to the widget come after the
        last one. The view updates the pages it holds; judgements stay as they are. Returns the
        number of pairs added.

        Parameters
        ----------
        candidates : DataFrame
            ``query_id, item_id`` plus optional ``source, score, rank``, as for the constructor;
            every id must be in the widget's queries and items.
        """
        queries, items = self._records
        new, query_positions, item_positions = check_candidates(candidates, queries, items)
        codes = query_positions * max(len(items), 1) + item_positions
        fresh = ~np.isin(codes, self._pair_codes)
        if not fresh.any():
            return 0
        new = new[fresh].reset_index(drop=True)
        start = len(self._candidates)
        self._candidates = pd.concat([self._candidates, new], ignore_index=True)
        self._pair_codes = np.concatenate([self._pair_codes, codes[fresh]])
        changed: list[int] = []
        for query_id, positions in group_positions(
            query_positions[fresh], list(queries["query_id"])
        ).items():
            positions = positions + start
            if query_id in self._batches:
                self._batches[query_id].append(positions)
                self._positions[query_id] = np.concatenate([self._positions[query_id], positions])
                changed.append(self._index_of[query_id])
            else:  # a query new to the widget: at the end, so no index on screen moves
                self._batches[query_id] = [positions]
                self._positions[query_id] = positions
                self._index_of[query_id] = len(self._query_ids)
                self._query_ids.append(query_id)
        self._reload()  # counts, done queries and the rules' states, over the new pool
        with self.hold_sync():
            self.n_queries = len(self._query_ids)
            self.goto_query_ids = (
                list(self._query_ids) if len(self._query_ids) <= QUERY_IDS_SYNCED else []
            )
        if changed:
            self.send({"type": "invalidate", "indices": sorted(changed)})
        return int(fresh.sum())

    def _set_progress(self) -> None:
        """Keep ``progress`` current in Python without a message: the ack carries it to the view."""
        progress = self._rules.progress()
        with self._lock_property(progress=progress):
            self.progress = progress

    # ----------------------------------------------------------------- state updates
    @traitlets.validate("annotator")
    def _kernel_fact(self, proposal: Any) -> Any:
        if getattr(self, "_constructed", False) and proposal["value"] != getattr(
            self, proposal["trait"].name
        ):
            raise traitlets.TraitError(
                f"{proposal['trait'].name} is fixed when the widget is created; make a new "
                "widget for another annotator"
            )
        return proposal["value"]

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """A state update from the browser: only ``query_index`` may change; the rest is reverted.

        The browser is not trusted with kernel facts (annotator, blinding, scale, progress...): a
        front end that sends them is logged and sent the kernel's values back.
        """
        if not isinstance(sync_data, Mapping):
            _log.warning("xmwidgets: ignored a state update that is not an object: %r", sync_data)
            return
        allowed: dict[str, Any] = {}
        revert: list[str] = []
        for name, value in sync_data.items():
            if name not in self._BROWSER_TRAITS:
                if name in self.keys:
                    revert.append(name)
                _log.warning(
                    "xmwidgets: the browser tried to set %r to %s; it is decided by the kernel "
                    "and was reverted",
                    name,
                    shown_value(value),
                )
                continue
            index = checked_query_index(value, len(self._query_ids))
            if index is None:
                revert.append(name)
                _log.warning(
                    "xmwidgets: the browser sent query_index %s, not a query position "
                    "0..%d; reverted",
                    shown_value(value),
                    len(self._query_ids) - 1,
                )
                continue
            allowed[name] = index
        if allowed:
            super().set_state(allowed)
        if revert:
            self.send_state(key=revert)

    # ----------------------------------------------------------------- browser messages
    def _on_message(self, _widget: Any, content: Any, buffers: list[Any]) -> None:
        request_id = None
        try:
            message = parse_message(content, len(self._query_ids))
            request_id = message.request_id
            if message.type == "page":
                assert message.index is not None
                self._send_page(message.index, request_id)
            elif message.type == "judge":
                self._judge_batch(message.actions)
        except BrowserInputError as exc:
            _log.warning("xmwidgets: refused a message from the browser: %s", exc)
            self._send_error(exc.request_id, str(exc))
        except Exception as exc:  # the browser must learn of every failure
            _log.error("xmwidgets: handling a browser message failed", exc_info=exc)
            self._send_error(request_id, f"{type(exc).__name__}: {exc}")

    def _send_error(self, request_id: int | None, message: str) -> None:
        self.send({"type": "error", "request_id": request_id, "message": safe_text(message)})

    def _send_page(self, index: int, request_id: int | None) -> Future[None]:
        """Build and send a page on the page thread, so that judgements never queue behind media.

        Rendering a prefetched page (a dozen photos) takes tens of milliseconds; on the kernel's
        main thread it would delay the acknowledgement of every judgement that arrives meanwhile.
        The page's judgement state is copied here, on the main thread, before the hand-over.
        """
        query_id = self._query_ids[index]
        self._catch_up()
        candidates = self.shown_candidates(query_id)
        q = self._rules.query(query_id)
        states = self._page_states(q)
        extra = self._page_extra(q)
        if query_id in self._concepts:
            extra["concepts"] = self._concepts[query_id]
        none_relevant = q.none_relevant
        show_sources = self.show_sources

        def build_and_send() -> None:
            try:
                page, buffers = self._pages.build(
                    index, query_id, candidates, states, none_relevant, show_sources, extra
                )
                self.send(
                    {"type": "page", "request_id": request_id, "index": index, "page": page},
                    buffers,
                )
            except Exception as exc:
                _log.error("xmwidgets: building page %d failed", index, exc_info=exc)
                self._send_error(request_id, f"page {index} could not be built: {exc}")

        future = self._page_thread.submit(build_and_send)
        self._page_futures = [f for f in self._page_futures if not f.done()] + [future]
        return future

    def wait_for_pages(self, timeout: float | None = 30) -> None:
        """Block until every page asked for so far has been sent (for tests and scripts)."""
        for future in list(self._page_futures):
            future.result(timeout=timeout)

    def close(self) -> None:
        hook = getattr(self, "_cell_hook", None)
        if hook is not None:
            hook()
            self._cell_hook = None
        pages = getattr(self, "_pages", None)  # absent when __init__ failed on bad input
        if pages is not None:
            self._page_thread.shutdown(wait=False, cancel_futures=True)
            pages.close()
        super().close()

    def __repr__(self) -> str:
        rules = getattr(self, "_rules", None)
        if rules is None:
            return f"{type(self).__name__}(<not initialised>)"
        p = rules.progress()
        return (
            f"{type(self).__name__}(annotator={self.annotator!r}, queries={p['n_queries']}, "
            f"judged={p['judged']}/{p['total']}, store={self._store.path!r})"
        )


def _has_labels(store: object) -> bool:
    """Whether ``store`` may already hold labels: an open Store or an existing, non-empty file."""
    if isinstance(store, Store):
        return True
    try:
        path = os.fspath(store)  # type: ignore[call-overload]
    except TypeError:
        return False
    return path != ":memory:" and os.path.isfile(path) and os.path.getsize(path) > 0
