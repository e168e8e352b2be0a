/**
 * The tiles of the ranking on screen, in ranking order, each with its rank large on it. A tile
 * keeps its DOM node while the ranking changes (a move re-orders nodes, media are not rebuilt).
 *
 * Each tile (`candidateTile` of the shell) carries `data-rank` (its current rank), `data-tied`
 * ("true" when it shares its rank), `data-tie` ("start" | "mid" | "end" within a tie group, absent
 * otherwise: the CSS draws the group's bracket from it) and `data-index` (its place, 0-based).
 * A candidate flagged broken-media is out of the ranking: its tile comes after the ranked ones,
 * with no rank (`data-rank` ""), `data-broken="true"` and the grid's chip (marks.ts), whose ×
 * clears the flag.
 */

import { candidateTile } from "../../shell/candidate";
import { make, setText } from "../../shell/dom";
import { columnsFromTops, moveFocus } from "../../shell/focus";
import type { Direction } from "../../shell/keyboard";
import type { BlobUrls } from "../../shell/media";
import { BROKEN_MEDIA, type Page } from "../../shell/protocol";
import { MarkLine } from "../grade/marks";
import { markFocused, showTiles } from "../tile-task";
import type { Ranking } from "./order";

interface RankTile {
  tile: HTMLElement;
  number: HTMLElement;
  tie: HTMLElement;
  marks: MarkLine;
}

export class RankBoard {
  readonly element = make("div", "xmw-tiles xmw-rank-board");
  private tiles = new Map<string, RankTile>();
  /** Item ids in the order the tiles are in the DOM. */
  order: string[] = [];
  focusIndex = 0;
  private focusedTile: HTMLElement | null = null;

  /** `unbreak(itemId)`: a broken chip's × was clicked (clear the flag). */
  constructor(private readonly unbreak: (itemId: string) => void = () => {}) {}

  get size(): number {
    return this.order.length;
  }

  render(page: Page, urls: BlobUrls, showSources: boolean): void {
    this.tiles = new Map();
    this.order = [];
    this.focusedTile = null;
    const count = page.candidates.length;
    for (const candidate of page.candidates) {
      const tile = candidateTile(candidate, candidate.shown_position, count, urls, showSources);
      const badge = make("div", "xmw-rank-badge");
      const number = make("span", "xmw-rank-number");
      const tie = make("span", "xmw-rank-tie");
      const marks = new MarkLine(candidate.item_id, {
        removeFlag: (itemId) => itemId !== null && this.unbreak(itemId),
        openNote: () => {},
      });
      badge.append(number, tie, marks.element);
      tile.prepend(badge);
      this.tiles.set(candidate.item_id, { tile, number, tie, marks });
    }
    showTiles(this.element, null, page.candidates.length);
  }

  clear(): void {
    this.tiles = new Map();
    this.order = [];
    this.focusedTile = null;
    this.element.replaceChildren();
  }

  /** Put the tiles in `ranking`'s order, then the `broken` ones, and show each one's rank and tie. */
  arrange(ranking: Ranking, broken: readonly string[] = []): void {
    const ranks = ranking.ranks();
    const order = [...ranking.order, ...broken];
    const same = order.length === this.order.length && order.every((id, i) => id === this.order[i]);
    if (!same) {
      // moving the focused node out of the DOM and back drops the DOM focus (keys would go to
      // the notebook): give it back to the same tile, which keeps the focus wherever it lands
      const active = document.activeElement;
      const hadFocus = !!active && this.element.contains(active);
      // append() moves a node that is in the DOM already: media stay as they are
      this.element.append(...order.map((id) => this.tiles.get(id)?.tile).filter((t) => !!t));
      this.order = order;
      const focused = this.focusedTile?.dataset.itemId;
      if (focused !== undefined && this.order.includes(focused)) this.focusIndex = this.order.indexOf(focused);
      if (hadFocus && active instanceof HTMLElement && document.activeElement !== active && active.isConnected) {
        active.focus({ preventScroll: true });
      }
    }
    ranking.order.forEach((id, i) => {
      const refs = this.tiles.get(id);
      if (!refs) return;
      const { tile } = refs;
      const rank = ranks[i];
      const tied = ranking.isTied(i);
      const before = i > 0 && ranking.tied[i];
      const after = !!ranking.tied[i + 1];
      tile.dataset.index = String(i);
      tile.dataset.rank = String(rank);
      tile.dataset.tied = String(tied);
      const tie = !tied ? "" : before && after ? "mid" : before ? "end" : "start";
      if (tie) tile.dataset.tie = tie;
      else delete tile.dataset.tie;
      setText(refs.number, String(rank));
      setText(refs.tie, before ? `= tied with #${ranks[i - 1]} before` : tied ? "= tied" : "");
      tile.setAttribute("aria-label", `rank ${rank}${tied ? " (tied)" : ""}: candidate ${i + 1} of ${ranking.size}`);
      tile.dataset.broken = "false";
      tile.dataset.flags = "";
      refs.marks.update([], null);
    });
    broken.forEach((id, k) => {
      const refs = this.tiles.get(id);
      if (!refs) return;
      const { tile } = refs;
      tile.dataset.index = String(ranking.size + k);
      tile.dataset.rank = "";
      tile.dataset.tied = "false";
      delete tile.dataset.tie;
      tile.dataset.broken = "true";
      tile.dataset.flags = BROKEN_MEDIA;
      setText(refs.number, "");
      setText(refs.tie, "");
      refs.marks.update([BROKEN_MEDIA], null);
      tile.setAttribute("aria-label", "broken media, out of the ranking (m clears the flag)");
    });
  }

  tileAt(index: number): HTMLElement | undefined {
    const id = this.order[index];
    return id === undefined ? undefined : this.tiles.get(id)?.tile;
  }

  /** Show the focus on tile `index` (clamped); DOM focus and scrolling when asked. */
  focus(index: number, moveDomFocus: boolean, scroll: boolean | "frame"): void {
    if (!this.order.length) return;
    this.focusIndex = Math.min(Math.max(index, 0), this.order.length - 1);
    const tile = this.tileAt(this.focusIndex);
    if (!tile) return;
    this.focusedTile = markFocused(this.focusedTile, tile);
    if (moveDomFocus && document.activeElement !== tile) tile.focus({ preventScroll: true });
    if (scroll && typeof tile.scrollIntoView === "function") tile.scrollIntoView({ block: "nearest" });
  }

  /** The DOM focus went to `target` (a click): focus its tile; true when it is one of ours. */
  focusFrom(target: Element | null): boolean {
    const tile = target?.closest?.(".xmw-tile") as HTMLElement | null;
    if (!tile || tile.parentElement !== this.element) return false;
    const at = this.order.indexOf(tile.dataset.itemId ?? "");
    if (at < 0) return false;
    this.focusIndex = at;
    return true;
  }

  /** Move the focus (keys): ←/→ in reading order, ↑/↓ by one row. */
  move(direction: Direction, fallbackColumns: number): void {
    if (!this.order.length) return;
    const vertical = direction === "up" || direction === "down";
    this.focusIndex = moveFocus(this.focusIndex, direction, this.size, vertical ? this.columns(fallbackColumns) : 1);
  }

  /** Columns for ↑/↓: from the layout, or `fallback` where there is none (happy-dom, hidden). */
  columns(fallback: number): number {
    if (this.element.clientWidth > 0) {
      const tops = this.order.slice(0, 64).map((_, i) => this.tileAt(i)?.offsetTop ?? 0);
      return columnsFromTops(tops, tops.length);
    }
    return fallback;
  }
}
