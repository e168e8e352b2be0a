/**
 * Optimistic judgement state of one view: what the annotator sees, ahead of the store.
 *
 * A keystroke changes an item here at once and marks it "pending" with the id of the request that
 * carries it; the kernel's ack for that request writes back the values as stored and marks it saved.
 * An item with a newer request in flight keeps its optimistic values when an older ack arrives.
 * State is kept per query_id for every query seen in this view (a few numbers each), independent of
 * the page cache, so going back to a query whose page was dropped still shows unsaved judgements.
 */

import type { KernelMessage, Page, SavedState } from "./protocol";

export type TileState = "unjudged" | "pending" | "saved" | "error";

export interface ItemState {
  relevance: number | null;
  best: boolean;
  state: TileState;
  /** Reason shown when state is "error". */
  error: string;
  /** Last request that changed this item (0: none). */
  request: number;
  /** The scale's flags set on this item, e.g. "broken-media" (kernel's QueryAck states). */
  flags?: string[];
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
}

export interface UndoEntry {
  query_id: string;
  index: number;
  item_id: string | null;
  before: Array<{ item_id: string; relevance: number | null; best: boolean }>;
  noneBefore: boolean;
}

/** What a change touched, so that the view updates only those tiles. */
export interface Change {
  query_id: string;
  index: number;
  item_ids: string[];
  none: boolean;
}

interface RequestRecord {
  query_id: string | null;
  started: number;
}

/** State after the store has it: judged items are "saved", the rest "unjudged". */
function settled(item: { relevance: number | null; best: boolean }): TileState {
  return item.relevance !== null || item.best ? "saved" : "unjudged";
}

