/**
 * Focus movement in a grid of N tiles laid out row by row in `columns` columns. Pure.
 *
 * ←/→ walk in reading order (→ at the end of a row goes on to the next row), ↑/↓ jump one row,
 * nothing wraps around the ends; Home / End ("first" / "last") go to the first / last tile. ↓ from
 * a row above a shorter last row lands on the last tile, as in a file manager, so the last row is
 * always reachable.
 */

import type { Direction } from "./keyboard";

/** The index focus moves to from `index` in a grid of `count` tiles; `index` itself at an edge. */
export function moveFocus(index: number, direction: Direction, count: number, columns: number): number {
  if (count <= 0) return -1;
  const cols = Math.max(1, Math.floor(columns) || 1);
  const current = Math.min(Math.max(index, 0), count - 1);
  switch (direction) {
    case "first":
      return 0;
    case "last":
      return count - 1;
    case "left":
      return Math.max(current - 1, 0);
    case "right":
      return Math.min(current + 1, count - 1);
    case "up":
      return current - cols >= 0 ? current - cols : current;
    case "down": {
      if (current + cols < count) return current + cols;
      const lastRow = Math.floor((count - 1) / cols);
      return Math.floor(current / cols) < lastRow ? count - 1 : current;
    }
  }
}

/**
 * Columns actually laid out: how many leading tiles share the first tile's top edge.
 * Returns `fallback` when there is no layout (hidden widget, or a DOM without layout such as happy-dom),
 * i.e. when every top is equal although there is more than one tile.
 */
export function columnsFromTops(tops: ArrayLike<number>, fallback: number): number {
  if (tops.length === 0) return Math.max(1, fallback);
  let columns = 1;
  while (columns < tops.length && tops[columns] === tops[0]) columns += 1;
  if (columns === tops.length && tops.length > 1 && tops[0] === tops[tops.length - 1]) {
    // No row break in the sample: either one long row or no layout at all. With real layout the
    // caller passes enough tiles to see a break, so trust the fallback when widths are unknown.
    return Math.max(1, fallback);
  }
  return columns;
}

/**
 * The next candidate without a judgement after `index`, wrapping around; `index` when all are judged.
 */
export function nextUnjudged(index: number, judged: ArrayLike<boolean>): number {
  const count = judged.length;
  for (let step = 1; step < count; step += 1) {
    const candidate = (index + step) % count;
    if (!judged[candidate]) return candidate;
  }
  return index;
}
