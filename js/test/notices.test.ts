/**
 * Where the notice goes as a toast (the header scrolled out of view): never over the focused tile
 * when there is another place for it in view (it covered the level buttons of the top row's right
 * tile at 1280x800 and 800x600).
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Box, NoticeLine, toastSpot } from "../src/shell/notices";

const box = (left: number, top: number, right: number, bottom: number): Box => ({ left, top, right, bottom });
// the part of a 1280 px wide widget in view, under Lab's toolbar
const AREA = box(130, 100, 1230, 760);

describe("toastSpot", () => {
  it("goes to the top right when nothing is focused or the focused tile is elsewhere", () => {
    expect(toastSpot(AREA, 300, 32, null)).toEqual({ top: 100, side: "right" });
    expect(toastSpot(AREA, 300, 32, box(140, 90, 400, 340))).toEqual({ top: 100, side: "right" });
  });

  it("goes left when the focused tile is under the top right", () => {
    expect(toastSpot(AREA, 300, 32, box(960, 90, 1220, 340))).toEqual({ top: 100, side: "left" });
  });

  it("goes to the bottom when the focused tile is under both top corners (one wide column)", () => {
    expect(toastSpot(AREA, 300, 32, box(130, 60, 1230, 400))).toEqual({ top: 728, side: "right" });
  });

  it("covers least of a tile that fills the view", () => {
    // the tile reaches into the bottom but not as far as the top: the bottom covers less of it
    const spot = toastSpot(AREA, 300, 32, box(130, 0, 1230, 740));
    expect(spot).toEqual({ top: 728, side: "right" });
  });

  it("stays inside a widget whose end is in view", () => {
    // the widget ends 20 px under the visible top: the toast is lifted to fit above its end
    expect(toastSpot(box(0, 100, 800, 120), 300, 32, null)).toEqual({ top: 88, side: "right" });
  });
});

describe("NoticeLine as a toast", () => {
  afterEach(() => document.body.replaceChildren());

  function rect(node: Element, r: Box): void {
    const full = { ...r, x: r.left, y: r.top, width: r.right - r.left, height: r.bottom - r.top };
    node.getBoundingClientRect = () => ({ ...full, toJSON: () => full }) as DOMRect;
  }

  async function shown(focused: Box, pinned: Box | null = null): Promise<HTMLElement> {
    const root = document.createElement("div");
    root.className = "xmw-grid-root";
    const line = new NoticeLine(0);
    const tile = document.createElement("div");
    tile.className = "xmw-tile xmw-focused";
    root.append(line.dock, tile);
    root.dataset.pinned = pinned ? "true" : "false";
    const bar = document.createElement("div");
    bar.className = "xmw-pin-bar";
    root.append(bar);
    rect(bar, pinned ?? box(0, -300, 1280, -260));
    document.body.append(root);
    // the header 100 px above the visible top (the page scrolls), the widget long
    rect(root, box(0, -150, 1280, 2000));
    rect(line.dock, box(0, -100, 1280, -60));
    rect(tile, focused);
    Object.defineProperty(line.element, "offsetWidth", { value: 300 });
    Object.defineProperty(line.element, "offsetHeight", { value: 32 });
    line.show("candidate 4 has no audio or video to play", "refused");
    await new Promise((resolve) => requestAnimationFrame(resolve));
    line.dispose();
    return line.element;
  }

  it("moves off a focused tile at the top right, to the left, in view", async () => {
    const notice = await shown(box(960, -50, 1220, 200));
    expect(notice.classList.contains("xmw-notice-away")).toBe(true);
    expect(notice.classList.contains("xmw-notice-left")).toBe(true);
    expect(notice.style.transform).toBe("translateY(108px)");
  });

  it("goes under the pinned query bar, not over it", async () => {
    // 800x600: a refusal lay over the bar, hiding the query and "candidate k of N"
    const notice = await shown(box(10, 300, 270, 500), box(0, 0, 1280, 40));
    expect(notice.style.transform).toBe("translateY(148px)");
    expect((await shown(box(10, 300, 270, 500))).style.transform).toBe("translateY(108px)");
  });

  it("stays at the right when the focused tile is at the left", async () => {
    const notice = await shown(box(10, -50, 270, 200));
    expect(notice.classList.contains("xmw-notice-away")).toBe(true);
    expect(notice.classList.contains("xmw-notice-left")).toBe(false);
    expect(notice.style.transform).toBe("translateY(108px)");
  });
});
