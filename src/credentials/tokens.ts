import { errors, jwtVerify, SignJWT } from "jose";
import type { Config } from "../config";
import type { AuthContext } from "../http/context";

const ALGORITHM = "HS256";
const AUDIENCE = "referrals-api";

export interface AccessToken {
  token: string;
  expiresIn: number;
}

function key(config: Config): Uint8Array {
  return new TextEncoder().encode(config.accessTokenSecret);
}

/** Signs an access token; `ttlSeconds` shortens it (embed tokens live at most an hour). */
export async function issueAccessToken(
  config: Config,
  auth: AuthContext,
  ttlSeconds: number = config.accessTokenTtlSeconds,
): Promise<AccessToken> {
  const claims = { role: auth.role, sid: auth.sessionId, ...(auth.embedded ? { emb: true } : {}) };
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setSubject(auth.userId)
    .setIssuer(config.publicBaseUrl)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key(config));
  return { token, expiresIn: ttlSeconds };
}

export type VerifyResult =
  | { ok: true; auth: AuthContext }
  | { ok: false; reason: "expired" | "invalid" };

/** Verifies signature, algorithm, issuer, audience and expiry; never throws. */
export async function verifyAccessToken(config: Config, token: string): Promise<VerifyResult> {
  try {
    const { payload } = await jwtVerify(token, key(config), {
      algorithms: [ALGORITHM],
      issuer: config.publicBaseUrl,
      audience: AUDIENCE,
      requiredClaims: ["sub", "exp", "sid"],
    });
    const role = payload.role === "admin" ? "admin" : "user";
    if (typeof payload.sub !== "string" || typeof payload.sid !== "string") {
      return { ok: false, reason: "invalid" };
    }
    const auth: AuthContext = { userId: payload.sub, role, sessionId: payload.sid };
    // An embed token carries `emb`: admin routes refuse it whatever the user's role.
    return { ok: true, auth: payload.emb === true ? { ...auth, embedded: true } : auth };
  } catch (error) {
    return { ok: false, reason: error instanceof errors.JWTExpired ? "expired" : "invalid" };
  }
}
