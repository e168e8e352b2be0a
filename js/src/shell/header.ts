/**
 * The header above a task's body: the query, where the annotator is ("candidate 3 of 12 · 7/12
 * judged"), a visible "done" state, campaign progress, prev / none relevant / next buttons, the key
 * hint (notices show over it: notices.ts) and the go-to box. It shows what it is given; the grid
 * decides what that is.
 */

import { make, setText } from "./dom";
import type { GoToBox } from "./goto";
import { SUPPRESS } from "./media";
import type { QueryPin } from "./pin";
import type { Progress, ScaleSpec } from "./protocol";
import { buildLegend } from "./rubric";

/**
 * The widget's root: focusable, with its keys its own. `xmw-grid` is the documented selector;
 * `xmw-grid-root` stays for code written against it. `data-unsaved` counts judgements not yet
 * acknowledged (tests and benchmarks wait on "0").
 */
export function makeRoot(label: string): HTMLElement {
  const root = make("div", "xmw-grid xmw-grid-root");
  root.tabIndex = 0;
  root.setAttribute(SUPPRESS, "true");
  root.setAttribute("role", "application");
  root.setAttribute("aria-label", label);
  root.dataset.unsaved = "0";
  return root;
}

/** What one page of a task is called ("query", or "pair" in the pair task), one and many. */
export interface UnitNames {
  one: string;
  many: string;
}
export const QUERY_UNIT: UnitNames = { one: "query", many: "queries" };

export interface Position {
  /** 0-based focused candidate, or null (loading). */
  focused: number | null;
  judged: number;
  total: number;
  done: boolean;
  /** What the query's judgement so far is, when "judged/total judged" does not say it (a pick:
   * one pick completes the query). */
  summary?: string;
}

export class Header {
  readonly element = make("div", "xmw-header");
  readonly queryBox = make("div", "xmw-query");
  /** The concepts the query mentions, each with its definition (the guideline's). */
  readonly concepts = make("dl", "xmw-concepts");
  readonly position = make("span", "xmw-position");
  readonly done = make("span", "xmw-done");
  readonly progress = make("div", "xmw-progress");
  /** "candidate k of N · j/N judged", the done badge, and a task's own marks of the query. */
  readonly where = make("div", "xmw-where");
  readonly prevButton = make("button", "xmw-prev", "‹ prev");
  readonly noneButton = make("button", "xmw-none-button", "none relevant");
  readonly nextButton = make("button", "xmw-next", "next ›");
  readonly hint = make("div", "xmw-hint");
  /** The hint's line, where notices show (over the hint: they cover no tile and move nothing). */
  readonly hintSlot = make("div", "xmw-hint-slot");
  /** The scale's levels with their definitions (tile.ts builds it). */
  private legend: HTMLElement = make("dl", "xmw-legend");
  /** What a page is called in the progress line and the done badges (the task's `unit`). */
  unit: UnitNames = QUERY_UNIT;
  /** The bar that repeats the query and the position once the header is scrolled away. */
  pin: QueryPin | null = null;

  constructor(goTo: GoToBox) {
    this.queryBox.setAttribute("aria-label", "query");
    const status = make("div", "xmw-status");
    this.position.setAttribute("aria-live", "polite");
    this.done.hidden = true;
    this.where.append(this.position, this.done);
    this.progress.setAttribute("aria-live", "polite");
    const nav = make("div", "xmw-nav");
    for (const button of [this.prevButton, this.noneButton, this.nextButton]) {
      button.type = "button";
      button.tabIndex = -1;
      button.setAttribute(SUPPRESS, "true");
    }
    this.prevButton.title = "previous query (p)";
    this.noneButton.title = "no candidate is relevant (x)";
    this.nextButton.title = "next query (n / Enter)";
    nav.append(this.prevButton, this.noneButton, this.nextButton);
    status.append(this.where, this.progress, nav);
    this.concepts.setAttribute("aria-label", "concepts in this query");
    this.concepts.hidden = true;
    // the go-to box opens over the hint, in its box, as notices do: opening it moves no tile
    this.hintSlot.append(this.hint, goTo.element);
    this.element.append(this.queryBox, this.concepts, status, this.legend, this.hintSlot);
  }

  /** The key hint (the task's, for `scale`) and the legend of `scale`. */
  /** The key hint, and the legend of `scale`'s levels (none: `null`, a task not graded on them). */
  showScale(scale: ScaleSpec | null, hint: string): void {
    this.hint.textContent = hint;
    const legend = scale ? buildLegend(scale) : make("dl", "xmw-legend");
    legend.hidden ||= !scale;
    this.legend.replaceWith(legend);
    this.legend = legend;
  }

  /** The concepts of the query on screen (text only), or none. */
  showConcepts(concepts: ReadonlyArray<{ name: string; definition: string }>): void {
    this.concepts.replaceChildren();
    for (const concept of concepts) {
      const entry = make("div", "xmw-concept");
      entry.append(
        make("dt", "xmw-concept-name", concept.name),
        make("dd", "xmw-concept-definition", concept.definition),
      );
      this.concepts.append(entry);
    }
    this.concepts.hidden = concepts.length === 0;
  }

  showProgress(progress: Progress, current: number, nQueries: number): void {
    const n = nQueries || progress.n_queries;
    showCut(
      this.progress,
      `judged ${progress.judged}/${progress.total} · ${this.unit.many} done ${progress.queries_done}/${progress.n_queries || n} · ${this.unit.one} ${current + 1}/${n}`,
    );
    this.prevButton.disabled = current <= 0;
    this.nextButton.disabled = n > 0 && current >= n - 1;
  }

  /** "candidate k of N · j/N judged", and the done badge (the whole campaign's when `allDone`). */
  showPosition(position: Position | null, allDone: boolean): void {
    let where = "";
    if (position) {
      const at = position.focused === null ? "" : `candidate ${position.focused + 1} of ${position.total} · `;
      where = `${at}${position.summary ?? `${position.judged}/${position.total} judged`}`;
    }
    showCut(this.position, where);
    const done = !!position?.done;
    if (this.done.hidden !== (!done && !allDone)) this.done.hidden = !done && !allDone;
    const badge = allDone ? `✓ all ${this.unit.many} done` : done ? `✓ ${this.unit.one} done` : "";
    showCut(this.done, badge);
    this.pin?.showWhere(where, badge);
    this.element.classList.toggle("xmw-query-done", done);
    this.element.classList.toggle("xmw-all-done", allDone);
  }

  showNone(none: boolean): void {
    this.noneButton.setAttribute("aria-pressed", none ? "true" : "false");
  }
}

/** `text` in a part of the status row, which may cut it with an ellipsis: the whole of it in the title. */
function showCut(node: HTMLElement, text: string): void {
  setText(node, text);
  if (node.title !== text) node.title = text;
}

/** The banners: a kernel-side error (an alert, under the header), and "none relevant" for the query
 * (the shell puts it in the header's status row). */
export class Banners {
  readonly error = make("div", "xmw-banner xmw-banner-error");
  readonly none = make("span", "xmw-banner xmw-none-relevant", "✗ none relevant");

  constructor() {
    this.none.title = "None relevant: no candidate matches this query (x takes it back)";
    this.error.setAttribute("role", "alert");
    this.error.hidden = true;
    this.none.hidden = true;
  }

  showError(message: string): void {
    this.error.textContent = message;
    this.error.hidden = !message;
  }

  showNone(none: boolean, state: string): void {
    if (this.none.hidden !== !none) this.none.hidden = !none;
    if (this.none.dataset.state !== state) this.none.dataset.state = state;
  }
}
