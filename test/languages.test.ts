import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  adminUser,
  api,
  callAndSettle,
  callJson,
  expectError,
  expectStatus,
  type HookMessage,
  interceptInviteWebhook,
  registerUser,
  serverKey,
  type TestUser,
  uniquePhone,
  withProgramChange,
} from "./harness";

afterEach(() => vi.restoreAllMocks());

function register(body: object, headers: Record<string, string> = {}) {
  return callJson(
    "POST",
    "/v1/auth/register",
    { name: "Ayesha Khan", phone: uniquePhone(), password: "correct horse battery", ...body },
    { headers },
  );
}

async function sentThroughHook(work: () => Promise<unknown>): Promise<HookMessage[]> {
  const { calls } = interceptInviteWebhook([200]);
  await work();
  const bodies = await Promise.all(calls.map((request) => request.json<HookMessage>()));
  vi.restoreAllMocks();
  return bodies;
}

async function messageTexts(admin: TestUser) {
  return callJson("GET", "/v1/admin/messages", undefined, { token: admin.accessToken });
}

describe("a user's language", () => {
  it("comes from register's locale, else Accept-Language, else the program's defaultLocale", async () => {
    const explicit = await register({ locale: "ur" }, { "Accept-Language": "hi" });
    expect(explicit.status).toBe(201);
    expect(explicit.body.user).toMatchObject({ locale: "ur", notifications: true });
    const browser = await register({}, { "Accept-Language": "fr;q=0.9, hi-IN;q=0.8, en;q=0.5" });
    expect(browser.body.user.locale).toBe("hi");
    expect((await register({})).body.user.locale).toBe("en");
    await withProgramChange({ defaultLocale: "ur" }, async () => {
      expect((await register({}, { "Accept-Language": "de" })).body.user.locale).toBe("ur");
    });
  });

  it("an unsupported locale is a 400 validation_error and creates nothing", async () => {
    const phone = uniquePhone();
    const refused = await register({ phone, locale: "fr" });
    expectError(refused, 400, "validation_error");
    expect(refused.body.error.details).toEqual([
      { path: "locale", message: "must be one of en, ur, hi" },
    ]);
    const row = await env.DB.prepare("select count(*) as n from users where phone = ?")
      .bind(phone)
      .first<{ n: number }>();
    expect(row?.n).toBe(0);
  });

  it("PATCH /v1/me changes the language and notifications; a bad value changes nothing", async () => {
    const user = await registerUser();
    const changed = await callJson(
      "PATCH",
      "/v1/me",
      { locale: "hi", notifications: false },
      { token: user.accessToken },
    );
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ name: user.name, locale: "hi", notifications: false });
    const refused = await callJson(
      "PATCH",
      "/v1/me",
      { name: "New Name", locale: "xx" },
      { token: user.accessToken },
    );
    expectError(refused, 400, "validation_error");
    const me = await callJson("GET", "/v1/me", undefined, { token: user.accessToken });
    expect(me.body).toMatchObject({ name: user.name, locale: "hi", notifications: false });
  });

  it("a participant created by a back end gets the body's locale or the request's Accept-Language", async () => {
    const key = await serverKey(["users"]);
    const create = (body: object, headers: Record<string, string> = {}) =>
      callJson(
        "POST",
        "/v1/users",
        { externalId: `cust_${crypto.randomUUID()}`, name: "Omar Farooq", ...body },
        { token: key.secret, headers },
      );
    expect((await create({ locale: "hi" })).body.locale).toBe("hi");
    expect((await create({}, { "Accept-Language": "ur-PK" })).body.locale).toBe("ur");
    expectError(await create({ locale: "de" }), 400, "validation_error");
  });
});

