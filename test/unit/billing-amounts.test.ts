import { describe, expect, it } from "vitest";
import { dollarAmountSchema, topUpAmountSchema } from "@/lib/billing/amounts";

const thresholdSchema = dollarAmountSchema({ min: 100, max: 100_000, label: "a threshold" });

function failure(text: string, schema = topUpAmountSchema): string | undefined {
  const parsed = schema.safeParse(text);
  return parsed.success ? undefined : parsed.error.issues[0]?.message;
}

describe("dollar amounts typed by a person", () => {
  it("reads plain dollars, cents after a dot, a leading $ and commas between thousands", () => {
    expect(topUpAmountSchema.parse("25")).toBe(2_500);
    expect(topUpAmountSchema.parse(" 25.5 ")).toBe(2_550);
    expect(topUpAmountSchema.parse("$5.00")).toBe(500);
    expect(topUpAmountSchema.parse("$1,000")).toBe(100_000);
    expect(topUpAmountSchema.parse("1,000.00")).toBe(100_000);
    expect(thresholdSchema.parse("1,000")).toBe(100_000);
  });

  it("refuses a decimal comma instead of reading 5,00 as $500, and says how to write cents", () => {
    for (const text of ["5,00", "12,5", "5,", "1,00,000", "1.000,00", "10,0000", ",500"]) {
      expect(failure(text), text).toBe("Use a dot for cents, e.g. 5.00.");
    }
    expect(failure("5,00", thresholdSchema)).toBe("Use a dot for cents, e.g. 5.00.");
  });

  it("refuses what is not an amount, and amounts out of range, in words", () => {
    expect(failure("five")).toBe("Enter an amount in dollars, like 25 or 25.50.");
    expect(failure("5.001")).toBe("Enter an amount in dollars, like 25 or 25.50.");
    expect(failure("4.99")).toBe("The smallest amount is $5.00.");
    expect(failure("1,000.01")).toBe("The largest amount is $1,000.00.");
  });
});
