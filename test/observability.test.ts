import { afterEach, describe, expect, it, vi } from "vitest";
import { call, registerUser } from "./harness";

/** A line of the request log, as this test reads it (src/platform/request-log.ts writes it). */
interface LogLine {
  type: string;
  route?: string;
  requestId?: string;
  durationMs?: number;
  d1?: { batches: number; queries: number; rowsRead: number; rowsWritten: number };
}

/** The JSON lines the Worker logged while `work` ran. */
async function loggedLines(work: () => Promise<unknown>): Promise<LogLine[]> {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await work();
  const lines = log.mock.calls
    .map(([first]) => first)
    .filter((first): first is string => typeof first === "string" && first.startsWith("{"))
    .map((line) => JSON.parse(line) as LogLine);
  log.mockRestore();
  return lines;
}

describe("request log", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes one JSON line per request with its route pattern, status, duration and D1 work", async () => {
    const user = await registerUser();
    const lines = await loggedLines(() =>
      call("GET", "/v1/me/wallet", undefined, { token: user.accessToken }),
    );
    const requests = lines.filter((line) => line.type === "request");
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      type: "request",
      method: "GET",
      route: "/v1/me/wallet",
      status: 200,
      d1: { batches: 0 },
    });
    expect(requests[0]?.requestId).toMatch(/.+/);
    expect(requests[0]?.durationMs).toBeGreaterThanOrEqual(0);
    expect(requests[0]?.d1?.queries).toBeGreaterThan(0);
  });

  it("names the pattern, never the code, phone, token or address of the request", async () => {
    const user = await registerUser();
    const ip = "203.0.113.77";
    const lines = await loggedLines(async () => {
      await call("GET", `/r/${user.referralCode}?src=whatsapp`, undefined, { ip });
      await call(
        "POST",
        "/v1/auth/login",
        { phone: user.phone, password: "wrong password!" },
        { ip },
      );
    });
    const text = JSON.stringify(lines.filter((line) => line.type === "request"));
    expect(text).toContain('"route":"/r/:code"');
    expect(text).toContain('"status":401');
    for (const secret of [user.referralCode, user.phone, user.accessToken, ip, "wrong password"]) {
      expect(text).not.toContain(secret);
    }
  });

  it("logs writes as batches with the rows they wrote", async () => {
    const lines = await loggedLines(() => registerUser());
    const signup = lines.find(
      (line) => line.type === "request" && line.route === "/v1/auth/register",
    );
    expect(signup).toMatchObject({ status: 201, d1: { batches: 1 } });
    expect(signup?.d1?.rowsWritten).toBeGreaterThan(0);
  });
});
