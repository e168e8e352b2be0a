/**
 * The labelling loop as a person uses it (issue 8): batching and kernel-wins acks, notices, the b
 * target, keys typed while a page loads, media keys and the focus after a click on a player, undo
 * and done cues, go-to, k of N, broken media, active time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { batchNotice, compactNotice } from "../src/shell/notices";
import type { GridOptions } from "../src/shell/shell";
import { audioPage, imagePage, key, TREC } from "./fixtures";
import { mountGrid, mountReady, unmountAll } from "./mount";

const FLAGGED = { ...TREC, flags: ["broken-media"] };

let clock = 0;

const setup = (traits: Record<string, unknown> = {}, options: GridOptions = {}) =>
  mountGrid(traits, options, () => clock);
const ready = (traits: Record<string, unknown> = {}, options: GridOptions = {}) =>
  mountReady(traits, options, () => clock);
/** A grid of image candidates (6 a query): broken media is for those, not for a text. */
const readyMedia = (traits: Record<string, unknown> = {}) => {
  const grid = setup(traits);
  grid.model.servePages((index) => imagePage(index, 6));
  grid.root.focus();
  return grid;
};

beforeEach(() => {
  clock = 1000;
});
afterEach(() => {
  unmountAll();
  vi.useRealTimers();
});

describe("judge batches and acks", () => {
  it("sends one batch at a time; the keys pressed meanwhile go in one message when the ack comes", () => {
    const { model, press } = ready();
    press("3");
    press("1");
    press("2");
    press("0");
    expect(model.judges().map((batch) => batch.length)).toEqual([1]);
    model.ackNext();
    expect(model.judges().map((batch) => batch.length)).toEqual([1, 3]);
    expect(model.actions("grade").map((a) => [a.item_id, a.relevance])).toEqual([
      ["q0-d0", 3],
      ["q0-d1", 1],
      ["q0-d2", 2],
      ["q0-d3", 0],
    ]);
    model.ackNext();
    expect(model.judges()).toHaveLength(2);
  });

  it("adopts the kernel's stored states: a side effect shows, the kernel's value wins", () => {
    const { model, press, tiles } = ready();
    press("2");
    model.ackNext({
      states: {
        q0: [
          { item_id: "q0-d0", relevance: 1, best: false, flags: [] },
          { item_id: "q0-d4", relevance: 0, best: false, flags: [] },
        ],
      },
    });
    expect(tiles()[0].dataset).toMatchObject({ relevance: "1", state: "saved" });
    expect(tiles()[4].dataset).toMatchObject({ relevance: "0", state: "saved" });
  });

  it("shows each result's notice in a status line (not an alert), replaced by the next", () => {
    const { model, press, notice } = ready();
    press("3");
    const [first] = model.actions("grade");
    model.ackNext({ notices: { [first.request_id]: "none relevant cleared: candidate 1 is relevant" } });
    expect(notice().getAttribute("role")).toBe("status");
    expect(notice().hidden).toBe(false);
    expect(notice().textContent).toBe("none relevant cleared: candidate 1 is relevant");
    press("1");
    const second = model.actions("grade")[1];
    model.ackNext({ notices: { [second.request_id]: "query 1 done (6/6) · n for next" } });
    expect(notice().textContent).toBe("query 1 done (6/6) · n for next");
  });

  it("an ack that comes after n no longer says n for next", () => {
    // typed ahead: query 2 on screen, the notice of query 1 said "· n for next" (seen in NB 7)
    const { model, press, notice } = ready({ n_queries: 4 });
    press("3");
    press("n");
    model.servePages();
    expect(model.get("query_index")).toBe(1);
    const [first] = model.actions("grade");
    model.ackNext({ notices: { [first.request_id]: "query 1 done (6/6) · n for next" } });
    expect(notice().textContent).toBe("query 1 done (6/6)");
  });

  it("a refused action is reverted on screen and its notice says why", () => {
    const { model, press, tiles, notice } = readyMedia({ advance_on_grade: false, scale: FLAGGED });
    press("2");
    model.ackNext();
    press("m");
    expect([tiles()[0].dataset.relevance, tiles()[0].dataset.flags]).toEqual(["", "broken-media"]);
    const [flag] = model.actions("flag");
    model.ackNext({ refuse: [flag.request_id], notices: { [flag.request_id]: "flag refused" } });
    const { relevance, flags, state } = tiles()[0].dataset;
    expect([relevance, flags, state]).toEqual(["2", "", "saved"]);
    expect(notice().textContent).toBe("flag refused");
    expect(notice().dataset.kind).toBe("refused");
  });

  it("does not star a candidate that is not graded relevant, and shows the kernel's refusal", () => {
    const { model, press, tiles, notice } = ready();
    press("b");
    expect(tiles()[0].dataset.best).toBe("false");
    const [best] = model.actions("best");
    expect(best).toMatchObject({ item_id: "q0-d0", best: true });
    model.ackNext({
      refuse: [best.request_id],
      notices: { [best.request_id]: "best needs a relevant grade: grade it relevant first" },
    });
    expect(tiles()[0].dataset.best).toBe("false");
    expect(notice().textContent).toContain("grade it relevant first");
  });
});

