import { describe, expect, it, onTestFinished, vi } from "vitest";
import { JudgeBatcher } from "../src/shell/batch";
import type { BrowserMessage, JudgeAction } from "../src/shell/protocol";

const grade = (request_id: number): JudgeAction => ({
  op: "grade",
  request_id,
  query_id: "q0",
  item_id: `d${request_id}`,
  relevance: 1,
  duration_ms: 0,
});

describe("JudgeBatcher (group commit)", () => {
  it("sends at once when idle, queues while a batch is in flight, sends the queue in one message on its ack", () => {
    const sent: BrowserMessage[] = [];
    const unsaved: number[] = [];
    const batcher = new JudgeBatcher(
      (m) => sent.push(m),
      (n) => unsaved.push(n),
    );
    batcher.submit(grade(1));
    expect(sent).toEqual([{ type: "judge", actions: [grade(1)] }]);
    batcher.submit(grade(2));
    batcher.submit(grade(3));
    batcher.submit({ op: "undo", request_id: 4 });
    expect(sent).toHaveLength(1);
    expect(batcher.unsaved).toBe(4);
    // another view's ack changes nothing
    expect(batcher.answered([99])).toBe(false);
    expect(sent).toHaveLength(1);
    expect(batcher.answered([1])).toBe(true);
    expect(sent[1]).toEqual({ type: "judge", actions: [grade(2), grade(3), { op: "undo", request_id: 4 }] });
    expect(batcher.isInFlight(3)).toBe(true);
    expect(batcher.answered([2, 3, 4])).toBe(true);
    expect(sent).toHaveLength(2);
    expect(batcher.busy).toBe(false);
    expect(unsaved[unsaved.length - 1]).toBe(0);
    batcher.submit(grade(5));
    expect(sent).toHaveLength(3);
  });
});

describe("a batch the kernel does not answer", () => {
  it("is said to be slow once, never sent again, and settled by the late ack", () => {
    vi.useFakeTimers();
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const sent: BrowserMessage[] = [];
    const slow: number[] = [];
    const batcher = new JudgeBatcher(
      (message) => sent.push(message),
      () => undefined,
      (count) => slow.push(count),
      1000,
    );
    batcher.submit({ op: "undo", request_id: 1 });
    batcher.submit({ op: "undo", request_id: 2 });
    vi.advanceTimersByTime(999);
    expect(slow).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(slow).toEqual([2]); // one in flight, one queued behind it
    vi.advanceTimersByTime(10_000);
    expect(slow).toEqual([2]);
    expect(sent).toHaveLength(1);
    batcher.answered([1]);
    expect(slow).toEqual([2, 0]);
    expect(sent).toHaveLength(2); // the queued one goes out now, with a timer of its own
    batcher.answered([2]);
    vi.advanceTimersByTime(5000);
    expect(slow).toEqual([2, 0]);
  });
});
