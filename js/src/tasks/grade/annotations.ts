/**
 * The grading body's flags, notes and rubric panel: what the keys of flags.ts do on screen.
 *
 * - A flag key toggles its flag on the focused candidate or on the query (judge.ts sends it).
 * - `e` / `E` open the note box (notebox.ts) over the focused tile / under the query; Enter saves.
 * - The query's own flags and note show as a line in the header (marks.ts), under the query.
 * - `r` shows the rubric panel (shell/rubric.ts) beside the tiles: right of them on a wide widget,
 *   above them on a narrow one (a container query in widgets.css). Closed, it takes no room and the
 *   tiles are laid out as without it. It stays open across queries (it is not part of a page).
 */

import { make } from "../../shell/dom";
import type { Action } from "../../shell/keyboard";
import type { ScaleSpec } from "../../shell/protocol";
import { rubricPanel } from "../../shell/rubric";
import {
  FLAG,
  flagSpecs,
  flagsFor,
  missingFlagNotice,
  NO_FLAG_KEY,
  NOTE,
  NOTE_KEY,
  notesOn,
  QUERY_FLAG,
  QUERY_NOTE,
  QUERY_NOTE_KEY,
  RUBRIC,
} from "./flags";
import type { Judge } from "./judge";
import { MarkLine } from "./marks";
import { NoteBox, type NoteToggle } from "./notebox";
import type { QueryState } from "./state";
import type { TileBoard } from "./tiles";

export interface AnnotationContext {
  board: TileBoard;
  judge: () => Judge;
  scale(): ScaleSpec;
  now(): number;
  view(): QueryState | null;
  /** Give the keyboard back to the focused tile, into view (a box or panel may have scrolled the
   * view away from it). */
  refocus(): void;
  notice(text: string, kind: "info" | "refused" | "done"): void;
}

export class Annotations {
  /** The body's element: the layout of the rubric panel and the tiles. */
  readonly element = make("div", "xmw-grade-body");
  /** The header's line under the query: its flags and note, and its note box. */
  readonly headerElement = make("div", "xmw-grade-query-extra");
  private readonly layout = make("div", "xmw-grade-layout");
  private readonly panel = make("aside", "xmw-rubric-panel");
  private panelScale: ScaleSpec | null = null;
  readonly queryMarks: MarkLine;
  private readonly tileBox = new NoteBox("xmw-note-box-tile");
  private readonly queryBox = new NoteBox("xmw-note-box-query");

  constructor(private readonly ctx: AnnotationContext) {
    this.panel.hidden = true;
    this.panel.tabIndex = -1;
    this.panel.setAttribute("aria-label", "rubric");
    this.panel.setAttribute("data-lm-suppress-shortcuts", "true");
    this.element.dataset.rubric = "closed";
    this.layout.append(this.panel, ctx.board.element);
    this.element.append(this.layout);
    const handlers = {
      removeFlag: (itemId: string | null, flag: string) => this.removeFlag(itemId, flag),
      openNote: (itemId: string | null) => (itemId === null ? this.openQueryNote() : this.openNote(itemId)),
    };
    ctx.board.markHandlers = handlers;
    this.queryMarks = new MarkLine(null, handlers, "xmw-marks xmw-query-marks");
  }

  get rubricOpen(): boolean {
    return !this.panel.hidden;
  }

  /** A task action of flags.ts; false when it is not one of them. */
  perform(action: Action, started: number): boolean {
    if (action.type !== "task") return false;
    const judge = this.ctx.judge();
    switch (action.name) {
      case FLAG:
        judge.toggleFlag(this.ctx.board.focusIndex, started, String(action.value));
        return true;
      case QUERY_FLAG:
        judge.toggleQueryFlag(String(action.value), started);
        return true;
      case NOTE: {
        const itemId = this.ctx.view()?.order[this.ctx.board.focusIndex];
        if (itemId !== undefined) this.openNote(itemId);
        return true;
      }
      case QUERY_NOTE:
        this.openQueryNote();
        return true;
      case RUBRIC:
        this.toggleRubric();
        return true;
      case NO_FLAG_KEY:
        this.ctx.notice(missingFlagNotice(String(action.value), this.ctx.scale()), "refused");
        return true;
      default:
        return false;
    }
  }

  /** A page is on screen (`samePage`: the same query again, its tiles rebuilt). */
  shown(samePage: boolean): void {
    if (!samePage) {
      this.tileBox.dismiss();
      this.queryBox.dismiss();
    } else if (this.tileBox.isOpen) {
      // the tiles were rebuilt: the box goes to the new tile of its candidate, text and all
      const at = this.ctx.view()?.order.indexOf(this.tileBox.target ?? "") ?? -1;
      const tile = at >= 0 ? this.ctx.board.tile(at) : undefined;
      if (tile) tile.append(this.tileBox.element);
      else this.tileBox.dismiss();
    }
    this.updateQuery();
    if (this.rubricOpen && this.panelScale !== this.ctx.scale()) this.fillPanel();
  }

