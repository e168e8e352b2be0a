/**
 * What one view shows ahead of the store, per query: the machinery the grading and pick tasks share.
 *
 * A key changes the shown values at once (a task's state.ts applies the side effects the kernel's
 * rules will apply, so that the screen never shows a contradiction) and marks them "pending" with
 * the id of the request that carries it. The ack of the batch gives the stored states, which the
 * view adopts: the kernel wins. A refused action is reverted where it still shows. A value with a
 * newer request still in flight keeps its optimistic value until that request's own ack; one whose
 * request failed keeps what was typed and says why. A request that changes nothing here (the kernel
 * will refuse it and its notice says why) is not undone here either.
 * State is kept per query_id for every query seen in this view (a few values each), independent of
 * the page cache, so going back to a query whose page was dropped still shows unsaved work.
 *
 * A task gives its values per candidate and the query's own marks ("none relevant", the query's
 * flags and note), and how a page and an ack carry them (`OptimisticRules`).
 */

import type { Candidate, KernelMessage, Page, QueryAck, StoredState } from "../shell/protocol";

/** Where a shown value stands; `Blank`: the task's name for "nothing stored" (a candidate's tile). */
export type SaveState<Blank extends string = never> = Blank | "pending" | "saved" | "error";

/** Whether the store has a shown value, and which request last changed it. */
export interface Tracking<Blank extends string = never> {
  state: SaveState<Blank>;
  /** Reason shown when state is "error". */
  error: string;
  /** Last request that changed it (0: none). */
  request: number;
}

/** One candidate as shown: the task's values and their tracking. */
export type TrackedItem<V, Blank extends string> = V & Tracking<Blank>;

/** One of the query's own marks as shown. */
export interface Mark<V> extends Tracking {
  value: V;
}

export interface OptimisticQuery<V, M, Blank extends string> {
  query_id: string;
  index: number;
  /** item ids in shown order */
  order: string[];
  items: Map<string, TrackedItem<V, Blank>>;
  marks: { [K in keyof M]: Mark<M[K]> };
}

/** What one request changed, to undo it (z) or revert it (refused). */
export interface Entry<V, M> {
  request_id: number;
  query_id: string;
  index: number;
  /** The candidate the key was about (undo goes back to it); null: the query. */
  item_id: string | null;
  /** The values of the candidates it changed, as they were. */
  before: Array<{ item_id: string; values: V }>;
  /** Every mark's value before the request. */
  marksBefore: M;
  /** The marks it changed. */
  marks: Array<keyof M>;
}

/** What a change touched, so that the view updates only those tiles (and the marks' places). */
export interface Change<M> {
  query_id: string;
  index: number;
  item_ids: string[];
  marks: Array<keyof M>;
}

/** A task's candidate values: how they are copied, read from a page or an ack, and settled. */
export interface ItemRules<V, Blank extends string> {
  /** The values of a shown item, copied (no array shared with it). */
  values(item: V): V;
  /** Its state once the store has it: something stored ("saved") or nothing (`Blank`). */
  settled(values: V): "saved" | Blank;
  fromPage(candidate: Candidate): V;
  /** The stored values an ack reports; `shown`: what is on screen (for fields an older kernel omits). */
  fromAck(stored: StoredState, shown: V): V;
}

/** One of the query's own marks: how it is copied, compared, and read from a page or an ack. */
export interface MarkRules<V> {
  copy(value: V): V;
  same(a: V, b: V): boolean;
  fromPage(page: Page): V;
  /** undefined: the ack does not say (an older kernel); what is shown stays. */
  fromAck(ack: QueryAck): V | undefined;
}

export interface OptimisticRules<V, M, Blank extends string> {
  item: ItemRules<V, Blank>;
  marks: { [K in keyof M]: MarkRules<M[K]> };
}

/** The types of one task's state, from its candidate values `V`, its marks `M` and its blank state. */
export interface StateTypes<V, M, Blank extends string> {
  tile: SaveState<Blank>;
  item: TrackedItem<V, Blank>;
  query: OptimisticQuery<V, M, Blank>;
  change: Change<M>;
  rules: OptimisticRules<V, M, Blank>;
}

