import { describe, expect, it } from "vitest";
import committed from "../openapi.json";
import { bodyLimitFor } from "../src/app";
import { call, callJson, registerUser, uniquePhone } from "./harness";

const METHODS = ["get", "put", "post", "delete", "patch"] as const;

/** A documented response, as these tests read it. */
interface DocumentedResponse {
  description: string;
  headers?: Record<string, unknown>;
  content?: unknown;
}

/** An operation of the document, as these tests read it. */
interface Operation {
  operationId: string;
  security: Record<string, string[] | undefined>[];
  requestBody?: unknown;
  responses: Record<string, DocumentedResponse>;
}

/** The OpenAPI document, as these tests read it (the first test compares all of it). */
interface Document {
  servers?: unknown;
  paths: Record<string, Partial<Record<string, Operation>>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

/** Every operation of a document, with its method and path. */
function operationsOf(
  document: Document,
): { method: string; path: string; operation: Operation }[] {
  const paths: Record<
    string,
    Partial<Record<(typeof METHODS)[number], Operation>>
  > = document.paths;
  return Object.entries(paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item[method];
      return operation ? [{ method, path, operation }] : [];
    }),
  );
}

async function servedDocument(): Promise<Document> {
  const response = await call("GET", "/openapi.json");
  expect(response.status).toBe(200);
  return response.json<Document>();
}