describe("3 then b", () => {
  it("b stars the tile just graded, marked as the b target, until the focus is moved by hand", () => {
    const { model, press, tiles, focused } = ready();
    press("3");
    expect(focused()?.dataset.itemId).toBe("q0-d1");
    expect(tiles()[0].classList.contains("xmw-best-target")).toBe(true);
    expect(tiles().filter((t) => t.classList.contains("xmw-best-target"))).toHaveLength(1);
    press("b");
    expect(tiles()[0].dataset.best).toBe("true");
    expect(tiles()[1].dataset.best).toBe("false");
    model.ackNext();
    expect(model.actions("best")[0]).toMatchObject({ item_id: "q0-d0", best: true });
    // a move by hand: b follows the focus again
    press("l");
    expect(tiles().some((t) => t.classList.contains("xmw-best-target"))).toBe(false);
    press("b");
    model.ackNext();
    expect(model.actions("best")[1]).toMatchObject({ item_id: "q0-d2" });
  });
});

describe("keys typed while a page loads", () => {
  it("are applied in order when the page arrives, across a second n to a page not here yet", () => {
    const { model, press, tiles, text, el } = setup();
    model.servePages(undefined, (index) => index === 0);
    (el.querySelector(".xmw-grid") as HTMLElement).focus();
    press("n");
    expect(text(".xmw-loading")).toBe("loading query 2…");
    for (const name of ["3", "1", "b", "n", "2", "x"]) press(name);
    expect(text(".xmw-loading")).toContain("6 keys will apply when it is here");
    expect(model.actions()).toHaveLength(0);
    model.servePages(undefined, (index) => index === 1);
    // q1 got 3, 1 and a best pick, then n went on to q2, still loading
    expect(model.get("query_index")).toBe(2);
    expect(text(".xmw-loading")).toContain("2 keys will apply");
    model.servePages();
    expect(text(".xmw-query")).toBe("query number 2");
    model.ackAll();
    const judged = model
      .actions()
      .map((a) => `${a.op}:${"item_id" in a ? a.item_id : "query_id" in a ? a.query_id : ""}`);
    // b went to the tile graded last (1 = "related" is relevant)
    expect(judged).toEqual(["grade:q1-d0", "grade:q1-d1", "best:q1-d1", "grade:q2-d0", "none:q2"]);
    expect(tiles()[0].dataset.relevance).toBe("2");
  });

  it("a go-to typed while keys wait goes after them", () => {
    const { model, press, root, text } = setup();
    model.servePages(undefined, (index) => index === 0);
    root.focus();
    press("n");
    press("3");
    press("g");
    const input = root.querySelector<HTMLInputElement>(".xmw-goto-input")!;
    input.value = "8";
    key(input, "Enter");
    expect(document.activeElement).toBe(root); // keys still have a home while nothing is shown
    press("1");
    model.servePages(undefined, (index) => index === 1);
    expect(model.get("query_index")).toBe(7);
    model.servePages();
    expect(text(".xmw-query")).toBe("query number 7");
    model.ackAll();
    expect(model.actions("grade").map((a) => a.item_id)).toEqual(["q1-d0", "q7-d0"]);
  });

  it("a page that arrives while the go-to box is being typed in does not take the focus", () => {
    const { model, press, root, text } = setup({ n_queries: 40 });
    model.servePages(undefined, (index) => index === 0);
    root.focus();
    press("n"); // query 1 is loading
    press("g");
    const input = root.querySelector<HTMLInputElement>(".xmw-goto-input")!;
    expect(document.activeElement).toBe(input);
    input.value = "2";
    model.servePages(undefined, (index) => index === 1); // query 1 arrives mid-typing
    expect(text(".xmw-query")).toBe("query number 1");
    expect(document.activeElement).toBe(input); // the next key still goes to the box
    input.value = "28";
    key(input, "Enter");
    expect(model.get("query_index")).toBe(27);
    expect(model.actions("grade")).toEqual([]); // "2" and "8" were not grades
  });

  it("keys applied from the type-ahead while the go-to box is open do not take its focus", () => {
    const { model, press, root } = setup({ n_queries: 40 });
    model.servePages(undefined, (index) => index === 0);
    root.focus();
    press("n"); // query 1 loading
    press("3");
    press("n"); // queued: goes on to query 2, not cached either
    press("g");
    const input = root.querySelector<HTMLInputElement>(".xmw-goto-input")!;
    input.value = "2";
    model.servePages(undefined, (index) => index === 1); // 3 applied on query 1, then n to 2
    expect(model.get("query_index")).toBe(2);
    expect(document.activeElement).toBe(input);
    input.value = "28";
    key(input, "Enter");
    model.servePages();
    expect(model.get("query_index")).toBe(27);
    model.ackAll();
    expect(model.actions("grade").map((a) => a.item_id)).toEqual(["q1-d0"]);
  });

  it("moves applied from the type-ahead while the go-to box is open do not take its focus", () => {
    // l and End typed before g, applied when their page came: a move focused its tile at once, so
    // the digits typed after went to the grid as grades and Enter went to the next query (seen at
    // machine speed in JupyterLab, 1 run in 8 on a loaded machine)
    const { model, press, root } = setup({ n_queries: 40 });
    model.servePages(undefined, (index) => index === 0);
    root.focus();
    press("n"); // query 1 loading
    press("l");
    press("End");
    press("Home");
    press("g");
    const input = root.querySelector<HTMLInputElement>(".xmw-goto-input")!;
    expect(document.activeElement).toBe(input);
    model.servePages(undefined, (index) => index === 1); // the moves are applied on query 1
    expect(document.activeElement).toBe(input);
    input.value = "28";
    key(input, "Enter");
    model.servePages();
    expect(model.get("query_index")).toBe(27);
    expect(root.contains(document.activeElement)).toBe(true); // the grid takes keys again
    model.ackAll();
    expect(model.actions("grade")).toEqual([]);
  });

  it("prefetches the next pages and the previous one", () => {
    const { model, press } = ready({ query_index: 4, n_queries: 40 });
    // ready() served the first pages (6 candidates each): 6 ahead from then on
    expect(
      model
        .sentOf("page")
        .map((m) => m.index)
        .slice(0, 5),
    ).toEqual([4, 5, 6, 7, 3]);
    model.servePages();
    press("n");
    expect(Math.max(...model.sentOf("page").map((m) => m.index))).toBe(5 + 6);
  });
});

