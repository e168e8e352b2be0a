/**
 * What widgets.css does to a real tile, checked through happy-dom's computed styles: media are never
 * dimmed (issue: opacity on unjudged tiles changed the colours being judged), level ticks keep
 * WCAG AA contrast in JupyterLab's light and dark themes, and the tile's status never contradicts
 * itself.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { GridModel } from "../src/shell/shell";
import { renderGrid } from "../src/tasks/grade";
import { saveText, statusText } from "../src/tasks/grade/tile";
import { FakeModel, imagePage, key } from "./fixtures";

// vitest runs from js/ (npm test); Vite turns `import "./widgets.css"` into nothing, so read the file
const CSS = readFileSync("src/widgets.css", "utf8");

/** The theme variables widgets.css reads, as JupyterLab 4's light and dark themes set them. */
const THEMES: Record<string, string> = {
  fallbacks: "",
  light: `--jp-layout-color0: white; --jp-layout-color1: white; --jp-layout-color2: #eee;
    --jp-ui-font-color0: rgba(0, 0, 0, 1); --jp-ui-font-color1: rgba(0, 0, 0, 0.87);
    --jp-ui-font-color2: rgba(0, 0, 0, 0.54); --jp-border-color1: #bdbdbd; --jp-border-color2: #e0e0e0;
    --jp-brand-color0: #0d47a1; --jp-brand-color1: #1976d2;`,
  dark: `--jp-layout-color0: #111; --jp-layout-color1: #212121; --jp-layout-color2: #424242;
    --jp-ui-font-color0: #fff; --jp-ui-font-color1: rgba(255, 255, 255, 0.87);
    --jp-ui-font-color2: rgba(255, 255, 255, 0.54); --jp-border-color1: #616161; --jp-border-color2: #424242;
    --jp-brand-color0: #1976d2; --jp-brand-color1: #2196f3; --jp-ui-inverse-font-color0: #000;`,
};

const MEDIA = "img, video, canvas, audio";
let cleanups: Array<() => void> = [];

afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
  document.head.replaceChildren();
  document.body.replaceChildren();
});

function styled(extraCss = "", theme = "fallbacks") {
  const style = document.createElement("style");
  style.textContent = `${CSS}\n.xmw-test-theme { ${THEMES[theme]} }\n${extraCss}`;
  document.head.append(style);
  const model = new FakeModel();
  const el = document.createElement("div");
  el.className = "xmw-test-theme";
  document.body.append(el);
  cleanups.push(renderGrid({ model: model as unknown as GridModel, el }, { columns: 3, preload: false }));
  model.servePages((index) => imagePage(index, 4));
  const root = el.querySelector<HTMLElement>(".xmw-grid")!;
  root.focus();
  return { model, root, tiles: () => [...root.querySelectorAll<HTMLElement>(".xmw-tile")] };
}

/** Product of `opacity` over the element and its ancestors, as the compositor applies it. */
function effectiveOpacity(node: Element): number {
  let opacity = 1;
  for (let at: Element | null = node; at; at = at.parentElement) {
    const value = getComputedStyle(at).opacity;
    if (value !== "") opacity *= Number(value);
  }
  return opacity;
}

function rgba(color: string): [number, number, number, number] {
  const hex = color.trim().match(/^#([0-9a-f]{3}|[0-9a-f]{6})$/i);
  if (hex) {
    const digits = hex[1].length === 3 ? [...hex[1]].map((d) => d + d) : hex[1].match(/../g)!;
    return [...digits.map((d) => Number.parseInt(d, 16)), 1] as [number, number, number, number];
  }
  if (color.trim() === "white") return [255, 255, 255, 1];
  const parts = color.match(/rgba?\(([^)]*)\)/);
  if (!parts) throw new Error(`cannot read the colour ${JSON.stringify(color)}`);
  const [r, g, b, a = 1] = parts[1]
    .split(/[ ,/]+/)
    .filter(Boolean)
    .map(Number);
  return [r, g, b, a];
}

