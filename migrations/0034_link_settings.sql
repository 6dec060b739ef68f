-- Hand-written: one new table (no rebuild, so no trigger is dropped) for the invite link's
-- app settings (issue 17): Android package and certificates, iOS app, preview image.
CREATE TABLE `link_settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`settings` text NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text,
	CONSTRAINT "link_settings_single_row_check" CHECK("link_settings"."id" = 1)
);