/** The "none relevant" mark of a query, as the grading and pick tasks have it. */
export const NONE_RELEVANT: MarkRules<boolean> = {
  copy: (on) => on,
  same: (a, b) => a === b,
  fromPage: (page) => page.none_relevant,
  fromAck: (ack) => ack.none_relevant,
};

type Ack = Extract<KernelMessage, { type: "ack" }>;

const unsettled = (tracked: Tracking<string>): boolean => tracked.state === "pending" || tracked.state === "error";

/**
 * The optimistic state of one view; a task's state class extends it with what each of its keys
 * changes, through `begin`, `touch`, `setMark` and `finish`.
 */
export class OptimisticState<V extends object, M, Blank extends string> {
  readonly queries = new Map<string, OptimisticQuery<V, M, Blank>>();
  readonly undoStack: Array<Entry<V, M>> = [];
  /** Requests not answered yet that changed something here -> what they changed. */
  private readonly entries = new Map<number, Entry<V, M>>();
  private readonly started = new Map<number, number>();
  private readonly markKeys: Array<keyof M>;

  constructor(
    private readonly rules: OptimisticRules<V, M, Blank>,
    private readonly undoLimit = 500,
  ) {
    this.markKeys = Object.keys(rules.marks) as Array<keyof M>;
  }

  /** Merge a page from the kernel: its stored values, except where our own requests are pending or failed. */
  load(page: Page): OptimisticQuery<V, M, Blank> {
    let query = this.queries.get(page.query_id);
    if (!query) {
      const marks = Object.fromEntries(
        this.markKeys.map((key) => [
          key,
          { value: this.rules.marks[key].fromPage(page), state: "saved", error: "", request: 0 },
        ]),
      ) as OptimisticQuery<V, M, Blank>["marks"];
      query = { query_id: page.query_id, index: page.index, order: [], items: new Map(), marks };
      this.queries.set(page.query_id, query);
    }
    query.index = page.index;
    query.order = page.candidates.map((candidate) => candidate.item_id);
    for (const candidate of page.candidates) {
      const item = query.items.get(candidate.item_id);
      if (item && unsettled(item)) continue;
      const values = this.rules.item.fromPage(candidate);
      const tracking: Tracking<Blank> = {
        state: this.rules.item.settled(values),
        error: "",
        request: item?.request ?? 0,
      };
      query.items.set(candidate.item_id, Object.assign(values, tracking));
    }
    for (const key of this.markKeys) {
      const mark = query.marks[key];
      if (unsettled(mark)) continue;
      mark.value = this.rules.marks[key].fromPage(page);
      mark.state = "saved";
    }
    return query;
  }

  /** When a request was started (for the "saved" timing), or null if it is not ours. */
  startedAt(requestId: number): number | null {
    return this.started.get(requestId) ?? null;
  }

  /**
   * Undo the last change of this view optimistically.
   * @returns the entry undone (its query may not be on screen), or null when there is nothing to undo
   *   here (the kernel may still undo an older judgement; its result says which).
   */
  undo(requestId: number, started = 0): { entry: Entry<V, M> | null; change: Change<M> | null } {
    this.started.set(requestId, started);
    const entry = this.undoStack.pop() ?? null;
    if (!entry) return { entry: null, change: null };
    const query = this.queries.get(entry.query_id);
    if (!query) return { entry, change: null };
    // what the screen shows now, to put back should the kernel refuse the undo
    const redo: Entry<V, M> = {
      ...entry,
      request_id: requestId,
      before: entry.before.flatMap(({ item_id }) => {
        const item = query.items.get(item_id);
        return item ? [{ item_id, values: this.rules.item.values(item) }] : [];
      }),
      marksBefore: this.markValues(query),
    };
    const change = this.restore(query, entry, requestId, true);
    this.entries.set(requestId, redo);
    return { entry, change };
  }

