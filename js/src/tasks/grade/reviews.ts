/**
 * For Review (adjudication): what each annotator said about a candidate, under its media: one line
 * per annotator with the grade's level name, flags and note. Text only (names and notes are data).
 */

import { make } from "../../shell/dom";
import type { Review, ScaleSpec } from "../../shell/protocol";

function levelLabel(scale: ScaleSpec, relevance: number | null): string {
  if (relevance === null) return "no grade";
  const level = scale.continuous ? null : scale.levels.find((l) => l.value === relevance);
  return level ? `${relevance} ${level.name}` : String(relevance);
}

/** The list of the annotators' judgements (`.xmw-reviews`), with the spread visible at a glance. */
export function reviewList(reviews: readonly Review[], scale: ScaleSpec): HTMLElement {
  const list = make("ul", "xmw-reviews");
  list.setAttribute("aria-label", "the annotators' judgements");
  for (const review of reviews) {
    const row = make("li", "xmw-review");
    row.dataset.annotator = review.annotator;
    row.dataset.relevance = review.relevance === null ? "" : String(review.relevance);
    row.append(
      make("span", "xmw-review-who", review.annotator),
      make("span", "xmw-review-grade", levelLabel(scale, review.relevance)),
    );
    if (review.flags.length) row.append(make("span", "xmw-review-flags", `⚑ ${review.flags.join(", ")}`));
    if (review.note) {
      const note = make("span", "xmw-review-note", `✎ ${review.note}`);
      note.title = review.note;
      row.append(note);
    }
    list.append(row);
  }
  return list;
}
