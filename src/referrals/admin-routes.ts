import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { referralStatuses } from "../db/schema";
import { errorResponses } from "../errors";
import { signedInAdmin } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { cursorPosition, PageQuerySchema, pageSchema, toPage } from "../http/pagination";
import { IdParamSchema } from "../http/schemas";
import { AdminReasonSchema } from "../lib/names";
import { toIso } from "../lib/time";
import { depsOf } from "../platform/deps";
import { approveReferral, rejectReferral, reviewQueue } from "./review";
import { REVIEW_REASONS } from "./review-reasons";

const tags = ["Administration"];

const ReviewItemSchema = z
  .object({
    id: z.string(),
    status: z.enum(referralStatuses),
    reasons: z.array(z.string()).openapi({
      example: ["same_ip", "daily_cap"],
      description: "Each reason as a code (a rejected referral: the admin's reason).",
    }),
    reasonDetails: z
      .array(
        z.object({
          code: z.string(),
          matched: z.string().nullable().openapi({
            description:
              "What matched, language-neutral: the block list entry (`+92300`, `10.0.0.0/8`), the budget, the cap of the referral's program (`5`); null when there is nothing more to say (the same device or network: only hashes are kept).",
          }),
          detail: z
            .record(z.string(), z.union([z.string(), z.number()]))
            .optional()
            .openapi({
              description:
                "What the hold stored of the match, as data: blocklisted { entryId, type, value, on? (phone | request, for a country) }; budget_exhausted { period (day | month), budget, used, points }; phone_type { phoneType }; country_mismatch { phoneCountry, requestCountry }; daily_cap / monthly_cap { cap }.",
            }),
        }),
      )
      .openapi({
        example: [
          { code: "same_ip", matched: null },
          { code: "daily_cap", matched: "5" },
          {
            code: "blocklisted",
            matched: "203.0.113.0/24",
            detail: { entryId: "blk_…", type: "ip", value: "203.0.113.0/24" },
          },
        ],
      }),
    source: z.string(),
    referrer: z.object({ id: z.string(), name: z.string() }),
    referee: z.object({ id: z.string(), name: z.string() }),
    rewardPoints: z.number().int(),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("ReviewItem");

const DecisionSchema = z
  .object({ referral: z.object({ id: z.string(), status: z.enum(referralStatuses) }) })
  .openapi("ReviewDecision");

const list = createRoute({
  method: "get",
  path: "/v1/admin/referrals",
  operationId: "listReferralsForReview",
  tags,
  summary: "The review queue (?status=held), newest first, with each one's fraud reasons",
  description:
    "`reason` keeps only the referrals held for that reason. Deciding many: call approve or reject once per referral (each is audited); see docs/guide.md.",
  ...signedInAdmin,
  request: {
    query: PageQuerySchema.extend({
      status: z.enum(referralStatuses).default("held"),
      reason: z.enum(REVIEW_REASONS).optional(),
    }),
  },
  responses: {
    200: jsonResponse(pageSchema(ReviewItemSchema).openapi("ReviewPage"), "A page of referrals"),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

const approve = createRoute({
  method: "post",
  path: "/v1/admin/referrals/{id}/approve",
  operationId: "approveReferral",
  tags,
  summary: "Approve a held referral: it pays (or awaits its qualifying event)",
  ...signedInAdmin,
  request: { params: IdParamSchema },
  responses: {
    200: jsonResponse(DecisionSchema, "Decided"),
    ...errorResponses("unauthorized", "forbidden", "not_found", "referral_not_held"),
  },
});

const reject = createRoute({
  method: "post",
  path: "/v1/admin/referrals/{id}/reject",
  operationId: "rejectReferral",
  tags,
  summary: "Reject a held referral: it never pays",
  ...signedInAdmin,
  request: {
    params: IdParamSchema,
    body: jsonBody(z.object({ reason: AdminReasonSchema }).openapi("RejectRequest")),
  },
  responses: {
    200: jsonResponse(DecisionSchema, "Decided"),
    ...errorResponses("unauthorized", "forbidden", "not_found", "referral_not_held"),
  },
});

export function registerReferralAdminRoutes(app: App) {
  app.openapi(list, async (c) => {
    const { limit, cursor, status, reason } = c.req.valid("query");
    const beforeId = cursorPosition(cursor, "string");
    const rows = await reviewQueue(c.var.db, { status, reason, limit, beforeId });
    const page = toPage(rows, limit, (row) => row.id);
    return c.json(
      {
        data: page.rows.map((row) => ({
          id: row.id,
          status: row.status,
          reasons: row.reasons.map((explained) => explained.code),
          reasonDetails: row.reasons,
          source: row.source,
          referrer: { id: row.referrerId, name: row.referrerName },
          referee: { id: row.refereeId, name: row.refereeName },
          rewardPoints: row.rewardPoints,
          createdAt: toIso(row.createdAt),
        })),
        nextCursor: page.nextCursor,
      },
      200,
    );
  });

  app.openapi(approve, async (c) => {
    const referral = await approveReferral(
      depsOf(c),
      c.var.auth.userId,
      c.req.valid("param").id,
      c.var.now,
    );
    return c.json({ referral }, 200);
  });

  app.openapi(reject, async (c) => {
    const referral = await rejectReferral(
      depsOf(c),
      c.var.auth.userId,
      c.req.valid("param").id,
      c.req.valid("json").reason,
      c.var.now,
    );
    return c.json({ referral }, 200);
  });
}
