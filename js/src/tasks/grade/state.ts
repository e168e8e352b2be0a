/**
 * Optimistic judgement state of one view: what the annotator sees, ahead of the store.
 *
 * The machinery (pending requests, acks adopted, refusals reverted, undo) is ../optimistic.ts; here
 * are the grading task's values and what each key changes, with the side effects the kernel's rules
 * will apply, so that the screen never shows a contradiction (e.g. a relevant grade clears "none
 * relevant"). Rules: xmwidgets/widgets/_grade_rules.py. Besides the candidates' grades, best picks,
 * flags and notes, a query has its own flags and note ("ambiguous-query", "which reading I chose"),
 * with their own save state.
 */

import { BROKEN_MEDIA, type ScaleSpec } from "../../shell/protocol";
import { NONE_RELEVANT, OptimisticState, type StateTypes } from "../optimistic";

type Values = {
  relevance: number | null;
  best: boolean;
  flags: string[];
  /** The annotator's note (null: none). */
  note: string | null;
};

/** A query's own flags and note. */
export interface Own {
  flags: string[];
  note: string | null;
}

/** The query's own marks: "none relevant", and its flags and note (each with its save state). */
export interface Marks {
  none: boolean;
  own: Own;
}

type Types = StateTypes<Values, Marks, "unjudged">;
export type TileState = Types["tile"];
export type ItemState = Types["item"];
export type QueryState = Types["query"];
/** What a change touched, so that the view updates only those tiles (marks "own": the query's line). */
export type Change = Types["change"];

/** State after the store has it: judged items are "saved", the rest "unjudged". */
function settled(item: Values): "saved" | "unjudged" {
  return item.relevance !== null || item.best || item.flags.length > 0 || item.note ? "saved" : "unjudged";
}

const copyOwn = (own: Own): Own => ({ flags: [...own.flags], note: own.note });
const sameOwn = (a: Own, b: Own): boolean => a.note === b.note && a.flags.join(",") === b.flags.join(",");
const toggled = (flags: string[], flag: string, on: boolean): string[] =>
  on ? [...flags.filter((f) => f !== flag), flag] : flags.filter((f) => f !== flag);

const isBroken = (item: Values | undefined): boolean => !!item?.flags.includes(BROKEN_MEDIA);

const RULES: Types["rules"] = {
  item: {
    values: (item) => ({ relevance: item.relevance, best: item.best, flags: [...item.flags], note: item.note }),
    settled,
    fromPage: (candidate) => ({
      relevance: candidate.relevance,
      best: candidate.best,
      flags: [...(candidate.flags ?? [])],
      note: candidate.note ?? null,
    }),
    fromAck: (stored, shown) => ({
      relevance: stored.relevance,
      best: stored.best,
      flags: [...(stored.flags ?? [])],
      // an older kernel sends no note: keep what is shown
      note: stored.note === undefined ? shown.note : stored.note,
    }),
  },
  marks: {
    none: NONE_RELEVANT,
    own: {
      copy: copyOwn,
      same: sameOwn,
      fromPage: (page) => ({ flags: [...(page.query_flags ?? [])], note: page.query_note ?? null }),
      fromAck: (ack) =>
        ack.query_flags === undefined ? undefined : { flags: [...ack.query_flags], note: ack.query_note ?? null },
    },
  },
};

export class JudgementState extends OptimisticState<Values, Marks, "unjudged"> {
  /** The scale's lowest level (continuous: its minimum): a grade above it is "relevant". */
  lowest = 0;

  constructor(undoLimit = 500) {
    super(RULES, undoLimit);
  }

  setScale(scale: ScaleSpec): void {
    this.lowest = scale.continuous ? (scale.minimum ?? 0) : (scale.levels[0]?.value ?? 0);
  }

  isRelevant(item: Values | undefined): boolean {
    return !!item && item.relevance !== null && item.relevance > this.lowest && !isBroken(item);
  }

