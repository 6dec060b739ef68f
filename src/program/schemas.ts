import { z } from "zod";
import { locales } from "../i18n/locales";
import { LabelsSchema } from "../i18n/schemas";
import { PHONE_TYPES } from "../lib/phone";

/**
 * The program's rules as data: the zod schema that validates a program on publish and
 * documents it in OpenAPI, and the types the pure rules (rules.ts) work on.
 */
const TierSchema = z
  .object({
    /** The qualified place (1-based, in the order referrals qualify) where this tier starts. */
    fromReferral: z.number().int().min(1),
    /** Fixed points for the referrer; or, instead, `percentOfAmount`. */
    points: z.number().int().min(0).max(1_000_000).optional(),
    /** Points as this percent of the qualifying event's amount, rounded down. */
    percentOfAmount: z.number().gt(0).max(100).optional(),
    /** With `percentOfAmount`: the most the tier pays; absent, no cap. */
    maxPoints: z.number().int().min(0).max(1_000_000).optional(),
  })
  .refine((tier) => (tier.points === undefined) !== (tier.percentOfAmount === undefined), {
    message: "give exactly one of points and percentOfAmount",
    path: ["points"],
  })
  .refine((tier) => tier.maxPoints === undefined || tier.percentOfAmount !== undefined, {
    message: "maxPoints caps a percentOfAmount tier only",
    path: ["maxPoints"],
  });

const MilestoneSchema = z.object({
  /** Qualified referrals that reach this milestone. */
  referrals: z.number().int().min(1),
  /** The entitlement it unlocks, e.g. "free_theme". */
  unlock: z.string().regex(/^[a-z0-9_]{1,64}$/),
  bonusPoints: z.number().int().min(0).max(1_000_000).default(0),
  /** How long the unlock lasts (e.g. 30 for a month of premium); absent: for good. */
  durationDays: z.number().int().min(1).max(3650).optional(),
  /** What people read for the unlock, per language; absent: the catalogue's or the key in words. */
  labels: LabelsSchema.optional(),
});

const BadgeSchema = z.object({
  name: z.string().min(1).max(40),
  referrals: z.number().int().min(1),
  /** The badge's name per language; absent: `name`. */
  labels: LabelsSchema.optional(),
});

/** Which notification SMS the program sends (each person can still turn all of them off). */
const NotificationSwitchesSchema = z
  .object({
    friendJoined: z.boolean().default(true),
    referralRewarded: z.boolean().default(true),
    milestoneReached: z.boolean().default(true),
    pointsExpiring: z.boolean().default(true),
  })
  .strict();

/** The event type that reverses a referral; always accepted. */
export const REFUND_EVENT = "refund";

const EventTypeSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, "must be signup or an event type such as purchase");

function ascendingBy<T>(key: (item: T) => number) {
  return (items: readonly T[]) =>
    items.every((item, i) => i === 0 || key(item) > key(items[i - 1] as T));
}

/**
 * The reward rules of a program version, stored as JSON in D1 (`programs.rules`) and
 * validated here on the way in and out.
 */
