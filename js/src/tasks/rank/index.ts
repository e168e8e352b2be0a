/**
 * The ranking task (Ranker): the candidates as tiles in ranking order, each with its rank large on
 * it, reordered by keys (keys.ts) and by drag (drag.ts), ties allowed (order.ts). The order on
 * screen is a draft kept here; `s` saves it as one `rank` action, and leaving the query after
 * changing it (n, Enter, p, g, the buttons) saves it too, so nothing ranked is lost and merely
 * looking at a query saves nothing. The line above the tiles says which of these holds. `z` takes
 * back the last unsaved move; with none, it undoes the last saved ranking in the kernel. Which
 * ranking that brings back, and on which query, only the kernel's answer says: the keys typed after
 * such a z wait for it (`awaitingAck`), so that `z s` saves what the undo brought back, as it does
 * when typed slowly, and not the order that was on screen when z was pressed.
 *
 * `m` flags the focused candidate's media broken at once (a `flag` action, as in the grid): its tile
 * leaves the ranking for the end of the board, with the grid's chip, and counts as handled; the
 * kernel closes up the saved ranking. An `m` is on the query's list of moves, so `z` right after it
 * undoes it (in the kernel) and puts the draft back as it was.
 */

import type { RenderProps } from "@anywidget/types";
import { Cleanups, make, setText } from "../../shell/dom";
import { moveFocus } from "../../shell/focus";
import type { Action, Direction } from "../../shell/keyboard";
import { resultsNotice } from "../../shell/notices";
import type { CachedPage } from "../../shell/prefetch";
import { BROKEN_MEDIA, type GridTraits, type JudgeAction, type Page } from "../../shell/protocol";
import { type GridOptions, renderShell } from "../../shell/shell";
import type { Ack, ShellContext, TaskBody } from "../../shell/task";
import { RankBoard } from "./board";
import { enableDrag } from "./drag";
import { RANK_HINT, rankHelpRows, rankKeys } from "./keys";
import { Ranking } from "./order";

/** What the kernel stores for a candidate of the ranking task (a QueryAck state). */
interface RankState {
  item_id: string;
  rank: number | null;
  flags?: string[];
}

/** The `rank` action (browser -> kernel): the whole ranking, best first. */
export interface RankAction {
  op: "rank";
  request_id: number;
  query_id: string;
  ranking: Array<[string, number]>;
  duration_ms: number;
}

/** "partial": some candidates have a saved rank, others none (e.g. a broken flag cleared since). */
export type SaveState = "unranked" | "partial" | "draft" | "saving" | "saved" | "refused";

/** An `m` on the list of moves: the candidate, set or cleared, and the draft before it. */
interface FlagStep {
  itemId: string;
  on: boolean;
  before: Ranking;
  requestId: number;
}

/** One query's ranking: what the kernel stored, and the draft on screen. */
interface RankQuery {
  query_id: string;
  index: number;
  shown: string[];
  stored: Map<string, number | null>;
  /** Candidates flagged broken-media (out of the ranking): the kernel's, and the `m`s in flight. */
  broken: Set<string>;
  /** Flags in flight: item id -> request id (an older ack must not put the old flag back). */
  flagging: Map<string, number>;
  /** The candidates being ranked, best first. */
  draft: Ranking;
  /** Drafts before each unsaved move, and the `m`s since (z takes them back). */
  history: Array<Ranking | FlagStep>;
  dirty: boolean;
  refused: boolean;
  /** The save in flight for this query. */
  pending: number | null;
  done: boolean;
}

const TIMED = new Set<Action["type"]>(["move", "task", "flag", "undo"]);

function complete(q: RankQuery): boolean {
  return q.shown.every((id) => q.stored.get(id) != null || q.broken.has(id));
}

/** The candidates of `q` in the ranking (not flagged broken-media), in shown order. */
function toRank(q: RankQuery): string[] {
  return q.shown.filter((id) => !q.broken.has(id));
}

/** The stored ranking of `q`'s candidates in the ranking (ties as the draft arranges them). */
function storedRanking(q: RankQuery): Ranking {
  return Ranking.fromStored(toRank(q), q.stored, q.draft.order);
}

const flaggedBroken = (state: { flags?: string[] } | undefined): boolean => !!state?.flags?.includes(BROKEN_MEDIA);

export function saveState(q: RankQuery): SaveState {
  if (q.pending !== null) return "saving";
  if (q.dirty) return q.refused ? "refused" : "draft";
  if (complete(q)) return "saved";
  return toRank(q).some((id) => q.stored.get(id) != null) ? "partial" : "unranked";
}

