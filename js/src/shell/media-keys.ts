/**
 * Media from the keyboard, and the keyboard back after the mouse used a player.
 *
 * Space plays or pauses the focused tile's audio or video, `[` / `]` seek 5 s back / on. A click on
 * a native `<audio controls>` moves the focus into the player's own controls, after which no keydown
 * reaches the page (BROWSER_TESTING.md, "Media controls and focus"); `reclaimFocusFromMedia` gives
 * the focus back to the tile on `play` / `pause` / `seeked` / `focusin` inside a player, after the
 * pointer is released so that the click (or a drag on the timeline) itself is not cut short; a
 * player reached with Tab / Shift+Tab gives it back at once.
 */

import type { Cleanups } from "./dom";

export const SEEK_SECONDS = 5;

/** The first audio or video element of a tile, or null. */
export function mediaOf(tile: Element | null | undefined): HTMLMediaElement | null {
  return (tile?.querySelector("audio, video") as HTMLMediaElement | null) ?? null;
}

/**
 * Play or pause; pausing every other player of the view first, so that two tiles never play at once.
 * @returns what happened, for the notice line ("" when there is no player)
 */
export function togglePlay(media: HTMLMediaElement | null, others: Iterable<HTMLMediaElement> = []): string {
  if (!media) return "";
  if (media.paused || media.ended) {
    for (const other of others) if (other !== media && !other.paused) other.pause();
    // play() rejects when the media cannot play (broken file, autoplay policy): say so, do not throw
    const played = media.play();
    if (played && typeof played.catch === "function") played.catch(() => undefined);
    return "playing";
  }
  media.pause();
  return "paused";
}

/** Seek by `seconds` within the media's duration. */
export function seek(media: HTMLMediaElement | null, seconds: number): boolean {
  if (!media) return false;
  const duration = Number.isFinite(media.duration) ? media.duration : Number.POSITIVE_INFINITY;
  media.currentTime = Math.min(Math.max(0, (media.currentTime || 0) + seconds), duration);
  return true;
}

/**
 * One player at a time in `root`, however it was started: when one starts playing (Space, or the
 * mouse on its own controls), every other player under `root` pauses (togglePlay does the same
 * for Space; a click on a native play button bypasses it).
 */
export function onePlayerAtATime(root: HTMLElement, cleanups: Cleanups): void {
  cleanups.listen(
    root,
    "play",
    (event: Event) => {
      const started = event.target;
      if (!(started instanceof HTMLMediaElement)) return;
      for (const other of root.querySelectorAll<HTMLMediaElement>("audio, video")) {
        if (other !== started && !other.paused) other.pause();
      }
    },
    true,
  );
}

const MEDIA_EVENTS = ["play", "pause", "seeked", "focusin"];

/**
 * When a player under `root` is used with the mouse, call `giveBack(tile)` once the pointer is up,
 * so that the grid takes keys again. Media events do not bubble; capture listeners on `root` see them.
 */
export function reclaimFocusFromMedia(
  root: HTMLElement,
  cleanups: Cleanups,
  giveBack: (tile: HTMLElement) => void,
): void {
  let pointerDown = false;
  let pending: HTMLElement | null = null;
  // the keyboard is still in a player of `tile` (a key that moved the focus on meanwhile wins)
  const inPlayer = (tile: HTMLElement): boolean => {
    const active = document.activeElement;
    return active instanceof HTMLMediaElement && tile.contains(active);
  };
  const settle = (): void => {
    const tile = pending;
    pending = null;
    // after the click's own default action (play, seek) has run
    if (tile) setTimeout(() => inPlayer(tile) && giveBack(tile), 0);
  };
  cleanups.listen(
    root,
    "pointerdown",
    () => {
      pointerDown = true;
    },
    true,
  );
  const up = (): void => {
    if (!pointerDown) return;
    pointerDown = false;
    settle();
  };
  cleanups.listen(window, "pointerup", up, true);
  cleanups.listen(window, "pointercancel", up, true);
  for (const type of MEDIA_EVENTS) {
    cleanups.listen(
      root,
      type,
      (event: Event) => {
        const target = event.target as Element | null;
        if (!target || !(target instanceof HTMLMediaElement)) return;
        const tile = target.closest(".xmw-tile") as HTMLElement | null;
        if (!tile) return;
        // focus elsewhere (another cell): a player that ends or is paused by us must not steal it
        if (type !== "focusin" && document.activeElement !== target) return;
        if (type === "focusin" && !pointerDown) {
          // Tab / Shift+Tab into a player: no click to let finish, and the keys typed next would
          // go into its controls (lost to the page) if the focus came back a task later
          pending = null;
          giveBack(tile);
          return;
        }
        pending = tile;
        if (!pointerDown) settle();
      },
      true,
    );
  }
}

/**
 * Space / `[` / `]` on a tile: play or pause, seek. Returns a notice when the tile has nothing to
 * play ("" otherwise).
 */
export function mediaKey(tile: Element | undefined, position: number, seconds: number | null, all: ParentNode): string {
  const media = mediaOf(tile);
  if (!media) {
    const verb = seconds === null ? "play" : "seek";
    // a tile whose file is missing or broken: "has no audio" would send the person looking for one
    const failed = tile?.querySelector<HTMLElement>(
      '.xmw-error[data-original-kind="audio"], .xmw-error[data-original-kind="video"]',
    );
    if (failed)
      return `candidate ${position + 1}: its ${failed.dataset.originalKind} could not be loaded (the tile says why), nothing to ${verb}`;
    return `candidate ${position + 1} has no audio or video to ${verb}`;
  }
  if (seconds === null) togglePlay(media, all.querySelectorAll<HTMLMediaElement>("audio, video"));
  else seek(media, seconds);
  return "";
}
