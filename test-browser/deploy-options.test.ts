import { describe, expect, it } from "vitest";
import {
  authHeaders,
  createDatabaseArgs,
  databasePlan,
  parseDeployArgs,
  readReplicationRequest,
  // @ts-expect-error: a plain .mjs script, shared with `npm run deploy`
} from "../scripts/lib/deploy-options.mjs";

const PLACEHOLDER = `[[d1_databases]]
binding = "DB"
database_name = "edge-referrals"
database_id = "00000000-0000-0000-0000-000000000000"
`;
const CREATED = PLACEHOLDER.replace(
  "00000000-0000-0000-0000-000000000000",
  "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b",
);

describe("npm run deploy's own flags", () => {
  it("takes --location in either form and passes every other flag to wrangler deploy", () => {
    const flags = ["--var", "SIGNUP_URL:https://example.com/signup"];
    expect(parseDeployArgs(["--location", "apac", ...flags])).toEqual({
      dryRun: false,
      location: "apac",
      wranglerFlags: flags,
    });
    expect(parseDeployArgs([...flags, "--location=weur", "--dry-run"])).toEqual({
      dryRun: true,
      location: "weur",
      wranglerFlags: flags,
    });
    expect(parseDeployArgs(flags)).toEqual({ dryRun: false, location: null, wranglerFlags: flags });
  });

  it("refuses a location that is not a D1 location hint, or a missing one", () => {
    const hints = "wnam, enam, weur, eeur, apac, oc";
    expect(() => parseDeployArgs(["--location", "mars"])).toThrow(
      `--location takes a D1 location hint: ${hints} (got "mars").`,
    );
    expect(() => parseDeployArgs(["--location"])).toThrow(
      `--location takes a D1 location hint: ${hints} (got nothing).`,
    );
    expect(() => parseDeployArgs(["--location=", "--dry-run"])).toThrow("(got nothing)");
  });
});

describe("the database a deploy creates", () => {
  it("is created in the hinted location, or where wrangler places it without one", () => {
    expect(createDatabaseArgs("edge-referrals", "apac")).toEqual([
      "d1",
      "create",
      "edge-referrals",
      "--location",
      "apac",
    ]);
    expect(createDatabaseArgs("edge-referrals", null)).toEqual(["d1", "create", "edge-referrals"]);
  });

  it("gets read replication turned on with one PUT to the D1 API", () => {
    expect(readReplicationRequest("acc123", "db-1")).toEqual({
      method: "PUT",
      url: "https://api.cloudflare.com/client/v4/accounts/acc123/d1/database/db-1",
      body: { read_replication: { mode: "auto" } },
    });
    expect(authHeaders({ type: "oauth", token: "t0k" })).toEqual({ Authorization: "Bearer t0k" });
    expect(authHeaders({ type: "api_key", key: "k", email: "a@example.com" })).toEqual({
      "X-Auth-Key": "k",
      "X-Auth-Email": "a@example.com",
    });
  });

  it("is described by the dry run: the location while it is still to be created", () => {
    expect(databasePlan(PLACEHOLDER, { location: "apac" })).toEqual([
      "D1: creates edge-referrals in apac (Asia Pacific): npx wrangler d1 create edge-referrals --location apac",
      'D1 read replication: on (PUT /accounts/<account>/d1/database/<new id> {"read_replication":{"mode":"auto"}}).',
    ]);
    expect(databasePlan(CREATED, { location: "apac" })).toEqual([
      "D1: edge-referrals exists (6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b, in wrangler.toml). --location apac is not used: a location hint only places a new database.",
      'D1 read replication: on (PUT /accounts/<account>/d1/database/6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b {"read_replication":{"mode":"auto"}}).',
    ]);
  });
});