/** The candidates of `q` to rank that have no saved rank. */
function unrankedCount(q: RankQuery): number {
  return toRank(q).filter((id) => q.stored.get(id) == null).length;
}

const PUT = "(Shift+arrows, t, End, =, or drag) · s saves this order";

const STATUS: Record<Exclude<SaveState, "partial"> | "draftLast", string> = {
  unranked: `not ranked yet · put the best first ${PUT}`,
  draft: "changed, not saved · s saves · n / p / g save it and go on · z takes back the last move",
  // n goes nowhere from the last query, so it saves nothing there
  draftLast: "changed, not saved · s saves · p / g save it and go on · z takes back the last move",
  saving: "saving…",
  saved: "✓ ranking saved · a change must be saved again (s, or by leaving the query)",
  refused: "not saved (see the notice) · s tries again",
};

/** The kernel's notice of a ranking saved (`_rank_rules.RankRules._rank_action`), which the status
 * line of the query on screen says already. */
export const SAVED_NOTICE = /^ranking of query \d+ saved\b/;

/** The line above the tiles while the kernel undoes a saved change (the keys typed wait for it). */
const UNDOING = "undoing the last saved change… (keys typed and tiles dropped meanwhile apply after it)";

/** The line above the tiles for `q` in `state` (`last`: the last query, where n goes nowhere). */
function statusText(q: RankQuery, state: SaveState, last: boolean): string {
  if (state === "partial") {
    const n = unrankedCount(q);
    return `${n} candidate${n === 1 ? "" : "s"} not ranked · put ${n === 1 ? "it" : "them"} in place ${PUT}`;
  }
  return STATUS[state === "draft" && last ? "draftLast" : state];
}

