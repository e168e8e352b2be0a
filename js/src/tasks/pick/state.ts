/**
 * Optimistic pick state of one view: what the annotator sees, ahead of the store.
 *
 * The machinery (pending requests, acks adopted, refusals reverted, undo) is ../optimistic.ts; here
 * is what each key changes, with the side effects the kernel's rules apply (a new best replaces the
 * old one, best on the second best swaps them, a pick clears "none relevant", a broken flag clears a
 * pick). An action the kernel will refuse (picking a broken tile, the best as second best, "none
 * relevant" while a pick exists) changes nothing here: it is sent all the same, and the kernel's
 * notice says why. Rules: xmwidgets/widgets/_pick_rules.py.
 */

import { BROKEN_MEDIA } from "../../shell/protocol";
import { NONE_RELEVANT, OptimisticState, type StateTypes } from "../optimistic";

export type Rank = 1 | 2 | null;

type Values = { rank: Rank; flags: string[] };
/** The query's own mark: "none relevant". */
type Marks = { none: boolean };

type Types = StateTypes<Values, Marks, "unpicked">;
export type TileState = Types["tile"];
export type PickItem = Types["item"];
export type PickQuery = Types["query"];
/** The query and tiles a change touched, so that the view updates only those. */
export type Change = Types["change"];

const asRank = (rank: number | null | undefined, best: boolean): Rank =>
  rank === 1 || rank === 2 ? rank : best ? 1 : null;

const RULES: Types["rules"] = {
  item: {
    values: (item) => ({ rank: item.rank, flags: [...item.flags] }),
    settled: (item) => (item.rank !== null || item.flags.length ? "saved" : "unpicked"),
    fromPage: (candidate) => ({ rank: asRank(candidate.rank, candidate.best), flags: [...(candidate.flags ?? [])] }),
    fromAck: (stored) => ({ rank: asRank(stored.rank, stored.best), flags: [...(stored.flags ?? [])] }),
  },
  marks: { none: NONE_RELEVANT },
};

export class PickState extends OptimisticState<Values, Marks, "unpicked"> {
  constructor() {
    super(RULES);
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
    return query.marks.none.value || this.ranked(query, 1) !== null;
  }

  /**
   * The pick key for `itemId` at `rank`: what to send (the same key on the same pick clears it) and
   * the change it makes here (null when the kernel will refuse it).
   */
  pick(query: PickQuery, itemId: string, rank: 1 | 2, requestId: number, at: number) {
    const current = query.items.get(itemId)?.rank ?? null;
    const send: Rank = current === rank ? null : rank;
    const entry = this.begin(query, itemId, requestId, at);
    if (this.isBroken(query, itemId) || (rank === 2 && current === 1)) return { send, change: this.finish(entry) };
    const changes = new Map<string, Rank>();
    if (send === 1) {
      const best = this.ranked(query, 1);
      if (best !== null) changes.set(best, current === 2 ? 2 : null); // swap, or replace
    } else if (send === 2) {
      const second = this.ranked(query, 2);
      if (second !== null) changes.set(second, null);
    }
    changes.set(itemId, send);
    for (const [id, value] of changes) this.touch(entry, query, id).rank = value;
    if (send !== null && query.marks.none.value) this.setMark(entry, query, "none", false);
    return { send, change: this.finish(entry) };
  }

  /** `x`: toggle "none relevant" (refused by the kernel, so unchanged here, while a pick exists). */
  none(query: PickQuery, requestId: number, at: number) {
    const on = !query.marks.none.value;
    const entry = this.begin(query, null, requestId, at);
    const picked = this.ranked(query, 1) !== null || this.ranked(query, 2) !== null;
    if (!(on && picked)) this.setMark(entry, query, "none", on);
    return { on, change: this.finish(entry) };
  }

  /** `m`: toggle a flag on `itemId`; broken media clears its pick. */
  flag(query: PickQuery, itemId: string, flag: string, requestId: number, at: number) {
    const on = !query.items.get(itemId)?.flags.includes(flag);
    const entry = this.begin(query, itemId, requestId, at);
    const item = this.touch(entry, query, itemId);
    item.flags = on ? [...item.flags, flag] : item.flags.filter((f) => f !== flag);
    if (on && flag === BROKEN_MEDIA) item.rank = null;
    return { on, change: this.finish(entry) };
  }
}
