/**
 * A request's way back, for the tasks on an optimistic state (optimistic.ts): the grading and pick
 * tasks. Undo (z) is undone here at once and its reply says what the kernel undid; an ack records
 * the "saved" timing of our requests, adopts the stored states, settles the batch and shows the
 * kernel's notices; an error fails the batch in flight, so that the queue behind it is not stuck.
 */

import type { ActiveClock } from "../shell/activity";
import { resultsNotice } from "../shell/notices";
import type { Ack, ShellContext } from "../shell/task";
import { recordTiming } from "../shell/timing";
import type { Change, OptimisticState } from "./optimistic";

/** What the way back needs of the view around it. */
export type RoundTripContext = Pick<ShellContext, "batcher" | "ids" | "now" | "current" | "goTo" | "notice">;

/** What a body does with the changes: update the tiles shown, focus one. */
export interface RoundTripView<M> {
  changed(changes: Array<Change<M> | null>): void;
  /** Focus the candidate `itemId` on the page on screen, if it is there. */
  focusOn(itemId: string | null): void;
  /** Whether a notice that a query is done is shown as "done" (else "info"). */
  readonly doneNotices?: boolean;
  /** The id of the query on screen (null while its page loads). */
  shownQueryId(): string | null;
}

type Target = { query_id: string; item_id: string | null } | null;

export class RoundTrip<M> {
  /** Undo requests in flight -> what this view undid itself (null: nothing, the kernel's result says). */
  private readonly undoGuesses = new Map<number, Target>();

  constructor(
    private readonly ctx: RoundTripContext,
    private readonly state: OptimisticState<object, M, string>,
    private readonly view: RoundTripView<M>,
  ) {}

  /** `z`: undo the last change of this view here, going back to its query, and ask the kernel. */
  undo(started: number): void {
    const { ctx, view } = this;
    const requestId = ctx.ids.next();
    const { entry, change } = this.state.undo(requestId, started);
    this.undoGuesses.set(requestId, entry && { query_id: entry.query_id, item_id: entry.item_id });
    if (entry && entry.index !== ctx.current()) {
      ctx.goTo(entry.index, entry.item_id ? { query_id: entry.query_id, item_id: entry.item_id } : null);
    } else if (change) {
      view.changed([change]);
      view.focusOn(entry?.item_id ?? null);
    }
    ctx.batcher.submit({ op: "undo", request_id: requestId });
  }

  /** One ack for one batch (ours, or another view's: its states are adopted all the same). */
  ack(message: Ack): void {
    const { ctx, view } = this;
    const ours = (message.results ?? []).filter((result) => ctx.batcher.isInFlight(result.request_id));
    const at = ctx.now();
    for (const result of ours) {
      const started = this.state.startedAt(result.request_id);
      if (started !== null) recordTiming("saved", at - started);
    }
    view.changed(this.state.ack(message));
    ctx.batcher.answered(ours.map((result) => result.request_id));
    for (const result of ours) {
      if (!this.undoGuesses.has(result.request_id)) continue;
      const guess = this.undoGuesses.get(result.request_id);
      this.undoGuesses.delete(result.request_id);
      const undone = result.undone;
      if (!undone || (guess && guess.query_id === undone.query_id && guess.item_id === undone.item_id)) continue;
      // the kernel undid something this view did not know of (another view, a restart): go to it
      const item = undone.item_id === null ? null : { query_id: undone.query_id, item_id: undone.item_id };
      if (undone.index !== ctx.current()) ctx.goTo(undone.index, item);
      else view.focusOn(undone.item_id);
    }
    const notice = resultsNotice(ours, view.shownQueryId());
    if (notice) {
      const refused = ours.some((result) => result.status === "refused" && result.notice);
      const done = !!view.doneNotices && ours.some((result) => result.notice.includes(" done"));
      ctx.notice(notice, refused ? "refused" : done ? "done" : "info");
    }
  }

  /**
   * An error from the kernel for a request id, or for none (a message it could not read): a batch
   * in flight is taken as failed (what it changed says so), so that the queue behind it is not stuck.
   */
  error(requestId: number | null, message: string): void {
    const batcher = this.ctx.batcher;
    if (requestId === null ? batcher.busy : batcher.isInFlight(requestId)) {
      const failed = batcher.inFlightIds();
      this.view.changed(this.state.fail(failed, message));
      batcher.answered(failed);
    }
    this.ctx.notice(message, "refused");
  }
}

/** A key's active time (ms) since `started`, the clock told of the activity. */
export function activeDuration(clock: ActiveClock, started: number): number {
  clock.activity(started);
  return clock.take(started);
}
