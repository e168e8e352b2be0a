/** The ranking body (js/src/tasks/rank/): keys -> tiles and messages, drafts saved, acks adopted. */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { Page, StoredState } from "../src/shell/protocol";
import { dropIndex, EDGE, edgeSpeed } from "../src/tasks/rank/drag";
import { rankKeys } from "../src/tasks/rank/keys";
import { Ranking } from "../src/tasks/rank/order";
import { textPage } from "./fixtures";
import { mountGrid, unmountAll } from "./mount";

afterEach(() => {
  unmountAll();
  document.head.replaceChildren();
});

const at = (ids: string) => ids.split("");

describe("Ranking", () => {
  it("moves a candidate to a place of its own", () => {
    const r = Ranking.of(at("abcde"));
    expect(r.moveTo(3, 0).order).toEqual(at("dabce"));
    expect(r.moveTo(0, 4).order).toEqual(at("bcdea"));
    expect(r.moveTo(1, 2).order).toEqual(at("acbde"));
    expect(r.moveTo(9, 0)).toBe(r);
    expect(r.moveTo(2, 2)).toBe(r);
  });

  it("ties share a rank, competition style, and = again unties", () => {
    const r = Ranking.of(at("abcde")).toggleTie(2).toggleTie(3);
    expect(r.ranks()).toEqual([1, 2, 2, 2, 5]);
    expect(r.entries()).toEqual([
      ["a", 1],
      ["b", 2],
      ["c", 2],
      ["d", 2],
      ["e", 5],
    ]);
    expect([0, 1, 2, 3, 4].map((i) => r.isTied(i))).toEqual([false, true, true, true, false]);
    expect(r.toggleTie(3).ranks()).toEqual([1, 2, 2, 4, 5]);
    expect(r.toggleTie(0)).toBe(r);
  });

  it("a moved candidate leaves its tie; the others stay tied", () => {
    // a, [b = c = d], e
    const r = Ranking.of(at("abcde"), [false, false, true, true, false]);
    // the middle one leaves: b and d are still tied
    const middle = r.moveTo(2, 4);
    expect(middle.order).toEqual(at("abdec"));
    expect(middle.ranks()).toEqual([1, 2, 2, 4, 5]);
    // the head leaves: c and d are still tied, and not to a
    const head = r.moveTo(1, 0);
    expect(head.order).toEqual(at("bacde"));
    expect(head.ranks()).toEqual([1, 2, 3, 3, 5]);
  });

  it("takes in candidates added to the pool, keeping its order and ties", () => {
    // a, [b = c], d; c is gone, e and f are new
    const r = Ranking.of(at("abcd"), [false, false, true, false]).toggleTie(3);
    expect(r.ranks()).toEqual([1, 2, 2, 2]);
    const grown = r.withCandidates(at("abdef"));
    expect(grown.order).toEqual(at("abdef"));
    // b and d stay tied without c
    expect(grown.ranks()).toEqual([1, 2, 2, 4, 5]);
    expect(Ranking.of(at("abc"), [false, true, false]).withCandidates(at("bc")).ranks()).toEqual([1, 2]);
  });

  it("is built from stored ranks, ties and unranked candidates included", () => {
    const stored = new Map<string, number | null>([
      ["a", 3],
      ["b", 1],
      ["c", 1],
      ["d", null],
    ]);
    const r = Ranking.fromStored(at("abcde"), stored);
    expect(r.order).toEqual(at("bcade"));
    expect(r.ranks()).toEqual([1, 1, 3, 4, 5]);
    expect(Ranking.fromStored(at("abc"), new Map()).order).toEqual(at("abc"));
  });

  it("a drag near the scroller's top or bottom edge scrolls, faster nearer the edge", () => {
    expect(edgeSpeed(500, 100, 900)).toBe(0);
    expect(edgeSpeed(100 + EDGE / 2, 100, 900)).toBeLessThan(0);
    expect(edgeSpeed(100, 100, 900)).toBeLessThan(edgeSpeed(100 + EDGE / 2, 100, 900));
    expect(edgeSpeed(899, 100, 900)).toBeGreaterThan(0);
  });

  it("a drop before or after a tile lands where it is shown", () => {
    expect(dropIndex(0, { index: 3, before: true })).toBe(2);
    expect(dropIndex(0, { index: 3, before: false })).toBe(3);
    expect(dropIndex(4, { index: 1, before: true })).toBe(1);
    expect(dropIndex(4, { index: 1, before: false })).toBe(2);
  });
});

