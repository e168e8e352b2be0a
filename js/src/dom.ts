/** The one DOM helper the front end shares: an element with its class and, optionally, its text. */

/** `document.createElement(tag)` with `className` and (as text, never HTML) `text`. */
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
