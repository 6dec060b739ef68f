import type { Config } from "../config";
import { violatedConstraint } from "../db/client";
import { ApiError } from "../errors";
import { checkNewPhone, lookupPhone } from "../lib/phone";

/** Phones that come in from outside: checked and turned into E.164, or refused with the contract's error. */

/** A 400 for a phone that is not one, naming the field. */
export function invalidPhone(path: string): ApiError {
  return new ApiError("validation_error", "The request is not valid.", {
    details: [{ path, message: "must be a valid phone number, e.g. +923001234567" }],
  });
}

/** A 422 for a phone that we send no SMS to, saying what kind of number it is. */
export function unsupportedPhone(refusal: string): ApiError {
  return new ApiError(
    "unsupported_phone",
    `This phone number cannot be used: it is ${refusal}, and we send no SMS to such numbers.`,
  );
}

/** A phone to look up (login, reset, searches) in E.164, or a 400 naming the field. */
export function requirePhone(raw: string, config: Config): string {
  const phone = lookupPhone(raw, config.defaultPhoneCountry);
  if (!phone) throw invalidPhone("phone");
  return phone;
}

/**
 * A phone that comes in new (a signup, a participant) in E.164: a 400 when it is not a valid
 * number, a 422 unsupported_phone when it cannot take our SMS or costs premium rates.
 */
export function requireNewPhone(raw: string, config: Config, path = "phone"): string {
  const checked = checkNewPhone(raw, config.defaultPhoneCountry);
  if (checked.status === "invalid") throw invalidPhone(path);
  if (checked.status === "no_sms") throw unsupportedPhone(checked.refusal);
  return checked.phone;
}

/** A signup refused for its phone, as the API's `phone_taken`; other errors unchanged. */
export function asPhoneTaken(error: unknown): unknown {
  return violatedConstraint(error) === "users.phone"
    ? new ApiError("phone_taken", "An account with this phone number already exists.")
    : error;
}