describe("ranker type-ahead", () => {
  it("a move applied from the type-ahead while the go-to box is open does not take its focus", () => {
    const grid = mountGrid({ n_queries: 40 }, { task: "rank" }, () => 1000);
    grid.model.servePages(
      (index) => ({ page: textPage(index) }),
      (index) => index === 0,
    );
    grid.root.focus();
    grid.press("n"); // query 1 is loading
    grid.press("ArrowDown");
    grid.press("g");
    const input = grid.el.querySelector<HTMLInputElement>(".xmw-goto-input")!;
    grid.model.servePages(
      (index) => ({ page: textPage(index) }),
      (index) => index === 1,
    );
    expect(document.activeElement).toBe(input);
  });
});

describe("rank keys", () => {
  it("Shift carries the candidate the way the plain key moves the focus", () => {
    expect(rankKeys({ key: "ArrowDown", shiftKey: true })).toEqual({ type: "task", name: "carry", value: "down" });
    expect(rankKeys({ key: "H", shiftKey: true })).toEqual({ type: "task", name: "carry", value: "left" });
    expect(rankKeys({ key: "ArrowDown" })).toBeNull(); // the shell's focus move
    expect(rankKeys({ key: "J" })).toBeNull(); // Caps Lock: still the focus move
  });

  it("t, Home, End, = and s are the task's; e (a note in grading), n and Enter are not", () => {
    expect(rankKeys({ key: "t" })).toEqual({ type: "task", name: "top" });
    expect(rankKeys({ key: "Home" })).toEqual({ type: "task", name: "top" });
    expect(rankKeys({ key: "End" })).toEqual({ type: "task", name: "end" });
    expect(rankKeys({ key: "e" })).toBeNull();
    expect(rankKeys({ key: "=" })).toEqual({ type: "task", name: "tie" });
    expect(rankKeys({ key: "s" })).toEqual({ type: "task", name: "save" });
    expect(rankKeys({ key: "n" })).toBeNull();
    expect(rankKeys({ key: "Enter" })).toBeNull();
  });
});

function mountRanker(make: (index: number) => { page: Page } = (index) => ({ page: textPage(index) })) {
  let clock = 1000;
  const grid = mountGrid({ n_queries: 3 }, { task: "rank" }, () => clock);
  grid.model.servePages(make);
  grid.root.focus();
  const tick = (ms: number) => {
    clock += ms;
  };
  const order = () => grid.tiles().map((tile) => tile.dataset.itemId);
  const ranks = () => grid.tiles().map((tile) => Number(tile.dataset.rank));
  const status = () => grid.text(".xmw-rank-status");
  return { ...grid, order, ranks, status, tick };
}

const ids = (q: number, positions: number[]) => positions.map((i) => `q${q}-d${i}`);
const rankStates = (entries: Array<[string, number | null]>) =>
  entries.map(([item_id, rank]) => ({ item_id, rank })) as unknown as StoredState[];

