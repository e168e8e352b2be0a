/**
 * Flags, notes and the rubric panel of the grading task (issue 10): the rubric's flag keys go to
 * the candidate or the query by where each flag applies, chips show them and their × removes
 * them, the note box keeps its keys to itself and saves on Enter, the rubric panel shows every
 * level, rule, example and flag, and acks, pages and undo bring back what the kernel stored.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { keyAction } from "../src/shell/keyboard";
import type { Example, FlagSpec, ScaleSpec } from "../src/shell/protocol";
import { exampleTile, rubricPanel } from "../src/shell/rubric";
import { flagKeys, gradeHelpRows, gradeHint } from "../src/tasks/grade/flags";
import { MarkLine, shorten } from "../src/tasks/grade/marks";
import { NoteBox } from "../src/tasks/grade/notebox";
import { JudgementState } from "../src/tasks/grade/state";
import { key, stubResizeObserver, TREC, textPage } from "./fixtures";
import { mountReady, unmountAll } from "./mount";

/** Like xm.DEFAULT_FLAGS. */
const FLAG_SPECS: FlagSpec[] = [
  { name: "ambiguous-query", key: "A", definition: "Two readings.", applies_to: "query" },
  { name: "dissonant", key: "D", definition: "Text contradicts media.", applies_to: "both" },
  { name: "broken-media", key: "m", definition: "Does not load.", applies_to: "candidate" },
  { name: "near-duplicate", key: "U", definition: "Same as another.", applies_to: "candidate" },
  { name: "suspected-false-negative", key: "F", definition: "Missed by the pool.", applies_to: "candidate" },
];

const PNG = "data:image/png;base64,iVBORw0KGgo=";
const EXAMPLES: Example[] = [
  { kind: "text", text: "image: a red double-decker bus on a bridge", caption: "all match", query: "red bus" },
  { kind: "image", src: PNG, mime: "image/png", width: 40, height: 30, caption: "a picture", query: "" },
  {
    kind: "audio",
    src: "data:audio/wav;base64,UklGRg==",
    mime: "audio/wav",
    duration: 1,
    caption: "a clip",
    query: "",
  },
  {
    kind: "video",
    src: "https://example.org/v.mp4",
    mime: null,
    poster: null,
    width: null,
    height: null,
    duration: null,
    caption: "a video",
    query: "",
  },
  { kind: "error", media: "audio", error: "audio example too large to embed", caption: "", query: "" },
];

/** Like xm.MATCHING_RUBRIC.to_dict(), with an example of each kind on its top level. */
const MATCHING: ScaleSpec = {
  name: "matching",
  title: "Matching rules for cross-modal retrieval",
  description: "Judge how well each candidate matches the query.",
  version: "matching@1",
  notes: true,
  levels: [
    {
      value: 0,
      name: "unrelated",
      definition: "Nothing corresponds.",
      rule: "No subject in common.",
      key: "0",
      examples: [],
    },
    {
      value: 1,
      name: "semantic similarity",
      definition: "Related.",
      rule: "Shares the theme.",
      key: "1",
      examples: [],
    },
    {
      value: 2,
      name: "partial relevance",
      definition: "Main subject.",
      rule: "Something differs.",
      key: "2",
      examples: [],
    },
    {
      value: 3,
      name: "exact match",
      definition: "Everything.",
      rule: "Every object is there.",
      key: "3",
      examples: EXAMPLES,
    },
  ],
  flags: FLAG_SPECS.map((spec) => spec.name),
  flag_specs: FLAG_SPECS,
  continuous: false,
  minimum: null,
  maximum: null,
  step: null,
};

let clock = 0;
const last = <T>(list: T[]): T | undefined => list[list.length - 1];
const ready = (traits: Record<string, unknown> = {}) => mountReady({ scale: MATCHING, ...traits }, {}, () => clock);

beforeEach(() => {
  clock = 1000;
});
afterEach(() => unmountAll());

