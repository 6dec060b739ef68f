import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script, shared with `npm run bench`
import { LANGUAGES, PORTAL_GZIP_BUDGET, pageFirstLoad } from "../scripts/web-size.mjs";

describe("the portal's first load", () => {
  it.each(LANGUAGES as string[])("fetches under 60 KB of gzipped JS and CSS in %s", (language) => {
    const load = pageFirstLoad("portal", "dist/web", language);
    expect(load.assets.length).toBeGreaterThan(0);
    expect(load.gzip).toBeLessThan(PORTAL_GZIP_BUDGET);
  });
});
