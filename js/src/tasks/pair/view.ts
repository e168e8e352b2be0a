/**
 * The DOM of one pair: the two items side by side (shell/candidate.ts tiles), "1 left better"
 * under the left one and "2 right better" under the right one, "3 tie" and "4 both bad" between
 * them, a "broken media" toggle at the foot of each tile (its `m` cap on the focused one: `m`
 * marks the focused item), and a status line ("pair 3 of 40 · ✓ saved: left better"). The chosen
 * side and the broken items are in data attributes (`data-side`, `data-state` on `.xmw-pair`,
 * `data-chosen` and `data-broken` on each tile), so CSS and tests read the same thing.
 */

import { candidateTile, smallButton } from "../../shell/candidate";
import { make, setText } from "../../shell/dom";
import type { BlobUrls } from "../../shell/media";
import { BROKEN_MEDIA, type Page } from "../../shell/protocol";
import { CHOICES, type Side, sideLabel } from "./keys";
import type { PairState } from "./state";

export interface PairHandlers {
  choose(side: Side): void;
  /** The broken-media toggle of the tile at `position` (0 left, 1 right) was clicked. */
  broken(position: number): void;
}

const SIDE_NAMES = ["left", "right"] as const;

/** What each tile shows of a choice: "better", "worse", "tie", "bad" or "" (no choice). */
function chosen(side: Side | null, position: number): string {
  if (side === null) return "";
  if (side === "tie") return "tie";
  if (side === "both-bad") return "bad";
  return side === SIDE_NAMES[position] ? "better" : "worse";
}

export class PairView {
  readonly element = make("div", "xmw-pair");
  private readonly status = make("div", "xmw-pair-status");
  private readonly columns: HTMLElement[] = [make("div", "xmw-pair-side"), make("div", "xmw-pair-side")];
  private readonly middle = make("div", "xmw-pair-middle");
  private readonly buttons = new Map<Side, HTMLButtonElement>();
  private readonly handlers: PairHandlers;
  private brokenButtons: HTMLButtonElement[] = [];
  private tiles: HTMLElement[] = [];
  /** 0: the left item has the focus, 1: the right one. */
  focusIndex = 0;

  constructor(handlers: PairHandlers) {
    this.handlers = handlers;
    this.status.setAttribute("aria-live", "polite");
    for (const choice of CHOICES) {
      const button = smallButton("xmw-pair-choice", `${choice.title} (key ${choice.key})`, () =>
        handlers.choose(choice.side),
      );
      // the key cap is drawn by CSS from data-key (as on the grading task's level buttons)
      button.dataset.key = choice.key;
      button.dataset.side = choice.side;
      button.textContent = choice.label;
      this.buttons.set(choice.side, button);
    }
    this.middle.append(this.buttons.get("tie") as HTMLElement, this.buttons.get("both-bad") as HTMLElement);
    const sides = make("div", "xmw-pair-sides");
    sides.append(this.columns[0], this.middle, this.columns[1]);
    this.columns[0].dataset.side = "left";
    this.columns[1].dataset.side = "right";
    this.element.append(this.status, sides);
    this.element.dataset.side = "";
    this.element.dataset.state = "";
  }

  /** Build the tiles of `page` (its two candidates in shown order). */
  render(page: Page, urls: BlobUrls, showSources: boolean): void {
    this.tiles = page.candidates.slice(0, 2).map((candidate, position) => {
      const tile = candidateTile(candidate, position, 2, urls, showSources);
      tile.classList.add("xmw-pair-tile");
      tile.dataset.side = SIDE_NAMES[position];
      tile.setAttribute("aria-label", `${SIDE_NAMES[position]} item`);
      tile.dataset.broken = "false";
      return tile;
    });
    this.brokenButtons = this.tiles.map((tile, position) => {
      const button = smallButton(
        "xmw-pair-broken",
        `the ${SIDE_NAMES[position]} item's media do not play or show (key m on the focused item)`,
        () => this.handlers.broken(position),
      );
      button.dataset.key = "m";
      // the label in a span: without its cap (not the focused side) it is centred in the same
      // width (widgets.css), so the button neither shows a gap nor changes size as the focus moves
      button.dataset.label = "broken media";
      button.append(make("span", "xmw-pair-broken-label", "broken media"));
      tile.append(button);
      return button;
    });
    this.columns.forEach((column, position) => {
      const tile = this.tiles[position];
      const button = this.buttons.get(SIDE_NAMES[position]) as HTMLElement;
      column.replaceChildren(...(tile ? [tile] : []), button);
    });
    this.element.hidden = false;
  }

