/**
 * The frame every task draws a candidate in: its parts (media, text, an error) in a box of fixed
 * height with a "more" button when they are taller, the sources line when the widget is not
 * blind, and the tile's identity (item id, shown position) in data attributes. A task appends its
 * own controls (level buttons, a pick badge, a rank).
 */

import { make } from "./dom";
import { type BlobUrls, renderParts, SUPPRESS } from "./media";
import type { Candidate, Part } from "./protocol";

/** Tiles whose images load at once; later ones load lazily (they are below the first screens). */
export const EAGER_TILES = 24;

/** A candidate's tile (`.xmw-tile`, focusable by script) with its media box and sources line. */
export function candidateTile(
  candidate: Candidate,
  position: number,
  count: number,
  urls: BlobUrls,
  showSources: boolean,
): HTMLElement {
  const tile = make("div", "xmw-tile");
  tile.setAttribute("role", "group");
  tile.setAttribute("aria-label", `candidate ${position + 1} of ${count}`);
  tile.dataset.itemId = candidate.item_id;
  tile.dataset.shownPosition = String(candidate.shown_position);
  tile.dataset.index = String(position);
  tile.tabIndex = -1;
  tile.setAttribute(SUPPRESS, "true");

  const parts = renderParts(candidate.parts, urls, candidate.item_id, position >= EAGER_TILES);
  tile.append(mediaBox(parts, tile));

  if (showSources && candidate.meta) {
    const bits: string[] = [];
    if (candidate.meta.sources?.length) bits.push(`sources: ${candidate.meta.sources.join(", ")}`);
    if (candidate.meta.rank !== undefined && candidate.meta.rank !== null) bits.push(`rank ${candidate.meta.rank}`);
    if (candidate.meta.score !== undefined && candidate.meta.score !== null)
      bits.push(`score ${candidate.meta.score.toPrecision(4)}`);
    tile.append(make("div", "xmw-meta", bits.join(" · ")));
  }
  return tile;
}

export function smallButton(className: string, title: string, onClick: () => void): HTMLButtonElement {
  const button = make("button", className);
  button.type = "button";
  button.tabIndex = -1;
  button.setAttribute(SUPPRESS, "true");
  button.title = title;
  button.setAttribute("aria-pressed", "false");
  button.addEventListener("click", onClick);
  return button;
}

/** Media (or a failed medium) can be broken; a text-only candidate cannot. */
export function hasMedia(parts: readonly Part[]): boolean {
  return parts.some((part) => part.kind !== "text");
}

/**
 * The box that holds the parts at a fixed height, with a "more" button that shows up only when
 * the parts are taller than the box (a long caption, a bundle) and lets the tile grow to show all.
 */
export function mediaBox(parts: HTMLElement, tile: HTMLElement): HTMLElement {
  const box = make("div", "xmw-media");
  const more = make("button", "xmw-more", "more ▾");
  more.type = "button";
  more.tabIndex = -1;
  more.setAttribute(SUPPRESS, "true");
  more.setAttribute("aria-expanded", "false");
  more.title = "show all of this candidate";
  more.addEventListener("click", () => {
    const expanded = tile.dataset.expanded !== "true";
    tile.dataset.expanded = String(expanded);
    more.textContent = expanded ? "less ▴" : "more ▾";
    // collapsed, the box shows the start again (it was scrolled inside while expanded)
    if (!expanded) box.scrollTop = 0;
    more.setAttribute("aria-expanded", String(expanded));
  });
  box.append(parts, more);
  const measure = (): void => {
    if (tile.dataset.expanded === "true") return; // keep the button while expanded
    box.dataset.overflowing = String(parts.scrollHeight > box.clientHeight + 1);
  };
  if (typeof ResizeObserver === "function") {
    // per tile, so it goes with the tile when a page is replaced (a shared observer would keep
    // every old tile alive); fires once laid out, and again when an image or poster arrives
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    observer.observe(parts);
  }
  return box;
}