describe("the OpenAPI document", () => {
  it("the Worker serves the committed openapi.json, with its own server", async () => {
    const served = await servedDocument();
    expect(served.servers).toEqual([{ url: "https://api.test" }]);
    // A mismatch means a route changed without `npm run openapi`.
    expect({ ...served, servers: committed.servers }).toEqual(committed);
  });

  it("every operation has a unique operationId and declares its security", async () => {
    const operations = operationsOf(await servedDocument());
    expect(operations.length).toBeGreaterThan(50);
    for (const { method, path, operation } of operations) {
      const name = `${method.toUpperCase()} ${path}`;
      // A verb first, as generated clients name their functions after it.
      expect(operation.operationId, name).toMatch(/^[a-z]+[A-Z]\w*$/);
      // `[]` for a public route, never left out: a missing one reads as "unknown".
      expect(Array.isArray(operation.security), name).toBe(true);
    }
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("every response declares X-Request-Id, and every operation its 500 and 503", async () => {
    for (const { method, path, operation } of operationsOf(await servedDocument())) {
      const name = `${method.toUpperCase()} ${path}`;
      expect(Object.keys(operation.responses), name).toEqual(
        expect.arrayContaining(["500", "503"]),
      );
      for (const [status, response] of Object.entries(operation.responses)) {
        expect(response.headers?.["X-Request-Id"], `${name} ${status}`).toBeDefined();
        if (status === "429") expect(response.headers?.["Retry-After"]).toBeDefined();
      }
    }
  });

  it("the security each operation declares is the one it enforces", async () => {
    for (const { method, path, operation } of operationsOf(await servedDocument())) {
      const name = `${method.toUpperCase()} ${path}`;
      const open =
        operation.security.length === 0 ||
        operation.security.some((requirement) => Object.keys(requirement).length === 0);
      // Without any credentials: a public route answers (400 for the body it lacks, say), a
      // guarded one refuses with 401 before it reads anything.
      const response = await call(method.toUpperCase(), path.replace(/\{\w+\}/g, "x"));
      if (open) expect(response.status, name).not.toBe(401);
      else expect(response.status, name).toBe(401);
    }
  });

  it("documents the invite link's redirect headers and the replay marker", async () => {
    const served = await servedDocument();
    expect(Object.keys(served.paths["/r/{code}"]?.get?.responses["302"]?.headers ?? {})).toEqual(
      expect.arrayContaining(["Location", "Set-Cookie"]),
    );
    for (const [path, method, status] of [
      ["/v1/me/redemptions", "post", "201"],
      ["/v1/coupons/{code}/use", "post", "200"],
      ["/v1/admin/users/{id}/adjustments", "post", "201"],
    ] as const) {
      expect(served.paths[path]?.[method]?.responses[status]?.headers).toHaveProperty(
        "Idempotent-Replayed",
      );
    }
  });

  it("a vanity code is documented with the lengths the API enforces", async () => {
    const served = await servedDocument();
    const code = served.components.schemas.ChooseCodeRequest?.properties?.code;
    expect(code).toMatchObject({ minLength: 4, maxLength: 16 });
    for (const [length, status] of [
      [3, 400],
      [4, 200],
      [16, 200],
      [17, 400],
    ] as const) {
      const user = await registerUser();
      const wanted = `V${user.id.slice(-15).toUpperCase()}`.replace(/[^2-9A-HJKMNP-Z]/g, "X");
      const chosen = await callJson(
        "PUT",
        "/v1/me/referral-code",
        { code: wanted.padEnd(17, "X").slice(0, length) },
        { token: user.accessToken },
      );
      expect(chosen.status, `${length}`).toBe(status);
    }
  });

  it("every operation that takes a body documents 413 payload_too_large, and answers it", async () => {
    const operations = operationsOf(await servedDocument()).filter(
      ({ operation }) => operation.requestBody,
    );
    expect(operations.length).toBeGreaterThan(30);
    for (const { method, path, operation } of operations) {
      const name = `${method.toUpperCase()} ${path}`;
      expect(operation.responses["413"], name).toMatchObject({
        description: "payload_too_large",
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      });
      // Over the route's own limit (the import's is larger), before anything else reads it.
      const limit = bodyLimitFor(path);
      const response = await call(method.toUpperCase(), path.replace(/\{\w+\}/g, "x"), {
        padding: "x".repeat(limit),
      });
      expect(response.status, name).toBe(413);
      expect(await response.json(), name).toMatchObject({ error: { code: "payload_too_large" } });
    }
  });

  it("X-D1-Bookmark is on exactly the responses that document it", async () => {
    const served = await servedDocument();
    const user = await registerUser();
    const documented = (method: string, path: string, status: number) => {
      const response = served.paths[path]?.[method]?.responses[String(status)];
      expect(response, `${method} ${path} ${status} is documented`).toBeDefined();
      return "X-D1-Bookmark" in (response?.headers ?? {});
    };
    const samples: [string, string, Promise<Response>][] = [
      ["get", "/v1/me", call("GET", "/v1/me")], // 401, no token
      ["get", "/v1/me", call("GET", "/v1/me", undefined, { token: user.accessToken })], // 200
      ["post", "/v1/auth/register", call("POST", "/v1/auth/register", { name: "" })], // 400
      [
        "post",
        "/v1/auth/register",
        call("POST", "/v1/auth/register", {
          name: "Sana Malik",
          phone: uniquePhone(),
          password: "correct horse battery",
        }),
      ], // 201
      ["post", "/v1/events", call("POST", "/v1/events", {}, { token: "rk_unknown" })], // 401 after D1
      ["get", "/health", call("GET", "/health")], // 200
      ["get", "/v1/leaderboard", call("GET", "/v1/leaderboard")], // 200, a miss or a hit
      ["get", "/v1/leaderboard", call("GET", "/v1/leaderboard")], // 200, a hit
      ["get", "/v1/rewards", call("GET", "/v1/rewards")], // 200
      ["get", "/r/{code}", call("GET", `/r/${user.referralCode}`)], // 302, the link cache missed
      ["get", "/v1/referral-codes/{code}", call("GET", `/v1/referral-codes/${user.referralCode}`)], // 200
    ];
    for (const [method, path, pending] of samples) {
      const response = await pending;
      const name = `${method.toUpperCase()} ${path} ${response.status}`;
      expect(response.headers.has("X-D1-Bookmark"), name).toBe(
        documented(method, path, response.status),
      );
    }
    // Every error answer of the document's operations, called without credentials or input.
    for (const { method, path } of operationsOf(served)) {
      const response = await call(method.toUpperCase(), path.replace(/\{\w+\}/g, "x"));
      if (response.status < 400) continue;
      const name = `${method.toUpperCase()} ${path} ${response.status}`;
      expect(response.headers.has("X-D1-Bookmark"), name).toBe(
        documented(method, path, response.status),
      );
    }
  });
});
