/**
 * The contract between the shell and a task body (js/src/tasks/<task>/).
 *
 * The shell owns what every task shares: the query header (query, position, progress, done cue),
 * banners and notices, the page cache with prefetch, keys typed ahead of their page, the go-to box,
 * the help overlay, media keys, active time, and the judge batcher (one message in flight; its ack
 * settles it). A body owns the candidates area under the header, its own keys, its optimistic state
 * and how an ack's stored states are adopted. Data flows one way: key -> body -> batcher -> kernel
 * -> ack -> body (adopts what was stored) -> DOM.
 */

import type { AnyModel } from "@anywidget/types";
import type { ActiveClock } from "./activity";
import type { JudgeBatcher } from "./batch";
import type { Position, UnitNames } from "./header";
import type { Action, KeyLike } from "./keyboard";
import type { CachedPage, RequestIds } from "./prefetch";
import type { GridTraits, KernelMessage, Page, ScaleSpec } from "./protocol";

export type Ack = Extract<KernelMessage, { type: "ack" }>;
export type NoticeKind = "info" | "refused" | "done";

/** What the shell lends a body. */
export interface ShellContext {
  readonly model: AnyModel<GridTraits>;
  /** The widget's root element (focusable; owns the keys). */
  readonly root: HTMLElement;
  readonly batcher: JudgeBatcher;
  readonly clock: ActiveClock;
  readonly ids: RequestIds;
  now(): number;
  scale(): ScaleSpec;
  /** Index of the query on screen (or loading). */
  current(): number;
  /** Whether the DOM focus is inside the widget. */
  hasFocus(): boolean;
  /** Re-render the header's position, done state and none-relevant banner (after a change). */
  refresh(): void;
  /** Go to query `index`, focusing `item` once it is shown; `started`: time the key that asked
   * for it (as n is), when it is the next query. */
  goTo(index: number, item: { query_id: string; item_id: string } | null, started?: number): void;
  notice(text: string, kind?: NoticeKind): void;
  /**
   * An action the mouse asked for (a tile dropped): performed now, or, while keys typed before it
   * wait (a page loading, an ack awaited), queued behind them, so that keys and drops apply in
   * the order they were made.
   */
  act(action: Action): void;
  /** Columns for ↑/↓ when the DOM has no layout (happy-dom, hidden widget). */
  readonly fallbackColumns: number;
}

/** A task's keys: its own actions first, then the shell's commands (keyboard.ts). */
export interface TaskKeys {
  /** The task's action for a key press, or null to let the shell map it. */
  action(event: KeyLike, scale: ScaleSpec): Action | null;
  /** The always-visible one-line hint. */
  hint(scale: ScaleSpec): string;
  /** Rows of the `?` overlay: [keys, what they do]. */
  helpRows(scale: ScaleSpec): Array<[string, string]>;
  /** Whether candidates are judged on the scale's levels (grading: default): only then do the
   * header's legend and the help show the levels (in a picker, digits pick tiles). */
  readonly usesScale?: boolean;
}

/** The body of one task under the shell's header. */
export interface TaskBody {
  /** The candidates area; the shell places it under the header. */
  readonly element: HTMLElement;
  /** Optional: a line the shell places in the header under the query (the query's own marks). */
  readonly headerElement?: HTMLElement;
  /** Optional: marks of the query the shell places in the status row's first line (one line). */
  readonly whereElement?: HTMLElement;
  readonly keys: TaskKeys;
  /** A page arrived (it may be a prefetched one, not on screen): take its stored state. */
  load(page: Page): void;
  /** Show `entry`; `samePage`: the query on screen is shown again (scale change, late page). */
  show(entry: CachedPage, samePage: boolean): void;
  /** The page on screen is gone (its next one is loading). */
  clear(): void;
  /** Whether a page is on screen. */
  readonly ready: boolean;
  /**
   * Whether the keys typed now must wait for an ack: the body sent something whose outcome it
   * cannot foresee and the next keys act on (the Ranker's undo of a saved ranking: which ranking
   * comes back, and on which query, only the kernel knows). The shell keeps them in order, as it
   * does while a page loads, and applies them once an ack or an error has cleared it.
   */
  readonly awaitingAck?: boolean;
  /** Perform a key's action; the shell has already handled navigation, media, help and go-to. */
  perform(action: Action, started: number): void;
  /** Actions the body takes that the benchmarks time as "keystroke". */
  readonly timed: ReadonlySet<Action["type"]>;
  /** The ack of one judge batch. */
  ack(message: Ack): void;
  /** An error for a judge request (or for none). */
  error(requestId: number | null, message: string): void;
  /** Where the annotator is, for the header ("candidate 3 of 12 · 7/12 judged"); null: nothing shown. */
  position(): Position | null;
  /** The query's "none relevant" mark and its save state, or null when the task has none. */
  none(): { on: boolean; state: string } | null;
  /** Focus the body's current element (DOM focus too when `moveDomFocus`). */
  focus(moveDomFocus: boolean, scroll: boolean | "frame"): void;
  /** A click or tab moved the DOM focus to `target`: follow it; true when it is the body's. */
  focusFrom(target: Element | null): boolean;
  /** The element Space / [ / ] act on (its audio or video), if any. */
  mediaTarget(): { element: HTMLElement | undefined; index: number };
  /** Go to `item` on the page on screen, if it is there. */
  focusItem(itemId: string): void;
  /** The header's "none relevant" button was clicked. */
  noneButton?(started: number): void;
  /**
   * The kernel read the store again (`refresh()`): forget the stored state of every query that
   * has nothing of this view's in flight or unsaved, so that its page, asked for again, is taken
   * as it comes. Bodies that take every page's stored state anyway need not implement it.
   */
  forget?(): void;
  /** What one page is called in the header, the loading line and notices; default "query". */
  readonly unit?: UnitNames;
}

/** Builds a body for the shell. */
export type TaskFactory = (ctx: ShellContext) => TaskBody;
