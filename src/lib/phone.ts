import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js";

/**
 * Normalizes a phone number to E.164, or returns null when it is not a valid number.
 * National spellings ("0300 1234567") need `defaultCountry`; international ones do not.
 *
 * @example normalizePhone("+92 300 123-4567") // "+923001234567"
 */
export function normalizePhone(input: string, defaultCountry?: string): string | null {
  const parsed = parsePhoneNumberFromString(input, {
    defaultCountry: defaultCountry as CountryCode | undefined,
    extract: false,
  });
  return parsed?.isValid() ? parsed.number : null;
}
