/**
 * The pair task's keys (PairwiseJudge): one key per choice, shown as a key cap on its button.
 *
 * `1` left better, `2` right better, `3` tie, `4` both bad: the four keys sit under the fingers of
 * one hand on the number row (or the numpad), "1 = the first, 2 = the second" needs no learning,
 * and the rarer tie and both bad come after them. On layouts whose number row gives other
 * characters without Shift (AZERTY gives & é " '), the physical key (`event.code` Digit1..4,
 * Numpad1..4) counts too, so the key with "1" printed on it means left everywhere. None of them
 * is a shell key (keyboard.ts: hjkl, n, p, z, g, m, Space, [ ], ?). `m` flags the focused item's
 * media as broken (as in the grid, and as Space plays the focused item: the item that failed to
 * play is the one in focus), Backspace clears the choice. Pure, so it is tested alone.
 */

import type { Action, KeyLike } from "../../shell/keyboard";

export type Side = "left" | "right" | "tie" | "both-bad";

/** The choices in key order: the key, its side and what its button says. */
export const CHOICES: ReadonlyArray<{ key: string; side: Side; label: string; title: string }> = [
  { key: "1", side: "left", label: "left better", title: "the left item matches the query better" },
  { key: "2", side: "right", label: "right better", title: "the right item matches the query better" },
  { key: "3", side: "tie", label: "tie", title: "both match the query equally well" },
  { key: "4", side: "both-bad", label: "both bad", title: "neither matches the query" },
];

const BY_KEY = new Map(CHOICES.map((choice) => [choice.key, choice.side]));
const BY_CODE = new Map(
  CHOICES.flatMap((choice) => [
    [`Digit${choice.key}`, choice.side],
    [`Numpad${choice.key}`, choice.side],
  ]),
);

/** The words of a side ("left better"), for notices and the status line. */
export function sideLabel(side: Side | null): string {
  return CHOICES.find((choice) => choice.side === side)?.label ?? "no choice";
}

/** The pair task's action for a key press, or null to let the shell map it. */
export function pairKeys(event: KeyLike & { code?: string }): Action | null {
  const side = BY_KEY.get(event.key) ?? (event.code ? BY_CODE.get(event.code) : undefined);
  if (side) return { type: "task", name: "choose", value: side };
  if (event.key === "m" || event.key === "M") return { type: "flag" };
  if (event.key === "Backspace" || event.key === "Delete") return { type: "task", name: "clear" };
  return null;
}

export const PAIR_HINT =
  "1 left better · 2 right better · 3 tie · 4 both bad · ←/→ side · Home/End left/right · Space play · [ ] seek · m broken media (focused side) · Backspace clear · n/p next/prev pair · g go to · z undo · ? help";

/** Rows of the `?` overlay. */
export function pairHelpRows(): Array<[string, string]> {
  return [
    ...CHOICES.map((choice): [string, string] => [choice.key, `${choice.label}: ${choice.title}`]),
    ["← →  or  h l", "focus the left / right item (Space plays the focused one)"],
    ["Home / End", "focus the left / right item, as ← / →"],
    ["Space", "play / pause the focused item's audio or video"],
    ["[  /  ]", "seek 5 s back / forward"],
    ["m", "toggle “broken media” on the focused item (← → choose it; the pair counts as judged, not as a preference)"],
    ["Backspace", "clear this pair's choice"],
    ["n  or  Enter", "next pair (after a choice the next pair comes by itself)"],
    ["p", "previous pair"],
    ["g", "go to a pair (its number, or a query id: that query's first pair)"],
    ["z  or  Ctrl+Z", "undo the last judgement (goes back to its pair)"],
    ["?", "show / hide this help"],
    ["Escape", "close this help"],
  ];
}
