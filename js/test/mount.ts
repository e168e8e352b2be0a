/** A grid rendered into the document against a FakeModel, with the queries tests ask of it. */
import type { GridModel, GridOptions } from "../src/shell/shell";
import { renderGrid } from "../src/tasks/grade";
import { renderRanker } from "../src/tasks/rank";
import { FakeModel, key } from "./fixtures";

const mounted: Array<() => void> = [];

/** The render function of each task body a test can mount (`task` option of mountGrid). */
const RENDERERS = { grade: renderGrid, rank: renderRanker };
export type TaskName = keyof typeof RENDERERS;

/** Render a grid (3 columns, no image preloads, the test's clock); `unmountAll` removes it. */
export function mountGrid(
  traits: Record<string, unknown>,
  options: GridOptions,
  now: () => number,
  task: TaskName = "grade",
) {
  const model = new FakeModel({ task, ...traits });
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = RENDERERS[task](
    { model: model as unknown as GridModel, el },
    { columns: 3, preload: false, now, ...options },
  );
  mounted.push(cleanup);
  const root = el.querySelector<HTMLElement>(".xmw-grid")!;
  const tiles = () => [...el.querySelectorAll<HTMLElement>(".xmw-tile")];
  const focused = () => el.querySelector<HTMLElement>(".xmw-tile.xmw-focused");
  const press = (name: string, init: KeyboardEventInit = {}) =>
    key(document.activeElement && root.contains(document.activeElement) ? document.activeElement : root, name, init);
  const notice = () => el.querySelector<HTMLElement>(".xmw-notice")!;
  const text = (selector: string) => el.querySelector(selector)?.textContent ?? "";
  return { model, el, root, tiles, focused, press, notice, text, cleanup };
}

/** Rendered with pages served for the first requests, focus inside the widget. */
export function mountReady(
  traits: Record<string, unknown>,
  options: GridOptions,
  now: () => number,
  task: TaskName = "grade",
) {
  const grid = mountGrid(traits, options, now, task);
  grid.model.servePages();
  grid.root.focus();
  return grid;
}

/** Clean up every grid mounted so far and empty the document. */
export function unmountAll(): void {
  for (const cleanup of mounted.splice(0)) cleanup();
  document.body.replaceChildren();
}
