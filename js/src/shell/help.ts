/** The `?` overlay: every key, and the scale's levels with their definitions. */

import { hiddenAbove, make } from "./dom";
import type { ScaleSpec } from "./protocol";

/** The overlay's content: the key `rows`, and the levels of `scale` (null: none); `onClose` is the
 * close button's action. */
export function helpContent(
  scale: ScaleSpec | null,
  rows: Array<[string, string]>,
  onClose: () => void,
): HTMLElement[] {
  const keys = make("dl", "xmw-help-keys");
  for (const [key, what] of rows) keys.append(make("dt", "", key), make("dd", "", what));
  const body: HTMLElement[] = [make("h2", "xmw-help-title", "Keys"), keys];
  if (!scale) {
    // a task not graded on the scale's levels (a picker's digits pick tiles): no levels to list
  } else if (!scale.continuous && scale.levels.length) {
    body.push(make("h3", "xmw-help-scale", `Scale: ${scale.name}`));
    const levels = make("dl", "xmw-help-levels");
    for (const level of scale.levels) {
      levels.append(
        make("dt", "", `${level.key ?? "–"}: ${level.name} (${level.value})`),
        make("dd", "", level.definition),
      );
    }
    body.push(levels);
  } else if (scale.continuous) {
    const range = `${scale.minimum ?? 0}–${scale.maximum ?? 100} in steps of ${scale.step ?? 1}`;
    body.push(make("p", "", `Scale: ${scale.name}, ${range} (drag or Shift+←/→).`));
  }
  const close = make("button", "xmw-help-close", "close (Esc)");
  close.type = "button";
  close.setAttribute("data-lm-suppress-shortcuts", "true");
  close.addEventListener("click", onClose);
  body.push(close);
  return body;
}

/** The overlay element; `open` fills it for a scale and takes the focus, `close` empties it. */
export class HelpOverlay {
  readonly element = make("div", "xmw-help");

  constructor(private readonly onClosed: () => void) {
    this.element.setAttribute("role", "dialog");
    this.element.setAttribute("aria-label", "keyboard help");
    this.element.tabIndex = -1;
    this.element.setAttribute("data-lm-suppress-shortcuts", "true");
    this.element.hidden = true;
  }

  get isOpen(): boolean {
    return !this.element.hidden;
  }

  /** Open with the task's key `rows` and the levels of `scale`, or close when open. */
  toggle(scale: ScaleSpec | null, rows: Array<[string, string]>): void {
    if (this.isOpen) this.close();
    else this.open(scale, rows);
  }

  /** Say, inside the overlay (it covers the notice line), why key `key` did nothing. */
  refuse(key: string): void {
    const line = this.element.querySelector(".xmw-help-status");
    if (line) line.textContent = `${key === " " ? "Space" : key}: not while this help is open · ? or Esc closes it`;
  }

  open(scale: ScaleSpec | null, rows: Array<[string, string]>): void {
    const status = make("p", "xmw-help-status");
    status.setAttribute("role", "status");
    this.element.replaceChildren(status, ...helpContent(scale, rows, () => this.close()));
    // at the top of the part of the widget in view (a long query may have its top scrolled away),
    // as tall as fits there: it scrolls inside itself
    const parent = this.element.parentElement;
    const shift = parent ? hiddenAbove(parent) : 0;
    this.element.style.top = shift > 0 ? `calc(${Math.round(shift)}px + 0.5rem)` : "";
    this.element.hidden = false;
    this.element.focus({ preventScroll: true });
  }

  close(): void {
    if (!this.isOpen) return;
    this.element.hidden = true;
    this.element.replaceChildren();
    this.onClosed();
  }
}
