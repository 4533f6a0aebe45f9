import { describe, expect, it } from "vitest";
import { turnSlot } from "@/lib/http/turn-budget";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("the per-turn work budget", () => {
  it("lets 64 units go in a turn and the rest in later turns, 64 per turn, in the order they asked", async () => {
    const slots = Array.from({ length: 200 }, () => turnSlot());
    expect(slots.slice(0, 64).every((slot) => slot === null)).toBe(true);
    expect(slots.slice(64).every((slot) => slot instanceof Promise)).toBe(true);

    const served: number[] = [];
    slots.forEach((slot, i) => void slot?.then(() => served.push(i)));
    await nextTurn();
    expect(served).toEqual(Array.from({ length: 64 }, (_, i) => 64 + i));
    await nextTurn();
    expect(served).toHaveLength(128);
    await nextTurn();
    expect(served).toEqual(Array.from({ length: 136 }, (_, i) => 64 + i));

    // Drained, the next turn has its whole budget again.
    await nextTurn();
    expect(turnSlot()).toBeNull();
  });

  it("lets a stream's first token go before the later tokens waiting, within the same budget", async () => {
    await nextTurn();
    const later = Array.from({ length: 100 }, () => turnSlot());
    const first = Array.from({ length: 10 }, () => turnSlot(true));
    expect(later.slice(64).every((slot) => slot instanceof Promise)).toBe(true);
    expect(first.every((slot) => slot instanceof Promise)).toBe(true);

    const served: string[] = [];
    later.forEach((slot, i) => void slot?.then(() => served.push(`later ${i}`)));
    first.forEach((slot, i) => void slot?.then(() => served.push(`first ${i}`)));
    await nextTurn();
    // The next turn serves the ten first tokens, then the 36 later ones waiting (room for 54).
    expect(served).toEqual([...Array.from({ length: 10 }, (_, i) => `first ${i}`), ...Array.from({ length: 36 }, (_, i) => `later ${64 + i}`)]);

    // Drained, a first token goes at once.
    await nextTurn();
    expect(turnSlot(true)).toBeNull();
  });
});
