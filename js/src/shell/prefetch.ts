/**
 * Page cache with request/response by request_id.
 *
 * Pages (one query and its candidates, with media as buffers) are requested ahead of need, kept for
 * a few queries around the one on screen, and dropped farthest-first; a dropped page revokes its
 * Blob URLs. A cached page has already created the Blob URLs of its first images and decoded them, so
 * that showing it paints in the same frame.
 */

import { BlobUrls, preloadImage } from "./media";
import type { BrowserMessage, Page } from "./protocol";

/** Images decoded ahead per page: enough for the first screens of tiles, not 200 full decodes. */
export const PRELOAD_IMAGES = 48;

export interface CachedPage {
  index: number;
  page: Page;
  urls: BlobUrls;
  /** Resolves when the preloaded images are decoded (never rejects). */
  ready: Promise<void>;
}

export interface PageCacheOptions {
  /** Pages kept; the page on screen is never dropped. */
  capacity?: number;
  /** Decode images ahead (off in tests that count URLs). */
  preload?: boolean;
}

/**
 * Ids for every request this view sends (pages, judgements, undo): one counter, never reused.
 * Kernel replies go to every view of the widget, so each view starts at its own random offset
 * (`RequestIds.random()`) and does not take another view's ack for its own.
 */
export class RequestIds {
  constructor(private last = 0) {}

  static random(): RequestIds {
    return new RequestIds(Math.floor(Math.random() * 2 ** 20) * 2 ** 30);
  }

  next(): number {
    this.last += 1;
    return this.last;
  }
}

export class PageCache {
  private readonly pages = new Map<number, CachedPage>();
  /** index -> request_id of the page request in flight */
  private readonly inflight = new Map<number, number>();
  /** requests whose page went out of date while in flight (dropped): their answer is ignored */
  private readonly stale = new Set<number>();
  /** URLs of dropped pages, revoked once their preloads finish */
  private readonly dropping = new Set<BlobUrls>();
  /** Pages kept (at least 1); the shell raises it when it prefetches further ahead. */
  capacity: number;
  private readonly preload: boolean;
  /** The query on screen: kept, and the centre from which distance decides what to drop. */
  current = 0;
  /**
   * The window the shell prefetches, `behind` pages before `current` and `ahead` after it: pages
   * outside it are dropped first. Farthest-first alone dropped the page just asked for at the far
   * end of the window (farther than the pages left behind), so it was asked for again at every `n`:
   * 40 queries of one candidate cost 102 page messages instead of 40.
   */
  ahead = 0;
  behind = 0;

  constructor(
    private readonly send: (message: BrowserMessage) => void,
    private readonly ids: RequestIds,
    options: PageCacheOptions = {},
  ) {
    this.capacity = Math.max(1, options.capacity ?? 5);
    this.preload = options.preload ?? true;
  }

  get(index: number): CachedPage | undefined {
    return this.pages.get(index);
  }

  has(index: number): boolean {
    return this.pages.has(index);
  }

  isPending(index: number): boolean {
    return this.inflight.has(index);
  }

  /** Indices cached, ascending. */
  indices(): number[] {
    return [...this.pages.keys()].sort((a, b) => a - b);
  }

  /**
   * Ask the kernel for page `index` unless it is cached or already asked for.
   * @returns the request_id sent, or null when nothing was sent.
   */
  request(index: number, nQueries: number | null = null): number | null {
    if (index < 0 || (nQueries !== null && nQueries > 0 && index >= nQueries)) return null;
    if (this.pages.has(index) || this.inflight.has(index)) return null;
    const requestId = this.ids.next();
    this.inflight.set(index, requestId);
    this.send({ type: "page", request_id: requestId, index });
    return requestId;
  }

  /** The page index a request was for, if it is a page request in flight. */
  indexForRequest(requestId: number): number | null {
    for (const [index, id] of this.inflight) if (id === requestId) return index;
    return null;
  }

  /** A page request failed: forget it so that it can be asked for again. */
  fail(requestId: number): number | null {
    const index = this.indexForRequest(requestId);
    if (index !== null) this.inflight.delete(index);
    return index;
  }

  /** Forget page `index` (the kernel changed it): the next `request` asks for it again. */
  drop(index: number): void {
    const inflight = this.inflight.get(index);
    if (inflight !== undefined) this.stale.add(inflight);
    this.inflight.delete(index);
    const entry = this.pages.get(index);
    this.pages.delete(index);
    if (entry) this.revokeWhenReady(entry);
  }

