/**
 * Optimistic pick state of one view: what the annotator sees, ahead of the store.
 *
 * A key changes the picks here at once, with the side effects the kernel's rules apply (a new best
 * replaces the old one, best on the second best swaps them, a pick clears "none relevant", a broken
 * flag clears a pick), and marks them "pending". An action the kernel will refuse (picking a broken
 * tile, the best as second best, "none relevant" while a pick exists) changes nothing here: it is
 * sent all the same, and the kernel's notice says why. The ack adopts the stored states (the kernel
 * wins); a refused action is reverted. Rules: xmwidgets/widgets/_pick_rules.py.
 */

import { BROKEN_MEDIA, type KernelMessage, type Page } from "../../shell/protocol";

export type TileState = "unpicked" | "pending" | "saved" | "error";
export type Rank = 1 | 2 | null;

export interface PickItem {
  rank: Rank;
  flags: string[];
  state: TileState;
  error: string;
  /** Last request that changed this item (0: none). */
  request: number;
}

export interface PickQuery {
  query_id: string;
  index: number;
  /** item ids in shown order */
  order: string[];
  items: Map<string, PickItem>;
  none_relevant: boolean;
  noneState: TileState;
  noneRequest: number;
}

type Values = Pick<PickItem, "rank" | "flags">;

/** What one request changed, to undo it (z) or revert it (refused). */
export interface Entry {
  request_id: number;
  query_id: string;
  index: number;
  item_id: string | null;
  before: Array<{ item_id: string } & Values>;
  noneBefore: boolean;
}

/** The query and tiles a change touched, so that the view updates only those. */
export interface Change {
  query_id: string;
  item_ids: string[];
}

type Ack = Extract<KernelMessage, { type: "ack" }>;

const settled = (item: Values): TileState => (item.rank !== null || item.flags.length ? "saved" : "unpicked");
const asRank = (rank: number | null | undefined, best: boolean): Rank =>
  rank === 1 || rank === 2 ? rank : best ? 1 : null;

export class PickState {
  readonly queries = new Map<string, PickQuery>();
  readonly undoStack: Entry[] = [];
  /** Requests not acknowledged yet -> what they changed (null: nothing). */
  private readonly pending = new Map<number, Entry | null>();
  private readonly started = new Map<number, number>();

