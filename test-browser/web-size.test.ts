import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script, shared with `npm run bench`
import { PORTAL_GZIP_BUDGET, pageFirstLoad } from "../scripts/web-size.mjs";

describe("the portal's first load", () => {
  it("fetches under 60 KB of gzipped JS and CSS", () => {
    const load = pageFirstLoad("portal");
    expect(load.assets.length).toBeGreaterThan(0);
    expect(load.gzip).toBeLessThan(PORTAL_GZIP_BUDGET);
  });
});
