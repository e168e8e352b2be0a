/**
 * The ranking task's keys. The plain arrows and h/j/k/l move the focus, as in every task; with
 * Shift they carry the focused candidate the same way (one place left/right, one row up/down).
 * `t` or Home sends it to the top, End to the end, `=` ties it with the one before it (again: unties),
 * `s` saves the ranking on screen, `m` flags the focused candidate's media broken (as in the grid:
 * it leaves the ranking and counts as handled; again: clears it). Leaving the query (n, Enter, p,
 * g) saves a changed ranking too.
 */

import type { Action, Direction, KeyLike } from "../../shell/keyboard";

/** Shift+key -> the direction the focused candidate is carried. */
const CARRY = new Map<string, Direction>([
  ["ArrowLeft", "left"],
  ["ArrowRight", "right"],
  ["ArrowUp", "up"],
  ["ArrowDown", "down"],
  ["H", "left"],
  ["L", "right"],
  ["K", "up"],
  ["J", "down"],
]);

const COMMANDS = new Map<string, string>([
  ["t", "top"],
  ["Home", "top"],
  ["End", "end"],
  ["=", "tie"],
  ["s", "save"],
]);

/** The ranking task's action for a key press, or null to let the shell map it. */
export function rankKeys(event: KeyLike): Action | null {
  const key = event.key;
  // the grid's broken-media command (keyboard.ts names it "flag"), also under Caps Lock
  if (key === "m" || (key === "M" && !event.shiftKey)) return { type: "flag" };
  if (event.shiftKey && CARRY.has(key)) return { type: "task", name: "carry", value: CARRY.get(key) as string };
  // also under Caps Lock (a capital without Shift)
  const name = COMMANDS.get(key.length === 1 && !event.shiftKey ? key.toLowerCase() : key);
  return name ? { type: "task", name } : null;
}

/** The always-visible one-line hint. */
export const RANK_HINT =
  "←→↑↓/hjkl focus · Shift+arrows (Shift+hjkl) or drag: move the candidate · t/Home top · End last · = tie with the one before · m broken media · s save ranking (n/p/g save a changed one) · z undo · n/Enter next · p prev · g go to · ? help";

export function rankHelpRows(): Array<[string, string]> {
  return [
    ["← → ↑ ↓  or  h l k j", "move the focus between candidates (↑/↓ by one row)"],
    ["Shift+← / Shift+→  (Shift+h / l)", "move the focused candidate one place up / down the ranking"],
    ["Shift+↑ / Shift+↓  (Shift+k / j)", "move the focused candidate one row up / down"],
    ["drag a tile", "move that candidate to where it is dropped (Esc cancels the drag)"],
    ["t  or  Home", "move the focused candidate to the top (rank 1)"],
    ["End", "move the focused candidate to the end"],
    ["=", "tie the focused candidate with the one before it (they share a rank); again: untie"],
    ["m", "toggle “broken media” on the focused candidate (it leaves the ranking, counts as handled)"],
    ["s", "save the ranking on screen (also the order as shown, if it is right as it is)"],
    ["n  or  Enter", "next query (a changed ranking is saved first)"],
    ["p", "previous query (a changed ranking is saved first)"],
    ["g", "go to a query (a changed ranking is saved first)"],
    ["z  or  Ctrl+Z", "take back the last move not saved yet, or the last m; else undo the last saved ranking"],
    ["Space", "play / pause the focused candidate's audio or video"],
    ["[  /  ]", "seek 5 s back / forward"],
    ["?", "show / hide this help"],
    ["Escape", "close this help"],
  ];
}
