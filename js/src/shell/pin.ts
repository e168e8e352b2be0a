/**
 * The query pinned at the top of the notebook's view once the header has scrolled away: in a small
 * window (a laptop, 800x600) the focus moving down to the third row of tiles scrolls the query out
 * of sight, and the annotator grades without seeing what the candidates are judged against.
 *
 * One line: the query's text (its media as a thumbnail or "image" / "audio" / "video"), where the
 * annotator is ("candidate 9 of 20 · 8/20 judged") and the done badge. It is a copy of what the
 * header shows, takes no room in the layout (a strip of height 0 after the header, whose bar hangs
 * below it) and no pointer or focus (clicks go to what is under it), and shows only while the
 * header's query is above the view, as an IntersectionObserver reports it.
 *
 * `position: sticky` cannot do it: JupyterLab's output area is `overflow: auto` (a scroll container
 * that never scrolls), which is where a sticky box would stick. While the bar shows, a scroll
 * listener on the notebook's scroller moves it down by the part of the widget hidden above the
 * view (one rectangle read per scroll event, when layout is clean anyway).
 */

import { make, scrollerOf, setText } from "./dom";
import type { Part } from "./protocol";

/** Length of the query's text in the bar (the bar cuts it with an ellipsis anyway). */
const MAX_TEXT = 300;

/** One line for a query: its text parts, and the kinds of its media parts with no text. */
export function querySummary(parts: readonly Part[]): string {
  const texts = parts.filter((p) => p.kind === "text" && p.text).map((p) => (p.text ?? "").trim());
  const media = parts.filter((p) => p.kind !== "text").map((p) => p.kind);
  const text = texts.join(" · ").replace(/\s+/g, " ");
  const summary = text || (media.length ? `${media.join(" + ")} query` : "");
  return summary.length > MAX_TEXT ? `${summary.slice(0, MAX_TEXT - 1)}…` : summary;
}

export class QueryPin {
  /** The strip (height 0), a child of the widget's root right after the header. */
  readonly element = make("div", "xmw-pin");
  private readonly bar = make("div", "xmw-pin-bar");
  private readonly thumb = make("span", "xmw-pin-thumb");
  private readonly query = make("span", "xmw-pin-query");
  private readonly where = make("span", "xmw-pin-where");
  private readonly observer: IntersectionObserver | null = null;
  private readonly resizes: ResizeObserver | null = null;
  private scroller: HTMLElement | Window | null = null;
  private readonly follow = (): void => this.place();

  /** `root`: gets `data-pinned` ("true" while the bar shows); `watched`: the header's query box. */
  constructor(
    private readonly root: HTMLElement,
    watched: HTMLElement,
  ) {
    // a copy of the header for the eyes; screen readers have the header's live regions
    this.element.setAttribute("aria-hidden", "true");
    this.bar.append(this.thumb, this.query, this.where);
    this.element.append(this.bar);
    root.dataset.pinned = "false";
    if (typeof IntersectionObserver === "function") {
      this.observer = new IntersectionObserver((entries) => {
        const entry = entries[entries.length - 1];
        if (entry) this.pin(isAbove(entry));
      });
      this.observer.observe(watched);
    }
    // the header grows without a scroll (the query's note box opens in it, 140 px): the bar moved
    // with the strip under it, into the middle of the view, until the next scroll
    if (typeof ResizeObserver === "function") {
      this.resizes = new ResizeObserver(() => {
        if (this.root.dataset.pinned === "true") this.place();
      });
      this.resizes.observe(watched.parentElement ?? watched);
    }
  }

  /** Show the bar (the query is above the view) or hide it. */
  pin(on: boolean): void {
    const value = on ? "true" : "false";
    if (this.root.dataset.pinned === value) return;
    this.root.dataset.pinned = value;
    if (on) {
      const scroller = scrollerOf(this.root) ?? window;
      this.scroller = scroller;
      scroller.addEventListener("scroll", this.follow, { passive: true });
      this.place();
    } else this.unfollow();
  }

  /** Move the bar to the top of the view: down by what of the widget is hidden above it. */
  private place(): void {
    const scroller = this.scroller;
    if (!scroller || !this.root.isConnected) return;
    const viewTop = scroller instanceof HTMLElement ? scroller.getBoundingClientRect().top : 0;
    const strip = this.element.getBoundingClientRect();
    const bottom = this.root.getBoundingClientRect().bottom;
    // at the view's top, where the tiles' scroll-margin-top leaves it room, also while the header's
    // last lines (hint, legend) are still in view and the strip under them (offset < 0); not below
    // the widget's last row
    const offset = Math.min(viewTop - strip.top, bottom - strip.top - this.bar.offsetHeight);
    this.bar.style.transform = `translateY(${Math.round(offset)}px)`;
  }

  private unfollow(): void {
    this.scroller?.removeEventListener("scroll", this.follow);
    this.scroller = null;
  }

  /** The query on screen: its summary and the first image of `queryBox` (its URL, shared). */
  showQuery(parts: readonly Part[], queryBox: HTMLElement): void {
    setText(this.query, querySummary(parts));
    const image = queryBox.querySelector<HTMLImageElement>("img.xmw-image");
    this.thumb.replaceChildren();
    if (image?.src) {
      const copy = make("img", "xmw-pin-image");
      copy.alt = "";
      copy.decoding = "async";
      copy.src = image.src;
      this.thumb.append(copy);
    }
  }

  /** Where the annotator is, as the header says it, and its done badge (empty: none). */
  showWhere(position: string, done: string): void {
    setText(this.where, done ? `${position} · ${done}` : position);
  }

  dispose(): void {
    this.observer?.disconnect();
    this.resizes?.disconnect();
    this.unfollow();
  }
}

/** Whether an observed element is out of view above (scrolled past), not below or in view. */
function isAbove(entry: IntersectionObserverEntry): boolean {
  if (entry.isIntersecting) return false;
  const viewTop = entry.rootBounds?.top ?? 0;
  const viewBottom = entry.rootBounds?.bottom ?? window.innerHeight;
  // clipped by the notebook's scroller, the box can be under the toolbar (still inside the page's
  // view): above the middle of the view means it left at the top
  return entry.boundingClientRect.bottom < (viewTop + viewBottom) / 2;
}
