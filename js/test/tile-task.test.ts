import { describe, expect, it } from "vitest";
import { markFocused } from "../src/tasks/tile-task";

const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

function tiles(): HTMLElement[] {
  document.body.replaceChildren();
  return [0, 1, 2].map(() => {
    const tile = document.createElement("div");
    tile.tabIndex = -1;
    document.body.append(tile);
    return tile;
  });
}

describe("markFocused", () => {
  it("moves the mark and the one tab stop from tile to tile", () => {
    const [a, b] = tiles();
    markFocused(null, a);
    markFocused(a, b);
    expect([a.className, a.tabIndex]).toEqual(["", -1]);
    expect([b.className, b.tabIndex]).toEqual(["xmw-focused", 0]);
  });

  it("leaves the tab index of the tile with the DOM focus until the next frame", async () => {
    // setting it at once makes Chromium lay the page out in the key handler (the tile is focused)
    const [a, b] = tiles();
    markFocused(null, a);
    a.focus();
    markFocused(a, b);
    expect(a.classList.contains("xmw-focused")).toBe(false);
    expect(a.tabIndex).toBe(0);
    b.focus(); // what FrameFocus does before that frame
    await frame();
    expect(a.tabIndex).toBe(-1);
    expect(b.tabIndex).toBe(0);
  });

  it("keeps the tab stop on a focused tile that got the mark back before the frame", async () => {
    const [a, b] = tiles();
    markFocused(null, a);
    a.focus();
    markFocused(a, b);
    markFocused(b, a);
    await frame();
    expect(a.tabIndex).toBe(0);
    expect(b.tabIndex).toBe(-1);
  });
});
