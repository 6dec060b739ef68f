import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app";
import { ledgerEntryTypes } from "../db/schema";
import { errorResponses } from "../errors";
import { signedIn } from "../http/auth";
import { jsonResponse } from "../http/openapi";
import { cursorPosition, PageQuerySchema, pageSchema, toPage } from "../http/pagination";
import { toIso, toIsoOrNull } from "../lib/time";
import { walletOf } from "./service";
import { listLedgerEntries } from "./store";

const tags = ["Wallet"];

const WalletSchema = z
  .object({
    balance: z.number().int(),
    pending: z.number().int().openapi({
      description:
        "Points of my referrals (either side) still pending or held: the sum of what each shows until it qualifies.",
    }),
    lifetimeEarned: z.number().int(),
    lifetimeRedeemed: z.number().int(),
    expiring: z.array(
      z.object({
        points: z.number().int(),
        expiresAt: z.string().openapi({ format: "date-time" }),
      }),
    ),
  })
  .openapi("Wallet");

const TransactionSchema = z
  .object({
    id: z.string(),
    type: z.enum(ledgerEntryTypes),
    points: z.number().int().openapi({ description: "Negative for debits." }),
    balanceAfter: z.number().int(),
    description: z.string(),
    createdAt: z.string().openapi({ format: "date-time" }),
    expiresAt: z.string().nullable().openapi({ format: "date-time" }),
  })
  .openapi("Transaction");

const getWallet = createRoute({
  method: "get",
  path: "/v1/me/wallet",
  operationId: "getMyWallet",
  tags,
  summary: "My points balance and what expires soon",
  ...signedIn,
  responses: { 200: jsonResponse(WalletSchema, "The wallet"), ...errorResponses("unauthorized") },
});

const listTransactions = createRoute({
  method: "get",
  path: "/v1/me/wallet/transactions",
  operationId: "listMyTransactions",
  tags,
  summary: "My ledger, newest first",
  ...signedIn,
  request: { query: PageQuerySchema },
  responses: {
    200: jsonResponse(
      pageSchema(TransactionSchema).openapi("TransactionPage"),
      "A page of entries",
    ),
    ...errorResponses("unauthorized"),
  },
});

export function registerWalletRoutes(app: App) {
  app.openapi(getWallet, async (c) => {
    const wallet = await walletOf(c.var.db, c.var.auth.userId, c.var.now);
    return c.json(
      {
        ...wallet,
        expiring: wallet.expiring.map((item) => ({ ...item, expiresAt: toIso(item.expiresAt) })),
      },
      200,
    );
  });

  app.openapi(listTransactions, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const beforeSeq = cursorPosition(cursor, "number");
    const rows = await listLedgerEntries(c.var.db, c.var.auth.userId, { limit, beforeSeq });
    const page = toPage(rows, limit, (row) => row.seq);
    return c.json(
      {
        data: page.rows.map(({ seq: _, ...row }) => ({
          ...row,
          createdAt: toIso(row.createdAt),
          expiresAt: toIsoOrNull(row.expiresAt),
        })),
        nextCursor: page.nextCursor,
      },
      200,
    );
  });
}
