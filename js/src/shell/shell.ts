/**
 * The shell every task body plugs into: one query above the task's body, judged from the keyboard.
 *
 * The browser never waits for the kernel: a keystroke changes the DOM in the handler and the
 * judgement joins a `judge` batch (batch.ts); the batch's ack goes to the body, which adopts the
 * stored states and shows the kernel's notices. Pages come from a prefetching cache (3 ahead, 1
 * behind), and keys pressed while a page is still loading wait for it and are applied in order
 * when it is here; so do keys pressed while the body awaits an ack (`TaskBody.awaitingAck`). See
 * protocol.ts for the messages and task.ts for what a body provides.
 *
 * The shell's parts: header.ts (query, position, progress, done, banners), notices.ts, goto.ts,
 * help.ts, typeahead.ts (keys waiting for a page), media-keys.ts, activity.ts (active time), batch.ts,
 * prefetch.ts (pages), prefetch-plan.ts (how far ahead), query-index.ts (the query_index trait), timing.ts, paint-timing.ts, dom.ts,
 * rubric.ts; the task bodies are in js/src/tasks/.
 */

import type { AnyModel, RenderProps } from "@anywidget/types";
import { ActiveClock, watchAttention } from "./activity";
import { JudgeBatcher, SLOW_ACK_MS } from "./batch";
import { Cleanups, hiddenAbove } from "./dom";
import { GoToBox, resolveGoTo } from "./goto";
import { Banners, Header, makeRoot, QUERY_UNIT } from "./header";
import { HelpOverlay } from "./help";
import { type Action, keyAction } from "./keyboard";
import { releaseImages, releaseMedia, renderParts } from "./media";
import { mediaKey, onePlayerAtATime, reclaimFocusFromMedia } from "./media-keys";
import { lastQueryNotice, NoticeLine } from "./notices";
import { PaintTiming } from "./paint-timing";
import { QueryPin } from "./pin";
import { type CachedPage, PageCache, RequestIds } from "./prefetch";
import { pagesAhead, prefetchAround } from "./prefetch-plan";
import {
  type BrowserMessage,
  EMPTY_SCALE,
  type GridTraits,
  type KernelMessage,
  type Progress,
  type ScaleSpec,
} from "./protocol";
import { QueryIndexSync } from "./query-index";
import type { ShellContext, TaskFactory } from "./task";
import { recordTiming } from "./timing";
import { LoadingLine, TypeAhead, WAITS_FOR_PAGE } from "./typeahead";

export type { GridTraits } from "./protocol";
export type GridModel = AnyModel<GridTraits>;

/** Knobs for tests and embedding; the widget itself uses the defaults. */
export interface GridOptions {
  /** Columns for ↑/↓ when the DOM has no layout (happy-dom, hidden widget). Default 4. */
  columns?: number;
  /** Pages kept in the cache: the one on screen, 3 ahead, 1 behind, and 2 more. Default 7. */
  cacheSize?: number;
  /** Decode images of prefetched pages ahead. Default true. */
  preload?: boolean;
  /** Clock in ms. Default performance.now. */
  now?: () => number;
  /** A notice hides after this many ms (0: never). Default 10 000. */
  noticeMs?: number;
}

/** Whether `element` takes typed text (the go-to box, a note box). */
function isTextField(element: Element | null): boolean {
  return element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement;
}

/** Shell actions the benchmarks time as "keystroke" (the body adds its own). */
const TIMED = new Set<Action["type"]>(["move", "undo"]);
/** Candidates a page is taken to hold until the first page says (it sets how far to prefetch). */
const CANDIDATES_GUESS = 12;

