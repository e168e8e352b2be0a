/**
 * The DOM helpers every module of the front end shares (tile.ts and media.ts too): one way to make
 * an element, one way to add a listener that the view's cleanup removes.
 */

/** A new element with a class (and text: always as text, never as HTML). */
export function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The nearest ancestor of `node` that scrolls (the notebook's panel), or null (the page scrolls). */
export function scrollerOf(node: HTMLElement): HTMLElement | null {
  for (let at = node.parentElement; at; at = at.parentElement) {
    const overflow = getComputedStyle(at).overflowY;
    if ((overflow === "auto" || overflow === "scroll") && at.scrollHeight > at.clientHeight) return at;
  }
  return null;
}

/** Pixels of `node` above the visible part of its scroller (0 when its top is in view). Reads layout. */
export function hiddenAbove(node: HTMLElement): number {
  const scroller = scrollerOf(node);
  const viewTop = scroller ? scroller.getBoundingClientRect().top : 0;
  return Math.max(0, viewTop - node.getBoundingClientRect().top);
}

/** Listeners and other undo-able set-up of one view, removed together by `dispose()`. */
export class Cleanups {
  private readonly steps: Array<() => void> = [];

  add(step: () => void): void {
    this.steps.push(step);
  }

  listen<E extends Event>(
    target: EventTarget,
    type: string,
    handler: (event: E) => void,
    options?: AddEventListenerOptions | boolean,
  ): void {
    const wrapped = handler as EventListener;
    target.addEventListener(type, wrapped, options);
    this.add(() => target.removeEventListener(type, wrapped, options));
  }

  dispose(): void {
    for (const step of this.steps.splice(0).reverse()) step();
  }
}

/**
 * Set `node`'s text only when it differs: assigning `textContent` replaces the text node even when
 * the text is the same, which makes the browser lay out and paint that box again.
 */
export function setText(node: Node, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}
