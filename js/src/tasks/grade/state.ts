/**
 * Optimistic judgement state of one view: what the annotator sees, ahead of the store.
 *
 * A keystroke changes items here at once (with the side effects the kernel's rules will apply, so
 * that the screen never shows a contradiction, e.g. a relevant grade clears "none relevant") and marks
 * them "pending" with the id of the request that carries it. The ack of the batch then gives the
 * stored states, which the view adopts: the kernel wins. A refused action is reverted. An item with a
 * newer request still in flight keeps its optimistic values until that request's own ack.
 * State is kept per query_id for every query seen in this view (a few numbers each), independent of
 * the page cache, so going back to a query whose page was dropped still shows unsaved judgements.
 * Besides the candidates' grades, best picks, flags and notes, a query has its own flags and note
 * ("ambiguous-query", "which reading I chose"), with their own save state.
 */

import { BROKEN_MEDIA, type KernelMessage, type Page, type ScaleSpec, type StoredState } from "../../shell/protocol";

export type TileState = "unjudged" | "pending" | "saved" | "error";

export interface ItemState {
  relevance: number | null;
  best: boolean;
  flags: string[];
  /** The annotator's note (null: none). */
  note: string | null;
  state: TileState;
  /** Reason shown when state is "error". */
  error: string;
  /** Last request that changed this item (0: none). */
  request: number;
}

export interface QueryState {
  query_id: string;
  index: number;
  /** item ids in shown order */
  order: string[];
  items: Map<string, ItemState>;
  none_relevant: boolean;
  noneState: TileState;
  noneRequest: number;
  /** The query's own flags and note, their save state and last request. */
  own: Own;
  ownState: TileState;
  ownRequest: number;
}

/** A query's own flags and note. */
export interface Own {
  flags: string[];
  note: string | null;
}

type Values = Pick<ItemState, "relevance" | "best" | "flags" | "note">;

/** What one request changed, to undo it (z) or revert it (refused). */
export interface UndoEntry {
  request_id: number;
  query_id: string;
  index: number;
  item_id: string | null;
  before: Array<{ item_id: string } & Values>;
  noneBefore: boolean;
  ownBefore: Own;
}

/** What a change touched, so that the view updates only those tiles. */
export interface Change {
  query_id: string;
  index: number;
  item_ids: string[];
  none: boolean;
  /** The query's own flags or note changed. */
  own?: boolean;
}

type Ack = Extract<KernelMessage, { type: "ack" }>;

/** State after the store has it: judged items are "saved", the rest "unjudged". */
function settled(item: Values): TileState {
  return item.relevance !== null || item.best || item.flags.length > 0 || item.note ? "saved" : "unjudged";
}

const copyOwn = (own: Own): Own => ({ flags: [...own.flags], note: own.note });
const sameOwn = (a: Own, b: Own): boolean => a.note === b.note && a.flags.join(",") === b.flags.join(",");

const isBroken = (item: Values | undefined): boolean => !!item?.flags.includes(BROKEN_MEDIA);

export class JudgementState {
  readonly queries = new Map<string, QueryState>();
  readonly undoStack: UndoEntry[] = [];
  private readonly entries = new Map<number, UndoEntry>();
  private readonly started = new Map<number, number>();
  /** The scale's lowest level (continuous: its minimum): a grade above it is "relevant". */
  lowest = 0;

  setScale(scale: ScaleSpec): void {
    this.lowest = scale.continuous ? (scale.minimum ?? 0) : (scale.levels[0]?.value ?? 0);
  }

  constructor(private readonly undoLimit = 500) {}

  byIndex(index: number): QueryState | undefined {
    for (const query of this.queries.values()) if (query.index === index) return query;
    return undefined;
  }

  /** Merge a page from the kernel: its stored values, except where our own requests are in flight. */
  load(page: Page): QueryState {
    let query = this.queries.get(page.query_id);
    if (!query) {
      query = {
        query_id: page.query_id,
        index: page.index,
        order: [],
        items: new Map(),
        none_relevant: page.none_relevant,
        noneState: "saved",
        noneRequest: 0,
        own: { flags: [], note: null },
        ownState: "saved",
        ownRequest: 0,
      };
      this.queries.set(page.query_id, query);
    }
    query.index = page.index;
    query.order = page.candidates.map((candidate) => candidate.item_id);
    for (const candidate of page.candidates) {
      const item = query.items.get(candidate.item_id);
      if (item && (item.state === "pending" || item.state === "error")) continue;
      const values = {
        relevance: candidate.relevance,
        best: candidate.best,
        flags: [...(candidate.flags ?? [])],
        note: candidate.note ?? null,
      };
      query.items.set(candidate.item_id, { ...values, state: settled(values), error: "", request: item?.request ?? 0 });
    }
    if (query.noneState !== "pending") {
      query.none_relevant = page.none_relevant;
      query.noneState = "saved";
    }
    if (query.ownState !== "pending" && query.ownState !== "error") {
      query.own = { flags: [...(page.query_flags ?? [])], note: page.query_note ?? null };
      query.ownState = "saved";
    }
    return query;
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
    return { judged, total, done: total > 0 && (judged === total || query.none_relevant) };
  }

