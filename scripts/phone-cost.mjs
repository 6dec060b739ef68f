// `node scripts/phone-cost.mjs`: what checking a phone costs a signup. Times 10,000 phones
// through the check of before (libphonenumber-js's default "min" metadata: valid or not) and
// through src/lib/phone.ts (the "max" metadata: valid, and the type that decides whether an
// SMS may go to it), in Node on this machine; and the design not taken (validity by the min
// metadata, the type by the max one). Figures in docs/security.md.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { parsePhoneNumberFromString as parseWithMinMetadata } from "libphonenumber-js";
import { parsePhoneNumberFromString as parseWithMaxMetadata } from "libphonenumber-js/max";

const COUNT = 10_000;
const ROUNDS = 7;

const dir = mkdtempSync(join(tmpdir(), "phone-cost-"));
let phone;
try {
  const bundle = join(dir, "phone.mjs");
  await build({
    entryPoints: ["src/lib/phone.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: bundle,
    logLevel: "error",
  });
  phone = await import(pathToFileURL(bundle).href);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Mostly mobiles in the spellings people type, some national, some refused. */
function phones() {
  const digits = (i, n) => String(i % 10 ** n).padStart(n, "0");
  return Array.from({ length: COUNT }, (_, i) => {
    switch (i % 8) {
      case 0:
        return [`+92 300 ${digits(i * 7919, 7)}`];
      case 1:
        return [`0321${digits(i * 104_729, 7)}`, "PK"];
      case 2:
        return [`+91 98${digits(i * 7, 3)} ${digits(i * 13, 5)}`];
      case 3:
        return [`+1 202 555 ${digits(i, 4)}`];
      case 4:
        return [`+44 7700 ${digits(i * 31, 6)}`];
      case 5:
        return [`+1 900 555 ${digits(i, 4)}`];
      case 6:
        return [`+870 772 ${digits(i * 17, 6)}`];
      default:
        return [`+49 151 ${digits(i * 97, 8)}`];
    }
  });
}

function before(input, country) {
  const parsed = parseWithMinMetadata(input, { defaultCountry: country, extract: false });
  return parsed?.isValid() ? parsed.number : null;
}

const checks = {
  "before: min metadata, valid or not": ([input, country]) => before(input, country),
  "now: normalizePhone (max metadata)": ([input, country]) => phone.normalizePhone(input, country),
  "now: checkNewPhone (valid + type)": ([input, country]) => phone.checkNewPhone(input, country),
  // The design not taken: both metadata sets in the bundle (+40 KiB gzip instead of +21).
  "not taken: min to validate, max for the type": ([input, country]) => {
    const e164 = before(input, country);
    return e164 && parseWithMaxMetadata(e164)?.getType();
  },
};

const inputs = phones();
const results = {};
for (const [name, check] of Object.entries(checks)) {
  for (const input of inputs.slice(0, 500)) check(input); // warm up
  const times = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    for (const input of inputs) check(input);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(ROUNDS / 2)];
  results[name] =
    `${((median * 1000) / COUNT).toFixed(1)} µs a phone (${median.toFixed(0)} ms for ${COUNT.toLocaleString("en")})`;
}
const refused = inputs.filter(
  ([input, country]) => phone.checkNewPhone(input, country).status === "no_sms",
).length;
console.table(results);
console.log(
  `${refused.toLocaleString("en")} of ${COUNT.toLocaleString("en")} phones refused (premium rate, satellite).`,
);
