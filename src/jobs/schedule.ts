/**
 * The cron expressions of wrangler.toml. The hourly one expires points, queues the notices of
 * points expiring within 7 days, settles referrals whose hold period passed, and runs housekeeping; every other trigger (each minute) runs the invite delivery retries.
 */
export const HOURLY_CRON = "17 * * * *";
