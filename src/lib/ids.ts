import { z } from "@hono/zod-openapi";
import { customAlphabet } from "nanoid";

/** Uppercase letters and digits without look-alikes: no 0/O, no 1/I/L. */
export const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
export const REFERRAL_CODE_LENGTH = 8;

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";
const randomIdPart = customAlphabet(CROCKFORD, 14);
const randomReferralCode = customAlphabet(CODE_ALPHABET, REFERRAL_CODE_LENGTH);
// 16 symbols of 31 ≈ 79 bits: coupon codes cannot be guessed or enumerated.
const randomCouponCode = customAlphabet(CODE_ALPHABET, 16);

export type IdPrefix =
  | "usr"
  | "ses"
  | "ref"
  | "txn"
  | "rdm"
  | "inv"
  | "clk"
  | "aud"
  | "cmp"
  | "evt"
  | "key"
  | "spd"
  | "whk"
  | "blk"
  | "chk";

/**
 * A prefixed id that sorts by creation time (48-bit millisecond clock, then 70 random bits).
 *
 * @example newId("usr", now) // "usr_01kb0h5v2c8x4mq7tz3rw9ydge"
 */
export function newId(prefix: IdPrefix, now: number): string {
  let time = "";
  for (let rest = now, i = 0; i < 10; i++, rest = Math.floor(rest / 32)) {
    time = CROCKFORD[rest % 32] + time;
  }
  return `${prefix}_${time}${randomIdPart()}`;
}

export function newReferralCode(): string {
  return randomReferralCode();
}

/** Referral codes are matched case-insensitively: "k7qm2xrp" finds K7QM2XRP. */
export function canonicalReferralCode(input: string): string {
  return input.trim().toUpperCase();
}

/**
 * Codes imported from the Express/MongoDB backend are nanoid(8): letters of both cases,
 * digits, `_` and `-`. They live in the same case-insensitive key space as ours (see
 * referral_codes), so a code looks up by its canonical form whichever kind it is.
 */
const LOOKUP_SHAPE = /^[0-9A-Z_-]{4,21}$/;

/** Could this canonical code exist, ours or imported? Anything else is not looked up. */
export function isLookupableReferralCode(code: string): boolean {
  return LOOKUP_SHAPE.test(code);
}

/** A code a user may choose: this many characters of CODE_ALPHABET (the route's schema says so too). */
export const VANITY_CODE_LENGTH = { min: 4, max: 16 } as const;

export function isWellFormedReferralCode(code: string): boolean {
  return (
    code.length >= VANITY_CODE_LENGTH.min &&
    code.length <= VANITY_CODE_LENGTH.max &&
    [...code].every((c) => CODE_ALPHABET.includes(c))
  );
}

/** @example newCouponCode() // "K7QM-2XRP-9HTB-C4WD" */
export function newCouponCode(): string {
  return randomCouponCode().match(/.{4}/g)?.join("-") ?? "";
}

const randomRewardSuffix = customAlphabet("0123456789abcdefghjkmnpqrstvwxyz", 10);

/** @example newRewardSuffix() // "k7qm2xrp9h" */
export function newRewardSuffix(): string {
  return randomRewardSuffix();
}

const randomVerificationCode = customAlphabet("0123456789", 6);

/** A 6-digit one-time code for SMS. @example newVerificationCode() // "048213" */
export function newVerificationCode(): string {
  return randomVerificationCode();
}

const SAFE_ID = /^[^\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]*$/u;

/**
 * An id that another system chose (an order id, a customer id, an event id, an
 * idempotency key, a code someone typed): any script, but no control character (C0, DEL,
 * C1) and none that hides itself or changes how the text around it reads (Unicode format
 * characters: bidi marks, embeddings, overrides and isolates, zero-width spaces and
 * joiners, the byte-order mark; line and paragraph separators; lone surrogates). With
 * them, two ids that look the same differ, and a log line or an admin page that shows one
 * reads in another order.
 *
 * @example idFromOutside(z.string().trim().min(1).max(128)) // refuses "ord\u202E42"
 */
export function idFromOutside<T extends z.ZodString>(schema: T): T {
  return (
    schema
      .regex(SAFE_ID, "must not contain control, invisible or direction characters")
      // The document's pattern without the `u` flag's suffix, which the generator would keep
      // (JSON Schema validators read patterns as Unicode regular expressions).
      .openapi({ pattern: SAFE_ID.source }) as T
  );
}

/** The shop's id of one of its orders (spends, coupon uses and releases, checkouts). */
export const OrderIdSchema = idFromOutside(z.string().trim().min(1).max(128)).openapi({
  example: "order_5512",
});