describe("flag keys -> actions", () => {
  const action = (name: string, scale = MATCHING) =>
    keyAction({ key: name, shiftKey: name !== name.toLowerCase() }, (e) => flagKeys(e, scale));

  it("a candidate or both flag goes to the candidate, a query-only flag to the query", () => {
    expect(action("U")).toEqual({ type: "task", name: "flag", value: "near-duplicate" });
    expect(action("D")).toEqual({ type: "task", name: "flag", value: "dissonant" });
    expect(action("F")).toEqual({ type: "task", name: "flag", value: "suspected-false-negative" });
    expect(action("A")).toEqual({ type: "task", name: "query-flag", value: "ambiguous-query" });
  });

  it("m stays the shell's broken-media command; e, E and r are the note and rubric keys", () => {
    expect(flagKeys({ key: "m" }, MATCHING)).toBeNull();
    expect(action("e")).toEqual({ type: "task", name: "note" });
    expect(action("E")).toEqual({ type: "task", name: "query-note" });
    expect(action("r")).toEqual({ type: "task", name: "rubric" });
    expect(action("u")).toBeNull(); // case matters: u is not U
  });

  it("a rubric without notes has no note keys; Ctrl+U is never a flag", () => {
    expect(flagKeys({ key: "e" }, { ...MATCHING, notes: false })).toBeNull();
    expect(keyAction({ key: "U", ctrlKey: true }, (e) => flagKeys(e, MATCHING))).toBeNull();
  });

  it("the hint names the flag keys and the help rows list each flag, the notes and the panel", () => {
    expect(gradeHint(MATCHING)).toContain("flags: A D U F");
    expect(gradeHint(MATCHING)).toContain("e/E note");
    expect(gradeHint(MATCHING)).toContain("r rubric");
    const rows = new Map(gradeHelpRows(MATCHING));
    for (const spec of FLAG_SPECS.filter((s) => s.key !== "m"))
      expect(rows.get(spec.key as string)).toContain(spec.name);
    expect(rows.get("A")).toContain("on the query");
    expect(rows.get("e")).toContain("note on the focused candidate");
    expect(rows.get("E")).toContain("note on the query");
    expect(rows.get("r")).toContain("rubric");
    expect(rows.get("m")).toContain("broken media");
  });
});

describe("a built-in flag key the rubric has not", () => {
  /** Like xm.TREC_SCALE: ambiguous-query, dissonant and broken-media only (no U, no F). */
  const TREC_FLAGS: ScaleSpec = {
    ...MATCHING,
    name: "trec",
    flags: ["ambiguous-query", "dissonant", "broken-media"],
    flag_specs: FLAG_SPECS.filter((spec) => ["A", "D", "m"].includes(spec.key ?? "")),
  };

  it("U and F say that this rubric has no such flag key and which it has; nothing is sent", () => {
    const { model, press, notice } = ready({ scale: TREC_FLAGS });
    press("U");
    expect(notice().hidden).toBe(false);
    expect(notice().textContent).toBe("U: no flag on this key in this rubric (flags: A ambiguous-query, D dissonant)");
    expect(notice().dataset.kind).toBe("refused");
    press("F");
    expect(notice().textContent).toMatch(/^F: no flag on this key/);
    expect(model.actions("flag")).toEqual([]);
  });

  it("a letter that is no built-in rubric's flag key stays silent; the rubric's own keys act", () => {
    const { model, press, notice } = ready({ scale: TREC_FLAGS });
    press("Q");
    expect(notice().hidden).toBe(true);
    press("D");
    expect(model.actions("flag")[0]).toMatchObject({ flag: "dissonant", on: true });
    expect(notice().textContent ?? "").not.toContain("no flag on this key");
  });
});