/** The ranking body for the shell. */
export function rankBody(ctx: ShellContext): TaskBody {
  const queries = new Map<string, RankQuery>();
  const board = new RankBoard((itemId) => {
    const at = board.order.indexOf(itemId);
    if (at < 0) return;
    toggleBroken(at, ctx.now());
    // the clicked × left the DOM with its chip, and the DOM focus with it: back to the tile (as
    // the grid does), or every key would go to the notebook
    body.focus(true, false);
  });
  const status = make("div", "xmw-rank-status");
  status.setAttribute("aria-live", "polite");
  const element = make("div", "xmw-rank");
  element.append(status, board.element);
  let view: RankQuery | null = null;
  /** Undo requests of an m this view took back itself -> its query (the ack needs not go there). */
  const localUndos = new Map<number, string>();
  /** The undo in flight that this view could not foresee (of a saved ranking): keys wait for it. */
  let undoing: number | null = null;
  const cleanups = new Cleanups(); // the body lives as long as the shell's root

  function load(page: Page): RankQuery {
    const shown = page.candidates.map((c) => c.item_id);
    const stored = new Map(page.candidates.map((c) => [c.item_id, (c as { rank?: number | null }).rank ?? null]));
    const q: RankQuery = {
      query_id: page.query_id,
      index: page.index,
      shown,
      stored,
      broken: new Set(page.candidates.filter((c) => flaggedBroken(c)).map((c) => c.item_id)),
      flagging: new Map(),
      draft: Ranking.of([]),
      history: [],
      dirty: false,
      refused: false,
      pending: null,
      done: false,
    };
    q.draft = storedRanking(q);
    q.done = complete(q);
    queries.set(page.query_id, q);
    return q;
  }

  /** The query's page came again with other candidates (`add_candidates`): take them in. */
  function adopt(q: RankQuery, page: Page): void {
    const shown = page.candidates.map((c) => c.item_id);
    if (shown.length === q.shown.length && shown.every((id, i) => id === q.shown[i])) return;
    for (const c of page.candidates) {
      if (!q.stored.has(c.item_id)) q.stored.set(c.item_id, (c as { rank?: number | null }).rank ?? null);
      if (flaggedBroken(c) && !q.flagging.has(c.item_id)) q.broken.add(c.item_id);
    }
    q.shown = shown;
    q.draft = q.dirty ? q.draft.withCandidates(toRank(q)) : storedRanking(q);
    // the moves only: an m taken back would now put its draft over another pool
    q.history = q.history.filter((step) => step instanceof Ranking).map((r) => r.withCandidates(toRank(q)));
    q.done = complete(q);
  }

  function render(): void {
    if (!view) return;
    board.arrange(
      view.draft,
      view.shown.filter((id) => view?.broken.has(id)),
    );
    const state = saveState(view);
    element.dataset.save = undoing === null ? state : "undoing";
    const last = view.index >= Number(ctx.model.get("n_queries") ?? 0) - 1;
    const text = undoing === null ? statusText(view, state, last) : UNDOING;
    setText(status, text);
    status.title = text; // cut to two lines where the widget is narrow
    ctx.refresh();
  }

  function save(q: RankQuery, started: number): void {
    if (q.draft.size === 0) {
      ctx.notice("nothing to rank: every candidate is flagged broken media (m on one clears it)");
      return;
    }
    const requestId = ctx.ids.next();
    ctx.clock.activity(started);
    const action: RankAction = {
      op: "rank",
      request_id: requestId,
      query_id: q.query_id,
      ranking: q.draft.entries(),
      duration_ms: ctx.clock.take(started),
    };
    q.pending = requestId;
    q.dirty = false;
    q.refused = false;
    q.history = [];
    // the batcher carries any task's actions; protocol.ts lists the grading task's
    ctx.batcher.submit(action as unknown as JudgeAction);
  }

  /** Leaving a query whose order was changed saves it (nothing ranked is lost). */
  function leave(started: number): void {
    if (view?.dirty) save(view, started);
    // nothing unsaved is left to take back: z there now goes to the kernel, in its order
    else if (view) view.history = [];
  }

  /** `m`: broken-media on (or off) for the candidate at `at`, sent at once (the kernel decides). */
  function toggleBroken(at: number, started: number): void {
    if (!view) return;
    const itemId = board.order[at];
    if (itemId === undefined) return;
    const q = view;
    const on = !q.broken.has(itemId);
    const requestId = ctx.ids.next();
    ctx.clock.activity(started);
    q.history.push({ itemId, on, before: q.draft, requestId });
    setBroken(q, itemId, on);
    q.flagging.set(itemId, requestId);
    const action = {
      op: "flag",
      request_id: requestId,
      query_id: q.query_id,
      item_id: itemId,
      flag: BROKEN_MEDIA,
      on,
      // the tile's place on screen: the kernel's notices name the candidate by it, as the header
      // does ("candidate 1 of 8"), not by its place before it was moved
      place: at + 1,
      duration_ms: ctx.clock.take(started),
    };
    ctx.batcher.submit(action as unknown as JudgeAction);
    render();
    // flagged: the focus stays where it was (on the next candidate); cleared: it follows the tile
    board.focus(on ? Math.min(at, board.size - 1) : board.order.indexOf(itemId), ctx.hasFocus(), true);
  }

  /** Put `itemId` out of the draft (broken) or back at its end; the draft stays as unsaved as it was. */
  function setBroken(q: RankQuery, itemId: string, on: boolean): void {
    if (on) q.broken.add(itemId);
    else q.broken.delete(itemId);
    q.draft = q.dirty ? q.draft.withCandidates(toRank(q)) : storedRanking(q);
    if (!on && !q.dirty && q.draft.indexOf(itemId) !== q.draft.size - 1) {
      q.draft = q.draft.moveTo(q.draft.indexOf(itemId), q.draft.size - 1);
    }
  }

  function edit(next: Ranking, focusId: string | null): void {
    if (!view || next.equals(view.draft)) return;
    view.history.push(view.draft);
    view.draft = next;
    view.dirty = true;
    render();
    if (focusId !== null) board.focus(view.draft.indexOf(focusId), ctx.hasFocus(), true);
  }

  function carry(direction: Direction): void {
    if (!view) return;
    const from = board.focusIndex;
    const columns = direction === "up" || direction === "down" ? board.columns(ctx.fallbackColumns) : 1;
    const to = moveFocus(from, direction, view.draft.size, columns);
    if (to === from) {
      ctx.notice(direction === "left" || direction === "up" ? "already first" : "already last");
      return;
    }
    edit(view.draft.moveTo(from, to), view.draft.order[from]);
  }

  function task(name: string, value: unknown, started: number): void {
    if (!view) return;
    const at = board.focusIndex;
    const id = view.draft.order[at] ?? null;
    if (name !== "save" && id === null && at < board.size) {
      ctx.notice("this candidate is flagged broken media, out of the ranking: m clears the flag", "refused");
      return;
    }
    if (name === "carry") carry(value as Direction);
    else if (name === "top" || name === "end") {
      const to = name === "top" ? 0 : view.draft.size - 1;
      // the key would change nothing: say so, as Shift+arrows do, rather than drop it silently
      if (at === to) ctx.notice(name === "top" ? "already first" : "already last");
      else edit(view.draft.moveTo(at, to), id);
    } else if (name === "tie") {
      if (at === 0) ctx.notice("the first candidate has no one before it to tie with");
      else edit(view.draft.toggleTie(at), id);
    } else if (name === "save") {
      save(view, started);
      render();
    }
  }

  function undo(started: number): void {
    const previous = view?.history.pop();
    if (view && previous && !(previous instanceof Ranking)) {
      // the last thing done here is an m: the kernel undoes it (its last action), the draft is back
      const q = view;
      if (previous.on) q.broken.delete(previous.itemId);
      else q.broken.add(previous.itemId);
      const requestId = ctx.ids.next();
      q.flagging.set(previous.itemId, requestId);
      q.draft = previous.before.withCandidates(toRank(q));
      q.dirty = q.history.length > 0 || !q.draft.equals(storedRanking(q));
      render();
      const at = board.order.indexOf(previous.itemId);
      if (at >= 0) board.focus(at, ctx.hasFocus(), true);
      ctx.clock.activity(started);
      localUndos.set(requestId, q.query_id);
      ctx.batcher.submit({ op: "undo", request_id: requestId });
      return;
    }
    if (view && previous instanceof Ranking) {
      const focusId = view.draft.order[board.focusIndex] ?? null;
      view.draft = previous;
      view.dirty = view.history.length > 0 || !previous.equals(storedRanking(view));
      render();
      if (focusId !== null) board.focus(view.draft.indexOf(focusId), ctx.hasFocus(), true);
      const now = view.dirty
        ? "the ranking on screen is not saved yet"
        : complete(view)
          ? "the saved ranking is back"
          : "the order as shown is back";
      ctx.notice(`took back the last move: ${now}`);
      return;
    }
    ctx.clock.activity(started);
    undoing = ctx.ids.next();
    ctx.batcher.submit({ op: "undo", request_id: undoing });
    render();
  }

  /** A tile dropped at place `to` (ctx.act: at once, or after the keys and the undo before it). */
  function drop(itemId: string, to: number): void {
    const at = view ? view.draft.indexOf(itemId) : -1;
    if (!view || at < 0) {
      // an undo typed before it went back to another query: the tile is not on screen any more
      ctx.notice("the tile dropped was not moved: the undo before it showed another query", "refused");
      return;
    }
    edit(view.draft.moveTo(at, Math.min(to, view.draft.size - 1)), itemId);
    board.focus(board.focusIndex, ctx.hasFocus(), false); // a queued drop: not from the go-to box
  }

  function ack(message: Ack): void {
    const results = message.results ?? [];
    const ours = results.filter((result) => ctx.batcher.isInFlight(result.request_id));
    const answered = new Set(ours.map((result) => result.request_id));
    for (const q of queries.values()) {
      for (const [itemId, requestId] of q.flagging) {
        if (!answered.has(requestId)) continue;
        q.flagging.delete(itemId);
        const refused = ours.find((result) => result.request_id === requestId)?.status === "refused";
        // a refused m: the flag is as it was, and the m is no move to take back
        if (refused) {
          q.history = q.history.filter((step) => step instanceof Ranking || step.requestId !== requestId);
          setBroken(q, itemId, !q.broken.has(itemId));
        }
      }
    }
    for (const [queryId, queryAck] of Object.entries(message.queries ?? {})) {
      const q = queries.get(queryId);
      if (!q) continue;
      for (const state of queryAck.states as unknown as RankState[]) {
        q.stored.set(state.item_id, state.rank ?? null);
        // an m sent since wins over an older ack
        if (!q.flagging.has(state.item_id) && flaggedBroken(state) !== q.broken.has(state.item_id)) {
          setBroken(q, state.item_id, flaggedBroken(state));
        }
      }
      q.done = !!queryAck.done;
      // the kernel wins, except over a draft changed since (it is saved when the query is left)
      // and over a later save still on its way (its order stays on screen until its own ack)
      const saving = q.pending !== null && !answered.has(q.pending);
      if (!q.dirty && !saving) q.draft = storedRanking(q);
    }
    for (const result of ours) {
      const q = queries.get(result.query_id);
      if (q && q.pending === result.request_id) {
        q.pending = null;
        if (result.status === "refused") {
          q.dirty = true;
          q.refused = true;
        }
      }
    }
    ctx.batcher.answered(ours.map((result) => result.request_id));
    for (const result of ours) {
      const undone = result.undone;
      const here = localUndos.get(result.request_id);
      localUndos.delete(result.request_id);
      // an undo shown here already: its late ack (a busy kernel) must not take the view back to a
      // query it has left since, where the keys typed for the new one would land
      if (undone && undone.query_id !== here && undone.index !== ctx.current()) ctx.goTo(undone.index, null);
    }
    // the undo is in (or refused): the keys typed since act on what it left (the shell applies them)
    if (undoing !== null && answered.has(undoing)) undoing = null;
    render();
    // the status line says "✓ ranking saved" of the query on screen: the notice says it only of a
    // query left (saved by n / p / g), where that line is another query's
    const notice = resultsNotice(ours, view?.query_id ?? null, (part) => SAVED_NOTICE.test(part));
    if (notice) {
      const refused = ours.some((result) => result.status === "refused" && result.notice);
      ctx.notice(notice, refused ? "refused" : "info");
    }
  }

  enableDrag(
    board.element,
    {
      indexOf: (tile) => board.order.indexOf(tile.dataset.itemId ?? ""),
      started: (from) => {
        board.focus(from, true, false);
      },
      dropped: (from, to) => {
        if (!view) return;
        ctx.clock.activity(ctx.now());
        // by the tile's id: during an undo in flight the drop waits, with the keys typed before
        // it, and then moves that tile in the order the undo brought back (moved at once, it was
        // lost under that order, or saved the undone order again)
        ctx.act({ type: "task", name: "drop", value: view.draft.order[from], index: to });
      },
    },
    cleanups,
  );

  const body: TaskBody = {
    element,
    keys: {
      action: (event) => rankKeys(event),
      hint: () => RANK_HINT,
      helpRows: () => rankHelpRows(),
      usesScale: false,
    },
    timed: TIMED,
    get ready() {
      return view !== null;
    },
    get awaitingAck() {
      return undoing !== null;
    },
    forget() {
      // unsaved orders and saves in flight stay; the rest comes again with its page
      for (const [id, q] of queries) if (!q.dirty && q.pending === null) queries.delete(id);
    },
    load(page: Page) {
      // a page that arrives again (prefetch, go back) must not put its older ranks over acks
      const q = queries.get(page.query_id);
      if (!q) load(page);
      else adopt(q, page);
    },
    show(entry: CachedPage, samePage: boolean) {
      const page = entry.page;
      if (!samePage) leave(ctx.now());
      const q = queries.get(page.query_id) ?? load(page);
      board.render(page, entry.urls, !!ctx.model.get("show_sources"));
      view = q;
      render();
      if (!samePage) {
        ctx.clock.restart(ctx.now());
        board.focusIndex = 0;
      }
    },
    clear() {
      leave(ctx.now());
      view = null;
      board.clear();
      setText(status, "");
    },
    perform(action, started) {
      if (action.type === "move") {
        board.move(action.direction, ctx.fallbackColumns);
        body.focus(ctx.hasFocus(), true); // not from the go-to box (a move applied from the type-ahead)
      } else if (action.type === "task" && action.name === "drop") drop(String(action.value), action.index ?? 0);
      else if (action.type === "task") task(action.name, action.value, started);
      else if (action.type === "flag") toggleBroken(board.focusIndex, started);
      else if (action.type === "undo") undo(started);
    },
    ack,
    error(requestId, message) {
      const batcher = ctx.batcher;
      if (requestId === null ? batcher.busy : batcher.isInFlight(requestId)) {
        const failed = batcher.inFlightIds();
        for (const q of queries.values()) {
          if (q.pending !== null && failed.includes(q.pending)) {
            q.pending = null;
            q.dirty = true;
            q.refused = true;
          }
        }
        if (undoing !== null && failed.includes(undoing)) undoing = null;
        batcher.answered(failed);
        render();
      }
      ctx.notice(message, "refused");
    },
    position() {
      if (!view) return null;
      const judged = view.shown.filter((id) => view?.stored.get(id) != null || view?.broken.has(id)).length;
      return { focused: board.size ? board.focusIndex : null, judged, total: view.shown.length, done: complete(view) };
    },
    none: () => null,
    focus(moveDomFocus, scroll) {
      board.focus(board.focusIndex, moveDomFocus, scroll);
      if (moveDomFocus && board.size === 0) ctx.root.focus({ preventScroll: true });
      ctx.refresh();
    },
    focusFrom: (target) => view !== null && board.focusFrom(target),
    mediaTarget: () => ({ element: board.tileAt(board.focusIndex), index: board.focusIndex }),
    focusItem(itemId) {
      const at = view?.draft.indexOf(itemId) ?? -1;
      if (at >= 0) board.focusIndex = at;
    },
  };
  return body;
}

/** Render a Ranker into `el`; returns the cleanup. */
export function renderRanker(
  props: Pick<RenderProps<GridTraits>, "model" | "el">,
  options: GridOptions = {},
): () => void {
  return renderShell(props, rankBody, options);
}
