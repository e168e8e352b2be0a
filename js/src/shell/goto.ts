/**
 * The go-to-query box (`g`): a small input for a query number (1-based, as the header shows it) or a
 * query id. Enter goes, Escape cancels; keys typed in it are the input's, never grid commands.
 */

import { make } from "./dom";
import { SUPPRESS } from "./media";

/** Where a go-to text leads: a 0-based index, or a sentence saying why not. */
export type GoToTarget = { index: number } | { error: string };

/**
 * Resolve what the annotator typed. A known query id wins over a number (ids may be numerals).
 * @param ids query id -> index, for the queries this view knows
 */
export function resolveGoTo(text: string, nQueries: number, ids: ReadonlyMap<string, number>): GoToTarget {
  const typed = text.trim();
  if (!typed) return { error: "type a query number or a query id" };
  const byId = ids.get(typed);
  if (byId !== undefined) return { index: byId };
  if (/^\d+$/.test(typed)) {
    const number = Number(typed);
    if (number >= 1 && number <= nQueries) return { index: number - 1 };
    return { error: `no query ${typed}: queries are numbered 1 to ${nQueries}` };
  }
  return { error: `no query with id ${JSON.stringify(typed)} (type its number, 1 to ${nQueries})` };
}

export class GoToBox {
  readonly element: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly message: HTMLElement;

  constructor(
    private readonly resolve: (text: string) => GoToTarget,
    private readonly go: (index: number) => void,
    private readonly close: () => void,
  ) {
    this.element = make("form", "xmw-goto");
    this.element.hidden = true;
    const label = make("label", "xmw-goto-label", "go to query ");
    this.input = make("input", "xmw-goto-input");
    this.input.type = "text";
    this.input.autocomplete = "off";
    this.input.spellcheck = false;
    this.input.placeholder = "number or id";
    this.input.setAttribute(SUPPRESS, "true");
    this.input.setAttribute("aria-label", "go to query: number or query id, Enter to go, Escape to cancel");
    label.append(this.input);
    this.message = make("span", "xmw-goto-message");
    this.message.setAttribute("role", "status");
    this.element.append(label, this.message);
    this.input.addEventListener("keydown", (event) => this.onKey(event));
    this.element.addEventListener("submit", (event) => event.preventDefault());
  }

  get isOpen(): boolean {
    return !this.element.hidden;
  }

  open(): void {
    this.input.value = "";
    this.message.textContent = "";
    this.element.hidden = false;
    this.input.focus({ preventScroll: true });
  }

  hide(): void {
    if (this.element.hidden) return;
    this.element.hidden = true;
    this.close();
  }

  private onKey(event: KeyboardEvent): void {
    // Typing here must reach the input only: not the grid, not JupyterLab's shortcuts.
    event.stopPropagation();
    if (event.isComposing) return;
    if (event.key === "Escape") {
      event.preventDefault();
      this.hide();
    } else if (event.key === "Enter") {
      event.preventDefault();
      const target = this.resolve(this.input.value);
      if ("error" in target) {
        this.message.textContent = target.error;
        return;
      }
      this.element.hidden = true;
      this.close();
      this.go(target.index);
    }
  }
}
