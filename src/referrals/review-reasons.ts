/**
 * The review queue's reasons: the codes a referral is held for, and what matched for each
 * (a block list entry, a budget, a cap), for the console to put in words. Pure.
 */
import type { ReasonDetail } from "../db/schema";
import type { HoldReason } from "../program/holds";
import type { ProgramRules } from "../program/schemas";

/**
 * Every reason a referral can be held for (API.md, Fraud controls), the values of
 * `?reason=` on the review queue.
 */
export const REVIEW_REASONS = [
  "same_device",
  "same_ip",
  "daily_cap",
  "monthly_cap",
  "blocklisted",
  "budget_exhausted",
  "phone_type",
  "country_mismatch",
] as const satisfies readonly string[];

export type ReviewReason = (typeof REVIEW_REASONS)[number];

/** Fails to compile when the rules hold for a reason the queue cannot filter by. */
export const everyHoldReasonIsListed: readonly ReviewReason[] = [] as HoldReason[];

export interface ReasonExplained {
  /** The reason's code (`same_ip`), or an admin's words for a rejected referral. */
  code: string;
  /** What matched, language-neutral (`+92300`, `10.0.0.0/8`, a cap of `5`), or null. */
  matched: string | null;
  /** What the hold stored of the match, as data (the entry, the budget's use), when it did. */
  detail?: ReasonDetail["detail"];
}

/**
 * What matched, in one language-neutral string, from what a hold stored: the block list
 * entry's value, the budget per period (`100/day`), the phone's type, the two countries
 * (`PK/US`: the phone's, then the request's), the cap.
 */
function matchedOf(code: ReviewReason, detail: NonNullable<ReasonDetail["detail"]>) {
  const text = (value: string | number | undefined) => (value === undefined ? null : String(value));
  switch (code) {
    case "blocklisted":
      return text(detail.value);
    case "budget_exhausted":
      return detail.budget === undefined ? null : `${detail.budget}/${detail.period ?? "day"}`;
    case "phone_type":
      return text(detail.phoneType);
    case "country_mismatch":
      return `${detail.phoneCountry ?? "?"}/${detail.requestCountry ?? "?"}`;
    case "daily_cap":
    case "monthly_cap":
      return text(detail.cap);
    default:
      return null;
  }
}

function isReviewReason(code: string): code is ReviewReason {
  return (REVIEW_REASONS as readonly string[]).includes(code);
}

/**
 * A stored reason in plain data. A reason is stored as its code, or as `code:what matched`
 * (`blocklisted:+92300`, `budget_exhausted:pointsPerDay=100`); for the velocity caps, which
 * store the code alone, the cap comes from the rules the referral was made under. Anything
 * else (an admin's reason for rejecting) is returned as it is.
 *
 * @example explainReason("daily_cap", rules) // { code: "daily_cap", matched: "5" } with caps.perDay 5
 */
export function explainReason(
  stored: string,
  rules: Pick<ProgramRules, "caps"> | undefined,
  details: readonly ReasonDetail[] = [],
): ReasonExplained {
  const colon = stored.indexOf(":");
  const code = colon === -1 ? stored : stored.slice(0, colon);
  if (!isReviewReason(code)) return { code: stored, matched: null };
  if (colon !== -1) return { code, matched: stored.slice(colon + 1) || null };
  const detail = details.find((kept) => kept.code === code)?.detail;
  if (detail) return { code, matched: matchedOf(code, detail), detail };
  const cap =
    code === "daily_cap"
      ? rules?.caps.perDay
      : code === "monthly_cap"
        ? rules?.caps.perMonth
        : undefined;
  return { code, matched: cap === undefined || cap === null ? null : String(cap) };
}

/**
 * Stored reasons that match `reason`: the code itself or `code:…`, as a SQLite GLOB pattern
 * (codes are lowercase letters and `_`, which GLOB takes literally).
 */
export function reasonPattern(reason: ReviewReason): string {
  return `${reason}:*`;
}