const ProgramRulesFields = z.object({
  /** Points for a new user who signs up with a valid code (`signup_bonus`). */
  refereeBonus: z.number().int().min(0).max(1_000_000),
  /**
   * Points for the referrer by the referral's qualified place (1 for the first referral to
   * qualify, whatever its signup order); the first tier starts at 1.
   */
  referrerTiers: z
    .array(TierSchema)
    .min(1)
    .max(20)
    .refine((tiers) => tiers[0]?.fromReferral === 1, "the first tier must start at referral 1")
    .refine(
      ascendingBy((tier: Tier) => tier.fromReferral),
      "tiers must be in increasing order of fromReferral",
    ),
  /**
   * When a referral pays out: "signup" (at once) or the event type that qualifies it, such
   * as "purchase" (both sides are paid on the referee's first such event).
   */
  qualification: EventTypeSchema.refine(
    (value) => value !== REFUND_EVENT,
    "refund cannot qualify a referral",
  ).default("signup"),
  /**
   * The event types the product's back end may send besides `refund`; any other type is
   * refused, so that a typo is an error rather than an event that silently does nothing.
   * The qualification type is always accepted too (see `acceptsEventType`).
   */
  eventTypes: z
    .array(EventTypeSchema.refine((value) => value !== REFUND_EVENT, "refund is always accepted"))
    .max(20)
    .default(["purchase"]),
  /**
   * A new referral stays pending until its referee has verified their phone by SMS code:
   * made-up numbers earn the referrer nothing. Off by default.
   */
  requireVerifiedPhone: z.boolean().default(false),
  /** A refund within this many days of qualification reverses the referral's rewards. */
  holdDays: z.number().int().min(0).max(365).default(14),
  /** Rewarded referrals per referrer beyond which new ones are held for review. */
  caps: z
    .object({
      perDay: z.number().int().min(1).nullable(),
      perMonth: z.number().int().min(1).nullable(),
    })
    .default({ perDay: null, perMonth: null }),
  /**
   * Referral points (both sides and bonuses) paid per UTC day and calendar month: a referral
   * whose payment would pass one is held (`budget_exhausted`) until an admin approves it.
   */
  budget: z
    .object({
      pointsPerDay: z.number().int().min(1).max(1_000_000_000).nullable().default(null),
      pointsPerMonth: z.number().int().min(1).max(1_000_000_000).nullable().default(null),
    })
    .default({ pointsPerDay: null, pointsPerMonth: null }),
  /** A referee whose phone has one of these libphonenumber types is held (`phone_type`). */
  holdPhoneTypes: z
    .array(z.enum(PHONE_TYPES))
    .max(PHONE_TYPES.length)
    .refine((types) => new Set(types).size === types.length, "each type at most once")
    .default([]),
  /**
   * A referee whose phone's country is not the request's country is held
   * (`country_mismatch`); a request without a country holds nothing.
   */
  holdOnCountryMismatch: z.boolean().default(false),
  /** Earned points expire this many days after they were credited; null: never. */
  pointsExpiryDays: z.number().int().min(1).max(3650).nullable(),
  /** Referral codes stop working this many days after they were issued; null: never. */
  codeExpiryDays: z.number().int().min(1).max(3650).nullable(),
  milestones: z
    .array(MilestoneSchema)
    .max(50)
    .refine(
      ascendingBy((m: Milestone) => m.referrals),
      "milestones must be in increasing order of referrals",
    )
    .default([]),
  badges: z
    .array(BadgeSchema)
    .max(20)
    .refine(
      ascendingBy((b: Badge) => b.referrals),
      "badges must be in increasing order of referrals",
    )
    .default([]),
  /** The language of a person whose request named none and whose browser asks for none we speak. */
  defaultLocale: z.enum(locales).default("en"),
  notifications: NotificationSwitchesSchema.default({
    friendJoined: true,
    referralRewarded: true,
    milestoneReached: true,
    pointsExpiring: true,
  }),
  /**
   * With qualification by event: an event whose `amount` is below this (or has none)
   * qualifies nothing; null: any amount.
   */
  minimumAmount: z.number().int().min(0).max(1_000_000_000).nullable().default(null),
});

export const ProgramRulesSchema = ProgramRulesFields
  // Amounts come with events: at signup there is none to take a percent of or to compare.
  .refine(
    (rules) =>
      rules.qualification !== "signup" ||
      rules.referrerTiers.every((tier) => tier.percentOfAmount === undefined),
    { message: "percentOfAmount needs qualification by an event", path: ["referrerTiers"] },
  )
  .refine((rules) => rules.qualification !== "signup" || rules.minimumAmount === null, {
    message: "minimumAmount needs qualification by an event",
    path: ["minimumAmount"],
  });

export type ProgramRules = z.infer<typeof ProgramRulesSchema>;
export type Tier = z.infer<typeof TierSchema>;
export type Milestone = z.infer<typeof MilestoneSchema>;
export type Badge = z.infer<typeof BadgeSchema>;
export type NotificationSwitches = z.infer<typeof NotificationSwitchesSchema>;

export interface Program {
  version: number;
  rules: ProgramRules;
}