  /** Merge a page from the kernel: its stored values, except where our own requests are pending. */
  load(page: Page): PickQuery {
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
      if (item && this.pending.has(item.request)) continue;
      const values = { rank: asRank(candidate.rank, candidate.best), flags: [...(candidate.flags ?? [])] };
      query.items.set(candidate.item_id, { ...values, state: settled(values), error: "", request: 0 });
    }
    if (!this.pending.has(query.noneRequest)) query.none_relevant = page.none_relevant;
    return query;
  }

  ranked(query: PickQuery, rank: 1 | 2): string | null {
    for (const id of query.order) if (query.items.get(id)?.rank === rank) return id;
    return null;
  }

  isBroken(query: PickQuery, itemId: string): boolean {
    return !!query.items.get(itemId)?.flags.includes(BROKEN_MEDIA);
  }

  /** A query is done when it has a best pick or is marked none relevant. */
  done(query: PickQuery): boolean {
    return query.none_relevant || this.ranked(query, 1) !== null;
  }

  startedAt(requestId: number): number | null {
    return this.started.get(requestId) ?? null;
  }

  /**
   * The pick key for `itemId` at `rank`: what to send (the same key on the same pick clears it) and
   * the change it makes here (null when the kernel will refuse it).
   */
  pick(query: PickQuery, itemId: string, rank: 1 | 2, requestId: number, at: number) {
    const item = query.items.get(itemId);
    const current = item?.rank ?? null;
    const send: Rank = current === rank ? null : rank;
    const refused = this.isBroken(query, itemId) || (rank === 2 && current === 1);
    const entry = this.begin(query, itemId, requestId, at);
    if (refused) return { send, change: this.finish(entry, null) };
    const changes = new Map<string, Rank>();
    if (send === 1) {
      const best = this.ranked(query, 1);
      if (best !== null) changes.set(best, current === 2 ? 2 : null); // swap, or replace
    } else if (send === 2) {
      const second = this.ranked(query, 2);
      if (second !== null) changes.set(second, null);
    }
    changes.set(itemId, send);
    for (const [id, value] of changes) this.set(entry, query, id, { rank: value });
    if (send !== null && query.none_relevant) this.setNone(entry, query, false);
    return { send, change: this.finish(entry, [...changes.keys()]) };
  }

  /** `x`: toggle "none relevant" (refused by the kernel, so unchanged here, while a pick exists). */
  none(query: PickQuery, requestId: number, at: number) {
    const on = !query.none_relevant;
    const entry = this.begin(query, null, requestId, at);
    const picked = this.ranked(query, 1) !== null || this.ranked(query, 2) !== null;
    if (on && picked) return { on, change: this.finish(entry, null) };
    this.setNone(entry, query, on);
    return { on, change: this.finish(entry, [...query.items.keys()]) };
  }

  /** `m`: toggle a flag on `itemId`; broken media clears its pick. */
  flag(query: PickQuery, itemId: string, flag: string, requestId: number, at: number) {
    const item = query.items.get(itemId);
    const flags = item?.flags ?? [];
    const on = !flags.includes(flag);
    const entry = this.begin(query, itemId, requestId, at);
    const next = on ? [...flags, flag] : flags.filter((f) => f !== flag);
    const rank = on && flag === BROKEN_MEDIA ? null : (item?.rank ?? null);
    this.set(entry, query, itemId, { rank, flags: next });
    return { on, change: this.finish(entry, [itemId]) };
  }

  /** `z`: put back what the last action of this view changed; returns it (null: nothing to undo here). */
  undo(requestId: number, at: number): { entry: Entry | null; change: Change | null } {
    const last = this.undoStack.pop() ?? null;
    this.started.set(requestId, at);
    this.pending.set(requestId, null);
    if (!last) return { entry: null, change: null };
    const query = this.queries.get(last.query_id);
    if (!query) return { entry: last, change: null };
    for (const before of last.before) {
      const item = query.items.get(before.item_id);
      if (item)
        Object.assign(item, { rank: before.rank, flags: [...before.flags], state: "pending", request: requestId });
    }
    if (query.none_relevant !== last.noneBefore) {
      query.none_relevant = last.noneBefore;
      query.noneRequest = requestId;
    }
    return { entry: last, change: { query_id: query.query_id, item_ids: last.before.map((b) => b.item_id) } };
  }

  /** One ack: revert refused actions, adopt the stored states. Returns what changed on screen. */
  ack(message: Ack, ours: Set<number>): Change[] {
    const changes: Change[] = [];
    for (const result of message.results ?? []) {
      if (!ours.has(result.request_id)) continue;
      const entry = this.pending.get(result.request_id) ?? null;
      this.pending.delete(result.request_id);
      this.started.delete(result.request_id);
      if (result.status !== "refused" || !entry) continue;
      const at = this.undoStack.indexOf(entry);
      if (at >= 0) this.undoStack.splice(at, 1);
      const query = this.queries.get(entry.query_id);
      if (!query) continue;
      for (const before of entry.before) {
        const item = query.items.get(before.item_id);
        if (item && item.request === entry.request_id) Object.assign(item, { ...before, state: settled(before) });
      }
      if (query.noneRequest === entry.request_id) query.none_relevant = entry.noneBefore;
      changes.push({ query_id: query.query_id, item_ids: entry.before.map((b) => b.item_id) });
    }
    for (const [queryId, stored] of Object.entries(message.queries ?? {})) {
      const query = this.queries.get(queryId);
      if (!query) continue;
      for (const state of stored.states) {
        const item = query.items.get(state.item_id);
        if (!item || this.pending.has(item.request)) continue;
        const values = { rank: asRank(state.rank, state.best), flags: [...state.flags] };
        Object.assign(item, values, { state: settled(values), error: "" });
      }
      for (const item of query.items.values()) {
        if (item.state === "pending" && !this.pending.has(item.request)) item.state = settled(item);
      }
      if (!this.pending.has(query.noneRequest)) {
        query.none_relevant = stored.none_relevant;
        query.noneState = "saved";
      }
      changes.push({ query_id: queryId, item_ids: [...query.items.keys()] });
    }
    return changes;
  }

  /** The kernel failed these requests: their tiles say so (the values stay, to be tried again). */
  fail(requestIds: number[], message: string): Change[] {
    const failed = new Set(requestIds);
    const changes: Change[] = [];
    for (const query of this.queries.values()) {
      const ids = [...query.items].filter(([, item]) => failed.has(item.request)).map(([id]) => id);
      for (const id of ids) Object.assign(query.items.get(id) as PickItem, { state: "error", error: message });
      if (ids.length) changes.push({ query_id: query.query_id, item_ids: ids });
    }
    for (const id of requestIds) this.pending.delete(id);
    return changes;
  }

  // ---- helpers ---------------------------------------------------------------------------------
  private begin(query: PickQuery, itemId: string | null, requestId: number, at: number): Entry {
    this.started.set(requestId, at);
    return {
      request_id: requestId,
      query_id: query.query_id,
      index: query.index,
      item_id: itemId,
      before: [],
      noneBefore: query.none_relevant,
    };
  }

  private finish(entry: Entry, itemIds: string[] | null): Change | null {
    this.pending.set(entry.request_id, itemIds === null ? null : entry);
    if (itemIds === null) return null;
    this.undoStack.push(entry);
    if (this.undoStack.length > 500) this.undoStack.shift();
    return { query_id: entry.query_id, item_ids: itemIds };
  }

  private set(entry: Entry, query: PickQuery, itemId: string, values: Partial<Values>): void {
    const item = query.items.get(itemId) ?? { rank: null, flags: [], state: "unpicked", error: "", request: 0 };
    if (!entry.before.some((b) => b.item_id === itemId)) {
      entry.before.push({ item_id: itemId, rank: item.rank, flags: [...item.flags] });
    }
    Object.assign(item, values, { state: "pending", error: "", request: entry.request_id });
    query.items.set(itemId, item);
  }

  private setNone(entry: Entry, query: PickQuery, on: boolean): void {
    entry.noneBefore = query.none_relevant;
    query.none_relevant = on;
    query.noneState = "pending";
    query.noneRequest = entry.request_id;
  }
}
