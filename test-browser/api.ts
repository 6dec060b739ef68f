/** Setup through the public API, as a shop's back end or a script would do it. */
import { randomUUID } from "node:crypto";

export interface ApiUser {
  id: string;
  name: string;
  phone: string;
  password: string;
  referralCode: string;
  referralLink: string;
  accessToken: string;
  refreshToken: string;
}

let counter = 0;
/** A valid Pakistani mobile number, unique within the run. */
export function uniquePhone(): string {
  counter += 1;
  return `+92301${String(Date.now() % 100_000).padStart(5, "0")}${String(counter).padStart(2, "0")}`;
}

export async function apiCall<T = unknown>(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

export async function registerViaApi(
  base: string,
  input: {
    name: string;
    phone?: string;
    referralCode?: string;
    deviceId?: string;
    locale?: "en" | "ur" | "hi";
  },
): Promise<ApiUser> {
  const phone = input.phone ?? uniquePhone();
  const password = "correct horse battery";
  const { status, body } = await apiCall<{
    user: Omit<ApiUser, "password" | "accessToken" | "refreshToken">;
    accessToken: string;
    refreshToken: string;
  }>(base, "POST", "/v1/auth/register", {
    body: {
      name: input.name,
      phone,
      password,
      referralCode: input.referralCode,
      locale: input.locale,
    },
    headers: input.deviceId ? { "X-Device-Id": input.deviceId } : {},
  });
  if (status !== 201) throw new Error(`register answered ${status}: ${JSON.stringify(body)}`);
  return { ...body.user, password, accessToken: body.accessToken, refreshToken: body.refreshToken };
}

export async function adjustPoints(
  base: string,
  adminToken: string,
  userId: string,
  points: number,
) {
  const { status, body } = await apiCall(base, "POST", `/v1/admin/users/${userId}/adjustments`, {
    token: adminToken,
    body: { points, reason: "browser test" },
    headers: { "Idempotency-Key": randomUUID() },
  });
  if (status !== 201 && status !== 200)
    throw new Error(`adjust answered ${status}: ${JSON.stringify(body)}`);
}

export async function balanceOf(base: string, token: string): Promise<number> {
  const { body } = await apiCall<{ balance: number }>(base, "GET", "/v1/me/wallet", { token });
  return body.balance;
}

/**
 * An embed token for `userId`, as a shop's back end gets one: through a server key with scope
 * `embed` (created here by an admin).
 */
export async function embedTokenFor(
  base: string,
  adminToken: string,
  userId: string,
): Promise<string> {
  const key = await apiCall<{ secret: string }>(base, "POST", "/v1/admin/api-keys", {
    token: adminToken,
    body: { name: "Embedding shop", scopes: ["embed"] },
  });
  if (key.status !== 201) throw new Error(`api key answered ${key.status}`);
  const { status, body } = await apiCall<{ token: string }>(base, "POST", "/v1/embed-tokens", {
    body: { userId },
    headers: { Authorization: `Bearer ${key.body.secret}` },
  });
  if (status !== 201) throw new Error(`embed token answered ${status}: ${JSON.stringify(body)}`);
  return body.token;
}
