import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { ApiError, errorResponses } from "../errors";
import { signedInAdmin } from "../http/auth";
import { jsonResponse } from "../http/openapi";
import { DAY_MS, dayOf } from "../lib/time";
import { CLICK_COUNTS_NOTE } from "../links/rules";
import { CONVERSION_RATE_NOTE, programAnalytics } from "./rules";
import { dailySourceStatsBetween, dailyStatsBetween, topReferrersBetween } from "./store";

const MAX_RANGE_DAYS = 366;
const Day = z.iso.date().openapi({ example: "2026-11-01", description: "A UTC day, YYYY-MM-DD." });

const AnalyticsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    clicks: z.number().int(),
    signups: z.number().int(),
    referredSignups: z.number().int(),
    qualified: z.number().int(),
    conversionRate: z
      .number()
      .min(0)
      .max(1)
      .openapi({
        description: `${CONVERSION_RATE_NOTE} Over the range: referrals qualified in it ÷ referred signups in it, at most 1.`,
      }),
    bySource: z.record(
      z.string(),
      z.object({ clicks: z.number().int(), signups: z.number().int() }),
    ),
    daily: z.array(
      z.object({
        date: z.string(),
        clicks: z.number().int(),
        signups: z.number().int(),
        qualified: z.number().int(),
      }),
    ),
    topReferrers: z.array(
      z.object({ userId: z.string(), name: z.string(), referrals: z.number().int() }),
    ),
  })
  .openapi("ProgramAnalytics");

const getAnalytics = createRoute({
  method: "get",
  path: "/v1/admin/analytics",
  operationId: "getAnalytics",
  tags: ["Administration"],
  summary: "The program's funnel for a date range (default: the last 30 days)",
  description: CLICK_COUNTS_NOTE,
  ...signedInAdmin,
  request: { query: z.object({ from: Day.optional(), to: Day.optional() }) },
  responses: {
    200: jsonResponse(AnalyticsSchema, "Counts, by source and by day, and the top referrers"),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

function dateRange(query: { from?: string | undefined; to?: string | undefined }, now: number) {
  const to = query.to ?? dayOf(now);
  const from = query.from ?? dayOf(Date.parse(to) - 29 * DAY_MS);
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
  if (days < 1 || days > MAX_RANGE_DAYS) {
    throw new ApiError("validation_error", "The request is not valid.", {
      details: [
        {
          path: "from",
          message: `from must be on or before to, at most ${MAX_RANGE_DAYS} days apart`,
        },
      ],
    });
  }
  return { from, to };
}

export function registerAnalyticsRoutes(app: App) {
  app.openapi(getAnalytics, async (c) => {
    const range = dateRange(c.req.valid("query"), c.var.now);
    const db = c.var.db;
    const [days, sources, topReferrers] = await Promise.all([
      dailyStatsBetween(db, range.from, range.to),
      dailySourceStatsBetween(db, range.from, range.to),
      topReferrersBetween(db, Date.parse(range.from), Date.parse(range.to) + DAY_MS, 10),
    ]);
    return c.json({ ...programAnalytics(range, days, sources), topReferrers }, 200);
  });
}
