/**
 * Drag a tile to another place in the ranking, with pointer events (mouse, pen, touch).
 *
 * Not the HTML drag-and-drop API: JupyterLab listens to native drag events on the whole page (its
 * file browser takes drops of files) and its notebook starts dragging *cells* on a mouse press
 * followed by a move. So the board keeps the pointer to itself: a press on a tile does not go on to
 * the notebook (pointerdown and mousedown stop at the board), the pointer is captured once the
 * press has moved a few pixels, and the drop place is found under the pointer by hit testing. A
 * press that does not move is a click (it focuses the tile, as in every task); presses on a
 * tile's own controls (buttons, players) are theirs. Esc during a drag cancels it.
 */

import { type Cleanups, scrollerOf } from "../../shell/dom";

/** Pixels the pointer must travel before a press becomes a drag. */
export const DRAG_THRESHOLD = 6;

export interface DropTarget {
  /** Index of the tile under the pointer. */
  index: number;
  /** Drop before that tile (left half) or after it. */
  before: boolean;
}

/** Where the dragged candidate at `from` lands when dropped at `target`. */
export function dropIndex(from: number, target: DropTarget): number {
  const at = target.before ? target.index : target.index + 1;
  return from < at ? at - 1 : at;
}

export interface DragHooks {
  /** The place of a tile of the board (-1: not one). */
  indexOf(tile: HTMLElement): number;
  /** A drag has started on the candidate at `from`. */
  started(from: number): void;
  /** Dropped: move the candidate at `from` to `to`. */
  dropped(from: number, to: number): void;
}

const CONTROLS = "button, audio, video, input, select, textarea, a";
/** Within this many pixels of the scroller's top or bottom edge a drag scrolls it (a long ranking). */
export const EDGE = 48;

/** Pixels to scroll per frame for a pointer at `y` in a scroller spanning `top`..`bottom` (0: none). */
export function edgeSpeed(y: number, top: number, bottom: number): number {
  if (y < top + EDGE) return -Math.ceil(((top + EDGE - y) / EDGE) * 16);
  if (y > bottom - EDGE) return Math.ceil(((y - (bottom - EDGE)) / EDGE) * 16);
  return 0;
}
const MARKS = ["xmw-rank-drop-before", "xmw-rank-drop-after"];

/** Make the tiles of `board` draggable; the listeners go with `cleanups`. */
export function enableDrag(board: HTMLElement, hooks: DragHooks, cleanups: Cleanups): void {
  let press: { tile: HTMLElement; from: number; x: number; y: number; id: number } | null = null;
  let dragging = false;
  let target: DropTarget | null = null;
  let marked: HTMLElement | null = null;
  let pointer: { x: number; y: number } | null = null;
  let scrolling = 0; // the rAF of the edge scroll, 0: none

  const tileAt = (node: EventTarget | Element | null): HTMLElement | null => {
    const tile = (node as Element | null)?.closest?.(".xmw-tile") as HTMLElement | null;
    return tile && tile.parentElement === board ? tile : null;
  };
  const mark = (tile: HTMLElement | null, before: boolean): void => {
    if (marked && (marked !== tile || !marked.classList.contains(MARKS[before ? 0 : 1]))) {
      marked.classList.remove(...MARKS);
    }
    marked = tile;
    tile?.classList.add(MARKS[before ? 0 : 1]);
  };
  /** The tile under the pointer becomes the drop target (its left or right half). */
  const aim = (x: number, y: number): void => {
    if (!press) return;
    const tile = tileAt(document.elementFromPoint?.(x, y) ?? null);
    if (!tile) return;
    const box = tile.getBoundingClientRect();
    const before = x < box.left + box.width / 2;
    const index = hooks.indexOf(tile);
    if (index < 0) return;
    target = { index, before };
    mark(tile === press.tile ? null : tile, before);
  };
  /** Near the top or bottom edge, scroll every frame while the pointer stays there. */
  const edgeScroll = (): void => {
    scrolling = 0;
    if (!dragging || !pointer || typeof requestAnimationFrame !== "function") return;
    const scroller = scrollerOf(board) ?? (document.scrollingElement as HTMLElement | null) ?? document.documentElement;
    const isPage = scroller === document.scrollingElement || scroller === document.documentElement;
    const box = isPage ? { top: 0, bottom: window.innerHeight } : scroller.getBoundingClientRect();
    const speed = edgeSpeed(pointer.y, box.top, box.bottom);
    if (!speed) return;
    scroller.scrollTop += speed;
    aim(pointer.x, pointer.y);
    scrolling = requestAnimationFrame(edgeScroll);
  };
  const end = (): void => {
    if (scrolling) cancelAnimationFrame(scrolling);
    scrolling = 0;
    pointer = null;
    if (press?.tile) press.tile.classList.remove("xmw-rank-dragging");
    board.classList.remove("xmw-rank-is-dragging");
    if (press && board.hasPointerCapture?.(press.id)) board.releasePointerCapture(press.id);
    mark(null, true);
    press = null;
    dragging = false;
    target = null;
  };

  const ours = (event: Event): boolean => {
    const node = event.target as Element | null;
    return !!tileAt(node) && !node?.closest?.(CONTROLS);
  };
  // the notebook must not see a press on a tile (it would start a cell drag or a text selection)
  cleanups.listen(board, "mousedown", (event: MouseEvent) => {
    if (ours(event)) event.stopPropagation();
  });
  cleanups.listen(board, "dragstart", (event: DragEvent) => {
    if (ours(event)) event.preventDefault(); // images are natively draggable
  });
  cleanups.listen(board, "pointerdown", (event: PointerEvent) => {
    if (!event.isPrimary || event.button !== 0 || !ours(event)) return;
    event.stopPropagation();
    const tile = tileAt(event.target);
    if (!tile) return;
    press = { tile, from: hooks.indexOf(tile), x: event.clientX, y: event.clientY, id: event.pointerId };
    dragging = false;
  });
  cleanups.listen(board, "pointermove", (event: PointerEvent) => {
    if (!press || event.pointerId !== press.id) return;
    if (!dragging) {
      if (Math.hypot(event.clientX - press.x, event.clientY - press.y) < DRAG_THRESHOLD) return;
      if (press.from < 0) return end();
      dragging = true;
      board.setPointerCapture?.(press.id);
      press.tile.classList.add("xmw-rank-dragging");
      board.classList.add("xmw-rank-is-dragging");
      hooks.started(press.from);
    }
    event.preventDefault();
    pointer = { x: event.clientX, y: event.clientY };
    aim(event.clientX, event.clientY);
    if (!scrolling) edgeScroll();
  });
  cleanups.listen(board, "pointerup", (event: PointerEvent) => {
    if (!press || event.pointerId !== press.id) return;
    const from = press.from;
    const drop = dragging ? target : null;
    end();
    if (drop) {
      const to = dropIndex(from, drop);
      if (to !== from) hooks.dropped(from, to);
    }
  });
  cleanups.listen(board, "pointercancel", end);
  // Esc while dragging puts the tile back: the drag ends without a drop (and the key goes no further:
  // neither the shell nor the notebook's command mode acts on it)
  cleanups.listen(
    board.ownerDocument,
    "keydown",
    (event: KeyboardEvent) => {
      if (!dragging || event.key !== "Escape") return;
      event.preventDefault();
      event.stopPropagation();
      end();
    },
    true,
  );
  cleanups.listen(board, "lostpointercapture", () => {
    if (dragging) end();
  });
}
