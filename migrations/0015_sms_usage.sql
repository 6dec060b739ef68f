CREATE TABLE `sms_usage` (
	`day` text PRIMARY KEY NOT NULL,
	`sent` integer NOT NULL,
	CONSTRAINT "sms_usage_sent_check" CHECK("sms_usage"."sent" >= 0)
);
