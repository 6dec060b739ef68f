import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { ApiError, errorResponses } from "../errors";
import { authenticate } from "../http/auth";
import { jsonResponse } from "../http/openapi";
import { leaderboardPeriods } from "./rules";
import { leaderboard, myStanding } from "./service";

const LeaderboardSchema = z
  .object({
    period: z.enum(leaderboardPeriods),
    data: z.array(
      z.object({
        rank: z.number().int(),
        name: z.string().openapi({ example: "Ayesha K." }),
        referrals: z.number().int(),
      }),
    ),
    me: z.object({ rank: z.number().int(), referrals: z.number().int() }).nullable(),
  })
  .openapi("Leaderboard");

const getLeaderboard = createRoute({
  method: "get",
  path: "/v1/leaderboard",
  operationId: "getLeaderboard",
  tags: ["Referrals"],
  summary: "Top referrers by qualified referrals; `me` when a token is sent",
  security: [{}, { bearerAuth: [] }] as { [name: string]: string[] }[],
  request: {
    query: z.object({
      period: z.enum(leaderboardPeriods).default("all"),
      limit: z.coerce.number().int().min(1).max(100).default(10),
    }),
  },
  responses: {
    200: jsonResponse(LeaderboardSchema, "The board"),
    ...errorResponses("unauthorized"),
  },
});

type Board = Awaited<ReturnType<typeof leaderboard>>;

/**
 * The public board is the same for everyone, so it is cached at the edge (Cache API) for
 * a few seconds; only `me` is computed per caller.
 */
async function cachedBoard(
  seconds: number,
  key: string,
  load: () => Promise<Board>,
): Promise<Board> {
  if (seconds === 0) return load();
  const cache = await caches.open("leaderboard");
  const request = new Request(`https://leaderboard.cache/${key}`);
  const hit = await cache.match(request);
  if (hit) return hit.json<Board>();
  const board = await load();
  await cache.put(
    request,
    new Response(JSON.stringify(board), { headers: { "Cache-Control": `max-age=${seconds}` } }),
  );
  return board;
}

export function registerLeaderboardRoutes(app: App) {
  app.openapi(getLeaderboard, async (c) => {
    const { period, limit } = c.req.valid("query");
    const header = c.req.header("Authorization");
    const auth = header ? await authenticate(c.var, header) : null;
    if (header && !auth)
      throw new ApiError("unauthorized", "The access token is malformed, expired or forged.");
    const { now } = c.var;
    const [data, me] = await Promise.all([
      cachedBoard(c.var.config.leaderboardCacheSeconds, `${period}/${limit}`, () =>
        leaderboard(c.var.db, period, limit, now),
      ),
      auth ? myStanding(c.var.db, period, auth.userId, now) : null,
    ]);
    return c.json({ period, data, me }, 200);
  });
}
