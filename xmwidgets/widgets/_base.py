"""The base of every judgement widget: what all tasks share, from the checked frames to the ack.

One widget per task (``grade.py``: RelevanceGrid, ``pick.py``: BestMatchPicker, ...) subclasses
:class:`TaskWidget` and adds its rules (a :class:`~xmwidgets.widgets._rules.Rules` subclass), how
its stored labels are read back, and its labels frame. The base owns the rest, the same for every
task: the frames checked on the way in, the store, the pool of candidates in shown order
(:mod:`._pool`), the browser's state updates and messages checked and pages built and sent on a
worker thread (:mod:`._messages`), a ``judge`` batch applied and written in one store transaction
and acknowledged in one ``ack`` (:mod:`._batch`), undo, the live labels frame and progress.

Data flows one way: a key press updates the view at once (browser), a ``judge`` message carries a
batch of actions to the kernel, the kernel applies the task's rules to its in-memory state, appends
all the batch's events to the store in one transaction (durable) and sends one ``ack``; only then
does the view mark them "saved". The protocol is in ``js/src/shell/protocol.ts``.
"""

from __future__ import annotations

import difflib
import getpass
import logging
import os
import pathlib
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ClassVar

import anywidget
import pandas as pd
import traitlets

from ..scale import TREC_SCALE, Scale
from ..store import Store, open_store
from ._batch import JudgeBatches
from ._checks import (
    check_candidates,
    check_grid_options,
    check_records,
    concepts_by_query,
)
from ._content import content_roles
from ._input import (
    Action,
)
from ._live_labels import LiveLabels, labels_doc, register_cell_hook
from ._messages import BrowserMessages
from ._pages import PageBuilder
from ._peers import PeerWrites, register
from ._pool import CandidatePool
from ._query_state import QueryState
from ._rules import Rules
from ._state_lock import new_state_lock, state_locked

__all__ = ["QUERY_IDS_SYNCED", "TaskWidget"]

_log = logging.getLogger(__name__)
_STATIC = pathlib.Path(__file__).parent.parent / "static"
# the tile widths (CSS pixels) the layout works with: narrower tiles cut every label, wider ones
# leave one column even on a wide screen
TILE_SIZES = (80, 2000)
# above this many queries the id list is not sent to the browser (it would outweigh a page of media)
QUERY_IDS_SYNCED = 20_000


def _default_annotator() -> str:
    return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()


