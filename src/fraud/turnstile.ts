/**
 * Cloudflare Turnstile: with TURNSTILE_SECRET_KEY set, a signup and each SMS send (phone
 * verification, password reset) need a token from the widget, checked with siteverify.
 */
import type { Context } from "hono";
import { ApiError } from "../errors";
import type { AppEnv } from "../http/context";

export const SITEVERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify";

/** The header a page may send the token in instead of the body's `turnstileToken`. */
export const TURNSTILE_HEADER = "CF-Turnstile-Response";

/** Tokens are at most 2048 characters (Cloudflare's documentation). */
export const MAX_TOKEN_LENGTH = 2048;

/** How long siteverify may take before the check fails closed. */
const SITEVERIFY_TIMEOUT_MS = 5000;

/** What siteverify answers (the fields we read). */
export interface SiteverifyAnswer {
  success?: unknown;
  "error-codes"?: unknown;
}

/**
 * Errors that say our side is wrong (the secret), not the visitor's token: refusing the
 * visitor with 403 would hide a broken deployment, so they fail closed as unavailable.
 */
const OUR_FAULT = new Set(["missing-input-secret", "invalid-input-secret", "internal-error"]);

/**
 * What a siteverify answer means for the request: passed, failed (the visitor's token is
 * bad, spent or expired), or unusable (our secret is wrong, or siteverify failed itself).
 *
 * @example challengeOutcome({ success: false, "error-codes": ["timeout-or-duplicate"] }) // "failed"
 */
export function challengeOutcome(answer: SiteverifyAnswer): "passed" | "failed" | "unusable" {
  if (answer.success === true) return "passed";
  const codes = Array.isArray(answer["error-codes"]) ? answer["error-codes"] : [];
  return codes.some((code) => OUR_FAULT.has(String(code))) ? "unusable" : "failed";
}

function unavailable(why: string): ApiError {
  console.error(`[turnstile] the challenge could not be checked: ${why}`);
  return new ApiError(
    "service_unavailable",
    "The challenge could not be checked just now; nothing was done. Try again in a minute.",
  );
}

/**
 * Checks a Turnstile token and the client's address with siteverify: returns when it
 * passed, else 403 challenge_failed (missing, failed, spent or expired), or 503 when
 * siteverify cannot be reached or refuses our secret (fail closed, with a log line).
 */
export async function verifyTurnstile(
  settings: { secretKey: string; siteverifyUrl?: string | undefined },
  input: { token: string | undefined; ip: string },
): Promise<void> {
  if (!input.token) {
    throw new ApiError("challenge_failed", "Complete the challenge (Turnstile) and try again.");
  }
  let answer: SiteverifyAnswer;
  try {
    const response = await fetch(settings.siteverifyUrl ?? SITEVERIFY_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        secret: settings.secretKey,
        response: input.token,
        // "unknown" is what clientIp (src/http/auth.ts) says without a usable address.
        ...(input.ip === "unknown" ? {} : { remoteip: input.ip }),
      }),
      signal: AbortSignal.timeout(SITEVERIFY_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`siteverify answered ${response.status}`);
    answer = (await response.json()) as SiteverifyAnswer;
  } catch (error) {
    throw unavailable(`siteverify is unreachable (${String(error)})`);
  }
  const outcome = challengeOutcome(answer);
  if (outcome === "unusable") {
    throw unavailable(`siteverify refused our request (${JSON.stringify(answer["error-codes"])})`);
  }
  if (outcome === "failed") {
    throw new ApiError(
      "challenge_failed",
      "The challenge (Turnstile) did not verify: it failed, expired or was used already. Try it again.",
    );
  }
}

/**
 * For a route that Turnstile guards: nothing without TURNSTILE_SECRET_KEY, else the token
 * (from the body or the CF-Turnstile-Response header) must pass.
 */
export async function requireChallenge(
  c: Context<AppEnv>,
  input: { bodyToken: string | undefined; ip: string },
): Promise<void> {
  const { turnstile } = c.var.config;
  if (!turnstile.secretKey) return;
  await verifyTurnstile(
    { secretKey: turnstile.secretKey, siteverifyUrl: turnstile.siteverifyUrl },
    { token: input.bodyToken || c.req.header(TURNSTILE_HEADER) || undefined, ip: input.ip },
  );
}
