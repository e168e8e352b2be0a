/**
 * A ranking being edited: the candidates best first, and for each one whether it is tied with
 * the one before it (ties share a rank). Pure and immutable: every edit returns a new Ranking, so
 * that the unsaved edits can be taken back one by one.
 *
 * Ranks are competition ranks ("1, 2, 2, 4"): a candidate's rank is 1 + the number of candidates
 * ranked above it, as the kernel stores them. A candidate moved to another place leaves its tie
 * (it has a rank of its own there, and the candidates it was tied with stay tied together).
 */

export class Ranking {
  private constructor(
    readonly order: readonly string[],
    /** tied[i]: order[i] shares the rank of order[i - 1] (always false for i = 0). */
    readonly tied: readonly boolean[],
  ) {}

  static of(order: readonly string[], tied: readonly boolean[] = []): Ranking {
    return new Ranking(
      [...order],
      order.map((_, i) => i > 0 && !!tied[i]),
    );
  }

  /**
   * The stored ranking of `shown` (item ids in shown order): ranked candidates by rank (equal
   * ranks tied), then the unranked ones in shown order. Within a tie, the order of `arranged`
   * (the ranking on screen) where it holds both, else the shown order: a tie the annotator
   * arranged stays as arranged when it is saved (the kernel stores no order inside a tie).
   */
  static fromStored(
    shown: readonly string[],
    ranks: ReadonlyMap<string, number | null>,
    arranged: readonly string[] = [],
  ): Ranking {
    const at = new Map(shown.map((id, i) => [id, i]));
    const placed = new Map(arranged.map((id, i) => [id, i]));
    const rank = (id: string): number => ranks.get(id) ?? Number.POSITIVE_INFINITY;
    const inTie = (a: string, b: string): number => {
      const x = placed.get(a);
      const y = placed.get(b);
      return ranks.get(a) != null && x !== undefined && y !== undefined ? x - y : 0;
    };
    const order = [...shown].sort((a, b) => rank(a) - rank(b) || inTie(a, b) || (at.get(a) ?? 0) - (at.get(b) ?? 0));
    const tied = order.map((id, i) => i > 0 && ranks.get(id) != null && ranks.get(id) === ranks.get(order[i - 1]));
    return new Ranking(order, tied);
  }

  get size(): number {
    return this.order.length;
  }

  indexOf(itemId: string): number {
    return this.order.indexOf(itemId);
  }

  /** Competition rank of each position. */
  ranks(): number[] {
    const ranks: number[] = [];
    this.order.forEach((_, i) => {
      ranks.push(i > 0 && this.tied[i] ? ranks[i - 1] : i + 1);
    });
    return ranks;
  }

  /** Whether position i shares its rank with another candidate. */
  isTied(i: number): boolean {
    return !!this.tied[i] || !!this.tied[i + 1];
  }

  /** [item_id, rank] for every candidate, best first: what a save sends. */
  entries(): Array<[string, number]> {
    const ranks = this.ranks();
    return this.order.map((id, i) => [id, ranks[i]]);
  }

  /** The candidate at `from` moved to position `to` (clamped), with a rank of its own there. */
  moveTo(from: number, to: number): Ranking {
    const n = this.order.length;
    if (from < 0 || from >= n) return this;
    const target = Math.min(Math.max(to, 0), n - 1);
    const order = [...this.order];
    const tied = [...this.tied];
    const [item] = order.splice(from, 1);
    const [itemTied] = tied.splice(from, 1);
    // the one after it was tied to it: it stays in that tie only if the moved one was not its head
    if (from < tied.length) tied[from] = tied[from] && itemTied;
    if (from === 0 && tied.length) tied[0] = false;
    order.splice(target, 0, item);
    tied.splice(target, 0, false);
    // a rank of its own: the one after it is not tied to it
    if (target + 1 < tied.length) tied[target + 1] = false;
    if (this.same(order, tied)) return this;
    return new Ranking(order, tied);
  }

  /**
   * This ranking over the candidates `ids` (the pool grew or shrank): the ones it has keep their
   * order and their ties (with whoever of their tie is still there), new ones go to the end.
   */
  withCandidates(ids: readonly string[]): Ranking {
    const keep = new Set(ids);
    const order: string[] = [];
    const tied: boolean[] = [];
    let groupKept = false; // an earlier member of the current tie group is kept
    this.order.forEach((id, i) => {
      if (!this.tied[i]) groupKept = false;
      if (!keep.has(id)) return;
      tied.push(groupKept);
      groupKept = true;
      order.push(id);
    });
    const have = new Set(order);
    for (const id of ids) {
      if (!have.has(id)) {
        order.push(id);
        tied.push(false);
      }
    }
    return new Ranking(order, tied);
  }

  /** Tie position i with the one before it, or untie it. */
  toggleTie(i: number): Ranking {
    if (i <= 0 || i >= this.order.length) return this;
    const tied = [...this.tied];
    tied[i] = !tied[i];
    return new Ranking(this.order, tied);
  }

  equals(other: Ranking): boolean {
    return this.same(other.order, other.tied);
  }

  private same(order: readonly string[], tied: readonly boolean[]): boolean {
    return (
      order.length === this.order.length && order.every((id, i) => id === this.order[i] && !!tied[i] === !!this.tied[i])
    );
  }
}
