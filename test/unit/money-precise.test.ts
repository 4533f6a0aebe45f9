import { describe, expect, it } from "vitest";
import { formatUsdPrecise, usdToNanos } from "@/lib/credits/money";

describe("formatUsdPrecise: money where a sub-cent change must show", () => {
  it("shows whole cents as usual", () => {
    expect(formatUsdPrecise(usdToNanos("1"))).toBe("$1.00");
    expect(formatUsdPrecise(0n)).toBe("$0.00");
    expect(formatUsdPrecise(usdToNanos("1234.5"))).toBe("$1,234.50");
    expect(formatUsdPrecise(usdToNanos("-0.25"))).toBe("-$0.25");
  });

  it("keeps the digits that rounding to cents would hide, never rounding up", () => {
    expect(formatUsdPrecise(usdToNanos("0.9973"))).toBe("$0.9973");
    expect(formatUsdPrecise(usdToNanos("0.999999999"))).toBe("$0.999999");
    expect(formatUsdPrecise(usdToNanos("10.0150001"))).toBe("$10.015");
    expect(formatUsdPrecise(usdToNanos("-0.0127"))).toBe("-$0.0127");
  });

  it("shows amounts under a cent in full, like formatUsd", () => {
    expect(formatUsdPrecise(usdToNanos("0.005"))).toBe("$0.005");
    expect(formatUsdPrecise(usdToNanos("0.000003702"))).toBe("$0.000003702");
  });
});
