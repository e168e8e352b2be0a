/** Test doubles: a scale, pages and a fake anywidget model that records what the view sends. */

import { vi } from "vitest";
import type {
  BrowserMessage,
  JudgeAction,
  KernelMessage,
  Page,
  QueryAck,
  Result,
  ScaleSpec,
  StoredState,
} from "../src/shell/protocol";

export const TREC: ScaleSpec = {
  name: "trec-0-3",
  version: "trec-0-3@1",
  levels: [
    { value: 0, name: "not relevant", definition: "Nothing matches.", key: "0", examples: [] },
    { value: 1, name: "related", definition: "On topic.", key: "1", examples: [] },
    { value: 2, name: "partially relevant", definition: "Matches in part.", key: "2", examples: [] },
    { value: 3, name: "exact match", definition: "Matches every part.", key: "3", examples: [] },
  ],
  flags: [],
  continuous: false,
  minimum: null,
  maximum: null,
  step: null,
};

export const MAGNITUDE: ScaleSpec = {
  name: "magnitude",
  version: "magnitude@1",
  levels: [],
  flags: [],
  continuous: true,
  minimum: 0,
  maximum: 100,
  step: 5,
};

/** A text-only page of `count` candidates for query `index` (query ids "q<index>", items "q<index>-d<i>"). */
export function textPage(index: number, count = 6, overrides: Partial<Page> = {}): Page {
  return {
    index,
    query_id: `q${index}`,
    query: { parts: [{ column: "text", kind: "text", text: `query number ${index}` }] },
    candidates: Array.from({ length: count }, (_, i) => ({
      item_id: `q${index}-d${i}`,
      shown_position: i,
      parts: [{ column: "caption", kind: "text" as const, text: `caption ${i}` }],
      relevance: null,
      best: false,
    })),
    none_relevant: false,
    ...overrides,
  };
}

/** An ack of one batch on q0: `results` as [request_id, status], the stored states of q0 (of `total` candidates). */
export function q0Ack(
  results: Array<[number, Result["status"]]>,
  states: Array<Partial<StoredState> & { item_id: string }> = [],
  none = false,
  total = 4,
): Extract<KernelMessage, { type: "ack" }> {
  return {
    type: "ack",
    results: results.map(([request_id, status]) => ({ request_id, status, query_id: "q0", notice: "" })),
    queries: {
      q0: {
        index: 0,
        states: states.map((s) => ({ relevance: null, best: false, flags: [], ...s })),
        none_relevant: none,
        done: false,
        judged: 0,
        total,
      },
    },
    progress: { judged: 0, total, queries_done: 0, n_queries: 1 },
  };
}

/** A page whose query and candidates are images (one buffer each). */
export function imagePage(index: number, count = 3): { page: Page; buffers: DataView[] } {
  const buffers: DataView[] = [];
  const image = () => {
    buffers.push(new DataView(new Uint8Array([0xff, 0xd8, 0xff, buffers.length]).buffer));
    return {
      column: "image",
      kind: "image" as const,
      mime: "image/jpeg",
      data: buffers.length - 1,
      width: 20,
      height: 10,
    };
  };
  const page: Page = {
    index,
    query_id: `q${index}`,
    query: { parts: [image()] },
    candidates: Array.from({ length: count }, (_, i) => ({
      item_id: `q${index}-d${i}`,
      shown_position: i,
      parts: [image()],
      relevance: null,
      best: false,
    })),
    none_relevant: false,
  };
  return { page, buffers };
}

/** A page whose candidates each have an audio part (one buffer each). */
export function audioPage(index: number, count = 3): { page: Page; buffers: DataView[] } {
  const buffers: DataView[] = [];
  const page = textPage(index, count);
  for (const candidate of page.candidates) {
    buffers.push(new DataView(new Uint8Array([0x52, 0x49, 0x46, 0x46, buffers.length]).buffer));
    candidate.parts = [{ column: "audio", kind: "audio", mime: "audio/wav", data: buffers.length - 1, duration: 20 }];
  }
  return { page, buffers };
}

type Handler = (...args: any[]) => void;

