/**
 * Players of a page that was left stop reading their Blob URLs: a detached <audio>/<video> goes on
 * loading (metadata, ranges), and once its page left the cache and the URL was revoked, Chromium
 * logged "net::ERR_FILE_NOT_FOUND" for each read (seen in the picker and the grid at machine
 * speed). The invariant: no player the widget made still points at a revoked URL; a page shown
 * again plays from new players.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { audioPage, key, TREC } from "./fixtures";
import { type MountOptions, mountGrid, unmountAll } from "./mount";

let clock = 0;
beforeEach(() => {
  clock = 1000;
});
afterEach(() => {
  unmountAll();
  vi.restoreAllMocks();
});

/** Mount `task` with audio pages and a small cache; track every player it shows and every URL revoked. */
function mountAudio(task: MountOptions["task"], traits: Record<string, unknown> = {}) {
  const revoked = new Set<string>();
  const revoke = URL.revokeObjectURL.bind(URL);
  vi.spyOn(URL, "revokeObjectURL").mockImplementation((url: string) => {
    revoked.add(url);
    revoke(url);
  });
  const grid = mountGrid(
    { n_queries: 60, scale: { ...TREC, flags: ["broken-media"] }, ...traits },
    { task },
    () => clock,
  );
  const players = new Set<HTMLMediaElement>();
  const seen = () => {
    for (const media of grid.el.querySelectorAll<HTMLMediaElement>("audio")) players.add(media);
  };
  const serve = () => {
    grid.model.servePages((index) => audioPage(index, 3));
    seen();
  };
  serve();
  grid.root.focus();
  /** Players that still point at a revoked URL. */
  const stale = () => [...players].filter((media) => revoked.has(media.getAttribute("src") ?? ""));
  /** g to query `number` (1-based), far from the pages cached: those near the start leave the cache. */
  const jump = async (number: number) => {
    grid.press("g");
    const input = grid.root.querySelector<HTMLInputElement>(".xmw-goto-input")!;
    input.value = String(number);
    key(input, "Enter");
    serve();
    await settle();
  };
  return { ...grid, players, revoked, seen, serve, stale, jump };
}

const settle = async () => {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
};

describe("players of a page left", () => {
  it("grid: the left page's players lose their src; once its URLs are revoked none points at them", async () => {
    const grid = mountAudio("grade");
    const first = [...grid.el.querySelectorAll<HTMLMediaElement>(".xmw-tile audio")];
    expect(first).toHaveLength(3);
    expect(first.every((media) => media.getAttribute("src")?.startsWith("blob:"))).toBe(true);
    grid.press(" "); // the first one plays
    expect(first[0].paused).toBe(false);
    const urls = first.map((media) => media.getAttribute("src") as string);
    grid.press("n");
    grid.serve();
    expect(first.every((media) => !media.hasAttribute("src") && media.paused)).toBe(true);
    await grid.jump(50);
    expect(grid.model.get("query_index")).toBe(49);
    // query 1 left the cache: its URLs were revoked, and no player reads them
    expect(urls.every((url) => grid.revoked.has(url))).toBe(true);
    expect(grid.stale()).toEqual([]);
    // the query on screen plays
    const now = [...grid.el.querySelectorAll<HTMLMediaElement>(".xmw-tile audio")];
    expect(now.every((media) => media.getAttribute("src")?.startsWith("blob:"))).toBe(true);
    expect(now.some((media) => grid.revoked.has(media.getAttribute("src") ?? ""))).toBe(false);
  });

  it("picker: each pick goes on to the next query; the players left behind stop loading", async () => {
    const grid = mountAudio("pick");
    const first = [...grid.el.querySelectorAll<HTMLMediaElement>(".xmw-tile audio")];
    for (const key of ["1", "2", "3", "1"]) {
      grid.press(key);
      grid.serve();
      grid.model.ackAll();
      await settle();
    }
    expect(grid.model.get("query_index")).toBe(4);
    expect(first.every((media) => !media.hasAttribute("src"))).toBe(true);
    await grid.jump(50);
    expect(grid.revoked.size).toBeGreaterThan(0);
    expect(grid.stale()).toEqual([]);
  });

  it("a page shown again (p) plays from new players of its cached URLs", () => {
    const grid = mountAudio("grade");
    const first = [...grid.el.querySelectorAll<HTMLMediaElement>(".xmw-tile audio")];
    const urls = first.map((media) => media.getAttribute("src"));
    grid.press("n");
    grid.serve();
    grid.press("p");
    const again = [...grid.el.querySelectorAll<HTMLMediaElement>(".xmw-tile audio")];
    expect(again.map((media) => media.getAttribute("src"))).toEqual(urls);
    expect(again.some((media) => first.includes(media))).toBe(false);
    grid.press(" ");
    expect(again[0].paused).toBe(false);
  });

  it("cleanup stops the players before it revokes their URLs", () => {
    const grid = mountAudio("grade");
    grid.cleanup();
    expect(grid.revoked.size).toBeGreaterThan(0);
    expect(grid.stale()).toEqual([]);
  });
});