describe("flags on tiles and on the query", () => {
  it("U flags the focused candidate: a chip as text, the judge action, saved on the ack", () => {
    const { model, press, tiles } = ready();
    press("U");
    const [sent] = model.actions("flag");
    expect(sent).toMatchObject({ op: "flag", query_id: "q0", item_id: "q0-d0", flag: "near-duplicate", on: true });
    const chip = tiles()[0].querySelector(".xmw-chip")!;
    expect(chip.textContent).toBe("near-duplicate×");
    expect(tiles()[0].dataset.flags).toBe("near-duplicate");
    expect(tiles()[0].dataset.state).toBe("pending");
    model.ackNext();
    expect(tiles()[0].dataset.state).toBe("saved");
    expect(tiles()[0].querySelector(".xmw-chip")?.getAttribute("data-flag")).toBe("near-duplicate");
  });

  it("a flag name is shown as text, never as HTML", () => {
    const { model, tiles } = ready();
    const evil = "<img src=x onerror=alert(1)>";
    model.receive({
      type: "page",
      request_id: null,
      index: 0,
      page: textPage(0, 3, {
        candidates: textPage(0, 3).candidates.map((c, i) => (i === 0 ? { ...c, flags: [evil], note: evil } : c)),
      }),
    });
    const tile = tiles()[0];
    expect(tile.querySelector(".xmw-chip-name")?.textContent).toBe(evil);
    expect(tile.querySelector(".xmw-note-text")?.textContent).toBe(shorten(evil));
    expect(tile.querySelector("img")).toBeNull();
  });

  it("clicking a chip's × removes the flag", () => {
    const { model, press, tiles } = ready();
    press("F");
    model.ackNext();
    tiles()[0].querySelector<HTMLButtonElement>(".xmw-chip-remove")!.click();
    expect(last(model.actions("flag"))).toMatchObject({
      item_id: "q0-d0",
      flag: "suspected-false-negative",
      on: false,
    });
    expect(tiles()[0].querySelector(".xmw-chip")).toBeNull();
    expect(tiles()[0].querySelector<HTMLElement>(".xmw-marks")?.hidden).toBe(true);
  });

  it("A flags the query: a chip in the header, item_id null, kernel's query_flags adopted", () => {
    const { model, press, el } = ready();
    press("A");
    expect(last(model.actions("flag"))).toMatchObject({ item_id: null, flag: "ambiguous-query", on: true });
    const marks = el.querySelector<HTMLElement>(".xmw-header .xmw-query-marks")!;
    expect(marks.hidden).toBe(false);
    expect(marks.dataset.flags).toBe("ambiguous-query");
    expect(marks.textContent).toContain("saving…");
    model.ackNext();
    expect(marks.textContent).toBe("ambiguous-query×");
    marks.querySelector<HTMLButtonElement>(".xmw-chip-remove")!.click();
    expect(last(model.actions("flag"))).toMatchObject({ item_id: null, flag: "ambiguous-query", on: false });
    model.ackNext();
    expect(marks.hidden).toBe(true);
  });

  it("the kernel wins: a refused query flag is reverted, stored query flags from an ack are shown", () => {
    const { model, press, el } = ready();
    press("A");
    const [sent] = model.actions("flag");
    model.ackNext({ refuse: [sent.request_id], notices: { [sent.request_id]: "flag refused" } });
    const marks = el.querySelector<HTMLElement>(".xmw-query-marks")!;
    expect(marks.hidden).toBe(true);
    model.receive({
      type: "ack",
      results: [],
      queries: {
        q0: {
          index: 0,
          states: [{ item_id: "q0-d2", relevance: 2, best: false, flags: ["dissonant"], note: "from elsewhere" }],
          none_relevant: false,
          query_flags: ["dissonant"],
          query_note: "which bus?",
          done: false,
          judged: 1,
          total: 6,
        },
      },
      progress: model.traits.progress,
    });
    expect(marks.dataset.flags).toBe("dissonant");
    expect(marks.dataset.note).toBe("which bus?");
    const tile = el.querySelectorAll<HTMLElement>(".xmw-tile")[2];
    expect(tile.dataset.flags).toBe("dissonant");
    expect(tile.querySelector<HTMLElement>(".xmw-note-mark")?.title).toBe("from elsewhere");
  });

  it("a page's stored flags and notes are shown, and they come back on a later visit", () => {
    const { model, el } = ready({ n_queries: 3 });
    model.servePages((index) => ({ page: textPage(index) }));
    const page = textPage(1, 6, { query_flags: ["ambiguous-query"], query_note: "two readings" });
    page.candidates[1].note = "blue, not red";
    model.receive({ type: "page", request_id: null, index: 1, page });
    model.kernelSets("query_index", 1);
    expect(el.querySelector<HTMLElement>(".xmw-query-marks")?.dataset.flags).toBe("ambiguous-query");
    expect(el.querySelectorAll<HTMLElement>(".xmw-tile")[1].querySelector(".xmw-note-mark")?.textContent).toBe(
      "✎blue, not red",
    );
    model.kernelSets("query_index", 0);
    expect(el.querySelector<HTMLElement>(".xmw-query-marks")?.hidden).toBe(true);
  });

  it("undo takes a flag back off, on screen at once", () => {
    const { model, press, tiles } = ready();
    press("U");
    model.ackNext();
    press("z");
    expect(tiles()[0].dataset.flags).toBe("");
    expect(tiles()[0].querySelector<HTMLElement>(".xmw-marks")?.hidden).toBe(true);
    expect(model.actions("undo")).toHaveLength(1);
  });
});

