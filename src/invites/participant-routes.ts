import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { inviteChannels, inviteStatuses } from "../db/schema";
import { errorResponses } from "../errors";
import { signedIn } from "../http/auth";
import { jsonBody, jsonResponse } from "../http/openapi";
import { cursorPosition, PageQuerySchema, pageSchema, toPage } from "../http/pagination";
import { clientIp, requestCountry } from "../http/request";
import { DeviceHeaderSchema } from "../http/schemas";
import { LocaleSchema } from "../i18n/schemas";
import { shownTextSchema } from "../lib/names";
import { depsOf } from "../platform/deps";
import { currentUser } from "../users/service";
import { INVITE_NOTE_MAX_LENGTH } from "./rules";
import { senderFromConfig } from "./senders";
import { createInvite, deliverInvite, toInviteView } from "./service";
import { listInvitesOf } from "./store";

const tags = ["Referrals"];

const InviteSchema = z
  .object({
    id: z.string(),
    channel: z.enum(inviteChannels),
    to: z.string().openapi({ example: "+92******4567", description: "Masked." }),
    status: z.enum(inviteStatuses),
    link: z.string().openapi({ example: "https://api.example.com/r/K7QM2XRP?src=sms&inv=inv_…" }),
    clickedAt: z.string().nullable().openapi({
      format: "date-time",
      description:
        "When the invite's link was first followed (null until then); stored through the click queue, so within a few seconds.",
    }),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Invite");

/**
 * The inviter's own words: plain text only. A note with a link is refused rather than
 * stripped, so that our sender never carries a phishing URL and nobody's words are changed.
 */
const InviteNoteSchema = shownTextSchema({ maxLength: INVITE_NOTE_MAX_LENGTH }).openapi({
  example: "Join me, the first order is 10% off!",
  description: "Plain text; a note with a link is refused.",
});

const CreateInviteSchema = z
  .object({
    channel: z.enum(inviteChannels),
    to: z.string().trim().min(3).max(254).openapi({ example: "+923001234567" }),
    message: InviteNoteSchema.optional(),
    locale: LocaleSchema.optional().openapi({
      description: "The invite's language; absent: the sender's.",
    }),
  })
  .openapi("CreateInviteRequest");

const create = createRoute({
  method: "post",
  path: "/v1/me/invites",
  operationId: "sendInvite",
  tags,
  summary: "Invite someone by email or SMS",
  ...signedIn,
  request: { body: jsonBody(CreateInviteSchema), headers: DeviceHeaderSchema },
  responses: {
    202: jsonResponse(
      z.object({ invite: InviteSchema }).openapi("InviteAccepted"),
      "Queued for delivery",
    ),
    ...errorResponses(
      "unauthorized",
      "not_found",
      "self_referral",
      "unsupported_phone",
      "blocked",
      "invite_already_sent",
      "rate_limited",
    ),
  },
});

const list = createRoute({
  method: "get",
  path: "/v1/me/invites",
  operationId: "listMyInvites",
  tags,
  summary: "My invites, newest first, with their delivery status",
  ...signedIn,
  request: { query: PageQuerySchema },
  responses: {
    200: jsonResponse(pageSchema(InviteSchema).openapi("InvitePage"), "A page of invites"),
    ...errorResponses("unauthorized"),
  },
});

export function registerInviteRoutes(app: App) {
  app.openapi(create, async (c) => {
    const deps = { ...depsOf(c), sender: senderFromConfig(c.var.config) };
    const { now } = c.var;
    const invite = await createInvite(
      deps,
      {
        userId: c.var.auth.userId,
        ...c.req.valid("json"),
        from: {
          ip: clientIp(c.req.header("CF-Connecting-IP")),
          deviceId: c.req.valid("header")["x-device-id"],
          requestCountry: requestCountry(c.req.raw),
        },
      },
      now,
    );
    c.executionCtx.waitUntil(deliverInvite(deps, invite.id, now));
    return c.json({ invite }, 202);
  });

  app.openapi(list, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const beforeId = cursorPosition(cursor, "string");
    const [rows, me] = await Promise.all([
      listInvitesOf(c.var.db, c.var.auth.userId, { limit, beforeId }),
      currentUser(c.var.db, c.var.auth.userId),
    ]);
    const page = toPage(rows, limit, (row) => row.id);
    return c.json(
      {
        data: page.rows.map((row) => toInviteView(row, me.referralCode, c.var.config)),
        nextCursor: page.nextCursor,
      },
      200,
    );
  });
}