describe("messages in the person's language", () => {
  it("a verification code goes out in the user's language", async () => {
    const user = await registerUser();
    await callJson("PATCH", "/v1/me", { locale: "ur" }, { token: user.accessToken });
    const sent = await sentThroughHook(() =>
      callAndSettle("POST", "/v1/auth/phone/verification", { token: user.accessToken }),
    );
    const text: string = sent.find((body) => body.to === user.phone)?.text ?? "";
    expect(text).toMatch(/^\d{6} آپ کا فون کی تصدیق کا کوڈ ہے۔/);
  });

  it("an invite is in its sender's language unless it names one", async () => {
    const user = await registerUser({ name: "Bilal Ahmed" });
    await callJson("PATCH", "/v1/me", { locale: "hi" }, { token: user.accessToken });
    const sent = await sentThroughHook(async () => {
      await callAndSettle("POST", "/v1/me/invites", {
        token: user.accessToken,
        body: { channel: "sms", to: uniquePhone() },
      });
      await callAndSettle("POST", "/v1/me/invites", {
        token: user.accessToken,
        body: { channel: "email", to: "friend@example.com", locale: "ur" },
      });
    });
    expect(sent[0]?.text).toMatch(/^Bilal A\. ने आपको जुड़ने का न्योता भेजा है। यहाँ साइन अप करें: https:/);
    expect(sent[1]?.subject).toBe("Bilal A. نے آپ کو دعوت دی ہے");
    expect(sent[1]?.text).toMatch(/^Bilal A\. نے آپ کو شامل ہونے کی دعوت دی ہے۔/);
  });

  it("an admin's wording is what goes out, and its default again once restored", async () => {
    const admin = await adminUser();
    const user = await registerUser({ name: "Sana Mirza" });
    const put = await callJson(
      "PUT",
      "/v1/admin/messages/invite_sms/en",
      { text: "{name} wants you on board: {link}" },
      { token: admin.accessToken },
    );
    expect(put.status).toBe(200);
    const invite = (to: string) =>
      callAndSettle("POST", "/v1/me/invites", {
        token: user.accessToken,
        body: { channel: "sms", to },
      });
    const custom = await sentThroughHook(() => invite(uniquePhone()));
    expect(custom[0]?.text).toMatch(/^Sana M\. wants you on board: https:\/\/\S+$/);
    const reset = await callJson("DELETE", "/v1/admin/messages/invite_sms/en", undefined, {
      token: admin.accessToken,
    });
    expect(reset.status).toBe(204);
    const restored = await sentThroughHook(() => invite(uniquePhone()));
    expect(restored[0]?.text).toMatch(/^Sana M\. invited you to join\. Sign up here: https:/);
  });
});

describe("/v1/admin/messages", () => {
  it("lists every kind in every locale with its default", async () => {
    const admin = await adminUser();
    const list = await messageTexts(admin);
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(36);
    expect(list.body.data).toContainEqual({
      kind: "share_text",
      locale: "ur",
      text: "میرے ساتھ شامل ہوں اور خوش آمدید بونس پائیں: {link}",
      custom: false,
    });
  });

  it("PUT stores a text, audited; DELETE restores the default, audited once", async () => {
    const admin = await adminUser();
    const text = "{code}: آپ کا کوڈ۔ کسی کو نہ بتائیں۔";
    const put = await callJson(
      "PUT",
      "/v1/admin/messages/verification_code/ur",
      { text },
      { token: admin.accessToken },
    );
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ kind: "verification_code", locale: "ur", text, custom: true });
    expect((await messageTexts(admin)).body.data).toContainEqual(put.body);

    const [first, second] = await Promise.all(
      [0, 1].map(() =>
        callJson("DELETE", "/v1/admin/messages/verification_code/ur", undefined, {
          token: admin.accessToken,
        }),
      ),
    );
    expect([first?.status, second?.status]).toEqual([204, 204]);
    expect((await messageTexts(admin)).body.data).toContainEqual(
      expect.objectContaining({ kind: "verification_code", locale: "ur", custom: false }),
    );
    const log = await api.GET("/v1/admin/audit-log", {
      query: { targetType: "message", targetId: "verification_code/ur" },
      token: admin.accessToken,
    });
    expectStatus(log, 200);
    expect(log.body.data.map((entry) => entry.action)).toEqual(["message.reset", "message.update"]);
  });

  it("refuses an unknown placeholder, a foreign link, over 480 characters, and changes nothing", async () => {
    const admin = await adminUser();
    const before = (await messageTexts(admin)).body;
    const refusals: [string, string, string][] = [
      [
        "friend_joined",
        "{name} joined! You get {points}",
        "unknown placeholder {points}; friend_joined takes {name}",
      ],
      [
        "share_text",
        "Join me at https://evil.example {link}",
        "must not contain a web address other than {link}",
      ],
      ["share_text", "Join me at evil.com", "must not contain a web address other than {link}"],
      [
        "share_text",
        "Join me at www.evil.example",
        "must not contain a web address other than {link}",
      ],
      ["share_text", `${"a".repeat(481)}`, "must be at most 480 characters"],
    ];
    for (const [kind, text, message] of refusals) {
      const refused = await callJson(
        "PUT",
        `/v1/admin/messages/${kind}/en`,
        { text },
        { token: admin.accessToken },
      );
      expectError(refused, 400, "validation_error");
      expect(refused.body.error.details).toEqual([{ path: "text", message }]);
    }
    expectError(
      await callJson(
        "PUT",
        "/v1/admin/messages/share_text/fr",
        { text: "Hi {link}" },
        {
          token: admin.accessToken,
        },
      ),
      400,
      "validation_error",
    );
    expectError(
      await callJson(
        "PUT",
        "/v1/admin/messages/no_such_kind/en",
        { text: "Hi" },
        {
          token: admin.accessToken,
        },
      ),
      400,
      "validation_error",
    );
    expect((await messageTexts(admin)).body).toEqual(before);
    const rows = await env.DB.prepare("select count(*) as n from message_texts").first<{
      n: number;
    }>();
    expect(rows?.n).toBe(0);
  });

  it("is for admins only", async () => {
    const user = await registerUser();
    expectError(await messageTexts(user), 403, "forbidden");
    expectError(
      await callJson(
        "PUT",
        "/v1/admin/messages/share_text/en",
        { text: "Hi {link}" },
        {
          token: user.accessToken,
        },
      ),
      403,
      "forbidden",
    );
  });
});

