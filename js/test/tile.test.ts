/**
 * The tile alone (buildTile / updateTile / buildLegend) against the interface the grid calls:
 * level buttons with their keys, one marked level, the broken-media toggle and its state.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { BlobUrls } from "../src/shell/media";
import type { Candidate, ScaleSpec } from "../src/shell/protocol";
import { buildLegend } from "../src/shell/rubric";
import type { ItemState } from "../src/tasks/grade/state";
import { buildTile, saveText, statusText, type TileHandlers, updateTile } from "../src/tasks/grade/tile";
import { MAGNITUDE, TREC } from "./fixtures";

const WITH_FLAG: ScaleSpec = { ...TREC, flags: ["ambiguous-query", "broken-media"] };

function candidate(parts: Candidate["parts"], id = "d1"): Candidate {
  return { item_id: id, shown_position: 0, parts, relevance: null, best: false };
}
const IMAGE = candidate([{ column: "image", kind: "error", error: "file not found", original_kind: "image" }]);
const TEXT = candidate([{ column: "caption", kind: "text", text: "a caption" }], "t1");

function item(overrides: Partial<ItemState> = {}): ItemState {
  return {
    relevance: null,
    best: false,
    state: "unjudged",
    error: "",
    request: 0,
    flags: [],
    note: null,
    ...overrides,
  };
}

function handlers(): TileHandlers & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    onGrade: vi.fn((id: string, value: number) => calls.push(`grade ${id} ${value}`)),
    onBest: vi.fn((id: string) => calls.push(`best ${id}`)),
    onBroken: vi.fn((id: string) => calls.push(`broken ${id}`)),
  };
}

function tileOf(cand: Candidate, scale: ScaleSpec = WITH_FLAG, on = handlers()) {
  const refs = buildTile(cand, 0, 1, scale, new BlobUrls([]), false, on);
  document.body.append(refs.tile);
  return { refs, on };
}

afterEach(() => document.body.replaceChildren());

describe("level buttons", () => {
  it("carry their key (drawn as a key cap) and keep the name alone as their text", () => {
    const { refs } = tileOf(IMAGE);
    const ticks = [...refs.slider.querySelectorAll<HTMLElement>(".xmw-tick")];
    expect(ticks.map((t) => t.dataset.key)).toEqual(["0", "1", "2", "3"]);
    expect(ticks.map((t) => t.textContent)).toEqual(["not relevant", "related", "partially relevant", "exact match"]);
  });

  it("mark only the selected level, not the levels below it", () => {
    const { refs } = tileOf(IMAGE);
    updateTile(refs, item({ relevance: 2, state: "saved" }), WITH_FLAG);
    const ticks = [...refs.slider.querySelectorAll<HTMLElement>(".xmw-tick")];
    expect(ticks.map((t) => t.className)).toEqual(["xmw-tick", "xmw-tick", "xmw-tick xmw-selected", "xmw-tick"]);
    updateTile(refs, item({ relevance: 0, state: "saved" }), WITH_FLAG);
    expect(ticks.map((t) => t.classList.contains("xmw-selected"))).toEqual([true, false, false, false]);
  });

  it("grade through onGrade on a click", () => {
    const { refs, on } = tileOf(IMAGE);
    const tick = refs.slider.querySelectorAll(".xmw-tick")[3];
    tick.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true, button: 0 }));
    tick.dispatchEvent(new PointerEvent("pointerup", { bubbles: true, button: 0 }));
    expect(on.calls).toEqual(["grade d1 3"]);
  });
});

describe("broken media", () => {
  it("a media or error tile has a broken button that calls onBroken", () => {
    const { refs, on } = tileOf(IMAGE);
    expect(refs.broken).not.toBeNull();
    refs.broken?.click();
    expect(on.calls).toEqual(["broken d1"]);
    expect(refs.broken?.getAttribute("data-lm-suppress-shortcuts")).toBe("true");
    expect(refs.broken?.title).toContain("(m)");
  });

  it("a text-only tile, or a scale without the flag, has none", () => {
    expect(tileOf(TEXT).refs.broken).toBeNull();
    expect(tileOf(IMAGE, TREC).refs.broken).toBeNull();
    expect(tileOf(IMAGE, TREC).refs.tile.querySelector(".xmw-broken")).toBeNull();
  });

  it("shows the flag as its own state: handled, saved, not a grade", () => {
    const { refs } = tileOf(IMAGE);
    updateTile(refs, item({ flags: ["broken-media"], state: "saved" }), WITH_FLAG);
    const { tile, broken, valueLabel, save, slider } = refs;
    expect(tile.dataset.broken).toBe("true");
    expect(tile.dataset.flags).toBe("broken-media");
    expect(tile.dataset.relevance).toBe("");
    expect(broken?.getAttribute("aria-pressed")).toBe("true");
    expect(valueLabel.textContent).toBe("broken media");
    expect(save.textContent).toBe("saved ✓");
    expect(slider.getAttribute("aria-valuetext")).toBe("broken media");
    expect(slider.querySelector(".xmw-selected")).toBeNull();
    // the kernel clears the flag when the candidate is graded (R5): the tile follows
    updateTile(refs, item({ relevance: 1, state: "saved" }), WITH_FLAG);
    expect(tile.dataset.broken).toBe("false");
    expect(broken?.getAttribute("aria-pressed")).toBe("false");
    expect(valueLabel.textContent).toBe("related");
  });

  it("statusText and saveText name the flag", () => {
    const flagged = item({ flags: ["broken-media"], state: "saved" });
    expect(statusText(flagged, "unjudged")).toBe("broken media");
    expect(saveText(flagged)).toBe("saved ✓");
    expect(saveText(item({ state: "saved" }))).toBe("");
  });
});

describe("media box", () => {
  it("holds the parts; 'more' lets the tile grow to show all of them, and 'less' back", () => {
    const long = candidate([{ column: "caption", kind: "text", text: "word ".repeat(200) }], "long");
    const { refs } = tileOf(long);
    const box = refs.tile.querySelector(":scope > .xmw-media")!;
    expect(box.querySelector(":scope > .xmw-parts")?.textContent).toBe("word ".repeat(200));
    const more = box.querySelector<HTMLButtonElement>(".xmw-more")!;
    expect(more.getAttribute("data-lm-suppress-shortcuts")).toBe("true");
    more.click();
    expect(refs.tile.dataset.expanded).toBe("true");
    expect(more.getAttribute("aria-expanded")).toBe("true");
    expect(more.textContent).toBe("less ▴");
    more.click();
    expect(refs.tile.dataset.expanded).toBe("false");
    expect(more.textContent).toBe("more ▾");
  });
});

describe("legend", () => {
  it("lists key, name and definition of every level as text", () => {
    const legend = buildLegend(TREC);
    expect(legend.hidden).toBe(false);
    const entries = [...legend.querySelectorAll(".xmw-legend-level")];
    expect(entries.map((e) => e.querySelector("dt")?.textContent)).toEqual(TREC.levels.map((l) => l.name));
    expect(entries.map((e) => e.querySelector("dt")?.getAttribute("data-key"))).toEqual(["0", "1", "2", "3"]);
    expect(entries.map((e) => e.querySelector("dd")?.textContent)).toEqual(TREC.levels.map((l) => l.definition));
  });

  it("is hidden for a continuous scale and shows definitions as text, never HTML", () => {
    expect(buildLegend(MAGNITUDE).hidden).toBe(true);
    const evil: ScaleSpec = {
      ...TREC,
      levels: [{ value: 0, name: "<b>no</b>", definition: "<img src=x onerror=alert(1)>", key: "0", examples: [] }],
    };
    const legend = buildLegend(evil);
    expect(legend.querySelector("img, b")).toBeNull();
    expect(legend.textContent).toContain("<img src=x onerror=alert(1)>");
  });
});