  clear(): void {
    this.tiles = [];
    this.brokenButtons = [];
    for (const column of this.columns) column.replaceChildren();
    this.element.hidden = true;
  }

  tile(index: number): HTMLElement | undefined {
    return this.tiles[index];
  }

  /** The item id shown at `index` (0 left, 1 right), or null. */
  itemId(index: number): string | null {
    return this.tiles[index]?.dataset.itemId ?? null;
  }

  /** "left item", "right item" or "both items": the words of the items in `ids`. */
  brokenWords(ids: readonly string[]): string {
    const sides = SIDE_NAMES.filter((_, position) => {
      const id = this.itemId(position);
      return id !== null && ids.includes(id);
    });
    return sides.length > 1 ? "both items" : sides.length ? `${sides[0]} item` : "";
  }

  /** The side (0, 1) of the tile holding `target`, or null. */
  sideOf(target: Element | null): number | null {
    const at = this.tiles.findIndex((tile) => !!target && tile.contains(target));
    return at < 0 ? null : at;
  }

  /** Show the state of `pair` (the one on screen). */
  update(pair: PairState, nPairs: number): void {
    const broken = pair.broken.length > 0 || pair.flags.includes(BROKEN_MEDIA);
    const data = this.element.dataset;
    if (data.side !== (pair.side ?? "")) data.side = pair.side ?? "";
    if (data.state !== pair.state) data.state = pair.state;
    if (data.broken !== String(broken)) data.broken = String(broken);
    this.element.classList.toggle("xmw-pair-done", pair.side !== null || broken);
    for (const [side, button] of this.buttons) {
      const on = pair.side === side;
      button.classList.toggle("xmw-selected", on);
      button.setAttribute("aria-pressed", String(on));
    }
    this.tiles.forEach((tile, position) => {
      const value = chosen(pair.side, position);
      if (tile.dataset.chosen !== value) tile.dataset.chosen = value;
      const itemBroken = String(pair.broken.includes(tile.dataset.itemId ?? ""));
      if (tile.dataset.broken !== itemBroken) tile.dataset.broken = itemBroken;
      const button = this.brokenButtons[position];
      button?.setAttribute("aria-pressed", itemBroken);
      button?.classList.toggle("xmw-selected", itemBroken === "true");
    });
    const what = broken
      ? `broken media: ${this.brokenWords(pair.broken) || "the pair"}`
      : pair.side === null
        ? ""
        : sideLabel(pair.side);
    const saved =
      pair.state === "pending"
        ? "saving…"
        : pair.state === "error"
          ? "not saved"
          : pair.state === "saved" && what
            ? "✓ saved"
            : "";
    const state = what ? `${saved ? `${saved}: ` : ""}${what}` : "not judged yet";
    setText(this.status, `pair ${pair.index + 1} of ${nPairs || pair.index + 1} · ${state}`);
  }

  /** Mark the focused tile (and give it the DOM focus when `moveDomFocus`). */
  focus(moveDomFocus: boolean, scroll: boolean): void {
    this.tiles.forEach((tile, position) => {
      tile.classList.toggle("xmw-focused", position === this.focusIndex);
    });
    const tile = this.tiles[this.focusIndex];
    if (moveDomFocus && tile && document.activeElement !== tile) tile.focus({ preventScroll: !scroll });
  }
}
