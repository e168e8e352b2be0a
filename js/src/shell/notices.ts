/**
 * The notice line: one short sentence about what the last judgements did ("query 7 done (12/12) · n
 * for next", "grade it relevant first", "undid: …"). It is a polite live region (role=status), not an
 * alert: a screen reader reads it when idle, and the next notice replaces it. It hides itself after a
 * while, so that it does not go on speaking of a key pressed long ago.
 *
 * It shows over the header's key hint, in the hint's box: it covers no tile (a toast floating over
 * the tiles hid the candidates being judged for seconds) and, appearing or going, moves nothing.
 * A text longer than the hint's lines is cut there, whole in its title (and in what a screen reader
 * reads). Only when the header is scrolled out of view (a long query) is it moved down into view,
 * as a toast, the one case where it lies over tiles: a refusal must still be read. It goes to the
 * top right of the part in view, unless the focused tile (the one it most likely speaks of, with
 * the level buttons just pressed) is there: then to the top left, the bottom right or the bottom
 * left, the first that leaves that tile free (`toastSpot`).
 */

import { hiddenAbove, make, scrollerOf, setText } from "./dom";
import { QUERY_UNIT, type UnitNames } from "./header";

/**
 * One notice for the results of a batch: their texts in order, each part (" · " separated) once. A
 * batch typed ahead on the last queries would otherwise say "all 6 pairs done" once per key.
 */
export function batchNotice(texts: ReadonlyArray<string | null | undefined>): string {
  const parts = new Set<string>();
  for (const text of texts) for (const part of (text ?? "").split(" · ")) if (part.trim()) parts.add(part.trim());
  // where the view went: only the last move is where it is ("on to query 5 · on to query 6 · on to
  // query 7" after picks typed ahead)
  const moves = [...parts].filter((part) => ON_TO.test(part));
  for (const move of moves.slice(0, -1)) parts.delete(move);
  return [...parts].join(" · ");
}

const ON_TO = /^on to [a-z]+ \d+/;

/**
 * The notice of a batch's results, `shown` the id of the query on screen: of a result whose query
 * the view has left, "n for next" no longer says what to do (query 3 is on screen while the ack of
 * query 2 says "query 2 done · n for next"), so it is left out. Of the query on screen, the parts
 * `onScreen` matches are left out: the view says them already (the ranker's status line says
 * "✓ ranking saved"; the notice repeated it).
 */
export function resultsNotice(
  results: ReadonlyArray<{ query_id: string; notice: string }>,
  shown: string | null,
  onScreen: (part: string) => boolean = () => false,
): string {
  return batchNotice(
    results.map(({ query_id, notice }) =>
      withoutParts(notice, query_id === shown ? onScreen : (part) => part.trim() === "n for next"),
    ),
  );
}

/** `notice` without the parts (" · " separated) that `drop` matches. */
function withoutParts(notice: string, drop: (part: string) => boolean): string {
  return notice
    .split(SEP)
    .filter((part) => !drop(part))
    .join(SEP);
}

const SEP = " · ";

/** Parts of one kind said this many times or more are said once (fewer: each). */
const COUNTED_FROM = 3;

/** More numbers than this that do not follow on are counted, not listed. */
const LISTED_UP_TO = 4;

/**
 * `text` with the parts (" · " separated) that say the same of several things said once, where the
 * first stood, naming which: ten "candidate 4 flagged broken-media: left out of the ranking" (4 to
 * 13) become "candidates 4–13 flagged broken-media: left out of the ranking". A burst of keys
 * otherwise fills the line with the oldest results and cuts the newest (the save, "query done").
 * Numbers that do not follow on are listed ("queries 2, 5, 9 done"), or counted when there are many
 * ("12 candidates flagged …"): a bare count ("3 queries done" after 4 picks, one of them acked
 * before) read as a total. Two of a kind stay as they are ("pair 5 saved: tie · pair 6 saved: tie").
 */
