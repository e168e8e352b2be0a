/**
 * RelevanceGrid front end: one query above a grid of its candidates, judged from the keyboard.
 *
 * The browser never waits for the kernel: a keystroke changes the DOM in the handler and sends the
 * judgement as a custom message; the ack marks it saved. Pages come from a prefetching cache, so the
 * next query is already here when the annotator presses n. See protocol.ts for the contract.
 */

import "./grid.css";
import type { AnyModel, Initialize, Render, RenderProps } from "@anywidget/types";
import { columnsFromTops, moveFocus, nextUnjudged } from "./focus";
import { type Action, actionForKey, helpRows, hintFor, levelKeys } from "./keyboard";
import { decodeImage, isDecoded, releaseImages, renderParts, SUPPRESS } from "./media";
import { type CachedPage, PageCache, PRELOAD_IMAGES, RequestIds } from "./prefetch";
import type { BrowserMessage, KernelMessage, Page, Progress, ScaleSpec } from "./protocol";
import { type Change, JudgementState, type QueryState } from "./state";
import { buildLegend, buildTile, type TileRefs, updateTile } from "./tile";

export interface GridTraits {
  scale: ScaleSpec;
  n_queries: number;
  query_index: number;
  progress: Progress;
  annotator: string;
  show_sources: boolean;
  tile_size: number;
  error: string;
  /** Optional (protocol addition): after a grade, move focus to the next unjudged candidate. Default true. */
  advance_on_grade?: boolean;
}

export type GridModel = AnyModel<GridTraits>;

/** Knobs for tests and embedding; the widget itself uses the defaults. */
export interface GridOptions {
  /** Columns for ↑/↓ when the DOM has no layout (happy-dom, hidden widget). Default 4. */
  columns?: number;
  /** Pages kept in the cache. Default 5. */
  cacheSize?: number;
  /** Decode images of prefetched pages ahead. Default true. */
  preload?: boolean;
  /** Clock in ms. Default performance.now. */
  now?: () => number;
}

interface View {
  entry: CachedPage;
  query: QueryState;
  tiles: TileRefs[];
  byId: Map<string, TileRefs>;
  shownAt: number;
  lastJudgedAt: number | null;
}

type Timing = { event: string; ms: number };

function recordTiming(event: string, ms: number): void {
  const holder = globalThis as { __xmwTimings?: Timing[] };
  if (!holder.__xmwTimings) holder.__xmwTimings = [];
  const timings = holder.__xmwTimings;
  if (timings.length > 20000) timings.splice(0, 10000);
  timings.push({ event, ms });
}

function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Call back once the next frame is rendered: a rAF callback runs before that frame's style, layout
 * and paint, so a task posted from it runs after them (the "next paint" of Event Timing / INP).
 */
