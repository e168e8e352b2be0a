/**
 * The pair task's optimistic state: per pair (its page's `query_id`), the side chosen, the flags
 * and the items flagged broken-media (by item id: `m` marks the focused item, not the pair) as
 * shown, as last stored by the kernel, and the requests not answered yet. A key changes
 * the shown state at once; an ack sets the stored one, and once no request of that pair is
 * outstanding the shown state is the stored one (the kernel wins: a refusal is reverted).
 */

import { BROKEN_MEDIA, type Page, type StoredState } from "../../shell/protocol";
import type { Side } from "./keys";

/** A page of the pair task: the pair's query and its stored state besides the two items. */
export interface PairPage extends Page {
  pair?: { query_id: string; side: Side | null; flags: string[]; broken?: string[] };
}

/** A stored state in an ack of the pair task (the kernel adds the side and the broken items). */
export type PairStored = StoredState & { side?: Side | null; broken?: string[] };

export interface Judged {
  side: Side | null;
  /** The pair's flags; broken-media is among them while an item is in `broken`. */
  flags: string[];
  /** The items of the pair flagged broken-media. */
  broken: string[];
}

const judgedOf = (stored: { side?: Side | null; flags?: string[]; broken?: string[] } | undefined): Judged => ({
  side: stored?.side ?? null,
  flags: [...(stored?.flags ?? [])],
  broken: [...(stored?.broken ?? [])],
});
const copy = (from: Judged): Judged => ({ side: from.side, flags: [...from.flags], broken: [...from.broken] });
const adopt = (pair: PairState, from: Judged): void => {
  pair.side = from.side;
  pair.flags = [...from.flags];
  pair.broken = [...from.broken];
};

export interface PairState extends Judged {
  /** The pair's page id (`pair-<k>`) and position. */
  readonly id: string;
  readonly index: number;
  stored: Judged;
  /** "" nothing sent, "pending" waiting for the kernel, "saved", "error" (not saved). */
  state: "" | "pending" | "saved" | "error";
  outstanding: Set<number>;
}

/** What undo takes back, as this view guesses it (the kernel's result says for sure). */
export interface UndoGuess {
  id: string;
  index: number;
  before: Judged;
}

export class PairStates {
  readonly pairs = new Map<string, PairState>();
  private readonly requests = new Map<number, { id: string; started: number }>();
  private readonly history: UndoGuess[] = [];

  /** A page arrived: its stored state, unless this view already knows the pair. */
  load(page: PairPage): PairState {
    const known = this.pairs.get(page.query_id);
    if (known) return known;
    const stored = judgedOf(page.pair);
    const pair: PairState = {
      id: page.query_id,
      index: page.index,
      ...copy(stored),
      stored,
      state: stored.side !== null || stored.flags.length ? "saved" : "",
      outstanding: new Set(),
    };
    this.pairs.set(pair.id, pair);
    return pair;
  }

  get(id: string): PairState | undefined {
    return this.pairs.get(id);
  }

  /** The kernel read the store again: forget the pairs with nothing in flight (their pages come again). */
  forget(): void {
    for (const [id, pair] of this.pairs) if (pair.outstanding.size === 0) this.pairs.delete(id);
  }

  /** Show `next` on `pair` for request `requestId`; remembered for undo unless `undoing`. */
  change(pair: PairState, next: Judged, requestId: number, started: number, undoing = false): void {
    if (!undoing) this.history.push({ id: pair.id, index: pair.index, before: copy(pair) });
    adopt(pair, next);
    pair.state = "pending";
    pair.outstanding.add(requestId);
    this.requests.set(requestId, { id: pair.id, started });
  }

  /** The choice of `side` on `pair`: a choice clears broken-media (the media played after all). */
  static chosen(pair: Judged, side: Side | null): Judged {
    return { side, flags: pair.flags.filter((flag) => flag !== BROKEN_MEDIA), broken: [] };
  }

  /** broken-media on or off for the item `itemId` of the pair: on removes the choice. */
  static flagged(pair: Judged, itemId: string, on: boolean): Judged {
    const others = pair.broken.filter((id) => id !== itemId);
    const broken = on ? [...others, itemId] : others;
    const flags = pair.flags.filter((flag) => flag !== BROKEN_MEDIA);
    if (broken.length) flags.push(BROKEN_MEDIA);
    return { side: on ? null : pair.side, flags, broken };
  }

  /** The last change of this view, taken off the history (null: nothing to undo here). */
  takeUndo(): UndoGuess | null {
    return this.history.pop() ?? null;
  }

  /** An undo request: tracked on the pair it is guessed to undo (or on none). */
  undoRequest(requestId: number, started: number, guess: UndoGuess | null): void {
    const pair = guess ? this.pairs.get(guess.id) : undefined;
    if (pair && guess) this.change(pair, guess.before, requestId, started, true);
    else this.requests.set(requestId, { id: "", started });
  }

  startedAt(requestId: number): number | null {
    return this.requests.get(requestId)?.started ?? null;
  }

  /**
   * An ack: the stored states it reports (any view's) and the outcome of our requests.
   * @returns the ids of the pairs whose shown state changed
   */
  ack(
    results: ReadonlyArray<{ request_id: number; status: string }>,
    queries: Record<string, { states: PairStored[] }>,
  ): Set<string> {
    const changed = new Set<string>();
    const refused = new Set<string>();
    for (const result of results) {
      const request = this.requests.get(result.request_id);
      if (!request) continue;
      this.requests.delete(result.request_id);
      const pair = this.pairs.get(request.id);
      if (!pair) continue;
      pair.outstanding.delete(result.request_id);
      if (result.status === "refused") refused.add(pair.id);
      changed.add(pair.id);
    }
    for (const [id, ack] of Object.entries(queries ?? {})) {
      const pair = this.pairs.get(id);
      const stored = ack.states?.[0];
      if (!pair || !stored) continue;
      pair.stored = judgedOf(stored);
      changed.add(id);
    }
    for (const id of changed) {
      const pair = this.pairs.get(id);
      if (!pair || pair.outstanding.size) continue;
      adopt(pair, pair.stored);
      const judged = pair.side !== null || pair.flags.length > 0;
      pair.state = refused.has(id) && !judged ? "" : judged ? "saved" : "";
    }
    return changed;
  }

  /** The batch in flight failed: its pairs go back to their stored state, marked not saved. */
  fail(requestIds: Iterable<number>): Set<string> {
    const changed = new Set<string>();
    for (const requestId of requestIds) {
      const request = this.requests.get(requestId);
      this.requests.delete(requestId);
      const pair = request ? this.pairs.get(request.id) : undefined;
      if (!pair) continue;
      pair.outstanding.delete(requestId);
      if (!pair.outstanding.size) {
        adopt(pair, pair.stored);
        pair.state = "error";
      }
      changed.add(pair.id);
    }
    return changed;
  }
}