  /** Set a relevance optimistically (R1: a relevant grade clears "none relevant"; R2, R5). */
  grade(queryId: string, itemId: string, relevance: number, requestId: number, started = 0): Change {
    const query = this.require(queryId);
    const clearNone = query.none_relevant && relevance > this.lowest;
    this.snapshot(query, [itemId], itemId, requestId, started);
    const item = this.touch(query, itemId, requestId);
    item.relevance = relevance;
    item.flags = item.flags.filter((flag) => flag !== BROKEN_MEDIA);
    if (relevance <= this.lowest) item.best = false;
    if (clearNone) this.setNone(query, false, requestId);
    return { query_id: queryId, index: query.index, item_ids: [itemId], none: clearNone };
  }

  /**
   * Make `itemId` the best match (clearing any other), or clear it. Best on a candidate that is not
   * relevant will be refused by the kernel (R3): nothing changes on screen, the notice will say why.
   */
  pickBest(queryId: string, itemId: string, best: boolean, requestId: number, started = 0): Change {
    const query = this.require(queryId);
    if (best && !this.isRelevant(query.items.get(itemId))) {
      this.snapshot(query, [], itemId, requestId, started);
      return { query_id: queryId, index: query.index, item_ids: [], none: false };
    }
    const changed = best ? query.order.filter((id) => id === itemId || query.items.get(id)?.best) : [itemId];
    this.snapshot(query, changed, itemId, requestId, started);
    for (const id of changed) this.touch(query, id, requestId).best = best && id === itemId;
    return { query_id: queryId, index: query.index, item_ids: changed, none: false };
  }

  /**
   * Mark or unmark "none relevant". Marking a query with relevant grades is refused (R4): nothing
   * changes on screen. Otherwise marking grades every ungraded, unflagged candidate at the lowest
   * level and clears the best pick, as the kernel does; un-marking clears the mark only.
   */
  setNoneRelevant(queryId: string, none: boolean, requestId: number, started = 0): Change {
    const query = this.require(queryId);
    const refused = none && query.order.some((id) => this.isRelevant(query.items.get(id)));
    const changed =
      none && !refused
        ? query.order.filter((id) => {
            const item = query.items.get(id);
            return !!item && (item.best || (item.relevance === null && !isBroken(item)));
          })
        : [];
    this.snapshot(query, changed, null, requestId, started);
    if (refused) return { query_id: queryId, index: query.index, item_ids: [], none: false };
    for (const id of changed) {
      const item = this.touch(query, id, requestId);
      item.best = false;
      if (item.relevance === null) item.relevance = this.lowest;
    }
    this.setNone(query, none, requestId);
    return { query_id: queryId, index: query.index, item_ids: changed, none: true };
  }

  /** Set or clear a flag; broken-media takes the candidate out of the grades and the best pick (R5). */
  flag(queryId: string, itemId: string, flag: string, on: boolean, requestId: number, started = 0): Change {
    const query = this.require(queryId);
    this.snapshot(query, [itemId], itemId, requestId, started);
    const item = this.touch(query, itemId, requestId);
    item.flags = on ? [...item.flags.filter((f) => f !== flag), flag] : item.flags.filter((f) => f !== flag);
    if (on && flag === BROKEN_MEDIA) {
      item.relevance = null;
      item.best = false;
    }
    return { query_id: queryId, index: query.index, item_ids: [itemId], none: false };
  }

  /** Set (or, with "" or null, remove) the note on a candidate, or on the query when `itemId` is null. */
  setNote(queryId: string, itemId: string | null, note: string | null, requestId: number, started = 0): Change {
    const query = this.require(queryId);
    const text = note?.trim() || null; // the kernel strips it too
    if (itemId === null) {
      this.snapshot(query, [], null, requestId, started);
      this.touchOwn(query, requestId).note = text;
      return { query_id: queryId, index: query.index, item_ids: [], none: false, own: true };
    }
    this.snapshot(query, [itemId], itemId, requestId, started);
    this.touch(query, itemId, requestId).note = text;
    return { query_id: queryId, index: query.index, item_ids: [itemId], none: false };
  }