/** Just enough of anywidget's AnyModel: traits, events, custom messages in both directions. */
export class FakeModel {
  readonly traits: Record<string, any>;
  readonly sent: BrowserMessage[] = [];
  readonly handlers = new Map<string, Set<Handler>>();
  readonly offCalls: Array<[string | null | undefined, Handler | null | undefined]> = [];
  saves = 0;
  widget_manager = { get_model: async () => this as any };

  constructor(traits: Record<string, any> = {}) {
    this.traits = {
      scale: TREC,
      n_queries: 10,
      query_index: 0,
      progress: { judged: 0, total: 60, queries_done: 0, n_queries: 10 },
      annotator: "ann",
      show_sources: false,
      tile_size: 240,
      error: "",
      ...traits,
    };
  }
  get(key: string): any {
    return this.traits[key];
  }
  set(key: string, value: any): void {
    const changed = this.traits[key] !== value;
    this.traits[key] = value;
    if (changed) this.emit(`change:${key}`);
  }
  on(event: string, handler: Handler): void {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event)!.add(handler);
  }
  off(event?: string | null, handler?: Handler | null): void {
    this.offCalls.push([event, handler]);
    if (event && handler) this.handlers.get(event)?.delete(handler);
  }
  send(message: BrowserMessage): void {
    this.sent.push(structuredClone(message));
  }
  save_changes(): void {
    this.saves += 1;
  }
  emit(event: string, ...args: unknown[]): void {
    for (const handler of [...(this.handlers.get(event) ?? [])]) handler(...args);
  }
  /** Kernel -> browser custom message. */
  receive(message: KernelMessage, buffers: DataView[] = []): void {
    this.emit("msg:custom", message, buffers);
  }
  /** Python sets a trait. */
  kernelSets(key: string, value: unknown): void {
    this.set(key, value);
  }
  listenerCount(): number {
    let count = 0;
    for (const set of this.handlers.values()) count += set.size;
    return count;
  }
  sentOf<T extends BrowserMessage["type"]>(type: T): Extract<BrowserMessage, { type: T }>[] {
    return this.sent.filter((message) => message.type === type) as Extract<BrowserMessage, { type: T }>[];
  }
  /** Every judge batch sent, in order. */
  judges(): JudgeAction[][] {
    return this.sentOf("judge").map((message) => message.actions);
  }
  /** Every action of every batch, in order (only those with `op` when given). */
  actions<T extends JudgeAction["op"]>(op?: T): Extract<JudgeAction, { op: T }>[] {
    const all = this.judges().flat();
    return (op ? all.filter((action) => action.op === op) : all) as Extract<JudgeAction, { op: T }>[];
  }
  /**
   * Acknowledge the oldest judge batch not acknowledged yet, as a kernel that accepts everything
   * would (echoing the judged values as stored states), except `refuse`d request ids; `notices`
   * gives results a notice, `states` replaces the stored states the ack reports for a query.
   */
  ackNext(
    how: {
      refuse?: number[];
      notices?: Record<number, string>;
      states?: Record<string, StoredState[]>;
      none?: Record<string, boolean>;
      undone?: Result["undone"];
    } = {},
  ): JudgeAction[] {
    const batch = this.judges()[this.acked];
    if (!batch) throw new Error("no judge batch to acknowledge");
    this.acked += 1;
    const results: Result[] = [];
    const queries: Record<string, QueryAck> = {};
    const queryAck = (queryId: string): QueryAck => {
      if (!queries[queryId]) {
        const none_relevant = how.none?.[queryId] ?? false;
        queries[queryId] = {
          index: Number(queryId.slice(1)),
          states: [],
          none_relevant,
          done: false,
          judged: 0,
          total: 6,
        };
      }
      return queries[queryId];
    };
    for (const action of batch) {
      const queryId = "query_id" in action ? action.query_id : (how.undone?.query_id ?? "");
      const refused = how.refuse?.includes(action.request_id) ?? false;
      results.push({
        request_id: action.request_id,
        status: refused ? "refused" : "saved",
        query_id: queryId,
        notice: how.notices?.[action.request_id] ?? "",
        ...(action.op === "undo" && how.undone ? { undone: how.undone } : {}),
      });
      if (refused || !queryId) continue;
      const entry = queryAck(queryId);
      if (action.op === "grade") {
        this.storedRelevance.set(action.item_id, action.relevance);
        entry.states.push({ item_id: action.item_id, relevance: action.relevance, best: false, flags: [] });
      } else if (action.op === "best") {
        const relevance = this.storedRelevance.get(action.item_id) ?? null;
        entry.states.push({ item_id: action.item_id, relevance, best: action.best, flags: [] });
      } else if (action.op === "flag" && action.item_id === null) {
        const own = this.storedFlags.get(`${queryId}/`) ?? [];
        const flags = action.on
          ? [...own.filter((f) => f !== action.flag), action.flag]
          : own.filter((f) => f !== action.flag);
        this.storedFlags.set(`${queryId}/`, flags);
        entry.query_flags = flags;
        entry.query_note = this.storedNotes.get(`${queryId}/`) ?? null;
      } else if (action.op === "flag" && action.item_id !== null && action.flag !== "broken-media") {
        const own = this.storedFlags.get(action.item_id) ?? [];
        const flags = action.on
          ? [...own.filter((f) => f !== action.flag), action.flag]
          : own.filter((f) => f !== action.flag);
        this.storedFlags.set(action.item_id, flags);
        const relevance = this.storedRelevance.get(action.item_id) ?? null;
        const note = this.storedNotes.get(action.item_id) ?? null;
        entry.states.push({ item_id: action.item_id, relevance, best: false, flags, note });
      } else if (action.op === "flag" && action.item_id !== null) {
        this.storedRelevance.set(action.item_id, null);
        entry.states.push({
          item_id: action.item_id,
          relevance: null,
          best: false,
          flags: action.on ? [action.flag] : [],
        });
      } else if (action.op === "note") {
        const note = action.note || null;
        this.storedNotes.set(action.item_id ?? `${queryId}/`, note);
        if (action.item_id === null) {
          entry.query_flags = this.storedFlags.get(`${queryId}/`) ?? [];
          entry.query_note = note;
        } else {
          const relevance = this.storedRelevance.get(action.item_id) ?? null;
          const flags = this.storedFlags.get(action.item_id) ?? [];
          entry.states.push({ item_id: action.item_id, relevance, best: false, flags, note });
        }
      } else if (action.op === "none") {
        entry.none_relevant = action.none_relevant;
      } else if (action.op === "pick") {
        const rank = action.rank;
        entry.states.push({ item_id: action.item_id, relevance: null, best: rank === 1, flags: [], rank });
      }
    }
    for (const [queryId, states] of Object.entries(how.states ?? {})) queryAck(queryId).states = states;
    this.receive({ type: "ack", results, queries, progress: this.traits.progress });
    return batch;
  }
  /** Acknowledge every judge batch sent (and the ones their acks let out). */
  ackAll(): void {
    while (this.acked < this.judges().length) this.ackNext();
  }
  private acked = 0;
  private readonly storedRelevance = new Map<string, number | null>();
  /** Flags and notes as stored, by item id (`<query_id>/` for the query's own). */
  private readonly storedFlags = new Map<string, string[]>();
  private readonly storedNotes = new Map<string, string | null>();
  /** Answer every page request not answered yet with a text page (or `make(index)`). */
  servePages(
    make: (index: number) => { page: Page; buffers?: DataView[] } = (index) => ({ page: textPage(index) }),
    only: (index: number) => boolean = () => true,
  ): void {
    for (const request of this.sentOf("page")) {
      if (this.answered.has(request.request_id) || !only(request.index)) continue;
      this.answered.add(request.request_id);
      const { page, buffers } = make(request.index);
      this.receive({ type: "page", request_id: request.request_id, index: request.index, page }, buffers ?? []);
    }
  }
  private readonly answered = new Set<number>();
}

export function key(target: EventTarget, keyName: string, init: KeyboardEventInit = {}): KeyboardEvent {
  const event = new KeyboardEvent("keydown", { key: keyName, bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(event);
  return event;
}

/**
 * A ResizeObserver the test drives: the global is replaced (undo with vi.unstubAllGlobals()), and
 * the function returned calls the observer's callback, as a change of size would.
 */
export function stubResizeObserver(): () => void {
  let resized = () => {};
  vi.stubGlobal(
    "ResizeObserver",
    class {
      constructor(callback: () => void) {
        resized = callback;
      }
      observe() {}
      disconnect() {}
    },
  );
  return () => resized();
}
