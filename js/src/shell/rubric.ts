/**
 * The rubric as the annotator sees it: the legend of level definitions in the header, and the
 * rubric panel (levels with rules and examples, flags) that a task shows beside its candidates.
 */

import { make } from "./dom";
import { SUPPRESS } from "./media";
import type { Example, FlagSpec, FlagTarget, ScaleSpec } from "./protocol";

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

/** Where a flag of each target can be set, as the panel says it. */
const APPLIES: Record<FlagTarget, string> = {
  candidate: "on a candidate",
  query: "on the query",
  both: "on a candidate or the query",
};

/** A source the panel loads: a data URL of media, or an http(s) URL (anything else is refused). */
const SAFE_SRC = /^(data:(image|audio|video)\/[\w.+-]+[;,]|https?:\/\/)/i;

function keyCap(key: string | null | undefined): HTMLElement {
  const cap = make("kbd", "xmw-keycap", key || "–");
  if (!key) cap.title = "no key";
  return cap;
}

/** The error tile of an example (media that cannot be shown, or a source the panel refuses). */
function errorTile(media: string, error: string): HTMLElement {
  const tile = make("div", "xmw-example-error");
  tile.setAttribute("role", "note");
  tile.append(make("strong", "", `${media} example not shown`), make("span", "", error));
  return tile;
}

/** One example as a small tile: quoted text, or a small image / player, its query and caption. */
export function exampleTile(example: Example | string): HTMLElement {
  const ex: Example = typeof example === "string" ? { kind: "text", text: example, caption: "", query: "" } : example;
  const figure = make("figure", "xmw-example");
  figure.dataset.kind = ex.kind;
  if (ex.query) figure.append(make("div", "xmw-example-query", `query: “${ex.query}”`));
  if (ex.kind === "text") {
    figure.append(make("blockquote", "xmw-example-text", ex.text));
  } else if (ex.kind === "error") {
    figure.append(errorTile(ex.media, ex.error));
  } else if (!SAFE_SRC.test(ex.src ?? "")) {
    figure.append(errorTile(ex.kind, "its source is neither a data: URL of media nor an http(s) URL"));
  } else if (ex.kind === "image") {
    const img = make("img", "xmw-example-image");
    img.src = ex.src;
    img.alt = ex.caption || "image example";
    img.loading = "lazy";
    if (ex.width) img.width = ex.width;
    if (ex.height) img.height = ex.height;
    figure.append(img);
  } else {
    const player = make(ex.kind, `xmw-example-${ex.kind}`);
    player.controls = true;
    player.preload = "metadata";
    player.src = ex.src;
    player.tabIndex = -1;
    player.setAttribute(SUPPRESS, "true");
    if (ex.kind === "video" && ex.poster && SAFE_SRC.test(ex.poster)) (player as HTMLVideoElement).poster = ex.poster;
    figure.append(player);
  }
  if (ex.caption) figure.append(make("figcaption", "xmw-example-caption", ex.caption));
  return figure;
}

/**
 * The rubric as a panel beside the candidates: title, version, description; each level (highest
 * first) with its key, name, value, matching rule, definition and examples as small tiles; the
 * flags with their keys, definitions and where they apply; the note keys. All text as text.
 * `noteKeys` names the note keys ([candidate, query]) when the rubric takes notes.
 */
export function rubricPanel(scale: ScaleSpec, flagSpecs: FlagSpec[], noteKeys: [string, string] | null): HTMLElement[] {
  const head = make("div", "xmw-rubric-head");
  head.append(make("h3", "xmw-rubric-title", scale.title || scale.name || "rubric"));
  head.append(make("span", "xmw-rubric-version", `version ${scale.version || "–"}`));
  const out: HTMLElement[] = [head];
  if (scale.description) out.push(make("p", "xmw-rubric-description", scale.description));
  if (scale.continuous) {
    const range = `${scale.minimum ?? 0}–${scale.maximum ?? 100} in steps of ${scale.step ?? 1}`;
    out.push(make("p", "xmw-rubric-range", `A continuous scale: ${range} (Shift+←/→, or drag).`));
  }
  const levels = make("ol", "xmw-rubric-levels");
  for (const level of [...scale.levels].sort((a, b) => b.value - a.value)) {
    const entry = make("li", "xmw-rubric-level");
    entry.dataset.value = String(level.value);
    const title = make("div", "xmw-rubric-level-title");
    title.append(keyCap(level.key), make("span", "xmw-rubric-level-name", level.name));
    title.append(make("span", "xmw-rubric-level-value", `(${level.value})`));
    entry.append(title);
    if (level.rule) entry.append(make("div", "xmw-rubric-rule", level.rule));
    if (level.definition) entry.append(make("div", "xmw-rubric-definition", level.definition));
    if (level.examples?.length) {
      const examples = make("div", "xmw-rubric-examples");
      examples.setAttribute("aria-label", `examples of ${level.name}`);
      examples.append(...level.examples.map(exampleTile));
      entry.append(examples);
    }
    levels.append(entry);
  }
  if (scale.levels.length) out.push(levels);
  if (flagSpecs.length) {
    out.push(make("h4", "xmw-rubric-subtitle", "Flags"));
    const flags = make("ul", "xmw-rubric-flags");
    for (const spec of flagSpecs) {
      const entry = make("li", "xmw-rubric-flag");
      entry.dataset.flag = spec.name;
      entry.dataset.appliesTo = spec.applies_to;
      const title = make("div", "xmw-rubric-flag-title");
      title.append(keyCap(spec.key), make("span", "xmw-rubric-flag-name", spec.name));
      title.append(make("span", "xmw-rubric-flag-where", APPLIES[spec.applies_to] ?? spec.applies_to));
      entry.append(title);
      if (spec.definition) entry.append(make("div", "xmw-rubric-definition", spec.definition));
      flags.append(entry);
    }
    out.push(flags);
  }
  if (noteKeys) {
    const notes = make("p", "xmw-rubric-notes");
    notes.append(keyCap(noteKeys[0]), " a note on the focused candidate · ", keyCap(noteKeys[1]), " on the query");
    out.push(notes);
  }
  return out;
}