  /** Set or clear one of the query's own flags. */
  queryFlag(queryId: string, flag: string, on: boolean, requestId: number, started = 0): Change {
    const query = this.require(queryId);
    this.snapshot(query, [], null, requestId, started);
    const own = this.touchOwn(query, requestId);
    own.flags = on ? [...own.flags.filter((f) => f !== flag), flag] : own.flags.filter((f) => f !== flag);
    return { query_id: queryId, index: query.index, item_ids: [], none: false, own: true };
  }

  /**
   * Undo the last judgement of this view optimistically.
   * @returns the entry undone (its query may not be on screen), or null when there is nothing to undo
   *   here (the kernel may still undo an older judgement; its result says which).
   */
  undo(requestId: number, started = 0): { entry: UndoEntry | null; change: Change | null } {
    this.started.set(requestId, started);
    const entry = this.undoStack.pop() ?? null;
    if (!entry) return { entry: null, change: null };
    const query = this.queries.get(entry.query_id);
    if (!query) return { entry, change: null };
    // what the screen shows now, to put back should the kernel refuse the undo
    const redo: UndoEntry = {
      ...entry,
      request_id: requestId,
      before: entry.before
        .filter((before) => query.items.has(before.item_id))
        .map((before) => {
          const item = query.items.get(before.item_id) as ItemState;
          return {
            item_id: before.item_id,
            relevance: item.relevance,
            best: item.best,
            flags: [...item.flags],
            note: item.note,
          };
        }),
      noneBefore: query.none_relevant,
      ownBefore: copyOwn(query.own),
    };
    const change = this.restore(query, entry, requestId, "pending");
    this.entries.set(requestId, redo);
    return { entry, change };
  }

  /** When a request was started (for the "saved" timing), or null if it is not ours. */
  startedAt(requestId: number): number | null {
    return this.started.get(requestId) ?? null;
  }

  /**
   * Apply an ack: revert our refused actions, then adopt the stored states of every query it names
   * (unless one of our newer requests is still on its way), and mark the batch's items saved.
   */
  ack(message: Ack): Change[] {
    const batch = new Set(message.results.map((result) => result.request_id));
    const touched = new Map<string, Change>();
    const note = (query: QueryState, itemIds: Iterable<string>, none: boolean, own = false): void => {
      let change = touched.get(query.query_id);
      if (!change) {
        change = { query_id: query.query_id, index: query.index, item_ids: [], none: false, own: false };
        touched.set(query.query_id, change);
      }
      for (const id of itemIds) if (!change.item_ids.includes(id)) change.item_ids.push(id);
      change.none ||= none;
      change.own ||= own;
    };
    for (const result of message.results) {
      const entry = this.entries.get(result.request_id);
      if (result.status === "refused" && entry) {
        const at = this.undoStack.lastIndexOf(entry);
        if (at >= 0) this.undoStack.splice(at, 1);
        const query = this.queries.get(entry.query_id);
        if (query) {
          const change = this.restore(query, entry, result.request_id, "saved", true);
          note(query, change.item_ids, change.none, change.own);
        }
      }
      this.entries.delete(result.request_id);
    }
    const newer = (request: number, state: TileState): boolean => state === "pending" && !batch.has(request);
    for (const [queryId, queryAck] of Object.entries(message.queries ?? {})) {
      const query = this.queries.get(queryId);
      if (!query) continue;
      const ids: string[] = [];
      for (const stored of queryAck.states) {
        const item = query.items.get(stored.item_id);
        if (!item || newer(item.request, item.state)) continue;
        this.adopt(item, stored);
        ids.push(stored.item_id);
      }
      let none = false;
      if (!newer(query.noneRequest, query.noneState)) {
        none = query.none_relevant !== queryAck.none_relevant || query.noneState !== "saved";
        query.none_relevant = queryAck.none_relevant;
        query.noneState = "saved";
      }
      let own = false;
      if (queryAck.query_flags !== undefined && !newer(query.ownRequest, query.ownState)) {
        const stored = { flags: [...queryAck.query_flags], note: queryAck.query_note ?? null };
        own = !sameOwn(stored, query.own) || query.ownState !== "saved";
        query.own = stored;
        query.ownState = "saved";
      }
      note(query, ids, none, own);
    }
    // items of this batch the kernel did not list (it changed nothing there): saved as they are
    for (const query of this.queries.values()) {
      const ids: string[] = [];
      for (const [itemId, item] of query.items) {
        if (item.state === "pending" && batch.has(item.request)) {
          item.state = settled(item);
          ids.push(itemId);
        }
      }
      const none = query.noneState === "pending" && batch.has(query.noneRequest);
      if (none) query.noneState = "saved";
      const own = query.ownState === "pending" && batch.has(query.ownRequest);
      if (own) query.ownState = "saved";
      if (ids.length || none || own) note(query, ids, none, own);
    }
    for (const id of batch) this.started.delete(id);
    return [...touched.values()];
  }

