import bcrypt from "bcryptjs";

/** bcrypt reads at most 72 bytes of a password; anything past them would be ignored. */
export const MAX_PASSWORD_BYTES = 72;

export function passwordBytes(password: string): number {
  return new TextEncoder().encode(password).length;
}

export async function hashPassword(password: string, cost: number): Promise<string> {
  return bcrypt.hash(password, cost);
}

/**
 * A password longer than bcrypt reads is simply wrong: it was never accepted at signup, and
 * its first 72 bytes alone must not open the account. It still pays for the full compare,
 * so that it takes as long as any other wrong password.
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const matches = await bcrypt.compare(password, hash);
  return matches && passwordBytes(password) <= MAX_PASSWORD_BYTES;
}

/** A hash made at another cost (an imported one, or ours before a config change) is redone at login. */
export function needsRehash(hash: string, cost: number): boolean {
  return bcrypt.getRounds(hash) !== cost;
}

const decoyHashes = new Map<number, Promise<string>>();

/**
 * Burns the same CPU as a real check, so that an unknown phone cannot be told apart from a
 * wrong password by timing. The decoy hash is made once per isolate and cost.
 */
export async function verifyAgainstDecoy(password: string, cost: number): Promise<false> {
  let decoy = decoyHashes.get(cost);
  if (!decoy) {
    decoy = bcrypt.hash(crypto.randomUUID(), cost);
    decoyHashes.set(cost, decoy);
  }
  await bcrypt.compare(password, await decoy);
  return false;
}
