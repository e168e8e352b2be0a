/**
 * The shared optimistic state (tasks/optimistic.ts) on a task of its own: one number per candidate
 * and one mark on the query, so that what is tested is the machinery, not a task's rules.
 */

import { describe, expect, it } from "vitest";
import { NONE_RELEVANT, type OptimisticQuery, OptimisticState } from "../src/tasks/optimistic";
import { PickState } from "../src/tasks/pick/state";
import { q0Ack, textPage } from "./fixtures";

type Values = { score: number | null };
type Marks = { none: boolean };
type Query = OptimisticQuery<Values, Marks, "blank">;

/** A task whose keys set a candidate's score, or the query's mark. */
class Scores extends OptimisticState<Values, Marks, "blank"> {
  constructor(undoLimit = 500) {
    super(
      {
        item: {
          values: (item) => ({ score: item.score }),
          settled: (values) => (values.score === null ? "blank" : "saved"),
          fromPage: (candidate) => ({ score: candidate.relevance }),
          fromAck: (stored) => ({ score: stored.relevance }),
        },
        marks: { none: NONE_RELEVANT },
      },
      undoLimit,
    );
  }

  score(queryId: string, itemId: string, score: number, requestId: number, started = 0) {
    const query = this.require(queryId);
    const entry = this.begin(query, itemId, requestId, started);
    this.touch(entry, query, itemId).score = score;
    if (query.marks.none.value) this.setMark(entry, query, "none", false);
    return this.finish(entry);
  }

  /** A key the kernel will refuse: nothing changes here. */
  refusedKey(queryId: string, requestId: number) {
    const query = this.require(queryId);
    return this.finish(this.begin(query, null, requestId, 0));
  }

  none(queryId: string, on: boolean, requestId: number) {
    const query = this.require(queryId);
    const entry = this.begin(query, null, requestId, 0);
    this.setMark(entry, query, "none", on);
    return this.finish(entry);
  }
}

function loaded(undoLimit = 500): { state: Scores; query: Query } {
  const state = new Scores(undoLimit);
  return { state, query: state.load(textPage(0, 3)) };
}

const ack = (results: Parameters<typeof q0Ack>[0], states: Parameters<typeof q0Ack>[1] = [], none = false) =>
  q0Ack(results, states, none, 3);

