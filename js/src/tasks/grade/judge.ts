/**
 * The judgement keys of the relevance grid (grade, nudge, best, none relevant, flags, notes, undo):
 * each key changes the view at once and goes into a judge batch with its active time; its ack adopts
 * the stored states and shows the kernel's notice (../round-trip.ts, as in the picker).
 */

import type { ActiveClock } from "../../shell/activity";
import type { JudgeBatcher } from "../../shell/batch";
import { nextUnjudged } from "../../shell/focus";
import type { Action } from "../../shell/keyboard";
import type { RequestIds } from "../../shell/prefetch";
import { BROKEN_MEDIA, type JudgeAction, type ScaleSpec } from "../../shell/protocol";
import { activeDuration, RoundTrip } from "../round-trip";
import { flagsFor } from "./flags";
import type { Change, JudgementState, Marks, QueryState } from "./state";
import type { TileBoard, TileHandlers } from "./tiles";

/** What the judgement keys need of the view around them. */
export interface ViewContext {
  store: JudgementState;
  board: TileBoard;
  batcher: JudgeBatcher;
  clock: ActiveClock;
  ids: RequestIds;
  scale(): ScaleSpec;
  now(): number;
  /** The query on screen, or null while its page loads. */
  view(): QueryState | null;
  current(): number;
  hasFocus(): boolean;
  /** advance_on_grade */
  advance(): boolean;
  changed(changes: Array<Change | null>): void;
  focus(moveDomFocus: boolean, scroll: boolean): void;
  /** Go to query `index`, focusing `item` once it is shown. */
  goTo(index: number, item: { query_id: string; item_id: string } | null): void;
  notice(text: string, kind: "info" | "refused" | "done"): void;
}

export class Judge {
  readonly tileHandlers: TileHandlers;
  /** Undo, and what comes back for the requests (acks, errors). */
  readonly trip: RoundTrip<Marks>;

  constructor(private readonly ctx: ViewContext) {
    this.trip = new RoundTrip(ctx, ctx.store, {
      changed: (changes) => ctx.changed(changes),
      focusOn: (itemId) => this.focusOn(itemId),
      shownQueryId: () => ctx.view()?.query_id ?? null,
    });
    const at = (itemId: string): number => ctx.view()?.order.indexOf(itemId) ?? -1;
    const byHand = (itemId: string, then: (position: number) => void): void => {
      const position = at(itemId);
      if (position < 0) return;
      ctx.board.focusIndex = position;
      ctx.board.setBestTarget(null);
      ctx.focus(true, false);
      then(position);
    };
    this.tileHandlers = {
      onGrade: (itemId, value) => byHand(itemId, (position) => this.grade(position, value, ctx.now(), false)),
      onBest: (itemId) => byHand(itemId, (position) => this.toggleBest(position, ctx.now())),
      onBroken: (itemId) => byHand(itemId, (position) => this.toggleFlag(position, ctx.now())),
    };
  }

  /** A new page is on screen: its first duration counts from now (while the widget has focus). */
  pageShown(at: number): void {
    this.ctx.clock.restart(at);
  }

  /** The first candidate neither graded nor flagged broken (0 when all are). */
  firstOpen(): number {
    return this.isOpen(0) ? 0 : this.nextOpen(0);
  }

  private isOpen(position: number): boolean {
    const query = this.ctx.view();
    const item = query?.items.get(query.order[position]);
    return !!item && item.relevance === null && !item.flags.includes(BROKEN_MEDIA);
  }

  /** The next candidate after `from` that is neither graded nor flagged broken (wrapping). */
  nextOpen(from: number): number {
    const query = this.ctx.view();
    if (!query) return from;
    return nextUnjudged(
      from,
      query.order.map((_, position) => !this.isOpen(position)),
    );
  }