/** Render the shell with the body `createBody` into `el`; returns the cleanup (listeners off, object URLs revoked). */
export function renderShell(
  { model, el }: Pick<RenderProps<GridTraits>, "model" | "el">,
  createBody: TaskFactory,
  options: GridOptions = {},
): () => void {
  const now = options.now ?? (() => performance.now());
  const ids = RequestIds.random();
  const send = (message: BrowserMessage): void => model.send(message);
  const cache = new PageCache(send, ids, { capacity: options.cacheSize ?? 7, preload: options.preload ?? true });
  // root.dataset.unsaved: judgements not acknowledged yet (tests and benchmarks wait on "0")
  const batcher = new JudgeBatcher(
    send,
    (count) => {
      if (root.dataset.unsaved !== String(count)) root.dataset.unsaved = String(count);
    },
    // a kernel busy with a long cell, or stopped: say it, keep the judgements waiting
    (count) =>
      count
        ? banners.showError(
            `${count} judgement${count === 1 ? "" : "s"} not saved yet: the kernel has not answered for ` +
              `${Math.round(SLOW_ACK_MS / 1000)} s (is a cell running, or did the kernel stop?). ` +
              "They are saved when it answers; nothing typed is lost while this page stays open.",
          )
        : renderErrorTrait(),
  );
  const clock = new ActiveClock();
  const cleanups = new Cleanups();
  let disposed = false;

  const observe = (event: string, handler: (...args: never[]) => void): void => {
    model.on(event, handler as (...args: unknown[]) => void);
    cleanups.add(() => model.off(event as "msg:custom", handler as (...args: unknown[]) => void));
  };
  const scale = (): ScaleSpec => model.get("scale") ?? EMPTY_SCALE;
  const nQueries = (): number => Number(model.get("n_queries") ?? 0);

  // ---- skeleton -------------------------------------------------------------------------------
  const root = makeRoot(`${model.get("task") || "grade"} widget: press ? for keys`);
  const notices = new NoticeLine(options.noticeMs);
  /** Keys pressed while the page on screen was loading, applied in order when it arrives. */
  const typed = new TypeAhead();
  const loading = new LoadingLine(typed);
  const goTo = new GoToBox(
    (text) => resolveGoTo(text, nQueries(), knownIds()),
    // after the keys still waiting for a page, if any: they were typed first
    (index) => (typed.size ? typed.push({ type: "jump", index }, now()) : navigate(index, { started: now() })),
    () => focusBody(true, false),
  );
  const header = new Header(goTo);
  const pin = new QueryPin(root, header.queryBox);
  header.pin = pin;
  const banners = new Banners();
  const help = new HelpOverlay(() => focusBody(true, false));

  let current = Math.max(0, Number(model.get("query_index") ?? 0));
  cache.current = current;
  let shown: CachedPage | null = null;
  let progress: Progress = model.get("progress") ?? { judged: 0, total: 0, queries_done: 0, n_queries: 0 };
  let focusItem: { query_id: string; item_id: string } | null = null;
  /** Query ids of the pages seen, for `g` when the kernel does not send the whole list. */
  const seenIds = new Map<string, number>();
  /** Candidates of the last page that arrived (sets how far ahead pages are asked for). */
  let candidatesPerPage = CANDIDATES_GUESS;
  const queryIndex = new QueryIndexSync(model);
  const paint = new PaintTiming(now, () => !disposed);

  /**
   * Whether the keys are the widget's: the focus is inside it, and not in one of its text boxes
   * (go to, a note). While the annotator types in a box, nothing that happens meanwhile (a page
   * arriving, keys typed ahead being applied) may move the focus, or the rest of what they type
   * would become keys of the grid.
   */
  const hasFocus = (): boolean => {
    const active = document.activeElement;
    return !!active && root.contains(active) && !isTextField(active);
  };
  const context: ShellContext = {
    model,
    root,
    batcher,
    clock,
    ids,
    now,
    scale,
    current: () => current,
    hasFocus,
    refresh: () => {
      renderHeader();
      renderNone();
    },
    goTo: (index, item, started) => {
      focusItem = item;
      navigate(index, started === undefined ? {} : { started });
    },
    notice: (text, kind) => notices.show(text, kind),
    act: (action) => {
      const started = now();
      if (typed.size || keysWait()) typed.push(action, started);
      else perform(action, started);
    },
    fallbackColumns: options.columns ?? 4,
  };
  const body = createBody(context);
  const unit = body.unit ?? QUERY_UNIT;
  header.unit = unit;
  loading.unit = unit;
  const timed = new Set([...TIMED, ...body.timed]);
  if (body.headerElement) header.queryBox.after(body.headerElement);
  if (body.whereElement) header.where.append(body.whereElement);
  // notices over the key hint: room the header has anyway, under the annotator's eyes and over no tile
  header.hintSlot.append(notices.dock);
  root.append(header.element, pin.element, banners.error);
  // "none relevant" in the status row, whose height it keeps: a banner of its own under the
  // header pushed every tile down by its height when x was pressed (and up again)
  header.done.after(banners.none);
  root.append(loading.element, body.element, help.element);
  el.append(root);

  // ---- small views ----------------------------------------------------------------------------
  function knownIds(): Map<string, number> {
    const known = new Map<string, number>();
    for (const [index, id] of (model.get("goto_query_ids") ?? []).entries()) known.set(String(id), index);
    for (const [id, index] of seenIds) known.set(id, index);
    return known;
  }
  function renderHeader(): void {
    const n = nQueries() || progress.n_queries;
    header.showProgress(progress, current, n);
    const position = body.ready ? body.position() : null;
    header.showPosition(position, n > 0 && progress.queries_done >= n);
    root.classList.toggle("xmw-is-query-done", !!position?.done);
  }
  const renderErrorTrait = (): void => banners.showError(model.get("error") ?? "");
  function renderNone(): void {
    const mark = body.ready ? body.none() : null;
    const none = !!mark?.on;
    banners.showNone(none, mark?.state ?? "");
    header.showNone(none);
    header.noneButton.hidden = !body.noneButton;
    root.classList.toggle("xmw-is-none-relevant", none);
  }
  const applyTileSize = (): void =>
    root.style.setProperty("--xmw-tile-size", `${Number(model.get("tile_size") ?? 240) || 240}px`);
  // the levels only where candidates are graded on them (TaskKeys.usesScale)
  const levels = (): ScaleSpec | null => (body.keys.usesScale === false ? null : scale());
  const showScale = (): void => header.showScale(levels(), body.keys.hint(scale()));
  // ---- focus ----------------------------------------------------------------------------------
  function focusBody(moveDomFocus: boolean, scroll: boolean | "frame"): void {
    body.focus(moveDomFocus, scroll);
    if (moveDomFocus && !body.ready) root.focus({ preventScroll: true });
    renderHeader();
  }

  // ---- pages ----------------------------------------------------------------------------------
  function renderPage(entry: CachedPage, keepFocus: boolean): void {
    const began = now();
    const hadFocus = hasFocus();
    const page = entry.page;
    const samePage = keepFocus && shown?.page.query_id === page.query_id;
    // Hand the DOM focus to the root while the old page's style is still clean (cheap), before its
    // focused tile leaves the DOM: the new page's tile then takes it in the frame (frame-focus.ts),
    // instead of a focus() that would lay the new page out in this key handler.
    if (hadFocus && !samePage && document.activeElement !== root && body.element.contains(document.activeElement)) {
      root.focus({ preventScroll: true });
    }
    // The old tiles go in this task (no frame in between): their images may be shown again.
    releaseImages(header.queryBox);
    releaseImages(body.element);
    releaseMedia(header.queryBox);
    releaseMedia(body.element);
    header.queryBox.replaceChildren(renderParts(page.query.parts, entry.urls, page.query_id));
    pin.showQuery(page.query.parts, header.queryBox);
    header.showConcepts(page.concepts ?? []);
    body.show(entry, samePage);
    loading.hide();
    shown = entry;
    const toItem = focusItem !== null && focusItem.query_id === page.query_id;
    if (focusItem !== null && focusItem.query_id === page.query_id) {
      // undo went back to a query that was not cached: focus the undone candidate once it is here
      body.focusItem(focusItem.item_id);
      focusItem = null;
    }
    root.dataset.queryId = page.query_id;
    root.dataset.queryIndex = String(page.index);
    renderNone();
    focusBody(hadFocus, hadFocus && "frame");
    // a new query whose header would be out of view (the last one was scrolled down to its last
    // tiles): bring the widget's top into view, so that the query is read before it is judged
    if (!samePage && hadFocus && !toItem) showTopSoon(); // (undo shows its candidate instead)
    // the page's DOM built and focused, in this task (the rest of "next-query-painted" is the frame)
    if (!samePage) recordTiming("page-built", now() - began);
    if (!samePage) applyTyped();
  }

  let topFrame = 0;
  function showTopSoon(): void {
    if (topFrame || typeof requestAnimationFrame !== "function") return;
    topFrame = requestAnimationFrame(() => {
      topFrame = 0;
      // read in the frame, which lays the new page out anyway
      if (!disposed && root.isConnected && hiddenAbove(root) > 0) root.scrollIntoView({ block: "start" });
    });
  }

  function showLoading(index: number): void {
    const hadFocus = hasFocus(); // before the focused tile leaves the DOM
    shown = null;
    releaseMedia(header.queryBox);
    releaseMedia(body.element);
    header.queryBox.replaceChildren();
    pin.showQuery([], header.queryBox);
    header.showConcepts([]);
    body.clear();
    loading.show(index);
    renderNone();
    renderHeader();
    if (hadFocus) root.focus({ preventScroll: true });
  }

  function schedulePaint(): void {
    paint.check(
      shown?.index ?? null,
      () => current,
      () => [...body.element.querySelectorAll("img"), ...header.queryBox.querySelectorAll("img")],
    );
  }

  function navigate(index: number, how: { started?: number; fromKernel?: boolean } = {}): void {
    const n = nQueries();
    if (index < 0 || (n > 0 && index >= n)) return;
    notices.show("");
    current = index;
    cache.current = index;
    if (!how.fromKernel) queryIndex.moved(index);
    paint.expect(index, how.started);
    const entry = cache.get(index);
    if (entry) renderPage(entry, false);
    else {
      showLoading(index);
      cache.request(index, n);
    }
    prefetchAround(cache, index, n, candidatesPerPage);
    schedulePaint();
  }

  /** n / p / g past the ends: say so instead of doing nothing. */
  function step(delta: 1 | -1, started: number): void {
    const n = nQueries();
    const target = current + delta;
    if (target >= 0 && (n === 0 || target < n)) {
      navigate(target, delta > 0 ? { started } : {});
    } else {
      notices.show(
        delta > 0 ? lastQueryNotice(n, progress.queries_done, unit) : `this is the first ${unit.one}`,
        "done",
      );
    }
  }

  function perform(action: Action, started: number): void {
    switch (action.type) {
      case "next":
        step(1, started);
        return;
      case "prev":
        step(-1, started);
        return;
      case "play":
      case "seek": {
        const seconds = action.type === "seek" ? action.seconds : null;
        const target = body.mediaTarget();
        const problem = mediaKey(target.element, target.index, seconds, body.element);
        if (problem) notices.show(problem);
        return;
      }
      case "goto":
        goTo.open();
        return;
      case "jump":
        navigate(action.index, { started });
        return;
      case "help":
        help.toggle(levels(), body.keys.helpRows(scale()));
        return;
      case "close":
        help.close();
        return;
      default:
        body.perform(action, started);
    }
  }

  /** Whether a key typed now waits (in `typed`): its page is loading, or the body awaits an ack. */
  const keysWait = (): boolean => (!body.ready && !loading.failed) || !!body.awaitingAck;

  /**
   * Apply the keys typed while the page loaded or the body awaited an ack; stop again if one of
   * them leads to a page not here, or to another wait.
   */
  function applyTyped(): void {
    typed.apply(perform, () => !keysWait());
    if (!body.ready && !loading.failed) loading.show(current);
  }

  // ---- DOM events -----------------------------------------------------------------------------
  function onKeyDown(event: KeyboardEvent): void {
    const started = now();
    const action = keyAction(event, (e) => body.keys.action(e, scale()));
    if (!action) return;
    if (help.isOpen && action.type !== "help" && action.type !== "close") {
      // the key is ours and does nothing: Space does not scroll the notebook, no letter reaches
      // Jupyter, and it says so inside the help (which covers the notice line)
      event.preventDefault();
      event.stopPropagation();
      help.refuse(event.key);
      return;
    }
    if (!help.isOpen && action.type === "close") return; // Escape is not ours unless help is open
    event.preventDefault();
    event.stopPropagation();
    if (WAITS_FOR_PAGE.has(action.type) && keysWait()) {
      typed.push(action, started);
      if (!body.ready && !loading.failed) loading.show(current);
      return;
    }
    perform(action, started);
    if (timed.has(action.type)) recordTiming("keystroke", now() - started);
  }
  cleanups.listen(root, "keydown", onKeyDown);
  // a click moved the focus to a tile: show it there (and b follows it)
  cleanups.listen(root, "focusin", (event) => {
    if (body.ready && body.focusFrom(event.target as Element | null)) focusBody(false, false);
  });
  watchAttention(root, clock, cleanups, now);
  onePlayerAtATime(root, cleanups);
  reclaimFocusFromMedia(root, cleanups, (tile) => {
    if (disposed || !tile.isConnected) return;
    body.focusFrom(tile);
    focusBody(true, false);
  });
  cleanups.listen(header.prevButton, "click", () => step(-1, now()));
  cleanups.listen(header.nextButton, "click", () => step(1, now()));
  cleanups.listen(header.noneButton, "click", () => body.noneButton?.(now()));

  // ---- kernel messages and traits -------------------------------------------------------------
  function onMessage(message: KernelMessage, buffers: DataView[] = []): void {
    if (disposed || !message || typeof message !== "object") return;
    if (message.type === "page") {
      if (cache.isStale(message.request_id)) return; // built before its query changed
      const entry = cache.receive(message.page, buffers);
      body.load(message.page);
      seenIds.set(message.page.query_id, message.page.index);
      const ahead = pagesAhead(candidatesPerPage);
      candidatesPerPage = message.page.candidates.length;
      // the first pages asked for assumed CANDIDATES_GUESS candidates a page: pages of fewer are
      // judged faster, so ask for the rest of their window now, while the annotator reads the first
      if (pagesAhead(candidatesPerPage) > ahead) prefetchAround(cache, current, nQueries(), candidatesPerPage);
      if (message.page.index === current) {
        renderPage(entry, shown?.page.query_id === message.page.query_id);
        schedulePaint();
      }
    } else if (message.type === "ack") {
      body.ack(message);
      progress = message.progress ?? progress;
      renderHeader();
      if (typed.size) applyTyped(); // keys that awaited this ack
    } else if (message.type === "invalidate") {
      // "all": the kernel read the store again (refresh()); else the pages that got new candidates
      const indices = message.indices === "all" ? cache.indices() : (message.indices ?? []);
      if (message.indices === "all") body.forget?.();
      for (const index of indices) cache.drop(index);
      // the page on screen comes again with its new state (shown in place, focus kept)
      if (message.indices === "all" || indices.includes(current)) cache.request(current, nQueries());
    } else if (message.type === "error") {
      const requestId = message.request_id;
      const pageIndex = requestId === null ? null : cache.fail(requestId);
      if (pageIndex !== null) {
        if (pageIndex === current) loading.fail(pageIndex, message.message);
        return;
      }
      body.error(requestId, message.message);
      if (typed.size) applyTyped();
    }
  }
  observe("msg:custom", onMessage);
  observe("change:progress", () => {
    progress = model.get("progress") ?? progress;
    renderHeader();
  });
  observe("change:n_queries", renderHeader);
  observe("change:error", renderErrorTrait);
  observe("change:tile_size", applyTileSize);
  const rerender = (): void => {
    showScale();
    if (shown) renderPage(shown, true);
  };
  observe("change:scale", rerender);
  observe("change:show_sources", rerender);
  observe("change:query_index", () => {
    const index = queryIndex.changed(current); // null: an echo of our own move, or here already
    if (index !== null) navigate(index, { fromKernel: true });
  });

  // ---- start ----------------------------------------------------------------------------------
  showScale();
  applyTileSize();
  renderErrorTrait();
  renderNone();
  send({ type: "ready" });
  navigate(current, { fromKernel: true });

  return () => {
    if (disposed) return;
    disposed = true;
    queryIndex.flush();
    batcher.dispose();
    cleanups.dispose();
    notices.dispose();
    pin.dispose();
    releaseMedia(root); // before their URLs are revoked
    cache.clear();
    root.remove();
  };
}
