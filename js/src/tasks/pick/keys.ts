/**
 * The pick task's keys (pure, no DOM): each tile's key cap, and key presses -> actions.
 *
 * - The first 22 tiles have a key: 1–9, 0 for the 10th, then the letters no command takes (nor
 *   e and r, the grid's note and rubric keys: one key, one meaning in every task). That key picks
 *   the tile as the best. Shift+digit picks tiles 1–10 as the second best (Shift+1 is "!" on a
 *   US layout, so digits are read from `event.code`); Shift+letter is left alone, as the
 *   rubric's flags take upper-case letters (A, D, U, F). Caps Lock does not turn a pick into a
 *   second.
 * - `b` / `v` pick the focused tile as best / second best: the tiles beyond the keys, and the mouse-
 *   free way to pick after moving with the arrows.
 * - `x` none relevant, `m` broken media on the focused tile; the shell's keys do the rest
 *   (move, Home / End, n/p, z, g, Space, [ ], ?).
 */

import { type Action, HOME_END_ROW, type KeyLike } from "../../shell/keyboard";

/** Letters no shell or pick command takes (not h j k l b x n p z m g, v = second on focus, e r). */
export const TILE_LETTERS = "acdfioqstuwy";
/** The key caps of tiles 1, 2, ... in order; tiles past the end have none. */
export const TILE_KEYS: readonly string[] = [..."1234567890", ...TILE_LETTERS];

const INDEX = new Map(TILE_KEYS.map((key, index) => [key, index]));

/** The key cap of the tile at `index` (0-based), or "" beyond the keys. */
export function tileKey(index: number): string {
  return TILE_KEYS[index] ?? "";
}

/** Picking: a tile (`index`) or the focused one (no index), as best (1) or second (2). */
export type PickAction = { type: "task"; name: "pick"; index?: number; value: 1 | 2 };

/** The tile a key press names, if any, and whether it asks for the second best. */
function tileOf(event: KeyLike): { index: number; second: boolean } | null {
  const key = event.key;
  if (event.shiftKey) {
    const digit = /^Digit(\d)$/.exec(event.code ?? "");
    return digit ? { index: INDEX.get(digit[1]) as number, second: true } : null;
  }
  const index = INDEX.get(key.length === 1 ? key.toLowerCase() : key);
  return index === undefined ? null : { index, second: false };
}

/** The pick task's action for a key press, or null to let the shell map it. */
export function pickKeys(event: KeyLike): Action | null {
  const tile = tileOf(event);
  if (tile) return { type: "task", name: "pick", index: tile.index, value: tile.second ? 2 : 1 };
  if (event.shiftKey) return null;
  switch (event.key.toLowerCase()) {
    case "b":
      return { type: "task", name: "pick", value: 1 };
    case "v":
      return { type: "task", name: "pick", value: 2 };
    case "x":
      return { type: "none-relevant" };
    case "m":
      return { type: "flag" };
    default:
      return null;
  }
}

/** The always-visible one-line hint. */
export function pickHint(advance: boolean): string {
  return (
    `tile key (1–9 0 a c d …) best${advance ? " → next query" : ""} · Shift+digit 2nd best · b / v best / 2nd on focus · ` +
    "x none relevant · m broken media · ←→↑↓/hjkl move · Home/End first/last · Space play · n/p next/prev · g go to · z undo · ? help"
  );
}

/** Rows of the `?` overlay. */
export function pickHelpRows(advance: boolean): Array<[string, string]> {
  return [
    [
      "1–9, 0, then a c d f i …",
      `pick that tile (its key cap) as the best match${advance ? "; the next query comes at once" : ""}; again: clear it`,
    ],
    ["Shift + 1–9, 0", "second best (optional; not the best one); again: clear it"],
    ["b  /  v", "best / second best on the focused tile (also the tiles beyond the keys)"],
    ["x", "toggle “none relevant” for the query (clear the picks first)"],
    ["m", "toggle “broken media” on the focused tile (a broken tile cannot be picked)"],
    ["← → ↑ ↓  or  h l k j", "move the focus between tiles"],
    HOME_END_ROW,
    ["Space", "play / pause the focused tile's audio or video"],
    ["[  /  ]", "seek 5 s back / forward"],
    ["n  or  Enter", "next query"],
    ["p", "previous query"],
    ["g", "go to a query (number or query id; Enter goes, Escape cancels)"],
    ["z  or  Ctrl+Z", "undo the last pick (goes back to it and says what it undid)"],
    ["?", "show / hide this help"],
    ["Escape", "close this help"],
  ];
}
