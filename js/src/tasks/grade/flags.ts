/**
 * The rubric's flags, notes and rubric panel from the keyboard (the grading task's keys besides
 * grades, b, x and m): each flag with a key toggles it on the focused candidate when it applies to
 * candidates ("candidate" or "both"), on the query when it applies to queries only; `e` opens the
 * note box of the focused candidate, `E` the query's (with the query's flags as toggles), `r`
 * shows or hides the rubric panel. These keys are in xmwidgets.rubric.RESERVED_KEYS, so that no
 * rubric can give them to a level or a flag. Pure (no DOM), so that it is tested alone.
 */

import { type Action, HINT, helpRows, hintFor, type KeyLike } from "../../shell/keyboard";
import { BROKEN_MEDIA, type FlagSpec, type FlagTarget, type ScaleSpec } from "../../shell/protocol";

/** The note, query-note and rubric-panel keys. */
export const NOTE_KEY = "e";
export const QUERY_NOTE_KEY = "E";
export const RUBRIC_KEY = "r";

/** The task actions these keys give (`{type: "task", name}`), as keyboard.ts names task keys. */
export const FLAG = "flag"; // value: the flag's name, on the focused candidate
export const QUERY_FLAG = "query-flag"; // value: the flag's name, on the query
export const NOTE = "note";
export const QUERY_NOTE = "query-note";
export const RUBRIC = "rubric";
export const NO_FLAG_KEY = "no-flag-key"; // value: the key, a flag key of a built-in rubric only

/**
 * The keys of xmwidgets.rubric.DEFAULT_FLAGS (broken-media's `m` aside): the flag keys of the
 * built-in rubrics. Pressed where the rubric gives them nothing they say so, rather than nothing
 * (TREC_SCALE has no U nor F); any other unbound letter stays silent.
 */
export const BUILT_IN_FLAG_KEYS: readonly string[] = ["A", "D", "U", "F"];

/** The flags of a scale, described (older kernels send names only: no key, applies to both). */
export function flagSpecs(scale: ScaleSpec): FlagSpec[] {
  if (scale.flag_specs?.length) return scale.flag_specs;
  return (scale.flags ?? []).map((name) => ({
    name,
    key: name === BROKEN_MEDIA ? "m" : null,
    definition: "",
    applies_to: (name === BROKEN_MEDIA ? "candidate" : "both") as FlagTarget,
  }));
}

/** Whether `flag` can be set on a candidate (`candidate`) or on the query (`query`). */
export function appliesTo(spec: FlagSpec, target: "candidate" | "query"): boolean {
  return spec.applies_to === target || spec.applies_to === "both";
}

/** Names of the flags that can be set on a candidate, or on the query. */
export function flagsFor(scale: ScaleSpec, target: "candidate" | "query"): string[] {
  return flagSpecs(scale)
    .filter((spec) => appliesTo(spec, target))
    .map((spec) => spec.name);
}

/** Whether the scale takes notes (an older kernel says nothing: yes). */
export function notesOn(scale: ScaleSpec): boolean {
  return scale.notes !== false;
}

/** The flags with a key of their own (broken-media keeps `m`, the shell's command for it). */
function keyedFlags(scale: ScaleSpec): FlagSpec[] {
  return flagSpecs(scale).filter((spec) => !!spec.key && spec.name !== BROKEN_MEDIA);
}

/**
 * The action of a flag, note or rubric key, or null. The key is matched as typed (case matters:
 * `e` is the candidate's note, `E` the query's; flag keys are upper-case letters by default).
 */
export function flagKeys(event: KeyLike, scale: ScaleSpec): Action | null {
  const key = event.key;
  if (key.length !== 1) return null;
  for (const spec of keyedFlags(scale)) {
    if (spec.key !== key) continue;
    const name = appliesTo(spec, "candidate") ? FLAG : QUERY_FLAG;
    return { type: "task", name, value: spec.name };
  }
  if (key === RUBRIC_KEY) return { type: "task", name: RUBRIC };
  if (!notesOn(scale)) return null;
  if (key === NOTE_KEY) return { type: "task", name: NOTE };
  if (key === QUERY_NOTE_KEY) return { type: "task", name: QUERY_NOTE };
  return null;
}

/**
 * The action of a built-in flag key this rubric gives to nothing (it sets no flag, grades no
 * level), or null. Asked after the rubric's own keys.
 */
export function missingFlagKey(event: KeyLike, scale: ScaleSpec): Action | null {
  const key = event.key;
  if (!BUILT_IN_FLAG_KEYS.includes(key) || keyedFlags(scale).some((spec) => spec.key === key)) return null;
  return { type: "task", name: NO_FLAG_KEY, value: key };
}

/** What a key of `missingFlagKey` says: that it sets no flag here, and which keys do. */
export function missingFlagNotice(key: string, scale: ScaleSpec): string {
  const own = keyedFlags(scale).map((spec) => `${spec.key} ${spec.name}`);
  return `${key}: no flag on this key in this rubric (${own.length ? `flags: ${own.join(", ")}` : "it has no flag keys"})`;
}

/** The hint line: the shell's, with the flag keys, the note keys and the rubric key. */
export function gradeHint(scale: ScaleSpec): string {
  const hint = hintFor(scale);
  const keys = keyedFlags(scale).map((spec) => spec.key);
  const extra = [
    ...(keys.length ? [`flags: ${keys.join(" ")}`] : []),
    ...(notesOn(scale) ? [`${NOTE_KEY}/${QUERY_NOTE_KEY} note`] : []),
    `${RUBRIC_KEY} rubric`,
  ].join(" · ");
  const anchor = "m broken media";
  return hint.includes(anchor) && HINT.includes(anchor)
    ? hint.replace(anchor, `${anchor} · ${extra}`)
    : `${hint} · ${extra}`;
}

const WHERE: Record<FlagTarget, string> = {
  candidate: "on the focused candidate",
  query: "on the query",
  both: "on the focused candidate (the query's: in its note box, E)",
};

/** The `?` rows: the shell's grading rows, then one per flag key, the notes and the rubric panel. */
export function gradeHelpRows(scale: ScaleSpec): Array<[string, string]> {
  const rows = helpRows(scale);
  const at = rows.findIndex(([key]) => key === "m");
  const own: Array<[string, string]> = keyedFlags(scale).map((spec) => [
    spec.key as string,
    // the definition is in the rubric panel (r): one line per key here, as for the other keys
    `toggle “${spec.name}” ${WHERE[spec.applies_to]}`,
  ]);
  if (notesOn(scale)) {
    own.push(
      [NOTE_KEY, "write a note on the focused candidate (Enter saves, Shift+Enter new line, Esc cancels)"],
      [QUERY_NOTE_KEY, "write a note on the query, and set the query's flags"],
    );
  }
  own.push([RUBRIC_KEY, "show / hide the rubric: levels, rules, examples and flags"]);
  rows.splice(at < 0 ? rows.length : at + 1, 0, ...own);
  return rows;
}