describe("media keys", () => {
  it("Space plays and pauses the focused tile's audio and is never left to scroll the page", () => {
    const { model, press, tiles, root } = setup();
    model.servePages((index) => audioPage(index, 3));
    root.focus();
    press("l");
    const audio = tiles()[1].querySelector("audio")!;
    expect(audio.paused).toBe(true);
    const space = press(" ");
    expect(space.defaultPrevented).toBe(true);
    expect(audio.paused).toBe(false);
    expect(tiles()[0].querySelector("audio")!.paused).toBe(true);
    press(" ");
    expect(audio.paused).toBe(true);
    press("]");
    press("]");
    press("[");
    expect(audio.currentTime).toBe(5);
  });

  it("Space on a tile without media says so, and still does not scroll", () => {
    const { press, notice } = ready();
    expect(press(" ").defaultPrevented).toBe(true);
    expect(notice().textContent).toBe("candidate 1 has no audio or video to play");
  });

  it("Space or ] on a tile whose audio could not be loaded says that, not 'has no audio'", () => {
    const { model, press, notice, root } = setup();
    model.servePages((index) => {
      const served = audioPage(index, 3);
      served.page.candidates[0].parts = [
        { column: "audio", kind: "error", error: "file not found: a.wav", original_kind: "audio" },
      ];
      return served;
    });
    root.focus();
    press(" ");
    expect(notice().textContent).toBe(
      "candidate 1: its audio could not be loaded (the tile says why), nothing to play",
    );
    press("]");
    expect(notice().textContent).toBe(
      "candidate 1: its audio could not be loaded (the tile says why), nothing to seek",
    );
  });

  it("takes the focus back to the tile after the mouse used a player", async () => {
    const { model, tiles, root, focused, press } = setup();
    model.servePages((index) => audioPage(index, 3));
    root.focus();
    const audio = tiles()[2].querySelector("audio")!;
    audio.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true }));
    audio.focus();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(document.activeElement).toBe(audio); // not while the button is held: the click goes on
    window.dispatchEvent(new PointerEvent("pointerup", { bubbles: true }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(document.activeElement).toBe(tiles()[2]);
    expect(focused()).toBe(tiles()[2]);
    press("2");
    expect(model.actions("grade")[0]).toMatchObject({ item_id: "q0-d2", relevance: 2 });
  });
});