describe("the note box", () => {
  it("e opens it on the focused tile; keys typed there do not leak; Enter saves and focus returns", () => {
    const { model, press, tiles, root } = ready();
    press("ArrowRight");
    press("e");
    const box = tiles()[1].querySelector<HTMLElement>(".xmw-note-box")!;
    expect(box.hidden).toBe(false);
    const input = box.querySelector<HTMLTextAreaElement>("textarea")!;
    expect(document.activeElement).toBe(input);
    expect(input.getAttribute("data-lm-suppress-shortcuts")).toBe("true");
    const outside: string[] = [];
    const listener = (event: Event) => outside.push((event as KeyboardEvent).key);
    root.addEventListener("keydown", listener);
    document.addEventListener("keydown", listener);
    for (const name of ["3", "n", "b", "x", "z", "U", "j", " ", "?", "m", "r"]) {
      const event = key(input, name);
      expect(event.defaultPrevented).toBe(false); // the text area gets the character
    }
    key(input, "Enter", { shiftKey: true }); // a new line, not a save
    expect(outside).toEqual([]);
    expect(model.judges()).toEqual([]);
    expect(box.hidden).toBe(false);
    input.value = "  the bus is blue  ";
    key(input, "Enter");
    root.removeEventListener("keydown", listener);
    document.removeEventListener("keydown", listener);
    expect(model.actions("note")).toEqual([
      expect.objectContaining({ op: "note", query_id: "q0", item_id: "q0-d1", note: "the bus is blue" }),
    ]);
    expect(tiles()[1].querySelector(".xmw-note-box")).toBeNull();
    expect(document.activeElement).toBe(tiles()[1]);
    const mark = tiles()[1].querySelector<HTMLElement>(".xmw-note-mark")!;
    expect(mark.title).toBe("the bus is blue");
    expect(mark.textContent).toBe("✎the bus is blue");
    model.ackNext();
    expect(tiles()[1].dataset.state).toBe("saved");
  });

  it("Escape cancels: nothing is sent, the focus returns to the tile, grid keys work again", () => {
    const { model, press, tiles } = ready({ advance_on_grade: false });
    press("e");
    const input = tiles()[0].querySelector<HTMLTextAreaElement>("textarea")!;
    input.value = "never mind";
    key(input, "Escape");
    expect(model.judges()).toEqual([]);
    expect(document.activeElement).toBe(tiles()[0]);
    press("2");
    expect(model.actions("grade")).toHaveLength(1);
  });

  it("a long note is shortened on the tile, whole in its title; an empty note removes it", () => {
    const { model, press, tiles } = ready();
    const long = "word ".repeat(30).trim();
    press("e");
    let input = tiles()[0].querySelector<HTMLTextAreaElement>("textarea")!;
    input.value = long;
    key(input, "Enter");
    const mark = tiles()[0].querySelector<HTMLElement>(".xmw-note-mark")!;
    expect(mark.title).toBe(long);
    expect(mark.querySelector(".xmw-note-text")!.textContent!.length).toBeLessThanOrEqual(40);
    expect(mark.textContent!.endsWith("…")).toBe(true);
    model.ackNext();
    press("e");
    input = tiles()[0].querySelector<HTMLTextAreaElement>("textarea")!;
    expect(input.value).toBe(long); // the box opens with the note
    input.value = "";
    key(input, "Enter");
    expect(last(model.actions("note"))).toMatchObject({ item_id: "q0-d0", note: "" });
    expect(tiles()[0].querySelector<HTMLElement>(".xmw-marks")?.hidden).toBe(true);
  });

  it("E opens the query's box with its flags as toggles; a toggle sets a both flag on the query", () => {
    const { model, press, el, tiles } = ready();
    press("E");
    const box = el.querySelector<HTMLElement>(".xmw-header .xmw-note-box")!;
    expect(box.hidden).toBe(false);
    const toggles = [...box.querySelectorAll<HTMLButtonElement>(".xmw-note-flag")];
    expect(toggles.map((t) => t.dataset.flag)).toEqual(["ambiguous-query", "dissonant"]);
    toggles[1].click();
    expect(last(model.actions("flag"))).toMatchObject({ item_id: null, flag: "dissonant", on: true });
    expect(box.querySelector('[data-flag="dissonant"]')?.getAttribute("aria-pressed")).toBe("true");
    model.ackNext();
    const input = box.querySelector<HTMLTextAreaElement>("textarea")!;
    input.value = "green of what?";
    key(input, "Enter");
    expect(last(model.actions("note"))).toMatchObject({ item_id: null, note: "green of what?" });
    expect(el.querySelector<HTMLElement>(".xmw-query-marks")?.dataset.note).toBe("green of what?");
    expect(document.activeElement).toBe(tiles()[0]);
  });

  it("undo of a note puts the old text back", () => {
    const { model, press, tiles } = ready();
    press("e");
    const input = tiles()[0].querySelector<HTMLTextAreaElement>("textarea")!;
    input.value = "first";
    key(input, "Enter");
    model.ackNext();
    press("z");
    expect(tiles()[0].querySelector<HTMLElement>(".xmw-marks")?.hidden).toBe(true);
  });
});

