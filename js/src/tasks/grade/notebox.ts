/**
 * The note box: a small form over the focused tile (`e`) or under the query (`E`) with a text
 * area. Enter saves, Shift+Enter starts a new line, Escape cancels; then the focus goes back to
 * the tile. Every key typed in it stays in it: no grid command and no JupyterLab or Notebook
 * shortcut sees it (its keydowns stop at the box, every element carries data-lm-suppress-shortcuts).
 * The query's box also lists the flags that can be set on the query, as toggle buttons (Tab to
 * them, Space toggles): the way to set a "both" flag such as "dissonant" on the query itself.
 */

import { make } from "../../shell/dom";
import { SUPPRESS } from "../../shell/media";
import { MAX_NOTE } from "../../shell/protocol";

export interface NoteToggle {
  name: string;
  key: string | null;
  definition: string;
  on: boolean;
}

export interface NoteBoxOptions {
  /** What the note is on, e.g. "note on candidate 3". */
  label: string;
  text: string | null;
  /** The query's flags (query box only). */
  toggles?: NoteToggle[];
  onToggle?(flag: string, on: boolean): void;
  /**
   * An element the box must end above (the query's box: the tiles, under the header it hangs
   * over). What of the box reaches below its top is added to the height of the box's host, so that
   * it pushes them down by that much and covers none of them: many toggles or a tall text.
   */
  above?: HTMLElement;
  /** What is scrolled into view when the box opens (the query's box: the header); the box itself
   * by default. */
  reveal?: HTMLElement;
  /** Enter: the text as typed (the caller skips an unchanged one). */
  onSave(text: string): void;
  /** After save or cancel: the focus goes back. */
  onClosed(): void;
}

export class NoteBox {
  readonly element: HTMLFormElement;
  private readonly label: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly toggles: HTMLElement;
  private options: NoteBoxOptions | null = null;
  /** What the box is for (an item id, or null for the query); undefined when closed. */
  target: string | null | undefined = undefined;

  constructor(className: string) {
    this.element = make("form", `xmw-note-box ${className}`);
    this.element.hidden = true;
    this.element.setAttribute(SUPPRESS, "true");
    this.label = make("label", "xmw-note-label");
    this.input = make("textarea", "xmw-note-input");
    this.input.rows = 3;
    this.input.maxLength = MAX_NOTE;
    this.input.spellcheck = true;
    this.input.setAttribute(SUPPRESS, "true");
    this.input.placeholder = "note (Enter saves · Shift+Enter new line · Esc cancels)";
    this.toggles = make("div", "xmw-note-flags");
    this.toggles.setAttribute("role", "group");
    this.toggles.setAttribute("aria-label", "flags of the query");
    const hint = make("div", "xmw-note-hint", "Enter saves · Shift+Enter new line · Esc cancels");
    this.label.append(make("span", "xmw-note-title"), this.input);
    this.element.append(this.label, this.toggles, hint);
    // a text area dragged taller reaches further down: the room above the tiles follows it
    if (typeof ResizeObserver === "function") new ResizeObserver(() => this.isOpen && this.fit()).observe(this.input);
    this.element.addEventListener("keydown", (event) => this.onKey(event));
    this.element.addEventListener("submit", (event) => event.preventDefault());
    // a click in the box must not reach a tile's own click handlers
    this.element.addEventListener("pointerdown", (event) => event.stopPropagation());
    this.element.addEventListener("click", (event) => event.stopPropagation());
  }

  get isOpen(): boolean {
    return !this.element.hidden;
  }

  /** Open inside `host` (a tile, or the header's line) for `target`, with the text focused. */
  open(host: HTMLElement, target: string | null, options: NoteBoxOptions): void {
    this.options = options;
    this.target = target;
    (this.label.firstChild as HTMLElement).textContent = options.label;
    this.input.value = options.text ?? "";
    this.input.setAttribute("aria-label", `${options.label}: Enter saves, Shift+Enter new line, Escape cancels`);
    this.renderToggles(options.toggles ?? []);
    if (this.element.parentElement !== host) host.append(this.element);
    this.input.style.height = ""; // a height dragged last time is not this note's
    this.element.hidden = false;
    this.fit();
    this.input.focus({ preventScroll: true });
    this.input.setSelectionRange(this.input.value.length, this.input.value.length);
    const shown = options.reveal ?? this.element;
    if (typeof shown.scrollIntoView === "function") shown.scrollIntoView({ block: "nearest" });
  }

  /** Make room above `above` for what of the box reaches below its top (none: no room taken). */
  private fit(): void {
    const host = this.element.parentElement;
    const above = this.options?.above;
    if (!host || !above) return;
    host.style.height = "";
    const below = this.element.getBoundingClientRect().bottom - above.getBoundingClientRect().top;
    if (below > 0) host.style.height = `${Math.ceil(below)}px`;
  }

  /** Show the query's flags as they are now (after a toggle, or an ack). */
  setToggles(toggles: NoteToggle[]): void {
    if (this.isOpen && this.options?.toggles) this.renderToggles(toggles);
  }

  /** Close without saving and without moving the focus (the page under it went). */
  dismiss(): void {
    if (this.options?.above && this.element.parentElement) this.element.parentElement.style.height = "";
    this.element.hidden = true;
    this.options = null;
    this.target = undefined;
    this.element.remove();
  }

  private finish(save: boolean): void {
    const options = this.options;
    if (!options) return;
    const text = this.input.value;
    this.dismiss();
    if (save) options.onSave(text);
    options.onClosed();
  }

  private renderToggles(toggles: NoteToggle[]): void {
    // a toggle that had the focus keeps it (Space on it re-renders the buttons)
    const active = document.activeElement;
    const focused = active instanceof HTMLElement && this.toggles.contains(active) ? active.dataset.flag : undefined;
    const buttons = toggles.map((toggle) => {
      const button = make("button", "xmw-note-flag");
      button.type = "button";
      button.setAttribute(SUPPRESS, "true");
      button.setAttribute("aria-pressed", toggle.on ? "true" : "false");
      button.dataset.flag = toggle.name;
      if (toggle.key) button.dataset.key = toggle.key;
      button.title = toggle.definition || toggle.name;
      button.append(make("span", "xmw-note-flag-mark", toggle.on ? "☑" : "☐"), make("span", "", toggle.name));
      button.addEventListener("click", () => this.options?.onToggle?.(toggle.name, !toggle.on));
      return button;
    });
    this.toggles.replaceChildren(...buttons);
    this.toggles.hidden = buttons.length === 0;
    this.fit();
    buttons.find((button) => focused !== undefined && button.dataset.flag === focused)?.focus({ preventScroll: true });
  }

  private onKey(event: KeyboardEvent): void {
    // Typing here is the box's: not the grid's keys, not JupyterLab's shortcuts.
    event.stopPropagation();
    if (event.isComposing) return;
    if (event.key === "Escape") {
      event.preventDefault();
      this.finish(false);
    } else if (event.key === "Enter" && !event.shiftKey && event.target === this.input) {
      event.preventDefault();
      this.finish(true);
    }
  }
}
