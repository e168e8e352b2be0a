/**
 * One candidate tile: its parts in a box of fixed height, the level buttons of the scale (each with
 * its key), a best-match toggle, a broken-media toggle and a save mark. Building is separate from
 * updating (`updateTile`), so a judgement touches a few attributes only.
 *
 * Every tile of a page has the same height whatever it shows (an image, a caption, an audio clip,
 * an error), so rows do not grow to their tallest tile and two rows fit a laptop screen; content
 * taller than the box is cut at its bottom edge and a "more" button shows all of it.
 */

import { candidateTile, hasMedia, smallButton } from "../../shell/candidate";
import { make, setText } from "../../shell/dom";
import { type BlobUrls, SUPPRESS } from "../../shell/media";
import type { Candidate, ScaleSpec } from "../../shell/protocol";
import { reviewList } from "./reviews";
import type { ItemState } from "./state";

/** The scale's flag for a candidate whose media cannot be judged (kernel rule R5). */
export const BROKEN_MEDIA = "broken-media";

/** What a tile asks of the grid; the grid sends the judgement and moves the focus. */
export interface TileHandlers {
  /** A level button was clicked (or the slider released): `value` is a level value or a magnitude. */
  onGrade(itemId: string, value: number): void;
  /** The best button was clicked. */
  onBest(itemId: string): void;
  /** The broken-media button was clicked (toggle). */
  onBroken(itemId: string): void;
}

export interface TileRefs {
  tile: HTMLElement;
  slider: HTMLElement;
  best: HTMLButtonElement;
  /** null when the scale has no broken-media flag or the candidate is text only */
  broken: HTMLButtonElement | null;
  save: HTMLElement;
  valueLabel: HTMLElement;
}

/** Name of a relevance on the scale ("unjudged" for null). */
export function levelName(scale: ScaleSpec, relevance: number | null): string {
  if (relevance === null) return "unjudged";
  if (scale.continuous) return String(relevance);
  return scale.levels.find((level) => level.value === relevance)?.name ?? String(relevance);
}

/** True when the item carries the broken-media flag. */
export function isBroken(item: Pick<ItemState, "flags">): boolean {
  return !!item.flags?.includes(BROKEN_MEDIA);
}

function sliderBounds(scale: ScaleSpec): [number, number] {
  if (scale.continuous) return [scale.minimum ?? 0, scale.maximum ?? 100];
  const values = scale.levels.map((level) => level.value);
  return values.length ? [Math.min(...values), Math.max(...values)] : [0, 0];
}

function buildDiscreteSlider(scale: ScaleSpec, slider: HTMLElement, itemId: string, onGrade: TileHandlers["onGrade"]) {
  const track = make("div", "xmw-track");
  for (const level of scale.levels) {
    // the name is the text; the key is drawn by CSS (::before, from data-key) so it never joins
    // the name in textContent or in the word wrapping. A long name is cut to a few lines (CSS on
    // .xmw-tick-name): the title has it whole, with the definition.
    const tick = make("span", "xmw-tick");
    tick.append(make("span", "xmw-tick-name", level.name));
    tick.dataset.value = String(level.value);
    if (level.key) tick.dataset.key = level.key;
    tick.title = level.definition ? `${level.name} — ${level.definition}` : level.name;
    track.append(tick);
  }
  slider.append(track);
  // Click or drag across the ticks; the value is committed on release, so a drag sends one judgement.
  let preview: number | null = null;
  const valueAt = (event: PointerEvent): number | null => {
    const target = event.target as Element | null;
    const tick = target?.closest?.(".xmw-tick") as HTMLElement | null;
    if (tick?.dataset.value !== undefined && event.type === "pointerdown") return Number(tick.dataset.value);
    // during a drag the slider has the pointer (captured): the level is the tick nearest to it,
    // on whichever row the ticks wrapped to (long names in a narrow tile make two rows)
    const nearest = nearestTick(track, event.clientX, event.clientY);
    if (nearest) return Number(nearest.dataset.value);
    return tick?.dataset.value !== undefined ? Number(tick.dataset.value) : null;
  };
  const show = (value: number | null): void => {
    for (const tick of track.children) {
      (tick as HTMLElement).classList.toggle(
        "xmw-preview",
        value !== null && Number((tick as HTMLElement).dataset.value) === value,
      );
    }
  };
  slider.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    preview = valueAt(event);
    show(preview);
    try {
      slider.setPointerCapture(event.pointerId);
    } catch {
      // happy-dom and synthetic events have no active pointer to capture
    }
  });
  slider.addEventListener("pointermove", (event) => {
    if (preview === null) return;
    preview = valueAt(event) ?? preview;
    show(preview);
  });
  const finish = (commit: boolean): void => {
    if (preview !== null && commit) onGrade(itemId, preview);
    preview = null;
    show(null);
  };
  slider.addEventListener("pointerup", () => finish(true));
  slider.addEventListener("pointercancel", () => finish(false));
}

/** The tick of `track` nearest to the point (inside one: that one); null when none is laid out. */
export function nearestTick(track: HTMLElement, x: number, y: number): HTMLElement | null {
  let best: HTMLElement | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const tick of track.children as HTMLCollectionOf<HTMLElement>) {
    const box = tick.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const dx = Math.max(box.left - x, 0, x - box.right);
    const dy = Math.max(box.top - y, 0, y - box.bottom);
    const distance = dx * dx + dy * dy;
    if (distance < bestDistance) {
      bestDistance = distance;
      best = tick;
    }
  }
  return best;
}

