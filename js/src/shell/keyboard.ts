/**
 * Key map of the widgets: keyboard events -> actions. Pure (no DOM), so it is tested alone. The shell's
 * commands (move, next, prev, undo, media, go to, help) are the same in every task; a task maps its
 * own keys first (`keyAction(event, taskKeys)`); the grading task's are `gradeKeys`.
 *
 * Rules:
 * - Keys with Ctrl, Meta or Alt are not ours (browser and JupyterLab shortcuts), except Ctrl+Z = undo.
 * - Shift is allowed (it is how "?" is typed); Shift+←/→ nudges the focused relevance by one level
 *   (discrete scale) or one step (continuous scale) instead of moving. Shift+Enter is left to Jupyter.
 * - A level's own key (scale.levels[].key, digits 0–3 by default) wins over the commands; the Python
 *   side already forbids levels from taking a command key (scale.RESERVED_KEYS).
 * - Auto-repeat (a held key) only repeats movement, nudges and seeking: a held "2" must not send 30
 *   judgements a second, and a held "n" must not fly through the campaign.
 * - Space plays/pauses the focused tile's media, Home / End go to the first / last candidate: the grid
 *   always takes them (else the notebook scrolls).
 */

import { SEEK_SECONDS } from "./media-keys";
import type { ScaleSpec } from "./protocol";

/** Where a move goes: one tile left/right/up/down, or to the query's first / last candidate (Home / End). */
export type Direction = "left" | "right" | "up" | "down" | "first" | "last";

export type Action =
  | { type: "move"; direction: Direction }
  | { type: "grade"; value: number }
  | { type: "nudge"; delta: 1 | -1 }
  | { type: "best" }
  | { type: "none-relevant" }
  | { type: "next" }
  | { type: "prev" }
  | { type: "undo" }
  | { type: "flag" }
  | { type: "play" }
  | { type: "seek"; seconds: number }
  | { type: "goto" }
  | { type: "jump"; index: number } // what the go-to box asks for (no key of its own)
  | { type: "help" }
  | { type: "close" }
  // a task's own key (pick a candidate, choose a side, move in a ranking...): `name` says which
  | { type: "task"; name: string; index?: number; value?: number | string };

/** The fields of a KeyboardEvent the map looks at (a plain object in tests). */
export interface KeyLike {
  key: string;
  /** The physical key ("Digit1"): Shift+1 is key "!" on a US layout, another sign elsewhere. */
  code?: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  shiftKey?: boolean;
  repeat?: boolean;
  isComposing?: boolean;
}

const COMMANDS = new Map<string, Action>(
  Object.entries({
    ArrowLeft: { type: "move", direction: "left" },
    ArrowRight: { type: "move", direction: "right" },
    ArrowUp: { type: "move", direction: "up" },
    ArrowDown: { type: "move", direction: "down" },
    h: { type: "move", direction: "left" },
    l: { type: "move", direction: "right" },
    k: { type: "move", direction: "up" },
    j: { type: "move", direction: "down" },
    // as in a WAI-ARIA grid or listbox: the first / last candidate of the query (the Ranker maps
    // them first, to carry the focused candidate to the top / the end)
    Home: { type: "move", direction: "first" },
    End: { type: "move", direction: "last" },
    n: { type: "next" },
    Enter: { type: "next" },
    p: { type: "prev" },
    z: { type: "undo" },
    " ": { type: "play" },
    "[": { type: "seek", seconds: -SEEK_SECONDS },
    "]": { type: "seek", seconds: SEEK_SECONDS },
    g: { type: "goto" },
    "?": { type: "help" },
    Escape: { type: "close" },
  } satisfies Record<string, Action>),
);

/** The grading task's own commands (besides its level keys). */
const GRADE_COMMANDS = new Map<string, Action>(
  Object.entries({
    b: { type: "best" },
    x: { type: "none-relevant" },
    m: { type: "flag" },
  } satisfies Record<string, Action>),
);

/** A key's entry in `commands`, also under Caps Lock or Shift (a stuck Caps Lock must not break keys). */
function command(commands: Map<string, Action>, key: string): Action | null {
  return commands.get(key) ?? (key.length === 1 ? commands.get(key.toLowerCase()) : undefined) ?? null;
}