  /**
   * Apply an ack: revert our refused actions, then adopt the stored states of every query it names
   * (unless one of our newer requests is still on its way), and mark the batch's values saved.
   */
  ack(message: Ack): Array<Change<M>> {
    const results = message.results ?? [];
    const batch = new Set(results.map((result) => result.request_id));
    const touched = new Map<string, Change<M>>();
    const note = (query: OptimisticQuery<V, M, Blank>, itemIds: string[], marks: Array<keyof M>): void => {
      let change = touched.get(query.query_id);
      if (!change) {
        change = { query_id: query.query_id, index: query.index, item_ids: [], marks: [] };
        touched.set(query.query_id, change);
      }
      for (const id of itemIds) if (!change.item_ids.includes(id)) change.item_ids.push(id);
      for (const key of marks) if (!change.marks.includes(key)) change.marks.push(key);
    };
    for (const result of results) {
      const entry = this.entries.get(result.request_id);
      if (result.status === "refused" && entry) {
        const at = this.undoStack.lastIndexOf(entry);
        if (at >= 0) this.undoStack.splice(at, 1);
        const query = this.queries.get(entry.query_id);
        if (query) {
          const change = this.restore(query, entry, result.request_id, false);
          note(query, change.item_ids, change.marks);
        }
      }
      this.entries.delete(result.request_id);
    }
    const newer = (tracked: Tracking<string>): boolean => tracked.state === "pending" && !batch.has(tracked.request);
    for (const [queryId, queryAck] of Object.entries(message.queries ?? {})) {
      const query = this.queries.get(queryId);
      if (!query) continue;
      const ids: string[] = [];
      for (const stored of queryAck.states) {
        const item = query.items.get(stored.item_id);
        if (!item || newer(item)) continue;
        const values = this.rules.item.fromAck(stored, item);
        Object.assign(item, values, { state: this.rules.item.settled(values), error: "" });
        ids.push(stored.item_id);
      }
      const marks: Array<keyof M> = [];
      for (const key of this.markKeys) {
        const mark = query.marks[key];
        const rule = this.rules.marks[key];
        const value = rule.fromAck(queryAck);
        if (value === undefined || newer(mark)) continue;
        if (!rule.same(value, mark.value) || mark.state !== "saved") marks.push(key);
        Object.assign(mark, { value, state: "saved", error: "" });
      }
      note(query, ids, marks);
    }
    // values of this batch the kernel did not list (it changed nothing there): saved as they are
    for (const query of this.queries.values()) {
      const ids: string[] = [];
      for (const [itemId, item] of query.items) {
        if (item.state === "pending" && batch.has(item.request)) {
          item.state = this.rules.item.settled(item);
          ids.push(itemId);
        }
      }
      const marks = this.markKeys.filter((key) => {
        const mark = query.marks[key];
        if (mark.state !== "pending" || !batch.has(mark.request)) return false;
        mark.state = "saved";
        return true;
      });
      if (ids.length || marks.length) note(query, ids, marks);
    }
    for (const id of batch) this.started.delete(id);
    return [...touched.values()];
  }

  /** Requests failed (an error message): what they changed shows the reason, values as typed. */
  fail(requestIds: Iterable<number>, message: string): Array<Change<M>> {
    const failed = new Set(requestIds);
    for (const id of failed) {
      this.entries.delete(id);
      this.started.delete(id);
    }
    const fails = (tracked: Tracking<string>): boolean => {
      if (tracked.state !== "pending" || !failed.has(tracked.request)) return false;
      tracked.state = "error";
      tracked.error = message;
      return true;
    };
    const changes: Array<Change<M>> = [];
    for (const query of this.queries.values()) {
      const ids = [...query.items].filter(([, item]) => fails(item)).map(([itemId]) => itemId);
      const marks = this.markKeys.filter((key) => fails(query.marks[key]));
      if (ids.length || marks.length)
        changes.push({ query_id: query.query_id, index: query.index, item_ids: ids, marks });
    }
    return changes;
  }

