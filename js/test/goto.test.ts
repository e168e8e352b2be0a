import { describe, expect, it } from "vitest";
import { resolveGoTo } from "../src/shell/goto";

describe("resolveGoTo", () => {
  const ids = new Map([
    ["q07", 6],
    ["12", 0],
  ]);
  it("takes a query number (1-based) or a query id; an id wins over a number", () => {
    expect(resolveGoTo("3", 10, ids)).toEqual({ index: 2 });
    expect(resolveGoTo(" q07 ", 10, ids)).toEqual({ index: 6 });
    expect(resolveGoTo("12", 10, ids)).toEqual({ index: 0 });
  });
  it("says what is wrong with anything else", () => {
    expect(resolveGoTo("11", 10, ids)).toEqual({ error: "no query 11: queries are numbered 1 to 10" });
    expect(resolveGoTo("zz", 10, ids)).toEqual({ error: 'no query with id "zz" (type its number, 1 to 10)' });
    expect(resolveGoTo("", 10, ids)).toEqual({ error: "type a query number or a query id" });
  });
});
