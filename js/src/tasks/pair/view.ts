/**
 * The DOM of one pair: the two items side by side (shell/candidate.ts tiles), "1 left better"
 * under the left one and "2 right better" under the right one, "3 tie", "4 both bad" and the
 * broken-media button between them, and a status line ("pair 3 of 40 · ✓ saved: left better").
 * The chosen side is in data attributes (`data-side`, `data-state` on `.xmw-pair`, `data-chosen`
 * on each tile), so CSS and tests read the same thing.
 */

import { candidateTile, smallButton } from "../../shell/candidate";
import { make, setText } from "../../shell/dom";
import type { BlobUrls } from "../../shell/media";
import { BROKEN_MEDIA, type Page } from "../../shell/protocol";
import { CHOICES, type Side, sideLabel } from "./keys";
import type { PairState } from "./state";

export interface PairHandlers {
  choose(side: Side): void;
  broken(): void;
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
  private readonly brokenButton: HTMLButtonElement;
  private tiles: HTMLElement[] = [];
  /** 0: the left item has the focus, 1: the right one. */
  focusIndex = 0;

  constructor(handlers: PairHandlers) {
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
    this.brokenButton = smallButton("xmw-pair-broken", "the media of this pair do not play or show (key m)", () =>
      handlers.broken(),
    );
    this.brokenButton.dataset.key = "m";
    this.brokenButton.textContent = "broken media";
    this.middle.append(
      this.buttons.get("tie") as HTMLElement,
      this.buttons.get("both-bad") as HTMLElement,
      this.brokenButton,
    );
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
      return tile;
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
    for (const column of this.columns) column.replaceChildren();
    this.element.hidden = true;
  }

  tile(index: number): HTMLElement | undefined {
    return this.tiles[index];
  }

  /** The side (0, 1) of the tile holding `target`, or null. */
  sideOf(target: Element | null): number | null {
    const at = this.tiles.findIndex((tile) => !!target && tile.contains(target));
    return at < 0 ? null : at;
  }

  /** Show the state of `pair` (the one on screen). */
  update(pair: PairState, nPairs: number): void {
    const broken = pair.flags.includes(BROKEN_MEDIA);
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
    this.brokenButton.setAttribute("aria-pressed", String(broken));
    this.brokenButton.classList.toggle("xmw-selected", broken);
    this.tiles.forEach((tile, position) => {
      const value = chosen(pair.side, position);
      if (tile.dataset.chosen !== value) tile.dataset.chosen = value;
    });
    const what = broken ? "broken media" : pair.side === null ? "" : sideLabel(pair.side);
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