function buildContinuousSlider(
  scale: ScaleSpec,
  slider: HTMLElement,
  itemId: string,
  onGrade: TileHandlers["onGrade"],
) {
  const [minimum, maximum] = sliderBounds(scale);
  const input = make("input", "xmw-range");
  input.type = "range";
  input.min = String(minimum);
  input.max = String(maximum);
  input.step = String(scale.step ?? 1);
  input.tabIndex = -1;
  input.setAttribute(SUPPRESS, "true");
  input.setAttribute("aria-hidden", "true");
  input.addEventListener("change", () => onGrade(itemId, Number(input.value)));
  slider.append(input);
}

/** Build the tile of a candidate (state is applied by `updateTile`). */
export function buildTile(
  candidate: Candidate,
  position: number,
  count: number,
  scale: ScaleSpec,
  urls: BlobUrls,
  showSources: boolean,
  handlers: TileHandlers,
): TileRefs {
  const tile = candidateTile(candidate, position, count, urls, showSources);
  if (candidate.reviews?.length) tile.append(reviewList(candidate.reviews, scale));

  const controls = make("div", "xmw-controls");
  const slider = make("div", "xmw-slider");
  slider.setAttribute("role", "slider");
  slider.tabIndex = -1;
  slider.setAttribute(SUPPRESS, "true");
  const [minimum, maximum] = sliderBounds(scale);
  slider.setAttribute("aria-valuemin", String(minimum));
  slider.setAttribute("aria-valuemax", String(maximum));
  slider.setAttribute("aria-label", `relevance of candidate ${position + 1}`);
  if (scale.continuous) buildContinuousSlider(scale, slider, candidate.item_id, handlers.onGrade);
  else buildDiscreteSlider(scale, slider, candidate.item_id, handlers.onGrade);
  const valueLabel = make("span", "xmw-value");

  const best = smallButton("xmw-best", "best match (b)", () => handlers.onBest(candidate.item_id));
  const broken =
    scale.flags?.includes(BROKEN_MEDIA) && hasMedia(candidate.parts)
      ? smallButton("xmw-broken", "the media cannot be judged: mark as broken (m)", () =>
          handlers.onBroken(candidate.item_id),
        )
      : null;

  const save = make("span", "xmw-save");
  const row = make("div", "xmw-row");
  row.append(valueLabel, save, best);
  if (broken) row.append(broken);
  controls.append(slider, row);
  tile.append(controls);
  return { tile, slider, best, broken, save, valueLabel };
}

const SAVE_TEXT: Record<string, string> = { unjudged: "", pending: "saving…", saved: "saved ✓" };

/** Reflect an item's state in its tile. */
export function updateTile(refs: TileRefs, item: ItemState, scale: ScaleSpec): void {
  const { tile, slider, best, broken, save, valueLabel } = refs;
  const flagged = isBroken(item);
  const name = levelName(scale, item.relevance);
  tile.dataset.relevance = item.relevance === null ? "" : String(item.relevance);
  tile.dataset.best = item.best ? "true" : "false";
  tile.dataset.state = item.state;
  tile.dataset.flags = (item.flags ?? []).join(" ");
  tile.dataset.broken = flagged ? "true" : "false";
  if (item.relevance === null) slider.removeAttribute("aria-valuenow");
  else slider.setAttribute("aria-valuenow", String(item.relevance));
  slider.setAttribute("aria-valuetext", flagged ? "broken media" : name);
  const definition = scale.levels.find((level) => level.value === item.relevance)?.definition;
  slider.title = definition || name;
  if (scale.continuous) {
    const input = slider.querySelector("input");
    if (input && item.relevance !== null) input.value = String(item.relevance);
  } else {
    // only the chosen level is marked: tinting the lower ones too read as several selections
    for (const tick of slider.querySelectorAll<HTMLElement>(".xmw-tick")) {
      tick.classList.toggle("xmw-selected", Number(tick.dataset.value) === item.relevance);
    }
  }
  // setText: an unchanged text keeps its text node (a new one is laid out and painted again)
  setText(valueLabel, statusText(item, name));
  valueLabel.title = valueLabel.textContent ?? "";
  best.setAttribute("aria-pressed", item.best ? "true" : "false");
  setText(best, item.best ? "★ best" : "☆ best");
  if (broken) {
    broken.setAttribute("aria-pressed", flagged ? "true" : "false");
    setText(broken, flagged ? "⚠ broken" : "broken?");
  }
  setText(save, saveText(item));
  save.title = save.textContent ?? "";
}

/**
 * What the tile says about its judgement, so that label, buttons and save mark agree: a candidate
 * flagged broken-media reads "broken media" (it has no grade, and needs none); one marked best
 * before it has a grade reads "best · no grade yet", not "unjudged"; a graded one names its level.
 */
export function statusText(item: Pick<ItemState, "relevance" | "best" | "flags">, name: string): string {
  if (isBroken(item)) return "broken media";
  if (item.relevance === null) return item.best ? "best · no grade yet" : "unjudged";
  return name;
}

/** The save mark: only for something there is to save (a grade, a best mark, a flag), or an error. */
export function saveText(item: Pick<ItemState, "relevance" | "best" | "state" | "error" | "flags">): string {
  if (item.state === "error") return `not saved: ${item.error}`;
  // an undone grade leaves nothing judged: "unjudged … saved ✓" would read as a contradiction
  if (item.state === "saved" && item.relevance === null && !item.best && !isBroken(item)) return "";
  return SAVE_TEXT[item.state];
}