describe("the rubric panel", () => {
  it("r toggles it beside the tiles; closed it is empty and hidden; it stays open on the next query", () => {
    const { model, press, el } = ready();
    const body = el.querySelector<HTMLElement>(".xmw-grade-body")!;
    const panel = el.querySelector<HTMLElement>(".xmw-rubric-panel")!;
    expect(panel.hidden).toBe(true);
    expect(body.dataset.rubric).toBe("closed");
    press("r");
    expect(panel.hidden).toBe(false);
    expect(body.dataset.rubric).toBe("open");
    expect(panel.parentElement).toBe(el.querySelector(".xmw-tiles")?.parentElement);
    press("n");
    model.servePages();
    expect(el.querySelector(".xmw-grid")?.getAttribute("data-query-index")).toBe("1");
    expect(panel.hidden).toBe(false);
    expect(panel.textContent).toContain("exact match");
    press("r");
    expect(panel.hidden).toBe(true);
    expect(panel.childElementCount).toBe(0);
    expect(model.judges()).toEqual([]);
  });

  it("opened, it comes into view; closed, the focused candidate comes back into view", async () => {
    // 800x600: the panel opened above the tiles, 400-1700 px above the window, out of sight
    const { press, el, tiles } = ready();
    const scrolled: Element[] = [];
    const spy = vi.spyOn(HTMLElement.prototype, "scrollIntoView").mockImplementation(function (this: HTMLElement) {
      scrolled.push(this);
    });
    try {
      press("End");
      scrolled.length = 0;
      press("r");
      expect(scrolled).toContain(el.querySelector(".xmw-rubric-panel"));
      scrolled.length = 0;
      press("r");
      await new Promise((resolve) => requestAnimationFrame(resolve)); // the scroll is the frame's
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(scrolled).toContain(tiles()[5]);
      expect(document.activeElement).toBe(tiles()[5]);
      // E then Esc: the box in the header had scrolled the view up to it; Esc left it there
      press("E");
      scrolled.length = 0;
      key(el.querySelector<HTMLTextAreaElement>(".xmw-header .xmw-note-box textarea")!, "Escape");
      await new Promise((resolve) => requestAnimationFrame(resolve));
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(scrolled).toContain(tiles()[5]);
      expect(document.activeElement).toBe(tiles()[5]);
    } finally {
      spy.mockRestore();
    }
  });

  it("shows title, version, description, each level with key, rule, definition, examples, and flags", () => {
    const panel = document.createElement("div");
    panel.append(...rubricPanel(MATCHING, FLAG_SPECS, ["e", "E"]));
    expect(panel.querySelector(".xmw-rubric-title")?.textContent).toBe("Matching rules for cross-modal retrieval");
    expect(panel.querySelector(".xmw-rubric-version")?.textContent).toBe("version matching@1");
    expect(panel.querySelector(".xmw-rubric-description")?.textContent).toBe(MATCHING.description);
    const levels = [...panel.querySelectorAll<HTMLElement>(".xmw-rubric-level")];
    expect(levels.map((level) => level.dataset.value)).toEqual(["3", "2", "1", "0"]);
    expect(levels[0].querySelector(".xmw-keycap")?.textContent).toBe("3");
    expect(levels[0].querySelector(".xmw-rubric-level-name")?.textContent).toBe("exact match");
    expect(levels[0].querySelector(".xmw-rubric-rule")?.textContent).toBe("Every object is there.");
    expect(levels[0].querySelector(".xmw-rubric-definition")?.textContent).toBe("Everything.");
    const kinds = [...levels[0].querySelectorAll<HTMLElement>(".xmw-example")].map((ex) => ex.dataset.kind);
    expect(kinds).toEqual(["text", "image", "audio", "video", "error"]);
    const flags = [...panel.querySelectorAll<HTMLElement>(".xmw-rubric-flag")];
    expect(
      flags.map((f) => [f.querySelector(".xmw-keycap")?.textContent, f.dataset.flag, f.dataset.appliesTo]),
    ).toEqual(FLAG_SPECS.map((s) => [s.key, s.name, s.applies_to]));
    expect(flags[0].querySelector(".xmw-rubric-flag-where")?.textContent).toBe("on the query");
    expect(flags[1].querySelector(".xmw-rubric-definition")?.textContent).toBe("Text contradicts media.");
    expect(panel.querySelector(".xmw-rubric-notes")?.textContent).toContain("on the query");
  });

  it("each example kind: quoted text with query and caption, a small image, players, an error tile", () => {
    const [text, image, audio, video, error] = EXAMPLES.map(exampleTile);
    expect(text.querySelector("blockquote")?.textContent).toBe("image: a red double-decker bus on a bridge");
    expect(text.querySelector(".xmw-example-query")?.textContent).toBe("query: “red bus”");
    expect(text.querySelector("figcaption")?.textContent).toBe("all match");
    const img = image.querySelector("img")!;
    expect(img.getAttribute("src")).toBe(PNG);
    expect(img.alt).toBe("a picture");
    const player = audio.querySelector("audio")!;
    expect(player.controls).toBe(true);
    expect(player.getAttribute("src")).toBe("data:audio/wav;base64,UklGRg==");
    expect(video.querySelector("video")?.getAttribute("src")).toBe("https://example.org/v.mp4");
    expect(error.querySelector(".xmw-example-error")?.textContent).toContain("audio example too large to embed");
    expect(error.querySelector("audio")).toBeNull();
  });

  it("refuses a source that is not a data URL of media or http(s), and shows text never as HTML", () => {
    const bad = exampleTile({
      kind: "image",
      src: "javascript:alert(1)",
      mime: null,
      width: null,
      height: null,
      caption: "<b>x</b>",
      query: "",
    });
    expect(bad.querySelector("img")).toBeNull();
    expect(bad.querySelector(".xmw-example-error")).not.toBeNull();
    expect(bad.querySelector("b")).toBeNull();
    expect(bad.querySelector("figcaption")?.textContent).toBe("<b>x</b>");
    // older kernels sent examples as plain strings
    expect(exampleTile("a plain example").querySelector("blockquote")?.textContent).toBe("a plain example");
  });

  it("a TREC-like scale (names only, no specs) still gets flag keys none, m, and the panel", () => {
    const panel = document.createElement("div");
    panel.append(...rubricPanel(TREC, [], null));
    expect(panel.querySelectorAll(".xmw-rubric-level")).toHaveLength(4);
    expect(panel.querySelector(".xmw-rubric-flags")).toBeNull();
  });
});

