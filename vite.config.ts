import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const web = fileURLToPath(new URL("./web", import.meta.url));

// The portal and the admin console: two pages built into the Worker's assets folder
// (wrangler.toml [assets]). Hashed bundles under /assets/ are served straight from the edge;
// the HTML goes through the Worker, which adds the Content-Security-Policy.
export default defineConfig({
  root: web,
  base: "/",
  publicDir: "public",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("./dist/web", import.meta.url)),
    emptyOutDir: true,
    // The polyfill would be an inline script, which the CSP forbids (and every target has it).
    modulePreload: { polyfill: false },
    target: "es2022",
    rollupOptions: {
      input: { portal: `${web}/portal.html`, admin: `${web}/admin.html` },
      // A language's words are a chunk of their own, fetched only by a page shown in it
      // (scripts/web-size.mjs finds them by name); what both pages share is "shared".
      output: {
        chunkFileNames: (chunk) =>
          /^(ur|hi)$/.test(chunk.name) ? "assets/[name]-[hash].js" : "assets/shared-[hash].js",
      },
    },
  },
});
