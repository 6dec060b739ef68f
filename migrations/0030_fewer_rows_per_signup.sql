-- Hand-written: index changes that drizzle-kit would also write, kept apart from the
-- rebuilds it would add. Fewer rows written per signup and per ledger entry (docs/testing.md,
-- "Rows a referred signup writes"):
-- - the unique indexes on optional columns index only rows that have a value (SQLite
--   indexes NULLs too): a signup has no externalId or legacyId, a notification no once_key;
-- - ledger_entries_user_expiry_idx is read by nothing since expiries live in point_lots
--   (migration 0009), yet every ledger entry wrote it.
DROP INDEX `users_external_id_unique`;--> statement-breakpoint
CREATE UNIQUE INDEX `users_external_id_unique` ON `users` (`external_id`) WHERE "users"."external_id" is not null;--> statement-breakpoint
DROP INDEX `users_legacy_id_unique`;--> statement-breakpoint
CREATE UNIQUE INDEX `users_legacy_id_unique` ON `users` (`legacy_id`) WHERE "users"."legacy_id" is not null;--> statement-breakpoint
DROP INDEX `invites_once_unique`;--> statement-breakpoint
CREATE UNIQUE INDEX `invites_once_unique` ON `invites` (`user_id`,`once_key`) WHERE "invites"."once_key" is not null;--> statement-breakpoint
DROP INDEX `ledger_entries_user_expiry_idx`;