describe("GET /v1/me/share", () => {
  it("gives the share text in the user's language, with their link, as admins worded it", async () => {
    const user = await registerUser();
    await callJson("PATCH", "/v1/me", { locale: "ur" }, { token: user.accessToken });
    const share = await callJson("GET", "/v1/me/share", undefined, { token: user.accessToken });
    const link = `https://api.test/r/${user.referralCode}`;
    expect(share.body).toEqual({
      locale: "ur",
      text: `میرے ساتھ شامل ہوں اور خوش آمدید بونس پائیں: ${link}`,
      link,
    });
    const admin = await adminUser();
    await callJson(
      "PUT",
      "/v1/admin/messages/share_text/ur",
      { text: "{name} کی طرف سے: {link}" },
      { token: admin.accessToken },
    );
    const reworded = await callJson("GET", "/v1/me/share", undefined, { token: user.accessToken });
    expect(reworded.body.text).toBe(`Ayesha K. کی طرف سے: ${link}`);
    await callJson("DELETE", "/v1/admin/messages/share_text/ur", undefined, {
      token: admin.accessToken,
    });
  });
});

describe("labels", () => {
  it("rewards carry a name per language; a label in a language we do not speak is refused", async () => {
    const admin = await adminUser();
    const id = `rwd_label_${crypto.randomUUID().slice(0, 8)}`;
    const create = (labels: object) =>
      callJson(
        "POST",
        "/v1/admin/rewards",
        { id, name: "Free shipping", description: "", cost: 50, kind: "coupon", labels },
        { token: admin.accessToken },
      );
    expectError(await create({ en: "Free shipping", fr: "Livraison" }), 400, "validation_error");
    const created = await create({ ur: "مفت ترسیل", hi: "मुफ़्त डिलीवरी" });
    expect(created.status).toBe(201);
    const catalog = await api.GET("/v1/rewards");
    expectStatus(catalog, 200);
    expect(catalog.body.data.find((reward) => reward.id === id)?.labels).toEqual({
      ur: "مفت ترسیل",
      hi: "मुफ़्त डिलीवरी",
    });
  });

  it("program milestones and badges take labels, validated like every rule", async () => {
    const admin = await adminUser();
    const current = await callJson("GET", "/v1/admin/program", undefined, {
      token: admin.accessToken,
    });
    const refused = await callJson(
      "PUT",
      "/v1/admin/program",
      {
        rules: {
          ...current.body.rules,
          badges: [{ name: "Bronze", referrals: 5, labels: { de: "Bronze" } }],
        },
      },
      { token: admin.accessToken },
    );
    expectError(refused, 400, "validation_error");
    const badLocale = await callJson(
      "PUT",
      "/v1/admin/program",
      { rules: { ...current.body.rules, defaultLocale: "fr" } },
      { token: admin.accessToken },
    );
    expectError(badLocale, 400, "validation_error");
    const after = await callJson("GET", "/v1/admin/program", undefined, {
      token: admin.accessToken,
    });
    expect(after.body.version).toBe(current.body.version);
  });
});