describe("undo, done and go-to", () => {
  it("undo shows the kernel's notice and goes to what the kernel undid", () => {
    const { model, press, notice, text } = ready();
    press("n");
    press("z"); // nothing of this view to undo: the kernel's result says what it undid
    const [undo] = model.actions("undo");
    model.ackNext({
      notices: { [undo.request_id]: "undid: grade 'exact match' on candidate 4 of query 1" },
      undone: { query_id: "q0", index: 0, item_id: "q0-d3" },
    });
    expect(notice().textContent).toBe("undid: grade 'exact match' on candidate 4 of query 1");
    expect(text(".xmw-query")).toBe("query number 0");
    expect(document.querySelector<HTMLElement>(".xmw-focused")?.dataset.itemId).toBe("q0-d3");
  });

  it("shows k of N and the query's judged count in the header, and a done state", () => {
    const { press, text, root, model } = ready();
    expect(text(".xmw-position")).toBe("candidate 1 of 6 · 0/6 judged");
    press("2");
    expect(text(".xmw-position")).toBe("candidate 2 of 6 · 1/6 judged");
    for (const name of ["1", "1", "0", "0"]) press(name);
    expect(root.querySelector<HTMLElement>(".xmw-done")?.hidden).toBe(true);
    press("3");
    expect(text(".xmw-position")).toContain("6/6 judged");
    expect(root.querySelector<HTMLElement>(".xmw-done")?.hidden).toBe(false);
    expect(text(".xmw-done")).toBe("✓ query done");
    expect(root.querySelector(".xmw-header")?.classList.contains("xmw-query-done")).toBe(true);
    model.traits.progress = { judged: 6, total: 60, queries_done: 1, n_queries: 10 };
    model.ackNext();
    expect(text(".xmw-progress")).toBe("judged 6/60 · queries done 1/10 · query 1/10");
  });

  it("n on the last query says so, and says when all are done", () => {
    const { press, notice, model } = ready({ n_queries: 2, query_index: 1 });
    press("n");
    expect(notice().textContent).toBe("this is the last query (2 of 2) · 2 not done yet · g to go to one");
    model.kernelSets("progress", { judged: 12, total: 12, queries_done: 2, n_queries: 2 });
    press("Enter");
    expect(notice().textContent).toBe("all 2 queries done · this is the last one");
    expect(document.querySelector(".xmw-done")?.textContent).toBe("✓ all queries done");
  });

  it("g opens a go-to box: a number or a query id, Enter goes, Escape cancels, its keys are not commands", () => {
    const { press, model, root, text } = ready({ goto_query_ids: ["q0", "q1", "q2", "q3", "q4", "alpha"] });
    press("g");
    const input = root.querySelector<HTMLInputElement>(".xmw-goto-input")!;
    expect(document.activeElement).toBe(input);
    expect(input.getAttribute("data-lm-suppress-shortcuts")).toBe("true");
    for (const name of ["3", "n", "x"]) key(input, name);
    expect(model.actions()).toHaveLength(0);
    key(input, "Escape");
    expect(root.querySelector<HTMLElement>(".xmw-goto")?.hidden).toBe(true);
    expect(model.get("query_index")).toBe(0);
    press("g");
    input.value = "alpha";
    key(input, "Enter");
    expect(model.get("query_index")).toBe(5);
    model.servePages();
    expect(text(".xmw-query")).toBe("query number 5");
    press("g");
    input.value = "99";
    key(input, "Enter");
    expect(text(".xmw-goto-message")).toBe("no query 99: queries are numbered 1 to 10");
    input.value = "3";
    key(input, "Enter");
    expect(model.get("query_index")).toBe(2);
  });
});

