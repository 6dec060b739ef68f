/**
 * The points budget's counters: referral points paid per UTC day and calendar month. Every
 * payment adds its points in the batch that pays them; the table's CHECK (points ≤ budget)
 * fails a batch that would pass the budget, so however many payments race, they never pay
 * past it. The loser plans again, reads the counter, and holds its referral.
 */
import { inArray, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { pointsBudgetUsage } from "../db/schema";
import { dayOf, monthOf } from "../lib/time";
import type { BudgetUsage } from "../program/holds";
import type { ProgramRules } from "../program/schemas";

/** The CHECK a payment past the budget fails (see violatedConstraint). */
export const BUDGET_CONSTRAINT = "points_budget_usage_within_budget";

function periodsOf(now: number) {
  return { day: `d:${dayOf(now)}`, month: `m:${monthOf(now)}` };
}

/** Points paid so far today and this month: one indexed read of two rows. */
export async function budgetUsage(db: Database, now: number): Promise<BudgetUsage> {
  const periods = periodsOf(now);
  const rows = await db
    .select({ period: pointsBudgetUsage.period, points: pointsBudgetUsage.points })
    .from(pointsBudgetUsage)
    .where(inArray(pointsBudgetUsage.period, [periods.day, periods.month]))
    .all();
  const pointsOf = (period: string) => rows.find((row) => row.period === period)?.points ?? 0;
  return { day: pointsOf(periods.day), month: pointsOf(periods.month) };
}

/** Whether the program has a budget at all (else nothing needs reading before a payment). */
export function hasBudget(rules: ProgramRules): boolean {
  return rules.budget.pointsPerDay !== null || rules.budget.pointsPerMonth !== null;
}

/**
 * The writes that count a payment of `points` into today's and this month's usage, for the
 * payment's batch. Checked: the batch fails past the budget. An admin's approval pays
 * whatever the budget says: it uses up what is left and never fails.
 */
export function countBudgetedPoints(
  db: Database,
  payment: { points: number; rules: ProgramRules; now: number; approved: boolean },
) {
  const periods = periodsOf(payment.now);
  const { points } = payment;
  return (
    [
      [periods.day, payment.rules.budget.pointsPerDay],
      [periods.month, payment.rules.budget.pointsPerMonth],
    ] as const
  ).map(([period, budget]) =>
    payment.approved
      ? db
          .insert(pointsBudgetUsage)
          .values({
            period,
            points: budget === null ? points : Math.min(points, budget),
            budget,
          })
          .onConflictDoUpdate({
            target: pointsBudgetUsage.period,
            // Up to the row's budget, never past it, never down.
            set: {
              points: sql`max(${pointsBudgetUsage.points}, min(${pointsBudgetUsage.points} + ${points},
                coalesce(${pointsBudgetUsage.budget}, ${pointsBudgetUsage.points} + ${points})))`,
            },
          })
      : db
          .insert(pointsBudgetUsage)
          .values({ period, points, budget })
          .onConflictDoUpdate({
            target: pointsBudgetUsage.period,
            set: {
              points: sql`${pointsBudgetUsage.points} + ${points}`,
              budget: sql`excluded.budget`,
            },
          }),
  );
}
