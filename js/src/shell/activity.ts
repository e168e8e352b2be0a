/**
 * Active time for `duration_ms` (see protocol.ts): the clock runs while the widget has the keyboard
 * focus and the tab is visible, and stops 30 s after the last key or pointer event in the widget
 * (an idle annotator is not judging). It is read and restarted at every judgement and every new page.
 *
 * Pure bookkeeping over timestamps passed in, so tests drive it with a fake clock.
 */

/** No key or pointer event for longer than this is an idle gap; only its first IDLE_MS count. */
export const IDLE_MS = 30_000;

export class ActiveClock {
  private counted = 0;
  /** Start of the running stretch, or null while paused (no focus, tab hidden). */
  private since: number | null = null;
  private lastActivity = 0;
  private focused = false;
  private visible = true;

  constructor(private readonly idleMs = IDLE_MS) {}

  /** Active ms up to `at` since the last `restart`. */
  read(at: number): number {
    return Math.max(0, Math.round(this.counted + this.running(at)));
  }

  /** Read and start again from zero at `at` (a judgement was sent, or a new page is shown). */
  take(at: number): number {
    const ms = this.read(at);
    // a key typed before its page was shown (type-ahead) must not move the start back before it
    this.restart(Math.max(at, this.since ?? at));
    return ms;
  }

  restart(at: number): void {
    this.counted = 0;
    if (this.since !== null) this.since = at;
    this.lastActivity = at;
  }

  /** A key or pointer event in the widget: ends an idle gap. */
  activity(at: number): void {
    if (this.since !== null && at - this.lastActivity > this.idleMs) {
      this.counted += this.running(at);
      this.since = at;
    }
    this.lastActivity = at;
    if (this.since === null && this.focused && this.visible) this.since = at;
  }

  setFocused(focused: boolean, at: number): void {
    this.focused = focused;
    this.update(at);
  }

  setVisible(visible: boolean, at: number): void {
    this.visible = visible;
    this.update(at);
  }

  private update(at: number): void {
    const run = this.focused && this.visible;
    if (run && this.since === null) {
      this.since = at;
      this.lastActivity = at;
    } else if (!run && this.since !== null) {
      this.counted += this.running(at);
      this.since = null;
    }
  }

  /** Ms of the running stretch up to `at`, cut at IDLE_MS after the last activity. */
  private running(at: number): number {
    if (this.since === null) return 0;
    const end = Math.min(at, Math.max(this.lastActivity, this.since) + this.idleMs);
    return Math.max(0, end - this.since);
  }
}

/**
 * Feed `clock` from the widget: focus in and out of `root`, keys and pointer inside it, and the
 * tab's visibility. Listeners go to `cleanups`.
 */
export function watchAttention(
  root: HTMLElement,
  clock: ActiveClock,
  cleanups: { listen(target: EventTarget, type: string, handler: (event: Event) => void): void },
  now: () => number,
): void {
  cleanups.listen(root, "focusin", () => clock.setFocused(true, now()));
  cleanups.listen(root, "focusout", (event) => {
    const next = (event as FocusEvent).relatedTarget as Node | null;
    if (!next || !root.contains(next)) clock.setFocused(false, now());
  });
  for (const type of ["keydown", "pointerdown", "pointermove", "wheel"]) {
    cleanups.listen(root, type, () => clock.activity(now()));
  }
  cleanups.listen(document, "visibilitychange", () => clock.setVisible(!document.hidden, now()));
  clock.setVisible(typeof document.hidden === "boolean" ? !document.hidden : true, now());
}
