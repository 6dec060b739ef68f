// The Worker's secrets: one list for local setup (`npm run setup`) and for `npm run deploy`.
import { randomBytes } from "node:crypto";

/** Secrets the Worker refuses to run without (see src/config.ts). */
export const REQUIRED_SECRETS = ["ACCESS_TOKEN_SECRET", "EVENTS_API_KEY", "IP_HASH_SALT"];

/** A fresh random secret: 32 bytes, base64url. */
export const randomSecret = () => randomBytes(32).toString("base64url");
