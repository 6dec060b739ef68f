import type { ProgramRules } from "../src/program/schemas";

/** The contract's default program (API.md, "The default program"), as rules. */
export const defaultRules: ProgramRules = {
  refereeBonus: 20,
  referrerTiers: [
    { fromReferral: 1, points: 50 },
    { fromReferral: 4, points: 100 },
    { fromReferral: 11, points: 150 },
  ],
  qualification: "signup",
  eventTypes: ["purchase"],
  requireVerifiedPhone: false,
  holdDays: 14,
  caps: { perDay: 25, perMonth: 200 },
  budget: { pointsPerDay: null, pointsPerMonth: null },
  holdPhoneTypes: [],
  holdOnCountryMismatch: false,
  pointsExpiryDays: 365,
  codeExpiryDays: null,
  milestones: [
    { referrals: 5, unlock: "free_theme", bonusPoints: 0 },
    { referrals: 20, unlock: "premium_1_month", bonusPoints: 0, durationDays: 30 },
  ],
  badges: [
    { name: "Bronze", referrals: 5 },
    { name: "Silver", referrals: 20 },
    { name: "Gold", referrals: 50 },
  ],
  defaultLocale: "en",
  notifications: {
    friendJoined: true,
    referralRewarded: true,
    milestoneReached: true,
    pointsExpiring: true,
  },
  minimumAmount: null,
};
