import type { Database } from "../db/client";
import { notificationStatements } from "../invites/notifications";
import { maskName } from "../lib/names";
import { badgesReached, type QualificationPlan } from "../program/rules";
import type { ProgramRules } from "../program/schemas";

/** For the signup batch: the referrer hears that a friend signed up with their code (name masked). */
export function friendJoinedNotice(
  db: Database,
  signup: { referrerId: string; refereeName: string; rules: ProgramRules; now: number },
) {
  return notificationStatements(db, signup.rules.notifications, {
    userId: signup.referrerId,
    kind: "friend_joined",
    params: { name: maskName(signup.refereeName) },
    now: signup.now,
  });
}

/**
 * For the qualification batch: the referrer hears what it paid them, and of each milestone
 * and badge it brought (by their labels, never their keys).
 */
export function qualificationNotices(
  db: Database,
  referral: { referrerId: string; rules: ProgramRules },
  plan: QualificationPlan,
  now: number,
) {
  const { referrerId, rules } = referral;
  const notify = (kind: "referral_rewarded" | "milestone_reached", params: object) =>
    notificationStatements(db, rules.notifications, { userId: referrerId, kind, params, now });
  const badges = badgesReached(plan.qualifiedOrdinal - 1, plan.qualifiedOrdinal, rules.badges);
  return [
    ...(plan.referrerPoints > 0
      ? notify("referral_rewarded", { points: plan.referrerPoints })
      : []),
    ...plan.milestones.flatMap((milestone) =>
      notify("milestone_reached", { reward: { key: milestone.unlock, labels: milestone.labels } }),
    ),
    ...badges.flatMap((badge) =>
      notify("milestone_reached", { reward: { key: badge.name, labels: badge.labels } }),
    ),
  ];
}
