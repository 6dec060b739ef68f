import { createRoute } from "@hono/zod-openapi";
import { getCookie } from "hono/cookie";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { requireChallenge } from "../fraud/turnstile";
import { signedIn } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { clientIp, requestCountry } from "../http/request";
import { requestedLocale } from "../i18n/resolve";
import { attributionCookies, referralClaim } from "../links/attribution";
import { depsOf } from "../platform/deps";
import { toUser, UserSchema } from "../users/schemas";
import { currentUser } from "../users/service";
import {
  LoginBodySchema,
  LogoutBodySchema,
  RefreshBodySchema,
  RegisterBodySchema,
  RegisterHeadersSchema,
  SessionSchema,
  TokensSchema,
} from "./schemas";
import { logIn, logOut, refreshTokens, registerUser } from "./service";

const tags = ["Identity"];

const register = createRoute({
  method: "post",
  path: "/v1/auth/register",
  operationId: "registerUser",
  security: [],
  tags,
  summary: "Sign up, optionally with a referral code",
  request: { body: jsonBody(RegisterBodySchema), headers: RegisterHeadersSchema },
  responses: {
    201: jsonResponse(SessionSchema, "The new user, signed in"),
    ...errorResponses(
      "phone_taken",
      "invalid_referral_code",
      "referral_code_expired",
      "unsupported_phone",
      "blocked",
      "challenge_failed",
      "rate_limited",
    ),
  },
});

const login = createRoute({
  method: "post",
  path: "/v1/auth/login",
  operationId: "logIn",
  security: [],
  tags,
  summary: "Sign in with phone and password",
  request: { body: jsonBody(LoginBodySchema) },
  responses: {
    200: jsonResponse(SessionSchema, "Signed in"),
    ...errorResponses("invalid_credentials", "rate_limited"),
  },
});

const refresh = createRoute({
  method: "post",
  path: "/v1/auth/refresh",
  operationId: "refreshTokens",
  security: [],
  tags,
  summary: "Exchange a refresh token for new tokens (single use)",
  request: { body: jsonBody(RefreshBodySchema) },
  responses: {
    200: jsonResponse(TokensSchema, "New tokens; the old refresh token is spent"),
    ...errorResponses("invalid_refresh_token"),
  },
});

const logout = createRoute({
  method: "post",
  path: "/v1/auth/logout",
  operationId: "logOut",
  tags,
  summary: "End one session (with its refresh token) or all of them",
  description: "An embed token's logout ends only its own session, whatever the body says.",
  ...signedIn,
  request: { body: { ...jsonBody(LogoutBodySchema), required: false } },
  responses: { 204: { description: "Signed out" }, ...errorResponses("unauthorized") },
});

const me = createRoute({
  method: "get",
  path: "/v1/me",
  operationId: "getMe",
  tags,
  summary: "The signed-in user",
  ...signedIn,
  responses: { 200: jsonResponse(UserSchema, "The user"), ...errorResponses("unauthorized") },
});

export function registerAuthRoutes(app: App) {
  app.openapi(register, async (c) => {
    const body = c.req.valid("json");
    const ip = clientIp(c.req.header("CF-Connecting-IP"));
    await requireChallenge(c, { bodyToken: body.turnstileToken, ip });
    const referral = referralClaim(
      body.referralCode,
      {
        code: getCookie(c, attributionCookies.code),
        source: getCookie(c, attributionCookies.source),
        invite: getCookie(c, attributionCookies.invite),
      },
      body.source,
    );
    const { user, tokens } = await registerUser(
      depsOf(c),
      {
        name: body.name,
        phone: body.phone,
        password: body.password,
        referral,
        ip,
        deviceId: c.req.valid("header")["x-device-id"],
        locale: requestedLocale(body.locale, c.req.header("Accept-Language")),
        requestCountry: requestCountry(c.req.raw),
      },
      c.var.now,
    );
    return c.json({ user: toUser(user, c.var.config), ...tokens }, 201);
  });

  app.openapi(login, async (c) => {
    const body = c.req.valid("json");
    const { user, tokens } = await logIn(
      depsOf(c),
      { ...body, ip: clientIp(c.req.header("CF-Connecting-IP")) },
      c.var.now,
    );
    return c.json({ user: toUser(user, c.var.config), ...tokens }, 200);
  });

  app.openapi(refresh, async (c) => {
    const tokens = await refreshTokens(depsOf(c), c.req.valid("json").refreshToken, c.var.now);
    return c.json(tokens, 200);
  });

  app.openapi(logout, async (c) => {
    const body = c.req.valid("json");
    await logOut(c.var.db, c.var.auth, body?.refreshToken, c.var.now);
    return c.body(null, 204);
  });

  app.openapi(me, async (c) => {
    const user = await currentUser(c.var.db, c.var.auth.userId);
    return c.json(toUser(user, c.var.config), 200);
  });
}
