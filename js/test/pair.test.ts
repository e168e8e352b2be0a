/**
 * The pair task's body (PairwiseJudge): keys -> DOM and messages, the next pair after a choice,
 * acks adopted (the kernel wins), undo going back to its pair, broken media, media keys.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Result } from "../src/shell/protocol";
import { pairKeys } from "../src/tasks/pair/keys";
import type { PairPage, PairStored } from "../src/tasks/pair/state";
import { type FakeModel, TREC } from "./fixtures";
import { mountGrid, unmountAll } from "./mount";

let clock = 0;
const NO_LEVELS = { ...TREC, levels: [], flags: ["broken-media"] };

/** Pair k (0-based) of query "q<k>", items "l<k>" (left) and "r<k>" (right). */
function pairPage(index: number, overrides: Partial<PairPage> = {}): PairPage {
  const candidate = (id: string, position: number) => ({
    item_id: id,
    shown_position: position,
    parts: [{ column: "caption", kind: "text" as const, text: `caption of ${id}` }],
    relevance: null,
    best: false,
    flags: [],
  });
  return {
    index,
    query_id: `pair-${index + 1}`,
    query: { parts: [{ column: "text", kind: "text", text: `query ${index}` }] },
    candidates: [candidate(`l${index}`, 0), candidate(`r${index}`, 1)],
    none_relevant: false,
    pair: { query_id: `q${index}`, side: null, flags: [] },
    ...overrides,
  };
}

function audioPair(index: number) {
  const page = pairPage(index);
  const buffers: DataView[] = [];
  for (const candidate of page.candidates) {
    buffers.push(new DataView(new Uint8Array([0x52, 0x49, 0x46, 0x46, buffers.length]).buffer));
    candidate.parts = [{ column: "audio", kind: "audio", mime: "audio/wav", data: buffers.length - 1, duration: 20 }];
  }
  return { page, buffers };
}

type PairAction = {
  op: string;
  request_id: number;
  query_id?: string;
  side?: string | null;
  on?: boolean;
  item_id?: string;
};

/** The pair actions of every judge batch sent, in order. */
function sentActions(model: FakeModel): PairAction[] {
  return model.judges().flat() as unknown as PairAction[];
}

/** Answer the oldest unanswered batch as the kernel would; `sides` overrides the stored sides. */
function ack(
  model: FakeModel,
  how: { refuse?: boolean; sides?: Record<string, string | null>; notice?: string; undone?: Result["undone"] } = {},
) {
  const answered = (model as unknown as { _acked?: number })._acked ?? 0;
  const batch = model.judges()[answered] as unknown as PairAction[];
  (model as unknown as { _acked: number })._acked = answered + 1;
  const results: Result[] = [];
  const queries: Record<
    string,
    { index: number; states: PairStored[]; none_relevant: boolean; done: boolean; judged: number; total: number }
  > = {};
  for (const action of batch) {
    const id = action.query_id ?? how.undone?.query_id ?? "";
    results.push({
      request_id: action.request_id,
      status: how.refuse ? "refused" : "saved",
      query_id: id,
      notice: how.notice ?? "",
      ...(action.op === "undo" && how.undone ? { undone: how.undone } : {}),
    });
    if (how.refuse || !id) continue;
    const side = how.sides && id in how.sides ? how.sides[id] : action.op === "choice" ? (action.side ?? null) : null;
    const flags = action.op === "flag" && action.on ? ["broken-media"] : [];
    const broken = action.op === "flag" && action.on && action.item_id ? [action.item_id] : [];
    queries[id] = {
      index: Number(id.slice(5)) - 1,
      states: [{ item_id: "a", relevance: null, best: false, flags, side: side as PairStored["side"], broken }],
      none_relevant: false,
      done: side !== null || flags.length > 0,
      judged: 1,
      total: 2,
    };
  }
  model.receive({ type: "ack", results, queries, progress: model.traits.progress } as never);
}

const mount = (traits: Record<string, unknown> = {}) => {
  const grid = mountGrid({ scale: NO_LEVELS, n_queries: 5, ...traits }, { task: "pair" }, () => clock);
  const serve = (make: (index: number) => { page: PairPage; buffers?: DataView[] } = (i) => ({ page: pairPage(i) })) =>
    grid.model.servePages(make);
  serve();
  grid.root.focus();
  const pair = () => grid.el.querySelector<HTMLElement>(".xmw-pair")!;
  const button = (key: string) => grid.el.querySelector<HTMLElement>(`.xmw-pair [data-key="${key}"]`)!;
  return { ...grid, serve, pair, button };
};

beforeEach(() => {
  clock = 1000;
});
afterEach(() => unmountAll());