  perform(action: Action, started: number): void {
    const board = this.ctx.board;
    switch (action.type) {
      case "grade":
        this.grade(board.focusIndex, action.value, started, true);
        return;
      case "nudge":
        this.nudge(action.delta, started);
        return;
      case "best":
        this.toggleBest(board.bestIndex, started);
        return;
      case "none-relevant":
        this.toggleNone(started);
        return;
      case "flag": {
        // broken media handles the candidate, as a grade does: the focus moves on the same way,
        // so that "2 m 1" grades the tile after the broken one (clearing the flag stays put)
        const position = board.focusIndex;
        if (this.textOnly(position)) return;
        if (this.toggleFlag(position, started) && this.ctx.advance()) {
          this.ctx.board.setBestTarget(null);
          this.moveOn(position);
        }
        return;
      }
      case "undo":
        // the b target goes with the change it was about
        this.ctx.board.setBestTarget(null);
        this.trip.undo(started);
        return;
    }
  }

  private submit(action: JudgeAction): void {
    this.ctx.batcher.submit(action);
  }

  private candidate(position: number): { query: QueryState; item_id: string } | null {
    const query = this.ctx.view();
    const itemId = query?.order[position];
    return query && itemId !== undefined ? { query, item_id: itemId } : null;
  }

  /**
   * Refuses `m` on a text-only candidate (its tile has no "broken?" button): broken media is
   * for an image, audio or video that does not load; a text is graded. Clearing a flag that is
   * there (set before, or by another program) stays allowed.
   */
  private textOnly(position: number): boolean {
    const target = this.candidate(position);
    const tile = this.ctx.board.tiles[position];
    if (!target || !tile || tile.broken || !this.ctx.scale().flags.includes(BROKEN_MEDIA)) return false;
    if (target.query.items.get(target.item_id)?.flags.includes(BROKEN_MEDIA)) return false;
    this.ctx.notice(
      `candidate ${position + 1} is text only: m (broken media) is for an image, audio or video that does not load; grade the text`,
      "refused",
    );
    return true;
  }

  private duration(started: number): number {
    return activeDuration(this.ctx.clock, started);
  }

  private grade(position: number, relevance: number, started: number, advance: boolean): void {
    const target = this.candidate(position);
    if (!target) return;
    const { query, item_id } = target;
    const requestId = this.ctx.ids.next();
    this.ctx.changed([this.ctx.store.grade(query.query_id, item_id, relevance, requestId, started)]);
    // `b` now means this tile, even though the focus goes on (R3: best needs a grade)
    this.ctx.board.setBestTarget(position);
    if (advance && this.ctx.advance()) this.moveOn(position);
    const duration_ms = this.duration(started);
    this.submit({ op: "grade", request_id: requestId, query_id: query.query_id, item_id, relevance, duration_ms });
  }

  /** advance_on_grade: the focus goes on from `position` to the next candidate still open. */
  private moveOn(position: number): void {
    this.ctx.board.focusIndex = this.nextOpen(position);
    this.ctx.focus(this.ctx.hasFocus(), true);
  }

  private nudge(delta: 1 | -1, started: number): void {
    const position = this.ctx.board.focusIndex;
    const target = this.candidate(position);
    if (!target) return;
    const relevance = target.query.items.get(target.item_id)?.relevance ?? null;
    const s = this.ctx.scale();
    let value: number;
    if (s.continuous) {
      const minimum = s.minimum ?? 0;
      const maximum = s.maximum ?? 100;
      const stepSize = s.step ?? 1;
      value = relevance === null ? minimum : Math.min(maximum, Math.max(minimum, relevance + delta * stepSize));
      value = Number(value.toFixed(10));
    } else {
      if (!s.levels.length) return;
      const at = s.levels.findIndex((level) => level.value === relevance);
      value = s.levels[at < 0 ? 0 : Math.min(s.levels.length - 1, Math.max(0, at + delta))].value;
    }
    if (value !== relevance) this.grade(position, value, started, false);
  }

  private toggleBest(position: number, started: number): void {
    const target = this.candidate(position);
    if (!target) return;
    const { query, item_id } = target;
    const best = !query.items.get(item_id)?.best;
    const requestId = this.ctx.ids.next();
    this.ctx.changed([this.ctx.store.pickBest(query.query_id, item_id, best, requestId, started)]);
    const duration_ms = this.duration(started);
    this.submit({ op: "best", request_id: requestId, query_id: query.query_id, item_id, best, duration_ms });
  }

