import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { blocklistActions, blocklistTypes } from "../db/schema";
import { errorResponses } from "../errors";
import { signedInAdmin } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { cursorPosition, PageQuerySchema, pageSchema, toPage } from "../http/pagination";
import { IdParamSchema } from "../http/schemas";
import { shownTextSchema } from "../lib/names";
import { toIso } from "../lib/time";
import { addBlocklistEntry, removeBlocklistEntry } from "./blocklist";
import { type BlocklistRow, listBlocklistEntries } from "./blocklist-store";

const tags = ["Administration"];

const BlocklistEntrySchema = z
  .object({
    id: z.string().openapi({ example: "blk_01kb0h5v2c8x4mq7tz3rw9ydge" }),
    type: z.enum(blocklistTypes),
    value: z.string().openapi({ example: "203.0.113.0/24" }),
    action: z.enum(blocklistActions),
    note: z.string().nullable(),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("BlocklistEntry");

const CreateBlocklistEntrySchema = z
  .object({
    type: z.enum(blocklistTypes),
    value: z.string().max(400).openapi({
      example: "+92300",
      description:
        "phone_prefix: an E.164 prefix (+92300); country: ISO 3166 alpha-2, matched against the phone's country and the request's; ip: an address or a CIDR range (IPv4 or IPv6); device: an X-Device-Id. Stored in one spelling; `+`, 0.0.0.0/0 and ::/0 are refused.",
    }),
    action: z.enum(blocklistActions).default("hold").openapi({
      description:
        "refuse: register, participant creation and invites that match answer 403 blocked; hold (the default): a referral whose referee matches is held with reason blocklisted. Carrier-grade NAT puts many people behind one address: refuse an IP only on purpose.",
    }),
    note: shownTextSchema({ maxLength: 200 }).optional(),
  })
  .openapi("CreateBlocklistEntryRequest");

const list = createRoute({
  method: "get",
  path: "/v1/admin/blocklist",
  operationId: "listBlocklist",
  tags,
  summary: "The block list, newest first",
  description:
    "Signups see a change within 30 seconds (each Worker instance keeps a copy that long).",
  ...signedInAdmin,
  request: { query: PageQuerySchema },
  responses: {
    200: jsonResponse(
      pageSchema(BlocklistEntrySchema).openapi("BlocklistPage"),
      "A page of entries",
    ),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

const create = createRoute({
  method: "post",
  path: "/v1/admin/blocklist",
  operationId: "addBlocklistEntry",
  tags,
  summary: "Block a phone prefix, a country, an IP address or range, or a device",
  ...signedInAdmin,
  request: { body: jsonBody(CreateBlocklistEntrySchema) },
  responses: {
    201: jsonResponse(BlocklistEntrySchema, "The entry, audited"),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/admin/blocklist/{id}",
  operationId: "removeBlocklistEntry",
  tags,
  summary: "Delete a block list entry (signups see it within 30 seconds)",
  ...signedInAdmin,
  request: { params: IdParamSchema },
  responses: {
    204: { description: "Deleted, audited" },
    ...errorResponses("unauthorized", "forbidden", "not_found"),
  },
});

function toEntry(row: Omit<BlocklistRow, "createdAt"> & { createdAt: number }) {
  return {
    id: row.id,
    type: row.type,
    value: row.value,
    action: row.action,
    note: row.note,
    createdAt: toIso(row.createdAt),
  };
}

export function registerBlocklistRoutes(app: App) {
  app.openapi(list, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const beforeId = cursorPosition(cursor, "string");
    const page = toPage(
      await listBlocklistEntries(c.var.db, { limit, beforeId }),
      limit,
      (row) => row.id,
    );
    return c.json({ data: page.rows.map(toEntry), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(create, async (c) => {
    const entry = await addBlocklistEntry(
      c.var.db,
      c.var.auth.userId,
      c.req.valid("json"),
      c.var.now,
    );
    return c.json(toEntry(entry), 201);
  });

  app.openapi(remove, async (c) => {
    await removeBlocklistEntry(c.var.db, c.var.auth.userId, c.req.valid("param").id, c.var.now);
    return c.body(null, 204);
  });
}
