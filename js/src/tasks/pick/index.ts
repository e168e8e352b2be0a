/**
 * The pick task (BestMatchPicker): a query and its N candidates; one key picks the best (the tile's
 * key cap), Shift+digit the second best (v on the focused tile), x none relevant, m broken media. After a best pick the next
 * query comes at once (advance_on_pick), so a campaign goes at one key per query. Parts: keys.ts
 * (key caps, key map, hint), state.ts (optimistic picks), board.ts (tiles and focus).
 */

import type { RenderProps } from "@anywidget/types";
import type { Action } from "../../shell/keyboard";
import type { CachedPage } from "../../shell/prefetch";
import { BROKEN_MEDIA, type GridTraits } from "../../shell/protocol";
import { type GridOptions, renderShell } from "../../shell/shell";
import type { ShellContext, TaskBody } from "../../shell/task";
import { activeDuration, RoundTrip } from "../round-trip";
import { tileBodyParts } from "../tile-task";
import { PickBoard } from "./board";
import { pickHelpRows, pickHint, pickKeys } from "./keys";
import { type Change, type PickQuery, PickState } from "./state";

const TIMED = new Set<Action["type"]>(["move", "task", "none-relevant", "flag", "undo"]);

/** The pick body for the shell. */
export function pickBody(ctx: ShellContext): TaskBody {
  const state = new PickState();
  const board = new PickBoard();
  // nothing is graded here: the CSS hides the scale's legend, whose digits are tile keys in this task
  ctx.root.classList.add("xmw-task-pick");
  const cue = document.createElement("div");
  cue.className = "xmw-pick-cue";
  const element = document.createElement("div");
  element.className = "xmw-pick";
  element.append(cue, board.element);
  let view: PickQuery | null = null;

  const advance = (): boolean => ctx.model.get("advance_on_pick") !== false;
  /** Whether judging `query` takes the view on to the next query (advance_on_pick, not the last). */
  const movesOn = (query: PickQuery): boolean => advance() && query.index < Number(ctx.model.get("n_queries") ?? 0) - 1;
  const showCue = (): void => {
    cue.textContent = advance()
      ? "press a tile's key to pick the best: the next query comes at once (a changed pick stays to show the change; p goes back, z undoes)"
      : "press a tile's key to pick the best, then n for the next query";
  };

  const changed = (changes: Array<Change | null>): void => {
    for (const change of changes) {
      if (change && view && view.query_id === change.query_id) board.update(view, change.item_ids);
    }
    ctx.refresh();
  };
  const duration = (started: number): number => activeDuration(ctx.clock, started);
  const at = (itemId: string): number => view?.order.indexOf(itemId) ?? -1;

  function pick(position: number, rank: 1 | 2, started: number): void {
    const query = view;
    const itemId = query?.order[position];
    if (!query || itemId === undefined) return;
    board.focusIndex = position;
    const wasDone = state.done(query);
    const requestId = ctx.ids.next();
    const { send, change } = state.pick(query, itemId, rank, requestId, started);
    const onward = send === 1 && !!change && !wasDone && movesOn(query);
    changed([change]);
    // going on: the next page takes the focus (focusing and scrolling here would lay out this page
    // once more, in the key handler, just before it goes)
    if (!onward) body.focus(ctx.hasFocus(), true);
    ctx.batcher.submit({
      op: "pick",
      request_id: requestId,
      query_id: query.query_id,
      item_id: itemId,
      rank: send,
      duration_ms: duration(started),
    });
    if (onward) ctx.goTo(query.index + 1, null, started);
  }

  function toggleNone(started: number): void {
    const query = view;
    if (!query) return;
    const wasDone = state.done(query);
    const picked = query.order.some((id) => query.items.get(id)?.rank != null);
    const requestId = ctx.ids.next();
    const { on, change } = state.none(query, requestId, started);
    changed([change]);
    ctx.batcher.submit({
      op: "none",
      request_id: requestId,
      query_id: query.query_id,
      none_relevant: on,
      duration_ms: duration(started),
    });
    // "none relevant" judges the query as a pick does: the next one comes (the kernel says "on to
    // query k+1"); not while a pick exists (the kernel refuses x then)
    if (on && !picked && !wasDone && movesOn(query)) ctx.goTo(query.index + 1, null, started);
  }

  function toggleBroken(position: number, started: number): void {
    const itemId = view?.order[position];
    if (!view || itemId === undefined) return;
    if (!ctx.scale().flags.includes(BROKEN_MEDIA)) {
      ctx.notice(`the scale ${JSON.stringify(ctx.scale().name)} has no "${BROKEN_MEDIA}" flag`, "refused");
      return;
    }
    const requestId = ctx.ids.next();
    const { on, change } = state.flag(view, itemId, BROKEN_MEDIA, requestId, started);
    changed([change]);
    const query_id = view.query_id;
    const action = { op: "flag" as const, request_id: requestId, query_id, item_id: itemId, flag: BROKEN_MEDIA, on };
    ctx.batcher.submit({ ...action, duration_ms: duration(started) });
  }

  function focusOn(itemId: string | null): void {
    const position = itemId === null ? -1 : at(itemId);
    if (position < 0) return;
    board.focusIndex = position;
    body.focus(ctx.hasFocus(), true);
  }

  const trip = new RoundTrip(ctx, state, {
    changed,
    focusOn,
    doneNotices: true,
    shownQueryId: () => view?.query_id ?? null,
  });

  const handlers = {
    onPick: (itemId: string, rank: 1 | 2) => {
      const position = at(itemId);
      if (position >= 0) pick(position, rank, ctx.now());
    },
    onBroken: (itemId: string) => {
      const position = at(itemId);
      if (position < 0) return;
      board.focusIndex = position;
      toggleBroken(position, ctx.now());
    },
  };

  const parts = tileBodyParts(ctx, board, state, () => view);
  const body: TaskBody = {
    ...parts,
    element,
    keys: {
      action: (event) => pickKeys(event),
      hint: () => pickHint(advance()),
      helpRows: () => pickHelpRows(advance()),
      usesScale: false,
    },
    timed: TIMED,
    get ready() {
      return view !== null;
    },
    show(entry: CachedPage, samePage: boolean) {
      const page = entry.page;
      const query = parts.stateOf(page);
      showCue();
      board.render(page, query, entry.urls, !!ctx.model.get("show_sources"), handlers);
      element.dataset.count = String(page.candidates.length);
      view = query;
      if (!samePage) {
        ctx.clock.restart(ctx.now());
        board.focusIndex = 0;
      }
    },
    clear() {
      view = null;
      board.clear();
    },
    perform(action, started) {
      if (action.type === "move") parts.move(action.direction);
      else if (action.type === "task" && action.name === "pick") {
        const position = action.index ?? board.focusIndex;
        if (position >= board.size) {
          ctx.notice(`there is no candidate ${position + 1} on this query (${board.size} shown)`, "refused");
          return;
        }
        pick(position, action.value === 2 ? 2 : 1, started);
      } else if (action.type === "none-relevant") toggleNone(started);
      else if (action.type === "flag") toggleBroken(board.focusIndex, started);
      else if (action.type === "undo") trip.undo(started);
    },
    ack: (message) => trip.ack(message),
    error: (requestId, message) => trip.error(requestId, message),
    position() {
      if (!view) return null;
      const picked = view.order.filter((id) => view?.items.get(id)?.rank != null).length;
      const focused = board.size ? board.focusIndex : null;
      const best = view.order.findIndex((id) => view?.items.get(id)?.rank === 1);
      // one pick completes a query: "1/16 judged" read as 15 still to do
      const summary = view.marks.none.value
        ? "none relevant"
        : best >= 0
          ? `best: candidate ${best + 1}${picked > 1 ? " (and a second best)" : ""}`
          : "no pick yet";
      return { focused, judged: picked, total: view.order.length, done: state.done(view), summary };
    },
    noneButton: (started) => toggleNone(started),
  };
  return body;
}

/** Render a BestMatchPicker into `el`; returns the cleanup. */
export function renderPicker(
  props: Pick<RenderProps<GridTraits>, "model" | "el">,
  options: GridOptions = {},
): () => void {
  return renderShell(props, pickBody, options);
}
