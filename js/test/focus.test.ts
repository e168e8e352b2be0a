import { describe, expect, it } from "vitest";
import { columnsFromTops, moveFocus, nextUnjudged } from "../src/shell/focus";

describe("moveFocus", () => {
  it("moves left and right in reading order and stops at the ends", () => {
    expect(moveFocus(0, "left", 12, 4)).toBe(0);
    expect(moveFocus(0, "right", 12, 4)).toBe(1);
    expect(moveFocus(3, "right", 12, 4)).toBe(4);
    expect(moveFocus(11, "right", 12, 4)).toBe(11);
    expect(moveFocus(4, "left", 12, 4)).toBe(3);
  });
  it("moves up and down by the number of columns", () => {
    expect(moveFocus(1, "down", 12, 4)).toBe(5);
    expect(moveFocus(5, "up", 12, 4)).toBe(1);
    expect(moveFocus(1, "up", 12, 4)).toBe(1);
    expect(moveFocus(9, "down", 12, 4)).toBe(9);
    expect(moveFocus(2, "down", 12, 3)).toBe(5);
  });
  it("lands on the last tile when the row below is shorter", () => {
    // 10 tiles in 4 columns: rows 0-3, 4-7, 8-9
    expect(moveFocus(7, "down", 10, 4)).toBe(9);
    expect(moveFocus(9, "down", 10, 4)).toBe(9);
    expect(moveFocus(9, "up", 10, 4)).toBe(5);
  });
  it("handles a single candidate", () => {
    for (const direction of ["left", "right", "up", "down"] as const) expect(moveFocus(0, direction, 1, 4)).toBe(0);
  });
  it("handles 200 candidates", () => {
    expect(moveFocus(0, "down", 200, 5)).toBe(5);
    expect(moveFocus(195, "down", 200, 5)).toBe(195);
    expect(moveFocus(199, "right", 200, 5)).toBe(199);
    expect(moveFocus(199, "up", 200, 5)).toBe(194);
    let at = 0;
    for (let i = 0; i < 100; i += 1) at = moveFocus(at, "down", 200, 7);
    expect(at).toBe(196); // column 0 of the last row (196..199)
  });
  it("treats a bad column count as one column and an empty grid as no focus", () => {
    expect(moveFocus(2, "down", 5, 0)).toBe(3);
    expect(moveFocus(0, "down", 0, 4)).toBe(-1);
  });
});

describe("columnsFromTops", () => {
  it("counts the tiles on the first row", () => {
    expect(columnsFromTops([0, 0, 0, 250, 250, 250, 500], 4)).toBe(3);
    expect(columnsFromTops([0, 250, 500], 4)).toBe(1);
  });
  it("falls back when there is no layout", () => {
    expect(columnsFromTops([0, 0, 0, 0, 0, 0], 4)).toBe(4);
    expect(columnsFromTops([], 3)).toBe(3);
    expect(columnsFromTops([0], 3)).toBe(1);
  });
});

describe("nextUnjudged", () => {
  it("finds the next unjudged candidate, wrapping around", () => {
    expect(nextUnjudged(0, [true, true, false, false])).toBe(2);
    expect(nextUnjudged(3, [false, true, true, true])).toBe(0);
    expect(nextUnjudged(1, [true, true, true])).toBe(1);
    expect(nextUnjudged(0, [true])).toBe(0);
  });
});
