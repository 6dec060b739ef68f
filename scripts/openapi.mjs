// `npm run openapi [-- --out <file>]`: writes the OpenAPI document of the API, generated from
// the same zod schemas that validate requests, without a server. The routes are bundled with
// esbuild for Node (nothing in src imports `cloudflare:`) and asked for their document; the
// server is a placeholder, since the Worker serves the same document with its own base URL.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const PLACEHOLDER_SERVER = "https://api.example.com";

const outIndex = process.argv.indexOf("--out");
const out = resolve(outIndex === -1 ? "openapi.json" : process.argv[outIndex + 1]);

const dir = mkdtempSync(join(tmpdir(), "openapi-"));
try {
  const bundle = join(dir, "document.mjs");
  await build({
    stdin: {
      contents: `
        import { openApiDocument } from "./src/app";
        import { buildApp } from "./src/routes";
        export const document = openApiDocument(buildApp(), ${JSON.stringify(PLACEHOLDER_SERVER)});`,
      resolveDir: process.cwd(),
      loader: "ts",
    },
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: bundle,
    logLevel: "error",
  });
  const { document } = await import(pathToFileURL(bundle).href);
  writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