function luminance([r, g, b]: number[]): number {
  const linear = (v: number) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** WCAG contrast of an element's text on its own (opaque) background. */
function contrast(node: Element): number {
  return contrastOn(node, node);
}

/** WCAG contrast of an element's text on the (opaque) background of `under` (itself or an ancestor). */
function contrastOn(node: Element, under: Element): number {
  const style = getComputedStyle(node);
  const back = rgba(getComputedStyle(under).backgroundColor);
  const [r, g, b, a] = rgba(style.color);
  const text = [r, g, b].map((v, i) => v * a + back[i] * (1 - a));
  const [light, dark] = [luminance(text), luminance(back)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

describe("media keep their colours", () => {
  it("no opacity above an unjudged tile's image", () => {
    const { tiles } = styled();
    const tile = tiles()[1];
    expect(tile.dataset.relevance).toBe("");
    expect(getComputedStyle(tile).borderTopStyle).toBe("dashed"); // the rules did apply
    for (const media of tile.querySelectorAll(MEDIA)) expect(effectiveOpacity(media)).toBe(1);
  });

  it("no opacity above any image when the query is none relevant", () => {
    const { root, tiles } = styled();
    key(root, "x");
    expect(root.classList.contains("xmw-is-none-relevant")).toBe(true);
    const media = root.querySelectorAll(`.xmw-tile :is(${MEDIA})`);
    expect(media.length).toBe(tiles().length);
    for (const node of media) expect(effectiveOpacity(node)).toBe(1);
  });

  it("the check sees an opacity that a tile rule would put over its image", () => {
    // guards the two tests above: happy-dom does cascade opacity from style sheets
    const { tiles } = styled(`.xmw-tile[data-relevance=""] { opacity: 0.8; }`);
    expect(effectiveOpacity(tiles()[1].querySelector("img")!)).toBeCloseTo(0.8);
  });

  it("widgets.css sets opacity only on buttons, which hold no media", () => {
    const rules = [...CSS.replace(/\/\*[\s\S]*?\*\//g, "").matchAll(/([^{}]+)\{([^{}]*)\}/g)];
    const dimming = rules.filter(([, , body]) => /(^|;)\s*opacity\s*:/.test(body));
    const selectors = dimming.flatMap(([, selector]) => selector.split(",").map((s) => s.trim()));
    expect(selectors.length).toBeGreaterThan(0);
    for (const selector of selectors) expect(selector).toMatch(/\bbutton(:[\w-]+)*$/);
  });
});

describe("level ticks reach WCAG AA contrast (4.5:1)", () => {
  for (const theme of Object.keys(THEMES)) {
    it(`on unjudged and selected ticks, ${theme}`, () => {
      const { root, tiles } = styled("", theme);
      key(root, "3"); // grades the first tile: one selected tick; the rest stay unjudged
      const unjudged = tiles()[1].querySelectorAll(".xmw-tick");
      const selected = tiles()[0].querySelector(".xmw-tick.xmw-selected")!;
      expect(unjudged.length).toBe(4);
      for (const tick of [...unjudged, selected]) expect(contrast(tick)).toBeGreaterThanOrEqual(4.5);
      const legend = [...root.querySelectorAll(".xmw-legend dt, .xmw-legend dd")];
      expect(legend.length).toBe(8);
      for (const text of legend) expect(contrastOn(text, root)).toBeGreaterThanOrEqual(4.5);
    });
  }

  it("the contrast check fails pale grey on light grey (the old tick colours)", () => {
    const { tiles } = styled(`.xmw-tick { color: rgba(0, 0, 0, 0.54); background: #eee; }`);
    expect(contrast(tiles()[1].querySelector(".xmw-tick")!)).toBeLessThan(4.5);
  });
});

describe("the tile's status says what is true", () => {
  it("best without a grade reads 'best · no grade yet', saved", () => {
    const { model, tiles } = styled();
    // a best pick without a grade only comes from the store now (the kernel refuses it from keys, R3)
    const page = imagePage(0, 4).page;
    page.candidates[0].best = true;
    model.receive({ type: "page", request_id: null, index: 0, page }, imagePage(0, 4).buffers);
    const tile = tiles()[0];
    const text = [".xmw-value", ".xmw-best", ".xmw-save"].map((s) => tile.querySelector(s)?.textContent);
    expect(text).toEqual(["best · no grade yet", "★ best", "saved ✓"]);
    expect(tile.textContent).not.toContain("unjudged");
  });

  it("names each combination without contradiction", () => {
    const item = { relevance: null, best: false, flags: [] as string[], state: "saved" as const, error: "" };
    expect(statusText(item, "unjudged")).toBe("unjudged");
    expect(saveText(item)).toBe(""); // an undone grade: nothing judged, nothing to call saved
    expect(statusText({ ...item, best: true }, "unjudged")).toBe("best · no grade yet");
    expect(saveText({ ...item, best: true })).toBe("saved ✓");
    expect(statusText({ ...item, relevance: 2 }, "partially relevant")).toBe("partially relevant");
    expect(saveText({ ...item, relevance: 2, state: "pending" })).toBe("saving…");
    expect(saveText({ ...item, relevance: 2, state: "error", error: "locked" })).toBe("not saved: locked");
  });
});

/** Declarations of the rules whose selector list contains `selector` exactly (pseudo-elements too). */
function declarations(selector: string): string[] {
  const rules = [...CSS.replace(/\/\*[\s\S]*?\*\//g, "").matchAll(/([^{}]+)\{([^{}]*)\}/g)];
  return rules
    .filter(([, selectors]) => selectors.split(",").some((s) => s.trim() === selector))
    .map(([, , body]) => body);
}

describe("level buttons", () => {
  it("wrap between words only (never 'not relevan|t')", () => {
    const { tiles } = styled();
    for (const tick of tiles()[0].querySelectorAll(".xmw-tick")) {
      const style = getComputedStyle(tick);
      expect(["normal", ""]).toContain(style.overflowWrap);
      expect(["normal", ""]).toContain(style.wordBreak);
      expect(["manual", "none", ""]).toContain(style.hyphens);
    }
  });

  it("keep their font when selected, so the name does not re-wrap and the tile keeps its height", () => {
    const { root, tiles } = styled();
    key(root, "2");
    const [zero, one, two, three] = [...tiles()[0].querySelectorAll(".xmw-tick")].map((t) => getComputedStyle(t));
    expect(tiles()[0].querySelector(".xmw-tick.xmw-selected")?.textContent).toBe("partially relevant");
    // (sizes in em are left out: happy-dom resolves em differently after a class change)
    for (const property of ["fontWeight", "fontStyle", "fontFamily", "letterSpacing"] as const)
      expect(two[property]).toBe(three[property]);
    expect(two.backgroundColor).not.toBe(three.backgroundColor);
    // only the chosen level is tinted: the ones below look like the ones above
    expect(zero.backgroundColor).toBe(three.backgroundColor);
    expect(one.backgroundColor).toBe(three.backgroundColor);
  });

  it("cut a long name to three lines (or the track's width) with an ellipsis, whole in the title", () => {
    const { tiles } = styled();
    const tick = tiles()[0].querySelector<HTMLElement>(".xmw-tick")!;
    expect(tick.querySelector(".xmw-tick-name")?.textContent).toBe("not relevant");
    expect(tick.title).toContain("not relevant");
    const name = declarations(".xmw-tick-name").join(";");
    expect(name).toMatch(/-webkit-line-clamp:\s*3/);
    expect(name).toMatch(/text-overflow:\s*ellipsis/);
    expect(name).toMatch(/overflow:\s*hidden/);
    // 100cqi: the track's width (a size container), so a long_snake_case name does not widen its tick
    expect(name).toMatch(/max-width:\s*calc\(100cqi/);
    expect(declarations(".xmw-track").join(";")).toMatch(/container-type:\s*inline-size/);
  });

  it("in the legend, a long name and its definition break between words only", () => {
    // overflow-wrap: anywhere let a long name squeeze its definition to a column of letters
    for (const selector of [".xmw-grid-root .xmw-legend dt", ".xmw-grid-root .xmw-legend dd"]) {
      expect(declarations(selector).join(";")).not.toMatch(/anywhere/);
    }
    expect(declarations(".xmw-legend-level").join(";")).toMatch(/flex-wrap:\s*wrap/);
  });

  it("show their key on a cap drawn from data-key", () => {
    const { tiles } = styled();
    expect([...tiles()[0].querySelectorAll<HTMLElement>(".xmw-tick")].map((t) => t.dataset.key)).toEqual([
      "0",
      "1",
      "2",
      "3",
    ]);
    expect(declarations(".xmw-tick[data-key]::before").join(";")).toMatch(/content:\s*attr\(data-key\)/);
  });

  it("the header shows every level's definition as text", () => {
    const { root } = styled();
    const legend = root.querySelector<HTMLElement>(".xmw-header .xmw-legend")!;
    expect(legend.hidden).toBe(false);
    expect(getComputedStyle(legend).display).not.toBe("none");
    expect([...legend.querySelectorAll("dd")].map((dd) => dd.textContent)).toEqual([
      "Nothing matches.",
      "On topic.",
      "Matches in part.",
      "Matches every part.",
    ]);
  });
});

describe("notices", () => {
  it("a refusal reads as an error, an ordinary notice does not; both reach 4.5:1", () => {
    const { root } = styled("", "light");
    const notice = root.querySelector<HTMLElement>(".xmw-notice")!;
    // border colours: happy-dom does not compute the color-mix() of the error text
    const error = getComputedStyle(root.querySelector(".xmw-banner-error")!).borderTopColor;
    notice.dataset.kind = "info";
    expect(getComputedStyle(notice).borderTopColor).not.toBe(error);
    expect(contrastOn(notice, root)).toBeGreaterThanOrEqual(4.5);
    notice.dataset.kind = "refused";
    expect(getComputedStyle(notice).borderTopColor).toBe(error);
  });
});

describe("layout", () => {
  it("the focused tile has the brand focus ring, not the browser's default one", () => {
    const { root, tiles } = styled("", "light");
    key(root, "ArrowRight");
    // the grid without the focus: the candidate the keys would act on is only marked, dashed
    (document.activeElement as HTMLElement | null)?.blur();
    expect(getComputedStyle(tiles()[1]).outlineStyle).toBe("dashed");
    // with the focus it is solid: happy-dom's :focus-within never matches an ancestor, so that
    // state is checked in the real browser (tests/browser/test_grid.py)
    const focused = getComputedStyle(tiles()[1]);
    expect(tiles()[1].classList.contains("xmw-focused")).toBe(true);
    expect(focused.outlineColor).toBe("#1976d2");
    expect(getComputedStyle(tiles()[2]).outlineStyle).not.toBe("solid");
  });

  it("none relevant puts dotted frames on the tiles that are not focused", () => {
    const { model, root, tiles } = styled();
    key(root, "x");
    model.ackAll();
    expect(root.classList.contains("xmw-is-none-relevant")).toBe(true);
    expect(getComputedStyle(tiles()[2]).borderTopStyle).toBe("dotted");
  });

  it("the tiles have no scroller of their own inside the notebook's", () => {
    const { root } = styled();
    const style = getComputedStyle(root.querySelector(".xmw-tiles")!);
    for (const overflow of [style.overflow, style.overflowY]) expect(overflow).not.toMatch(/auto|scroll/);
    expect(["none", ""]).toContain(style.maxHeight);
  });

  it("every tile's parts sit in a box of one fixed height", () => {
    const { tiles } = styled();
    const heights = tiles().map((tile) => {
      const box = tile.querySelector(":scope > .xmw-media")!;
      expect(box.querySelector(":scope > .xmw-parts")).not.toBeNull();
      return getComputedStyle(box).height;
    });
    expect(new Set(heights).size).toBe(1);
    // happy-dom does not compute max(); the rule itself must be a fixed height, not auto
    expect(declarations(".xmw-media").join(";")).toMatch(/height:\s*var\(--xmw-media-height\)/);
    expect(declarations(".xmw-grid-root").join(";")).toMatch(/--xmw-media-height:\s*max\(150px,/);
    expect(getComputedStyle(tiles()[0].querySelector(".xmw-media")!).overflow).toBe("hidden");
  });

  it("the b target is a visible badge, the best pick stays a filled button", () => {
    expect(declarations(".xmw-tile.xmw-best-target .xmw-best::before").join(";")).toMatch(/content:\s*"b"/);
    const { model, root, tiles } = styled();
    key(root, "3"); // best needs a relevant grade (R3); the focus moves on, b stays on this tile
    key(root, "b");
    model.ackAll();
    tiles()[0].classList.remove("xmw-best-target");
    tiles()[1].classList.add("xmw-best-target");
    const target = getComputedStyle(tiles()[1].querySelector(".xmw-best")!);
    expect(target.outlineStyle).toBe("dashed");
    expect(getComputedStyle(tiles()[2].querySelector(".xmw-best")!).outlineStyle).not.toBe("dashed");
    // the pick: a solid orange frame on the tile and a filled button (happy-dom cannot compute color-mix)
    expect(tiles()[0].dataset.best).toBe("true");
    expect(getComputedStyle(tiles()[0]).borderTopColor).not.toBe(getComputedStyle(tiles()[1]).borderTopColor);
    expect(declarations('.xmw-best[aria-pressed="true"]').join(";")).toMatch(/background:/);
  });

  it("native players take the colour scheme of the JupyterLab theme", () => {
    // JupyterLab sets the attribute on <body> and flips it on a theme switch
    for (const [light, scheme] of [
      ["false", "dark"],
      ["true", "light"],
    ]) {
      document.body.dataset.jpThemeLight = light;
      const { root } = styled();
      expect(getComputedStyle(root).colorScheme).toBe(scheme);
      for (const cleanup of cleanups.splice(0)) cleanup();
    }
    delete document.body.dataset.jpThemeLight;
  });
});

describe("root classes", () => {
  it("carries the documented xmw-grid and the older xmw-grid-root", () => {
    const { root } = styled();
    expect(root.classList.contains("xmw-grid")).toBe(true);
    expect(root.classList.contains("xmw-grid-root")).toBe(true);
  });
});
