"""The browser's side of a task widget: its state updates and messages checked, pages sent.

The browser may change one trait, ``query_index`` (any other state update from it is logged and
reverted: it is not trusted with kernel facts). Its messages are checked (:mod:`._input`) and
handled: a ``judge`` batch by :class:`~._batch.JudgeBatches`, a ``page`` request by building the
page on the page thread, so that judgements never queue behind media. Every failure is sent back
as an ``error`` message with the request's id.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, ClassVar

from ._input import BrowserInputError, checked_query_index, parse_message, safe_text, shown_value
from ._state_lock import state_locked

if TYPE_CHECKING:
    import pandas as pd
    from anywidget import AnyWidget as _Widget

    from ._pages import PageBuilder
    from ._query_state import QueryState
    from ._rules import Rules
else:
    _Widget = object

__all__ = ["BrowserMessages"]

_log = logging.getLogger("xmwidgets.widgets._base")


class BrowserMessages(_Widget):
    """The browser-facing part of :class:`~xmwidgets.widgets._base.TaskWidget` (a mixin)."""

    # traits the browser may change through a state update; every other one is a kernel fact
    _BROWSER_TRAITS: ClassVar[frozenset[str]] = frozenset({"query_index"})

    if TYPE_CHECKING:  # provided by TaskWidget
        _query_ids: list[str]
        _rules: Rules
        _pages: PageBuilder
        _page_thread: ThreadPoolExecutor
        _page_futures: list[Future[None]]
        _concepts: dict[str, list[dict[str, str]]]
        show_sources: bool

        def shown_candidates(self, query_id: str) -> pd.DataFrame: ...
        def _page_states(self, q: QueryState) -> dict[str, dict[str, Any]]: ...
        def _page_extra(self, q: QueryState) -> dict[str, Any]: ...
        def _query_of(self, query_id: str) -> str: ...
        def _judge_batch(self, raw_actions: tuple[Any, ...]) -> None: ...
        def _catch_up(self) -> None: ...

    @state_locked
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
    @state_locked
    def _on_message(self, _widget: Any, content: Any, buffers: list[Any]) -> None:
        if getattr(self, "comm", None) is None:
            # close() shut the page thread: a late message (one in flight, or a tampered one)
            # would fail with a bare RuntimeError; nothing is judged or shown after close()
            _log.warning(
                "xmwidgets: ignored a message from the browser after close(): %s",
                shown_value(content),
            )
            return
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
        self._catch_up()  # what another widget of this annotator wrote since (see _peers)
        candidates = self.shown_candidates(query_id)
        q = self._rules.query(query_id)
        states = self._page_states(q)
        extra = self._page_extra(q)
        record = self._query_of(query_id)
        if record in self._concepts:
            extra["concepts"] = self._concepts[record]
        none_relevant = q.none_relevant
        show_sources = self.show_sources

        def build_and_send() -> None:
            try:
                page, buffers = self._pages.build(
                    index, query_id, candidates, states, none_relevant, show_sources, extra, record
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