describe("OptimisticState", () => {
  it("loads a page's values and settles them with the task's rule", () => {
    const page = textPage(0, 2);
    page.candidates[1].relevance = 2;
    page.none_relevant = true;
    const query = new Scores().load(page);
    expect(query.order).toEqual(["q0-d0", "q0-d1"]);
    expect(query.items.get("q0-d0")).toMatchObject({ score: null, state: "blank", request: 0 });
    expect(query.items.get("q0-d1")).toMatchObject({ score: 2, state: "saved" });
    expect(query.marks.none).toMatchObject({ value: true, state: "saved" });
  });

  it("a reloaded page keeps what is pending or failed, and takes the rest", () => {
    const { state, query } = loaded();
    state.score("q0", "q0-d0", 1, 1);
    state.score("q0", "q0-d1", 2, 2);
    state.fail([2], "read-only");
    state.none("q0", true, 3);
    const fresh = textPage(0, 3);
    for (const candidate of fresh.candidates) candidate.relevance = 3;
    state.load(fresh);
    expect(query.items.get("q0-d0")).toMatchObject({ score: 1, state: "pending" });
    expect(query.items.get("q0-d1")).toMatchObject({ score: 2, state: "error", error: "read-only" });
    expect(query.items.get("q0-d2")).toMatchObject({ score: 3, state: "saved" });
    expect(query.marks.none).toMatchObject({ value: true, state: "pending" });
  });

  it("an ack adopts the stored values, except where a newer request of ours is on its way", () => {
    const { state, query } = loaded();
    state.score("q0", "q0-d0", 1, 1, 50);
    state.score("q0", "q0-d0", 2, 2);
    state.none("q0", true, 3);
    expect(state.startedAt(1)).toBe(50);
    const changes = state.ack(
      ack(
        [[1, "saved"]],
        [
          { item_id: "q0-d0", relevance: 1 },
          { item_id: "q0-d2", relevance: 3 },
        ],
      ),
    );
    expect(query.items.get("q0-d0")).toMatchObject({ score: 2, state: "pending" });
    expect(query.items.get("q0-d2")).toMatchObject({ score: 3, state: "saved" });
    expect(query.marks.none).toMatchObject({ value: true, state: "pending" });
    expect(changes).toEqual([{ query_id: "q0", index: 0, item_ids: ["q0-d2"], marks: [] }]);
    expect(state.startedAt(1)).toBeNull();
    state.ack(
      ack(
        [
          [2, "saved"],
          [3, "saved"],
        ],
        [{ item_id: "q0-d0", relevance: 2 }],
        true,
      ),
    );
    expect(query.items.get("q0-d0")).toMatchObject({ score: 2, state: "saved" });
    expect(query.marks.none).toMatchObject({ value: true, state: "saved" });
  });

  it("settles what the batch changed that the ack does not list", () => {
    const { state, query } = loaded();
    state.score("q0", "q0-d1", 2, 4);
    const message = ack([[4, "saved"]]);
    message.queries = {};
    expect(state.ack(message)).toEqual([{ query_id: "q0", index: 0, item_ids: ["q0-d1"], marks: [] }]);
    expect(query.items.get("q0-d1")).toMatchObject({ score: 2, state: "saved" });
  });

  it("a refused request is reverted where it is still the last, and leaves the undo stack", () => {
    const { state, query } = loaded();
    state.none("q0", true, 1);
    state.ack(ack([[1, "saved"]], [], true));
    state.score("q0", "q0-d0", 2, 2); // clears the mark
    state.score("q0", "q0-d1", 3, 3);
    state.score("q0", "q0-d1", 1, 4); // a newer request on d1
    const changes = state.ack(
      ack(
        [
          [2, "refused"],
          [3, "refused"],
        ],
        [],
        true,
      ),
    );
    expect(query.items.get("q0-d0")).toMatchObject({ score: null, state: "blank" });
    expect(query.items.get("q0-d1")).toMatchObject({ score: 1, state: "pending" });
    expect(query.marks.none).toMatchObject({ value: true, state: "saved" });
    expect(changes[0]).toMatchObject({ item_ids: ["q0-d0"], marks: ["none"] });
    expect(state.undoStack.map((entry) => entry.request_id)).toEqual([1, 4]);
  });

  it("a key that changes nothing here is not undone here", () => {
    const { state } = loaded();
    state.score("q0", "q0-d0", 2, 1);
    expect(state.refusedKey("q0", 2)).toBeNull();
    expect(state.undoStack.map((entry) => entry.request_id)).toEqual([1]);
    expect(state.undo(3).entry?.request_id).toBe(1);
  });

  it("undo puts the values back as a pending request; a refused undo puts back what was shown", () => {
    const { state, query } = loaded();
    state.none("q0", true, 1);
    state.score("q0", "q0-d2", 2, 2);
    state.ack(
      ack(
        [
          [1, "saved"],
          [2, "saved"],
        ],
        [{ item_id: "q0-d2", relevance: 2 }],
      ),
    );
    const { entry, change } = state.undo(3);
    expect(entry).toMatchObject({ request_id: 2, query_id: "q0", index: 0, item_id: "q0-d2" });
    expect(change).toEqual({ query_id: "q0", index: 0, item_ids: ["q0-d2"], marks: ["none"] });
    expect(query.items.get("q0-d2")).toMatchObject({ score: null, state: "pending", request: 3 });
    expect(query.marks.none).toMatchObject({ value: true, state: "pending", request: 3 });
    state.ack(ack([[3, "refused"]]));
    expect(query.items.get("q0-d2")).toMatchObject({ score: 2, state: "saved" });
    expect(query.marks.none).toMatchObject({ value: false, state: "saved" });
    expect(state.undo(4).entry?.request_id).toBe(1);
    expect(state.undo(5)).toEqual({ entry: null, change: null });
  });

  it("undo of a query this view no longer holds still names it", () => {
    const { state } = loaded();
    state.score("q0", "q0-d0", 2, 1);
    state.queries.delete("q0");
    expect(state.undo(2)).toMatchObject({ entry: { query_id: "q0", item_id: "q0-d0" }, change: null });
  });

  it("keeps at most undoLimit entries", () => {
    const { state } = loaded(2);
    for (const request of [1, 2, 3]) state.score("q0", "q0-d0", request, request);
    expect(state.undoStack.map((entry) => entry.request_id)).toEqual([2, 3]);
  });

  it("a failed request shows its reason on what it changed, values as typed", () => {
    const { state, query } = loaded();
    state.score("q0", "q0-d1", 2, 1);
    state.score("q0", "q0-d2", 1, 3);
    state.none("q0", true, 2);
    const changes = state.fail([1, 2], "store is read-only");
    expect(changes).toEqual([{ query_id: "q0", index: 0, item_ids: ["q0-d1"], marks: ["none"] }]);
    expect(query.items.get("q0-d1")).toMatchObject({ score: 2, state: "error", error: "store is read-only" });
    expect(query.marks.none).toMatchObject({ value: true, state: "error" });
    expect(query.items.get("q0-d2")).toMatchObject({ state: "pending" });
    expect(state.startedAt(1)).toBeNull();
    // the kernel's stored value replaces an error
    state.ack(ack([[3, "saved"]], [{ item_id: "q0-d1", relevance: null }]));
    expect(query.items.get("q0-d1")).toMatchObject({ score: null, state: "blank", error: "" });
  });
});

describe("PickState on the shared machinery", () => {
  it("a refused undo puts the pick back; a failed x says so on the mark", () => {
    const state = new PickState();
    const query = state.load(textPage(0, 3));
    state.pick(query, "q0-d1", 1, 1, 0);
    state.ack(ack([[1, "saved"]], [{ item_id: "q0-d1", rank: 1, best: true }]));
    state.undo(2, 0);
    expect(query.items.get("q0-d1")).toMatchObject({ rank: null, state: "pending" });
    state.ack(ack([[2, "refused"]]));
    expect(query.items.get("q0-d1")).toMatchObject({ rank: 1, state: "saved" });
    state.none(query, 3, 0); // refused by the kernel while a pick exists: unchanged here
    expect(query.marks.none.value).toBe(false);
    state.pick(query, "q0-d1", 1, 4, 0); // the same key clears the pick
    state.ack(ack([[4, "saved"]], [{ item_id: "q0-d1", rank: null }]));
    state.none(query, 5, 0);
    state.fail([5], "store is read-only");
    expect(query.marks.none).toMatchObject({ value: true, state: "error", error: "store is read-only" });
  });
});
