/**
 * What a tile and the header show of flags and notes: a chip per flag (its name as text, or its
 * key where a narrow tile has no room for the name; a × button that removes it) and the note (an
 * icon with the text shortened, the whole text in the title). On a tile the line sits in the row
 * under the level buttons (it never makes the tile taller; a chip cut short keeps its name in its
 * title) and is there only when the candidate has a flag or a note; the broken-media flag keeps
 * its own button on tiles that have one. The chips sit in a box one line high where those without
 * room go to a hidden line, never over the note's ✎; a "+n" mark says how many, their names in
 * its title. In the header the same line shows the query's own flags and note (all of them: it
 * wraps).
 */

import { make, setText } from "../../shell/dom";
import { SUPPRESS } from "../../shell/media";
import { BROKEN_MEDIA, type FlagSpec } from "../../shell/protocol";
import type { TileState } from "./state";

/** Longest note text shown on a tile or in the header; the rest is in the title. */
export const NOTE_SHOWN = 40;

/** `text` cut to `limit` characters (on a word boundary when there is one near), with "…". */
export function shorten(text: string, limit = NOTE_SHOWN): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= limit) return flat;
  const cut = flat.slice(0, limit - 1);
  const space = cut.lastIndexOf(" ");
  return `${space > limit * 0.6 ? cut.slice(0, space) : cut}…`;
}

/**
 * What a chip shows of `flag` where its name has no room: its key (the one that sets it, "D"), or
 * for a flag without one the initials of its words ("too-dark": "td").
 */
export function flagShort(flag: string, specs: readonly FlagSpec[] = []): string {
  const key = specs.find((spec) => spec.name === flag)?.key;
  if (key) return key;
  const words = flag.split(/[\s_-]+/).filter(Boolean);
  return words.length > 1
    ? words
        .map((word) => word[0])
        .join("")
        .slice(0, 3)
    : flag.slice(0, 3);
}

export interface MarkHandlers {
  /** A chip's × was clicked: remove `flag` (item null: from the query). */
  removeFlag(itemId: string | null, flag: string): void;
  /** The note mark was clicked: open the note box (item null: the query's). */
  openNote(itemId: string | null): void;
}

/** The line of chips and note of one candidate, or of the query (`itemId` null). */
export class MarkLine {
  readonly element: HTMLElement;
  /** The chips, one line high: a chip without room wraps to a line that is not shown. */
  private readonly chips = make("span", "xmw-marks-chips");
  /** "+n": the chips not shown, their flags in its title. */
  private readonly more = make("span", "xmw-marks-more");
  private shown = "";
  private frame = 0;
  /** What "+n" says, title included: a new set of hidden flags may keep the same count. */
  private said = "";

  constructor(
    private readonly itemId: string | null,
    private readonly handlers: MarkHandlers,
    className = "xmw-marks",
    /** The rubric's flags, for the chips' short forms (their keys). */
    private readonly specs: readonly FlagSpec[] = [],
  ) {
    this.element = make("div", className);
    this.element.hidden = true;
    this.more.hidden = true;
    this.element.setAttribute("aria-label", itemId === null ? "flags and note of the query" : "flags and note");
    // the room of the chips changes with the tile's width (a resized window, the notebook's
    // columns), not only with the flags: count again then, or "+n" speaks of the old width
    if (typeof ResizeObserver === "function") new ResizeObserver(() => this.countHiddenSoon()).observe(this.chips);
  }

  /**
   * Show `flags` (those in `hide` are left out: a tile's broken-media button says it) and `note`;
   * `state` is the save state shown beside them (the query's own line only).
   */
  update(flags: readonly string[], note: string | null, hide: readonly string[] = [], state?: TileState): void {
    const chips = flags.filter((flag) => !hide.includes(flag));
    const key = `${chips.join(",")}\u0000${note ?? ""}\u0000${state ?? ""}`;
    if (key === this.shown) return;
    this.shown = key;
    this.chips.replaceChildren(...chips.map((flag) => this.chip(flag)));
    const children: HTMLElement[] = chips.length ? [this.chips, this.more] : [];
    if (note) {
      const mark = make("button", "xmw-note-mark");
      mark.type = "button";
      mark.tabIndex = -1;
      mark.setAttribute(SUPPRESS, "true");
      mark.title = note;
      mark.setAttribute("aria-label", `note: ${note}`);
      mark.append(make("span", "xmw-note-icon", "✎"), make("span", "xmw-note-text", shorten(note)));
      mark.addEventListener("click", () => this.handlers.openNote(this.itemId));
      children.push(mark);
    }
    if (state === "pending" || state === "error") {
      children.push(make("span", "xmw-marks-state", state === "pending" ? "saving…" : "not saved"));
    }
    this.element.replaceChildren(...children);
    this.element.hidden = children.length === 0;
    this.countHiddenSoon();
    this.element.dataset.flags = chips.join(",");
    if (note) this.element.dataset.note = note;
    else delete this.element.dataset.note;
  }

  /** Count the chips without room in the next frame (layout is read there, not in a key handler). */
  private countHiddenSoon(): void {
    if (this.frame || typeof requestAnimationFrame !== "function") return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      // twice at most: the "+n" mark takes room, which may send one more chip to the hidden line
      for (let pass = 0; pass < 2 && this.countHidden(); pass++);
    });
  }

  /** Show "+n" for the chips below the box's line; true when that changed what is shown. */
  private countHidden(): boolean {
    const box = this.chips.getBoundingClientRect();
    const hidden = [...this.chips.children].filter(
      (chip) => box.height > 0 && chip.getBoundingClientRect().top >= box.bottom - 0.5,
    ) as HTMLElement[];
    const text = hidden.length ? `+${hidden.length}` : "";
    const names = hidden.map((chip) => chip.dataset.flag).join(", ");
    if (`${text}\u0000${names}` === this.said) return false;
    this.said = `${text}\u0000${names}`;
    setText(this.more, text);
    this.more.title = names;
    this.more.setAttribute("aria-label", `also flagged: ${this.more.title}`);
    this.more.hidden = !text;
    return true;
  }

  private chip(flag: string): HTMLElement {
    const chip = make("span", "xmw-chip");
    chip.dataset.flag = flag;
    chip.title = flag;
    const remove = make("button", "xmw-chip-remove", "×");
    remove.type = "button";
    remove.tabIndex = -1;
    remove.setAttribute(SUPPRESS, "true");
    remove.title = `remove the flag “${flag}”`;
    remove.setAttribute("aria-label", remove.title);
    remove.addEventListener("click", (event) => {
      event.stopPropagation();
      this.handlers.removeFlag(this.itemId, flag);
    });
    // a narrow tile draws this instead of the name (CSS; the name stays the accessible text)
    chip.dataset.short = flagShort(flag, this.specs);
    chip.append(make("span", "xmw-chip-name", flag), remove);
    return chip;
  }
}

/** The flags a tile shows as chips: all but broken-media when the tile has its own button for it. */
export function hiddenOnTile(hasBrokenButton: boolean): string[] {
  return hasBrokenButton ? [BROKEN_MEDIA] : [];
}
