/**
 * One candidate tile: its parts, a relevance slider on the scale, a best-match toggle and a save mark.
 * Building is separate from updating (`updateTile`), so a judgement touches a few attributes only.
 */

import { type BlobUrls, renderParts, SUPPRESS } from "./media";
import type { Candidate, ScaleSpec } from "./protocol";
import type { ItemState } from "./state";

/** Tiles whose images load at once; later ones load lazily (they are below the first screens). */
export const EAGER_TILES = 24;

export interface TileRefs {
  tile: HTMLElement;
  slider: HTMLElement;
  best: HTMLButtonElement;
  save: HTMLElement;
  valueLabel: HTMLElement;
}

/** Where a pointer on the slider lands: a level value (discrete) or a magnitude (continuous). */
export type SliderInput = (itemId: string, value: number) => void;

function make<K extends keyof HTMLElementTagNameMap>(tag: K, className: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  return node;
}

/** Name of a relevance on the scale ("unjudged" for null). */
export function levelName(scale: ScaleSpec, relevance: number | null): string {
  if (relevance === null) return "unjudged";
  if (scale.continuous) return String(relevance);
  return scale.levels.find((level) => level.value === relevance)?.name ?? String(relevance);
}

function sliderBounds(scale: ScaleSpec): [number, number] {
  if (scale.continuous) return [scale.minimum ?? 0, scale.maximum ?? 100];
  const values = scale.levels.map((level) => level.value);
  return values.length ? [Math.min(...values), Math.max(...values)] : [0, 0];
}

function buildDiscreteSlider(scale: ScaleSpec, slider: HTMLElement, itemId: string, onInput: SliderInput): void {
  const track = make("div", "xmw-track");
  for (const level of scale.levels) {
    const tick = make("span", "xmw-tick");
    tick.dataset.value = String(level.value);
    tick.textContent = level.name;
    tick.title = level.definition || level.name;
    track.append(tick);
  }
  slider.append(track);
  // Click or drag across the ticks; the value is committed on release, so a drag sends one judgement.
  let preview: number | null = null;
  const valueAt = (event: PointerEvent): number | null => {
    const target = event.target as Element | null;
    const tick = target?.closest?.(".xmw-tick") as HTMLElement | null;
    if (tick?.dataset.value !== undefined && event.type === "pointerdown") return Number(tick.dataset.value);
    const rect = track.getBoundingClientRect();
    if (rect.width > 0 && scale.levels.length) {
      const fraction = Math.min(Math.max((event.clientX - rect.left) / rect.width, 0), 0.9999);
      return scale.levels[Math.floor(fraction * scale.levels.length)].value;
    }
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
    if (preview !== null && commit) onInput(itemId, preview);
    preview = null;
    show(null);
  };
  slider.addEventListener("pointerup", () => finish(true));
  slider.addEventListener("pointercancel", () => finish(false));
}

function buildContinuousSlider(
  scale: ScaleSpec,
  slider: HTMLElement,
  itemId: string,
  onInput: SliderInput,
): HTMLInputElement {
  const [minimum, maximum] = sliderBounds(scale);
  const input = make("input", "xmw-range");
  input.type = "range";
  input.min = String(minimum);
  input.max = String(maximum);
  input.step = String(scale.step ?? 1);
  input.tabIndex = -1;
  input.setAttribute(SUPPRESS, "true");
  input.setAttribute("aria-hidden", "true");
  input.addEventListener("change", () => onInput(itemId, Number(input.value)));
  slider.append(input);
  return input;
}