describe("state: notes and the query's own flags", () => {
  it("adopts page values, keeps a pending one over a page, and the kernel's ack wins", () => {
    const store = new JudgementState();
    const page = textPage(0, 2, { query_flags: ["ambiguous-query"], query_note: "stored" });
    page.candidates[0].note = "n0";
    const query = store.load(page);
    expect(query.marks.own.value).toEqual({ flags: ["ambiguous-query"], note: "stored" });
    expect(query.items.get("q0-d0")?.note).toBe("n0");
    expect(query.items.get("q0-d0")?.state).toBe("saved"); // a note alone is something saved
    store.setNote("q0", null, "typed", 7);
    store.load({ ...page, query_note: "older" });
    expect(query.marks.own.value.note).toBe("typed");
    expect(query.marks.own.state).toBe("pending");
    const changes = store.ack({
      type: "ack",
      results: [{ request_id: 7, status: "saved", query_id: "q0", notice: "" }],
      queries: {
        q0: {
          index: 0,
          states: [],
          none_relevant: false,
          query_flags: [],
          query_note: "kernel",
          done: false,
          judged: 0,
          total: 2,
        },
      },
      progress: { judged: 0, total: 2, queries_done: 0, n_queries: 1 },
    });
    expect(query.marks.own.value).toEqual({ flags: [], note: "kernel" });
    expect(query.marks.own.state).toBe("saved");
    expect(changes[0].marks).toContain("own");
  });

  it("undo restores the note and the query flags as they were before", () => {
    const store = new JudgementState();
    const query = store.load(textPage(0, 2));
    store.queryFlag("q0", "ambiguous-query", true, 1);
    store.setNote("q0", "q0-d1", "hello", 2);
    store.undo(3);
    expect(query.items.get("q0-d1")?.note).toBeNull();
    expect(query.marks.own.value.flags).toEqual(["ambiguous-query"]);
    store.undo(4);
    expect(query.marks.own.value.flags).toEqual([]);
    expect(query.marks.own.state).toBe("pending");
  });
});

