import { describe, expect, it } from "vitest";
import { ActiveClock, IDLE_MS } from "../src/shell/activity";

describe("ActiveClock (duration_ms = active time)", () => {
  it("counts only while the widget has focus", () => {
    const clock = new ActiveClock();
    clock.restart(0); // page shown at 0, widget not focused
    clock.setFocused(true, 5_000);
    expect(clock.take(7_000)).toBe(2_000);
    clock.setFocused(false, 8_000);
    clock.setFocused(true, 60_000);
    expect(clock.take(61_000)).toBe(2_000);
  });

  it("a key typed before its page was shown counts 0 and does not move the next start back", () => {
    const clock = new ActiveClock();
    clock.setFocused(true, 0);
    clock.restart(1_000); // the page is shown at 1 000; the key was pressed at 900
    expect(clock.take(900)).toBe(0);
    expect(clock.take(1_500)).toBe(500);
  });

  it("does not count an idle gap beyond 30 s, nor time with the tab hidden", () => {
    const clock = new ActiveClock();
    clock.setFocused(true, 0);
    clock.restart(0);
    clock.activity(1_000);
    // 100 s without a key or pointer event: counts until 30 s after the last one
    clock.activity(101_000);
    expect(clock.take(103_000)).toBe(1_000 + IDLE_MS + 2_000);
    clock.setVisible(false, 104_000);
    clock.setVisible(true, 200_000);
    expect(clock.take(200_500)).toBe(1_500);
  });
});
