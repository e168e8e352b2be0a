/**
 * Moving the keyboard focus between tiles without laying the page out in the key handler.
 *
 * `focus()` brings the whole document's style up to date and `scrollIntoView` lays it out, at once,
 * in the handler of the key that moved the focus (in JupyterLab 2-5 ms each, more right after a new
 * page's tiles went into the DOM). Both can wait for the frame, which lays the page out anyway:
 * while the DOM focus is on a tile of the board or on the widget's root, keys pressed meanwhile still
 * reach the root's key handler, so nothing typed in between goes elsewhere. From anywhere else (a
 * player's own controls, a text box, outside the widget) the focus moves at once.
 */

/**
 * Tiles that are fully in view, as an IntersectionObserver last saw them: a tile in view needs no
 * scrollIntoView. Unknown (no observer yet, or not reported) counts as not in view.
 */
export class InView {
  private readonly seen = new WeakSet<Element>();
  private readonly observer: IntersectionObserver | null;

  constructor() {
    this.observer =
      typeof IntersectionObserver === "function"
        ? new IntersectionObserver(
            (entries) => {
              for (const entry of entries) {
                if (entry.isIntersecting && entry.intersectionRatio >= 0.999) this.seen.add(entry.target);
                else this.seen.delete(entry.target);
              }
            },
            { threshold: [0, 0.999] },
          )
        : null;
  }

  watch(tile: Element): void {
    this.observer?.observe(tile);
  }

  unwatchAll(): void {
    this.observer?.disconnect();
  }

  has(tile: Element): boolean {
    return this.seen.has(tile);
  }
}

export class FrameFocus {
  readonly inView = new InView();
  private target: HTMLElement | null = null;
  private focusPending = false;
  private scrollPending = false;
  private scheduled = false;

  /** `board`: the element whose children are the tiles. */
  constructor(private readonly board: HTMLElement) {}

  /**
   * Focus `tile` (if `moveDomFocus`) and scroll it into view (if `scroll` and it is not fully in view):
   * before the next frame when that is safe (see the module comment), at once otherwise.
   */
  move(tile: HTMLElement, moveDomFocus: boolean, scroll: boolean | "frame"): void {
    this.target = tile;
    const wait = typeof requestAnimationFrame === "function" && this.holdsKeys(document.activeElement);
    if (moveDomFocus && document.activeElement !== tile) {
      if (wait) this.focusPending = true;
      else tile.focus({ preventScroll: true });
    }
    if (scroll && typeof tile.scrollIntoView === "function" && !this.inView.has(tile)) {
      if (wait || (scroll === "frame" && typeof requestAnimationFrame === "function")) this.scrollPending = true;
      else tile.scrollIntoView({ block: "nearest" });
    }
    if (this.focusPending || this.scrollPending) this.schedule();
  }

  /** Whether the DOM focus on `node` sends keys to the widget's key handler (a tile, or the root). */
  private holdsKeys(node: Element | null): boolean {
    if (!node) return false;
    if (node.parentElement === this.board && node.classList.contains("xmw-tile")) return true;
    return node.classList.contains("xmw-grid-root") && node.contains(this.board);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      const tile = this.target;
      const focus = this.focusPending;
      const scroll = this.scrollPending;
      this.focusPending = false;
      this.scrollPending = false;
      if (!tile?.isConnected) return;
      // not if the DOM focus left the tiles and the root meanwhile (a click elsewhere): not ours to take
      if (focus && document.activeElement !== tile && this.holdsKeys(document.activeElement)) {
        tile.focus({ preventScroll: true });
      }
      if (scroll && !this.inView.has(tile)) tile.scrollIntoView({ block: "nearest" });
    });
  }
}
