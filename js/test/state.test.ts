import { describe, expect, it } from "vitest";
import { JudgementState } from "../src/tasks/grade/state";
import { q0Ack, textPage } from "./fixtures";

function loaded() {
  const state = new JudgementState();
  state.load(textPage(0, 4));
  return state;
}
const item = (state: JudgementState, id: string) => state.queries.get("q0")!.items.get(id)!;
const query = (state: JudgementState) => state.queries.get("q0")!;

const ack = q0Ack;

describe("JudgementState", () => {
  it("grades optimistically, then the ack marks saved with the stored values", () => {
    const state = loaded();
    state.grade("q0", "q0-d1", 2, 7, 100);
    expect(item(state, "q0-d1")).toMatchObject({ relevance: 2, state: "pending", request: 7 });
    expect(state.startedAt(7)).toBe(100);
    const changes = state.ack(ack([[7, "saved"]], [{ item_id: "q0-d1", relevance: 2 }]));
    expect(changes.flatMap((c) => c.item_ids)).toEqual(["q0-d1"]);
    expect(item(state, "q0-d1")).toMatchObject({ relevance: 2, state: "saved" });
  });

  it("adopts the kernel's stored states over its own (the kernel wins)", () => {
    const state = loaded();
    state.grade("q0", "q0-d0", 3, 1);
    state.ack(
      ack(
        [[1, "saved"]],
        [
          { item_id: "q0-d0", relevance: 3, best: true },
          { item_id: "q0-d2", relevance: 0 },
        ],
      ),
    );
    expect(item(state, "q0-d0")).toMatchObject({ relevance: 3, best: true, state: "saved" });
    expect(item(state, "q0-d2")).toMatchObject({ relevance: 0, state: "saved" });
  });

  it("keeps a newer optimistic value when the ack of an older batch arrives", () => {
    const state = loaded();
    state.grade("q0", "q0-d0", 1, 1);
    state.grade("q0", "q0-d0", 3, 2);
    state.ack(ack([[1, "saved"]], [{ item_id: "q0-d0", relevance: 1 }]));
    expect(item(state, "q0-d0")).toMatchObject({ relevance: 3, state: "pending" });
    state.ack(ack([[2, "saved"]], [{ item_id: "q0-d0", relevance: 3 }]));
    expect(item(state, "q0-d0")).toMatchObject({ relevance: 3, state: "saved" });
  });

  it("reverts a refused action and drops it from the undo stack", () => {
    const state = loaded();
    state.grade("q0", "q0-d0", 2, 1);
    state.ack(ack([[1, "saved"]], [{ item_id: "q0-d0", relevance: 2 }]));
    state.flag("q0", "q0-d0", "broken-media", true, 2);
    expect(item(state, "q0-d0")).toMatchObject({ relevance: null, flags: ["broken-media"] });
    state.ack(ack([[2, "refused"]]));
    expect(item(state, "q0-d0")).toMatchObject({ relevance: 2, flags: [], state: "saved" });
    expect(state.undoStack.map((entry) => entry.request_id)).toEqual([1]);
  });

  it("marks the touched items as errors when a request fails", () => {
    const state = loaded();
    state.grade("q0", "q0-d2", 0, 5);
    const changes = state.fail([5], "store is read-only");
    expect(changes[0].item_ids).toEqual(["q0-d2"]);
    expect(item(state, "q0-d2")).toMatchObject({ relevance: 0, state: "error", error: "store is read-only" });
  });

  it("applies the kernel's rules optimistically: R1 a relevant grade clears none relevant, R2, R5", () => {
    const state = loaded();
    state.setNoneRelevant("q0", true, 1);
    expect(query(state).marks.none.value).toBe(true);
    expect([...query(state).items.values()].map((i) => i.relevance)).toEqual([0, 0, 0, 0]);
    state.grade("q0", "q0-d1", 0, 2);
    expect(query(state).marks.none.value).toBe(true);
    state.grade("q0", "q0-d1", 2, 3);
    expect(query(state).marks.none.value).toBe(false);
    state.pickBest("q0", "q0-d1", true, 4);
    expect(item(state, "q0-d1").best).toBe(true);
    state.grade("q0", "q0-d1", 0, 5); // R2: graded lowest, no longer best
    expect(item(state, "q0-d1").best).toBe(false);
    state.flag("q0", "q0-d2", "broken-media", true, 6);
    state.grade("q0", "q0-d2", 1, 7); // R5: a grade clears the flag
    expect(item(state, "q0-d2")).toMatchObject({ relevance: 1, flags: [] });
  });

  it("does not show a best pick or none relevant the kernel will refuse (R3, R4)", () => {
    const state = loaded();
    state.pickBest("q0", "q0-d0", true, 1); // ungraded
    expect(item(state, "q0-d0").best).toBe(false);
    state.grade("q0", "q0-d1", 0, 2);
    state.pickBest("q0", "q0-d1", true, 3); // not relevant
    expect(item(state, "q0-d1").best).toBe(false);
    state.grade("q0", "q0-d2", 3, 4);
    state.setNoneRelevant("q0", true, 5); // a relevant grade
    expect(query(state).marks.none.value).toBe(false);
    expect(item(state, "q0-d0").relevance).toBeNull();
  });

  it("keeps one best per query", () => {
    const state = loaded();
    state.grade("q0", "q0-d0", 3, 1);
    state.grade("q0", "q0-d2", 2, 2);
    state.pickBest("q0", "q0-d0", true, 3);
    state.pickBest("q0", "q0-d2", true, 4);
    expect(item(state, "q0-d0").best).toBe(false);
    expect(item(state, "q0-d2").best).toBe(true);
  });

  it("counts judged and done: graded or flagged broken, or marked none relevant", () => {
    const state = loaded();
    expect(state.counts(query(state))).toEqual({ judged: 0, total: 4, done: false });
    state.grade("q0", "q0-d0", 1, 1);
    state.flag("q0", "q0-d1", "broken-media", true, 2);
    expect(state.counts(query(state))).toEqual({ judged: 2, total: 4, done: false });
    state.grade("q0", "q0-d2", 1, 3);
    state.grade("q0", "q0-d3", 0, 4);
    expect(state.counts(query(state)).done).toBe(true);
  });

  it("undo restores the state before the last judgement, across queries", () => {
    const state = loaded();
    state.load(textPage(1, 3));
    state.grade("q0", "q0-d0", 2, 1);
    state.pickBest("q0", "q0-d0", true, 2);
    state.grade("q1", "q1-d1", 3, 3);
    let undone = state.undo(4);
    expect(undone.entry).toMatchObject({ query_id: "q1", index: 1, item_id: "q1-d1" });
    expect(state.queries.get("q1")!.items.get("q1-d1")).toMatchObject({ relevance: null, state: "pending" });
    undone = state.undo(5);
    expect(undone.entry?.query_id).toBe("q0");
    expect(item(state, "q0-d0")).toMatchObject({ relevance: 2, best: false });
    state.undo(6);
    expect(item(state, "q0-d0").relevance).toBeNull();
    expect(state.undo(7).entry).toBeNull();
  });

  it("a refused undo puts back what the screen showed", () => {
    const state = loaded();
    state.grade("q0", "q0-d0", 2, 1);
    state.ack(ack([[1, "saved"]], [{ item_id: "q0-d0", relevance: 2 }]));
    state.undo(2);
    expect(item(state, "q0-d0").relevance).toBeNull();
    state.ack(ack([[2, "refused"]]));
    expect(item(state, "q0-d0")).toMatchObject({ relevance: 2, state: "saved" });
  });

  it("a reloaded page does not overwrite judgements still in flight", () => {
    const state = loaded();
    state.grade("q0", "q0-d3", 1, 9);
    const fresh = textPage(0, 4);
    fresh.candidates[0].relevance = 3;
    fresh.candidates[1].flags = ["broken-media"];
    state.load(fresh);
    expect(item(state, "q0-d3")).toMatchObject({ relevance: 1, state: "pending" });
    expect(item(state, "q0-d0")).toMatchObject({ relevance: 3, state: "saved" });
    expect(item(state, "q0-d1")).toMatchObject({ flags: ["broken-media"], state: "saved" });
  });
});
