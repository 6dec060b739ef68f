// Seeds the benchmark's local D1 straight through SQLite (node:sqlite), in one transaction
// per call. The schema's triggers keep wallets, referral counters and the leaderboard
// histogram as the Worker itself would.
import { readdirSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";

const ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const DAY = 86_400_000;

export function referralCode(n) {
  let out = "";
  for (let rest = n, k = 0; k < 7; k++, rest = Math.floor(rest / 31))
    out = ALPHABET[rest % 31] + out;
  return `B${out}`;
}

export function openLocalD1(stateDir) {
  const dir = `${stateDir}/v3/d1/miniflare-D1DatabaseObject`;
  const file = readdirSync(dir).find(
    (name) => name.endsWith(".sqlite") && name !== "metadata.sqlite",
  );
  if (!file) throw new Error(`no local D1 database in ${dir}`);
  return new DatabaseSync(`${dir}/${file}`);
}

/** Creates seeded users, each numbered; returns their ids. */
export class Seeder {
  constructor(db, passwordHash) {
    this.db = db;
    this.passwordHash = passwordHash;
    this.now = Date.now();
    this.next = Number(db.prepare("select count(*) as n from users").get().n) + 1;
    this.insertUser = db.prepare(
      `insert into users (id, name, phone, password_hash, role, referral_code, referral_code_created_at,
         referred_by_user_id, referred_by_code, created_at) values (?, ?, ?, ?, 'user', ?, ?, ?, ?, ?)`,
    );
    this.insertReferral = db.prepare(
      `insert into referrals (id, referrer_id, referee_id, ordinal, qualified_ordinal, code, status, source,
         program_version, referrer_points, referee_points, created_at, qualified_at)
       values (?, ?, ?, ?, ?, ?, 'qualified', ?, 3, ?, 20, ?, ?)`,
    );
    this.insertLedger = db.prepare(
      `insert into ledger_entries (id, user_id, type, points, balance_after, description, referral_id,
         expires_at, created_at) values (?, ?, ?, ?, ?, 'seeded', ?, ?, ?)`,
    );
    this.insertBoard = db.prepare(
      "insert into leaderboard_entries (period, user_id, referrals, reached_at) values (?, ?, ?, ?)",
    );
    // Signups per source are counted by the referrals trigger; seeded clicks are set here.
    this.setClicks = db.prepare(
      `insert into source_stats (user_id, source, clicks) values (?, ?, ?)
       on conflict (user_id, source) do update set clicks = excluded.clicks`,
    );
  }

  user({ name = "Seeded Person", phone, referrer = null } = {}) {
    const n = this.next++;
    const user = {
      id: `usr_seed${String(n).padStart(9, "0")}`,
      code: referralCode(n),
      phone: phone ?? `+92355${String(n).padStart(7, "0")}`,
      balance: 0,
    };
    this.insertUser.run(
      user.id,
      name,
      user.phone,
      this.passwordHash,
      user.code,
      this.now,
      referrer?.id ?? null,
      referrer?.code ?? null,
      this.now,
    );

    return user;
  }

  /** `count` qualified referrals of `referrer`; with `ledger`, both sides' points too. */
  referrals(referrer, count, { ledger = false, periods = [] } = {}) {
    for (let ordinal = 1; ordinal <= count; ordinal++) {
      const referee = this.user({ name: "Seeded Friend", referrer });
      const referralId = `ref_${referee.id}`;
      const points = ordinal <= 3 ? 50 : ordinal <= 10 ? 100 : 150;
      this.insertReferral.run(
        referralId,
        referrer.id,
        referee.id,
        ordinal,
        ordinal,
        referrer.code,
        ordinal % 3 === 0 ? "whatsapp" : "link",
        points,
        this.now,
        this.now,
      );
      if (ledger) {
        for (const [user, type, amount] of [
          [referee, "signup_bonus", 20],
          [referrer, "referral_reward", points],
        ]) {
          user.balance += amount;
          this.insertLedger.run(
            `txn_${type}_${referee.id}`,
            user.id,
            type,
            amount,
            user.balance,
            referralId,
            this.now + 365 * DAY,
            this.now,
          );
        }
      }
    }
    if (count > 0) {
      for (const period of periods)
        this.insertBoard.run(period, referrer.id, count, this.now - this.next);
      this.setClicks.run(referrer.id, "link", count * 3);
      this.setClicks.run(referrer.id, "whatsapp", count);
    }
  }

  transaction(work) {
    this.db.exec("begin");
    try {
      const result = work();
      this.db.exec("commit");
      return result;
    } catch (error) {
      this.db.exec("rollback");
      throw error;
    }
  }
}