export function compactNotice(text: string): string {
  const parts = text.split(SEP).map((part) => {
    // "<thing> <number><the rest>": of one kind when the thing and the rest are the same
    const match = /^([a-z]+) (\d+)(\S*\s.*)$/.exec(part);
    return { part, match, kind: match ? `${match[1]}\u0000${match[3]}` : null };
  });
  const numbers = new Map<string, number[]>();
  for (const { match, kind } of parts)
    if (match && kind) numbers.set(kind, [...(numbers.get(kind) ?? []), Number(match[2])]);
  const said = new Set<string>();
  const out: string[] = [];
  for (const { part, match, kind } of parts) {
    const which = kind ? (numbers.get(kind) ?? []) : [];
    if (!match || !kind || which.length < COUNTED_FROM) out.push(part);
    else if (!said.has(kind)) {
      said.add(kind);
      out.push(`${named(plural(match[1]), which)}${match[3]}`);
    }
  }
  return out.join(SEP);
}

/** "queries 3–5", "queries 2, 5, 9", or "12 queries" (numbers that do not follow on, many). */
function named(things: string, numbers: readonly number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (last - first === sorted.length - 1) return `${things} ${first}–${last}`;
  if (sorted.length <= LISTED_UP_TO) return `${things} ${sorted.join(", ")}`;
  return `${sorted.length} ${things}`;
}

function plural(word: string): string {
  return word.endsWith("y") ? `${word.slice(0, -1)}ies` : `${word}s`;
}

/** Pixels between the top of the visible area and a notice kept in view. */
const INSET = 8;

/** A rectangle in viewport pixels, as getBoundingClientRect gives it. */
export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface ToastSpot {
  /** Viewport y of the toast's top. */
  top: number;
  side: "right" | "left";
}

/**
 * Where a toast of `width` x `height` goes inside `area` (the widget's width, the part of it in
 * view): the top right, else the top left, the bottom right, the bottom left, the first that does
 * not overlap `avoid` (the focused tile); when each does, the one that covers least of it.
 */
export function toastSpot(area: Box, width: number, height: number, avoid: Box | null): ToastSpot {
  const top = Math.min(area.top, area.bottom - height);
  const bottom = Math.max(area.top, area.bottom - height);
  const spots: ToastSpot[] = [
    { top, side: "right" },
    { top, side: "left" },
    { top: bottom, side: "right" },
    { top: bottom, side: "left" },
  ];
  const covered = (spot: ToastSpot): number => {
    if (!avoid) return 0;
    const left = spot.side === "right" ? area.right - width : area.left;
    const x = Math.min(left + width, avoid.right) - Math.max(left, avoid.left);
    const y = Math.min(spot.top + height, avoid.bottom) - Math.max(spot.top, avoid.top);
    return x > 0 && y > 0 ? x * y : 0;
  };
  let best = spots[0];
  for (const spot of spots) {
    if (covered(spot) === 0) return spot;
    if (covered(spot) < covered(best)) best = spot;
  }
  return best;
}

export class NoticeLine {
  readonly element: HTMLElement;
  /**
   * What the view puts over its hint line: a dock that takes no room of its own (widgets.css), the
   * notice in it. With the hint scrolled out of view the notice is moved down into the part in
   * view (`toastSpot`), and follows the scrolling and the focus while it shows (CSS `sticky`
   * cannot: Jupyter's output areas clip overflow, which makes them the sticky box's scroll
   * container).
   */
  readonly dock = make("div", "xmw-notice-dock");
  private timer: ReturnType<typeof setTimeout> | null = null;
  private frame = 0;
  private following = false;
  /** The text changed since the last frame: whether it is longer than its box is to be seen. */
  private measure = false;
  private readonly onScroll = (): void => this.placeSoon();

  // 6 s: long enough to read a refusal, short enough that the hint is soon back
  constructor(private readonly hideAfterMs = 6_000) {
    this.element = make("div", "xmw-banner xmw-notice");
    this.dock.append(this.element);
    this.element.setAttribute("role", "status");
    this.element.setAttribute("aria-live", "polite");
    this.element.hidden = true;
  }

