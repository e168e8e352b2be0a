/**
 * What the tasks whose candidates are tiles do alike: the focus mark moving from tile to tile
 * (grading, pick, rank), and the parts of the body that only follow the board and the optimistic
 * state (grading, pick): loading pages, the focus, the "none relevant" mark.
 */

import type { Direction } from "../shell/keyboard";
import type { Page } from "../shell/protocol";
import type { ShellContext, TaskBody } from "../shell/task";
import type { OptimisticQuery, OptimisticState } from "./optimistic";

/**
 * Move the focus mark (`.xmw-focused`, the one tab stop among the tiles) from `previous` to `tile`;
 * only these two change (not a pass over all tiles).
 * @returns `tile`, the one that now has it
 */
export function markFocused(previous: HTMLElement | null, tile: HTMLElement): HTMLElement {
  if (previous !== tile) {
    if (previous) {
      previous.classList.remove("xmw-focused");
      // The tab index of the element that has the DOM focus: Chromium checks at once that it is
      // still focusable, laying the page out in the key handler (~2 ms a key in JupyterLab, the
      // largest part of a grade's handling). The DOM focus moves on before the next frame
      // (FrameFocus), so the index waits for that frame (unless the tile got the mark back).
      if (previous === document.activeElement && typeof requestAnimationFrame === "function") {
        requestAnimationFrame(() => {
          if (!previous.classList.contains("xmw-focused")) previous.tabIndex = -1;
        });
      } else previous.tabIndex = -1;
    }
    tile.classList.add("xmw-focused");
    tile.tabIndex = 0;
  }
  return tile;
}

/**
 * Boards of more than this many tiles let the browser skip the rendering of the tiles out of view
 * (`content-visibility: auto`, see widgets.css); fewer are rendered whole. On screen, skipping costs:
 * the first frame of a new page of 4 text tiles in JupyterLab took 14.0 ms with it, 12.3 without
 * (median of 4 x 40 frames, the same page, 2 cores).
 */
export const MANY_TILES = 24;

/** Put `tiles` on `board` (replacing what it showed), marked as many (`data-many`) when they are. */
export function showTiles(board: HTMLElement, tiles: DocumentFragment | null, count: number): void {
  if (count > MANY_TILES) board.dataset.many = "";
  else delete board.dataset.many;
  if (tiles) board.replaceChildren(tiles);
  else board.replaceChildren();
}

/** What the shared body parts need of a board of tiles. */
export interface TilesBoard {
  focusIndex: number;
  readonly size: number;
  tile(index: number): HTMLElement | undefined;
  focus(index: number, moveDomFocus: boolean, scroll: boolean | "frame"): void;
  focusFrom(target: Element | null): boolean;
  move(direction: Direction, fallbackColumns: number): void;
}

type None = { none: boolean };
type Parts = Pick<TaskBody, "load" | "none" | "focus" | "focusFrom" | "mediaTarget" | "focusItem">;

/**
 * The body parts of a task whose tiles show an optimistic state with a "none relevant" mark.
 * `shown`: the query on screen (null while its page loads).
 */
export function tileBodyParts<V extends object, M extends None, Blank extends string>(
  ctx: ShellContext,
  board: TilesBoard,
  state: OptimisticState<V, M, Blank>,
  shown: () => OptimisticQuery<V, M, Blank> | null,
): Parts & {
  /** The state of the page about to be shown. */
  stateOf(page: Page): OptimisticQuery<V, M, Blank>;
  /** An arrow key: the focus moves, into view. */
  move(direction: Direction): void;
} {
  const parts = {
    load(page: Page) {
      state.load(page);
    },
    // Loaded into the state when it arrived; loading it again here would put the page's (older)
    // stored values over acks that came in since.
    stateOf: (page: Page) => state.queries.get(page.query_id) ?? state.load(page),
    move(direction: Direction) {
      board.move(direction, ctx.fallbackColumns);
      // the DOM focus only from the grid itself: a move applied from the type-ahead must not take
      // it from the go-to box or a note being typed (the digits would become grades)
      parts.focus(ctx.hasFocus(), true);
    },
    none() {
      const none = shown()?.marks.none;
      return none ? { on: none.value, state: none.state } : { on: false, state: "" };
    },
    focus(moveDomFocus: boolean, scroll: boolean | "frame") {
      board.focus(board.focusIndex, moveDomFocus, scroll);
      // no tile (a page loading): the keys still need a home
      if (moveDomFocus && board.size === 0) ctx.root.focus({ preventScroll: true });
      ctx.refresh();
    },
    focusFrom: (target: Element | null) => shown() !== null && board.focusFrom(target),
    mediaTarget: () => ({ element: board.tile(board.focusIndex), index: board.focusIndex }),
    focusItem(itemId: string) {
      const at = shown()?.order.indexOf(itemId) ?? -1;
      if (at >= 0) board.focusIndex = at;
    },
  };
  return parts;
}
