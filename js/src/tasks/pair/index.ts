/**
 * The pair task (PairwiseJudge): one pair per page, the query in the shell's header, the two items
 * side by side under it, and four choices (keys.ts) as buttons with their key caps. After a choice
 * the next pair comes by itself (`advance_on_choice`). `m` marks the focused item's media broken
 * (the one just played with Space, or clicked), not the pair: the kernel stores the flag on that
 * item and keeps the pair out of the preferences. The sides are the kernel's (randomised per
 * pair and annotator); the view sends the side chosen and the kernel stores it as a / b. Its
 * parts: keys.ts (keys, hint, help), state.ts (optimistic state), view.ts (the DOM of one pair).
 */

import type { RenderProps } from "@anywidget/types";
import type { Action, Direction } from "../../shell/keyboard";
import { resultsNotice } from "../../shell/notices";
import type { CachedPage } from "../../shell/prefetch";
import { BROKEN_MEDIA, type GridTraits, type JudgeAction } from "../../shell/protocol";
import { type GridOptions, renderShell } from "../../shell/shell";
import type { Ack, ShellContext, TaskBody } from "../../shell/task";
import { recordTiming } from "../../shell/timing";
import { PAIR_HINT, pairHelpRows, pairKeys, type Side, sideLabel } from "./keys";
import { type Judged, type PairPage, type PairState, PairStates, type PairStored } from "./state";
import { PairView } from "./view";

const TIMED = new Set<Action["type"]>(["move", "task", "flag", "undo"]);
/** The item a move focuses: two side by side, so Home / End are the left and right ones, as ← / →. */
const SIDE_OF: Partial<Record<Direction, 0 | 1>> = { left: 0, first: 0, right: 1, last: 1 };