describe("pair keys", () => {
  it("map 1-4 to the sides, also by the physical key on layouts where digits need Shift", () => {
    expect(pairKeys({ key: "1" })).toEqual({ type: "task", name: "choose", value: "left" });
    expect(pairKeys({ key: "2" })).toEqual({ type: "task", name: "choose", value: "right" });
    expect(pairKeys({ key: "3" })).toEqual({ type: "task", name: "choose", value: "tie" });
    expect(pairKeys({ key: "4" })).toEqual({ type: "task", name: "choose", value: "both-bad" });
    // AZERTY: the key with "2" on it gives "é" without Shift
    expect(pairKeys({ key: "é", code: "Digit2" })).toEqual({ type: "task", name: "choose", value: "right" });
    expect(pairKeys({ key: "1", code: "Numpad1" })).toEqual({ type: "task", name: "choose", value: "left" });
    expect(pairKeys({ key: "m" })).toEqual({ type: "flag" });
    expect(pairKeys({ key: "Backspace" })).toEqual({ type: "task", name: "clear" });
    // the shell's keys stay the shell's
    for (const key of ["h", "l", "n", "p", "z", "g", " ", "[", "]", "?", "b", "x", "0"]) {
      expect(pairKeys({ key }), key).toBeNull();
    }
  });
});

