/**
 * Keys typed before their page is here. After `n`, the next query may still be on its way; keys
 * pressed meanwhile wait here, in order, and are applied when it is shown, so nothing a fast annotator
 * typed vanishes. A queued `n` leads to another page that may not be here either: the keys after it
 * wait again, for that one. Keys also wait here while the body awaits an ack whose outcome they act
 * on (`TaskBody.awaitingAck`: the Ranker's undo of a saved ranking), and are applied after it.
 */

import { make } from "./dom";
import { QUERY_UNIT, type UnitNames } from "./header";
import type { Action } from "./keyboard";

/** Actions that need the page on screen. */
export const WAITS_FOR_PAGE = new Set<Action["type"]>([
  "move",
  "grade",
  "nudge",
  "best",
  "none-relevant",
  "flag",
  "undo",
  "next",
  "prev",
  "play",
  "seek",
  "jump",
  "task",
]);

export class TypeAhead {
  private keys: Array<{ action: Action; started: number }> = [];
  private applying = false;

  get size(): number {
    return this.keys.length;
  }

  push(action: Action, started: number): void {
    this.keys.push({ action, started });
  }

  /**
   * Apply the waiting keys in order while `ready()` holds (a page is on screen). A key that shows
   * a page at once (z going back to a cached query) asks again from inside `perform`: that call
   * does nothing, and the loop goes on once the key is done, so that each key is sent to the kernel
   * before the next one (the keys behind a z used to be sent before the z itself).
   */
  apply(perform: (action: Action, started: number) => void, ready: () => boolean): void {
    if (this.applying) return;
    this.applying = true;
    try {
      while (this.keys.length && ready()) {
        const next = this.keys.shift() as { action: Action; started: number };
        perform(next.action, next.started);
      }
    } finally {
      this.applying = false;
    }
  }

  /** Forget the waiting keys (their page could not be loaded); returns how many there were. */
  drop(): number {
    const count = this.keys.length;
    this.keys = [];
    return count;
  }

  /** " · 3 keys will apply when it is here", or "". */
  describe(): string {
    const n = this.keys.length;
    return n ? ` · ${n} key${n === 1 ? "" : "s"} will apply when it is here` : "";
  }
}

/** The "loading query N…" line, which also says how many keys wait, or why the page failed. */
export class LoadingLine {
  readonly element = make("div", "xmw-loading");
  /** The page on screen could not be loaded: keys no longer wait for it. */
  failed = false;
  /** What a page is called ("loading query 3…", "loading pair 3…"). */
  unit: UnitNames = QUERY_UNIT;

  constructor(private readonly typed: TypeAhead) {
    this.element.hidden = true;
  }

  show(index: number): void {
    this.failed = false;
    this.element.textContent = `loading ${this.unit.one} ${index + 1}…${this.typed.describe()}`;
    this.element.hidden = false;
  }

  /** The keys waiting for this page cannot be applied: say so, and how many. */
  fail(index: number, message: string): void {
    const lost = this.typed.drop();
    this.failed = true;
    const keys = lost ? ` · ${lost} key${lost === 1 ? "" : "s"} typed for it not applied` : "";
    this.element.textContent = `${this.unit.one} ${index + 1} could not be loaded: ${message}${keys}`;
    this.element.hidden = false;
  }

  hide(): void {
    this.failed = false;
    if (!this.element.hidden) this.element.hidden = true;
  }
}
