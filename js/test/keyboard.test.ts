import { describe, expect, it } from "vitest";
import { actionForKey, HINT, helpRows, hintFor, levelKeys } from "../src/shell/keyboard";
import type { ScaleSpec } from "../src/shell/protocol";
import { MAGNITUDE, TREC } from "./fixtures";

const keys = levelKeys(TREC);

describe("actionForKey", () => {
  it.each([
    ["ArrowLeft", { type: "move", direction: "left" }],
    ["ArrowRight", { type: "move", direction: "right" }],
    ["ArrowUp", { type: "move", direction: "up" }],
    ["ArrowDown", { type: "move", direction: "down" }],
    ["h", { type: "move", direction: "left" }],
    ["l", { type: "move", direction: "right" }],
    ["k", { type: "move", direction: "up" }],
    ["j", { type: "move", direction: "down" }],
    ["b", { type: "best" }],
    ["x", { type: "none-relevant" }],
    ["n", { type: "next" }],
    ["Enter", { type: "next" }],
    ["p", { type: "prev" }],
    ["z", { type: "undo" }],
    ["?", { type: "help" }],
    ["Escape", { type: "close" }],
    ["m", { type: "flag" }],
    [" ", { type: "play" }],
    ["[", { type: "seek", seconds: -5 }],
    ["]", { type: "seek", seconds: 5 }],
    ["g", { type: "goto" }],
    ["0", { type: "grade", value: 0 }],
    ["3", { type: "grade", value: 3 }],
  ])("maps %s", (name, action) => {
    expect(actionForKey({ key: name }, keys)).toEqual(action);
  });

  it("ignores keys it does not know", () => {
    for (const name of ["4", "a", "Tab", "F5", "Shift"]) expect(actionForKey({ key: name }, keys)).toBeNull();
  });

  it("ignores Ctrl, Meta and Alt combinations except Ctrl+Z", () => {
    for (const modifier of ["ctrlKey", "metaKey", "altKey"]) {
      for (const name of ["j", "ArrowDown", "2", "b", "n", "Enter"]) {
        expect(actionForKey({ key: name, [modifier]: true }, keys)).toBeNull();
      }
    }
    expect(actionForKey({ key: "z", ctrlKey: true }, keys)).toEqual({ type: "undo" });
    expect(actionForKey({ key: "z", metaKey: true }, keys)).toBeNull();
    expect(actionForKey({ key: "z", altKey: true }, keys)).toBeNull();
    expect(actionForKey({ key: "z", ctrlKey: true, shiftKey: true }, keys)).toBeNull();
  });

  it("allows Shift: ? is typed with it, Shift+←/→ nudges", () => {
    expect(actionForKey({ key: "?", shiftKey: true }, keys)).toEqual({ type: "help" });
    expect(actionForKey({ key: "ArrowRight", shiftKey: true }, keys)).toEqual({ type: "nudge", delta: 1 });
    expect(actionForKey({ key: "ArrowLeft", shiftKey: true }, keys)).toEqual({ type: "nudge", delta: -1 });
    expect(actionForKey({ key: "B", shiftKey: true }, keys)).toEqual({ type: "best" });
    expect(actionForKey({ key: "Enter", shiftKey: true }, keys)).toBeNull();
  });

  it("takes the level keys from the scale", () => {
    const custom: ScaleSpec = {
      ...TREC,
      levels: [
        { value: 0, name: "no", definition: "", key: "a", examples: [] },
        { value: 5, name: "yes", definition: "", key: "s", examples: [] },
      ],
    };
    const customKeys = levelKeys(custom);
    expect(actionForKey({ key: "s" }, customKeys)).toEqual({ type: "grade", value: 5 });
    expect(actionForKey({ key: "a" }, customKeys)).toEqual({ type: "grade", value: 0 });
    expect(actionForKey({ key: "1" }, customKeys)).toBeNull();
    expect(levelKeys(MAGNITUDE).size).toBe(0);
  });

  it("repeats only movement when a key is held", () => {
    expect(actionForKey({ key: "j", repeat: true }, keys)).toEqual({ type: "move", direction: "down" });
    expect(actionForKey({ key: "2", repeat: true }, keys)).toBeNull();
    expect(actionForKey({ key: "n", repeat: true }, keys)).toBeNull();
    expect(actionForKey({ key: " ", repeat: true }, keys)).toBeNull();
    expect(actionForKey({ key: "]", repeat: true }, keys)).toEqual({ type: "seek", seconds: 5 });
    expect(actionForKey({ key: "2", isComposing: true }, keys)).toBeNull();
  });
});

describe("hints", () => {
  it("uses the default hint for 0-3 and the scale's keys otherwise", () => {
    expect(hintFor(TREC)).toBe(HINT);
    expect(hintFor({ ...TREC, levels: TREC.levels.slice(0, 2) })).toContain("0/1 grade");
    expect(hintFor(MAGNITUDE)).toContain("Shift+←/→");
  });
  it("lists every level key and command in help", () => {
    const text = helpRows(TREC).flat().join("\n");
    for (const level of TREC.levels) expect(text).toContain(level.name);
    for (const word of [
      "best",
      "none relevant",
      "next",
      "previous",
      "undo",
      "Escape",
      "Space",
      "broken media",
      "go to",
    ])
      expect(text).toContain(word);
    for (const word of ["Space play", "[ ] seek", "m broken media", "g go to"]) expect(HINT).toContain(word);
  });
});
