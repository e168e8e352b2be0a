/**
 * Home and End move the focus to the query's first and last candidate (as in a WAI-ARIA grid or
 * listbox) in the grid, the picker and the pair judge; the Ranker keeps them for carrying the
 * focused candidate to the top / the end. The key is the widget's (the notebook does not scroll),
 * and typed ahead it keeps its place among the other keys. (The pair judge's: pair.test.ts.)
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { moveFocus } from "../src/shell/focus";
import { actionForKey, helpRows, hintFor, levelKeys } from "../src/shell/keyboard";
import { PAIR_HINT, pairHelpRows } from "../src/tasks/pair/keys";
import { pickHelpRows, pickHint } from "../src/tasks/pick/keys";
import { rankKeys } from "../src/tasks/rank/keys";
import { TREC, textPage } from "./fixtures";
import { mountGrid, mountReady, unmountAll } from "./mount";

const FLAGGED = { ...TREC, flags: ["broken-media"] };
let clock = 0;

beforeEach(() => {
  clock = 1000;
});
afterEach(() => unmountAll());

describe("Home / End (pure)", () => {
  it("map to a move to the first / last candidate, held or not", () => {
    const keys = levelKeys(TREC);
    expect(actionForKey({ key: "Home" }, keys)).toEqual({ type: "move", direction: "first" });
    expect(actionForKey({ key: "End" }, keys)).toEqual({ type: "move", direction: "last" });
    expect(actionForKey({ key: "End", repeat: true }, keys)).toEqual({ type: "move", direction: "last" });
    // Ctrl/Alt/Meta+Home are the browser's and Jupyter's
    expect(actionForKey({ key: "Home", ctrlKey: true }, keys)).toBeNull();
  });

  it("moveFocus goes to the ends whatever the columns", () => {
    expect(moveFocus(4, "first", 10, 3)).toBe(0);
    expect(moveFocus(4, "last", 10, 3)).toBe(9);
    expect(moveFocus(0, "last", 1, 3)).toBe(0);
    expect(moveFocus(0, "first", 0, 3)).toBe(-1);
  });

  it("the Ranker keeps Home / End for carrying the candidate", () => {
    expect(rankKeys({ key: "Home" })).toEqual({ type: "task", name: "top" });
    expect(rankKeys({ key: "End" })).toEqual({ type: "task", name: "end" });
  });

  it("are in every hint and help but the Ranker's", () => {
    expect(hintFor(TREC)).toContain("Home/End first/last");
    expect(helpRows(TREC).map(([keys]) => keys)).toContain("Home / End");
    expect(pickHint(true)).toContain("Home/End first/last");
    expect(pickHelpRows(true).map(([keys]) => keys)).toContain("Home / End");
    expect(PAIR_HINT).toContain("Home/End left/right");
    expect(pairHelpRows().map(([keys]) => keys)).toContain("Home / End");
  });
});

describe("Home / End in the grid", () => {
  it("focus the first / last tile, are the widget's (no scrolling), End 3 grades the last", () => {
    const { press, focused, tiles, model, el } = mountReady({}, { columns: 3 }, () => clock);
    press("l");
    const end = press("End");
    expect(end.defaultPrevented).toBe(true);
    expect(focused()).toBe(tiles()[5]);
    const home = press("Home");
    expect(home.defaultPrevented).toBe(true);
    expect(focused()).toBe(tiles()[0]);
    press("End");
    press("3");
    model.ackAll();
    expect(model.actions("grade").map((a) => [a.item_id, a.relevance])).toEqual([["q0-d5", 3]]);
    expect(el.querySelector(".xmw-hint")?.textContent).toContain("Home/End first/last");
  });

  it("End after a grade moves by hand: b then acts on the last tile, not the one just graded", () => {
    const { press, model } = mountReady({}, { columns: 3 }, () => clock);
    press("2");
    press("End");
    press("1");
    press("Home");
    press("b");
    model.ackAll();
    expect(model.actions().map((a) => `${a.op}:${"item_id" in a ? a.item_id : ""}`)).toEqual([
      "grade:q0-d0",
      "grade:q0-d5",
      "best:q0-d0",
    ]);
  });

  it("typed while the next query loads, they apply in order with the other keys", () => {
    const { model, press, root, text } = mountGrid({}, {}, () => clock);
    model.servePages(undefined, (index) => index === 0);
    root.focus();
    press("n");
    for (const name of ["End", "3", "Home", "2", "End", "0"]) press(name);
    expect(text(".xmw-loading")).toContain("6 keys will apply when it is here");
    expect(model.actions()).toHaveLength(0);
    model.servePages();
    model.ackAll();
    // End 3 grades the last (the focus goes on to the first open), Home 2 the first, End 0 the last again
    expect(model.actions("grade").map((a) => [a.item_id, a.relevance])).toEqual([
      ["q1-d5", 3],
      ["q1-d0", 2],
      ["q1-d5", 0],
    ]);
  });
});

describe("Home / End in the picker", () => {
  it("focus the first / last tile; End b picks the last", () => {
    const { press, focused, tiles, model, el } = mountReady(
      { scale: FLAGGED, advance_on_pick: false },
      { task: "pick" },
      () => clock,
    );
    expect(press("End").defaultPrevented).toBe(true);
    expect(focused()).toBe(tiles()[5]);
    expect(press("Home").defaultPrevented).toBe(true);
    expect(focused()).toBe(tiles()[0]);
    press("End");
    press("b");
    model.ackAll();
    expect(model.actions("pick").map((a) => [a.item_id, a.rank])).toEqual([["q0-d5", 1]]);
    expect(el.querySelector(".xmw-hint")?.textContent).toContain("Home/End first/last");
  });

  it("typed while the next query loads, End b picks that query's last tile", () => {
    const { model, press, root } = mountGrid({ scale: FLAGGED }, { task: "pick" }, () => clock);
    model.servePages(
      (index) => ({ page: textPage(index) }),
      (index) => index === 0,
    );
    root.focus();
    press("1"); // picks q0's first, q1 is not here yet
    press("End");
    press("b");
    model.servePages();
    model.ackAll();
    expect(model.actions("pick").map((a) => [a.item_id, a.rank])).toEqual([
      ["q0-d0", 1],
      ["q1-d5", 1],
    ]);
  });
});
