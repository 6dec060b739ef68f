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

// And the lots that track first-expiring-first-spent hold exactly each ledger balance (the
// spendable balance leaves out lots past their expiry that the hourly job has not swept).
afterAll(async () => {
  const drift = await env.DB.prepare(
    `select w.user_id, w.balance, coalesce((select sum(remaining) from point_lots l where l.user_id = w.user_id), 0) as lots
       from wallets w
      where w.balance <> coalesce((select sum(remaining) from point_lots l where l.user_id = w.user_id), 0)`,
  ).all();
  expect(drift.results).toEqual([]);
});

// Each debit took exactly its points from lots that were, at its time, unexpired (or, for
// an `expiry` entry, expired), and a debit given back returned exactly what it took.
afterAll(async () => {
  const miscounted = await env.DB.prepare(
    `select d.id from ledger_entries d
       left join (select debit_entry_id, sum(points) as taken from lot_consumptions group by debit_entry_id) c
         on c.debit_entry_id = d.id
      where d.points < 0 and coalesce(c.taken, 0) <> -d.points`,
  ).all();
  expect(miscounted.results).toEqual([]);
  const untimely = await env.DB.prepare(
    `select d.id from lot_consumptions c join ledger_entries d on d.id = c.debit_entry_id
      where (c.expires_at <= d.created_at) <> (d.type = 'expiry')`,
  ).all();
  expect(untimely.results).toEqual([]);
  const overReturned = await env.DB.prepare(
    `select r.debit_entry_id from debit_returns r join ledger_entries d on d.id = r.debit_entry_id
      where r.points <> -d.points`,
  ).all();
  expect(overReturned.results).toEqual([]);
});
