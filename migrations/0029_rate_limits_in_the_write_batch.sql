-- Hand-written: ALTER TABLE ADD COLUMN keeps the table (drizzle-kit would rebuild it for
-- the CHECK). A counter counted inside a write's own batch (src/platform/rate-limit.ts,
-- `inBatch`) carries its limit, and the database refuses a count past it: the CHECK fails
-- the whole batch, which the Worker answers 429 rate_limited. Counters of other rules keep
-- max_count null (checked by their upsert's WHERE instead).
ALTER TABLE `rate_limit_counters` ADD `max_count` integer CONSTRAINT "rate_limit_counters_within_limit" CHECK("max_count" is null or "count" <= "max_count");
