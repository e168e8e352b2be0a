/**
 * The candidate tiles of the page on screen: built from tile.ts, updated per change, with the
 * keyboard focus (`.xmw-focused`) and the "b target" (`.xmw-best-target`: the tile that `b` acts on,
 * the one just graded until the focus is moved by hand).
 */

import { columnsFromTops, moveFocus } from "./focus";
import type { Direction } from "./keyboard";
import type { BlobUrls } from "./media";
import type { Page, ScaleSpec } from "./protocol";
import type { ItemState, QueryState } from "./state";
import { buildTile, type TileHandlers, type TileRefs, updateTile } from "./tile";

export type { TileHandlers };

function update(refs: TileRefs, item: ItemState, scale: ScaleSpec): void {
  updateTile(refs, item, scale);
  // The grid's own mark of a flag, whatever tile.ts shows for it (tests and CSS can rely on it).
  refs.tile.dataset.flags = item.flags.join(",");
}

export class TileBoard {
  readonly element: HTMLElement;
  tiles: TileRefs[] = [];
  private byId = new Map<string, TileRefs>();
  focusIndex = 0;
  /** Index of the tile `b` acts on when it is not the focused one (null: the focused one). */
  bestTarget: number | null = null;

  constructor(element: HTMLElement) {
    this.element = element;
  }

  get size(): number {
    return this.tiles.length;
  }

  render(
    page: Page,
    query: QueryState,
    urls: BlobUrls,
    scale: ScaleSpec,
    showSources: boolean,
    handlers: TileHandlers,
  ) {
    const fragment = document.createDocumentFragment();
    this.tiles = [];
    this.byId = new Map();
    page.candidates.forEach((candidate, position) => {
      const refs = buildTile(candidate, position, page.candidates.length, scale, urls, showSources, handlers);
      const item = query.items.get(candidate.item_id);
      if (item) update(refs, item, scale);
      this.tiles.push(refs);
      this.byId.set(candidate.item_id, refs);
      fragment.append(refs.tile);
    });
    this.element.replaceChildren(fragment);
    this.setBestTarget(this.bestTarget);
  }

  clear(): void {
    this.tiles = [];
    this.byId = new Map();
    this.bestTarget = null;
    this.element.replaceChildren();
  }

  update(itemIds: Iterable<string>, query: QueryState, scale: ScaleSpec): void {
    for (const itemId of itemIds) {
      const refs = this.byId.get(itemId);
      const item = query.items.get(itemId);
      if (refs && item) update(refs, item, scale);
    }
  }

  tile(index: number): HTMLElement | undefined {
    return this.tiles[index]?.tile;
  }

  /** Show the focus on tile `index` (clamped); move the DOM focus there and scroll it into view if asked. */
  focus(index: number, moveDomFocus: boolean, scroll: boolean): void {
    if (this.tiles.length === 0) return;
    this.focusIndex = Math.min(Math.max(index, 0), this.tiles.length - 1);
    for (const refs of this.tiles) {
      if (refs.tile.classList.contains("xmw-focused")) {
        refs.tile.classList.remove("xmw-focused");
        refs.tile.tabIndex = -1;
      }
    }
    const tile = this.tiles[this.focusIndex].tile;
    tile.classList.add("xmw-focused");
    tile.tabIndex = 0;
    if (moveDomFocus) tile.focus({ preventScroll: true });
    if (scroll && typeof tile.scrollIntoView === "function") tile.scrollIntoView({ block: "nearest" });
  }

  /**
   * The DOM focus went to `target` (a click, or a player handing the focus back): focus its tile.
   * @returns whether the focused tile changed (the b target then goes: the focus moved by hand)
   */
  focusFrom(target: Element | null): boolean {
    const tile = target?.closest?.(".xmw-tile") as HTMLElement | null;
    const position = Number(tile?.dataset.index);
    if (!tile || !Number.isInteger(position) || position === this.focusIndex) return false;
    this.focusIndex = position;
    this.setBestTarget(null);
    return true;
  }

  /** Move the focus by hand (keys): `b` acts on the focused tile again. */
  move(direction: Direction, fallbackColumns: number): void {
    if (!this.tiles.length) return;
    const vertical = direction === "up" || direction === "down";
    this.focusIndex = moveFocus(this.focusIndex, direction, this.size, vertical ? this.columns(fallbackColumns) : 1);
    this.setBestTarget(null);
  }

  /** The tile `b` acts on: the b target if there is one, else the focused tile. */
  get bestIndex(): number {
    return this.bestTarget ?? this.focusIndex;
  }

  setBestTarget(index: number | null): void {
    this.bestTarget = index !== null && index >= 0 && index < this.tiles.length ? index : null;
    this.tiles.forEach((refs, at) => {
      refs.tile.classList.toggle("xmw-best-target", at === this.bestTarget);
    });
  }

  /** Columns for ↑/↓: from the layout, or `fallback` where there is none (happy-dom, hidden). */
  columns(fallback: number): number {
    if (this.element.clientWidth > 0) {
      const tops = this.tiles.slice(0, 64).map((refs) => refs.tile.offsetTop);
      return columnsFromTops(tops, tops.length);
    }
    return fallback;
  }
}
