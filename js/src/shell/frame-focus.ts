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

export class FrameFocus {
  private target: HTMLElement | null = null;
  private focusPending = false;
  private scrollPending = false;
  private scheduled = false;

  /** `board`: the element whose children are the tiles. */
  constructor(private readonly board: HTMLElement) {}

  /**
   * Focus `tile` (if `moveDomFocus`) and scroll it into view (if `scroll`; "nearest": not at all when
   * it is in view): the focus before the next frame when that is safe (see the module comment), at
   * once otherwise; the scroll before the next frame (in the frame's own layout).
   *
   * The scroll is always left to the frame, and decided there from the layout itself: an
   * IntersectionObserver's "in view" was a frame late, so End then Home at machine speed kept the
   * first tile out of view (its report of leaving the view had not come when Home was pressed).
   */
  move(tile: HTMLElement, moveDomFocus: boolean, scroll: boolean | "frame"): void {
    this.target = tile;
    const frames = typeof requestAnimationFrame === "function";
    const wait = frames && this.holdsKeys(document.activeElement);
    if (moveDomFocus && document.activeElement !== tile) {
      if (wait) this.focusPending = true;
      else tile.focus({ preventScroll: true });
    }
    if (scroll && typeof tile.scrollIntoView === "function") {
      if (frames) this.scrollPending = true;
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
      if (scroll) tile.scrollIntoView({ block: "nearest" });
    });
  }
}
