/** The rubric as the annotator sees it: the legend of level definitions in the header. */

import { make } from "./dom";
import type { ScaleSpec } from "./protocol";

/**
 * The level definitions as a compact legend (key, name, definition), for the grid's header:
 * definitions readable at a glance, not only in a tooltip or the `?` help. Empty for a
 * continuous scale or a scale without definitions.
 */
export function buildLegend(scale: ScaleSpec): HTMLElement {
  const legend = make("dl", "xmw-legend");
  legend.setAttribute("aria-label", `scale ${scale.name}`);
  if (scale.continuous || !scale.levels.some((level) => level.definition)) {
    legend.hidden = true;
    return legend;
  }
  for (const level of scale.levels) {
    const entry = make("div", "xmw-legend-level");
    entry.dataset.value = String(level.value);
    const term = make("dt", "xmw-legend-name", level.name);
    if (level.key) term.dataset.key = level.key;
    entry.append(term, make("dd", "xmw-legend-definition", level.definition));
    legend.append(entry);
  }
  return legend;
}
