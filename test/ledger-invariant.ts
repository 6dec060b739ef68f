import { env } from "cloudflare:workers";
import { afterAll, expect } from "vitest";

// After every test file: each wallet equals the sum of its ledger, and each entry's
// balance_after is the running sum up to it. The ledger is the truth; wallets are a cache.
afterAll(async () => {
  const drift = await env.DB.prepare(
    `select w.user_id, w.balance, coalesce(sum(l.points), 0) as ledger
       from wallets w left join ledger_entries l on l.user_id = w.user_id
      group by w.user_id having w.balance <> coalesce(sum(l.points), 0)`,
  ).all();
  expect(drift.results).toEqual([]);
  const broken = await env.DB.prepare(
    `select id from (
       select id, balance_after,
              sum(points) over (partition by user_id order by seq) as running
         from ledger_entries)
      where balance_after <> running`,
  ).all();
  expect(broken.results).toEqual([]);
});

// And the lots that track first-expiring-first-spent hold exactly each balance.
afterAll(async () => {
  const drift = await env.DB.prepare(
    `select w.user_id, w.balance, coalesce((select sum(remaining) from point_lots l where l.user_id = w.user_id), 0) as lots
       from wallets w
      where w.balance <> coalesce((select sum(remaining) from point_lots l where l.user_id = w.user_id), 0)`,
  ).all();
  expect(drift.results).toEqual([]);
});
