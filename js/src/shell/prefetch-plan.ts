/** Which pages the shell asks for around the query on screen, and how many the cache keeps for them. */

import type { PageCache } from "./prefetch";

/**
 * Pages asked for ahead of the one on screen, and behind it. Ahead, at least PREFETCH_AHEAD pages
 * and enough pages for PREFETCH_CANDIDATES candidates, up to MAX_AHEAD: a campaign of one or two
 * candidates per query is judged a query every few hundred milliseconds, faster than one page
 * request's round trip, so it needs many more pages on their way than one of twelve images a query.
 */
export const PREFETCH_AHEAD = 3;
export const PREFETCH_BEHIND = 1;
export const PREFETCH_CANDIDATES = 36;
export const MAX_AHEAD = 24;

/** How many pages to ask for ahead when pages hold `candidates` candidates. */
export function pagesAhead(candidates: number): number {
  return Math.min(MAX_AHEAD, Math.max(PREFETCH_AHEAD, Math.ceil(PREFETCH_CANDIDATES / Math.max(1, candidates))));
}

/**
 * Ask for the pages around query `index` of `nQueries` (those not cached or on their way), pages
 * holding `candidates` candidates; the cache keeps room for them (and the one on screen, and 2 more).
 */
export function prefetchAround(cache: PageCache, index: number, nQueries: number, candidates: number): void {
  const ahead = pagesAhead(candidates);
  cache.capacity = Math.max(cache.capacity, ahead + PREFETCH_BEHIND + 3);
  cache.ahead = ahead;
  cache.behind = PREFETCH_BEHIND;
  for (let step = 1; step <= ahead; step += 1) cache.request(index + step, nQueries);
  for (let behind = 1; behind <= PREFETCH_BEHIND; behind += 1) cache.request(index - behind, nQueries);
}
