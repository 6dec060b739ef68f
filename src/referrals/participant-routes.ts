import { createRoute, z } from "@hono/zod-openapi";
import { CONVERSION_RATE_NOTE } from "../analytics/rules";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { signedIn } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { cursorPosition, PageQuerySchema, pageSchema, toPage } from "../http/pagination";
import { clientIp } from "../http/request";
import { VANITY_CODE_LENGTH } from "../lib/ids";
import { toIso, toIsoOrNull } from "../lib/time";
import { CLICK_COUNTS_NOTE } from "../links/rules";
import { depsOf } from "../platform/deps";
import { ipSubject, type RateLimitRule, rateLimiterFor } from "../platform/rate-limit";
import { toUser, UserSchema } from "../users/schemas";
import { changeReferralCode } from "./code";
import { describeReferralCode, myReferrals, myStats } from "./service";

const tags = ["Referrals"];

const ReferralSchema = z
  .object({
    id: z.string(),
    name: z.string().openapi({ example: "Ayesha K.", description: "First name and initial." }),
    status: z.enum(["pending", "qualified", "held", "rejected"]),
    rewardPoints: z.number().int().openapi({
      description:
        "The referrer's points. Qualified: the tier of the order in which it qualified. Pending or held: what it pays if the referrals waiting ahead of it qualify first (counted in the wallet's pending), replaced by its place's tier when it qualifies. Under a percentOfAmount tier a waiting referral shows 0: its amount is known only when its qualifying event comes.",
    }),
    source: z.string().openapi({ example: "whatsapp" }),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Referral");

const ReferralSummarySchema = z
  .object({
    total: z.number().int(),
    qualified: z.number().int(),
    pending: z.number().int(),
    held: z.number().int(),
    rejected: z.number().int(),
    pointsEarned: z.number().int(),
  })
  .openapi("ReferralSummary");

const ReferralPageSchema = pageSchema(ReferralSchema)
  .extend({ summary: ReferralSummarySchema })
  .openapi("ReferralPage");

const ReferralCodeSchema = z
  .object({
    code: z.string().openapi({ example: "K7QM2XRP" }),
    valid: z.boolean(),
    expiresAt: z.string().nullable().openapi({ format: "date-time" }),
    referrer: z.object({ name: z.string().openapi({ example: "Ayesha K." }) }),
  })
  .openapi("ReferralCode");

const StatsSchema = z
  .object({
    clicks: z.number().int(),
    signups: z.number().int(),
    qualified: z.number().int(),
    conversionRate: z.number().min(0).max(1).openapi({ description: CONVERSION_RATE_NOTE }),
    pointsEarned: z.number().int(),
    bySource: z.record(
      z.string(),
      z.object({ clicks: z.number().int(), signups: z.number().int() }),
    ),
    tier: z.object({
      current: z
        .number()
        .int()
        .openapi({ description: "1-based tier the next referral to qualify pays in." }),
      nextAt: z.number().int().nullable().openapi({
        description:
          "Qualified place where the next tier starts (referrals take places in the order they qualify; a reversed one keeps its place).",
      }),
    }),
    badge: z.string().nullable().openapi({ example: "Bronze" }),
    nextMilestone: z
      .object({
        referrals: z.number().int(),
        reward: z.string().openapi({ example: "free_theme" }),
      })
      .nullable(),
  })
  .openapi("ReferrerStats");

const getMyStats = createRoute({
  method: "get",
  path: "/v1/me/stats",
  operationId: "getMyReferralStats",
  tags,
  summary: "My referral funnel, tier, badge and next milestone",
  description: CLICK_COUNTS_NOTE,
  ...signedIn,
  responses: { 200: jsonResponse(StatsSchema, "My numbers"), ...errorResponses("unauthorized") },
});

const newCode = createRoute({
  method: "post",
  path: "/v1/me/referral-code",
  operationId: "regenerateReferralCode",
  tags,
  summary: "Get a new random referral code (the old one stops working)",
  ...signedIn,
  responses: {
    200: jsonResponse(UserSchema, "Me, with the new code"),
    ...errorResponses("unauthorized", "not_found"),
  },
});

const chooseCode = createRoute({
  method: "put",
  path: "/v1/me/referral-code",
  operationId: "setVanityReferralCode",
  tags,
  summary: `Choose a vanity referral code (${VANITY_CODE_LENGTH.min}–${VANITY_CODE_LENGTH.max} characters, no look-alikes)`,
  ...signedIn,
  request: {
    body: jsonBody(
      z
        .object({
          code: z
            .string()
            .trim()
            .min(VANITY_CODE_LENGTH.min)
            .max(VANITY_CODE_LENGTH.max)
            .openapi({
              example: "AYESHA22",
              description: `${VANITY_CODE_LENGTH.min}–${VANITY_CODE_LENGTH.max} characters from 2–9 and A–Z without I, L and O; any case (stored in capitals).`,
            }),
        })
        .openapi("ChooseCodeRequest"),
    ),
  },
  responses: {
    200: jsonResponse(UserSchema, "Me, with the chosen code"),
    ...errorResponses("unauthorized", "not_found", "referral_code_taken"),
  },
});

const listMyReferrals = createRoute({
  method: "get",
  path: "/v1/me/referrals",
  operationId: "listMyReferrals",
  tags,
  summary: "People who signed up with my code, newest first",
  description:
    "Tier points follow the order in which referrals qualify: a pending or held referral takes no place in the tiers until it qualifies (the first three to qualify pay the first tier, whatever their signup order).",
  ...signedIn,
  request: { query: PageQuerySchema },
  responses: {
    200: jsonResponse(ReferralPageSchema, "A page of referrals and the totals"),
    ...errorResponses("unauthorized"),
  },
});

const getReferralCode = createRoute({
  method: "get",
  path: "/v1/referral-codes/{code}",
  operationId: "lookUpReferralCode",
  security: [],
  tags,
  summary: "Public facts about a code, for a landing page",
  request: {
    params: z.object({ code: z.string().min(1).max(32).openapi({ example: "K7QM2XRP" }) }),
  },
  responses: {
    200: jsonResponse(ReferralCodeSchema, "The code"),
    ...errorResponses("not_found", "rate_limited"),
  },
});

/**
 * Enough for a landing page's traffic per visitor; low enough to make enumerating codes slow.
 * Counted at the edge (no D1 write per look-up); wrangler.toml declares the same numbers.
 */
const codeLookupsPerIp: RateLimitRule = {
  name: "code-lookup-ip",
  limit: 60,
  windowSeconds: 60,
  edgeBinding: "CODE_LOOKUP_LIMITER",
};

export function registerReferralRoutes(app: App) {
  app.openapi(newCode, async (c) => {
    const user = await changeReferralCode(depsOf(c), c.var.auth.userId, null, c.var.now);
    return c.json(toUser(user, c.var.config), 200);
  });

  app.openapi(chooseCode, async (c) => {
    const user = await changeReferralCode(
      depsOf(c),
      c.var.auth.userId,
      c.req.valid("json").code,
      c.var.now,
    );
    return c.json(toUser(user, c.var.config), 200);
  });

  app.openapi(getMyStats, async (c) => c.json(await myStats(c.var.db, c.var.auth.userId), 200));

  app.openapi(listMyReferrals, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const beforeOrdinal = cursorPosition(cursor, "number");
    const { rows, summary } = await myReferrals(c.var.db, c.var.auth.userId, {
      limit,
      beforeOrdinal,
    });
    const page = toPage(rows, limit, (row) => row.ordinal);
    return c.json(
      {
        data: page.rows.map(({ ordinal: _, ...row }) => ({
          ...row,
          createdAt: toIso(row.createdAt),
        })),
        nextCursor: page.nextCursor,
        summary,
      },
      200,
    );
  });

  app.openapi(getReferralCode, async (c) => {
    await rateLimiterFor(c).consume(
      codeLookupsPerIp,
      ipSubject(clientIp(c.req.header("CF-Connecting-IP"))),
    );
    const described = await describeReferralCode(c.var.db, c.req.valid("param").code, c.var.now);
    return c.json({ ...described, expiresAt: toIsoOrNull(described.expiresAt) }, 200);
  });
}
