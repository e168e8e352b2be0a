/**
 * The pick task's tiles: each candidate in the shell's tile frame (candidate.ts) with its key cap,
 * its pick ("★ best", "2nd") and buttons for the mouse; the keyboard focus (`.xmw-focused`).
 * Data attributes for tests and CSS: data-rank ("1", "2", ""), data-state, data-flags, data-broken.
 */

import { candidateTile, hasMedia, smallButton } from "../../shell/candidate";
import { make, setText } from "../../shell/dom";
import { columnsFromTops, moveFocus } from "../../shell/focus";
import { FrameFocus } from "../../shell/frame-focus";
import type { Direction } from "../../shell/keyboard";
import type { BlobUrls } from "../../shell/media";
import { BROKEN_MEDIA, type Page } from "../../shell/protocol";
import { markFocused, showTiles } from "../tile-task";
import { tileKey } from "./keys";
import type { PickItem, PickQuery } from "./state";

export interface PickHandlers {
  onPick(itemId: string, rank: 1 | 2): void;
  onBroken(itemId: string): void;
}

interface TileRefs {
  tile: HTMLElement;
  badge: HTMLElement;
  best: HTMLButtonElement;
  second: HTMLButtonElement;
  broken: HTMLButtonElement | null;
}

const BADGE: Record<string, string> = { "1": "★ best", "2": "2nd best" };

export class PickBoard {
  readonly element = make("div", "xmw-tiles xmw-pick-tiles");
  private refs: TileRefs[] = [];
  private byId = new Map<string, TileRefs>();
  focusIndex = 0;
  private focused: HTMLElement | null = null;
  /** Moves the DOM focus and scrolls, waiting for the frame where it can (frame-focus.ts). */
  private readonly frameFocus = new FrameFocus(this.element);

  get size(): number {
    return this.refs.length;
  }

  tile(index: number): HTMLElement | undefined {
    return this.refs[index]?.tile;
  }

  render(page: Page, query: PickQuery, urls: BlobUrls, showSources: boolean, handlers: PickHandlers): void {
    this.clear();
    const fragment = document.createDocumentFragment();
    const count = page.candidates.length;
    page.candidates.forEach((candidate, position) => {
      const tile = candidateTile(candidate, position, count, urls, showSources);
      const head = make("div", "xmw-pick-head");
      const key = tileKey(position);
      const cap = make("kbd", "xmw-pick-key", key || "b");
      cap.title = key ? `press ${key} to pick this one (Shift+${key}: second best)` : "focus it and press b";
      if (!key) cap.classList.add("xmw-pick-key-focus");
      const badge = make("span", "xmw-pick-badge");
      head.append(cap, badge);
      const controls = make("div", "xmw-pick-controls");
      const id = candidate.item_id;
      const best = smallButton("xmw-pick-best", "best match", () => handlers.onPick(id, 1));
      best.textContent = "★ best";
      const second = smallButton("xmw-pick-second", "second best", () => handlers.onPick(id, 2));
      second.textContent = "2nd";
      controls.append(best, second);
      let broken: HTMLButtonElement | null = null;
      if (hasMedia(candidate.parts)) {
        broken = smallButton("xmw-pick-broken", "media broken (m)", () => handlers.onBroken(id));
        broken.textContent = "broken";
        controls.append(broken);
      }
      tile.prepend(head);
      tile.append(controls);
      const refs = { tile, badge, best, second, broken };
      this.refs.push(refs);
      this.byId.set(id, refs);
      const item = query.items.get(id);
      if (item) apply(refs, item);
      fragment.append(tile);
    });
    showTiles(this.element, fragment, page.candidates.length);
  }

  clear(): void {
    this.refs = [];
    this.byId = new Map();
    this.focused = null;
    this.element.replaceChildren();
  }

  update(query: PickQuery, itemIds: Iterable<string>): void {
    for (const id of itemIds) {
      const refs = this.byId.get(id);
      const item = query.items.get(id);
      if (refs && item) apply(refs, item);
    }
  }

  /** Show the focus on tile `index` (clamped); move the DOM focus there and scroll to it if asked. */
  focus(index: number, moveDomFocus: boolean, scroll: boolean | "frame"): void {
    if (!this.refs.length) return;
    this.focusIndex = Math.min(Math.max(index, 0), this.refs.length - 1);
    const tile = this.refs[this.focusIndex].tile;
    this.focused = markFocused(this.focused, tile);
    this.frameFocus.move(tile, moveDomFocus, scroll);
  }

  /** The DOM focus went to `target` (a click): follow it. */
  focusFrom(target: Element | null): boolean {
    const tile = target?.closest?.(".xmw-tile") as HTMLElement | null;
    const position = Number(tile?.dataset.index);
    if (!tile || !this.element.contains(tile) || !Number.isInteger(position)) return false;
    this.focusIndex = position;
    return true;
  }

  move(direction: Direction, fallbackColumns: number): void {
    if (!this.refs.length) return;
    const vertical = direction === "up" || direction === "down";
    const columns = vertical ? this.columns(fallbackColumns) : 1;
    this.focusIndex = moveFocus(this.focusIndex, direction, this.size, columns);
  }

  private columns(fallback: number): number {
    if (this.element.clientWidth > 0) {
      const tops = this.refs.slice(0, 64).map((refs) => refs.tile.offsetTop);
      return columnsFromTops(tops, fallback);
    }
    return fallback;
  }
}

function apply(refs: TileRefs, item: PickItem): void {
  const rank = item.rank === null ? "" : String(item.rank);
  const broken = item.flags.includes(BROKEN_MEDIA);
  const dataset = refs.tile.dataset;
  if (dataset.rank !== rank) dataset.rank = rank;
  if (dataset.state !== item.state) dataset.state = item.state;
  dataset.flags = item.flags.join(",");
  dataset.broken = String(broken);
  setText(refs.badge, broken ? "broken media" : (BADGE[rank] ?? ""));
  refs.best.setAttribute("aria-pressed", String(item.rank === 1));
  refs.second.setAttribute("aria-pressed", String(item.rank === 2));
  refs.broken?.setAttribute("aria-pressed", String(broken));
  refs.tile.title = item.state === "error" ? `not saved: ${item.error}` : "";
}
