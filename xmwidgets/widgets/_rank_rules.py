"""The rules of the ranking task (Ranker): a submitted ranking of a query's candidates, or none.

The browser keeps the ranking being edited (keys and drag) as a draft and sends it whole, in one
``rank`` action ``{op: "rank", query_id, ranking: [[item_id, rank], ...], duration_ms}``, when the
annotator saves it (``s``, or leaving the query after changing the order). The kernel checks it
and writes one ``rank`` event per candidate in the same transaction, so that a ranking is stored
whole or not at all. Undo retracts those events: the store's labels then show the previous
ranking again (or none), and so does the in-memory state.

A ranking must list every shown candidate exactly once, with ranks forming a ranking: they start
at 1, tied candidates share a rank, and the ranks after a tie either skip the places the tie takes
(standard competition ranking, "1, 2, 2, 4") or do not (dense ranking, "1, 2, 2, 3"). Both are
accepted; the store holds the competition form (rank = 1 + the number of candidates ranked above),
so that a rank means the same with and without ties.

A candidate whose media fail is flagged broken-media (``{op: "flag", query_id, item_id, flag:
"broken-media", on, place}``, the ``m`` key; ``place``, optional, is the tile's place on screen,
1-based, by which the notices name the candidate, as the tiles move): it leaves the ranking (its event has no rank and carries
the flag, as the grid's grade event of a broken candidate does) and counts as handled. When it
was ranked, the others close up: those whose rank changes get a new event with the rank they have
without it (their duration kept), in the same transaction. A ranking must then list the other
candidates only (listing a broken one is refused). Clearing the flag leaves the candidate
unranked: the query needs its ranking saved again. A query is done when every candidate is
ranked or flagged broken-media.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ._input import (
    MAX_ACTIONS,
    Action,
    BrowserInputError,
    action_head,
    candidate_flag_action,
    shown_value,
)
from ._query_state import BROKEN, Flagged, QueryState, Stamped
from ._rules import Applied, Refused, ScaleRules

__all__ = [
    "RANK_FLAGS",
    "RANK_OPS",
    "RankRules",
    "Ranked",
    "competition_ranks",
    "parse_rank_action",
]

RANK_OPS = ("rank", "flag", "undo")
# the flags a candidate of a ranking can have
RANK_FLAGS = (BROKEN,)
# the longest ranking the browser may send (a query has at most this many candidates to rank)
MAX_RANKING = MAX_ACTIONS


@dataclass(slots=True)
class Ranked(Stamped, Flagged):
    """The stored rank of one (query, candidate) pair for this annotator (None: flagged broken)."""

    rank: int | None
    n_ranked: int | None  # candidates in the ranking this rank belongs to
    tied: bool  # another candidate of the ranking has the same rank
    flags: tuple[str, ...] = ()

    @property
    def handled(self) -> bool:
        """Counts towards "query done": ranked, or flagged broken-media."""
        return self.rank is not None or self.broken

    @property
    def judged(self) -> bool:
        return self.handled


def parse_rank_action(raw: Any, position: int) -> Action:
    """Check one action of the ranking task; ``position`` is its place in the batch.

    The shape is checked here (a list of ``[item_id, rank]`` pairs, ranks positive integers);
    whether it is a ranking of the query's candidates is for :class:`RankRules`.
    """
    head = action_head(raw, position, RANK_OPS, "ranking")
    request_id, where = head.request_id, head.where
    if head.op == "undo":
        return Action("undo", request_id)
    if head.op == "flag":
        action = candidate_flag_action(raw, head, RANK_FLAGS, "the ranking task's flags are")
        place = raw.get("place")
        # only names the candidate in notices: a bad one is dropped (the shown position names it)
        valid = isinstance(place, int) and not isinstance(place, bool) and 1 <= place <= MAX_RANKING
        return replace(action, place=place) if valid else action
    query_id, duration = head.query_id, head.duration_ms
    ranking = raw.get("ranking")
    if not isinstance(ranking, list) or not ranking or len(ranking) > MAX_RANKING:
        raise BrowserInputError(
            f"{where}: field 'ranking' is {shown_value(ranking)}: it must be a non-empty list of "
            f"[item_id, rank] pairs (at most {MAX_RANKING})",
            request_id,
        )
    entries: list[tuple[str, int]] = []
    for k, entry in enumerate(ranking):
        ok = (
            isinstance(entry, list | tuple)
            and len(entry) == 2
            and isinstance(entry[0], str)
            and entry[0]
            and not isinstance(entry[1], bool)
            and isinstance(entry[1], int)
            and entry[1] >= 1
        )
        if not ok:
            raise BrowserInputError(
                f"{where}: ranking entry {k} is {shown_value(entry)}: each entry must be "
                "[item_id, rank] with a non-empty string id and an integer rank from 1",
                request_id,
            )
        entries.append((entry[0], int(entry[1])))
    return Action("rank", request_id, query_id, duration_ms=duration, ranking=tuple(entries))


def competition_ranks(ranks: Sequence[int]) -> list[int] | None:
    """``ranks`` in competition form ("1, 2, 2, 4"), or None when they are not a ranking.

    A competition ranking is returned as it is; a dense one ("1, 2, 2, 3") is renumbered so that
    each rank is 1 + the number of ranks below it. Anything else (not starting at 1, a gap that
    no tie explains) is None.
    """
    counts = Counter(ranks)
    distinct = sorted(counts)
    above = 0
    competition = True
    for r in distinct:
        if r != above + 1:
            competition = False
        above += counts[r]
    if competition:
        return list(ranks)
    if distinct != list(range(1, len(distinct) + 1)):
        return None
    first: dict[int, int] = {}
    above = 0
    for r in distinct:
        first[r] = above + 1
        above += counts[r]
    return [first[r] for r in ranks]


def _listed(values: Sequence[Any], limit: int = 10) -> str:
    return ", ".join(str(v) for v in values[:limit]) + (", ..." if len(values) > limit else "")


class RankRules(ScaleRules):
    """The rules of the ranking task (module docstring) on top of the shared Rules.

    Parameters
    ----------
    scale, campaign, annotator, load_query, n_queries, total, judged, queries_done
        As for :class:`~xmwidgets.widgets._rules.ScaleRules` (only the scale's ``version`` is
        used: it is recorded as ``guideline_version``).
    """

    _JUDGE_TEXT = "rank the text"

    def _where(self, q: QueryState, item_id: str, action: Action) -> str:
        # the tiles move: the place on screen names it, as the header does ("candidate 1 of 8")
        place = action.place if action.place is not None and action.place <= q.total else None
        return self._candidate(q, item_id) if place is None else f"candidate {place}"

    def _check(self, q: QueryState, ranking: Sequence[tuple[str, int]]) -> list[int]:
        """The ranking's competition ranks in its order; Refused names what is wrong with it.

        Candidates are named by their id and their place in this ranking, which is their place on
        screen (the browser sends its tiles in order), never by their shown position: after a
        few moves "candidate 1" of the page is anywhere.
        """
        name = f"query {q.index + 1}"
        places: dict[str, list[int]] = {}
        for k, (item_id, _) in enumerate(ranking):
            places.setdefault(item_id, []).append(k + 1)

        def named(ids: Sequence[str]) -> str:
            at = [
                f"{places[i][0]} ({i!r})"
                if len(places[i]) == 1
                else f"{i!r} (at places {_listed(places[i])})"
                for i in ids
            ]
            return f"candidate{'s' if len(ids) > 1 else ''} {_listed(at)}"

        twice = [item_id for item_id, at in places.items() if len(at) > 1]
        if twice:
            raise Refused(
                f"ranking refused: {named(twice)} listed more than once; a ranking lists each of "
                f"the {q.total} candidates of {name} once"
            )
        unknown = [item_id for item_id in places if item_id not in q.position]
        if unknown:
            raise Refused(
                f"ranking refused: item_id {_listed([repr(i) for i in unknown], 3)} is not a "
                f"candidate of {name}"
            )
        broken = [i for i, _ in ranking if _broken(q, i)]
        if broken:
            many = len(broken) > 1
            raise Refused(
                f"ranking refused: {named(broken)} {'are' if many else 'is'} flagged "
                f"broken-media (out of the ranking); press m on {'them' if many else 'it'} to "
                "clear the flag first"
            )
        to_rank = [i for i in q.shown if not _broken(q, i)]
        missing = [i for i in to_rank if i not in places]
        if missing:
            of = f"the {len(to_rank)} candidates" + (" to rank" if len(to_rank) < q.total else "")
            many = len(missing) > 1
            raise Refused(
                f"ranking refused: it lists {len(places)} of {of} of {name}; "
                f"candidate{'s' if many else ''} {_listed([repr(i) for i in missing])} "
                f"{'are' if many else 'is'} missing (rank every candidate)"
            )
        ranks = competition_ranks([r for _, r in ranking])
        if ranks is None:
            given = sorted(r for _, r in ranking)
            raise Refused(
                f"ranking refused: the ranks {_listed(given, 12)} are not a ranking of "
                f"{q.total} candidates: ranks start at 1 and go up without gaps, tied candidates "
                "sharing one (1, 2, 2, 4 or dense 1, 2, 2, 3)"
            )
        return ranks

    def _rank_action(
        self, q: QueryState, action: Action, applied: Applied, now: datetime
    ) -> list[str]:
        ranks = self._check(q, action.ranking)
        n = len(ranks)
        counts = Counter(ranks)
        n_tied = sum(c for c in counts.values() if c > 1)
        ties = f", {n_tied} tied" if n_tied else ""
        applied.description = f"ranking of query {q.index + 1} ({n} candidates{ties})"
        # best first; equal ranks in the order the annotator left them on screen
        order = sorted(range(n), key=lambda k: (ranks[k], k))
        unchanged = all(
            (p := q.pairs.get(action.ranking[k][0])) is not None
            and p.rank == ranks[k]
            and p.n_ranked == n
            for k in order
        )
        if unchanged:
            return [f"ranking of query {q.index + 1} unchanged: it is saved already"]
        for k in order:
            item_id, rank = action.ranking[k][0], ranks[k]
            applied.events.append(
                self._put(q, item_id, now, action.duration_ms, rank, n, counts[rank] > 1)
            )
        # which query: a ranking is also saved by leaving it (n, p, g), so it is said on the next
        return [f"ranking of query {q.index + 1} saved: {n} candidates{ties}"]

    def _flag_action(
        self, q: QueryState, action: Action, applied: Applied, now: datetime
    ) -> list[str]:
        assert action.item_id is not None
        item_id = action.item_id
        old = q.pairs.get(item_id)
        where = self._where(q, item_id, action)
        flags = self._toggle_flag(
            () if old is None else old.flags, action, applied, f"{where} of query {q.index + 1}"
        )
        if flags is None:
            return []
        applied.events.append(self._put(q, item_id, now, action.duration_ms, flags=flags))
        if not action.on:
            return [f"broken-media flag cleared on {where}: rank it, then save (s)"]
        notices = [f"{where} flagged broken-media: left out of the ranking"]
        if old is not None and old.rank is not None:
            applied.events += self._close_up(q, now)
            notices.append(f"its rank {old.rank} removed, the others moved up")
        return notices

    def _close_up(self, q: QueryState, now: datetime) -> list[dict[str, Any]]:
        """Rank the ranked candidates of ``q`` again without the gap a broken one left: each gets
        1 + the number ranked above it; events for those whose rank changed (duration kept)."""
        ranked = [(i, p) for i in q.shown if (p := q.pairs.get(i)) is not None and p.rank]
        ranks = [p.rank for _, p in ranked]
        new = [1 + sum(r < rank for r in ranks) for rank in ranks]
        counts = Counter(new)
        events = []
        for (item_id, old), rank in zip(ranked, new, strict=True):
            n, tied = len(ranked), counts[rank] > 1
            if rank != old.rank:
                events.append(self._put(q, item_id, now, old.duration_ms, rank, n, tied))
            else:
                self._set(q, item_id, replace(old, n_ranked=n, tied=tied))
        return events

    def _put(
        self,
        q: QueryState,
        item_id: str,
        now: datetime,
        duration: int | None,
        rank: int | None = None,
        n_ranked: int | None = None,
        tied: bool = False,
        flags: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """Set one candidate's state (no rank and no flag: none) and return its ``rank`` event."""
        state = Ranked(
            rank=rank,
            n_ranked=n_ranked,
            tied=tied,
            flags=flags,
            shown_position=q.position[item_id],
            duration_ms=duration,
            guideline_version=self.version,
            created_at=now,
        )
        self._set(q, item_id, state if state.judged else None)
        event = self._event("rank", q, item_id, now, duration)
        event.update(rank=rank, flags=",".join(flags) or None, shown=q.shown_json)
        return event

    def item_ack(self, item_id: str, state: Ranked | None) -> dict[str, Any]:
        return {
            "item_id": item_id,
            "rank": None if state is None else state.rank,
            "tied": False if state is None else state.tied,
            "flags": [] if state is None else list(state.flags),
        }


def _broken(q: QueryState, item_id: str) -> bool:
    state = q.pairs.get(item_id)
    return state is not None and state.broken
