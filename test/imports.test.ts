import { env } from "cloudflare:workers";
import bcrypt from "bcryptjs";
import { beforeAll, describe, expect, it } from "vitest";
import legacyUsers from "./fixtures/mongo-users.json";
import {
  adminUser,
  callJson,
  countRows,
  expectError,
  registerUser,
  serverKey,
  type TestUser,
  tableCounts,
  uniquePhone,
  walletBalance,
  withProgramChange,
} from "./harness";

const IMPORT = "/v1/admin/imports?defaultCountry=PK";
let admin: TestUser;
let firstRun: {
  status: number;
  body: { created: number; failed: unknown[] } & Record<string, number>;
};

async function importDocs(docs: unknown, path = IMPORT) {
  return callJson("POST", path, docs, { token: admin.accessToken });
}

async function logIn(phone: string, password: string) {
  return callJson("POST", "/v1/auth/login", { phone, password });
}

async function userByPhone(phone: string) {
  return env.DB.prepare("select * from users where phone = ?")
    .bind(phone)
    .first<{ id: string; password_hash: string; role: string; name: string }>();
}

/** A fresh old-schema document: a unique phone and _id, a valid bcrypt hash (cost 4). */
let docCounter = 0;
/** Storage is per test file, but ids stay unique anyway: 14 random hex digits per file. */
const RUN_PREFIX = Array.from({ length: 14 }, () =>
  Math.floor(Math.random() * 16).toString(16),
).join("");
function legacyDoc(overrides: Record<string, unknown> = {}) {
  docCounter += 1;
  const suffix = String(docCounter).padStart(10, "0");
  return {
    _id: { $oid: `${RUN_PREFIX}${suffix}` },
    name: "Zara Malik",
    phone: uniquePhone(),
    password: legacyUsers[1]?.password, // "bilal-old-pass"
    status: "user",
    referralCode: `z_${suffix.slice(-6)}`,
    referredBy: null,
    referralCount: 0,
    rewards: 0,
    ...overrides,
  };
}

beforeAll(async () => {
  admin = await adminUser();
  firstRun = await importDocs(legacyUsers);
});

