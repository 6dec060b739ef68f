import { describe, expect, it } from "vitest";
import { fitsMinorUnit, isCurrency } from "../src/lib/currencies";
import { DiscountSchema, discountProblem } from "../src/rewards/discount";

describe("what a coupon is worth (pure rules)", () => {
  it("knows the ISO 4217 currencies in use, in upper case", () => {
    expect(["PKR", "USD", "EUR", "INR", "JPY", "KWD"].every(isCurrency)).toBe(true);
    expect(["pkr", "XYZ", "XXX", "XAU", "US", ""].some(isCurrency)).toBe(false);
  });

  it("an amount fits the currency's minor unit", () => {
    expect(fitsMinorUnit(5.99, "USD")).toBe(true);
    expect(fitsMinorUnit(0.1 + 0.2, "USD")).toBe(true);
    expect(fitsMinorUnit(5.999, "USD")).toBe(false);
    expect(fitsMinorUnit(100, "JPY")).toBe(true);
    expect(fitsMinorUnit(100.5, "JPY")).toBe(false);
    expect(fitsMinorUnit(1.125, "KWD")).toBe(true);
  });

  it("accepts the three kinds and null, and refuses the rest", () => {
    for (const good of [
      { type: "percent", percent: 10 },
      { type: "percent", percent: 100 },
      { type: "percent", percent: 12.5 },
      { type: "amount", amount: 500, currency: "PKR" },
      { type: "product", sku: "free-product" },
      null,
    ]) {
      expect(DiscountSchema.safeParse(good).success, JSON.stringify(good)).toBe(true);
    }
    for (const bad of [
      { type: "percent", percent: -1 },
      { type: "percent", percent: 0 },
      { type: "percent", percent: 101 },
      { type: "amount", amount: 5, currency: "ABC" },
      { type: "amount", amount: 0, currency: "PKR" },
      { type: "product", sku: "free\u202Eproduct" },
      { type: "points", points: 5 },
    ]) {
      expect(DiscountSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it("only a coupon reward has a discount", () => {
    expect(discountProblem("coupon", { type: "percent", percent: 5 })).toBeNull();
    expect(discountProblem("unlock", null)).toBeNull();
    expect(discountProblem("unlock", { type: "percent", percent: 5 })).toMatch(/only a coupon/);
  });
});
