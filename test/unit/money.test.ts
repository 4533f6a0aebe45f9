import { describe, expect, it } from "vitest";
import { formatUsd, nanosToDecimalString, nanosToUsdNumber, perMillion, usdToNanos } from "@/lib/credits/money";

describe("money", () => {
  it("parses dollar amounts into exact nano-dollars", () => {
    expect(usdToNanos("1")).toBe(1_000_000_000n);
    expect(usdToNanos("1.00")).toBe(1_000_000_000n);
    expect(usdToNanos("0.000000180")).toBe(180n);
    expect(usdToNanos("1000")).toBe(1_000_000_000_000n);
    expect(usdToNanos("-2.5")).toBe(-2_500_000_000n);
    expect(() => usdToNanos("1e3")).toThrow();
    expect(() => usdToNanos("$5")).toThrow();
  });

  it("prints amounts people read, without hiding sub-cent costs", () => {
    expect(formatUsd(1_000_000_000n)).toBe("$1.00");
    expect(formatUsd(0n)).toBe("$0.00");
    expect(formatUsd(1_234_567_890_000n)).toBe("$1,234.57");
    expect(formatUsd(-250_000_000n)).toBe("-$0.25");
    expect(formatUsd(123_000n)).toBe("$0.000123");
    expect(formatUsd(10_000_000n)).toBe("$0.01");
  });

  it("converts without losing a nano-dollar", () => {
    expect(nanosToDecimalString(1n)).toBe("0.000000001");
    expect(nanosToDecimalString(-1_500_000_001n)).toBe("-1.500000001");
    expect(nanosToUsdNumber(123_456n)).toBe(0.000123456);
  });

  it("charges per million units rounded up to a whole nano-dollar", () => {
    expect(perMillion(1_000_000, 180_000_000n)).toBe(180_000_000n);
    expect(perMillion(1, 180_000_000n)).toBe(180n);
    expect(perMillion(3, 100n)).toBe(1n);
    expect(perMillion(0, 100n)).toBe(0n);
  });
});