  /** Whether the answer to `requestId` is for a page dropped since it was asked for. */
  isStale(requestId: number | null): boolean {
    return requestId !== null && this.stale.delete(requestId);
  }

  /** Store a page that arrived (asked for or pushed by the kernel); replaces an older copy. */
  receive(page: Page, buffers: readonly DataView[]): CachedPage {
    const index = page.index;
    this.inflight.delete(index);
    const old = this.pages.get(index);
    const urls = new BlobUrls(buffers);
    const entry: CachedPage = { index, page, urls, ready: this.preload ? preloadPage(page, urls) : Promise.resolve() };
    this.pages.set(index, entry);
    // The old copy's URLs may still be on screen; the caller re-renders from the new one first.
    if (old) this.revokeWhenReady(old);
    this.evict();
    return entry;
  }

  /** How soon page `index` may be dropped: outside the prefetch window first, then farthest first. */
  private dropOrder(index: number): number {
    const outside = index < this.current - this.behind || index > this.current + this.ahead;
    return (outside ? Number.MAX_SAFE_INTEGER / 2 : 0) + Math.abs(index - this.current);
  }

  /** Drop pages beyond capacity: those outside the prefetch window first, farthest first. */
  private evict(): void {
    while (this.pages.size > this.capacity) {
      let farthest: number | null = null;
      for (const index of this.pages.keys()) {
        if (index === this.current) continue;
        if (farthest === null || this.dropOrder(index) > this.dropOrder(farthest)) farthest = index;
      }
      if (farthest === null) return;
      const dropped = this.pages.get(farthest);
      this.pages.delete(farthest);
      // Revoking while its preloads are still reading the blobs logs ERR_FILE_NOT_FOUND: wait for them.
      if (dropped) this.revokeWhenReady(dropped);
    }
  }

  private revokeWhenReady(entry: CachedPage): void {
    this.dropping.add(entry.urls);
    void entry.ready.then(() => {
      entry.urls.revokeAll();
      this.dropping.delete(entry.urls);
    });
  }

  /** Revoke everything (view cleanup), including dropped pages still preloading. */
  clear(): void {
    for (const entry of this.pages.values()) entry.urls.revokeAll();
    for (const urls of this.dropping) urls.revokeAll();
    this.dropping.clear();
    this.pages.clear();
    this.inflight.clear();
  }
}

/** Blob URLs created per task while warming a page: each costs ~1 ms in Chromium (blob registry IPC). */
export const URLS_PER_TASK = 8;

/**
 * Create the Blob URLs of every medium of a page a few per task (so that a page of 200 images does
 * not block keystrokes for 150 ms), and decode the first `limit` images (query first).
 * Stops when the page's URLs are revoked. The promise never rejects.
 */
export function preloadPage(page: Page, urls: BlobUrls, limit = PRELOAD_IMAGES): Promise<void> {
  const jobs: Array<{ index: number | undefined; mime: string; decode: boolean }> = [];
  let images = 0;
  const records = [page.query.parts, ...page.candidates.map((candidate) => candidate.parts)];
  for (const parts of records) {
    for (const part of parts) {
      if (part.kind === "image") {
        jobs.push({ index: part.data, mime: part.mime ?? "image/jpeg", decode: images < limit });
        images += 1;
      } else if (part.kind === "video") {
        if (part.poster !== undefined) jobs.push({ index: part.poster, mime: "image/jpeg", decode: images < limit });
        images += 1;
        jobs.push({ index: part.data, mime: part.mime ?? "video/mp4", decode: false });
      } else if (part.kind === "audio") {
        jobs.push({ index: part.data, mime: part.mime ?? "audio/wav", decode: false });
      }
    }
  }
  return new Promise<void>((resolve) => {
    const decodes: Promise<void>[] = [];
    let next = 0;
    const step = (): void => {
      const end = Math.min(next + URLS_PER_TASK, jobs.length);
      for (; next < end && !urls.revoked; next += 1) {
        const job = jobs[next];
        const url = urls.url(job.index, job.mime);
        if (url && job.decode) decodes.push(preloadImage(url, urls));
      }
      if (next < jobs.length && !urls.revoked) setTimeout(step, 0);
      else void Promise.all(decodes).then(() => resolve());
    };
    step();
  });
}