  /** The query `queryId`, which must have had a page loaded in this view. */
  protected require(queryId: string): OptimisticQuery<V, M, Blank> {
    const query = this.queries.get(queryId);
    if (!query) throw new Error(`query ${JSON.stringify(queryId)} has no page loaded in this view`);
    return query;
  }

  /** A key's request starts: what it changes through `touch` and `setMark` is kept for undo. */
  protected begin(
    query: OptimisticQuery<V, M, Blank>,
    itemId: string | null,
    requestId: number,
    started: number,
  ): Entry<V, M> {
    this.started.set(requestId, started);
    const marksBefore = this.markValues(query);
    return {
      request_id: requestId,
      query_id: query.query_id,
      index: query.index,
      item_id: itemId,
      before: [],
      marksBefore,
      marks: [],
    };
  }

  /** The candidate `itemId`, marked pending for the entry's request (its values before kept): set its values. */
  protected touch(entry: Entry<V, M>, query: OptimisticQuery<V, M, Blank>, itemId: string): TrackedItem<V, Blank> {
    const item = query.items.get(itemId);
    if (!item) throw new Error(`item ${JSON.stringify(itemId)} is not a candidate of query ${query.query_id}`);
    if (!entry.before.some((before) => before.item_id === itemId))
      entry.before.push({ item_id: itemId, values: this.rules.item.values(item) });
    Object.assign(item, { state: "pending", error: "", request: entry.request_id });
    return item;
  }

  /** Show `value` as the query's mark `key`, pending for the entry's request. */
  protected setMark<K extends keyof M>(
    entry: Entry<V, M>,
    query: OptimisticQuery<V, M, Blank>,
    key: K,
    value: M[K],
  ): void {
    Object.assign(query.marks[key], { value, state: "pending", error: "", request: entry.request_id });
    if (!entry.marks.includes(key)) entry.marks.push(key);
  }

  /**
   * The entry's request is made: what it changed goes on the undo stack.
   * @returns what changed, or null when nothing did (the kernel will refuse it; nothing to undo here)
   */
  protected finish(entry: Entry<V, M>): Change<M> | null {
    if (!entry.before.length && !entry.marks.length) return null;
    this.entries.set(entry.request_id, entry);
    this.undoStack.push(entry);
    if (this.undoStack.length > this.undoLimit) this.undoStack.shift();
    const item_ids = entry.before.map((before) => before.item_id);
    return { query_id: entry.query_id, index: entry.index, item_ids, marks: [...entry.marks] };
  }

  private markValues(query: OptimisticQuery<V, M, Blank>): M {
    return Object.fromEntries(
      this.markKeys.map((key) => [key, this.rules.marks[key].copy(query.marks[key].value)]),
    ) as M;
  }

  /**
   * Put an entry's "before" values back: to undo it (as the pending request `requestId`), or because
   * it was refused (only where that request is still the last to have changed them).
   */
  private restore(
    query: OptimisticQuery<V, M, Blank>,
    entry: Entry<V, M>,
    requestId: number,
    undoing: boolean,
  ): Change<M> {
    const ids: string[] = [];
    for (const { item_id, values } of entry.before) {
      const item = query.items.get(item_id);
      if (!item || (!undoing && item.request !== entry.request_id)) continue;
      const state = undoing ? "pending" : this.rules.item.settled(values);
      Object.assign(item, this.rules.item.values(values), { state, error: "", request: requestId });
      ids.push(item_id);
    }
    const marks = this.markKeys.filter((key) => {
      const mark = query.marks[key];
      const rule = this.rules.marks[key];
      const before = entry.marksBefore[key];
      if (rule.same(mark.value, before) || (!undoing && mark.request !== entry.request_id)) return false;
      mark.value = rule.copy(before);
      mark.state = undoing ? "pending" : "saved";
      mark.error = "";
      if (undoing) mark.request = requestId;
      return true;
    });
    return { query_id: query.query_id, index: query.index, item_ids: ids, marks };
  }
}
