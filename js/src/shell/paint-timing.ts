/**
 * The "next-query-painted" timing: from the key that asked for a query (n, a pick that moves on, a
 * jump) to the frame that shows its page with its first images, whether the page was cached or
 * came later. A move that no key timed, or a newer move, drops the one waited for.
 */

import { PRELOAD_IMAGES } from "./prefetch";
import { afterImagesPainted, recordTiming } from "./timing";

export class PaintTiming {
  private wanted: { index: number; started: number } | null = null;

  /** `live()`: whether the view is still there. */
  constructor(
    private readonly now: () => number,
    private readonly live: () => boolean,
  ) {}

  /** The view goes to query `index`; `started`: when the key that asked for it was pressed (none: not timed). */
  expect(index: number, started: number | undefined): void {
    this.wanted = started !== undefined ? { index, started } : null;
  }

  /**
   * Query `shown` is on screen (null: none) and `current` is the one to show: when it is the one
   * waited for, record the timing once `images()` are painted (unless the view moved on meanwhile).
   */
  check(shown: number | null, current: () => number, images: () => HTMLImageElement[]): void {
    const wanted = this.wanted;
    if (!wanted || shown !== wanted.index) return;
    afterImagesPainted(images(), PRELOAD_IMAGES, () => {
      if (!this.live() || this.wanted !== wanted || current() !== wanted.index) return;
      this.wanted = null;
      recordTiming("next-query-painted", this.now() - wanted.started);
    });
  }
}
