import type { Database } from "../db/client";
import { ApiError } from "../errors";
import { findUserById, type UserRow } from "./store";

export async function currentUser(db: Database, userId: string): Promise<UserRow> {
  const user = await findUserById(db, userId);
  if (!user)
    throw new ApiError("unauthorized", "The account of this access token no longer exists.");
  return user;
}