describe('the "+n" mark of a tile\'s chips', () => {
  /** Lay the chips out as a browser would: the chips box one line high, the last `wrapped` below it. */
  let wrapped = 1;
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const rect = (top: number, height: number) => ({ top, bottom: top + height, height, left: 0, right: 50, width: 50 });
  beforeEach(() => {
    vi.spyOn(HTMLElement.prototype, "getBoundingClientRect").mockImplementation(function (this: HTMLElement) {
      if (this.classList.contains("xmw-marks-chips")) return rect(0, 20) as DOMRect;
      const chips = [...(this.parentElement?.children ?? [])];
      return rect(chips.indexOf(this) >= chips.length - wrapped ? 40 : 0, 20) as DOMRect;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  const line = () => {
    const marks = new MarkLine("i0", { removeFlag: () => {}, openNote: () => {} });
    document.body.append(marks.element);
    const more = () => marks.element.querySelector<HTMLElement>(".xmw-marks-more")!;
    return { marks, more };
  };

  it("names the flag hidden now, when the count stays the same (D U, then D U F)", async () => {
    const { marks, more } = line();
    marks.update(["dissonant", "near-duplicate"], null);
    await frame();
    expect([more().hidden, more().textContent, more().title]).toEqual([false, "+1", "near-duplicate"]);
    marks.update(["dissonant", "near-duplicate", "suspected-false-negative"], null);
    await frame();
    expect([more().textContent, more().title]).toEqual(["+1", "suspected-false-negative"]);
  });

  it("goes when every chip has room again (a wider tile), with no change of flags", async () => {
    const resized = stubResizeObserver();
    const { marks, more } = line();
    marks.update(["dissonant", "near-duplicate", "suspected-false-negative"], null);
    await frame();
    expect(more().textContent).toBe("+1");
    wrapped = 0; // the tile grew (a resized window): the chips box is told of its new size
    resized();
    await frame();
    expect(more().hidden).toBe(true);
    wrapped = 1;
    vi.unstubAllGlobals();
  });
});

describe("the query's note box", () => {
  it("takes room under the header for what of it reaches below, and gives it back on close", () => {
    // with many flags or a tall text it covered the first row of tiles (20-223 px)
    const header = document.createElement("div");
    const strip = document.createElement("div");
    header.append(strip);
    document.body.append(header);
    const tiles = document.createElement("div");
    tiles.getBoundingClientRect = () => ({ top: 260 }) as DOMRect;
    const box = new NoteBox("xmw-note-box-query");
    box.element.getBoundingClientRect = () => ({ bottom: 280.4 }) as DOMRect;
    const closed = vi.fn();
    box.open(strip, null, { label: "note on query 1", text: "", above: tiles, onSave: () => {}, onClosed: closed });
    expect(strip.style.height).toBe("21px");
    box.dismiss();
    expect(strip.style.height).toBe("");
    // a box that ends above the header's end takes no room
    box.element.getBoundingClientRect = () => ({ bottom: 200 }) as DOMRect;
    box.open(strip, null, { label: "note on query 1", text: "", above: tiles, onSave: () => {}, onClosed: closed });
    expect(strip.style.height).toBe("");
    header.remove();
  });
});