function afterNextPaint(callback: () => void): void {
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

/** Render the grid into `el`; returns the cleanup (listeners off, object URLs revoked). */
export function renderGrid(
  { model, el }: Pick<RenderProps<GridTraits>, "model" | "el">,
  options: GridOptions = {},
): () => void {
  const now = options.now ?? (() => performance.now());
  const ids = RequestIds.random();
  const send = (message: BrowserMessage): void => model.send(message);
  const cache = new PageCache(send, ids, { capacity: options.cacheSize ?? 5, preload: options.preload ?? true });
  const store = new JudgementState();
  const cleanups: Array<() => void> = [];
  let disposed = false;

  function listen<E extends Event>(target: EventTarget, type: string, handler: (event: E) => void): void {
    const wrapped = handler as EventListener;
    target.addEventListener(type, wrapped);
    cleanups.push(() => target.removeEventListener(type, wrapped));
  }
  function observe(event: string, handler: (...args: never[]) => void): void {
    model.on(event, handler as (...args: unknown[]) => void);
    cleanups.push(() => model.off(event as "msg:custom", handler as (...args: unknown[]) => void));
  }
  const scale = (): ScaleSpec =>
    model.get("scale") ?? {
      name: "",
      version: "",
      levels: [],
      flags: [],
      continuous: false,
      minimum: null,
      maximum: null,
      step: null,
    };
  const nQueries = (): number => Number(model.get("n_queries") ?? 0);

  // ---- skeleton -------------------------------------------------------------------------------
  // `xmw-grid` is the documented selector; `xmw-grid-root` stays for code written against it.
  const root = make("div", "xmw-grid xmw-grid-root");
  root.tabIndex = 0;
  root.setAttribute(SUPPRESS, "true");
  root.setAttribute("role", "application");
  root.setAttribute("aria-label", "relevance grid: press ? for keys");
  const header = make("div", "xmw-header");
  const queryBox = make("div", "xmw-query");
  queryBox.setAttribute("aria-label", "query");
  const status = make("div", "xmw-status");
  const progress = make("div", "xmw-progress");
  progress.setAttribute("aria-live", "polite");
  const nav = make("div", "xmw-nav");
  const prevButton = make("button", "xmw-prev", "‹ prev");
  const noneButton = make("button", "xmw-none-button", "none relevant");
  const nextButton = make("button", "xmw-next", "next ›");
  for (const button of [prevButton, noneButton, nextButton]) {
    button.type = "button";
    button.tabIndex = -1;
    button.setAttribute(SUPPRESS, "true");
  }
  prevButton.title = "previous query (p)";
  noneButton.title = "no candidate is relevant (x)";
  nextButton.title = "next query (n / Enter)";
  nav.append(prevButton, noneButton, nextButton);
  status.append(progress, nav);
  const hint = make("div", "xmw-hint");
  let legend = buildLegend(scale());
  header.append(queryBox, status, legend, hint);
  const errorBanner = make("div", "xmw-banner xmw-banner-error");
  errorBanner.setAttribute("role", "alert");
  const notice = make("div", "xmw-banner xmw-notice");
  notice.setAttribute("role", "status");
  const noneBanner = make("div", "xmw-banner xmw-none-relevant", "None relevant: no candidate matches this query.");
  const loading = make("div", "xmw-loading");
  const grid = make("div", "xmw-tiles");
  const help = make("div", "xmw-help");
  help.setAttribute("role", "dialog");
  help.setAttribute("aria-label", "keyboard help");
  help.tabIndex = -1;
  help.setAttribute(SUPPRESS, "true");
  for (const node of [errorBanner, notice, noneBanner, loading, help]) node.hidden = true;
  root.append(header, errorBanner, notice, noneBanner, loading, grid, help);
  el.append(root);

  let current = Math.max(0, Number(model.get("query_index") ?? 0));
  cache.current = current;
  let view: View | null = null;
  let focusIndex = 0;
  let pendingPaint: { index: number; started: number } | null = null;
  const undoWithoutEntry = new Set<number>();
  let focusItem: { query_id: string; item_id: string } | null = null;

  // ---- small views ----------------------------------------------------------------------------
  function renderProgress(): void {
    const p = model.get("progress") ?? { judged: 0, total: 0, queries_done: 0, n_queries: nQueries() };
    const n = nQueries() || p.n_queries;
    progress.textContent = `judged ${p.judged}/${p.total} · queries done ${p.queries_done}/${p.n_queries || n} · query ${current + 1}/${n}`;
    prevButton.disabled = current <= 0;
    nextButton.disabled = n > 0 && current >= n - 1;
  }
  function renderErrorTrait(): void {
    const message = model.get("error") ?? "";
    errorBanner.textContent = message;
    errorBanner.hidden = !message;
  }
  function showNotice(message: string): void {
    notice.textContent = message;
    notice.hidden = !message;
  }
  function renderNone(): void {
    const query = view?.query;
    const none = !!query?.none_relevant;
    noneBanner.hidden = !none;
    noneBanner.dataset.state = query?.noneState ?? "";
    noneButton.setAttribute("aria-pressed", none ? "true" : "false");
    root.classList.toggle("xmw-is-none-relevant", none);
  }
  function applyTileSize(): void {
    const size = Number(model.get("tile_size") ?? 240) || 240;
    root.style.setProperty("--xmw-tile-size", `${size}px`);
  }
  function toggleHelp(open: boolean): void {
    if (open) {
      const title = make("h2", "xmw-help-title", "Keys");
      const keys = make("dl", "xmw-help-keys");
      for (const [key, what] of helpRows(scale())) keys.append(make("dt", "", key), make("dd", "", what));
      const body: HTMLElement[] = [title, keys];
      const s = scale();
      if (!s.continuous && s.levels.length) {
        body.push(make("h3", "xmw-help-scale", `Scale: ${s.name}`));
        const levels = make("dl", "xmw-help-levels");
        for (const level of s.levels) {
          levels.append(
            make("dt", "", `${level.key ?? "–"}: ${level.name} (${level.value})`),
            make("dd", "", level.definition),
          );
        }
        body.push(levels);
      } else if (s.continuous) {
        body.push(
          make(
            "p",
            "",
            `Scale: ${s.name}, ${s.minimum ?? 0}–${s.maximum ?? 100} in steps of ${s.step ?? 1} (drag or Shift+←/→).`,
          ),
        );
      }
      const close = make("button", "xmw-help-close", "close (Esc)");
      close.type = "button";
      close.setAttribute(SUPPRESS, "true");
      close.addEventListener("click", () => toggleHelp(false));
      body.push(close);
      help.replaceChildren(...body);
      help.hidden = false;
      help.focus({ preventScroll: true });
    } else if (!help.hidden) {
      help.hidden = true;
      help.replaceChildren();
      focusTile(true, false);
    }
  }

  // ---- focus ----------------------------------------------------------------------------------
  function hasFocus(): boolean {
    const active = document.activeElement;
    return !!active && root.contains(active);
  }
  function focusTile(moveDomFocus: boolean, scroll: boolean): void {
    if (!view || view.tiles.length === 0) return;
    focusIndex = Math.min(Math.max(focusIndex, 0), view.tiles.length - 1);
    for (const refs of view.tiles) {
      if (refs.tile.classList.contains("xmw-focused")) {
        refs.tile.classList.remove("xmw-focused");
        refs.tile.tabIndex = -1;
      }
    }
    const tile = view.tiles[focusIndex].tile;
    tile.classList.add("xmw-focused");
    tile.tabIndex = 0;
    if (moveDomFocus) tile.focus({ preventScroll: true });
    if (scroll && typeof tile.scrollIntoView === "function") tile.scrollIntoView({ block: "nearest" });
  }
  function columns(): number {
    if (!view) return 1;
    if (grid.clientWidth > 0) {
      const tops = view.tiles.slice(0, 64).map((refs) => refs.tile.offsetTop);
      return columnsFromTops(tops, tops.length);
    }
    return options.columns ?? 4;
  }

  // ---- pages ----------------------------------------------------------------------------------
  function renderPage(entry: CachedPage, keepFocus: boolean): void {
    const hadFocus = hasFocus();
    const page: Page = entry.page;
    // Loaded into the store when it arrived; reloading here would put the page's (older) stored
    // values over acks that came in since.
    const query = store.queries.get(page.query_id) ?? store.load(page);
    const s = scale();
    const showSources = !!model.get("show_sources");
    // The old tiles go in this task (no frame in between): their images may be shown again.
    releaseImages(queryBox);
    releaseImages(grid);
    queryBox.replaceChildren(renderParts(page.query.parts, entry.urls, page.query_id));
    const tiles: TileRefs[] = [];
    const byId = new Map<string, TileRefs>();
    const fragment = document.createDocumentFragment();
    page.candidates.forEach((candidate, position) => {
      const refs = buildTile(
        candidate,
        position,
        page.candidates.length,
        s,
        entry.urls,
        showSources,
        // onBroken: front wires the broken-media flag (op "flag"); a no-op until then
        { onGrade: onSliderInput, onBest: onBestClick, onBroken: () => undefined },
      );
      const item = query.items.get(candidate.item_id);
      if (item) updateTile(refs, item, s);
      tiles.push(refs);
      byId.set(candidate.item_id, refs);
      fragment.append(refs.tile);
    });
    grid.replaceChildren(fragment);
    loading.hidden = true;
    const samePage = keepFocus && view?.query.query_id === page.query_id;
    view = {
      entry,
      query,
      tiles,
      byId,
      shownAt: samePage && view ? view.shownAt : now(),
      lastJudgedAt: samePage && view ? view.lastJudgedAt : null,
    };
    if (!samePage) {
      grid.scrollTop = 0;
      const judged = query.order.map((id) => query.items.get(id)?.relevance !== null);
      focusIndex = judged.length && judged[0] ? nextUnjudged(0, judged) : 0;
    }
    if (focusItem !== null && focusItem.query_id === query.query_id) {
      // undo went back to a query that was not cached: focus the undone candidate once it is here
      const at = query.order.indexOf(focusItem.item_id);
      if (at >= 0) focusIndex = at;
      focusItem = null;
    }
    root.dataset.queryId = page.query_id;
    root.dataset.queryIndex = String(page.index);
    renderNone();
    renderProgress();
    focusTile(hadFocus, hadFocus);
  }

  function showLoading(index: number, message = ""): void {
    const hadFocus = hasFocus(); // before the focused tile leaves the DOM
    view = null;
    queryBox.replaceChildren();
    grid.replaceChildren();
    loading.textContent = message || `loading query ${index + 1}…`;
    loading.hidden = false;
    renderNone();
    renderProgress();
    if (hadFocus) root.focus({ preventScroll: true });
  }

  function schedulePaint(): void {
    const wanted = pendingPaint;
    if (!wanted || !view || view.entry.index !== wanted.index) return;
    const images = [...grid.querySelectorAll("img"), ...queryBox.querySelectorAll("img")].slice(0, PRELOAD_IMAGES);
    // Images decoded ahead by the page cache are shown as they are: awaiting decode() again would
    // only wait for a frame. The others (not preloaded, or a page re-sent) are awaited.
    const pending = images.filter((img) => !isDecoded(img));
    void Promise.all(pending.map(decodeImage)).then(() => {
      afterNextPaint(() => {
        if (disposed || pendingPaint !== wanted || current !== wanted.index) return;
        pendingPaint = null;
        recordTiming("next-query-painted", now() - wanted.started);
      });
    });
  }

  function navigate(index: number, how: { started?: number; fromKernel?: boolean } = {}): void {
    const n = nQueries();
    if (index < 0 || (n > 0 && index >= n)) return;
    current = index;
    cache.current = index;
    if (!how.fromKernel && model.get("query_index") !== index) {
      model.set("query_index", index);
      model.save_changes();
    }
    pendingPaint = how.started !== undefined ? { index, started: how.started } : null;
    const entry = cache.get(index);
    if (entry) renderPage(entry, false);
    else {
      showLoading(index);
      cache.request(index, n);
    }
    cache.request(index + 1, n);
    cache.request(index - 1, n);
    schedulePaint();
  }

  // ---- judgements -----------------------------------------------------------------------------
  function applyChange(change: Change | null): void {
    if (!change || !view || view.query.query_id !== change.query_id) return;
    const s = scale();
    for (const itemId of change.item_ids) {
      const refs = view.byId.get(itemId);
      const item = view.query.items.get(itemId);
      if (refs && item) updateTile(refs, item, s);
    }
    if (change.none) renderNone();
  }
  function sinceLast(at: number): number {
    if (!view) return 0;
    const since = Math.max(0, Math.round(at - (view.lastJudgedAt ?? view.shownAt)));
    view.lastJudgedAt = at;
    return since;
  }
  function candidateAt(index: number) {
    return view?.entry.page.candidates[index];
  }

  function grade(position: number, relevance: number, started: number, advance: boolean): void {
    const candidate = candidateAt(position);
    if (!view || !candidate) return;
    const requestId = ids.next();
    const query = view.query;
    applyChange(store.grade(query.query_id, candidate.item_id, relevance, requestId, started));
    if (advance && model.get("advance_on_grade") !== false) {
      focusIndex = nextUnjudged(
        position,
        query.order.map((id) => query.items.get(id)?.relevance !== null),
      );
      focusTile(hasFocus(), true);
    }
    send({
      type: "grade",
      request_id: requestId,
      query_id: query.query_id,
      item_id: candidate.item_id,
      relevance,
      shown_position: candidate.shown_position,
      duration_ms: sinceLast(started),
    });
  }

  function nudge(delta: 1 | -1, started: number): void {
    const candidate = candidateAt(focusIndex);
    if (!view || !candidate) return;
    const relevance = view.query.items.get(candidate.item_id)?.relevance ?? null;
    const s = scale();
    let value: number;
    if (s.continuous) {
      const minimum = s.minimum ?? 0;
      const maximum = s.maximum ?? 100;
      const step = s.step ?? 1;
      value = relevance === null ? minimum : Math.min(maximum, Math.max(minimum, relevance + delta * step));
      value = Number(value.toFixed(10));
    } else {
      if (!s.levels.length) return;
      const at = s.levels.findIndex((level) => level.value === relevance);
      const next = at < 0 ? 0 : Math.min(s.levels.length - 1, Math.max(0, at + delta));
      value = s.levels[next].value;
    }
    if (value === relevance) return;
    grade(focusIndex, value, started, false);
  }

  function toggleBest(position: number, started: number): void {
    const candidate = candidateAt(position);
    if (!view || !candidate) return;
    const query = view.query;
    const best = !query.items.get(candidate.item_id)?.best;
    const requestId = ids.next();
    applyChange(store.pickBest(query.query_id, candidate.item_id, best, requestId, started));
    send({
      type: "pick",
      request_id: requestId,
      query_id: query.query_id,
      item_id: candidate.item_id,
      best,
      none_relevant: query.none_relevant,
      shown: [...query.order],
      shown_position: candidate.shown_position,
      duration_ms: sinceLast(started),
    });
  }

  function toggleNone(started: number): void {
    if (!view) return;
    const query = view.query;
    const none = !query.none_relevant;
    const requestId = ids.next();
    applyChange(store.setNoneRelevant(query.query_id, none, requestId, started));
    send({
      type: "pick",
      request_id: requestId,
      query_id: query.query_id,
      item_id: null,
      best: false,
      none_relevant: none,
      shown: [...query.order],
      shown_position: null,
      duration_ms: sinceLast(started),
    });
  }

  function undo(started: number): void {
    const requestId = ids.next();
    const { entry, change } = store.undo(requestId, started);
    focusItem = entry?.item_id ? { query_id: entry.query_id, item_id: entry.item_id } : null;
    if (!entry) undoWithoutEntry.add(requestId);
    else if (entry.index !== current) navigate(entry.index);
    else applyChange(change);
    if (entry?.item_id && view && view.query.query_id === entry.query_id) {
      const at = view.query.order.indexOf(entry.item_id);
      if (at >= 0) focusIndex = at;
      focusItem = null;
      focusTile(hasFocus(), true);
    }
    send({ type: "undo", request_id: requestId });
  }

  function perform(action: Action, started: number): void {
    switch (action.type) {
      case "move":
        if (!view) return;
        focusIndex = moveFocus(
          focusIndex,
          action.direction,
          view.tiles.length,
          action.direction === "up" || action.direction === "down" ? columns() : 1,
        );
        focusTile(true, true);
        return;
      case "grade":
        grade(focusIndex, action.value, started, true);
        return;
      case "nudge":
        nudge(action.delta, started);
        return;
      case "best":
        toggleBest(focusIndex, started);
        return;
      case "none-relevant":
        toggleNone(started);
        return;
      case "next":
        navigate(current + 1, { started });
        return;
      case "prev":
        navigate(current - 1);
        return;
      case "undo":
        undo(started);
        return;
      case "help":
        toggleHelp(help.hidden);
        return;
      case "close":
        toggleHelp(false);
        return;
    }
  }

  // ---- DOM events -----------------------------------------------------------------------------
  function onKeyDown(event: KeyboardEvent): void {
    const started = now();
    const action = actionForKey(event, levelKeys(scale()));
    if (!action) return;
    if (!help.hidden && action.type !== "help" && action.type !== "close") return;
    if (help.hidden && action.type === "close") return; // Escape is not ours unless help is open
    event.preventDefault();
    event.stopPropagation();
    perform(action, started);
    if (
      action.type === "grade" ||
      action.type === "nudge" ||
      action.type === "best" ||
      action.type === "none-relevant" ||
      action.type === "undo" ||
      action.type === "move"
    ) {
      recordTiming("keystroke", now() - started);
    }
  }
  function onSliderInput(itemId: string, value: number): void {
    if (!view) return;
    const position = view.query.order.indexOf(itemId);
    if (position < 0) return;
    focusIndex = position;
    focusTile(true, false);
    grade(position, value, now(), false);
  }
  function onBestClick(itemId: string): void {
    if (!view) return;
    const position = view.query.order.indexOf(itemId);
    if (position < 0) return;
    focusIndex = position;
    focusTile(true, false);
    toggleBest(position, now());
  }
  function onFocusIn(event: FocusEvent): void {
    const tile = (event.target as Element | null)?.closest?.(".xmw-tile") as HTMLElement | null;
    if (!tile || !view) return;
    const position = Number(tile.dataset.index);
    if (Number.isInteger(position) && position !== focusIndex) {
      focusIndex = position;
      focusTile(false, false);
    }
  }
  listen(root, "keydown", onKeyDown);
  listen(root, "focusin", onFocusIn);
  listen(prevButton, "click", () => navigate(current - 1));
  listen(nextButton, "click", () => navigate(current + 1, { started: now() }));
  listen(noneButton, "click", () => toggleNone(now()));

  // ---- kernel messages and traits -------------------------------------------------------------
  function onMessage(message: KernelMessage, buffers: DataView[] = []): void {
    if (disposed || !message || typeof message !== "object") return;
    if (message.type === "page") {
      const entry = cache.receive(message.page, buffers);
      const query = store.load(message.page);
      if (message.page.index === current) {
        renderPage(entry, view?.query.query_id === query.query_id);
        schedulePaint();
      }
    } else if (message.type === "ack") {
      const started = store.startedAt(message.request_id);
      const change = store.ack(message);
      applyChange(change);
      if (started !== null) recordTiming("saved", now() - started);
      showNotice("");
      if (undoWithoutEntry.delete(message.request_id) && change && change.index !== current) navigate(change.index);
    } else if (message.type === "error") {
      const requestId = message.request_id;
      if (requestId !== null) {
        const pageIndex = cache.fail(requestId);
        if (pageIndex !== null) {
          if (pageIndex === current)
            showLoading(pageIndex, `query ${pageIndex + 1} could not be loaded: ${message.message}`);
          return;
        }
        const change = store.fail(requestId, message.message);
        if (change) {
          applyChange(change);
          return;
        }
      }
      showNotice(message.message);
    }
  }
  observe("msg:custom", onMessage);
  observe("change:progress", renderProgress);
  observe("change:n_queries", renderProgress);
  observe("change:error", renderErrorTrait);
  observe("change:tile_size", applyTileSize);
  const rerender = (): void => {
    hint.textContent = hintFor(scale());
    const fresh = buildLegend(scale());
    legend.replaceWith(fresh);
    legend = fresh;
    if (view) renderPage(view.entry, true);
  };
  observe("change:scale", rerender);
  observe("change:show_sources", rerender);
  observe("change:query_index", () => {
    const index = Number(model.get("query_index") ?? 0);
    if (index !== current) navigate(index, { fromKernel: true });
  });

  // ---- start ----------------------------------------------------------------------------------
  hint.textContent = hintFor(scale());
  applyTileSize();
  renderErrorTrait();
  send({ type: "ready" });
  navigate(current, { fromKernel: true });

  return () => {
    if (disposed) return;
    disposed = true;
    for (const cleanup of cleanups.splice(0)) cleanup();
    cache.clear();
    root.remove();
  };
}

const render: Render<GridTraits> = (props) => renderGrid(props);
const initialize: Initialize<GridTraits> = () => undefined;

export default { initialize, render };
