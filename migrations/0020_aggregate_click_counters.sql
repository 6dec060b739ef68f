-- Hand-written.
-- The CLICKS queue's consumer now counts a batch of clicks into daily_stats, source_stats
-- and daily_source_stats with one aggregate upsert per counter row (src/links/store.ts),
-- instead of this trigger's three upserts per click.
DROP TRIGGER `clicks_count`;
