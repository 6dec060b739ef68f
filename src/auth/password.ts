import bcrypt from "bcryptjs";

export async function hashPassword(password: string, cost: number): Promise<string> {
  return bcrypt.hash(password, cost);
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
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
