// A stand-in for Turnstile's siteverify on loopback, for local runs without the internet:
// it answers as Cloudflare does for its test secrets (docs/configuration.md#turnstile).
//
//   node scripts/siteverify-stand-in.mjs [port]        (default 8788)
//   then run the Worker with --var TURNSTILE_SITEVERIFY_URL:http://127.0.0.1:8788/turnstile/v0/siteverify
//        --var TURNSTILE_SECRET_KEY:1x0000000000000000000000000000000AA
import { createServer } from "node:http";

const port = Number(process.argv[2] ?? 8788);

/** Cloudflare's test secrets by their first two characters; any other secret is unknown. */
const ANSWERS = {
  "1x": { success: true, "error-codes": [] },
  "2x": { success: false, "error-codes": ["invalid-input-response"] },
  "3x": { success: false, "error-codes": ["timeout-or-duplicate"] },
};

createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => {
    body += chunk;
  });
  request.on("end", () => {
    let answer = { success: false, "error-codes": ["bad-request"] };
    try {
      const { secret, response: token } = JSON.parse(body);
      answer = !token
        ? { success: false, "error-codes": ["missing-input-response"] }
        : (ANSWERS[String(secret).slice(0, 2)] ?? {
            success: false,
            "error-codes": ["invalid-input-secret"],
          });
    } catch {}
    response.writeHead(200, { "Content-Type": "application/json" });
    response.end(JSON.stringify(answer));
  });
}).listen(port, "127.0.0.1", () => console.log(`siteverify stand-in on http://127.0.0.1:${port}`));
