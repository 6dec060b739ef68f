import { clicks } from "../db/schema";
import type { Database } from "../env";
import { markInviteClicked } from "../invites/store";
import type { ClickMessage } from "./service";

/**
 * Stores a batch of clicks as one D1 batch (one transaction, one round trip). A click
 * whose id is already stored (the same visitor, code and day, or a redelivered message)
 * inserts nothing, and the `clicks_count` trigger counts only rows actually inserted:
 * the funnel counters count each click once however often it arrives.
 */
export async function insertClicks(db: Database, batch: readonly ClickMessage[]) {
  const [first, ...rest] = batch.flatMap((click) => {
    const insert = db.insert(clicks).values(click).onConflictDoNothing({ target: clicks.id });
    return click.inviteId
      ? [insert, markInviteClicked(db, click.inviteId, click.referrerId, click.createdAt)]
      : [insert];
  });
  if (first) await db.batch([first, ...rest]);
}
