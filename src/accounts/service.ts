/**
 * Accounts people can keep: a name they can change, a phone they prove they hold, a
 * password they can change or, with a code sent to that phone, reset.
 */

import { roleFor } from "../auth/rules";
import {
  type AuthDeps,
  checkPassword,
  openSession,
  passwordAccount,
  type Tokens,
} from "../auth/service";
import { hashPassword } from "../credentials/password";
import { findCredentials, revokeSessionsExcept } from "../credentials/sessions";
import { ApiError } from "../errors";
import type { AuthContext } from "../http/context";
import type { Locale } from "../i18n/locales";
import type { CodeSender } from "../invites/senders";
import { forgetLinkCodes } from "../links/service";
import type { Deps } from "../platform/deps";
import { qualifyOnVerifiedPhone } from "../referrals/verified-phone";
import { requirePhone } from "../users/phones";
import { currentUser } from "../users/service";
import {
  findUserByPhone,
  markPhoneVerified,
  setPasswordHash,
  setUserPreferences,
  type UserRow,
} from "../users/store";
import {
  type CodeDeps,
  invalidCode,
  issueCode,
  limitCodeChecks,
  limitCodeSends,
  redeemCode,
} from "../verification/service";

/** What an account operation that may send a code needs: its sender besides the `Deps`. */
export type AccountDeps = AuthDeps & Pick<Deps, "defer"> & { sender: CodeSender };

/**
 * The person's own settings: name, language, notifications; an empty change changes nothing.
 * A new name leaves the invite link's cache of their code (in `kv`), which shows it on the
 * iPhone install page.
 */
export async function updatePreferences(
  deps: Pick<Deps, "db" | "kv">,
  userId: string,
  change: {
    name?: string | undefined;
    locale?: Locale | undefined;
    notifications?: boolean | undefined;
  },
): Promise<UserRow> {
  if (Object.values(change).some((value) => value !== undefined)) {
    await setUserPreferences(deps.db, userId, change).run();
  }
  const user = await currentUser(deps.db, userId);
  if (change.name !== undefined) await forgetLinkCodes(deps.kv, [user.referralCode]);
  return user;
}

/** A participant created by a back end may have no phone: there is nothing to verify. */
function withPhone<T extends { phone: string | null }>(user: T): T & { phone: string } {
  if (user.phone === null) {
    throw new ApiError("validation_error", "This account has no phone number to verify.", {
      details: [{ path: "phone", message: "the account has no phone number" }],
    });
  }
  return user as T & { phone: string };
}

/** Sends a phone verification code by SMS; a phone verified already gets none. */
export async function requestPhoneVerification(
  deps: AccountDeps,
  userId: string,
  ip: string,
  now: number,
): Promise<void> {
  const user = withPhone(await currentUser(deps.db, userId));
  if (user.phoneVerifiedAt !== null) return;
  await limitCodeSends(deps.rateLimiter, { purpose: "phone_verification", phone: user.phone, ip });
  await issueCode(deps, user, "phone_verification", now);
}

/**
 * The user with their phone proven (by a verification or a reset code), the role that
 * earns them, and the write that records both (for the caller's batch). After that batch,
 * `qualifyOnVerifiedPhone` pays their own referral if it was waiting for the phone.
 */
function withPhoneProven(deps: AuthDeps, user: UserRow, now: number) {
  const verified = { ...user, phoneVerifiedAt: user.phoneVerifiedAt ?? now };
  const role = roleFor(verified, deps.config);
  return {
    user: { ...verified, role },
    write: markPhoneVerified(deps.db, user.id, { at: now, role }),
  };
}

/** Checks a phone verification code: 200 with the user verified, or 422. */
export async function verifyPhone(
  deps: AuthDeps,
  userId: string,
  code: string,
  ip: string,
  now: number,
): Promise<UserRow> {
  const user = withPhone(await currentUser(deps.db, userId));
  await limitCodeChecks(deps.rateLimiter, { purpose: "phone_verification", phone: user.phone, ip });
  await redeemCode(deps, user.id, "phone_verification", code, now);
  const proven = withPhoneProven(deps, user, now);
  await proven.write.run();
  await qualifyOnVerifiedPhone(deps, user.id, now);
  return proven.user;
}

/**
 * Changes the password, proven by the current one (counted into the login's failure
 * limits); every other session ends.
 */
export async function changePassword(
  deps: AuthDeps,
  auth: AuthContext,
  input: { currentPassword: string; newPassword: string; ip: string },
  now: number,
): Promise<void> {
  const { db, config } = deps;
  const credentials = await findCredentials(db, auth.userId);
  if (!credentials) throw new ApiError("unauthorized", "The account no longer exists.");
  await checkPassword(deps, {
    account: passwordAccount(credentials),
    ip: input.ip,
    password: input.currentPassword,
    load: async () => credentials,
    wrong: "The current password is wrong.",
  });
  const newHash = await hashPassword(input.newPassword, config.bcryptCost);
  await db.batch([
    setPasswordHash(db, auth.userId, newHash),
    revokeSessionsExcept(db, auth.userId, now, auth.sessionId),
  ]);
}

/**
 * Sends a password reset code to the phone if an account has it. The answer is the same
 * either way, and the look-up and the code happen after the response, so that neither the
 * answer nor its timing tells whether the phone is registered.
 */
export async function requestPasswordReset(
  deps: CodeDeps,
  rawPhone: string,
  ip: string,
  now: number,
): Promise<void> {
  const phone = requirePhone(rawPhone, deps.config);
  await limitCodeSends(deps.rateLimiter, { purpose: "password_reset", phone, ip });
  deps.defer(
    findUserByPhone(deps.db, phone)
      .then((user) =>
        user?.phone
          ? issueCode(
              deps,
              { id: user.id, phone: user.phone, locale: user.locale },
              "password_reset",
              now,
            )
          : undefined,
      )
      .catch((error) => console.error("[password_reset] no code was issued", error)),
  );
}

/**
 * Sets a new password with a reset code: every earlier session ends, the phone counts as
 * verified (the code proved it), and the user is signed in afresh.
 */
export async function confirmPasswordReset(
  deps: AuthDeps,
  input: { phone: string; code: string; newPassword: string; ip: string },
  now: number,
): Promise<{ user: UserRow; tokens: Tokens }> {
  const { db, config } = deps;
  const phone = requirePhone(input.phone, config);
  await limitCodeChecks(deps.rateLimiter, { purpose: "password_reset", phone, ip: input.ip });
  const found = await findUserByPhone(db, phone);
  if (!found) throw invalidCode();
  await redeemCode(deps, found.id, "password_reset", input.code, now);
  const { passwordHash: _, ...user } = found;
  const newHash = await hashPassword(input.newPassword, config.bcryptCost);
  const proven = withPhoneProven(deps, user, now);
  const session = await openSession(deps, user.id, now);
  // Revoking comes first: the new session is written after it, so it stays live.
  await db.batch([
    setPasswordHash(db, user.id, newHash),
    revokeSessionsExcept(db, user.id, now),
    proven.write,
    ...session.writes,
  ]);
  await qualifyOnVerifiedPhone(deps, user.id, now);
  return { user: proven.user, tokens: await session.tokens(proven.user.role) };
}