describe("ranking body", () => {
  it("shows the candidates in shown order, ranked 1..N, not saved", () => {
    const r = mountRanker();
    expect(r.order()).toEqual(ids(0, [0, 1, 2, 3, 4, 5]));
    expect(r.ranks()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.tiles()[0].querySelector(".xmw-rank-number")?.textContent).toBe("1");
    expect(r.status()).toMatch(/^not ranked yet/);
    expect(r.text(".xmw-hint")).toContain("Shift+arrows");
    // "End end" read as a typo; the README calls it "End last"
    expect(r.text(".xmw-hint")).toContain("t/Home top · End last ·");
    expect(r.focused()?.dataset.itemId).toBe("q0-d0");
  });

  it("Shift+→ carries the focused candidate; nothing is sent until s", () => {
    const r = mountRanker();
    r.press("ArrowRight", { shiftKey: true });
    r.press("ArrowRight", { shiftKey: true });
    expect(r.order()).toEqual(ids(0, [1, 2, 0, 3, 4, 5]));
    expect(r.focused()?.dataset.itemId).toBe("q0-d0");
    expect(r.focused()?.dataset.rank).toBe("3");
    expect(r.status()).toMatch(/^changed, not saved/);
    expect(r.model.actions()).toEqual([]);
    r.tick(500);
    r.press("s");
    const [action] = r.model.actions() as unknown as Array<Record<string, unknown>>;
    expect(action.op).toBe("rank");
    expect(action.query_id).toBe("q0");
    expect(action.ranking).toEqual(ids(0, [1, 2, 0, 3, 4, 5]).map((id, i) => [id, i + 1]));
    expect(r.status()).toBe("saving…");
    expect(r.root.dataset.unsaved).toBe("1");
    r.model.ackNext({ states: { q0: rankStates(ids(0, [1, 2, 0, 3, 4, 5]).map((id, i) => [id, i + 1])) } });
    expect(r.status()).toMatch(/^✓ ranking saved/);
    expect(r.root.dataset.unsaved).toBe("0");
  });

  it("t, e and = reorder and tie; the tie is bracketed and shares a rank", () => {
    const r = mountRanker();
    r.press("ArrowRight");
    r.press("ArrowRight"); // d2
    r.press("t");
    expect(r.order()).toEqual(ids(0, [2, 0, 1, 3, 4, 5]));
    r.press("ArrowRight"); // d0, now second
    r.press("=");
    expect(r.ranks()).toEqual([1, 1, 3, 4, 5, 6]);
    const [first, second] = r.tiles();
    expect([first.dataset.tie, second.dataset.tie]).toEqual(["start", "end"]);
    expect(second.querySelector(".xmw-rank-tie")?.textContent).toBe("= tied with #1 before");
    r.press("End");
    expect(r.order()).toEqual(ids(0, [2, 1, 3, 4, 5, 0]));
    expect(r.ranks()).toEqual([1, 2, 3, 4, 5, 6]);
    r.press("=");
    expect(r.ranks()).toEqual([1, 2, 3, 4, 5, 5]);
    r.press("s");
    const [action] = r.model.actions() as unknown as Array<{ ranking: Array<[string, number]> }>;
    expect(action.ranking.map(([, rank]) => rank)).toEqual([1, 2, 3, 4, 5, 5]);
  });

  it("a tie stays as the annotator arranged it once saved", () => {
    // t, Shift+Right, =, s: the saved tie came back in shown order, the focused tile swapped places
    const r = mountRanker();
    r.press("ArrowRight"); // d1
    r.press("t"); // d1, d0, d2, ...
    r.press("ArrowRight"); // d0
    r.press("=");
    const arranged = r.order();
    expect(arranged).toEqual(ids(0, [1, 0, 2, 3, 4, 5]));
    r.press("s");
    const ranks: Array<[string, number]> = arranged.map((id, i) => [id ?? "", i < 2 ? 1 : i + 1]);
    r.model.ackNext({ states: { q0: rankStates(ranks) } });
    expect(r.status()).toMatch(/^✓ ranking saved/);
    expect(r.order()).toEqual(arranged);
    expect(r.ranks()).toEqual([1, 1, 3, 4, 5, 6]);
  });

  it("t on the first candidate and End on the last say so; they changed nothing silently", () => {
    const r = mountRanker();
    r.press("t");
    expect(r.notice().textContent).toBe("already first");
    r.press("End");
    expect(r.order()).toEqual(ids(0, [1, 2, 3, 4, 5, 0]));
    r.press("End");
    expect(r.notice().textContent).toBe("already last");
    r.press("Home");
    expect(r.order()).toEqual(ids(0, [0, 1, 2, 3, 4, 5]));
    r.press("Home");
    expect(r.notice().textContent).toBe("already first");
  });

  it("after the kernel read the store again (refresh), the query on screen shows the stored ranking", () => {
    const r = mountRanker();
    expect(r.status()).toMatch(/^not ranked yet/);
    r.model.receive({ type: "invalidate", indices: "all" });
    // another session ranked q0 in reverse: the page comes again with those ranks
    r.model.servePages((index) => {
      const page = textPage(index);
      const n = page.candidates.length;
      return { page: { ...page, candidates: page.candidates.map((c, k) => ({ ...c, rank: n - k })) } };
    });
    expect(r.order()).toEqual(ids(0, [5, 4, 3, 2, 1, 0]));
    expect(r.status()).toMatch(/ranking saved/);
  });

  it("says a save once: the status line of the query on screen, the notice of a query left", () => {
    // after s, "ranking of query 1 saved: 6 candidates" in the notice and "✓ ranking saved" in
    // the status line said it twice
    const r = mountRanker();
    r.press("ArrowRight");
    r.press("t");
    r.press("s");
    const [save] = r.model.actions();
    const saved = "ranking of query 1 saved: 6 candidates · query 1 done (6/6) · n for next";
    const order = ids(0, [1, 0, 2, 3, 4, 5]).map((id, i): [string, number] => [id, i + 1]);
    r.model.ackNext({ notices: { [save.request_id]: saved }, states: { q0: rankStates(order) } });
    expect(r.status()).toMatch(/^✓ ranking saved/);
    expect(r.notice().textContent).toBe("query 1 done (6/6) · n for next");
    // saved by leaving: the status line is the next query's, so the notice says it
    r.press("n");
    r.model.servePages();
    r.press("ArrowRight");
    r.press("t");
    r.press("n");
    r.model.servePages();
    const [, left] = r.model.actions();
    r.model.ackNext({ notices: { [left.request_id]: "ranking of query 2 saved: 6 candidates" } });
    expect(r.root.dataset.queryIndex).toBe("2");
    expect(r.notice().textContent).toBe("ranking of query 2 saved: 6 candidates");
  });

  it("leaving a changed ranking saves it; leaving an untouched one saves nothing", () => {
    const r = mountRanker();
    r.press("n");
    r.model.servePages();
    expect(r.root.dataset.queryIndex).toBe("1");
    expect(r.model.actions()).toEqual([]);
    r.press("ArrowDown", { shiftKey: true }); // one row down (3 columns in happy-dom)
    expect(r.order()).toEqual(ids(1, [1, 2, 3, 0, 4, 5]));
    r.press("n");
    r.model.servePages();
    const [action] = r.model.actions() as unknown as Array<Record<string, unknown>>;
    expect(action.query_id).toBe("q1");
    expect(action.ranking).toEqual(ids(1, [1, 2, 3, 0, 4, 5]).map((id, i) => [id, i + 1]));
    expect(r.root.dataset.queryIndex).toBe("2");
  });

  it("z takes back unsaved moves first, then undoes the saved ranking in the kernel", () => {
    const r = mountRanker();
    r.press("End");
    r.press("s");
    const saved = ids(0, [1, 2, 3, 4, 5, 0]);
    r.model.ackNext({ states: { q0: rankStates(saved.map((id, i) => [id, i + 1])) } });
    r.press("t"); // the focus is on d0, at the end
    expect(r.order()[0]).toBe("q0-d0");
    r.press("z");
    expect(r.order()).toEqual(saved);
    expect(r.notice().textContent).toBe("took back the last move: the saved ranking is back");
    expect(r.status()).toMatch(/^✓ ranking saved/);
    expect(r.model.actions("undo")).toEqual([]);
    r.press("z");
    expect(r.model.actions("undo")).toHaveLength(1);
    r.model.ackNext({
      notices: { [r.model.actions("undo")[0].request_id]: "undid: ranking of query 1 (6 candidates)" },
      states: { q0: rankStates(saved.map((id) => [id, null])) },
      undone: { query_id: "q0", index: 0, item_id: null },
    });
    expect(r.order()).toEqual(ids(0, [0, 1, 2, 3, 4, 5]));
    expect(r.status()).toMatch(/^not ranked yet/);
    expect(r.notice().textContent).toBe("undid: ranking of query 1 (6 candidates)");
  });

  it("a stored ranking comes back sorted, ties included", () => {
    const page = textPage(1, 4);
    const stored = [3, 1, 1, 4];
    page.candidates.forEach((c, i) => {
      (c as unknown as { rank: number }).rank = stored[i];
    });
    const r = mountRanker((index) => ({ page: index === 1 ? page : textPage(index) }));
    r.press("n");
    expect(r.order()).toEqual(ids(1, [1, 2, 0, 3]));
    expect(r.ranks()).toEqual([1, 1, 3, 4]);
    expect(r.status()).toMatch(/^✓ ranking saved/);
    expect(r.text(".xmw-position")).toContain("4/4 judged");
  });

  it("at the last query the line does not promise that n saves", () => {
    const r = mountRanker();
    r.model.kernelSets("query_index", 2);
    r.model.servePages();
    expect(r.root.dataset.queryIndex).toBe("2");
    r.press("End");
    expect(r.status()).toMatch(/^changed, not saved · s saves · p \/ g save it/);
    r.press("n"); // nowhere to go: nothing is saved behind the annotator's back
    expect(r.model.actions()).toEqual([]);
    expect(r.status()).toMatch(/^changed, not saved/);
  });

  it("a page that comes again with added candidates shows them last, the draft kept", () => {
    const r = mountRanker();
    r.press("End"); // d0 to the end: a draft
    const grown = textPage(0, 8);
    r.model.receive({ type: "page", request_id: null, index: 0, page: grown });
    expect(r.order()).toEqual(ids(0, [1, 2, 3, 4, 5, 0, 6, 7]));
    expect(r.ranks()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(r.status()).toMatch(/^changed, not saved/);
  });

  it("a refused ranking stays on screen as a draft to save again", () => {
    const r = mountRanker();
    r.press("End");
    r.press("s");
    const [action] = r.model.actions() as unknown as Array<{ request_id: number }>;
    r.model.ackNext({ refuse: [action.request_id], notices: { [action.request_id]: "ranking refused: ..." } });
    expect(r.status()).toMatch(/^not saved/);
    expect(r.order()).toEqual(ids(0, [1, 2, 3, 4, 5, 0]));
    expect(r.notice().textContent).toBe("ranking refused: ...");
    r.press("s");
    expect(r.model.actions()).toHaveLength(2);
  });

  it("shows every key on screen and in the help", () => {
    const r = mountRanker();
    r.press("?");
    const help = r.text(".xmw-help");
    for (const keyName of ["Shift+←", "Shift+↑", "drag a tile", "t  or  Home", "End", "=", "s", "m", "z"])
      expect(help).toContain(keyName);
    expect(help).toContain("broken media");
    expect(r.text(".xmw-hint")).toContain("m broken media");
  });

  it("m flags the focused candidate broken: out of the ranking, sent at once; z undoes it", () => {
    const r = mountRanker();
    r.press("ArrowRight");
    r.press("ArrowRight"); // d2
    r.tick(300);
    r.press("m");
    const [action] = r.model.actions() as unknown as Array<Record<string, unknown>>;
    expect(action).toMatchObject({ op: "flag", query_id: "q0", item_id: "q0-d2", flag: "broken-media", on: true });
    // its tile goes last, with no rank and the grid's chip; the others close up
    expect(r.order()).toEqual(ids(0, [0, 1, 3, 4, 5, 2]));
    const tile = r.tiles()[5];
    expect([tile.dataset.broken, tile.dataset.rank, tile.dataset.flags]).toEqual(["true", "", "broken-media"]);
    expect(tile.querySelector(".xmw-chip")?.getAttribute("title")).toBe("broken-media");
    expect(r.ranks().slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    // the focus stays at the place, now on the next candidate
    expect(r.focused()?.dataset.itemId).toBe("q0-d3");
    r.model.ackNext({
      states: { q0: [{ item_id: "q0-d2", rank: null, flags: ["broken-media"] }] as unknown as StoredState[] },
    });
    expect(r.tiles()[5].dataset.broken).toBe("true");
    expect(r.text(".xmw-position")).toContain("1/6 judged");
    // z: the m is taken back in the kernel, the draft is as it was
    r.press("z");
    expect(r.model.actions("undo")).toHaveLength(1);
    expect(r.order()).toEqual(ids(0, [0, 1, 2, 3, 4, 5]));
    expect(r.tiles()[2].dataset.broken).toBe("false");
    r.model.ackNext({ states: { q0: [{ item_id: "q0-d2", rank: null, flags: [] }] as unknown as StoredState[] } });
    expect(r.order()).toEqual(ids(0, [0, 1, 2, 3, 4, 5]));
  });

  it("the late ack of an m taken back here does not take the view back to its query", () => {
    // a busy kernel (a cell running) answered "m z" after the annotator had gone on with n: the
    // ack took the view back to query 1, and the keys typed for query 2 landed there
    const r = mountRanker();
    r.press("m");
    r.press("z");
    r.press("n");
    r.model.servePages();
    expect(r.root.dataset.queryIndex).toBe("1");
    r.model.ackNext({
      states: { q0: [{ item_id: "q0-d0", rank: null, flags: ["broken-media"] }] as unknown as StoredState[] },
    });
    r.model.ackNext({
      states: { q0: [{ item_id: "q0-d0", rank: null, flags: [] }] as unknown as StoredState[] },
      undone: { query_id: "q0", index: 0, item_id: "q0-d0" },
    });
    expect(r.root.dataset.queryIndex).toBe("1");
    expect(r.order()).toEqual(ids(1, [0, 1, 2, 3, 4, 5]));
  });

  it("a ranking saved with a broken candidate leaves it out; a broken tile is not moved", () => {
    const r = mountRanker();
    r.press("m"); // d0
    r.model.ackNext({
      states: { q0: [{ item_id: "q0-d0", rank: null, flags: ["broken-media"] }] as unknown as StoredState[] },
    });
    r.press("End"); // the focus is on d1, now first: to the end of the ranking, before the broken one
    expect(r.order()).toEqual(ids(0, [2, 3, 4, 5, 1, 0]));
    r.press("ArrowRight"); // the broken tile
    expect(r.focused()?.dataset.itemId).toBe("q0-d0");
    r.press("t");
    expect(r.order()).toEqual(ids(0, [2, 3, 4, 5, 1, 0]));
    expect(r.notice().textContent).toMatch(/flagged broken media.*m clears/);
    r.press("s");
    const actions = r.model.actions() as unknown as Array<{ op: string; ranking: Array<[string, number]> }>;
    const save = actions.filter((action) => action.op === "rank")[0];
    expect(save.ranking).toEqual(ids(0, [2, 3, 4, 5, 1]).map((id, i) => [id, i + 1]));
    r.model.ackNext({ states: { q0: rankStates(save.ranking) } });
    expect(r.status()).toMatch(/^✓ ranking saved/);
    expect(r.text(".xmw-position")).toContain("6/6 judged");
  });
});

describe("ranking body after a broken flag (review 4)", () => {
  const broken = (id: string, on: boolean) =>
    [{ item_id: id, rank: null, flags: on ? ["broken-media"] : [] }] as unknown as StoredState[];
  type Sent = { op: string; ranking: Array<[string, number]> } & Record<string, unknown>;
  const sent = (r: ReturnType<typeof mountRanker>, op: string) =>
    (r.model.actions() as unknown as Sent[]).filter((action) => action.op === op);

  it("m sends the tile's place on screen, by which the kernel names it", () => {
    const r = mountRanker();
    r.press("ArrowRight");
    r.press("ArrowRight"); // d2, third
    r.press("t"); // now first
    r.press("m");
    const [action] = sent(r, "flag");
    expect(action).toMatchObject({ item_id: "q0-d2", on: true, place: 1 });
  });

  it("a cleared flag on a saved query says how many are not ranked, not 'not ranked yet'", () => {
    const r = mountRanker();
    r.press("m"); // d0
    r.model.ackNext({ states: { q0: broken("q0-d0", true) } });
    r.press("s");
    const [save] = sent(r, "rank");
    r.model.ackNext({ states: { q0: rankStates(save.ranking) } });
    expect(r.status()).toMatch(/^✓ ranking saved/);
    // the chip's ×: d0 is back, unranked, at the end; the other five keep their saved ranks
    r.tiles()[5].querySelector<HTMLElement>(".xmw-chip-remove")?.click();
    r.model.ackNext({ states: { q0: broken("q0-d0", false) } });
    expect(r.order()).toEqual(ids(0, [1, 2, 3, 4, 5, 0]));
    expect(r.status()).toMatch(/^1 candidate not ranked · put it in place .* s saves this order$/);
    expect(r.el.querySelector<HTMLElement>(".xmw-rank")?.dataset.save).toBe("partial");
    r.press("s");
    expect(sent(r, "rank")).toHaveLength(2);
  });

  it("the chip's × leaves the keyboard focus on the tile", () => {
    const r = mountRanker();
    r.press("ArrowRight");
    r.press("m"); // d1, to the end
    const remove = r.tiles()[5].querySelector<HTMLElement>(".xmw-chip-remove");
    remove?.focus(); // a mouse press focuses the button
    remove?.click();
    expect(r.root.contains(document.activeElement)).toBe(true);
    expect(document.activeElement?.classList.contains("xmw-tile")).toBe(true);
    expect(r.focused()?.dataset.itemId).toBe("q0-d1");
    r.press("m"); // and the keys are still the widget's
    r.model.ackAll();
    expect(sent(r, "flag")).toHaveLength(3);
  });
});

describe("keys typed before the kernel answers (machine speed)", () => {
  type Sent = { op: string; query_id: string; ranking: Array<[string, number]> } & Record<string, unknown>;
  const saves = (r: ReturnType<typeof mountRanker>) =>
    (r.model.actions() as unknown as Sent[]).filter((action) => action.op === "rank");
  const shown = ids(0, [0, 1, 2, 3, 4, 5]);
  const moved = ids(0, [1, 2, 3, 4, 5, 0]);
  const ranked = (order: string[]) => order.map((id, i) => [id, i + 1] as [string, number]);
  /** End s z: d0 to the end, saved, and the save undone in the kernel (its ack not here yet). */
  const savedThenUndo = () => {
    const r = mountRanker();
    r.press("End");
    r.press("s");
    r.press("z");
    return r;
  };
  const ackSave = (r: ReturnType<typeof mountRanker>) => r.model.ackNext({ states: { q0: rankStates(ranked(moved)) } });
  const ackUndo = (r: ReturnType<typeof mountRanker>) =>
    r.model.ackNext({
      states: { q0: rankStates(shown.map((id) => [id, null])) },
      undone: { query_id: "q0", index: 0, item_id: null },
    });

  it("s saves the ranking the undo brought back, not the one on screen when z was pressed", () => {
    // typed with no wait, "z s" saved the undone order again: the undo was undone by the save
    const r = savedThenUndo();
    r.press("s");
    ackSave(r);
    expect(saves(r)).toHaveLength(1); // the s waits for the undo's answer
    expect(r.status()).toMatch(/^undoing the last saved change…/);
    ackUndo(r);
    expect(saves(r).map((save) => save.ranking)).toEqual([ranked(moved), ranked(shown)]);
    expect(r.order()).toEqual(shown);
    expect(r.status()).toBe("saving…");
  });

  it("a move after z moves the candidate in the ranking the undo brought back", () => {
    const r = savedThenUndo();
    r.press("ArrowRight", { shiftKey: true }); // d0, focused: one place down once the undo is in
    r.press("s");
    ackSave(r);
    ackUndo(r);
    expect(r.order()).toEqual(ids(0, [1, 0, 2, 3, 4, 5]));
    expect(saves(r).map((save) => save.ranking)).toEqual([ranked(moved), ranked(ids(0, [1, 0, 2, 3, 4, 5]))]);
  });

  it("n after z leaves from the query the undo is on, and the late ack does not take the view back", () => {
    const r = savedThenUndo();
    r.press("n");
    ackSave(r);
    ackUndo(r);
    r.model.servePages();
    expect(r.root.dataset.queryIndex).toBe("1");
    expect(saves(r)).toHaveLength(1);
  });

  it("keys typed after a z that goes back to another query land on that query", () => {
    const r = mountRanker();
    r.press("End");
    r.press("s");
    ackSave(r);
    r.press("n");
    r.model.servePages();
    expect(r.root.dataset.queryIndex).toBe("1");
    r.press("z"); // undoes query 1's ranking: the view goes back to it
    r.press("End"); // meant for query 1's first candidate, as shown once the undo is in
    r.press("s");
    expect(saves(r)).toHaveLength(1);
    ackUndo(r);
    expect(r.root.dataset.queryIndex).toBe("0");
    expect(r.order()).toEqual(moved);
    expect(saves(r).map((save) => [save.query_id, save.ranking])).toEqual([
      ["q0", ranked(moved)],
      ["q0", ranked(moved)],
    ]);
  });

  it("the ack of an earlier save does not put its order over a later one still being saved", () => {
    // s End s: the first save's ack showed the first order again while the second was on its way,
    // and an s pressed then saved that first order over the second
    const r = mountRanker();
    r.press("s");
    r.press("End");
    r.press("s");
    r.model.ackNext({ states: { q0: rankStates(ranked(shown)) } });
    expect(r.order()).toEqual(moved);
    expect(r.status()).toBe("saving…");
    r.press("s");
    ackSave(r);
    expect(saves(r).map((save) => save.ranking)).toEqual([ranked(shown), ranked(moved), ranked(moved)]);
    ackSave(r);
    expect(r.order()).toEqual(moved);
    expect(r.status()).toMatch(/^✓ ranking saved/);
  });

  it("a z the kernel refuses (nothing to undo) lets the keys behind it go on", () => {
    const r = mountRanker();
    r.press("z");
    r.press("End");
    expect(r.order()).toEqual(shown);
    const [undo] = r.model.actions("undo");
    r.model.ackNext({ refuse: [undo.request_id], notices: { [undo.request_id]: "nothing to undo in this session" } });
    expect(r.order()).toEqual(moved);
    expect(r.status()).toMatch(/^changed, not saved/);
    expect(r.notice().textContent).toBe("nothing to undo in this session");
  });
});

describe("ranking styles", () => {
  it("only a changed or refused ranking is marked as needing a save; a saved one is marked saved", () => {
    const style = document.createElement("style");
    style.textContent = readFileSync("src/widgets.css", "utf8");
    document.head.append(style);
    const r = mountRanker();
    const status = r.el.querySelector<HTMLElement>(".xmw-rank-status")!;
    const look = () => ({
      weight: getComputedStyle(status).fontWeight,
      border: getComputedStyle(status).borderLeftColor,
    });
    const unranked = look();
    expect(unranked.weight).not.toBe("600");
    r.press("End");
    expect(look().weight).toBe("600");
    r.press("s");
    r.model.ackNext({ states: { q0: rankStates(r.order().map((id, i) => [id as string, i + 1])) } });
    expect(look().weight).not.toBe("600");
    expect(look().border).not.toBe(unranked.border);
    // the relevance legend is not shown over a ranking
    expect(getComputedStyle(r.el.querySelector(".xmw-legend")!).display).toBe("none");
  });
});