export class JudgementState {
  readonly queries = new Map<string, QueryState>();
  readonly undoStack: UndoEntry[] = [];
  private readonly requests = new Map<number, RequestRecord>();

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
      };
      this.queries.set(page.query_id, query);
    }
    query.index = page.index;
    query.order = page.candidates.map((candidate) => candidate.item_id);
    for (const candidate of page.candidates) {
      const item = query.items.get(candidate.item_id);
      if (item && (item.state === "pending" || item.state === "error")) continue;
      query.items.set(candidate.item_id, {
        relevance: candidate.relevance,
        best: candidate.best,
        state: settled(candidate),
        error: "",
        request: item?.request ?? 0,
      });
    }
    if (query.noneState !== "pending") {
      query.none_relevant = page.none_relevant;
      query.noneState = "saved";
    }
    return query;
  }

  private snapshot(query: QueryState, itemIds: string[], itemId: string | null): UndoEntry {
    const entry: UndoEntry = {
      query_id: query.query_id,
      index: query.index,
      item_id: itemId,
      before: itemIds.map((id) => {
        const item = query.items.get(id) as ItemState;
        return { item_id: id, relevance: item.relevance, best: item.best };
      }),
      noneBefore: query.none_relevant,
    };
    this.undoStack.push(entry);
    if (this.undoStack.length > this.undoLimit) this.undoStack.shift();
    return entry;
  }

  private touch(query: QueryState, itemId: string, requestId: number): ItemState {
    const item = query.items.get(itemId);
    if (!item) throw new Error(`item ${JSON.stringify(itemId)} is not a candidate of query ${query.query_id}`);
    item.state = "pending";
    item.error = "";
    item.request = requestId;
    return item;
  }

  private track(requestId: number, queryId: string | null, started: number): void {
    this.requests.set(requestId, { query_id: queryId, started });
  }

  /** Set a relevance optimistically. */
  grade(queryId: string, itemId: string, relevance: number, requestId: number, started = 0): Change {
    const query = this.require(queryId);
    this.snapshot(query, [itemId], itemId);
    this.touch(query, itemId, requestId).relevance = relevance;
    this.track(requestId, queryId, started);
    return { query_id: queryId, index: query.index, item_ids: [itemId], none: false };
  }

  /** Make `itemId` the best match (clearing any other best and "none relevant"), or clear it. */
  pickBest(queryId: string, itemId: string, best: boolean, requestId: number, started = 0): Change {
    const query = this.require(queryId);
    const changed = best ? query.order.filter((id) => id === itemId || query.items.get(id)?.best) : [itemId];
    this.snapshot(query, changed, itemId);
    for (const id of changed) this.touch(query, id, requestId).best = best && id === itemId;
    const none = best && query.none_relevant;
    if (none) this.setNone(query, false, requestId);
    this.track(requestId, queryId, started);
    return { query_id: queryId, index: query.index, item_ids: changed, none };
  }

  /** Mark or unmark the query as having no relevant candidate; marking clears the best pick. */
  setNoneRelevant(queryId: string, none: boolean, requestId: number, started = 0): Change {
    const query = this.require(queryId);
    const changed = none ? query.order.filter((id) => query.items.get(id)?.best) : [];
    this.snapshot(query, changed, null);
    for (const id of changed) this.touch(query, id, requestId).best = false;
    this.setNone(query, none, requestId);
    this.track(requestId, queryId, started);
    return { query_id: queryId, index: query.index, item_ids: changed, none: true };
  }

  private setNone(query: QueryState, none: boolean, requestId: number): void {
    query.none_relevant = none;
    query.noneState = "pending";
    query.noneRequest = requestId;
  }

  /**
   * Undo the last judgement of this view optimistically.
   * @returns the entry undone (its query may not be on screen), or null when there is nothing to undo
   *   here (the kernel may still undo an older judgement; its ack says which).
   */
  undo(requestId: number, started = 0): { entry: UndoEntry | null; change: Change | null } {
    this.track(requestId, null, started);
    const entry = this.undoStack.pop() ?? null;
    if (!entry) return { entry: null, change: null };
    const query = this.queries.get(entry.query_id);
    if (!query) return { entry, change: null };
    for (const before of entry.before) {
      if (!query.items.has(before.item_id)) continue;
      const item = this.touch(query, before.item_id, requestId);
      item.relevance = before.relevance;
      item.best = before.best;
    }
    const none = query.none_relevant !== entry.noneBefore;
    if (none) this.setNone(query, entry.noneBefore, requestId);
    this.requests.set(requestId, { query_id: entry.query_id, started });
    return {
      entry,
      change: { query_id: query.query_id, index: query.index, item_ids: entry.before.map((b) => b.item_id), none },
    };
  }

  /** When a request was started (for the "saved" timing), or null if it is not ours. */
  startedAt(requestId: number): number | null {
    return this.requests.get(requestId)?.started ?? null;
  }

  /** Apply an ack: stored values for the items it names, "saved" for everything this request touched. */
  ack(message: Extract<KernelMessage, { type: "ack" }>): Change | null {
    const requestId = message.request_id;
    this.requests.delete(requestId);
    const query = this.queries.get(message.query_id);
    if (!query) return null;
    const changed = new Set<string>();
    const stored = new Map<string, SavedState>();
    for (const state of message.states) if (state.query_id === query.query_id) stored.set(state.item_id, state);
    for (const [itemId, item] of query.items) {
      const saved = stored.get(itemId);
      const newer = item.state === "pending" && item.request > requestId;
      if (saved && !newer) {
        item.relevance = saved.relevance;
        item.best = saved.best;
      }
      if ((saved || item.request === requestId) && !newer) {
        item.state = settled(item);
        item.error = "";
        changed.add(itemId);
      }
    }
    let none = false;
    if (query.noneRequest <= requestId) {
      none = query.none_relevant !== message.none_relevant || query.noneState !== "saved";
      query.none_relevant = message.none_relevant;
      query.noneState = "saved";
    }
    return { query_id: query.query_id, index: query.index, item_ids: [...changed], none };
  }

  /** A request failed: the items it touched show the reason (their values stay as typed). */
  fail(requestId: number, message: string): Change | null {
    const record = this.requests.get(requestId);
    this.requests.delete(requestId);
    if (!record?.query_id) return null;
    const query = this.queries.get(record.query_id);
    if (!query) return null;
    const changed: string[] = [];
    for (const [itemId, item] of query.items) {
      if (item.request === requestId && item.state === "pending") {
        item.state = "error";
        item.error = message;
        changed.push(itemId);
      }
    }
    const none = query.noneRequest === requestId && query.noneState === "pending";
    if (none) query.noneState = "error";
    return { query_id: query.query_id, index: query.index, item_ids: changed, none };
  }

  private require(queryId: string): QueryState {
    const query = this.queries.get(queryId);
    if (!query) throw new Error(`query ${JSON.stringify(queryId)} has no page loaded in this view`);
    return query;
  }
}
