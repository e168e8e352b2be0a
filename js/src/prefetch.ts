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

/** Ids for every request this view sends (pages, judgements, undo): one counter, never reused. */
export class RequestIds {
  private last = 0;
  next(): number {
    this.last += 1;
    return this.last;
  }
}

export class PageCache {
  private readonly pages = new Map<number, CachedPage>();
  /** index -> request_id of the page request in flight */
  private readonly inflight = new Map<number, number>();
  /** URLs of dropped pages, revoked once their preloads finish */
  private readonly dropping = new Set<BlobUrls>();
  private readonly capacity: number;
  private readonly preload: boolean;
  /** The query on screen: kept, and the centre from which distance decides what to drop. */
  current = 0;

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

  /** Drop pages beyond capacity, farthest from the current query first. */
  private evict(): void {
    while (this.pages.size > this.capacity) {
      let farthest: number | null = null;
      for (const index of this.pages.keys()) {
        if (index === this.current) continue;
        if (farthest === null || Math.abs(index - this.current) > Math.abs(farthest - this.current)) {
          farthest = index;
        }
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

/** Create the Blob URLs of the first images of a page (query first) and decode them. */
export function preloadPage(page: Page, urls: BlobUrls, limit = PRELOAD_IMAGES): Promise<void> {
  const waits: Promise<void>[] = [];
  const records = [page.query.parts, ...page.candidates.map((candidate) => candidate.parts)];
  for (const parts of records) {
    for (const part of parts) {
      if (waits.length >= limit) break;
      if (part.kind === "image") {
        const url = urls.url(part.data, part.mime ?? "image/jpeg");
        if (url) waits.push(preloadImage(url));
      } else if (part.kind === "video" && part.poster !== undefined) {
        const url = urls.url(part.poster, "image/jpeg");
        if (url) waits.push(preloadImage(url));
      }
    }
  }
  return Promise.all(waits).then(() => undefined);
}
