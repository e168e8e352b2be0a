import { describe, expect, it } from "vitest";
import { JudgementState } from "../src/state";
import { textPage } from "./fixtures";

function loaded() {
  const state = new JudgementState();
  state.load(textPage(0, 4));
  return state;
}
const item = (state: JudgementState, id: string) => state.queries.get("q0")!.items.get(id)!;

describe("JudgementState", () => {
  it("grades optimistically, then the ack marks saved with the stored values", () => {
    const state = loaded();
    state.grade("q0", "q0-d1", 2, 7, 100);
    expect(item(state, "q0-d1")).toMatchObject({ relevance: 2, state: "pending", request: 7 });
    expect(state.startedAt(7)).toBe(100);
    const change = state.ack({
      type: "ack",
      request_id: 7,
      query_id: "q0",
      states: [{ query_id: "q0", item_id: "q0-d1", relevance: 2, best: false }],
      none_relevant: false,
    });
    expect(change?.item_ids).toEqual(["q0-d1"]);
    expect(item(state, "q0-d1")).toMatchObject({ relevance: 2, state: "saved" });
  });

  it("keeps a newer optimistic value when an older ack arrives", () => {
    const state = loaded();
    state.grade("q0", "q0-d0", 1, 1);
    state.grade("q0", "q0-d0", 3, 2);
    state.ack({
      type: "ack",
      request_id: 1,
      query_id: "q0",
      states: [{ query_id: "q0", item_id: "q0-d0", relevance: 1, best: false }],
      none_relevant: false,
    });
    expect(item(state, "q0-d0")).toMatchObject({ relevance: 3, state: "pending" });
    state.ack({
      type: "ack",
      request_id: 2,
      query_id: "q0",
      states: [{ query_id: "q0", item_id: "q0-d0", relevance: 3, best: false }],
      none_relevant: false,
    });
    expect(item(state, "q0-d0")).toMatchObject({ relevance: 3, state: "saved" });
  });

  it("marks the touched items as errors when a request fails", () => {
    const state = loaded();
    state.grade("q0", "q0-d2", 0, 5);
    const change = state.fail(5, "store is read-only");
    expect(change?.item_ids).toEqual(["q0-d2"]);
    expect(item(state, "q0-d2")).toMatchObject({ relevance: 0, state: "error", error: "store is read-only" });
  });

  it("keeps one best per query and none-relevant clears it", () => {
    const state = loaded();
    state.pickBest("q0", "q0-d0", true, 1);
    state.pickBest("q0", "q0-d2", true, 2);
    expect(item(state, "q0-d0").best).toBe(false);
    expect(item(state, "q0-d2").best).toBe(true);
    const change = state.setNoneRelevant("q0", true, 3);
    expect(change.item_ids).toEqual(["q0-d2"]);
    expect(item(state, "q0-d2").best).toBe(false);
    expect(state.queries.get("q0")!.none_relevant).toBe(true);
    state.pickBest("q0", "q0-d1", true, 4);
    expect(state.queries.get("q0")!.none_relevant).toBe(false);
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

  it("a reloaded page does not overwrite judgements still in flight", () => {
    const state = loaded();
    state.grade("q0", "q0-d3", 1, 9);
    const fresh = textPage(0, 4);
    fresh.candidates[0].relevance = 3;
    state.load(fresh);
    expect(item(state, "q0-d3")).toMatchObject({ relevance: 1, state: "pending" });
    expect(item(state, "q0-d0")).toMatchObject({ relevance: 3, state: "saved" });
  });
});
