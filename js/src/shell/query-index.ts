/**
 * The `query_index` trait kept in step with the query on screen. The annotator's moves are sent
 * once they pause for SYNC_INDEX_MS (one message, not one per n). While a move is not sent yet, a
 * value from the kernel is the echo of an earlier move (ipywidgets echoes each state update; it drops
 * an echo only once a newer update of the same trait was sent): following it would take the view
 * back to a query left behind, and the keys typed for the new one would land on the old one.
 */

import type { AnyModel } from "@anywidget/types";
import type { GridTraits } from "./protocol";

/** The query on screen is told to the kernel this long after the last move. */
export const SYNC_INDEX_MS = 150;

export class QueryIndexSync {
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly model: AnyModel<GridTraits>) {}

  /** The annotator moved to `index`: the trait says so at once, and is sent after the pause. */
  moved(index: number): void {
    if (this.model.get("query_index") === index) return;
    this.model.set("query_index", index);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.send(), SYNC_INDEX_MS);
  }

  /**
   * The trait changed (the kernel moved the view, or echoed a move of ours).
   * @returns the query to go to, or null (an echo, or the query on screen)
   */
  changed(current: number): number | null {
    if (this.timer !== null) {
      if (this.model.get("query_index") !== current) this.model.set("query_index", current); // what is sent
      return null;
    }
    const index = Number(this.model.get("query_index") ?? 0);
    return index !== current ? index : null;
  }

  /** Send a move still waiting (the view goes away). */
  flush(): void {
    if (this.timer !== null) this.send();
  }

  private send(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.model.save_changes();
  }
}
