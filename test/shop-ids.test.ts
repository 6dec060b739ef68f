import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  api,
  callJson,
  countRows,
  expectError,
  expectStatus,
  registerUser,
  serverKey,
  walletBalance,
  withProgramChange,
} from "./harness";

const eventsKey = { Authorization: `Bearer ${env.EVENTS_API_KEY ?? ""}` };

async function usersKey() {
  const { secret } = await serverKey(["users"]);
  return { Authorization: `Bearer ${secret}` };
}

/** The participant as the shop's back end reads it. */
async function participant(headers: Record<string, string>, userId: string) {
  const read = await api.GET("/v1/users/{id}", { path: { id: userId }, headers });
  expectStatus(read, 200);
  return read.body;
}

function setExternalId(headers: Record<string, string>, userId: string, body: unknown) {
  return callJson("PATCH", `/v1/users/${userId}`, body, { headers });
}

describe("the shop's own ids", () => {
  it("an event names its participant by userExternalId and itself by eventId", async () => {
    await withProgramChange({ qualification: "purchase" }, async () => {
      const referrer = await registerUser();
      const referee = await registerUser({ referralCode: referrer.referralCode });
      const headers = await usersKey();
      const shopId = `cust-${referee.id}`;
      expect((await setExternalId(headers, referee.id, { externalId: shopId })).status).toBe(200);
      const event = { type: "purchase", userExternalId: shopId, eventId: `ord-${referee.id}` };
      const first = await api.POST("/v1/events", { body: event, headers: eventsKey });
      expectStatus(first, 202);
      expect(first.body.qualified).toHaveLength(1);
      // A replay by the same eventId changes nothing; a different body under it is refused.
      const replay = await callJson("POST", "/v1/events", event, { headers: eventsKey });
      expect(replay.body).toEqual(first.body);
      const other = await callJson(
        "POST",
        "/v1/events",
        { ...event, amount: 5 },
        { headers: eventsKey },
      );
      expectError(other, 422, "idempotency_key_reused");
      expect(await walletBalance(referrer.accessToken)).toBe(50);
    });
  });

  it("an event with an unknown userExternalId is 404 and records nothing", async () => {
    const before = await countRows("events");
    const response = await callJson(
      "POST",
      "/v1/events",
      { type: "purchase", userExternalId: "nobody-we-know", eventId: "ord-x-404" },
      { headers: eventsKey },
    );
    expectError(response, 404, "not_found");
    expect(await countRows("events")).toBe(before);
  });

  it("an event giving both eventId and externalId, or neither, or two subjects, is 400", async () => {
    const user = await registerUser();
    for (const body of [
      { type: "purchase", userId: user.id, eventId: "a-1", externalId: "a-1" },
      { type: "purchase", userId: user.id },
      { type: "purchase", userId: user.id, userExternalId: "x", eventId: "a-2" },
    ]) {
      expectError(
        await callJson("POST", "/v1/events", body, { headers: eventsKey }),
        400,
        "validation_error",
      );
    }
  });

  it("PATCH /v1/users/{id} sets the externalId and the name; GET ?externalId= finds them", async () => {
    const user = await registerUser();
    const headers = await usersKey();
    const shopId = `later-${user.id}`;
    const patched = await setExternalId(headers, user.id, { externalId: shopId, name: "Sana Mir" });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ id: user.id, externalId: shopId, name: "Sana Mir" });
    const found = await api.GET("/v1/users", { query: { externalId: shopId }, headers });
    expectStatus(found, 200);
    expect(found.body.data.map((u) => u.id)).toEqual([user.id]);
  });

  it("PATCH /v1/users/{id} sets the participant's language; an unsupported one is 400 and changes nothing", async () => {
    const user = await registerUser();
    const headers = await usersKey();
    const patched = await setExternalId(headers, user.id, { locale: "ur" });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ id: user.id, locale: "ur" });
    expectError(await setExternalId(headers, user.id, { locale: "fr" }), 400, "validation_error");
    expect((await participant(headers, user.id)).locale).toBe("ur");
  });

  it("an externalId another participant has is 409 external_id_taken and changes nothing", async () => {
    const [first, second] = [await registerUser(), await registerUser()];
    const headers = await usersKey();
    const shopId = `taken-${first.id}`;
    await setExternalId(headers, first.id, { externalId: shopId });
    const response = await setExternalId(headers, second.id, { externalId: shopId, name: "X Y" });
    expectError(response, 409, "external_id_taken");
    const after = await participant(headers, second.id);
    expect(after.name).toBe(second.name);
    expect(after.externalId ?? null).toBeNull();
  });

  it("of parallel PATCHes giving two users one externalId, exactly one wins", async () => {
    const users = await Promise.all(Array.from({ length: 8 }, () => registerUser()));
    const headers = await usersKey();
    const shopId = `race-${users[0]?.id}`;
    const responses = await Promise.all(
      users.map((user) => setExternalId(headers, user.id, { externalId: shopId })),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
  });

  it("PATCH of an unknown or erased user is 404; a bad body is 400; without scope users 403", async () => {
    const headers = await usersKey();
    expectError(await setExternalId(headers, "usr_nope", { name: "A B" }), 404, "not_found");
    const user = await registerUser();
    expectError(await setExternalId(headers, user.id, {}), 400, "validation_error");
    expectError(await setExternalId(headers, user.id, { externalId: "" }), 400, "validation_error");
    const { secret } = await serverKey(["events"]);
    expectError(
      await setExternalId({ Authorization: `Bearer ${secret}` }, user.id, { name: "A B" }),
      403,
      "forbidden",
    );
    const erased = await callJson(
      "DELETE",
      "/v1/me",
      { password: user.password },
      { token: user.accessToken },
    );
    expect(erased.status).toBeLessThan(300);
    expectError(await setExternalId(headers, user.id, { name: "A B" }), 404, "not_found");
  });
});
