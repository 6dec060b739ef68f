// The pure part of `npm run deploy` (scripts/deploy.mjs): its own flags, and the D1 calls it
// makes for them. Tested in test-browser/deploy-options.test.ts.

/**
 * D1 location hints: the region `wrangler d1 create --location` puts a new database's primary
 * in (Cloudflare's docs, "Data location"). Every write goes to the primary, so put it near
 * most of the people who sign up and redeem.
 */
export const D1_LOCATIONS = {
  wnam: "Western North America",
  enam: "Eastern North America",
  weur: "Western Europe",
  eeur: "Eastern Europe",
  apac: "Asia Pacific",
  oc: "Oceania",
};

const CLOUDFLARE_API = "https://api.cloudflare.com/client/v4";
/** The id wrangler.toml holds until the first deploy creates the database. */
export const PLACEHOLDER_D1 = "00000000-0000-0000-0000-000000000000";

/**
 * Splits the deploy command's arguments: `--dry-run` and `--location <hint>` (or
 * `--location=<hint>`) are its own, everything else goes to `wrangler deploy`. Throws on a
 * location that is not a D1 location hint, so a typo never creates a database elsewhere.
 *
 * @example
 * parseDeployArgs(["--location", "apac", "--var", "SIGNUP_URL:https://example.com/signup"])
 * // { dryRun: false, location: "apac", wranglerFlags: ["--var", "SIGNUP_URL:https://example.com/signup"] }
 */
export function parseDeployArgs(args) {
  const options = { dryRun: false, location: null, wranglerFlags: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--dry-run") {
      options.dryRun = true;
    } else if (arg === "--location" || arg.startsWith("--location=")) {
      const value = arg === "--location" ? args[++i] : arg.slice("--location=".length);
      if (!value || !Object.hasOwn(D1_LOCATIONS, value)) {
        throw new Error(
          `--location takes a D1 location hint: ${Object.keys(D1_LOCATIONS).join(", ")} (got ${value ? `"${value}"` : "nothing"}).`,
        );
      }
      options.location = value;
    } else {
      options.wranglerFlags.push(arg);
    }
  }
  return options;
}

/** The `wrangler` arguments that create the database, in `location` when one is given. */
export function createDatabaseArgs(name, location) {
  return ["d1", "create", name, ...(location ? ["--location", location] : [])];
}

/**
 * The Cloudflare API call that turns D1 read replication on for a database (wrangler has no
 * command for it): replicas in every D1 region, used through the Sessions API the Worker
 * already runs each request in. Safe to send again.
 */
export function readReplicationRequest(accountId, databaseId) {
  return {
    method: "PUT",
    url: `${CLOUDFLARE_API}/accounts/${accountId}/d1/database/${databaseId}`,
    body: { read_replication: { mode: "auto" } },
  };
}

/** Request headers for the credentials `wrangler auth token --json` reports. */
export function authHeaders(credentials) {
  if (credentials.type === "api_key") {
    return { "X-Auth-Key": credentials.key, "X-Auth-Email": credentials.email };
  }
  return { Authorization: `Bearer ${credentials.token}` };
}

/** The D1 database wrangler.toml names: its name, and its id unless still the placeholder. */
export function databaseOf(config) {
  const name = /database_name\s*=\s*"([^"]+)"/.exec(config)?.[1] ?? "edge-referrals";
  const id = /database_id\s*=\s*"([^"]+)"/.exec(config)?.[1] ?? PLACEHOLDER_D1;
  return { name, id: id === PLACEHOLDER_D1 ? null : id };
}

/**
 * What the deploy does to the D1 database, in words: a dry run prints it, a deploy prints it
 * before doing it. A location hint only places a database being created: an existing
 * primary stays where it is.
 */
export function databasePlan(config, { location }) {
  const { name, id } = databaseOf(config);
  const where = location ? ` in ${location} (${D1_LOCATIONS[location]})` : " near this machine";
  const lines = id
    ? [
        `D1: ${name} exists (${id}, in wrangler.toml).` +
          (location
            ? ` --location ${location} is not used: a location hint only places a new database.`
            : ""),
      ]
    : [`D1: creates ${name}${where}: npx wrangler ${createDatabaseArgs(name, location).join(" ")}`];
  const request = readReplicationRequest("<account>", id ?? "<new id>");
  lines.push(
    `D1 read replication: on (${request.method} ${request.url.replace(CLOUDFLARE_API, "")} ${JSON.stringify(request.body)}).`,
  );
  return lines;
}