  /** Requests failed (an error message): the items they touched show the reason, values as typed. */
  fail(requestIds: Iterable<number>, message: string): Change[] {
    const failed = new Set(requestIds);
    const changes: Change[] = [];
    for (const id of failed) {
      this.entries.delete(id);
      this.started.delete(id);
    }
    for (const query of this.queries.values()) {
      const ids: string[] = [];
      for (const [itemId, item] of query.items) {
        if (failed.has(item.request) && item.state === "pending") {
          item.state = "error";
          item.error = message;
          ids.push(itemId);
        }
      }
      const none = failed.has(query.noneRequest) && query.noneState === "pending";
      if (none) query.noneState = "error";
      const own = failed.has(query.ownRequest) && query.ownState === "pending";
      if (own) query.ownState = "error";
      if (ids.length || none || own)
        changes.push({ query_id: query.query_id, index: query.index, item_ids: ids, none, own });
    }
    return changes;
  }

  private adopt(item: ItemState, stored: StoredState): void {
    item.relevance = stored.relevance;
    item.best = stored.best;
    item.flags = [...(stored.flags ?? [])];
    // an older kernel sends no note: keep what is shown
    if (stored.note !== undefined) item.note = stored.note;
    item.state = settled(item);
    item.error = "";
  }

  private snapshot(
    query: QueryState,
    itemIds: string[],
    itemId: string | null,
    requestId: number,
    started: number,
  ): UndoEntry {
    const entry: UndoEntry = {
      request_id: requestId,
      query_id: query.query_id,
      index: query.index,
      item_id: itemId,
      before: itemIds.map((id) => {
        const item = query.items.get(id) as ItemState;
        return { item_id: id, relevance: item.relevance, best: item.best, flags: [...item.flags], note: item.note };
      }),
      noneBefore: query.none_relevant,
      ownBefore: copyOwn(query.own),
    };
    this.entries.set(requestId, entry);
    this.started.set(requestId, started);
    this.undoStack.push(entry);
    if (this.undoStack.length > this.undoLimit) this.undoStack.shift();
    return entry;
  }

  /** Put an entry's "before" values back (undo: as a pending request; refusal: only where it still shows). */
  private restore(
    query: QueryState,
    entry: UndoEntry,
    requestId: number,
    state: TileState,
    onlyIfLast = false,
  ): Change {
    const ids: string[] = [];
    for (const before of entry.before) {
      const item = query.items.get(before.item_id);
      if (!item || (onlyIfLast && item.request !== entry.request_id)) continue;
      item.relevance = before.relevance;
      item.best = before.best;
      item.flags = [...before.flags];
      item.note = before.note;
      item.request = requestId;
      item.error = "";
      item.state = state === "pending" ? "pending" : settled(item);
      ids.push(before.item_id);
    }
    let none = false;
    if (query.none_relevant !== entry.noneBefore && (!onlyIfLast || query.noneRequest === entry.request_id)) {
      none = true;
      if (state === "pending") this.setNone(query, entry.noneBefore, requestId);
      else {
        query.none_relevant = entry.noneBefore;
        query.noneState = "saved";
      }
    }
    let own = false;
    if (!sameOwn(query.own, entry.ownBefore) && (!onlyIfLast || query.ownRequest === entry.request_id)) {
      own = true;
      query.own = copyOwn(entry.ownBefore);
      if (state === "pending") this.touchOwn(query, requestId);
      else query.ownState = "saved";
    }
    return { query_id: query.query_id, index: query.index, item_ids: ids, none, own };
  }

  private touch(query: QueryState, itemId: string, requestId: number): ItemState {
    const item = query.items.get(itemId);
    if (!item) throw new Error(`item ${JSON.stringify(itemId)} is not a candidate of query ${query.query_id}`);
    item.state = "pending";
    item.error = "";
    item.request = requestId;
    return item;
  }

  private touchOwn(query: QueryState, requestId: number): Own {
    query.ownState = "pending";
    query.ownRequest = requestId;
    return query.own;
  }

  private setNone(query: QueryState, none: boolean, requestId: number): void {
    query.none_relevant = none;
    query.noneState = "pending";
    query.noneRequest = requestId;
  }

  private require(queryId: string): QueryState {
    const query = this.queries.get(queryId);
    if (!query) throw new Error(`query ${JSON.stringify(queryId)} has no page loaded in this view`);
    return query;
  }
}