describe("the pair on screen", () => {
  it("shows the query in the header, the items side by side and every key on screen", () => {
    const { el, tiles, button, text, pair } = mount();
    expect(text(".xmw-query")).toBe("query 0");
    expect(tiles().map((tile) => [tile.dataset.side, tile.dataset.itemId])).toEqual([
      ["left", "l0"],
      ["right", "r0"],
    ]);
    expect(tiles()[0].classList.contains("xmw-focused")).toBe(true);
    expect(["1", "2", "3", "4", "m"].map((key) => button(key).textContent)).toEqual([
      "left better",
      "right better",
      "tie",
      "both bad",
      "broken media",
    ]);
    // left better under the left item, right better under the right one
    expect(button("1").closest(".xmw-pair-side")?.contains(tiles()[0])).toBe(true);
    expect(button("2").closest(".xmw-pair-side")?.contains(tiles()[1])).toBe(true);
    expect(text(".xmw-hint")).toContain("1 left better · 2 right better · 3 tie · 4 both bad");
    expect(text(".xmw-pair-status")).toBe("pair 1 of 5 · not judged yet");
    // the shell's header counts pairs, not queries
    expect(text(".xmw-progress")).toBe("judged 0/60 · pairs done 0/10 · pair 1/5");
    expect(pair().dataset.side).toBe("");
    // no grading legend, no "none relevant" button
    expect(el.querySelector<HTMLElement>(".xmw-legend")!.hidden).toBe(true);
    expect(el.querySelector<HTMLElement>(".xmw-none-button")!.hidden).toBe(true);
  });

  it("1 sends the side for the pair and goes on to the next pair, saying what was recorded", () => {
    const { model, press, notice, text, tiles } = mount();
    clock = 1400;
    const event = press("1");
    expect(event.defaultPrevented).toBe(true);
    expect(sentActions(model)).toEqual([
      { op: "choice", request_id: expect.any(Number), query_id: "pair-1", side: "left", duration_ms: 400 },
    ]);
    expect(model.get("query_index")).toBe(1);
    expect(text(".xmw-query")).toBe("query 1");
    expect(tiles()[0].dataset.itemId).toBe("l1");
    expect(notice().textContent).toBe("pair 1: left better");
    ack(model);
    press("p");
    expect(text(".xmw-pair-status")).toBe("pair 1 of 5 · ✓ saved: left better");
    expect(tiles().map((tile) => tile.dataset.chosen)).toEqual(["better", "worse"]);
  });

  it("with advance_on_choice off stays, shows the choice pending, then saved", () => {
    const { model, press, pair, button, text } = mount({ advance_on_choice: false });
    press("2");
    expect(model.get("query_index")).toBe(0);
    expect(pair().dataset).toMatchObject({ side: "right", state: "pending" });
    expect(button("2").getAttribute("aria-pressed")).toBe("true");
    expect(text(".xmw-pair-status")).toBe("pair 1 of 5 · saving…: right better");
    ack(model);
    expect(pair().dataset.state).toBe("saved");
    press("3");
    press("4");
    expect(sentActions(model).map((a) => a.side)).toEqual(["right", "tie"]);
    ack(model); // the 4 went out when the 3 was acknowledged (one batch in flight)
    expect(sentActions(model).map((a) => a.side)).toEqual(["right", "tie", "both-bad"]);
    ack(model);
    expect(text(".xmw-pair-status")).toBe("pair 1 of 5 · ✓ saved: both bad");
    expect(pair().querySelectorAll('.xmw-pair-tile[data-chosen="bad"]')).toHaveLength(2);
    press("Backspace");
    expect(sentActions(model).slice(-1)[0]).toMatchObject({ op: "choice", side: null });
  });

  it("adopts the kernel's stored side and reverts a refused choice", () => {
    const { model, press, pair, notice } = mount({ advance_on_choice: false });
    press("1");
    ack(model, { sides: { "pair-1": "tie" } });
    expect(pair().dataset).toMatchObject({ side: "tie", state: "saved" });
    press("2");
    ack(model, { refuse: true, notice: "not saved: disk full" });
    expect(pair().dataset.side).toBe("tie");
    expect(notice().textContent).toBe("not saved: disk full");
    expect(notice().dataset.kind).toBe("refused");
  });

  it("a kernel error for the batch in flight marks the pair not saved", () => {
    const { model, press, pair, text } = mount({ advance_on_choice: false });
    press("1");
    const [batch] = model.judges();
    model.receive({ type: "error", request_id: batch[0].request_id, message: "boom" });
    expect([pair().dataset.side, pair().dataset.state]).toEqual(["", "error"]);
    expect(text(".xmw-pair-status")).toBe("pair 1 of 5 · not judged yet");
  });

  it("clicking a choice button judges the pair and keeps the keys with the widget", () => {
    const { model, button, root } = mount();
    button("3").click();
    expect(sentActions(model)[0]).toMatchObject({ op: "choice", side: "tie", query_id: "pair-1" });
    expect(model.get("query_index")).toBe(1);
    expect(root.contains(document.activeElement)).toBe(true);
  });

  it("m flags the focused item broken (not the pair) and goes on; m again on it removes the flag", () => {
    const { model, press, text, tiles } = mount();
    // the right item's media fail: → then m marks that one
    press("ArrowRight");
    press("m");
    expect(sentActions(model)[0]).toMatchObject({
      op: "flag",
      query_id: "pair-1",
      item_id: "r0",
      flag: "broken-media",
      on: true,
    });
    expect(model.get("query_index")).toBe(1);
    ack(model);
    press("p");
    expect(text(".xmw-pair-status")).toBe("pair 1 of 5 · ✓ saved: broken media: right item");
    expect(tiles().map((tile) => tile.dataset.broken)).toEqual(["false", "true"]);
    const toggles = [...document.querySelectorAll<HTMLElement>(".xmw-pair-tile .xmw-pair-broken")];
    expect(toggles.map((button) => button.getAttribute("aria-pressed"))).toEqual(["false", "true"]);
    // the right item's own toggle removes its flag (and the pair stays on screen)
    toggles[1]?.click();
    expect(sentActions(model)[1]).toMatchObject({ op: "flag", item_id: "r0", on: false });
    expect(model.get("query_index")).toBe(0);
    expect(text(".xmw-pair-status")).toBe("pair 1 of 5 · not judged yet");
    ack(model);
    // ← then m marks the left item
    press("ArrowLeft");
    press("m");
    expect(sentActions(model)[2]).toMatchObject({ op: "flag", item_id: "l0", on: true });
  });

  it("z goes back to the pair it undoes and shows it as it was", () => {
    const { model, press, text, pair } = mount();
    press("1");
    ack(model);
    expect(model.get("query_index")).toBe(1);
    press("z");
    expect(sentActions(model).slice(-1)[0]).toMatchObject({ op: "undo" });
    expect(model.get("query_index")).toBe(0);
    expect([pair().dataset.side, pair().dataset.state]).toEqual(["", "pending"]);
    ack(model, { undone: { query_id: "pair-1", index: 0, item_id: null }, sides: { "pair-1": null } });
    expect(text(".xmw-pair-status")).toBe("pair 1 of 5 · not judged yet");
  });

  it("n on the last pair and p on the first say so in pairs", () => {
    const { press, notice, model } = mount({ n_queries: 2 });
    press("p");
    expect(notice().textContent).toBe("this is the first pair");
    press("n");
    model.servePages((i) => ({ page: pairPage(i) }));
    press("n");
    expect(notice().textContent).toBe("this is the last pair (2 of 2) · 2 not done yet · g to go to one");
  });

  it("g with a query id goes to that query's first pair, g with a number to that pair", () => {
    const { model, press, el } = mount({ goto_query_ids: ["q0", "", "q1", "", ""] });
    const go = (text: string) => {
      press("g");
      const input = el.querySelector<HTMLInputElement>(".xmw-goto-input")!;
      input.value = text;
      input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
    };
    go("q1");
    expect(model.get("query_index")).toBe(2);
    go("4");
    expect(model.get("query_index")).toBe(3);
  });

  it("a move applied from the type-ahead while the go-to box is open does not take its focus", () => {
    const grid = mountGrid({ scale: NO_LEVELS, n_queries: 40 }, { task: "pair" }, () => clock);
    grid.model.servePages(
      (i) => ({ page: pairPage(i) }),
      (index) => index === 0,
    );
    grid.root.focus();
    grid.press("n"); // pair 1 is loading
    grid.press("l");
    grid.press("g");
    const input = grid.el.querySelector<HTMLInputElement>(".xmw-goto-input")!;
    grid.model.servePages(
      (i) => ({ page: pairPage(i) }),
      (index) => index === 1,
    );
    expect(document.activeElement).toBe(input);
  });

  it("an undo the kernel applied elsewhere goes to that pair", () => {
    const { model, press } = mount();
    press("z"); // this view has nothing to undo; the kernel undid a pair of an earlier view
    ack(model, { undone: { query_id: "pair-4", index: 3, item_id: null } });
    expect(model.get("query_index")).toBe(3);
  });

  it("keys typed while the next pair loads apply to it when it comes", () => {
    const grid = mountGrid({ scale: NO_LEVELS, n_queries: 5 }, { task: "pair" }, () => clock);
    grid.model.servePages(
      (i) => ({ page: pairPage(i) }),
      (i) => i === 0,
    );
    grid.root.focus();
    grid.press("1");
    grid.press("2"); // pair 2 is not here yet
    expect(sentActions(grid.model).map((a) => a.query_id)).toEqual(["pair-1"]);
    grid.model.servePages((i) => ({ page: pairPage(i) }));
    ack(grid.model);
    expect(sentActions(grid.model).map((a) => [a.query_id, a.side])).toEqual([
      ["pair-1", "left"],
      ["pair-2", "right"],
    ]);
  });

  it("after the kernel read the store again (refresh), the pair on screen shows the stored choice", () => {
    const grid = mount();
    expect(grid.text(".xmw-pair-status")).toContain("not judged yet");
    grid.model.receive({ type: "invalidate", indices: "all" });
    grid.serve((i) => ({ page: pairPage(i, { pair: { query_id: "q", side: "left", flags: [] } }) }));
    expect(grid.pair().dataset).toMatchObject({ side: "left", state: "saved" });
    expect(grid.text(".xmw-pair-status")).toBe("pair 1 of 5 · ✓ saved: left better");
  });

  it("a stored choice comes with its page", () => {
    const grid = mountGrid({ scale: NO_LEVELS, n_queries: 5 }, { task: "pair" }, () => clock);
    grid.model.servePages((i) => ({ page: pairPage(i, { pair: { query_id: "q", side: "right", flags: [] } }) }));
    expect(grid.el.querySelector<HTMLElement>(".xmw-pair")!.dataset).toMatchObject({ side: "right", state: "saved" });
    expect(grid.text(".xmw-pair-status")).toBe("pair 1 of 5 · ✓ saved: right better");
  });
});

