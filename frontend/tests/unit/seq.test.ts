import { describe, expect, test } from "vitest";
import { SeqTracker } from "@/lib/realtime/seq";

describe("SeqTracker", () => {
  test("test_consecutive_ticks_are_next_and_a_jump_is_a_gap", () => {
    const seq = new SeqTracker();
    expect(seq.observe("FPT", 10)).toBe("first");
    expect(seq.observe("FPT", 11)).toBe("next");
    expect(seq.observe("FPT", 14)).toBe("gap");
    expect(seq.observe("FPT", 15)).toBe("next");
  });

  test("test_repeated_or_older_ticks_are_duplicates_and_do_not_move_the_position", () => {
    const seq = new SeqTracker();
    seq.observe("VNM", 5);
    expect(seq.observe("VNM", 5)).toBe("duplicate");
    expect(seq.observe("VNM", 3)).toBe("duplicate");
    expect(seq.lastSeq("VNM")).toBe(5);
  });

  test("test_symbols_are_tracked_independently", () => {
    const seq = new SeqTracker();
    seq.observe("FPT", 1);
    expect(seq.observe("HPG", 100)).toBe("first");
    expect(seq.observe("FPT", 2)).toBe("next");
  });

  test("test_a_snapshot_position_is_adopted_only_forwards", () => {
    const seq = new SeqTracker();
    seq.set("FPT", 20);
    expect(seq.observe("FPT", 20)).toBe("duplicate");
    expect(seq.observe("FPT", 21)).toBe("next");
    seq.set("FPT", 5);
    expect(seq.lastSeq("FPT")).toBe(21);
  });

  test("test_reset_makes_the_next_tick_a_new_baseline", () => {
    const seq = new SeqTracker();
    seq.observe("FPT", 1);
    seq.reset();
    expect(seq.observe("FPT", 50)).toBe("first");
  });
});
