import { afterEach, describe, expect, it, vi } from "vitest";
import { Cleanups } from "../src/shell/dom";
import { BlobUrls, readPeaks, releaseImages, renderPart, renderParts } from "../src/shell/media";
import { onePlayerAtATime, reclaimFocusFromMedia } from "../src/shell/media-keys";
import { PageCache, RequestIds } from "../src/shell/prefetch";
import type { BrowserMessage } from "../src/shell/protocol";
import { imagePage } from "./fixtures";

afterEach(() => {
  document.body.replaceChildren();
});

describe("renderPart", () => {
  it("renders text literally, never as HTML", () => {
    const evil = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">';
    const node = renderPart({ column: "caption", kind: "text", text: evil }, new BlobUrls([]), "d1");
    document.body.append(node);
    expect(node.textContent).toBe(evil);
    expect(document.querySelector("script")).toBeNull();
    expect(node.querySelector("img")).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it("shows an image from its buffer through a Blob URL", () => {
    const urls = new BlobUrls([new DataView(new Uint8Array([1, 2, 3]).buffer)]);
    const img = renderPart(
      { column: "image", kind: "image", mime: "image/png", data: 0 },
      urls,
      "d7",
    ) as HTMLImageElement;
    expect(img.tagName).toBe("IMG");
    expect(img.alt).toBe("image of d7");
    expect(img.getAttribute("decoding")).toBe("async");
    expect(img.src.startsWith("blob:")).toBe(true);
    expect(urls.size).toBe(1);
  });

  it("shows the image element preloaded for the URL, once, instead of a new one", () => {
    const urls = new BlobUrls([new DataView(new Uint8Array([1, 2, 3]).buffer)]);
    const url = urls.url(0, "image/png") as string;
    const preloaded = new Image();
    preloaded.src = url;
    urls.keepImage(url, preloaded);
    const part = { column: "image", kind: "image", mime: "image/png", data: 0 } as const;
    const first = renderPart(part, urls, "d7") as HTMLImageElement;
    expect(first).toBe(preloaded);
    expect(first.className).toBe("xmw-part xmw-image");
    expect(first.alt).toBe("image of d7");
    document.body.append(first);
    // on screen already: a second rendering (page re-sent, scale changed) gets its own element
    const second = renderPart(part, urls, "d7") as HTMLImageElement;
    expect(second).not.toBe(preloaded);
    expect(second.src).toBe(url);
    // a buffer shown twice on one page: the second tile gets its own element, the first keeps its
    first.remove();
    const box = renderParts([part, part], urls, "d7");
    expect(box.children[0]).toBe(preloaded);
    expect(box.children[1]).not.toBe(preloaded);
    // tiles replaced: their images are released and the kept element is handed out again
    releaseImages(box);
    expect(renderPart(part, urls, "d7")).toBe(preloaded);
    urls.revokeAll();
    expect(urls.takeImage(url)).toBeNull();
  });

  it("shows audio with a waveform and video with a poster", () => {
    const peaks = new Float32Array([0, 0.5, 1]);
    const urls = new BlobUrls([
      new DataView(new Uint8Array([1]).buffer),
      new DataView(peaks.buffer),
      new DataView(new Uint8Array([2]).buffer),
      new DataView(new Uint8Array([3]).buffer),
    ]);
    const audio = renderPart({ column: "audio", kind: "audio", mime: "audio/wav", data: 0, waveform: 1 }, urls, "a");
    expect(audio.querySelector("audio")?.getAttribute("preload")).toBe("metadata");
    expect(audio.querySelector("audio")?.hasAttribute("controls")).toBe(true);
    expect(audio.querySelector("canvas.xmw-waveform")).not.toBeNull();
    expect(audio.querySelector("audio")?.getAttribute("data-lm-suppress-shortcuts")).toBe("true");
    const video = renderPart(
      { column: "video", kind: "video", mime: "video/webm", data: 2, poster: 3 },
      urls,
      "v",
    ) as HTMLVideoElement;
    expect(video.getAttribute("preload")).toBe("none");
    expect(video.getAttribute("poster")?.startsWith("blob:")).toBe(true);
    expect(Array.from(readPeaks(new DataView(peaks.buffer)))).toEqual([0, 0.5, 1]);
  });

  it("shows error parts with their reason, and missing buffers as errors", () => {
    const node = renderPart(
      { column: "image", kind: "error", error: "cannot identify image file", original_kind: "image" },
      new BlobUrls([]),
      "d",
    );
    expect(node.classList.contains("xmw-error")).toBe(true);
    expect(node.textContent).toContain("cannot identify image file");
    const missing = renderPart({ column: "image", kind: "image", data: 4 }, new BlobUrls([]), "d");
    expect(missing.classList.contains("xmw-error")).toBe(true);
  });

  it("keeps an error's detail (what each decoder said) in the reason's tooltip, as text", () => {
    const detail = "m/pic.png: soundfile: Format not recognised.; PyAV: no audio stream <b>";
    const node = renderPart(
      { column: "audio", kind: "error", error: "pic.png: not an audio file", detail, original_kind: "audio" },
      new BlobUrls([]),
      "d",
    );
    const reason = node.querySelector<HTMLElement>(".xmw-error-reason");
    expect(reason?.textContent).toBe("pic.png: not an audio file");
    expect(reason?.title).toBe(detail);
    expect(node.querySelector("b")).toBeNull();
  });

  it("stacks the parts of a bundle", () => {
    const box = renderParts(
      [
        { column: "title", kind: "text", text: "a" },
        { column: "body", kind: "text", text: "b" },
      ],
      new BlobUrls([]),
      "d",
    );
    expect(box.children.length).toBe(2);
  });

  it("revokes every URL it made", () => {
    const revoke = vi.spyOn(URL, "revokeObjectURL");
    const urls = new BlobUrls([new DataView(new ArrayBuffer(2)), new DataView(new ArrayBuffer(2))]);
    const a = urls.url(0, "image/jpeg");
    const b = urls.url(1, "image/jpeg");
    expect(urls.url(0, "image/jpeg")).toBe(a);
    urls.revokeAll();
    expect(revoke.mock.calls.map((call) => call[0]).sort()).toEqual([a, b].sort());
    expect(urls.url(0, "image/jpeg")).toBeNull();
  });
});

describe("PageCache", () => {
  it("requests each page once and remembers which request is for which page", () => {
    const sent: BrowserMessage[] = [];
    const cache = new PageCache((message) => sent.push(message), new RequestIds(), { preload: false });
    expect(cache.request(1, 10)).toBe(1);
    expect(cache.request(1, 10)).toBeNull();
    expect(cache.request(-1, 10)).toBeNull();
    expect(cache.request(10, 10)).toBeNull();
    expect(sent).toEqual([{ type: "page", request_id: 1, index: 1 }]);
    expect(cache.fail(1)).toBe(1);
    expect(cache.request(1, 10)).toBe(2);
  });

  it("keeps at most `capacity` pages, dropping the farthest and revoking its URLs", async () => {
    const revoke = vi.spyOn(URL, "revokeObjectURL");
    const cache = new PageCache(() => undefined, new RequestIds(), { capacity: 3, preload: true });
    cache.current = 2;
    const pages = [0, 1, 2, 3].map((index) => imagePage(index, 2));
    const first = cache.receive(pages[0].page, pages[0].buffers);
    // preloading creates the URLs of the page (query + 2 candidates) ahead of showing it
    await first.ready;
    expect(first.urls.size).toBe(3);
    for (const { page, buffers } of pages.slice(1)) cache.receive(page, buffers);
    expect(cache.indices()).toEqual([1, 2, 3]);
    await first.ready;
    await Promise.resolve();
    expect(revoke).toHaveBeenCalledTimes(3);
    cache.clear();
    expect(revoke).toHaveBeenCalledTimes(12);
  });
});

describe("onePlayerAtATime", () => {
  it("pauses every other player when one starts, however it was started", () => {
    const root = document.createElement("div");
    const players = [document.createElement("audio"), document.createElement("video"), document.createElement("audio")];
    const paused = players.map(() => vi.fn());
    players.forEach((player, k) => {
      Object.defineProperty(player, "paused", { configurable: true, get: () => k === 2 });
      player.pause = paused[k];
      root.append(player);
    });
    const cleanups = new Cleanups();
    onePlayerAtATime(root, cleanups);
    players[1].dispatchEvent(new Event("play")); // media events do not bubble: a capture listener sees it
    expect(paused.map((spy) => spy.mock.calls.length)).toEqual([1, 0, 0]); // the playing one, not the paused one
    cleanups.dispose();
    players[0].dispatchEvent(new Event("play"));
    expect(paused[1]).not.toHaveBeenCalled();
  });
});

describe("reclaimFocusFromMedia", () => {
  function tiles(): { root: HTMLElement; tiles: HTMLElement[]; players: HTMLAudioElement[] } {
    const root = document.createElement("div");
    const made = [0, 1].map(() => {
      const tile = document.createElement("div");
      tile.className = "xmw-tile";
      tile.tabIndex = -1;
      const player = document.createElement("audio");
      player.controls = true;
      player.tabIndex = 0;
      tile.append(player);
      root.append(tile);
      return { tile, player };
    });
    document.body.append(root);
    return { root, tiles: made.map((m) => m.tile), players: made.map((m) => m.player) };
  }

  it("gives the keys back at once when Tab / Shift+Tab lands in a player", () => {
    // a task later was too late at machine speed: the keys typed meanwhile went into the player's
    // controls and never reached the widget ("0 z" after Shift+Tab lost in JupyterLab)
    const {
      root,
      tiles: [first],
      players,
    } = tiles();
    const cleanups = new Cleanups();
    const giveBack = vi.fn((tile: HTMLElement) => tile.focus());
    reclaimFocusFromMedia(root, cleanups, giveBack);
    players[0].focus();
    players[0].dispatchEvent(new FocusEvent("focusin", { bubbles: true }));
    expect(giveBack).toHaveBeenCalledWith(first);
    expect(document.activeElement).toBe(first);
    cleanups.dispose();
  });

  it("after a click on a player, gives the keys back unless a key moved the focus on meanwhile", async () => {
    const {
      root,
      tiles: [first, second],
      players,
    } = tiles();
    const cleanups = new Cleanups();
    const giveBack = vi.fn((tile: HTMLElement) => tile.focus());
    reclaimFocusFromMedia(root, cleanups, giveBack);
    const click = (player: HTMLAudioElement): void => {
      player.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true }));
      player.focus();
      player.dispatchEvent(new FocusEvent("focusin", { bubbles: true }));
      window.dispatchEvent(new PointerEvent("pointerup", { bubbles: true }));
    };
    click(players[0]);
    expect(giveBack).not.toHaveBeenCalled(); // the click's own play / seek runs first
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(giveBack).toHaveBeenCalledWith(first);

    // a grade key on the player moved the focus to the next tile before the give-back ran: it
    // used to pull the focus back to the clicked tile, and the next keys went there
    giveBack.mockClear();
    click(players[0]);
    second.focus();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(giveBack).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(second);
    cleanups.dispose();
  });
});
