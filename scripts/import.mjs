// `npm run import -- <file.json> [--url <base>] [--key <rk_… key with scope imports> | --token <admin token>] [--country PK] [--dry-run]`
//
// Streams a `mongoexport --jsonArray` file (or mongoexport's default one-document-a-line
// output) of any size to POST /v1/admin/imports in chunks of at most 1,000 documents and
// 1.5 MiB, with a progress line and a final summary. The endpoint is idempotent by phone,
// so an interrupted import is resumed by running the same command again.
import { createReadStream } from "node:fs";

const MAX_DOCUMENTS = 1000;
const MAX_CHUNK_BYTES = 1.5 * 1024 * 1024; // the route accepts 2 MiB
const ATTEMPTS = 4;

function parseArgs(argv) {
  const args = {
    url: "http://127.0.0.1:8787",
    dryRun: false,
    token: undefined,
    country: undefined,
  };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--dry-run") args.dryRun = true;
    else if (arg === "--url") args.url = argv[++i];
    else if (arg === "--token") args.token = argv[++i];
    else if (arg === "--key") args.token = argv[++i];
    else if (arg === "--country") args.country = argv[++i];
    else rest.push(arg);
  }
  args.file = rest[0];
  // A server key with scope imports does not expire in the middle of a long import.
  args.token ??= process.env.REFERRALS_IMPORT_KEY ?? process.env.REFERRALS_ADMIN_TOKEN;
  return args;
}

/**
 * The top-level documents of a JSON array or of concatenated JSON values, as text, read a
 * chunk at a time: memory stays at one document, whatever the file's size.
 */
export async function* jsonDocuments(stream) {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let current = "";
  let arrayOpen = false;
  for await (const chunk of stream) {
    for (const char of chunk) {
      if (depth === 0 && !arrayOpen && char === "[") {
        arrayOpen = true;
        continue;
      }
      const inDocument = depth > 0;
      if (inString) {
        current += char;
        if (escaped) escaped = false;
        else if (char === "\\") escaped = true;
        else if (char === '"') inString = false;
        continue;
      }
      if (char === "{" || char === "[") {
        depth += 1;
        current += char;
      } else if (char === "}" || char === "]") {
        if (depth === 0) continue; // the array's closing bracket
        depth -= 1;
        current += char;
        if (depth === 0) {
          yield current;
          current = "";
        }
      } else if (char === '"') {
        inString = true;
        current += char;
      } else if (inDocument) current += char;
    }
  }
  if (current.trim()) throw new Error("The file ends inside a document.");
}

async function postChunk(args, documents) {
  const query = new URLSearchParams();
  if (args.dryRun) query.set("dryRun", "true");
  if (args.country) query.set("defaultCountry", args.country);
  const url = `${args.url.replace(/\/$/, "")}/v1/admin/imports?${query}`;
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { Authorization: `Bearer ${args.token}`, "Content-Type": "application/json" },
        body: `[${documents.join(",")}]`,
      });
      const body = await response.json().catch(() => null);
      if (response.ok) return body;
      // A client error will not get better by retrying.
      if (response.status < 500 || attempt === ATTEMPTS) {
        throw new Error(`${response.status} ${JSON.stringify(body?.error ?? body)}`);
      }
    } catch (error) {
      if (attempt === ATTEMPTS || /^\d{3} /.test(error.message)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!args.file || !args.token) {
    console.error(
      "usage: npm run import -- <file.json> [--url <base>] [--key <rk_… key with scope imports> | --token <admin token>] [--country PK] [--dry-run]\n" +
        "       (the key may come from REFERRALS_IMPORT_KEY, the token from REFERRALS_ADMIN_TOKEN)",
    );
    process.exit(2);
  }
  const totals = { sent: 0, created: 0, skipped: 0, referralsLinked: 0, pointsImported: 0 };
  const failed = [];
  const startedAt = Date.now();
  let chunk = [];
  let chunkBytes = 0;
  let chunkStart = 0;

  const flush = async () => {
    if (chunk.length === 0) return;
    const report = await postChunk(args, chunk);
    for (const key of ["created", "skipped", "referralsLinked", "pointsImported"]) {
      totals[key] += report[key];
    }
    for (const failure of report.failed) {
      failed.push({ ...failure, index: chunkStart + failure.index });
    }
    totals.sent += chunk.length;
    chunkStart = totals.sent;
    chunk = [];
    chunkBytes = 0;
    const rate = Math.round(totals.sent / ((Date.now() - startedAt) / 1000));
    process.stderr.write(
      `\r${totals.sent} documents: ${totals.created} created, ${totals.skipped} skipped, ${failed.length} failed (${rate}/s)`,
    );
  };

  for await (const document of jsonDocuments(createReadStream(args.file, "utf8"))) {
    const bytes = Buffer.byteLength(document);
    if (chunk.length === MAX_DOCUMENTS || chunkBytes + bytes > MAX_CHUNK_BYTES) await flush();
    chunk.push(document);
    chunkBytes += bytes + 1;
  }
  await flush();
  process.stderr.write("\n");

  console.log(
    `${args.dryRun ? "Dry run: would create" : "Created"} ${totals.created} users, skipped ${totals.skipped} already here, ` +
      `linked ${totals.referralsLinked} referrals, imported ${totals.pointsImported} points; ${failed.length} failed.`,
  );
  for (const failure of failed) {
    console.log(`  #${failure.index} ${failure.phone ?? "(no phone)"}: ${failure.reason}`);
  }
  process.exit(failed.length > 0 ? 1 : 0);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(`\nImport stopped: ${error.message}\nRun the same command again to resume.`);
    process.exit(1);
  });
}