/** Build the tile of a candidate (state is applied by `updateTile`). */
export function buildTile(
  candidate: Candidate,
  position: number,
  count: number,
  scale: ScaleSpec,
  urls: BlobUrls,
  showSources: boolean,
  onInput: SliderInput,
  onBest: (itemId: string) => void,
): TileRefs {
  const tile = make("div", "xmw-tile");
  tile.setAttribute("role", "group");
  tile.setAttribute("aria-label", `candidate ${position + 1} of ${count}`);
  tile.dataset.itemId = candidate.item_id;
  tile.dataset.shownPosition = String(candidate.shown_position);
  tile.dataset.index = String(position);
  tile.tabIndex = -1;
  tile.setAttribute(SUPPRESS, "true");

  tile.append(renderParts(candidate.parts, urls, candidate.item_id, position >= EAGER_TILES));

  if (showSources && candidate.meta) {
    const meta = make("div", "xmw-meta");
    const bits: string[] = [];
    if (candidate.meta.sources?.length) bits.push(`sources: ${candidate.meta.sources.join(", ")}`);
    if (candidate.meta.rank !== undefined && candidate.meta.rank !== null) bits.push(`rank ${candidate.meta.rank}`);
    if (candidate.meta.score !== undefined && candidate.meta.score !== null)
      bits.push(`score ${candidate.meta.score.toPrecision(4)}`);
    meta.textContent = bits.join(" · ");
    tile.append(meta);
  }

  const controls = make("div", "xmw-controls");
  const slider = make("div", "xmw-slider");
  slider.setAttribute("role", "slider");
  slider.tabIndex = -1;
  slider.setAttribute(SUPPRESS, "true");
  const [minimum, maximum] = sliderBounds(scale);
  slider.setAttribute("aria-valuemin", String(minimum));
  slider.setAttribute("aria-valuemax", String(maximum));
  slider.setAttribute("aria-label", `relevance of candidate ${position + 1}`);
  if (scale.continuous) buildContinuousSlider(scale, slider, candidate.item_id, onInput);
  else buildDiscreteSlider(scale, slider, candidate.item_id, onInput);
  const valueLabel = make("span", "xmw-value");

  const best = make("button", "xmw-best");
  best.type = "button";
  best.tabIndex = -1;
  best.setAttribute(SUPPRESS, "true");
  best.title = "best match (b)";
  best.addEventListener("click", () => onBest(candidate.item_id));

  const save = make("span", "xmw-save");
  const row = make("div", "xmw-row");
  row.append(valueLabel, best, save);
  controls.append(slider, row);
  tile.append(controls);
  return { tile, slider, best, save, valueLabel };
}

const SAVE_TEXT: Record<string, string> = { unjudged: "", pending: "saving…", saved: "saved ✓" };

/** Reflect an item's state in its tile. */
export function updateTile(refs: TileRefs, item: ItemState, scale: ScaleSpec): void {
  const { tile, slider, best, save, valueLabel } = refs;
  const name = levelName(scale, item.relevance);
  tile.dataset.relevance = item.relevance === null ? "" : String(item.relevance);
  tile.dataset.best = item.best ? "true" : "false";
  tile.dataset.state = item.state;
  if (item.relevance === null) slider.removeAttribute("aria-valuenow");
  else slider.setAttribute("aria-valuenow", String(item.relevance));
  slider.setAttribute("aria-valuetext", name);
  const definition = scale.levels.find((level) => level.value === item.relevance)?.definition;
  slider.title = definition || name;
  if (scale.continuous) {
    const input = slider.querySelector("input");
    if (input && item.relevance !== null) input.value = String(item.relevance);
  } else {
    for (const tick of slider.querySelectorAll<HTMLElement>(".xmw-tick")) {
      const value = Number(tick.dataset.value);
      tick.classList.toggle("xmw-selected", value === item.relevance);
      tick.classList.toggle("xmw-filled", item.relevance !== null && value <= item.relevance);
    }
  }
  valueLabel.textContent = statusText(item, name);
  best.setAttribute("aria-pressed", item.best ? "true" : "false");
  best.textContent = item.best ? "★ best" : "☆ best";
  save.textContent = saveText(item);
  save.title = save.textContent;
}

/**
 * What the tile says about its judgement, so that label, best button and save mark agree: a
 * candidate marked best before it has a grade reads "best · no grade yet", not "unjudged".
 */
export function statusText(item: Pick<ItemState, "relevance" | "best">, name: string): string {
  if (item.relevance === null) return item.best ? "best · no grade yet" : "unjudged";
  return name;
}

/** The save mark: only for something there is to save (a grade or a best mark), or an error. */
export function saveText(item: Pick<ItemState, "relevance" | "best" | "state" | "error">): string {
  if (item.state === "error") return `not saved: ${item.error}`;
  // an undone grade leaves nothing judged: "unjudged … saved ✓" would read as a contradiction
  if (item.state === "saved" && item.relevance === null && !item.best) return "";
  return SAVE_TEXT[item.state];
}
