import { z } from "@hono/zod-openapi";
import { ApiError } from "../errors";

export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ example: 20 }),
  cursor: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: "The `nextCursor` of the previous page." }),
});

export type PageQuery = z.infer<typeof PageQuerySchema>;

/** `{ data, nextCursor }` for a list of `item`. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), nextCursor: z.string().nullable() });
}

/** Cursors are opaque to clients: base64url of the last row's sort key. */
export function encodeCursor(position: string | number): string {
  return btoa(JSON.stringify(position))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

type Position<T extends "string" | "number"> = T extends "string" ? string : number;

/** The sort key inside `cursor` (undefined for the first page); a foreign cursor is a 400. */
export function cursorPosition<T extends "string" | "number">(
  cursor: string | undefined,
  kind: T,
): Position<T> | undefined {
  if (cursor === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")));
  } catch {
    value = undefined;
  }
  if (typeof value !== kind) {
    throw new ApiError("validation_error", "The cursor is not valid for this list.", {
      details: [{ path: "cursor", message: "Use the nextCursor of the previous page." }],
    });
  }
  return value as Position<T>;
}

/**
 * Fetch `limit + 1` rows; this trims the extra one and turns it into `nextCursor`.
 *
 * @example toPage(rows, 20, (row) => row.seq)
 */
export function toPage<Row>(
  rows: Row[],
  limit: number,
  positionOf: (row: Row) => string | number,
): { rows: Row[]; nextCursor: string | null } {
  if (rows.length <= limit) return { rows, nextCursor: null };
  const pageRows = rows.slice(0, limit);
  const last = pageRows.at(-1);
  return { rows: pageRows, nextCursor: last === undefined ? null : encodeCursor(positionOf(last)) };
}
