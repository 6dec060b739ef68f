import { z } from "@hono/zod-openapi";
import { MAX_PASSWORD_BYTES, passwordBytes } from "../credentials/password";
import { MAX_TOKEN_LENGTH } from "../fraud/turnstile";
import { DeviceHeaderSchema } from "../http/schemas";
import { LocaleSchema } from "../i18n/schemas";
import { NameSchema } from "../lib/names";
import { SignupSourceSchema } from "../signup/schemas";
import { PhoneSchema, UserSchema } from "../users/schemas";

/** bcrypt reads at most 72 bytes: a longer password is refused, never silently truncated. */
const PasswordSchema = z
  .string()
  .refine((value) => passwordBytes(value) >= 8, "must be at least 8 bytes")
  .refine(
    (value) => passwordBytes(value) <= MAX_PASSWORD_BYTES,
    `must be at most ${MAX_PASSWORD_BYTES} bytes (UTF-8)`,
  )
  .openapi({ example: "correct horse battery", minLength: 8, maxLength: MAX_PASSWORD_BYTES });

/** What a login-style check accepts: any length, so that a wrong password is just wrong. */
const PresentedPasswordSchema = z.string().min(1).max(1024);

/** A Cloudflare Turnstile token, needed when the deployment sets TURNSTILE_SECRET_KEY. */
const TurnstileTokenSchema = z.string().max(MAX_TOKEN_LENGTH).optional().openapi({
  description:
    "The Turnstile widget's token, when the deployment asks for a challenge (or the `CF-Turnstile-Response` header).",
});

/** A 6-digit one-time code from an SMS. */
const VerificationCodeSchema = z
  .string()
  .trim()
  .regex(/^\d{6}$/, "must be the 6 digits of the code")
  .openapi({ example: "048213" });

export const RegisterBodySchema = z
  .object({
    name: NameSchema,
    phone: PhoneSchema,
    password: PasswordSchema,
    referralCode: z.string().trim().min(1).max(32).optional().openapi({
      example: "ZX8P4K2M",
      description: "Falls back to the `ref` cookie of an invite link.",
    }),
    source: SignupSourceSchema.optional(),
    locale: LocaleSchema.optional().openapi({
      description:
        "The user's language; absent: Accept-Language, else the program's defaultLocale.",
    }),
    turnstileToken: TurnstileTokenSchema,
  })
  .openapi("RegisterRequest");

export const LoginBodySchema = z
  .object({ phone: PhoneSchema, password: PresentedPasswordSchema })
  .openapi("LoginRequest");

export const UpdateMeBodySchema = z
  .object({
    name: NameSchema.optional(),
    locale: LocaleSchema.optional(),
    notifications: z
      .boolean()
      .optional()
      .openapi({ description: "false: no notification SMS (codes still come)." }),
  })
  .openapi("UpdateMeRequest");

export const ChangePasswordBodySchema = z
  .object({ currentPassword: PresentedPasswordSchema, newPassword: PasswordSchema })
  .openapi("ChangePasswordRequest");

export const VerificationCheckBodySchema = z
  .object({ code: VerificationCodeSchema })
  .openapi("VerificationCheckRequest");

export const PasswordResetBodySchema = z
  .object({ phone: PhoneSchema, turnstileToken: TurnstileTokenSchema })
  .openapi("PasswordResetRequest");

export const VerificationSendBodySchema = z
  .object({ turnstileToken: TurnstileTokenSchema })
  .openapi("VerificationSendRequest");

export const TurnstileHeaderSchema = z.object({
  "cf-turnstile-response": z.string().max(MAX_TOKEN_LENGTH).optional().openapi({
    description: "The Turnstile token, instead of the body's `turnstileToken`.",
  }),
});

export const PasswordResetConfirmBodySchema = z
  .object({ phone: PhoneSchema, code: VerificationCodeSchema, newPassword: PasswordSchema })
  .openapi("PasswordResetConfirmRequest");

const RefreshTokenSchema = z.string().min(16).max(256);

export const RefreshBodySchema = z
  .object({ refreshToken: RefreshTokenSchema })
  .openapi("RefreshRequest");

export const LogoutBodySchema = z
  .object({ refreshToken: RefreshTokenSchema.optional() })
  .openapi("LogoutRequest");

export const TokensSchema = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    expiresIn: z.number().int().openapi({ description: "Seconds until the access token expires." }),
  })
  .openapi("Tokens");

export const SessionSchema = TokensSchema.extend({ user: UserSchema }).openapi("Session");

/** Register's headers: the device for fraud checks, and the Turnstile token. */
export const RegisterHeadersSchema = TurnstileHeaderSchema.extend(DeviceHeaderSchema.shape);
