import { describe, expect, it } from "vitest";
import type { Action } from "../src/shell/keyboard";
import { TypeAhead } from "../src/shell/typeahead";

describe("TypeAhead", () => {
  it("applies the waiting keys in order, also when a key shows a page at once", () => {
    // z going back to a cached query renders it inside its own handler, and the render applies
    // the waiting keys: they ran (and were sent) before the z was sent, so the kernel undid the
    // key typed after the z instead of the one before it
    const typed = new TypeAhead();
    const sent: string[] = [];
    const name = (action: Action): string => (action.type === "jump" ? `jump ${action.index}` : action.type);
    const perform = (action: Action): void => {
      if (action.type === "undo") typed.apply(perform, () => true); // the page shown at once
      sent.push(name(action));
    };
    typed.push({ type: "undo" }, 0);
    typed.push({ type: "undo" }, 1);
    typed.push({ type: "move", direction: "right" }, 2);
    typed.push({ type: "best" }, 3);
    typed.apply(perform, () => true);
    expect(sent).toEqual(["undo", "undo", "move", "best"]);
    expect(typed.size).toBe(0);
  });

  it("stops at a key whose page is not here and goes on from there", () => {
    const typed = new TypeAhead();
    const sent: string[] = [];
    let ready = true;
    const perform = (action: Action): void => {
      sent.push(action.type);
      if (action.type === "next") ready = false;
    };
    typed.push({ type: "grade", value: 1 }, 0);
    typed.push({ type: "next" }, 1);
    typed.push({ type: "grade", value: 2 }, 2);
    typed.apply(perform, () => ready);
    expect(sent).toEqual(["grade", "next"]);
    expect(typed.size).toBe(1);
    ready = true;
    typed.apply(perform, () => ready);
    expect(sent).toEqual(["grade", "next", "grade"]);
  });
});