/** Level key -> level value for a scale (empty for a continuous scale). */
export function levelKeys(scale: ScaleSpec | null | undefined): Map<string, number> {
  const keys = new Map<string, number>();
  if (!scale || scale.continuous) return keys;
  for (const level of scale.levels) {
    if (level.key) keys.set(level.key, level.value);
  }
  return keys;
}

/** The grading task's keys: Shift+←/→ nudge, the level keys, b, x, m. */
export function gradeKeys(event: KeyLike, levels: Map<string, number>): Action | null {
  const key = event.key;
  if (event.shiftKey && (key === "ArrowLeft" || key === "ArrowRight")) {
    return { type: "nudge", delta: key === "ArrowRight" ? 1 : -1 };
  }
  if (levels.has(key)) return { type: "grade", value: levels.get(key) as number };
  return command(GRADE_COMMANDS, key);
}

/**
 * The action for a key press, or null when the widget should let the key through: the task's own
 * keys first (`taskKeys`), then the shell's commands.
 */
export function keyAction(event: KeyLike, taskKeys: (event: KeyLike) => Action | null): Action | null {
  if (event.isComposing) return null;
  const key = event.key;
  if (event.altKey || event.metaKey) return null;
  if (event.ctrlKey) {
    return (key === "z" || key === "Z") && !event.shiftKey && !event.repeat ? { type: "undo" } : null;
  }
  // Shift+Enter runs the cell in Jupyter: never take it for "next query".
  if (event.shiftKey && key === "Enter") return null;
  const action = taskKeys(event) ?? command(COMMANDS, key);
  if (action === null) return null;
  if (event.repeat && action.type !== "move" && action.type !== "nudge" && action.type !== "seek") return null;
  return action;
}

/**
 * The grading task's action for a key press, or null when the widget should let the key through.
 *
 * @example
 * actionForKey({ key: "2" }, levelKeys(TREC)) // { type: "grade", value: 2 }
 * actionForKey({ key: "j", ctrlKey: true }, keys) // null
 */
export function actionForKey(event: KeyLike, levels: Map<string, number>): Action | null {
  return keyAction(event, (e) => gradeKeys(e, levels));
}

/** The always-visible one-line hint. */
export const HINT =
  "←→↑↓/hjkl move · Home/End first/last · 0–3 grade · b best · x none relevant · m broken media · Space play · [ ] seek · n/Enter next · p prev · g go to · z undo · ? help";

/** The short hint for a scale: the grade keys come from its levels. */
export function hintFor(scale: ScaleSpec | null | undefined): string {
  if (!scale || scale.continuous) {
    return HINT.replace("0–3 grade", "Shift+←/→ adjust");
  }
  const keys = scale.levels.map((level) => level.key).filter((key): key is string => !!key);
  const isDefault = keys.join("") === "0123";
  return isDefault ? HINT : HINT.replace("0–3", keys.join("/") || "—");
}

/** The `?` row of Home / End in the tasks whose tiles they move between. */
export const HOME_END_ROW: [string, string] = ["Home / End", "focus the first / last candidate of the query"];

/** Rows of the help overlay: [keys, what they do]. */
export function helpRows(scale: ScaleSpec | null | undefined): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ["← → ↑ ↓  or  h l k j", "move between candidates (↑/↓ by one row)"],
    HOME_END_ROW,
  ];
  if (scale && !scale.continuous) {
    for (const level of scale.levels) {
      if (level.key) rows.push([level.key, `grade "${level.name}" (${level.value})`]);
    }
    rows.push(["Shift+← / Shift+→", "one level down / up"]);
  } else {
    rows.push(["Shift+← / Shift+→", `magnitude − / + one step`]);
  }
  rows.push(
    ["b", "best match (one per query) on the tile just graded (its best button shows “b”), else on the focus"],
    ["x", "toggle “none relevant” for the query (grades the ungraded ones “not relevant”)"],
    ["m", "toggle “broken media” on the focused candidate (handled, not a grade; the focus moves on)"],
    ["Space", "play / pause the focused candidate's audio or video"],
    ["[  /  ]", "seek 5 s back / forward"],
    ["n  or  Enter", "next query"],
    ["p", "previous query"],
    ["g", "go to a query (number or query id; Enter goes, Escape cancels)"],
    ["z  or  Ctrl+Z", "undo the last judgement (goes back to it and says what it undid)"],
    ["?", "show / hide this help"],
    ["Escape", "close this help"],
  );
  return rows;
}
