/**
 * The candidate tiles of the page on screen: built from tile.ts, updated per change, with the
 * keyboard focus (`.xmw-focused`) and the "b target" (`.xmw-best-target`: the tile that `b` acts on,
 * the one just graded until the focus is moved by hand).
 */

import { columnsFromTops, moveFocus } from "../../shell/focus";
import { FrameFocus } from "../../shell/frame-focus";
import type { Direction } from "../../shell/keyboard";
import type { BlobUrls } from "../../shell/media";
import type { Page, ScaleSpec } from "../../shell/protocol";
import { markFocused, showTiles } from "../tile-task";
import { hiddenOnTile, type MarkHandlers, MarkLine } from "./marks";
import type { ItemState, QueryState } from "./state";
import { buildTile, type TileHandlers, type TileRefs, updateTile } from "./tile";

export type { TileHandlers };

/** What a tile shows of its item: a tile whose item still has the same signature is not touched. */
function signature(item: ItemState): string {
  return `${item.relevance}\u0000${item.best}\u0000${item.flags.join(",")}\u0000${item.state}\u0000${item.error}\u0000${item.note ?? ""}`;
}

export class TileBoard {
  readonly element: HTMLElement;
  tiles: TileRefs[] = [];
  private byId = new Map<string, TileRefs>();
  focusIndex = 0;
  /** Index of the tile `b` acts on when it is not the focused one (null: the focused one). */
  bestTarget: number | null = null;
  /** The item signature each tile shows (see `signature`). */
  private shown = new WeakMap<TileRefs, string>();
  /** Each tile's line of flag chips and note (marks.ts), made when it first has something to show. */
  private marks = new WeakMap<TileRefs, MarkLine>();
  /** What a chip's × and a note mark do (set by the grading body). */
  markHandlers: MarkHandlers | null = null;
  /** The tile that carries `.xmw-focused`, and the one that carries `.xmw-best-target`. */
  private focusedTile: HTMLElement | null = null;
  private targetTile: HTMLElement | null = null;
  /** Moves the DOM focus and scrolls, waiting for the frame where it can (frame-focus.ts). */
  private readonly frameFocus: FrameFocus;

  constructor(element: HTMLElement) {
    this.element = element;
    this.frameFocus = new FrameFocus(element);
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
    this.reset();
    page.candidates.forEach((candidate, position) => {
      const refs = buildTile(candidate, position, page.candidates.length, scale, urls, showSources, handlers);
      const item = query.items.get(candidate.item_id);
      if (item) this.apply(refs, item, scale);
      this.tiles.push(refs);
      this.byId.set(candidate.item_id, refs);
      fragment.append(refs.tile);
    });
    showTiles(this.element, fragment, page.candidates.length);
    this.setBestTarget(this.bestTarget);
  }

  clear(): void {
    this.reset();
    this.bestTarget = null;
    this.element.replaceChildren();
  }

  private reset(): void {
    this.tiles = [];
    this.byId = new Map();
    this.shown = new WeakMap();
    this.marks = new WeakMap();
    this.focusedTile = null;
    this.targetTile = null;
  }

  update(itemIds: Iterable<string>, query: QueryState, scale: ScaleSpec): void {
    for (const itemId of itemIds) {
      const refs = this.byId.get(itemId);
      const item = query.items.get(itemId);
      if (refs && item) this.apply(refs, item, scale);
    }
  }

  /** Show `item` on its tile, unless the tile shows it already (each write costs style and layout). */
  private apply(refs: TileRefs, item: ItemState, scale: ScaleSpec): void {
    const key = signature(item);
    if (this.shown.get(refs) === key) return;
    this.shown.set(refs, key);
    updateTile(refs, item, scale);
    this.showMarks(refs, item, scale);
    // The grid's own mark of a flag, whatever tile.ts shows for it (tests and CSS can rely on it).
    refs.tile.dataset.flags = item.flags.join(",");
  }

  /**
   * The flag chips and note of a tile, in its row under the level buttons (before "best"): a line
   * of their own made a flagged tile ~1.5 em taller than its neighbours, which moved its row.
   */
  private showMarks(refs: TileRefs, item: ItemState, scale: ScaleSpec): void {
    let line = this.marks.get(refs);
    const chips = item.flags.filter((flag) => !hiddenOnTile(!!refs.broken).includes(flag));
    if (!line && !chips.length && !item.note) return;
    if (!line) {
      const handlers = this.markHandlers ?? { removeFlag: () => undefined, openNote: () => undefined };
      line = new MarkLine(refs.tile.dataset.itemId ?? "", handlers, "xmw-marks", scale.flag_specs);
      refs.best.before(line.element);
      this.marks.set(refs, line);
    }
    line.update(item.flags, item.note, hiddenOnTile(!!refs.broken));
  }

  tile(index: number): HTMLElement | undefined {
    return this.tiles[index]?.tile;
  }

  /**
   * Show the focus on tile `index` (clamped); move the DOM focus there and scroll it into view if
   * asked: at once (a key moved the focus), or with `scroll === "frame"` just before the next frame
   * (a page just built is laid out for that frame anyway; scrolling in the handler would lay it out
   * a second time).
   */
  focus(index: number, moveDomFocus: boolean, scroll: boolean | "frame"): void {
    if (this.tiles.length === 0) return;
    this.focusIndex = Math.min(Math.max(index, 0), this.tiles.length - 1);
    const tile = this.tiles[this.focusIndex].tile;
    this.focusedTile = markFocused(this.focusedTile, tile);
    this.frameFocus.move(tile, moveDomFocus, scroll);
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
    const tile = this.bestTarget === null ? null : this.tiles[this.bestTarget].tile;
    if (tile === this.targetTile) return;
    this.targetTile?.classList.remove("xmw-best-target");
    tile?.classList.add("xmw-best-target");
    this.targetTile = tile;
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
