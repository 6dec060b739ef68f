import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { errorResponses } from "../errors";
import { signedInAdmin } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { toIso } from "../lib/time";
import { createCampaign, updateCampaign } from "./admin";
import { type findCampaign, listCampaigns } from "./store";

const tags = ["Administration"];
const Instant = z.iso.datetime().openapi({ example: "2026-12-01T00:00:00.000Z" });

const CampaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    startsAt: z.string().openapi({ format: "date-time" }),
    endsAt: z.string().openapi({ format: "date-time" }),
    goalReferrals: z.number().int(),
    windowDays: z.number().int(),
    bonusPoints: z.number().int(),
    active: z.boolean(),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Campaign");

const CampaignFieldsSchema = z.object({
  name: z.string().trim().min(1).max(80).openapi({ example: "Holiday sprint" }),
  startsAt: Instant,
  endsAt: Instant,
  goalReferrals: z.number().int().min(1).max(1000).openapi({ example: 3 }),
  windowDays: z.number().int().min(1).max(366).openapi({ example: 7 }),
  bonusPoints: z.number().int().min(1).max(1_000_000).openapi({ example: 500 }),
  active: z.boolean(),
});

const list = createRoute({
  method: "get",
  path: "/v1/admin/campaigns",
  operationId: "listCampaigns",
  tags,
  summary: "Time-limited offers, newest first",
  ...signedInAdmin,
  responses: {
    200: jsonResponse(
      z.object({ data: z.array(CampaignSchema) }).openapi("CampaignList"),
      "The campaigns",
    ),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

const create = createRoute({
  method: "post",
  path: "/v1/admin/campaigns",
  operationId: "createCampaign",
  tags,
  summary: "Start a time-limited offer, e.g. 3 referrals within 7 days → +500",
  ...signedInAdmin,
  request: {
    body: jsonBody(
      CampaignFieldsSchema.extend({ active: z.boolean().default(true) }).openapi(
        "CreateCampaignRequest",
      ),
    ),
  },
  responses: {
    201: jsonResponse(CampaignSchema, "The campaign"),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

const update = createRoute({
  method: "patch",
  path: "/v1/admin/campaigns/{id}",
  operationId: "updateCampaign",
  tags,
  summary: "Change a campaign (end it early with active: false)",
  ...signedInAdmin,
  request: {
    params: z.object({ id: z.string().min(1).max(64) }),
    body: jsonBody(
      CampaignFieldsSchema.partial()
        .refine((changes) => Object.keys(changes).length > 0, "change at least one field")
        .openapi("UpdateCampaignRequest"),
    ),
  },
  responses: {
    200: jsonResponse(CampaignSchema, "The campaign"),
    ...errorResponses("unauthorized", "forbidden", "not_found"),
  },
});

type CampaignRow = NonNullable<Awaited<ReturnType<typeof findCampaign>>>;

function toCampaign(row: CampaignRow) {
  return {
    ...row,
    startsAt: toIso(row.startsAt),
    endsAt: toIso(row.endsAt),
    createdAt: toIso(row.createdAt),
  };
}

/** ISO instants in, epoch milliseconds to the domain. */
function toMillis<T extends { startsAt?: string | undefined; endsAt?: string | undefined }>(
  fields: T,
) {
  const { startsAt, endsAt, ...rest } = fields;
  return {
    ...rest,
    ...(startsAt === undefined ? {} : { startsAt: Date.parse(startsAt) }),
    ...(endsAt === undefined ? {} : { endsAt: Date.parse(endsAt) }),
  };
}

export function registerCampaignRoutes(app: App) {
  app.openapi(list, async (c) =>
    c.json({ data: (await listCampaigns(c.var.db)).map(toCampaign) }, 200),
  );

  app.openapi(create, async (c) => {
    const body = c.req.valid("json");
    const campaign = await createCampaign(
      c.var.db,
      c.var.auth.userId,
      {
        ...body,
        startsAt: Date.parse(body.startsAt),
        endsAt: Date.parse(body.endsAt),
      },
      c.var.now,
    );
    return c.json(toCampaign(campaign), 201);
  });

  app.openapi(update, async (c) => {
    const campaign = await updateCampaign(
      c.var.db,
      c.var.auth.userId,
      c.req.valid("param").id,
      toMillis(c.req.valid("json")),
      c.var.now,
    );
    return c.json(toCampaign(campaign), 200);
  });
}
