/**
 * The grading task (RelevanceGrid): the candidates as tiles, each graded on the scale's levels,
 * with a best pick, "none relevant" for the query, the rubric's flags and notes on candidates and on
 * the query, and the rubric panel. Its parts: tiles.ts (tiles, focus, the b target), judge.ts (its
 * keys and acks), state.ts (its optimistic state), tile.ts (one tile), flags.ts (flag, note and
 * rubric keys), annotations.ts (note boxes, the query's marks, the rubric panel), marks.ts (chips),
 * notebox.ts. The shell (js/src/shell/) does the rest.
 */

import type { RenderProps } from "@anywidget/types";
import { make } from "../../shell/dom";
import { type Action, gradeKeys, type KeyLike, levelKeys } from "../../shell/keyboard";
import type { CachedPage } from "../../shell/prefetch";
import type { GridTraits } from "../../shell/protocol";
import { type GridOptions, renderShell } from "../../shell/shell";
import type { ShellContext, TaskBody } from "../../shell/task";
import { tileBodyParts } from "../tile-task";
import { Annotations } from "./annotations";
import { flagKeys, gradeHelpRows, gradeHint, missingFlagKey } from "./flags";
import { Judge, type ViewContext } from "./judge";
import { JudgementState, type QueryState } from "./state";
import { TileBoard } from "./tiles";

const TIMED = new Set<Action["type"]>(["move", "grade", "nudge", "best", "none-relevant", "flag", "undo", "task"]);

/** The grading body for the shell. */
export function gradeBody(ctx: ShellContext): TaskBody {
  const store = new JudgementState();
  const board = new TileBoard(make("div", "xmw-tiles"));
  let view: { entry: CachedPage; query: QueryState } | null = null;
  store.setScale(ctx.scale());

  const context: ViewContext = {
    store,
    board,
    batcher: ctx.batcher,
    clock: ctx.clock,
    ids: ctx.ids,
    scale: () => ctx.scale(),
    now: () => ctx.now(),
    view: () => view?.query ?? null,
    current: () => ctx.current(),
    hasFocus: () => ctx.hasFocus(),
    advance: () => ctx.model.get("advance_on_grade") !== false,
    changed: (changes) => {
      for (const change of changes) {
        if (!change || !view || view.query.query_id !== change.query_id) continue;
        board.update(change.item_ids, view.query, ctx.scale());
        if (change.marks.includes("own")) annotations.updateQuery();
      }
      ctx.refresh();
    },
    focus: (moveDomFocus, scroll) => body.focus(moveDomFocus, scroll),
    goTo: (index, item) => ctx.goTo(index, item),
    notice: (text, kind) => ctx.notice(text, kind),
  };
  const judge = new Judge(context);
  const annotations = new Annotations({
    board,
    judge: () => judge,
    scale: () => ctx.scale(),
    now: () => ctx.now(),
    view: () => view?.query ?? null,
    refocus: () => body.focus(true, true),
    notice: (text, kind) => ctx.notice(text, kind),
  });

  const parts = tileBodyParts(ctx, board, store, () => view?.query ?? null);
  const body: TaskBody = {
    ...parts,
    element: annotations.element,
    headerElement: annotations.headerElement,
    whereElement: annotations.queryMarks.element,
    keys: {
      action: (event: KeyLike, scale) =>
        flagKeys(event, scale) ?? gradeKeys(event, levelKeys(scale)) ?? missingFlagKey(event, scale),
      hint: gradeHint,
      helpRows: gradeHelpRows,
    },
    timed: TIMED,
    get ready() {
      return view !== null;
    },
    show(entry: CachedPage, samePage: boolean) {
      const page = entry.page;
      const query = parts.stateOf(page);
      if (!samePage) board.bestTarget = null;
      store.setScale(ctx.scale());
      board.render(page, query, entry.urls, ctx.scale(), !!ctx.model.get("show_sources"), judge.tileHandlers);
      view = { entry, query };
      annotations.shown(samePage);
      if (!samePage) {
        // (no board.element.scrollTop = 0: the tiles have no scroller of their own since the notebook
        // scrolls, and writing scrollTop laid the new page out in this task, a second layout per page)
        judge.pageShown(ctx.now());
        board.focusIndex = judge.firstOpen();
      }
    },
    clear() {
      view = null;
      board.clear();
      annotations.cleared();
    },
    perform(action, started) {
      if (action.type === "move") parts.move(action.direction);
      else if (!annotations.perform(action, started)) judge.perform(action, started);
    },
    ack: (message) => judge.trip.ack(message),
    error: (requestId, message) => judge.trip.error(requestId, message),
    position() {
      const counts = view ? store.counts(view.query) : null;
      return counts && { ...counts, focused: board.size ? board.focusIndex : null };
    },
    noneButton: (started) => judge.perform({ type: "none-relevant" }, started),
  };
  return body;
}

/** Render a RelevanceGrid into `el`; returns the cleanup. */
export function renderGrid(
  props: Pick<RenderProps<GridTraits>, "model" | "el">,
  options: GridOptions = {},
): () => void {
  return renderShell(props, gradeBody, options);
}