describe("broken media and active time", () => {
  it("m toggles broken-media on the focused tile: out of the grades, counted as handled", () => {
    const { press, model, tiles, text } = readyMedia({ advance_on_grade: false, scale: FLAGGED });
    press("1");
    model.ackNext();
    press("m");
    expect([tiles()[0].dataset.flags, tiles()[0].dataset.relevance]).toEqual(["broken-media", ""]);
    expect(text(".xmw-position")).toContain("1/6 judged");
    model.ackNext();
    expect(model.actions("flag")[0]).toMatchObject({ item_id: "q0-d0", flag: "broken-media", on: true });
    press("m");
    model.ackNext();
    expect(model.actions("flag")[1]).toMatchObject({ on: false });
    expect(tiles()[0].dataset.flags).toBe("");
  });

  it("with advance_on_grade, m moves the focus on as a grade does: 2 m 1 grades the tile after the broken one", () => {
    const { press, model, tiles, focused } = readyMedia({ scale: FLAGGED });
    press("2"); // tile 0 graded, the focus goes to tile 1
    expect(tiles()[0].classList.contains("xmw-best-target")).toBe(true);
    press("m"); // tile 1 broken, the focus goes to tile 2
    // b no longer means the tile graded before the broken one: it acts on the focus
    expect(tiles()[0].classList.contains("xmw-best-target")).toBe(false);
    expect(focused()?.dataset.itemId).toBe("q0-d2");
    press("1");
    model.ackNext();
    expect(
      tiles()
        .map((t) => [t.dataset.relevance, t.dataset.flags])
        .slice(0, 3),
    ).toEqual([
      ["2", ""],
      ["", "broken-media"],
      ["1", ""],
    ]);
    expect(model.actions("flag")).toHaveLength(1);
    expect(model.actions("grade").map((a) => a.item_id)).toEqual(["q0-d0", "q0-d2"]);
    expect(focused()?.dataset.itemId).toBe("q0-d3");
    // m on a broken tile clears it and the focus stays there
    press("ArrowLeft");
    press("ArrowLeft");
    press("m");
    expect(tiles()[1].dataset.flags).toBe("");
    expect(focused()?.dataset.itemId).toBe("q0-d1");
  });

  it("m on a text-only candidate (no broken? button) is refused with a notice and sends nothing", () => {
    const { press, model, tiles, focused, notice } = ready({ scale: FLAGGED });
    expect(tiles()[0].querySelector(".xmw-broken")).toBeNull();
    press("m");
    expect(model.actions()).toHaveLength(0);
    expect(tiles()[0].dataset.flags).toBe("");
    expect(focused()?.dataset.itemId).toBe("q0-d0");
    expect(notice().textContent).toBe(
      "candidate 1 is text only: m (broken media) is for an image, audio or video that does not load; grade the text",
    );
    press("2"); // the keys go on as before
    expect(model.actions("grade")[0]).toMatchObject({ item_id: "q0-d0", relevance: 2 });
  });

  it("the tile's broken-media button does the same as m", () => {
    const { model, root, tiles } = setup({ scale: FLAGGED });
    model.servePages((index) => imagePage(index, 3));
    root.focus();
    tiles()[2].querySelector<HTMLButtonElement>(".xmw-broken")!.click();
    expect(tiles()[2].dataset.flags).toBe("broken-media");
    expect(tiles()[2].classList.contains("xmw-focused")).toBe(true);
    expect(model.actions("flag")[0]).toMatchObject({ item_id: "q0-d2", flag: "broken-media", on: true });
  });

  it("m on a scale without a broken-media flag says so and sends nothing", () => {
    const { press, model, notice } = ready();
    press("m");
    expect(model.actions()).toHaveLength(0);
    expect(notice().textContent).toBe('the scale "trec-0-3" has no "broken-media" flag');
  });

  it("duration_ms counts from when the page was shown and focused, without idle gaps", () => {
    const { model, root, press } = setup();
    clock = 1000;
    model.servePages(); // shown, but the widget has no focus
    clock = 9000;
    root.focus();
    clock = 11_000;
    press("2");
    expect(model.actions("grade")[0].duration_ms).toBe(2000);
    clock = 200_000; // a coffee break: counts 30 s at most
    press("1");
    model.ackNext();
    expect(model.actions("grade")[1].duration_ms).toBe(30_000);
  });
});

