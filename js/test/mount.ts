/** A grid rendered into the document against a FakeModel, with the queries tests ask of it. */
import type { GridModel, GridOptions } from "../src/shell/shell";
import { renderGrid } from "../src/tasks/grade";
import { renderPair } from "../src/tasks/pair";
import { FakeModel, key } from "./fixtures";

const mounted: Array<() => void> = [];

/** The task bodies a test can mount (the kernel's `task` trait -> its renderer). */
const RENDERERS = { grade: renderGrid, pair: renderPair };

/** GridOptions, plus which task to mount (default: the grading task). */
export type MountOptions = GridOptions & { task?: keyof typeof RENDERERS };

/** Render a grid (3 columns, no image preloads, the test's clock); `unmountAll` removes it. */
export function mountGrid(traits: Record<string, unknown>, options: MountOptions, now: () => number) {
  const { task = "grade", ...gridOptions } = options;
  const model = new FakeModel({ task, ...traits });
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = RENDERERS[task](
    { model: model as unknown as GridModel, el },
    { columns: 3, preload: false, now, ...gridOptions },
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
export function mountReady(traits: Record<string, unknown>, options: MountOptions, now: () => number) {
  const grid = mountGrid(traits, options, now);
  grid.model.servePages();
  grid.root.focus();
  return grid;
}

/** Clean up every grid mounted so far and empty the document. */
export function unmountAll(): void {
  for (const cleanup of mounted.splice(0)) cleanup();
  document.body.replaceChildren();
}