class TaskWidget(CandidatePool, BrowserMessages, JudgeBatches, anywidget.AnyWidget):
    """Base of the judgement widgets: one query at a time above its candidates, judged by keys.

    Subclasses set ``_TASK`` (the front end's task body, see ``js/src/tasks/``),
    ``_LABEL_COLUMNS`` and ``_LABELS_DOC`` (their labels frame and its doc), and implement
    :meth:`_read_labels`, :meth:`_open`, :meth:`_parse_action`, :meth:`_page_states`,
    :meth:`_label_row` and :meth:`_reload_query`. The constructor's parameters are those of
    :class:`~xmwidgets.RelevanceGrid`.
    """

    # one bundle for all widgets: the shell is most of it, and each task body is small (the
    # browser loads and caches one module; ``task`` tells it which body to mount)
    _esm = _STATIC / "widgets.js"
    _css = _STATIC / "widgets.css"

    _TASK: ClassVar[str] = ""
    _LABEL_COLUMNS: ClassVar[dict[str, str]] = {}
    # the doc of the task's labels frame (``help(Widget.labels)``, see labels_doc): what a row is,
    # then its rows' order and its columns
    _LABELS_DOC: ClassVar[str] = ""
    # what the widget's queries are, in its repr
    _UNITS: ClassVar[str] = "queries"

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
    tile_size = traitlets.Int(240, min=TILE_SIZES[0], max=TILE_SIZES[1]).tag(sync=True, option=True)
    """int: width of a candidate tile in CSS pixels, 80 to 2000. Default 240."""
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
        # messages come on a subshell's thread beside the user's cells: see _state_lock
        self._state_lock = new_state_lock()
        # a sibling wrote while this widget's lock was held elsewhere: taken up under the lock
        self._sibling_wrote = False
        _check_options(type(self), kwargs)
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
            try:
                self._store = _open_with_rubric(store, scale, campaign)
            except BaseException:
                self._page_thread.shutdown(wait=False)
                raise
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
            page_queries = self._query_records(queries)
            query_roles_ = content_roles(
                page_queries, "query_id", query_roles, "queries", "query_roles"
            )
            item_roles_ = content_roles(items, "item_id", item_roles, "items", "item_roles")
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
            self._store = _open_with_rubric(store, scale, campaign)
        self._take_pool(queries, items, candidates, query_positions, item_positions)
        # the guideline's concepts each query mentions, shown with their definitions above it
        self._concepts = concepts_by_query(page_queries, concepts)
        self._pages = PageBuilder(
            page_queries, items, query_roles_, item_roles_, max_px=int(max_px)
        )
        self._page_futures: list[Future[None]] = []
        self._live = LiveLabels(self._LABEL_COLUMNS)
        self._constructed = False

        super().__init__(annotator=annotator, show_sources=show_sources, task=self._TASK, **kwargs)
        first = self._open_rules(self._read_now() if reading is None else reading.result())
        self._peers = PeerWrites(self._store, campaign, annotator, self._TASK)
        register(self)
        with self.hold_sync():
            self.scale = scale.to_dict()
            self._sync_queries()
            self.query_index = first
            self.progress = self._rules.progress()
        self._constructed = True
        self.on_msg(self._on_message)
        self._cell_hook = register_cell_hook(self)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_LABELS_DOC" in cls.__dict__:
            # the task's own property: the same frame, with the task's doc
            labels = TaskWidget.__dict__["labels"]
            cls.labels = property(labels.fget, doc=labels_doc(cls._LABELS_DOC))  # type: ignore[method-assign, assignment]

    # ----------------------------------------------------------------- for subclasses
    # the store's labels columns the task reads (Store.labels(columns=...)), and whose (a role;
    # None: every role's)
    _READ_COLUMNS: ClassVar[tuple[str, ...] | None] = None
    _READ_ROLE: ClassVar[str | None] = None

    def _read_labels(
        self, campaign: str, annotator: str, scale: Scale, query_ids: list[str] | None = None
    ) -> pd.DataFrame:
        """This annotator's stored labels of the task under the scale's version, of
        ``query_ids`` only when given (at opening, this runs on the page thread)."""
        return self._store.labels(
            campaign=campaign,
            annotator=annotator,
            task=self._TASK,
            guideline_version=scale.version,
            role=self._READ_ROLE,
            query_ids=query_ids,
            columns=self._READ_COLUMNS,
        )

    def _read_query(self, query_id: str) -> pd.DataFrame:
        """The stored labels of one query, as :meth:`_read_labels` reads them."""
        return self._read_labels(
            self._campaign, self.annotator, self._scale, [self._query_of(query_id)]
        )

    def _read_for_open(
        self, campaign: str, annotator: str, scale: Scale, query_ids: Any, item_ids: Any
    ) -> Any:
        """What ``_open`` gets: runs on the page thread while the pool is checked. The stored
        labels; a task may also do there the part of its opening that needs only them and the
        ids of the (checked) queries and items frames, in their order."""
        return self._read_labels(campaign, annotator, scale)

    def _read_now(self) -> Any:
        """What ``_open`` gets, read on this thread (a new store, :meth:`refresh`)."""
        return self._read_for_open(
            self._campaign, self.annotator, self._scale, self._query_index, self._item_index
        )

    def _open(self, rows: Any) -> int:
        """Build ``self._rules`` from what ``_read_for_open`` returned and fill the live frame;
        returns the index of the first query that is not done."""
        raise NotImplementedError

    def _open_rules(self, rows: Any) -> int:
        """:meth:`_open`, then what every task's rules take from the widget itself: which
        candidates are text only (broken-media is refused on them)."""
        first = self._open(rows)
        self._rules.text_only = self._pages.text_only
        return first

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

    def _query_records(self, queries: pd.DataFrame) -> pd.DataFrame:
        """The records of the queries the slots show, given the checked queries frame: that
        frame; a task whose slots are not queries (the pair judge's pairs) gives the frame of
        the queries its slots show (see :meth:`_query_of`)."""
        return queries

    def _query_of(self, query_id: str) -> str:
        """The query slot ``query_id`` shows: its record heads the page, its stored labels have
        that ``query_id`` (the slot itself, but for a task whose slots are not queries)."""
        return query_id

    def _goto_ids(self) -> list[str]:
        """What ``g`` finds each query by, in the order shown (``""``: that slot by number only)."""
        return list(self._query_ids)

    def _pages_of(self, query_ids: list[str]) -> list[str]:
        """This widget's pages (their query ids) that show the store's ``query_ids``."""
        return [q for q in query_ids if q in self._index_of]

    def _reload_changed(self) -> list[str]:
        """Re-read the queries another writer changed in the store since this widget looked
        (touched: the next ack carries their states)."""
        slots = self._pages_of(self._peers.changed_queries())
        for query_id in slots:
            self._reload_query(query_id)
        return slots

    def _catch_up(self) -> None:
        """Before a page or a batch: the other writers' changes, in the live labels too."""
        slots = self._reload_changed()
        for query_id in slots:
            self._put_labels(self._rules.queries[query_id], self._rules.touched.get(query_id, {}))
        if slots:
            self._set_progress()

    def _hear_sibling(self) -> None:
        """A sibling widget (same store, annotator and task) wrote: show it in this view now.

        Called by the sibling's handler, which holds the sibling's lock: this widget's is only
        tried (waiting for it while holding another is how two threads deadlock). When a cell
        holds it (reading ``labels``...), the change is taken up there, or by the next message.
        """
        lock = self._state_lock
        if not lock.acquire(blocking=False):
            self._sibling_wrote = True
            return
        try:
            self._take_sibling_writes()
        finally:
            lock.release()

    def _take_sibling_writes(self) -> None:
        self._sibling_wrote = False
        if self._reload_changed():
            self._send_ack([])  # no results of its own; it puts the rows and progress too

    def _put_labels(self, q: QueryState, item_ids: Iterable[str]) -> None:
        """Queue the live labels rows of the pairs of ``q`` a batch touched (one row per pair;
        a task with one row per query overrides this)."""
        for item_id in item_ids:
            self._live.put((q.query_id, item_id), self._label_row(q, item_id, q.pairs.get(item_id)))

    # ----------------------------------------------------------------- public API
    @property
    @state_locked
    def labels(self) -> pd.DataFrame:
        """This annotator's current judgements (see the subclass for its columns)."""
        if self._sibling_wrote:
            self._take_sibling_writes()
        self._live.flush()
        return self._live.frame

    @property
    def store(self) -> Store:
        """The store the judgements are written to (``store.events()``, ``store.labels()``)."""
        return self._store

    @state_locked
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
        self._open_rules(self._read_now())
        self._rules.stale_undo = stale
        self.progress = self._rules.progress()

    def _sync_queries(self) -> None:
        """Sync how many queries there are and what ``g`` finds them by."""
        self.n_queries = len(self._query_ids)
        self.goto_query_ids = self._goto_ids() if len(self._query_ids) <= QUERY_IDS_SYNCED else []

    def _set_progress(self) -> None:
        """Keep ``progress`` current in Python without a message: the ack carries it to the view."""
        progress = self._rules.progress()
        with self._lock_property(progress=progress):
            self.progress = progress

    # ----------------------------------------------------------------- kernel facts
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

    @state_locked
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
            f"{type(self).__name__}(annotator={self.annotator!r}, {self._UNITS}={p['n_queries']}, "
            f"judged={p['judged']}/{p['total']}, store={self._store.path!r})"
        )