describe("POST /v1/admin/imports", () => {
  it("imports the good documents and reports each bad one with its index, phone and reason", () => {
    expect(firstRun.status, JSON.stringify(firstRun.body)).toBe(200);
    expect(firstRun.body).toMatchObject({
      created: 6,
      skipped: 0,
      referralsLinked: 5,
      pointsImported: 150 + 40 + 25 + 60,
    });
    expect(firstRun.body.failed).toEqual([
      { index: 5, phone: "12345", reason: expect.stringContaining("phone") },
      { index: 6, phone: "+92 321 1110007", reason: expect.stringContaining("bcrypt") },
      { index: 7, phone: "+92 333 1110008", reason: expect.stringContaining("_id") },
      { index: 8, phone: "+923001110001", reason: expect.stringContaining("repeats") },
    ]);
  });

  it("lets users sign in with their old $2a$, $2b$ and $2y$ passwords", async () => {
    expect((await logIn("+923001110001", "ayesha-old-pass")).status).toBe(200);
    expect((await logIn("+923001110002", "bilal-old-pass")).status).toBe(200);
    expect((await logIn("+923001110003", "chand-old-pass")).status).toBe(200);
    expect((await logIn("+919876511104", "deepak-old-pass")).status).toBe(200);
    expect((await logIn("+923001110002", "wrong-pass")).status).toBe(401);
  });

  it("rehashes an old hash at our cost (4 in tests) on login, only when the cost differs", async () => {
    const atCost5 = legacyDoc({
      password: bcrypt.hashSync("old-pass-5", 5).replace(/^\$2[ab]\$/, "$2y$"),
    });
    const atCost4 = legacyDoc({ password: bcrypt.hashSync("old-pass-4", 4) });
    expect((await importDocs([atCost5, atCost4])).body.created).toBe(2);

    expect((await logIn(atCost5.phone, "old-pass-5")).status).toBe(200);
    expect((await userByPhone(atCost5.phone))?.password_hash).toMatch(/^\$2b\$04\$/);
    expect((await logIn(atCost5.phone, "old-pass-5")).status).toBe(200);

    expect((await logIn(atCost4.phone, "old-pass-4")).status).toBe(200);
    expect((await userByPhone(atCost4.phone))?.password_hash).toBe(atCost4.password);
  });

  it("keeps admins admins, and carries points over as one import entry", async () => {
    expect((await userByPhone("+923001110001"))?.role).toBe("admin");
    const login = await logIn("+923001110001", "ayesha-old-pass");
    expect(await walletBalance(login.body.accessToken)).toBe(150);
    const history = await callJson("GET", "/v1/me/wallet/transactions", undefined, {
      token: login.body.accessToken,
    });
    expect(history.body.data).toEqual([
      expect.objectContaining({ type: "import", points: 150, balanceAfter: 150 }),
    ]);
  });

  it("keeps old codes working exactly as issued, in links, look-ups and signup", async () => {
    const ayesha = await userByPhone("+923001110001");
    const link = await callJson("GET", "/r/Ab3_x-9Z");
    expect(link.status).toBe(302);
    const lookUp = await callJson("GET", "/v1/referral-codes/Ab3_x-9Z");
    expect(lookUp.status).toBe(200);
    expect(lookUp.body).toMatchObject({ code: "Ab3_x-9Z", valid: true });
    const lower = await callJson("GET", "/v1/referral-codes/k7qm2xrp");
    expect(lower.body.code).toBe("k7qm2xrp");

    // Ayesha's export holds three referees (one more than her referralCount said): the
    // next referral is her 4th, which pays the second tier.
    const referee = await registerUser({ referralCode: "Ab3_x-9Z" });
    const referral = await env.DB.prepare(
      "select ordinal, referrer_points, code from referrals where referee_id = ?",
    )
      .bind(referee.id)
      .first();
    expect(referral).toEqual({ ordinal: 4, referrer_points: 100, code: "Ab3_x-9Z" });
    const board = await env.DB.prepare(
      "select referrals from leaderboard_entries where period = 'all' and user_id = ?",
    )
      .bind(ayesha?.id)
      .first();
    expect(board).toEqual({ referrals: 4 });
    expect(referee.id).not.toBe(ayesha?.id);
  });

  it("links the referral chain as qualified referrals without new points", async () => {
    const bilal = await userByPhone("+923001110002");
    const rows = await env.DB.prepare(
      "select ordinal, status, referrer_points, referee_points, source from referrals where referrer_id = ? order by ordinal",
    )
      .bind(bilal?.id)
      .all();
    expect(rows.results).toEqual([
      { ordinal: 1, status: "qualified", referrer_points: 0, referee_points: 0, source: "import" },
      { ordinal: 2, status: "qualified", referrer_points: 0, referee_points: 0, source: "import" },
    ]);
    const login = await logIn("+923001110002", "bilal-old-pass");
    expect(await walletBalance(login.body.accessToken)).toBe(40);
    // The all-time board counts them: Bilal's referralCount was 2, and both are here.
    const board = await env.DB.prepare(
      "select referrals from leaderboard_entries where period = 'all' and user_id = ?",
    )
      .bind(bilal?.id)
      .first();
    expect(board).toEqual({ referrals: 2 });
  });

  it("re-importing the same file creates nothing", async () => {
    const before = await tableCounts();
    const again = await importDocs(legacyUsers);
    expect(again.status).toBe(200);
    // The document that repeated Ayesha's phone now finds it here: skipped like hers.
    expect(again.body).toMatchObject({
      created: 0,
      skipped: 7,
      referralsLinked: 0,
      pointsImported: 0,
    });
    expect(again.body.failed).toHaveLength(3);
    expect(await tableCounts()).toEqual(before);
  });

  it("a dry run reports what it would do and writes nothing", async () => {
    const before = await tableCounts();
    const docs = [legacyDoc({ rewards: 30 }), legacyDoc({ phone: "nope" })];
    const dry = await importDocs(docs, `${IMPORT}&dryRun=true`);
    expect(dry.body).toMatchObject({ created: 1, skipped: 0, pointsImported: 30 });
    expect(dry.body.failed).toHaveLength(1);
    expect(await tableCounts()).toEqual(before);
  });

  it("links a referrer imported by an earlier request, and continues its tiers after referralCount", async () => {
    const referrer = legacyDoc({ referralCount: 3 });
    expect((await importDocs([referrer])).body.created).toBe(1);
    const referee = legacyDoc({ referredBy: referrer._id });
    const linked = await importDocs([referee]);
    expect(linked.body).toMatchObject({ created: 1, referralsLinked: 1 });

    // Three referrals counted by the old backend, one of them imported: the next is the 4th.
    const signup = await registerUser({ referralCode: referrer.referralCode });
    const row = await env.DB.prepare(
      "select ordinal, qualified_ordinal, referrer_points from referrals where referee_id = ?",
    )
      .bind(signup.id)
      .first();
    expect(row).toEqual({ ordinal: 4, qualified_ordinal: 4, referrer_points: 100 });
    const stats = await env.DB.prepare(
      "select total, qualified from referral_stats where user_id = (select id from users where phone = ?)",
    )
      .bind(referrer.phone)
      .first();
    expect(stats).toEqual({ total: 4, qualified: 4 });
    const board = await env.DB.prepare(
      "select referrals from leaderboard_entries where period = 'all' and user_id = (select id from users where phone = ?)",
    )
      .bind(referrer.phone)
      .first();
    expect(board).toEqual({ referrals: 4 });
  });

  it("imports a person whose referrer was erased since, without linking them to the erased user", async () => {
    const referrer = legacyDoc({ referralCount: 1 });
    expect((await importDocs([referrer])).body.created).toBe(1);
    const erasedId = (await userByPhone(referrer.phone))?.id;
    const erased = await callJson("DELETE", `/v1/admin/users/${erasedId}`, undefined, {
      token: admin.accessToken,
    });
    expect(erased.status).toBe(204);
    const referee = legacyDoc({ referredBy: referrer._id });
    const imported = await importDocs([referee]);
    expect(imported.body).toMatchObject({ created: 1, referralsLinked: 0, failed: [] });
    const links = await env.DB.prepare("select count(*) as n from referrals where referrer_id = ?")
      .bind(erasedId)
      .first();
    expect(links).toEqual({ n: 0 });
  });

  it("refuses an old code that is another code in another case, and imports the rest", async () => {
    const taken = legacyDoc({ referralCode: "AB3_X-9z" }); // Ayesha holds Ab3_x-9Z
    const fine = legacyDoc();
    const result = await importDocs([taken, fine]);
    expect(result.body.created).toBe(1);
    expect(result.body.failed).toEqual([
      { index: 0, phone: taken.phone, reason: expect.stringContaining("taken") },
    ]);
  });

  it("parallel imports of one file create each user once", async () => {
    const docs = Array.from({ length: 5 }, () => legacyDoc({ rewards: 10 }));
    const before = await countRows("users");
    const runs = await Promise.all(Array.from({ length: 10 }, () => importDocs(docs)));
    expect(runs.map((run) => run.status)).toEqual(Array(10).fill(200));
    const sum = (key: string) => runs.reduce((total, run) => total + run.body[key], 0);
    expect({
      created: sum("created"),
      skipped: sum("skipped"),
      points: sum("pointsImported"),
    }).toEqual({
      created: 5,
      skipped: 45,
      points: 50,
    });
    expect(runs.flatMap((run) => run.body.failed)).toEqual([]);
    expect(await countRows("users")).toBe(before + 5);
  });

  it("refuses premium-rate and satellite phones with their reason, and imports the rest", async () => {
    const premium = legacyDoc({ phone: "+1 900 555 1234" });
    const satellite = legacyDoc({ phone: "+881 631 234 5678" });
    const fine = legacyDoc();
    const result = await importDocs([premium, satellite, fine]);
    expect(result.body).toMatchObject({ created: 1, skipped: 0 });
    expect(result.body.failed).toEqual([
      { index: 0, phone: "+19005551234", reason: expect.stringMatching(/^phone: a premium-rate/) },
      { index: 1, phone: "+8816312345678", reason: expect.stringMatching(/^phone: a satellite/) },
    ]);
    expect(await userByPhone("+19005551234")).toBeNull();
  });

  it("checks names like signup: invisible and bidi characters removed, links and markup refused", async () => {
    const bidi = legacyDoc({ name: "\u202Enahk\u202C Zara\u200B" });
    const link = legacyDoc({ name: "Zara visit evil.com" });
    const markup = legacyDoc({ name: "<a href=x>Zara</a>" });
    const noLetter = legacyDoc({ name: "\u200B\u200B 123" });
    const result = await importDocs([bidi, link, markup, noLetter]);
    expect(result.body.created).toBe(1);
    expect(result.body.failed).toEqual([
      { index: 1, phone: link.phone, reason: "name: must not contain a web or e-mail address" },
      { index: 2, phone: markup.phone, reason: "name: must not contain a web or e-mail address" },
      { index: 3, phone: noLetter.phone, reason: "name: must contain a letter" },
    ]);
    expect((await userByPhone(bidi.phone))?.name).toBe("nahk Zara");
  });

  it("refuses bcrypt costs outside 4-15, so that no login answers 500 or takes seconds", async () => {
    const atCost = (cost: string) =>
      legacyDoc({
        password: bcrypt.hashSync("pass-word", 4).replace(/^\$2b\$04\$/, `$2b$${cost}$`),
      });
    const docs = ["03", "99", "16", "15", "04"].map(atCost);
    const result = await importDocs(docs, `${IMPORT}&dryRun=true`);
    expect(result.body.created).toBe(2);
    expect(result.body.failed).toEqual(
      [0, 1, 2].map((index) => ({
        index,
        phone: docs[index]?.phone,
        reason: "password: must be a bcrypt hash of cost 4 to 15",
      })),
    );
  });

  it("links a referrer that comes later in the same file, and counts only referrals written", async () => {
    const referrer = legacyDoc();
    const referee = legacyDoc({ referredBy: referrer._id });
    // Two documents that name each other: one of them can be linked, not both.
    const opening = legacyDoc();
    const second = legacyDoc({ referredBy: opening._id });
    const first = { ...opening, referredBy: second._id };
    const result = await importDocs([referee, referrer, first, second]);
    expect(result.body).toMatchObject({ created: 4, referralsLinked: 2, failed: [] });
    const written = await env.DB.prepare(
      `select count(*) as n from referrals where referee_id in
         (select id from users where phone in (?, ?, ?))`,
    )
      .bind(referee.phone, first.phone, second.phone)
      .first("n");
    expect(written).toBe(2);
    const row = await env.DB.prepare(
      `select r.status, r.code from referrals r join users u on u.id = r.referee_id
        where u.phone = ? and r.referrer_id = (select id from users where phone = ?)`,
    )
      .bind(referee.phone, referrer.phone)
      .first();
    expect(row).toEqual({ status: "qualified", code: referrer.referralCode });
  });

  it("describes every field of a document in the OpenAPI document, and still takes any document", async () => {
    const { body } = await callJson("GET", "/openapi.json");
    const items = body.components.schemas.ImportRequest.items;
    expect(items).toEqual({ $ref: "#/components/schemas/LegacyUserDocument" });
    const document = body.components.schemas.LegacyUserDocument;
    expect(Object.keys(document.properties).sort()).toEqual(
      Object.keys(legacyDoc()).concat("createdAt").sort(),
    );
    for (const [field, schema] of Object.entries<{ description?: string }>(document.properties)) {
      expect(schema.description, field).toEqual(expect.any(String));
    }
    expect(document.required).toEqual(["_id", "name", "phone", "password"]);

    // Documented, not enforced by the route: a document that is not even an object fails alone.
    const result = await importDocs([12, legacyDoc()], `${IMPORT}&dryRun=true`);
    expect(result.body).toMatchObject({
      created: 1,
      failed: [{ index: 0, phone: null, reason: expect.any(String) }],
    });
  });

  it("is for admins only", async () => {
    const user = await registerUser();
    const response = await callJson("POST", IMPORT, [legacyDoc()], { token: user.accessToken });
    expectError(response, 403, "forbidden");
  });

  it("accepts a body above the API's 64 KiB, up to its own 2 MiB limit", async () => {
    const docs = Array.from({ length: 400 }, () => legacyDoc({ name: "N".repeat(80) }));
    expect(JSON.stringify(docs).length).toBeGreaterThan(64 * 1024);
    const result = await importDocs(docs, `${IMPORT}&dryRun=true`);
    expect(result.status, JSON.stringify(result.body).slice(0, 300)).toBe(200);
    expect(result.body.created).toBe(400);

    const huge = [{ name: "x".repeat(2 * 1024 * 1024) }];
    expectError(await importDocs(huge), 413, "payload_too_large");
    // Every other route keeps the 64 KiB limit.
    const big = await callJson("POST", "/v1/auth/login", { phone: "x".repeat(70 * 1024) });
    expectError(big, 413, "payload_too_large");
  });

  it("refuses more than 1,000 documents a request", async () => {
    const docs = Array.from({ length: 1001 }, () => ({}));
    expectError(await importDocs(docs), 400, "validation_error");
  });
});

