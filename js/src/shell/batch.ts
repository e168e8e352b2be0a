/**
 * Judge batching (group commit): at most one `judge` message in flight per view.
 *
 * An action is sent at once when nothing is in flight; otherwise it waits in a queue, and when the
 * in-flight batch is acknowledged every queued action goes out in ONE message. The kernel writes one
 * message in one store transaction and answers with one ack, so a burst of keys costs a few
 * transactions and a few acks instead of one of each per key, and the order of actions is kept.
 *
 * A batch the kernel has not answered after `SLOW_ACK_MS` (a long cell running, a kernel that
 * stopped) is said to be so, once, through `onSlow`; it is never sent again (the kernel may still
 * write it, and a second copy would be a second judgement), and the answer, when it comes, settles
 * it as usual.
 */

import type { BrowserMessage, JudgeAction } from "./protocol";

/** After this long without an ack the annotator is told that the judgements are not saved yet. */
export const SLOW_ACK_MS = 8000;

export class JudgeBatcher {
  private queue: JudgeAction[] = [];
  private inflight: Set<number> | null = null;
  private slowTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * `onUnsaved` hears the number of actions sent or queued but not answered, at every change;
   * `onSlow(count)` hears of a batch unanswered for `SLOW_ACK_MS` (count: actions unsaved), and
   * `onSlow(0)` when it is answered after all.
   */
  constructor(
    private readonly send: (message: BrowserMessage) => void,
    private readonly onUnsaved: (count: number) => void = () => undefined,
    private readonly onSlow: (count: number) => void = () => undefined,
    private readonly slowMs: number = SLOW_ACK_MS,
  ) {}

  /** Actions sent or queued whose ack has not come. */
  get unsaved(): number {
    return this.queue.length + (this.inflight?.size ?? 0);
  }

  /** Send `action` now, or queue it behind the batch in flight. */
  submit(action: JudgeAction): void {
    this.queue.push(action);
    if (this.inflight === null) this.flush();
    this.onUnsaved(this.unsaved);
  }

  /** Whether `requestId` belongs to the batch in flight. */
  isInFlight(requestId: number): boolean {
    return this.inflight?.has(requestId) ?? false;
  }

  /** Whether a batch is in flight (it may be another view's ack that just came). */
  get busy(): boolean {
    return this.inflight !== null;
  }

  /** Actions waiting for the batch in flight. */
  get queued(): readonly JudgeAction[] {
    return this.queue;
  }

  /**
   * The kernel answered for these request ids (an ack, or an error naming one of them): when they
   * are the batch in flight, it is done and the queue goes out. Acks meant for another view of the
   * same widget name none of ours and change nothing.
   * @returns whether the batch in flight was answered
   */
  answered(requestIds: Iterable<number>): boolean {
    if (this.inflight === null) return false;
    for (const id of requestIds) {
      if (this.inflight.has(id)) {
        this.inflight = null;
        this.clearSlow();
        if (this.queue.length) this.flush();
        this.onUnsaved(this.unsaved);
        return true;
      }
    }
    return false;
  }

  /** Request ids of the batch in flight (to mark them failed when the kernel reports an error). */
  inFlightIds(): number[] {
    return this.inflight ? [...this.inflight] : [];
  }

  /** Stop the timer (the view is going away). */
  dispose(): void {
    if (this.slowTimer !== null) clearTimeout(this.slowTimer);
    this.slowTimer = null;
  }

  private clearSlow(): void {
    const wasSlow = this.slowTimer === null && this.slowSaid;
    this.dispose();
    if (wasSlow) this.onSlow(0);
    this.slowSaid = false;
  }

  private slowSaid = false;

  private flush(): void {
    const actions = this.queue;
    this.queue = [];
    this.inflight = new Set(actions.map((action) => action.request_id));
    this.send({ type: "judge", actions });
    this.dispose();
    this.slowTimer = setTimeout(() => {
      this.slowTimer = null;
      this.slowSaid = true;
      this.onSlow(this.unsaved);
    }, this.slowMs);
  }
}
