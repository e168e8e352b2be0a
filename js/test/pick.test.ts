/**
 * The pick task's body (BestMatchPicker): key caps on the tiles, one key per pick, Shift+key for
 * the second best, b/v on the focus, x and m, auto-advance after the best pick, acks adopted
 * (the kernel wins), refusals reverted, undo going back to the query it undid.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pickKeys, TILE_KEYS, tileKey } from "../src/tasks/pick/keys";
import { imagePage, TREC, textPage } from "./fixtures";
import { mountGrid, mountReady, unmountAll } from "./mount";

const FLAGGED = { ...TREC, flags: ["broken-media"] };
let clock = 0;
const ready = (traits: Record<string, unknown> = {}) =>
  mountReady({ scale: FLAGGED, ...traits }, { task: "pick" }, () => clock);

beforeEach(() => {
  clock = 1000;
});
afterEach(() => unmountAll());

const ranks = (tiles: HTMLElement[]) => tiles.map((tile) => tile.dataset.rank);

describe("pick keys (pure)", () => {
  it("gives tiles 1-9, 0, then letters no command takes", () => {
    expect(TILE_KEYS.slice(0, 12)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "a", "c"]);
    for (const reserved of "hjklbxnpzmgver") expect(TILE_KEYS).not.toContain(reserved);
    expect(tileKey(9)).toBe("0");
    expect(tileKey(TILE_KEYS.length)).toBe("");
  });

  it("maps a tile key to best, Shift+key (by code for digits) to second best", () => {
    expect(pickKeys({ key: "3" })).toEqual({ type: "task", name: "pick", index: 2, value: 1 });
    expect(pickKeys({ key: "#", code: "Digit3", shiftKey: true })).toEqual({
      type: "task",
      name: "pick",
      index: 2,
      value: 2,
    });
    expect(pickKeys({ key: "0" })).toMatchObject({ index: 9, value: 1 });
    // Shift+letter is the rubric's flag keys (A, D, U, F): not a pick
    expect(pickKeys({ key: "A", code: "KeyA", shiftKey: true })).toBeNull();
    expect(pickKeys({ key: "A", code: "KeyA" })).toMatchObject({ index: 10, value: 1 }); // Caps Lock
    expect(pickKeys({ key: "b" })).toEqual({ type: "task", name: "pick", value: 1 });
    expect(pickKeys({ key: "v" })).toEqual({ type: "task", name: "pick", value: 2 });
    expect(pickKeys({ key: "x" })).toEqual({ type: "none-relevant" });
    expect(pickKeys({ key: "m" })).toEqual({ type: "flag" });
    expect(pickKeys({ key: "n" })).toBeNull(); // the shell's
    expect(pickKeys({ key: "?", code: "Slash", shiftKey: true })).toBeNull(); // help
  });
});

describe("the picker body", () => {
  it("shows each tile's key cap and the keys in the hint", () => {
    const { tiles, text } = ready();
    expect(tiles().map((tile) => tile.querySelector(".xmw-pick-key")?.textContent)).toEqual([
      "1",
      "2",
      "3",
      "4",
      "5",
      "6",
    ]);
    expect(text(".xmw-hint")).toContain("Shift+digit 2nd best");
    expect(text(".xmw-pick-cue")).toContain("the next query comes at once");
    // the scale's levels (0-3 grade) would contradict the tile keys: neither the legend nor the help
    expect(document.querySelector<HTMLElement>(".xmw-legend")?.hidden).toBe(true);
  });

  it("the help lists the keys, not the scale's levels (digits pick tiles here)", () => {
    const { press } = ready();
    press("?", { shiftKey: true });
    const help = document.querySelector<HTMLElement>(".xmw-help");
    expect(help?.hidden).toBe(false);
    expect(help?.textContent).toContain("second best");
    expect(help?.textContent).not.toContain("Scale:");
    expect(help?.textContent).not.toContain("not relevant");
  });

  it("a tile key picks the best, sends rank 1 and goes on to the next query", () => {
    const { model, press, root } = ready();
    press("3");
    expect(model.actions("pick")).toEqual([
      expect.objectContaining({ op: "pick", query_id: "q0", item_id: "q0-d2", rank: 1 }),
    ]);
    expect(root.dataset.queryIndex).toBe("1"); // q1 was prefetched: on screen at once
    model.ackNext({ notices: { [model.actions("pick")[0].request_id]: "query 1 done · on to query 2" } });
    expect(root.querySelector(".xmw-notice")?.textContent).toBe("query 1 done · on to query 2");
    press("p");
    const tile = root.querySelectorAll<HTMLElement>(".xmw-tile")[2];
    expect(tile.dataset).toMatchObject({ rank: "1", state: "saved" });
    expect(tile.querySelector(".xmw-pick-badge")?.textContent).toBe("★ best");
    // one pick completes the query: the header says which, not "1/6 judged"
    expect(root.querySelector(".xmw-position")?.textContent).toContain("best: candidate 3");
    press("n");
    expect(root.querySelector(".xmw-position")?.textContent).toContain("no pick yet");
  });

  it("stays on the query when advance_on_pick is off", () => {
    const { press, root, tiles } = ready({ advance_on_pick: false });
    press("2");
    expect(root.dataset.queryIndex).toBe("0");
    expect(ranks(tiles())).toEqual(["", "1", "", "", "", ""]);
    expect(root.querySelector(".xmw-pick-cue")?.textContent).toContain("then n for the next query");
  });

  it("Shift+digit picks the second best; then the best swaps and replaces as the kernel does", () => {
    const { model, press, tiles } = ready({ advance_on_pick: false });
    press("!", { code: "Digit1", shiftKey: true });
    press("3");
    expect(ranks(tiles())).toEqual(["2", "", "1", "", "", ""]);
    press("1"); // best on the second best: swap
    expect(ranks(tiles())).toEqual(["1", "", "2", "", "", ""]);
    press("5"); // a new best replaces the old one
    expect(ranks(tiles())).toEqual(["", "", "2", "", "1", ""]);
    press("5"); // again: clear
    expect(ranks(tiles())).toEqual(["", "", "2", "", "", ""]);
    model.ackAll();
    expect(model.actions("pick").map((a) => [a.item_id, a.rank])).toEqual([
      ["q0-d0", 2],
      ["q0-d2", 1],
      ["q0-d0", 1],
      ["q0-d4", 1],
      ["q0-d4", null],
    ]);
  });

  it("b and v pick the focused tile (reachable beyond the key caps)", () => {
    const { model, press, tiles } = ready({ advance_on_pick: false });
    press("ArrowRight");
    press("ArrowRight");
    press("v");
    press("l");
    press("b");
    expect(ranks(tiles())).toEqual(["", "", "2", "1", "", ""]);
    model.ackAll();
    expect(model.actions("pick").map((a) => [a.item_id, a.rank])).toEqual([
      ["q0-d2", 2],
      ["q0-d3", 1],
    ]);
  });

  it("tiles past the 22 keys show the b cap; a key beyond the page says so", () => {
    const { model, press, tiles, notice } = mountReady({ scale: FLAGGED }, { task: "pick" }, () => clock);
    expect(tiles()).toHaveLength(6);
    press("9");
    expect(notice().textContent).toBe("there is no candidate 9 on this query (6 shown)");
    expect(model.actions("pick")).toEqual([]);
    unmountAll();
    const big = mountGrid({ scale: FLAGGED }, { task: "pick" }, () => clock);
    big.model.servePages((index) => ({ page: textPage(index, 30) }));
    const caps = big.tiles().map((tile) => tile.querySelector(".xmw-pick-key")?.textContent);
    expect(caps.slice(20, 24)).toEqual(["w", "y", "b", "b"]);
  });

  it("a refused pick (broken media) changes nothing and does not advance; the kernel's notice shows", () => {
    const { model, press, root, tiles } = ready();
    press("m"); // broken media on the focused (first) tile
    expect(tiles()[0].dataset.broken).toBe("true");
    model.ackNext();
    press("1");
    expect(root.dataset.queryIndex).toBe("0");
    expect(ranks(tiles())[0]).toBe("");
    const request = model.actions("pick")[0].request_id;
    model.ackNext({ refuse: [request], notices: { [request]: "best refused: candidate 1 is flagged broken-media" } });
    expect(root.querySelector<HTMLElement>(".xmw-notice")?.dataset.kind).toBe("refused");
    expect(ranks(tiles())[0]).toBe("");
  });

  it("the kernel wins: a refused second best is reverted, stored states are adopted", () => {
    const { model, press, tiles } = ready({ advance_on_pick: false });
    press("2");
    model.ackNext();
    press("@", { code: "Digit4", shiftKey: true });
    const request = model.actions("pick")[1].request_id;
    expect(ranks(tiles())).toEqual(["", "1", "", "2", "", ""]);
    model.ackNext({ refuse: [request] });
    expect(ranks(tiles())).toEqual(["", "1", "", "", "", ""]);
    press("6");
    model.ackNext({
      states: { q0: [{ item_id: "q0-d1", relevance: null, best: false, flags: [], rank: 2 }] },
    });
    expect(ranks(tiles())[1]).toBe("2");
  });

  it("x marks none relevant and the next query comes; not after a pick (the kernel refuses it)", () => {
    const { press, root } = ready();
    press("x");
    expect(root.dataset.queryIndex).toBe("1");
    press("1"); // a pick: on to query 3
    expect(root.dataset.queryIndex).toBe("2");
    press("p");
    press("x"); // a pick exists: left to the kernel, no move
    expect(root.dataset.queryIndex).toBe("1");
  });

  it("x marks none relevant, and is left to the kernel (unchanged here) while a pick exists", () => {
    const { model, press, root } = ready({ advance_on_pick: false });
    press("x");
    expect(root.classList.contains("xmw-is-none-relevant")).toBe(true);
    press("1"); // a pick clears the mark
    expect(root.classList.contains("xmw-is-none-relevant")).toBe(false);
    press("x"); // refused by the kernel: nothing changes here
    expect(root.classList.contains("xmw-is-none-relevant")).toBe(false);
    model.ackAll();
    expect(model.actions("none").map((a) => a.none_relevant)).toEqual([true, true]);
  });

  it("z undoes the last pick and goes back to its query", () => {
    const { model, press, root } = ready();
    press("4");
    expect(root.dataset.queryIndex).toBe("1");
    press("z");
    expect(root.dataset.queryIndex).toBe("0");
    expect(root.querySelectorAll<HTMLElement>(".xmw-tile")[3].dataset.rank).toBe("");
    model.ackAll();
    expect(model.actions().map((a) => a.op)).toEqual(["pick", "undo"]);
  });

  it("keys typed while the next query loads are applied to it when it comes", () => {
    const { model, press, root } = mountGrid({ scale: FLAGGED }, { task: "pick" }, () => clock);
    model.servePages(
      (index) => ({ page: textPage(index) }),
      (index) => index === 0,
    ); // q1 is not here yet
    root.focus();
    press("1");
    expect(root.dataset.queryIndex).toBe("0"); // the loading query has no page yet
    expect(root.querySelector(".xmw-tile")).toBeNull();
    press("2"); // typed ahead: waits for q1
    model.ackAll();
    expect(model.actions("pick")).toHaveLength(1);
    model.servePages();
    model.ackAll();
    expect(model.actions("pick").map((a) => [a.item_id, a.rank])).toEqual([
      ["q0-d0", 1],
      ["q1-d1", 1],
    ]);
    expect(root.dataset.queryIndex).toBe("2");
  });

  it("a media tile has a broken button, a text tile none", () => {
    const { el } = ready();
    expect(el.querySelector(".xmw-pick-broken")).toBeNull();
    unmountAll();
    const grid = mountGrid({ scale: FLAGGED }, { task: "pick" }, () => clock);
    grid.model.servePages((index) => imagePage(index, 3));
    expect(grid.el.querySelectorAll(".xmw-pick-broken")).toHaveLength(3);
  });
});