describe("the conversion rate of imported referrals", () => {
  it("an imported referrer's rate is qualified ÷ referred signups, imported referrals on both sides", async () => {
    await withProgramChange({ qualification: "purchase" }, async () => {
      const referrer = legacyDoc({ referralCount: 3, password: legacyUsers[1]?.password });
      await importDocs([referrer]);
      await importDocs([legacyDoc({ referredBy: referrer._id })]);
      const login = await logIn(referrer.phone, "bilal-old-pass");
      expect(login.status).toBe(200);
      const token = login.body.accessToken;
      const code = (await callJson("GET", "/v1/me", undefined, { token })).body.referralCode;
      await registerUser({ referralCode: code }); // pending: no purchase yet
      const stats = await callJson("GET", "/v1/me/stats", undefined, { token });
      // Three imported (qualified, one of them a referral row) and one waiting.
      expect(stats.body).toMatchObject({
        signups: 4,
        qualified: 3,
        conversionRate: 0.75,
        tier: { current: 2, nextAt: 11 },
      });
    });
  });

  it("admin analytics count imported referrals as referred signups and as qualified", async () => {
    const day = "2011-07-13";
    const createdAt = { $date: `${day}T10:00:00Z` };
    const referrer = legacyDoc({ createdAt });
    await importDocs([referrer]);
    await importDocs([
      legacyDoc({ referredBy: referrer._id, createdAt }),
      legacyDoc({ referredBy: referrer._id, createdAt }),
    ]);
    const { body } = await callJson("GET", `/v1/admin/analytics?from=${day}&to=${day}`, undefined, {
      token: admin.accessToken,
    });
    expect(body).toMatchObject({
      clicks: 0,
      signups: 3,
      referredSignups: 2,
      qualified: 2,
      conversionRate: 1,
    });
  });
});

