/**
 * The cron expressions of wrangler.toml. The hourly one expires points and runs
 * housekeeping; every other trigger (each minute) runs the invite delivery retries.
 */
export const HOURLY_CRON = "17 * * * *";
