"""A judge batch, the same for every task: apply each action, write all events in one transaction,
send one ack.

The browser sends the actions queued while one ``judge`` message was in flight as one message
(group commit). Each action is checked (the task's parser) and applied (the task's rules) to the
in-memory state; the events of the batch are appended to the store in one transaction, durable
before anything is called "saved"; then one ``ack`` carries each action's result and notice, the
stored states of every pair that changed, and the progress. A store failure rolls the batch back
in memory and says so; a bug in one action never loses the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ._input import Action, BrowserInputError, safe_text
from ._peers import siblings
from ._query_state import QueryState
from ._rules import Applied, Refused, Rules

if TYPE_CHECKING:
    from ..store import Store
    from ._live_labels import LiveLabels
    from ._peers import PeerWrites

__all__ = ["JudgeBatches"]

_log = logging.getLogger("xmwidgets.widgets._base")


class JudgeBatches:
    """The judge-batch part of :class:`~xmwidgets.widgets._base.TaskWidget` (a mixin)."""

    if TYPE_CHECKING:  # provided by TaskWidget
        _rules: Rules
        _store: Store
        _live: LiveLabels
        _index_of: dict[str, int]
        _peers: PeerWrites
        error: str

        def send(self, content: dict[str, Any], buffers: Any = None) -> None: ...
        def _send_error(self, request_id: int | None, message: str) -> None: ...
        def _parse_action(self, raw: Any, position: int) -> Action: ...
        def _label_row(
            self, q: QueryState, item_id: str, state: Any | None
        ) -> tuple[Any, ...] | None: ...
        def _reload_query(self, query_id: str) -> None: ...
        def _put_labels(self, q: QueryState, item_ids: Iterable[str]) -> None: ...
        def _set_progress(self) -> None: ...
        def _catch_up(self) -> None: ...
        def _hear_sibling(self) -> None: ...

    def _judge_batch(self, raw_actions: tuple[Any, ...]) -> None:
        """Apply a batch of actions, write all their events in one transaction, send one ack."""
        self._catch_up()  # another widget's judgements first: the rules act on the stored state
        rules = self._rules
        now = datetime.now(UTC)
        results: list[dict[str, Any]] = []
        pending: list[tuple[int, Applied]] = []
        failure: str | None = None
        malformed: list[tuple[int | None, str]] = []
        undone: list[str] = []  # queries with an undo in this batch
        for position, raw in enumerate(raw_actions):
            request_id = _action_request_id(raw)
            query_id = raw.get("query_id") if isinstance(raw, Mapping) else None
            result: dict[str, Any] = {
                "request_id": request_id,
                "status": "refused",
                "query_id": query_id
                if isinstance(query_id, str) and query_id in self._index_of
                else None,
                "notice": "",
            }
            results.append(result)
            if failure is not None:  # the store failed earlier in this batch
                result["notice"] = failure
                self._touch_refused(raw)
                continue
            try:
                action = self._parse_action(raw, position)
                if action.op == "undo" and not rules.undo_stack and rules.stale_undo:
                    failure = self._write(pending, results)
                    pending = []
                    if failure is None:
                        failure = self._undo_stale(result)
                    if failure is not None:
                        result["notice"] = failure
                    continue
                if action.op == "undo":
                    top = rules.undo_stack[-1] if rules.undo_stack else None
                    if top is not None and top.event_ids is None:
                        # undoing an action of this very batch: its events need ids first
                        failure = self._write(pending, results)
                        pending = []
                        if failure is not None:
                            result["notice"] = failure
                            self._touch_refused(raw)
                            continue
                    applied = rules.undo(action)
                else:
                    applied = rules.apply(action, now)
            except (BrowserInputError, Refused) as exc:
                result["notice"] = str(exc)
                self._touch_refused(raw)
                if isinstance(exc, BrowserInputError) and exc.malformed:
                    malformed.append((request_id, str(exc)))
                continue
            except Exception as exc:  # a bug must not lose the rest of the batch
                _log.error("xmwidgets: applying %r failed", raw, exc_info=exc)
                result["notice"] = safe_text(f"not saved: {type(exc).__name__}: {exc}")
                continue
            result.update(status="saved", query_id=applied.query_id, notice=applied.notice)
            if applied.undone is not None:
                result["undone"] = applied.undone
                undone.append(str(applied.undone["query_id"]))
            if applied.events:
                pending.append((position, applied))
        if failure is None:
            failure = self._write(pending, results)
        if failure is None:
            # an undo put back the state from before the action it undid, but another writer
            # (a second widget of this annotator) may have judged the pair since: what the
            # store holds now, the batch's later actions included, is what the view shows
            for query_id in dict.fromkeys(undone):
                self._reload_query(query_id)
        self._send_ack(results)
        if any(result["status"] == "saved" for result in results):
            for sibling in siblings(self):
                try:
                    sibling._hear_sibling()
                except Exception as exc:  # another widget's trouble must not fail this batch
                    _log.error("xmwidgets: updating a sibling widget failed", exc_info=exc)
        if malformed:
            # no correct front end sends these: say so loudly too (the ack has settled them)
            _log.warning("xmwidgets: malformed actions from the browser: %s", malformed)
            self._send_error(
                malformed[0][0],
                f"{len(malformed)} malformed action(s) refused: "
                + "; ".join(text for _, text in malformed[:5]),
            )

    def _send_ack(self, results: list[dict[str, Any]]) -> None:
        """The one message back for a batch: its results, the touched queries' stored states (and
        their live labels rows queued), progress."""
        rules = self._rules
        touched = rules.take_touched()
        for query_id, item_ids in touched.items():
            self._put_labels(rules.queries[query_id], item_ids)
        self._set_progress()
        self.send(
            {
                "type": "ack",
                "results": results,
                "queries": {q: rules.query_ack(q, items) for q, items in touched.items()},
                "progress": rules.progress(),
            }
        )

    def _undo_stale(self, result: dict[str, Any]) -> str | None:
        """Undo an action from before ``refresh()``: retract its events, re-read its query."""
        last = self._rules.stale_undo[-1]
        assert last.event_ids is not None and last.query_id is not None
        try:
            self._peers.wrote(self._store.retract(last.event_ids))
        except Exception as exc:
            _log.error("xmwidgets: undo failed", exc_info=exc)
            return safe_text(f"not saved: {exc}")
        self._rules.stale_undo.pop()
        self._reload_query(last.query_id)
        q = self._rules.queries[last.query_id]
        result.update(
            status="saved",
            query_id=q.query_id,
            notice=f"undid: {last.description}",
            undone={"query_id": q.query_id, "index": q.index, "item_id": last.action.item_id},
        )
        return None

    def _touch_refused(self, raw: Any) -> None:
        """A refused action's pair goes back to the view in the ack (the view may have shown it)."""
        if not isinstance(raw, Mapping):
            return
        query_id, item_id = raw.get("query_id"), raw.get("item_id")
        q = self._rules.queries.get(query_id) if isinstance(query_id, str) else None
        if q is None:
            return
        touched = self._rules.touched.setdefault(q.query_id, {})
        if isinstance(item_id, str) and item_id in q.position:
            touched[item_id] = None

    def _write(
        self, pending: list[tuple[int, Applied]], results: list[dict[str, Any]]
    ) -> str | None:
        """Append the events of ``pending`` in one transaction; on failure undo them in memory.

        Returns None, or the notice of the failure (then the results of ``pending`` say refused).
        """
        if not pending:
            return None
        events = [event for _, applied in pending for event in applied.events]
        try:
            ids = self._store.append(events)  # durable before anything says "saved"
            self._peers.wrote(ids)
        except Exception as exc:
            _log.error("xmwidgets: writing %d judgement events failed", len(events), exc_info=exc)
            notice = safe_text(f"not saved: {exc}")
            for position, applied in reversed(pending):
                self._rules.rollback(applied)
                results[position].update(status="refused", notice=notice)
                results[position].pop("undone", None)
            self.error = f"judgements could not be saved: {exc}"
            return notice
        start = 0
        for _, applied in pending:
            applied.event_ids = ids[start : start + len(applied.events)]
            start += len(applied.events)
        if self.error:
            self.error = ""
        return None


def _action_request_id(raw: Any) -> int | None:
    if not isinstance(raw, Mapping):
        return None
    value = raw.get("request_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None
