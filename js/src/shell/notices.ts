/**
 * The notice line: one short sentence about what the last judgements did ("query 7 done (12/12) · n
 * for next", "grade it relevant first", "undid: …"). It is a polite live region (role=status), not an
 * alert: a screen reader reads it when idle, and the next notice replaces it. It hides itself after a
 * while, so that it does not go on speaking of a key pressed long ago.
 */

import { make, setText } from "./dom";
import { QUERY_UNIT, type UnitNames } from "./header";

export class NoticeLine {
  readonly element: HTMLElement;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly hideAfterMs = 10_000) {
    this.element = make("div", "xmw-banner xmw-notice");
    this.element.setAttribute("role", "status");
    this.element.setAttribute("aria-live", "polite");
    this.element.hidden = true;
  }

  /** Show `text` in place of the current notice; "" hides the line. `kind` styles it (refused/done). */
  show(text: string, kind: "info" | "refused" | "done" = "info"): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (!text && this.element.hidden) return; // nothing shown, nothing to hide (no DOM write)
    setText(this.element, text);
    if (this.element.dataset.kind !== kind) this.element.dataset.kind = kind;
    this.element.hidden = !text;
    if (text && this.hideAfterMs > 0) this.timer = setTimeout(() => this.show(""), this.hideAfterMs);
  }

  get text(): string {
    return this.element.hidden ? "" : (this.element.textContent ?? "");
  }

  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** What `n` on the last query says, instead of doing nothing. */
export function lastQueryNotice(nQueries: number, queriesDone: number, unit: UnitNames = QUERY_UNIT): string {
  if (nQueries > 0 && queriesDone >= nQueries) return `all ${nQueries} ${unit.many} done · this is the last one`;
  const left = Math.max(0, nQueries - queriesDone);
  return `this is the last ${unit.one} (${nQueries} of ${nQueries}) · ${left} not done yet · g to go to one`;
}
