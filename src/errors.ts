import { z } from "@hono/zod-openapi";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * Every error code the API answers with, and its HTTP status. The contract (API.md), the
 * OpenAPI document and the error handler all read this one table.
 */
export const errorStatus = {
  validation_error: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  invalid_refresh_token: 401,
  forbidden: 403,
  blocked: 403,
  challenge_failed: 403,
  not_found: 404,
  phone_taken: 409,
  idempotency_in_progress: 409,
  invite_already_sent: 409,
  reward_id_taken: 409,
  referral_code_taken: 409,
  referral_not_held: 409,
  unlock_already_granted: 409,
  order_already_spent: 409,
  already_refunded: 409,
  coupon_already_used: 409,
  coupon_void: 409,
  coupon_not_used: 409,
  external_id_taken: 409,
  invalid_referral_code: 422,
  referral_code_expired: 422,
  unknown_event_type: 422,
  invalid_verification_code: 422,
  self_referral: 422,
  insufficient_points: 422,
  idempotency_key_reused: 422,
  unsupported_phone: 422,
  payload_too_large: 413,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof errorStatus;

export interface ErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly status: ContentfulStatusCode;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: { details?: ErrorDetail[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = errorStatus[code];
  }
}

const ERROR_SCHEMA_NAME = "Error";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      requestId: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi(ERROR_SCHEMA_NAME);

export type ErrorBody = z.infer<typeof ErrorSchema>;

export function errorBody(
  code: ErrorCode,
  message: string,
  requestId: string,
  details?: ErrorDetail[],
): ErrorBody {
  return { error: { code, message, requestId, ...(details ? { details } : {}) } };
}

/** Any request can meet these, whatever its route: a bug, or a Worker without its secrets. */
const SERVER_ERRORS: ErrorCode[] = ["internal_error", "service_unavailable"];

/** Headers an error response carries besides those of every response (see src/app.ts). */
const errorHeaders: Partial<
  Record<number, Record<string, { description: string; schema: object }>>
> = {
  429: {
    "Retry-After": {
      description: "Seconds until the limit lets this request through again.",
      schema: { type: "integer", minimum: 1 },
    },
  },
};

function responsesFor(codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = errorStatus[code];
    byStatus.set(status, [...new Set([...(byStatus.get(status) ?? []), code])]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, statusCodes]) => [
      status,
      {
        description: statusCodes.join(", "),
        ...(errorHeaders[status] ? { headers: errorHeaders[status] } : {}),
        content: { "application/json": { schema: ErrorSchema } },
      },
    ]),
  );
}

/**
 * OpenAPI response entries for the error codes a route can answer, grouped by status, with
 * the ones every route can answer: validation_error, internal_error, service_unavailable.
 *
 * @example responses: { 200: ok(UserSchema), ...errorResponses("unauthorized", "not_found") }
 */
export function errorResponses(...codes: ErrorCode[]) {
  return responsesFor(["validation_error", ...codes, ...SERVER_ERRORS]);
}

/** For a route that takes no input at all (/health): only the server's own failures. */
export function serverErrorResponses() {
  return responsesFor(SERVER_ERRORS);
}

/**
 * The document's entry for an error that any route of a kind can meet, added where the
 * document is assembled (see openApiDocument in src/app.ts) rather than route by route.
 */
export function errorResponseDocument(code: ErrorCode) {
  return {
    description: code,
    content: {
      "application/json": { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` } },
    },
  };
}
