import { afterEach, describe, expect, it, vi } from "vitest";
import { QueryPin, querySummary } from "../src/shell/pin";
import type { Part } from "../src/shell/protocol";
import { stubResizeObserver } from "./fixtures";

const text = (t: string): Part => ({ kind: "text", column: "text", text: t }) as Part;
const media = (kind: "image" | "audio" | "video"): Part => ({ kind, column: kind }) as Part;

describe("querySummary", () => {
  it("is the query's text on one line, its parts joined", () => {
    expect(querySummary([text("a red\n circle"), media("image"), text("  at night ")])).toBe("a red circle · at night");
  });

  it("names the media of a query without text", () => {
    expect(querySummary([media("image")])).toBe("image query");
    expect(querySummary([media("audio"), media("video")])).toBe("audio + video query");
    expect(querySummary([])).toBe("");
  });

  it("cuts a long text (the bar cuts it further on screen)", () => {
    const summary = querySummary([text("word ".repeat(200))]);
    expect(summary.length).toBe(300);
    expect(summary.endsWith("…")).toBe(true);
  });

  it("shows text as text: markup in a query is not parsed", () => {
    const root = document.createElement("div");
    const box = document.createElement("div");
    const pin = new QueryPin(root, box);
    pin.showQuery([text("<b>bold</b> & <img src=x onerror=alert(1)>")], box);
    expect(pin.element.querySelector(".xmw-pin-query")?.textContent).toBe("<b>bold</b> & <img src=x onerror=alert(1)>");
    expect(pin.element.querySelectorAll("b, img").length).toBe(0);
    pin.dispose();
  });
});

describe("QueryPin", () => {
  it("repeats the query, its first image and where the annotator is; pinned only when told", () => {
    const root = document.createElement("div");
    const box = document.createElement("div");
    const img = document.createElement("img");
    img.className = "xmw-part xmw-image";
    img.src = "blob:query-image";
    box.append(img);
    const pin = new QueryPin(root, box);
    root.append(pin.element);
    document.body.append(root);
    expect(root.dataset.pinned).toBe("false");
    pin.showQuery([media("image"), text("a cat")], box);
    pin.showWhere("candidate 9 of 20 · 8/20 judged", "✓ query done");
    expect(pin.element.textContent).toBe("a catcandidate 9 of 20 · 8/20 judged · ✓ query done");
    expect(pin.element.querySelector<HTMLImageElement>(".xmw-pin-image")?.src).toBe("blob:query-image");
    expect(pin.element.getAttribute("aria-hidden")).toBe("true");
    pin.pin(true);
    expect(root.dataset.pinned).toBe("true");
    pin.pin(false);
    expect(root.dataset.pinned).toBe("false");
    // the next query, without an image: no thumbnail left from the last one
    pin.showQuery([text("a dog")], document.createElement("div"));
    expect(pin.element.querySelector(".xmw-pin-image")).toBeNull();
    pin.dispose();
    root.remove();
  });
});

describe("QueryPin placed", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("is at the top of the view while the header's last lines are still in view", () => {
    // the query box scrolled out, the hint not yet: the bar stayed under the header, over the first
    // row, and covered the top of the tile the focus scrolled to (its margin is for a bar at the top)
    stubResizeObserver();
    const root = document.createElement("div");
    const box = document.createElement("div");
    const pin = new QueryPin(root, box);
    root.append(box, pin.element);
    document.body.append(root);
    pin.element.getBoundingClientRect = () => ({ top: 35 }) as DOMRect; // the strip, 35 px down
    root.getBoundingClientRect = () => ({ bottom: 2000 }) as DOMRect;
    pin.pin(true);
    const bar = pin.element.querySelector<HTMLElement>(".xmw-pin-bar")!;
    expect(bar.style.transform).toBe("translateY(-35px)");
    pin.dispose();
    root.remove();
  });

  it("moves to the top of the view again when the header grows without a scroll", () => {
    // E opens the query's note box in the header (140 px): the bar went down with the strip under
    // it, into the middle of the view, until the next scroll
    const resized = stubResizeObserver();
    const root = document.createElement("div");
    const header = document.createElement("div");
    const box = document.createElement("div");
    header.append(box);
    const pin = new QueryPin(root, box);
    root.append(header, pin.element);
    document.body.append(root);
    let stripTop = -300; // the strip under the header, 300 px above the view
    pin.element.getBoundingClientRect = () => ({ top: stripTop }) as DOMRect;
    root.getBoundingClientRect = () => ({ bottom: 2000 }) as DOMRect;
    pin.pin(true);
    const bar = pin.element.querySelector<HTMLElement>(".xmw-pin-bar")!;
    expect(bar.style.transform).toBe("translateY(300px)");
    stripTop = -160; // the header grew by 140 px
    resized();
    expect(bar.style.transform).toBe("translateY(160px)");
    pin.dispose();
    root.remove();
  });
});