  /** Show `text` in place of the current notice; "" hides the line. `kind` styles it (refused/done). */
  show(text: string, kind: "info" | "refused" | "done" = "info"): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (!text && this.element.hidden) return; // nothing shown, nothing to hide (no DOM write)
    setText(this.element, compactNotice(text));
    this.measure = true;
    if (this.element.title !== text) this.element.title = text; // whole, where the line cuts it
    if (this.element.dataset.kind !== kind) this.element.dataset.kind = kind;
    this.element.hidden = !text;
    this.follow(!!text);
    if (text && this.hideAfterMs > 0) this.timer = setTimeout(() => this.show(""), this.hideAfterMs);
  }

  get text(): string {
    return this.element.hidden ? "" : (this.element.textContent ?? "");
  }

  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.follow(false);
  }

  /** Keep the notice in view while it shows: placed now, and again on every scroll until hidden. */
  private follow(on: boolean): void {
    if (on) this.placeSoon();
    if (on === this.following || typeof window === "undefined") return;
    this.following = on;
    // scroll events do not bubble; a capturing listener on the window sees every scroller's. A
    // focus moved to another tile may move it under the toast: focusin places it again
    if (on) {
      window.addEventListener("scroll", this.onScroll, { capture: true, passive: true });
      window.addEventListener("focusin", this.onScroll, { capture: true });
    } else {
      window.removeEventListener("scroll", this.onScroll, { capture: true });
      window.removeEventListener("focusin", this.onScroll, { capture: true });
    }
  }

  /** Place the notice before the next frame (layout is read once there, not in a key handler). */
  private placeSoon(): void {
    if (this.frame || typeof requestAnimationFrame !== "function") return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (this.element.hidden || !this.dock.isConnected) return;
      if (this.measure) {
        // a text longer than the box keeps its end in view (the newest: the save, "query done"),
        // its oldest lines are the ones cut; measured unaligned (aligned, its cut start has no height)
        this.measure = false;
        this.element.classList.remove("xmw-notice-over");
        const over = this.element.scrollHeight > this.element.clientHeight + 1;
        this.element.classList.toggle("xmw-notice-over", over);
      }
      this.place();
    });
  }

  /** Docked over the hint while it is in view; else a toast in view, off the focused tile. */
  private place(): void {
    const hidden = hiddenAbove(this.dock);
    const root = this.dock.closest(".xmw-grid-root");
    // "away" first: the toast's own size is the one to fit
    this.element.classList.toggle("xmw-notice-away", hidden > 0);
    const dock = this.dock.getBoundingClientRect();
    const widget = root?.getBoundingClientRect();
    const scroller = scrollerOf(this.dock);
    const viewBottom = scroller ? scroller.getBoundingClientRect().bottom : window.innerHeight;
    // below the pinned query bar when it shows (pin.ts): a refusal over it hid the query and
    // "candidate k of N" (800x600)
    const pin =
      root instanceof HTMLElement && root.dataset.pinned === "true" ? root.querySelector(".xmw-pin-bar") : null;
    const pinBottom = pin ? pin.getBoundingClientRect().bottom : -Infinity;
    const area = {
      left: dock.left,
      right: dock.right,
      top: Math.max(dock.top + hidden, pinBottom) + INSET,
      // never below the widget's own bottom
      bottom: Math.min(viewBottom, widget ? widget.bottom : dock.top) - INSET,
    };
    const focused = root?.querySelector(".xmw-focused")?.getBoundingClientRect() ?? null;
    const spot = toastSpot(area, this.element.offsetWidth, this.element.offsetHeight, focused);
    const shift = hidden > 0 ? Math.max(0, spot.top - dock.top) : 0;
    this.element.classList.toggle("xmw-notice-away", shift > 0);
    this.element.classList.toggle("xmw-notice-left", shift > 0 && spot.side === "left");
    this.element.style.transform = shift > 0 ? `translateY(${Math.round(shift)}px)` : "";
  }
}

/** What `n` on the last query says, instead of doing nothing. */
export function lastQueryNotice(nQueries: number, queriesDone: number, unit: UnitNames = QUERY_UNIT): string {
  if (nQueries > 0 && queriesDone >= nQueries) return `all ${nQueries} ${unit.many} done · this is the last one`;
  const left = Math.max(0, nQueries - queriesDone);
  return `this is the last ${unit.one} (${nQueries} of ${nQueries}) · ${left} not done yet · g to go to one`;
}