  /** Judged = graded or flagged broken-media; done = all judged, or marked none relevant. */
  counts(query: QueryState): { judged: number; total: number; done: boolean } {
    let judged = 0;
    for (const id of query.order) {
      const item = query.items.get(id);
      if (item && (item.relevance !== null || isBroken(item))) judged += 1;
    }
    const total = query.order.length;
    return { judged, total, done: total > 0 && (judged === total || query.marks.none.value) };
  }

  /** Set a relevance optimistically (R1: a relevant grade clears "none relevant"; R2, R5). */
  grade(queryId: string, itemId: string, relevance: number, requestId: number, started = 0): Change | null {
    const query = this.require(queryId);
    const entry = this.begin(query, itemId, requestId, started);
    const item = this.touch(entry, query, itemId);
    item.relevance = relevance;
    item.flags = item.flags.filter((flag) => flag !== BROKEN_MEDIA);
    if (relevance <= this.lowest) item.best = false;
    if (query.marks.none.value && relevance > this.lowest) this.setMark(entry, query, "none", false);
    return this.finish(entry);
  }

  /**
   * Make `itemId` the best match (clearing any other), or clear it. Best on a candidate that is not
   * relevant will be refused by the kernel (R3): nothing changes on screen, the notice will say why.
   */
  pickBest(queryId: string, itemId: string, best: boolean, requestId: number, started = 0): Change | null {
    const query = this.require(queryId);
    const entry = this.begin(query, itemId, requestId, started);
    if (best && !this.isRelevant(query.items.get(itemId))) return this.finish(entry);
    const changed = best ? query.order.filter((id) => id === itemId || query.items.get(id)?.best) : [itemId];
    for (const id of changed) this.touch(entry, query, id).best = best && id === itemId;
    return this.finish(entry);
  }

  /**
   * Mark or unmark "none relevant". Marking a query with relevant grades is refused (R4): nothing
   * changes on screen. Otherwise marking grades every ungraded, unflagged candidate at the lowest
   * level and clears the best pick, as the kernel does; un-marking clears the mark only.
   */
  setNoneRelevant(queryId: string, none: boolean, requestId: number, started = 0): Change | null {
    const query = this.require(queryId);
    const entry = this.begin(query, null, requestId, started);
    if (none && query.order.some((id) => this.isRelevant(query.items.get(id)))) return this.finish(entry);
    for (const id of none ? query.order : []) {
      const item = query.items.get(id);
      if (!item || !(item.best || (item.relevance === null && !isBroken(item)))) continue;
      this.touch(entry, query, id).best = false;
      if (item.relevance === null) item.relevance = this.lowest;
    }
    this.setMark(entry, query, "none", none);
    return this.finish(entry);
  }

  /** Set or clear a flag; broken-media takes the candidate out of the grades and the best pick (R5). */
  flag(queryId: string, itemId: string, flag: string, on: boolean, requestId: number, started = 0): Change | null {
    const query = this.require(queryId);
    const entry = this.begin(query, itemId, requestId, started);
    const item = this.touch(entry, query, itemId);
    item.flags = toggled(item.flags, flag, on);
    if (on && flag === BROKEN_MEDIA) {
      item.relevance = null;
      item.best = false;
    }
    return this.finish(entry);
  }

  /** Set (or, with "" or null, remove) the note on a candidate, or on the query when `itemId` is null. */
  setNote(queryId: string, itemId: string | null, note: string | null, requestId: number, started = 0): Change | null {
    const query = this.require(queryId);
    const text = note?.trim() || null; // the kernel strips it too
    const entry = this.begin(query, itemId, requestId, started);
    if (itemId === null) this.setMark(entry, query, "own", { flags: [...query.marks.own.value.flags], note: text });
    else this.touch(entry, query, itemId).note = text;
    return this.finish(entry);
  }

  /** Set or clear one of the query's own flags. */
  queryFlag(queryId: string, flag: string, on: boolean, requestId: number, started = 0): Change | null {
    const query = this.require(queryId);
    const entry = this.begin(query, null, requestId, started);
    const own = query.marks.own.value;
    this.setMark(entry, query, "own", { flags: toggled(own.flags, flag, on), note: own.note });
    return this.finish(entry);
  }
}