describe("batchNotice", () => {
  it("says each part of a batch's notices once, in order", () => {
    const text = batchNotice([
      "pair 5 saved: left better · all 6 pairs done",
      "",
      null,
      "pair 6 saved: tie · all 6 pairs done",
      "pair 6 saved: tie · all 6 pairs done",
    ]);
    expect(text).toBe("pair 5 saved: left better · all 6 pairs done · pair 6 saved: tie");
    expect(batchNotice(["", undefined])).toBe("");
  });

  it("says only the last of the moves a batch made", () => {
    // four picks typed ahead said "on to query 5 (p to go back) · on to query 6 ... · on to query 7"
    const text = batchNotice([
      "query 4 done · on to query 5 (p to go back)",
      "query 5 done · on to query 6 (p to go back)",
      "query 6 done · on to query 7 (p to go back)",
    ]);
    expect(compactNotice(text)).toBe("queries 4–6 done · on to query 7 (p to go back)");
  });
});

describe("compactNotice", () => {
  it("says parts of one kind once, counted, where the first stood: the newest stay short", () => {
    const flagged = Array.from(
      { length: 10 },
      (_, k) => `candidate ${k + 2} flagged broken-media: left out of the ranking`,
    );
    const text = [...flagged, "ranking of query 2 saved: 20 candidates", "query 2 done (20/20)", "n for next"].join(
      " · ",
    );
    expect(compactNotice(text)).toBe(
      "candidates 2–11 flagged broken-media: left out of the ranking · ranking of query 2 saved: 20 candidates · " +
        "query 2 done (20/20) · n for next",
    );
  });

  it("leaves parts that say different things, and a lone part, as they are", () => {
    const text = "pair 5 saved: left better · all 6 pairs done · pair 6 saved: tie";
    expect(compactNotice(text)).toBe(text);
    expect(compactNotice("pair 5 saved: tie · pair 6 saved: tie")).toBe("pair 5 saved: tie · pair 6 saved: tie");
    expect(compactNotice("query 3 done · query 4 done · query 5 done · n for next")).toBe(
      "queries 3–5 done · n for next",
    );
    // numbers that do not follow on: listed, or counted when many ("3 queries done" read as a total)
    expect(compactNotice("query 2 done · query 5 done · query 9 done")).toBe("queries 2, 5, 9 done");
    const many = [1, 3, 5, 7, 9].map((k) => `candidate ${k} flagged dissonant`).join(" · ");
    expect(compactNotice(many)).toBe("5 candidates flagged dissonant");
    expect(compactNotice("")).toBe("");
  });
});
