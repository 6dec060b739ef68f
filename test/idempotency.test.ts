import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import { ApiError } from "../src/errors";
import { claimIdempotencyKey, runIdempotently } from "../src/platform/idempotency";
import { appendLedgerEntry } from "../src/wallet/store";
import { registerUser } from "./harness";

const db = createDb(env.DB);
const LOCK_PASSED = 31_000;

async function claimOrFail(at: { userId: string; scope: string; key: string }, now: number) {
  const claim = await claimIdempotencyKey(db, at, "same-body", now);
  if (claim.kind !== "claimed") throw new Error(`expected a claim, got ${claim.kind}`);
  return claim;
}

describe("an idempotency key taken over after its lock passed", () => {
  it("cannot be completed by the stalled first request, only by the retry", async () => {
    const at = { userId: "usr_stalled", scope: "test", key: "stalled-then-retried" };
    const t0 = Date.now();
    const stalled = await claimOrFail(at, t0);
    const retry = await claimOrFail(at, t0 + LOCK_PASSED);
    await expect(db.batch([stalled.complete("res_stalled")])).rejects.toThrow(
      /idempotency_key_taken_over/,
    );
    await db.batch([retry.complete("res_retry")]);
    expect(await claimIdempotencyKey(db, at, "same-body", t0 + LOCK_PASSED + 1)).toEqual({
      kind: "replay",
      resourceId: "res_retry",
    });
  });

  it("the stalled request's release leaves the retry's lock in place", async () => {
    const at = { userId: "usr_stalled", scope: "test", key: "stalled-then-released" };
    const t0 = Date.now();
    const stalled = await claimOrFail(at, t0);
    const retry = await claimOrFail(at, t0 + LOCK_PASSED);
    await stalled.release();
    await expect(claimIdempotencyKey(db, at, "same-body", t0 + LOCK_PASSED + 1)).rejects.toThrow(
      /still being processed/,
    );
    await db.batch([retry.complete("res_retry")]);
  });

  it("the stalled request's whole batch is undone and answers idempotency_in_progress", async () => {
    const user = await registerUser();
    const at = { userId: user.id, scope: "test", key: "stalled-credit" };
    const t0 = Date.now();
    const outcome = runIdempotently(
      db,
      at,
      "same-body",
      {
        replay: async (id) => id,
        run: async (complete) => {
          // While this request stalls, a retry takes its key over.
          await claimOrFail(at, Date.now() + LOCK_PASSED);
          await db.batch([
            appendLedgerEntry(db, {
              userId: user.id,
              type: "adjustment",
              points: 10,
              description: "Stalled credit",
              createdAt: t0,
            }),
            complete("res_stalled"),
          ]);
          return "res_stalled";
        },
      },
      t0,
    );
    await expect(outcome).rejects.toSatisfy(
      (error) => error instanceof ApiError && error.code === "idempotency_in_progress",
    );
    const credited = await env.DB.prepare(
      "select count(*) as n from ledger_entries where user_id = ? and description = 'Stalled credit'",
    )
      .bind(user.id)
      .first<{ n: number }>();
    expect(credited?.n).toBe(0);
  });
});
