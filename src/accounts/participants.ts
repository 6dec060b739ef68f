import { roleFor } from "../auth/rules";
import { insertTokenOnlySession } from "../credentials/sessions";
import { issueAccessToken } from "../credentials/tokens";
import type { Database } from "../db/client";
import { violatedConstraint } from "../db/client";
import { ApiError } from "../errors";
import { clientIp } from "../http/request";
import type { Locale } from "../i18n/locales";
import { newId } from "../lib/ids";
import { referralClaim } from "../links/attribution";
import type { Deps } from "../platform/deps";
import { signUp } from "../signup/service";
import { asPhoneTaken, requireNewPhone, requirePhone } from "../users/phones";
import {
  findUserByExternalId,
  findUserById,
  findUserByPhone,
  setShopFields,
  type UserRow,
} from "../users/store";

export interface ParticipantInput {
  externalId: string;
  name: string;
  phone?: string | undefined;
  referralCode?: string | undefined;
  source?: string | undefined;
  deviceId?: string | undefined;
  ip?: string | undefined;
  locale: Locale | null;
}

/**
 * A participant created by the shop's back end: the same signup as register (referral and
 * both rewards in one batch), without a password. Idempotent by `externalId`: the unique
 * index decides between parallel creates, and every loser answers with the winner's user.
 */
export async function createParticipant(
  deps: Pick<Deps, "db" | "config" | "outbox">,
  input: ParticipantInput,
  now: number,
): Promise<{ user: UserRow; created: boolean }> {
  const { db, config } = deps;
  const existing = await findUserByExternalId(db, input.externalId);
  if (existing) return { user: existing, created: false };
  try {
    const user = await signUp(
      deps,
      {
        name: input.name,
        phone: input.phone === undefined ? null : requireNewPhone(input.phone, config),
        passwordHash: null,
        role: "user",
        externalId: input.externalId,
        // No cookies reach a server call: the shop passes the code and its source.
        referral: referralClaim(input.referralCode, {}, input.source),
        ip: clientIp(input.ip),
        deviceId: input.deviceId,
        locale: input.locale,
      },
      now,
    );
    return { user, created: true };
  } catch (error) {
    if (violatedConstraint(error) === "users.external_id") {
      const winner = await findUserByExternalId(db, input.externalId);
      if (winner) return { user: winner, created: false };
    }
    throw asPhoneTaken(error);
  }
}

export async function participantById(db: Database, id: string): Promise<UserRow> {
  const user = await findUserById(db, id);
  if (!user) throw new ApiError("not_found", `No user ${id} exists.`);
  return user;
}

/**
 * Gives a participant (imported, registered or created) the shop's id and name later. The
 * unique index decides between parallel requests for one id: the losers are
 * `409 external_id_taken`. An erased user, also one erased while this runs, is 404.
 */
export async function updateParticipant(
  db: Database,
  id: string,
  fields: {
    externalId?: string | undefined;
    name?: string | undefined;
    locale?: Locale | undefined;
  },
): Promise<UserRow> {
  try {
    const [user] = await setShopFields(db, id, fields);
    if (!user) throw new ApiError("not_found", `No user ${id} exists.`);
    return user;
  } catch (error) {
    if (violatedConstraint(error) !== "users.external_id") throw error;
    throw new ApiError(
      "external_id_taken",
      `Another participant already has the externalId ${fields.externalId}.`,
    );
  }
}

/** Zero or one user with this phone or externalId. */
export async function findParticipants(
  deps: Pick<Deps, "db" | "config">,
  by: { phone?: string | undefined; externalId?: string | undefined },
): Promise<UserRow[]> {
  const user =
    by.externalId !== undefined
      ? await findUserByExternalId(deps.db, by.externalId)
      : await findUserByPhone(deps.db, requirePhone(by.phone ?? "", deps.config));
  if (!user) return [];
  const { passwordHash: _, ...row } = user as UserRow & { passwordHash?: string | null };
  return [row];
}

/** Embed tokens live at most this long, whatever ACCESS_TOKEN_TTL_SECONDS says. */
const EMBED_TOKEN_MAX_SECONDS = 3600;

/**
 * An access token for an embedded portal: the user's own rights, for at most an hour, and
 * marked so that no admin route and nothing that owns the account accepts it. None is
 * issued for an admin (by the role they hold or would get at login): an admin's account
 * is not handed to another site's page.
 */
export async function issueEmbedToken(
  deps: Pick<Deps, "db" | "config">,
  userId: string,
  now: number,
) {
  const user = await participantById(deps.db, userId);
  if (roleFor(user, deps.config) === "admin") {
    throw new ApiError("forbidden", "No embed token is issued for an admin.");
  }
  const ttl = Math.min(deps.config.accessTokenTtlSeconds, EMBED_TOKEN_MAX_SECONDS);
  const sessionId = newId("ses", now);
  await insertTokenOnlySession(deps.db, { sessionId, userId: user.id, now }).run();
  const { token } = await issueAccessToken(
    deps.config,
    { userId: user.id, role: "user", sessionId, embedded: true },
    ttl,
  );
  return { token, expiresAt: now + ttl * 1000 };
}
