import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { checkouts } from "../db/schema";

export type NewCheckout = typeof checkouts.$inferInsert;

/** For the checkout's batch: its row, whose unique (user, order id) allows one per order. */
export function insertCheckout(db: Database, checkout: NewCheckout) {
  return db.insert(checkouts).values(checkout);
}

export async function findCheckout(db: Database, userId: string, id: string) {
  return db
    .select()
    .from(checkouts)
    .where(and(eq(checkouts.id, id), eq(checkouts.userId, userId)))
    .get();
}