  private toggleNone(started: number): void {
    const query = this.ctx.view();
    if (!query) return;
    const none = !query.marks.none.value;
    const requestId = this.ctx.ids.next();
    this.ctx.changed([this.ctx.store.setNoneRelevant(query.query_id, none, requestId, started)]);
    const duration_ms = this.duration(started);
    this.submit({ op: "none", request_id: requestId, query_id: query.query_id, none_relevant: none, duration_ms });
  }

  /**
   * Toggle `flag` on the candidate at `position` (`wanted`: set or clear it rather than toggle).
   * Returns whether the flag was set (false: cleared, or nothing done).
   */
  toggleFlag(position: number, started: number, flag = BROKEN_MEDIA, wanted?: boolean): boolean {
    const target = this.candidate(position);
    if (!target) return false;
    const scale = this.ctx.scale();
    if (!scale.flags.includes(flag)) {
      this.ctx.notice(`the scale ${JSON.stringify(scale.name)} has no ${JSON.stringify(flag)} flag`, "refused");
      return false;
    }
    if (!flagsFor(scale, "candidate").includes(flag)) {
      this.ctx.notice(`the flag ${JSON.stringify(flag)} is for the query, not for a candidate`, "refused");
      return false;
    }
    if (wanted !== undefined && target.query.items.get(target.item_id)?.flags.includes(flag) === wanted) return false;
    const { query, item_id } = target;
    const on = !query.items.get(item_id)?.flags.includes(flag);
    const requestId = this.ctx.ids.next();
    this.ctx.changed([this.ctx.store.flag(query.query_id, item_id, flag, on, requestId, started)]);
    const duration_ms = this.duration(started);
    this.submit({ op: "flag", request_id: requestId, query_id: query.query_id, item_id, flag, on, duration_ms });
    return on;
  }

  /** Toggle one of the query's own flags (`on`: set or clear it rather than toggle). */
  toggleQueryFlag(flag: string, started: number, on?: boolean): void {
    const query = this.ctx.view();
    if (!query) return;
    if (!flagsFor(this.ctx.scale(), "query").includes(flag)) {
      this.ctx.notice(`the flag ${JSON.stringify(flag)} cannot be set on a query`, "refused");
      return;
    }
    const flags = query.marks.own.value.flags;
    const value = on ?? !flags.includes(flag);
    if (flags.includes(flag) === value) return;
    const requestId = this.ctx.ids.next();
    this.ctx.changed([this.ctx.store.queryFlag(query.query_id, flag, value, requestId, started)]);
    const duration_ms = this.duration(started);
    this.submit({
      op: "flag",
      request_id: requestId,
      query_id: query.query_id,
      item_id: null,
      flag,
      on: value,
      duration_ms,
    });
  }

  /** Save `text` as the note on `itemId` (null: on the query); "" removes it; unchanged: nothing. */
  saveNote(itemId: string | null, text: string, started: number): void {
    const query = this.ctx.view();
    if (!query || (itemId !== null && !query.items.has(itemId))) return;
    const note = text.trim();
    const before = itemId === null ? query.marks.own.value.note : (query.items.get(itemId)?.note ?? null);
    if (note === (before ?? "")) return;
    const requestId = this.ctx.ids.next();
    this.ctx.changed([this.ctx.store.setNote(query.query_id, itemId, note, requestId, started)]);
    const duration_ms = this.duration(started);
    this.submit({ op: "note", request_id: requestId, query_id: query.query_id, item_id: itemId, note, duration_ms });
  }

  focusOn(itemId: string | null): void {
    const at = itemId === null ? -1 : (this.ctx.view()?.order.indexOf(itemId) ?? -1);
    if (at < 0) return;
    this.ctx.board.focusIndex = at;
    this.ctx.focus(this.ctx.hasFocus(), true);
  }
}