# ipywidgets' own options a task widget passes on (the others are the widget machinery's)
_WIDGET_OPTIONS = ("layout", "tooltip", "tabbable", "_dom_classes")


def _check_options(cls: type[TaskWidget], options: Mapping[str, Any]) -> None:
    """Refuse keyword options that are neither ipywidgets' own nor the task's (tagged option).

    traitlets only warns of an unknown keyword, so a typo ("advance_on_grdae") would be lost,
    and a trait that is a kernel fact (``query_index``, ``progress``) must not be set this way.
    """
    traits = cls.class_traits()
    allowed = [*_WIDGET_OPTIONS, *(n for n, t in traits.items() if t.metadata.get("option"))]
    unknown = [name for name in options if name not in allowed]
    if not unknown:
        return
    hints = []
    for name in unknown:
        close = difflib.get_close_matches(name, allowed, n=1)
        hints.append(f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name))
    raise TypeError(
        f"{cls.__name__} got unknown option(s) {', '.join(hints)}: its options are its "
        f"parameters (help(xm.{cls.__name__})) and {', '.join(sorted(allowed))}"
    )


def _open_with_rubric(store: str | os.PathLike[str] | Store, scale: Scale, campaign: str) -> Store:
    """The store, open, with ``scale`` recorded as the rubric its version names in ``campaign``.

    Raises StoreError (and closes a store it opened) when another rubric is stored under that
    version: the judgements of two rubrics would mix under one guideline version.
    """
    opened = open_store(store)
    try:
        opened.register_rubric(scale, campaign=campaign)
    except BaseException:
        if opened is not store:
            opened.close()
        raise
    return opened


def _has_labels(store: object) -> bool:
    """Whether ``store`` may already hold labels: an open Store or an existing, non-empty file."""
    if isinstance(store, Store):
        return True
    try:
        path = os.fspath(store)  # type: ignore[call-overload]
    except TypeError:
        return False
    return path != ":memory:" and os.path.isfile(path) and os.path.getsize(path) > 0
