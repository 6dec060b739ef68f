import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/context";
import { depsOf } from "../platform/deps";
import { sendEmittedWebhooks } from "./service";

/**
 * Installed before every route: the events a request's batches wrote get their first
 * delivery attempt right after its response, never delaying it.
 */
export const sendWebhooksAfterResponse = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  c.executionCtx.waitUntil(sendEmittedWebhooks(depsOf(c), Date.now()));
});