/** The pair task's body for the shell. */
export function pairBody(ctx: ShellContext): TaskBody {
  const states = new PairStates();
  const view = new PairView({
    // a click keeps the keys with the widget: the focus goes to the focused item, not the button
    choose: (side) => {
      body.focus(true, false);
      choose(side, ctx.now());
    },
    broken: (position) => {
      view.focusIndex = position;
      body.focus(true, false);
      toggleBroken(ctx.now());
    },
  });
  let shown: { entry: CachedPage; pair: PairState } | null = null;
  /** Undo requests in flight -> the pair this view guessed (null: none). */
  const undoGuesses = new Map<number, string | null>();

  // the pair task's own trait (PairwiseJudge.advance_on_choice), not one of the shell's GridTraits
  const traits = ctx.model as unknown as { get(name: string): unknown };
  const nPairs = (): number => Number(ctx.model.get("n_queries") ?? 0);
  const duration = (started: number): number => {
    ctx.clock.activity(started);
    return ctx.clock.take(started);
  };
  const submit = (action: JudgeAction | Record<string, unknown>): void =>
    // the pair task's ops (choice, a flag without item) are not in the grading task's JudgeAction
    ctx.batcher.submit(action as JudgeAction);
  const redraw = (ids: Iterable<string>): void => {
    if (shown && new Set(ids).has(shown.pair.id)) view.update(shown.pair, nPairs());
    ctx.refresh();
  };

  function change(pair: PairState, next: Judged, requestId: number, started: number): void {
    states.change(pair, next, requestId, started);
    redraw([pair.id]);
  }

  /** After a judgement: the next pair, when the option is on and there is one. */
  function advance(from: PairState, said: string): void {
    const last = from.index >= nPairs() - 1;
    if (traits.get("advance_on_choice") === false || last) {
      if (said) ctx.notice(said);
      return;
    }
    ctx.goTo(from.index + 1, null);
    // navigate cleared the notice line: say what was recorded on the pair just left
    if (said) ctx.notice(said);
  }

  function choose(side: Side | null, started: number): void {
    const pair = shown?.pair;
    if (!pair) return;
    const next = PairStates.chosen(pair, side);
    const same = pair.side === next.side && pair.flags.length === next.flags.length;
    if (!same) {
      const requestId = ctx.ids.next();
      change(pair, next, requestId, started);
      submit({ op: "choice", request_id: requestId, query_id: pair.id, side, duration_ms: duration(started) });
    }
    if (side === null) {
      ctx.notice(`pair ${pair.index + 1}: choice cleared`);
      return;
    }
    advance(pair, `pair ${pair.index + 1}: ${sideLabel(side)}`);
  }

  /** broken-media on or off for the focused item. */
  function toggleBroken(started: number): void {
    const pair = shown?.pair;
    const itemId = view.itemId(view.focusIndex);
    if (!pair || itemId === null) return;
    const on = !pair.broken.includes(itemId);
    const requestId = ctx.ids.next();
    change(pair, PairStates.flagged(pair, itemId, on), requestId, started);
    submit({
      op: "flag",
      request_id: requestId,
      query_id: pair.id,
      item_id: itemId,
      flag: BROKEN_MEDIA,
      on,
      duration_ms: duration(started),
    });
    const which = view.brokenWords([itemId]);
    if (on) advance(pair, `pair ${pair.index + 1}: ${which} broken media`);
    else ctx.notice(`pair ${pair.index + 1}: broken-media flag removed from the ${which}`);
  }

  function undo(started: number): void {
    const requestId = ctx.ids.next();
    const guess = states.takeUndo();
    states.undoRequest(requestId, started, guess);
    undoGuesses.set(requestId, guess?.id ?? null);
    if (guess && guess.index !== ctx.current()) ctx.goTo(guess.index, null);
    else if (guess) redraw([guess.id]);
    ctx.batcher.submit({ op: "undo", request_id: requestId });
  }

  const body: TaskBody = {
    element: view.element,
    keys: { action: (event) => pairKeys(event), hint: () => PAIR_HINT, helpRows: pairHelpRows, usesScale: false },
    unit: { one: "pair", many: "pairs" },
    timed: TIMED,
    get ready() {
      return shown !== null;
    },
    forget: () => states.forget(),
    load(page) {
      states.load(page as PairPage);
    },
    show(entry, samePage) {
      const page = entry.page as PairPage;
      const pair = states.get(page.query_id) ?? states.load(page);
      view.render(page, entry.urls, !!ctx.model.get("show_sources"));
      shown = { entry, pair };
      if (!samePage) {
        view.focusIndex = 0;
        ctx.clock.restart(ctx.now());
      }
      view.update(pair, nPairs());
    },
    clear() {
      shown = null;
      view.clear();
    },
    perform(action, started) {
      if (action.type === "move") {
        const side = SIDE_OF[action.direction];
        if (side !== undefined) {
          view.focusIndex = side;
          body.focus(ctx.hasFocus(), false); // not from the go-to box (a move from the type-ahead)
        }
      } else if (action.type === "task" && action.name === "choose") choose(action.value as Side, started);
      else if (action.type === "task" && action.name === "clear") choose(null, started);
      else if (action.type === "flag") toggleBroken(started);
      else if (action.type === "undo") undo(started);
    },
    ack(message: Ack) {
      const ours = message.results.filter((result) => ctx.batcher.isInFlight(result.request_id));
      const at = ctx.now();
      for (const result of ours) {
        const started = states.startedAt(result.request_id);
        if (started !== null) recordTiming("saved", at - started);
      }
      const queries = message.queries as unknown as Record<string, { states: PairStored[] }>;
      redraw(states.ack(ours, queries));
      ctx.batcher.answered(ours.map((result) => result.request_id));
      for (const result of ours) {
        if (!undoGuesses.has(result.request_id)) continue;
        const guess = undoGuesses.get(result.request_id);
        undoGuesses.delete(result.request_id);
        const undone = result.undone;
        // the kernel undid another pair than this view thought (another view, a restart): go there
        if (undone && undone.query_id !== guess && undone.index !== ctx.current()) ctx.goTo(undone.index, null);
      }
      const notice = resultsNotice(ours, shown?.pair.id ?? null);
      if (notice) {
        const refused = ours.some((result) => result.status === "refused" && result.notice);
        ctx.notice(notice, refused ? "refused" : "info");
      }
    },
    error(requestId, message) {
      const batcher = ctx.batcher;
      if (requestId === null ? batcher.busy : batcher.isInFlight(requestId)) {
        const failed = batcher.inFlightIds();
        redraw(states.fail(failed));
        batcher.answered(failed);
      }
      ctx.notice(message, "refused");
    },
    // the body's own status line says "pair 3 of 40"; the header's "candidate k of N" would not fit
    position: () => null,
    none: () => null,
    focus(moveDomFocus, scroll) {
      view.focus(moveDomFocus, scroll !== false);
      if (moveDomFocus && !shown) ctx.root.focus({ preventScroll: true });
      ctx.refresh();
    },
    focusFrom(target) {
      const index = shown ? view.sideOf(target) : null;
      if (index === null) return false;
      view.focusIndex = index;
      return true;
    },
    mediaTarget: () => ({ element: view.tile(view.focusIndex), index: view.focusIndex }),
    focusItem() {
      // undo goes back to a pair as a whole: the left item takes the focus
      view.focusIndex = 0;
    },
  };
  return body;
}

/** Render a PairwiseJudge into `el`; returns the cleanup. */
export function renderPair(
  props: Pick<RenderProps<GridTraits>, "model" | "el">,
  options: GridOptions = {},
): () => void {
  return renderShell(props, pairBody, options);
}
