// The full ("max") metadata: the number types (premium rate, pager, …) need it. It is the only
// metadata in the bundle (+21 KiB gzip, docs/security.md), and its validity is by type: a
// number in a range that libphonenumber does not know as allocated is not valid.
import {
  type CountryCode,
  type PhoneNumber,
  parsePhoneNumberFromString,
} from "libphonenumber-js/max";

function parse(input: string, defaultCountry: string | undefined): PhoneNumber | undefined {
  return parsePhoneNumberFromString(input, {
    defaultCountry: defaultCountry as CountryCode | undefined,
    extract: false,
  });
}

/**
 * Normalizes a phone number to E.164, or returns null when it is not a valid number.
 * National spellings ("0300 1234567") need `defaultCountry`; international ones do not.
 *
 * @example normalizePhone("+92 300 123-4567") // "+923001234567"
 */
export function normalizePhone(input: string, defaultCountry?: string): string | null {
  const parsed = parse(input, defaultCountry);
  return parsed?.isValid() ? parsed.number : null;
}

/**
 * A phone to look up (login, reset, an admin's or a back end's search): E.164 when the number
 * has a possible length, a looser test than `normalizePhone`, so that no phone stored under an
 * earlier version's checks becomes unfindable. The E.164 form is the same either way.
 *
 * @example lookupPhone("0300 1234567", "PK") // "+923001234567"
 */
export function lookupPhone(input: string, defaultCountry?: string): string | null {
  const parsed = parse(input, defaultCountry);
  return parsed?.isPossible() ? parsed.number : null;
}

/** Types that take no SMS or make the sender pay a premium or shared rate. */
const REFUSED_TYPES: Partial<Record<NonNullable<ReturnType<PhoneNumber["getType"]>>, string>> = {
  PREMIUM_RATE: "a premium-rate number",
  SHARED_COST: "a shared-cost number",
  UAN: "a universal access number",
  PAGER: "a pager number",
  VOICEMAIL: "a voicemail access number",
};

/**
 * Satellite calling codes: Inmarsat (+870), global mobile satellite systems such as Iridium
 * (+881), international networks such as Thuraya (+882). Costly per message, often
 * unreachable, and libphonenumber types many of them as plain mobiles.
 */
const SATELLITE_CALLING_CODES = new Set(["870", "881", "882"]);

function refusalOf(parsed: PhoneNumber): string | null {
  if (SATELLITE_CALLING_CODES.has(parsed.countryCallingCode)) return "a satellite phone number";
  const type = parsed.getType();
  return (type && REFUSED_TYPES[type]) ?? null;
}

/**
 * Why no SMS may go to this phone (a short phrase for a message), or null when one may: the
 * phone cannot receive one, or it would cost premium rates. For any phone in E.164.
 *
 * @example smsRefusal("+19005551234") // "a premium-rate number"
 * @example smsRefusal("+923001234567") // null
 */
export function smsRefusal(phone: string): string | null {
  const parsed = parse(phone, undefined);
  return parsed ? refusalOf(parsed) : null;
}

/** A phone that comes in new (signup, participant, SMS invite, import), checked. */
export type NewPhoneCheck =
  | { status: "ok"; phone: string }
  | { status: "invalid" }
  | { status: "no_sms"; phone: string; refusal: string };

/**
 * Checks a phone that comes in new: valid, and able to receive our SMS at a normal rate. One
 * parse serves both tests.
 *
 * @example checkNewPhone("0300 1234567", "PK") // { status: "ok", phone: "+923001234567" }
 * @example checkNewPhone("+19005551234") // { status: "no_sms", phone: "+19005551234", refusal: "a premium-rate number" }
 */
export function checkNewPhone(input: string, defaultCountry?: string): NewPhoneCheck {
  const parsed = parse(input, defaultCountry);
  if (!parsed?.isValid()) return { status: "invalid" };
  const refusal = refusalOf(parsed);
  return refusal
    ? { status: "no_sms", phone: parsed.number, refusal }
    : { status: "ok", phone: parsed.number };
}

/** What fraud rules read of a phone: its region and its libphonenumber type (VOIP, MOBILE, …). */
export interface PhoneFacts {
  /** ISO 3166 alpha-2, or null for a non-geographic number (e.g. +882). */
  country: string | null;
  type: string | null;
}

/**
 * The region and type of a phone in E.164, for fraud rules (block list countries,
 * `holdPhoneTypes`, `holdOnCountryMismatch`).
 *
 * @example phoneFacts("+923001234567") // { country: "PK", type: "MOBILE" }
 */
export function phoneFacts(phone: string): PhoneFacts {
  const parsed = parse(phone, undefined);
  return { country: parsed?.country ?? null, type: parsed?.getType() ?? null };
}

/** Every libphonenumber number type, as `holdPhoneTypes` names them. */
export const PHONE_TYPES = [
  "FIXED_LINE",
  "MOBILE",
  "FIXED_LINE_OR_MOBILE",
  "PREMIUM_RATE",
  "TOLL_FREE",
  "SHARED_COST",
  "VOIP",
  "PERSONAL_NUMBER",
  "PAGER",
  "UAN",
  "VOICEMAIL",
] as const satisfies readonly NonNullable<ReturnType<PhoneNumber["getType"]>>[];

export { isSupportedCountry as isPhoneRegion } from "libphonenumber-js/max";