describe("imports by the shop's ids and server keys", () => {
  beforeAll(async () => {
    admin ??= await adminUser();
  });

  it("an imported person's old _id is their externalId: GET /v1/users?externalId= finds them", async () => {
    const doc = legacyDoc();
    const imported = await importDocs([doc]);
    expect(imported.body.created).toBe(1);
    const { secret } = await serverKey(["users"]);
    const found = await callJson("GET", `/v1/users?externalId=${doc._id.$oid}`, undefined, {
      headers: { Authorization: `Bearer ${secret}` },
    });
    expect(found.body.data).toHaveLength(1);
    expect(found.body.data[0]).toMatchObject({ externalId: doc._id.$oid, name: doc.name });
  });

  it("a server key with scope imports may import; one without it is 403 and writes nothing", async () => {
    const { secret } = await serverKey(["imports"]);
    const doc = legacyDoc();
    const response = await callJson("POST", IMPORT, [doc], {
      headers: { Authorization: `Bearer ${secret}` },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.created).toBe(1);
    const other = await serverKey(["users", "events"]);
    const before = await tableCounts();
    const refused = await callJson("POST", IMPORT, [legacyDoc()], {
      headers: { Authorization: `Bearer ${other.secret}` },
    });
    expectError(refused, 403, "forbidden");
    const unknown = await callJson("POST", IMPORT, [legacyDoc()], {
      headers: { Authorization: "Bearer rk_not_a_real_key_at_all_000000000000" },
    });
    expectError(unknown, 401, "unauthorized");
    expect(await tableCounts()).toEqual(before);
  });
});
