import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { App } from "../app";
import {
  ChangePasswordBodySchema,
  PasswordResetBodySchema,
  PasswordResetConfirmBodySchema,
  SessionSchema,
  TurnstileHeaderSchema,
  UpdateMeBodySchema,
  VerificationCheckBodySchema,
  VerificationSendBodySchema,
} from "../auth/schemas";
import { errorResponses } from "../errors";
import { requireChallenge } from "../fraud/turnstile";
import { signedIn, signedInOwner } from "../http/auth";
import type { AppEnv } from "../http/context";
import { jsonBody, jsonResponse } from "../http/openapi";
import { clientIp } from "../http/request";
import { senderFromConfig } from "../invites/senders";
import { depsOf } from "../platform/deps";
import { toUser, UserSchema } from "../users/schemas";
import {
  type AccountDeps,
  changePassword,
  confirmPasswordReset,
  requestPasswordReset,
  requestPhoneVerification,
  updatePreferences,
  verifyPhone,
} from "./service";

const tags = ["Identity"];

const updateMe = createRoute({
  method: "patch",
  path: "/v1/me",
  operationId: "updateMe",
  tags,
  summary: "Change my name, language or notifications",
  ...signedIn,
  request: { body: jsonBody(UpdateMeBodySchema) },
  responses: {
    200: jsonResponse(UserSchema, "The user"),
    ...errorResponses("unauthorized", "not_found"),
  },
});

const sendVerification = createRoute({
  method: "post",
  path: "/v1/auth/phone/verification",
  operationId: "sendPhoneVerification",
  tags,
  summary: "Send a 6-digit code by SMS to verify my phone",
  description:
    "The code is valid for 10 minutes and 5 tries. A verified phone gets no SMS. The body is needed only for a Turnstile token.",
  ...signedIn,
  request: {
    body: { ...jsonBody(VerificationSendBodySchema), required: false },
    headers: TurnstileHeaderSchema,
  },
  responses: {
    202: { description: "A code is on its way" },
    ...errorResponses("unauthorized", "not_found", "challenge_failed", "rate_limited"),
  },
});

const checkVerification = createRoute({
  method: "post",
  path: "/v1/auth/phone/verification/check",
  operationId: "verifyPhone",
  tags,
  summary: "Verify my phone with the code from the SMS",
  ...signedIn,
  request: { body: jsonBody(VerificationCheckBodySchema) },
  responses: {
    200: jsonResponse(UserSchema, "The user, with phoneVerified: true"),
    ...errorResponses("unauthorized", "not_found", "invalid_verification_code", "rate_limited"),
  },
});

const passwordChange = createRoute({
  method: "post",
  path: "/v1/auth/password",
  operationId: "changePassword",
  tags,
  summary: "Change my password; every other session ends",
  description: "Not with an embed token (403).",
  ...signedInOwner,
  request: { body: jsonBody(ChangePasswordBodySchema) },
  responses: {
    204: { description: "Changed; this session stays signed in" },
    ...errorResponses(
      "unauthorized",
      "forbidden",
      "not_found",
      "invalid_credentials",
      "rate_limited",
    ),
  },
});

const passwordReset = createRoute({
  method: "post",
  path: "/v1/auth/password/reset",
  operationId: "requestPasswordReset",
  security: [],
  tags,
  summary: "Send a password reset code by SMS",
  description: "The same answer whether or not an account has the phone.",
  request: { body: jsonBody(PasswordResetBodySchema), headers: TurnstileHeaderSchema },
  responses: {
    202: { description: "If an account has this phone, a code is on its way" },
    ...errorResponses("challenge_failed", "rate_limited"),
  },
});

const passwordResetConfirm = createRoute({
  method: "post",
  path: "/v1/auth/password/reset/confirm",
  operationId: "resetPassword",
  security: [],
  tags,
  summary: "Set a new password with the reset code; every earlier session ends",
  request: { body: jsonBody(PasswordResetConfirmBodySchema) },
  responses: {
    200: jsonResponse(SessionSchema, "Signed in with the new password"),
    ...errorResponses("invalid_verification_code", "rate_limited"),
  },
});

function accountDeps(c: Context<AppEnv>): AccountDeps {
  return { ...depsOf(c), sender: senderFromConfig(c.var.config) };
}

export function registerAccountRoutes(app: App) {
  app.openapi(updateMe, async (c) => {
    const user = await updatePreferences(depsOf(c), c.var.auth.userId, c.req.valid("json"));
    return c.json(toUser(user, c.var.config), 200);
  });

  app.openapi(sendVerification, async (c) => {
    const ip = clientIp(c.req.header("CF-Connecting-IP"));
    await requireChallenge(c, { bodyToken: c.req.valid("json")?.turnstileToken, ip });
    await requestPhoneVerification(accountDeps(c), c.var.auth.userId, ip, c.var.now);
    return c.body(null, 202);
  });

  app.openapi(checkVerification, async (c) => {
    const ip = clientIp(c.req.header("CF-Connecting-IP"));
    const { code } = c.req.valid("json");
    const user = await verifyPhone(depsOf(c), c.var.auth.userId, code, ip, c.var.now);
    return c.json(toUser(user, c.var.config), 200);
  });

  app.openapi(passwordChange, async (c) => {
    const ip = clientIp(c.req.header("CF-Connecting-IP"));
    await changePassword(depsOf(c), c.var.auth, { ...c.req.valid("json"), ip }, c.var.now);
    return c.body(null, 204);
  });

  app.openapi(passwordReset, async (c) => {
    const ip = clientIp(c.req.header("CF-Connecting-IP"));
    const body = c.req.valid("json");
    await requireChallenge(c, { bodyToken: body.turnstileToken, ip });
    await requestPasswordReset(accountDeps(c), body.phone, ip, c.var.now);
    return c.body(null, 202);
  });

  app.openapi(passwordResetConfirm, async (c) => {
    const body = c.req.valid("json");
    const { user, tokens } = await confirmPasswordReset(
      depsOf(c),
      { ...body, ip: clientIp(c.req.header("CF-Connecting-IP")) },
      c.var.now,
    );
    return c.json({ user: toUser(user, c.var.config), ...tokens }, 200);
  });
}
