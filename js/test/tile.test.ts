/**
 * The tile alone (buildTile / updateTile / buildLegend) against the interface the grid calls:
 * level buttons with their keys, one marked level, the broken-media toggle and its state.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { BlobUrls } from "../src/shell/media";
import type { Candidate, ScaleSpec } from "../src/shell/protocol";
import { buildLegend } from "../src/shell/rubric";
import type { ItemState } from "../src/tasks/grade/state";
import { buildTile, nearestTick, saveText, statusText, type TileHandlers, updateTile } from "../src/tasks/grade/tile";
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

  it("grade the level the drag ends on, when the buttons wrap onto two rows", () => {
    // long names in a narrow tile: 0 1 on the first row, 2 3 on the second (as a person sees it)
    const { refs, on } = tileOf(IMAGE);
    const track = refs.slider.querySelector<HTMLElement>(".xmw-track");
    const ticks = [...refs.slider.querySelectorAll<HTMLElement>(".xmw-tick")];
    const box = (left: number, top: number) =>
      ({ left, top, right: left + 100, bottom: top + 40, width: 100, height: 40, x: left, y: top }) as DOMRect;
    ticks.forEach((tick, i) => {
      tick.getBoundingClientRect = () => box((i % 2) * 100, Math.floor(i / 2) * 40);
    });
    const whole = { left: 0, top: 0, right: 200, bottom: 80, width: 200, height: 80, x: 0, y: 0 };
    if (track) track.getBoundingClientRect = () => whole as DOMRect;
    ticks[0].dispatchEvent(new PointerEvent("pointerdown", { bubbles: true, button: 0, clientX: 50, clientY: 20 }));
    // to "partially relevant" (2), on the second row under "not relevant"; the fraction of the
    // track's width alone said "related" (1)
    refs.slider.dispatchEvent(new PointerEvent("pointermove", { bubbles: true, clientX: 60, clientY: 60 }));
    expect(ticks.map((t) => t.classList.contains("xmw-preview"))).toEqual([false, false, true, false]);
    refs.slider.dispatchEvent(new PointerEvent("pointerup", { bubbles: true, clientX: 60, clientY: 60 }));
    expect(on.calls).toEqual(["grade d1 2"]);
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

describe("nearestTick (a drag across the level buttons)", () => {
  // four ticks on two rows, as long names in a narrow tile wrap them: 0 1 / 2 3
  const boxes = [
    { left: 0, top: 0, right: 100, bottom: 40 },
    { left: 100, top: 0, right: 200, bottom: 40 },
    { left: 0, top: 40, right: 100, bottom: 80 },
    { left: 100, top: 40, right: 200, bottom: 80 },
  ];
  function track(): HTMLElement {
    const element = document.createElement("div");
    boxes.forEach((box, value) => {
      const tick = document.createElement("span");
      tick.dataset.value = String(value);
      tick.getBoundingClientRect = () =>
        ({ ...box, width: box.right - box.left, height: box.bottom - box.top, x: box.left, y: box.top }) as DOMRect;
      element.append(tick);
    });
    return element;
  }
  const at = (x: number, y: number) => nearestTick(track(), x, y)?.dataset.value;

  it("is the tick under the pointer, on either row", () => {
    expect([at(50, 20), at(150, 20), at(50, 60), at(150, 60)]).toEqual(["0", "1", "2", "3"]);
  });

  it("is the nearest one when the pointer leaves the buttons", () => {
    expect(at(-30, 70)).toBe("2"); // left of the second row
    expect(at(260, 10)).toBe("1"); // right of the first row
    expect(at(150, 200)).toBe("3"); // below the second row
  });

  it("is none when nothing is laid out", () => {
    const element = document.createElement("div");
    element.append(document.createElement("span"));
    expect(nearestTick(element, 10, 10)).toBeNull();
  });
});