  /** The page is gone (the next one is loading). */
  cleared(): void {
    this.tileBox.dismiss();
    this.queryBox.dismiss();
    this.queryMarks.update([], null);
  }

  /** The query's own flags or note changed (a key, an ack, an undo). */
  updateQuery(): void {
    const query = this.ctx.view();
    if (!query) {
      this.queryMarks.update([], null);
      return;
    }
    const own = query.marks.own;
    this.queryMarks.update(own.value.flags, own.value.note, [], own.state);
    this.headerElement.dataset.state = own.state;
    this.queryBox.setToggles(this.queryToggles(query));
  }

  private removeFlag(itemId: string | null, flag: string): void {
    const judge = this.ctx.judge();
    if (itemId === null) {
      judge.toggleQueryFlag(flag, this.ctx.now(), false);
      return;
    }
    const at = this.ctx.view()?.order.indexOf(itemId) ?? -1;
    if (at < 0) return;
    this.ctx.board.focusIndex = at;
    judge.toggleFlag(at, this.ctx.now(), flag, false);
    this.ctx.refocus();
  }

  private openNote(itemId: string): void {
    const query = this.ctx.view();
    const at = query?.order.indexOf(itemId) ?? -1;
    const tile = at >= 0 ? this.ctx.board.tile(at) : undefined;
    if (!query || !tile) return;
    if (!notesOn(this.ctx.scale())) {
      this.ctx.notice("this rubric takes no notes", "refused");
      return;
    }
    this.queryBox.dismiss();
    this.ctx.board.focusIndex = at;
    this.ctx.board.focus(at, false, false);
    this.tileBox.open(tile, itemId, {
      label: `note on candidate ${at + 1}`,
      text: query.items.get(itemId)?.note ?? null,
      onSave: (text) => this.ctx.judge().saveNote(itemId, text, this.ctx.now()),
      onClosed: () => this.ctx.refocus(),
    });
  }

  private openQueryNote(): void {
    const query = this.ctx.view();
    if (!query) return;
    if (!notesOn(this.ctx.scale())) {
      this.ctx.notice("this rubric takes no notes", "refused");
      return;
    }
    this.tileBox.dismiss();
    this.queryBox.open(this.headerElement, null, {
      label: `note on query ${query.index + 1}`,
      text: query.marks.own.value.note,
      toggles: this.queryToggles(query),
      // it hangs over the header's status lines and legend, over no tile; it opens with the query
      // in view (opened from down the tiles, it was under the pinned bar or the notebook's toolbar)
      above: this.element,
      reveal: this.headerElement.closest<HTMLElement>(".xmw-header") ?? undefined,
      onToggle: (flag, on) => this.ctx.judge().toggleQueryFlag(flag, this.ctx.now(), on),
      onSave: (text) => this.ctx.judge().saveNote(null, text, this.ctx.now()),
      onClosed: () => this.ctx.refocus(),
    });
  }

  private queryToggles(query: QueryState): NoteToggle[] {
    const names = new Set(flagsFor(this.ctx.scale(), "query"));
    return flagSpecs(this.ctx.scale())
      .filter((spec) => names.has(spec.name))
      .map((spec) => ({ ...spec, on: query.marks.own.value.flags.includes(spec.name) }));
  }

  private toggleRubric(): void {
    const open = !this.rubricOpen;
    if (open) this.fillPanel();
    this.panel.hidden = !open;
    this.element.dataset.rubric = open ? "open" : "closed";
    if (open) {
      // on a narrow widget the panel opens above the tiles, out of view when the focus is far down
      // (800x600: 400-1700 px above the window): it comes into view, and r again goes back. On a
      // wide one it is a column beside the tiles, which then take fewer columns and grow down (the
      // focused one went to y 982-1232 of 800): the focused tile stays in view.
      const beside = typeof getComputedStyle === "function" && getComputedStyle(this.layout).flexDirection === "row";
      if (beside) this.ctx.refocus();
      else if (typeof this.panel.scrollIntoView === "function") this.panel.scrollIntoView({ block: "nearest" });
    } else {
      this.panel.replaceChildren();
      this.panelScale = null;
      this.ctx.refocus();
    }
  }

  private fillPanel(): void {
    const scale = this.ctx.scale();
    this.panelScale = scale;
    const keys: [string, string] | null = notesOn(scale) ? [NOTE_KEY, QUERY_NOTE_KEY] : null;
    const close = make("div", "xmw-rubric-close", "r hides the rubric");
    this.panel.replaceChildren(...rubricPanel(scale, flagSpecs(scale), keys), close);
  }
}
