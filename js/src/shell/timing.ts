/**
 * Timings the benchmarks read from the page (`globalThis.__xmwTimings`): keystroke handling, key ->
 * saved, n -> next query painted, and the part of it spent building the page ("page-built").
 */

import { decodeImage, isDecoded } from "./media";

export type Timing = { event: string; ms: number };

export function recordTiming(event: string, ms: number): void {
  const holder = globalThis as { __xmwTimings?: Timing[] };
  if (!holder.__xmwTimings) holder.__xmwTimings = [];
  const timings = holder.__xmwTimings;
  if (timings.length > 20000) timings.splice(0, 10000);
  timings.push({ event, ms });
}

/**
 * Call back once the next frame is rendered: a rAF callback runs before that frame's style, layout
 * and paint, so a task posted from it runs after them (the "next paint" of Event Timing / INP).
 */
export function afterNextPaint(callback: () => void): void {
  if (typeof requestAnimationFrame !== "function" || typeof MessageChannel !== "function") {
    setTimeout(callback, 0);
    return;
  }
  requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      callback();
    };
    channel.port2.postMessage(null);
  });
}

/** Call back after the first images (decoded ahead, or awaited here) are painted. */
export function afterImagesPainted(images: HTMLImageElement[], limit: number, callback: () => void): void {
  // Images decoded ahead by the page cache are shown as they are: awaiting decode() again would
  // only wait for a frame. The others (not preloaded, or a page re-sent) are awaited.
  const pending = images.slice(0, limit).filter((img) => !isDecoded(img));
  void Promise.all(pending.map(decodeImage)).then(() => afterNextPaint(callback));
}
