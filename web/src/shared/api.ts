/**
 * The one API client of both pages: openapi-fetch typed from the Worker's own /openapi.json,
 * the same client a shop's frontend would use. It adds the access token (refreshed first when
 * needed) to every call but the sign-in ones.
 */
import createClient, { type Middleware } from "openapi-fetch";
import type { ApiError, Paths, Schemas } from "./api-types";
import { currentLocale, tMaybe } from "./messages";
import { accessToken, clearSession, deviceId, loadSession, saveTokens } from "./session";
import { refusalOf } from "./submit-rules";

export type { ApiError, Schemas };

export const api = createClient<Paths>({ baseUrl: location.origin });

const anonymous = new Set([
  "/v1/auth/register",
  "/v1/auth/login",
  "/v1/auth/refresh",
  "/v1/auth/password/reset",
  "/v1/auth/password/reset/confirm",
]);

async function refresh(refreshToken: string) {
  try {
    const { data, response } = await api.POST("/v1/auth/refresh", { body: { refreshToken } });
    if (data) return data;
    return response.status === 401 ? ("rejected" as const) : ("failed" as const);
  } catch {
    return "failed" as const;
  }
}

const auth: Middleware = {
  async onRequest({ request, schemaPath }) {
    if (anonymous.has(schemaPath)) return request;
    const token = await accessToken(refresh);
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ response, schemaPath }) {
    // A token the server no longer accepts (revoked, or another device logged out everywhere).
    if (response.status === 401 && !anonymous.has(schemaPath)) clearSession();
    return response;
  },
};
api.use(auth);

/** Signs up; `headers` carries the Turnstile token when the page shows a challenge. */
export async function register(body: Schemas["RegisterRequest"], headers = {}) {
  const result = await api.POST("/v1/auth/register", {
    body,
    headers: { ...headers, "X-Device-Id": deviceId() },
  });
  if (result.data) saveTokens(result.data);
  return result;
}

export async function logIn(body: Schemas["LoginRequest"]) {
  const result = await api.POST("/v1/auth/login", { body });
  if (result.data) saveTokens(result.data);
  return result;
}

/** A forgotten password replaced with the code the SMS brought: signs in like a log-in. */
export async function resetPassword(body: Schemas["PasswordResetConfirmRequest"]) {
  const result = await api.POST("/v1/auth/password/reset/confirm", { body });
  if (result.data) saveTokens(result.data);
  return result;
}

export async function logOut() {
  const session = loadSession();
  await api
    .POST("/v1/auth/logout", { body: { refreshToken: session?.refreshToken ?? undefined } })
    .catch(() => undefined);
  clearSession();
}

/** A fresh Idempotency-Key: one per click, so a retried request is not applied twice. */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}

/** The API's refusal `error` (an openapi-fetch `error`) in this page's words: see submit-rules.ts. */
export const refusal = (error: unknown) => refusalOf(error, currentLocale(), tMaybe);

/** The form's line for the API's error: the catalogue's text for its code, else a general one. */
export const errorText = (error: unknown): string => refusal(error).message;

/** Validation errors by field path (`rules.refereeBonus`), to show next to their inputs. */
export const fieldErrors = (error: unknown): Record<string, string> => refusal(error).fields;