describe("media of a pair", () => {
  it("→ focuses the right item and Space plays it, pausing the left one", () => {
    const grid = mountGrid({ scale: NO_LEVELS, n_queries: 1 }, { task: "pair" }, () => clock);
    grid.model.servePages(audioPair);
    grid.root.focus();
    const [left, right] = grid.tiles().map((tile) => tile.querySelector("audio")!);
    grid.press(" ");
    expect(left.paused).toBe(false);
    grid.press("ArrowRight");
    expect(grid.tiles()[1].classList.contains("xmw-focused")).toBe(true);
    expect(grid.press(" ").defaultPrevented).toBe(true);
    expect(right.paused).toBe(false);
    expect(left.paused).toBe(true);
    grid.press("h");
    expect(grid.tiles()[0].classList.contains("xmw-focused")).toBe(true);
  });

  it("End focuses the right item, Home the left one (the widget's keys: the notebook does not scroll)", () => {
    const grid = mountGrid({ scale: NO_LEVELS, n_queries: 1 }, { task: "pair" }, () => clock);
    grid.model.servePages(audioPair);
    grid.root.focus();
    const [left, right] = grid.tiles().map((tile) => tile.querySelector("audio")!);
    expect(grid.press("End").defaultPrevented).toBe(true);
    expect(grid.tiles()[1].classList.contains("xmw-focused")).toBe(true);
    grid.press(" ");
    expect(right.paused).toBe(false);
    expect(grid.press("Home").defaultPrevented).toBe(true);
    expect(grid.tiles()[0].classList.contains("xmw-focused")).toBe(true);
    grid.press(" ");
    expect(left.paused).toBe(false);
  });
});
