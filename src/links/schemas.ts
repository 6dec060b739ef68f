import { z } from "@hono/zod-openapi";

/** A Java package name as Play takes it: two or more dotted segments, each a letter then letters, digits or `_`. */
const PACKAGE_NAME = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$/;
/** A SHA-256 certificate fingerprint as `keytool` prints it: 32 colon-separated hex pairs. */
const SHA256_FINGERPRINT = /^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/;
/** `TEAMID.bundle.id`: Apple's 10-character team id, then the bundle id. */
const IOS_APP_ID = /^[A-Z0-9]{10}\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/;
/** The App Store's numeric id (the digits of `apps.apple.com/app/id…`). */
const APP_STORE_ID = /^[1-9][0-9]{0,14}$/;

const AndroidAppSchema = z
  .object({
    packageName: z
      .string()
      .max(255)
      .regex(PACKAGE_NAME, "must be a package name such as com.example.app")
      .openapi({ example: "com.example.rewards" }),
    sha256CertFingerprints: z
      .array(
        z
          .string()
          .max(200)
          .transform((value) => value.trim().toUpperCase())
          .pipe(z.string().regex(SHA256_FINGERPRINT, "must be 32 colon-separated hex pairs")),
      )
      .min(1)
      .max(10)
      .openapi({
        example: [
          "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5",
        ],
        description: "The app's signing certificates (Play App Signing's and, if any, upload's).",
      }),
  })
  .strict();

const IosAppSchema = z
  .object({
    appId: z
      .string()
      .max(160)
      .regex(IOS_APP_ID, "must be TEAMID.bundle.id with a 10-character team id")
      .openapi({ example: "ABCDE12345.com.example.rewards" }),
    appStoreId: z
      .string()
      .regex(APP_STORE_ID, "must be the App Store's numeric id")
      .openapi({ example: "1234567890" }),
  })
  .strict();

export const LinkSettingsSchema = z
  .object({
    android: AndroidAppSchema.nullable(),
    ios: IosAppSchema.nullable(),
    previewImageUrl: z
      .url({ protocol: /^https$/, error: "must be an https URL" })
      .max(2048)
      // `new URL()` would percent-encode these; a URL as crawlers read it has none of them.
      .regex(/^[^\s"'<>\\`{}|^]+$/, "must be an https URL without spaces, quotes or angle brackets")
      .nullable()
      .openapi({
        example: "https://cdn.example.com/invite-1200x630.png",
        description:
          "The link preview's og:image: https, at least 200×200 px, best 1200×630 (WhatsApp and Facebook crop to 1.91:1), under 300 KB for WhatsApp.",
      }),
  })
  .strict()
  .openapi("LinkSettings");

export type LinkSettings = z.infer<typeof LinkSettingsSchema>;

export const NO_LINK_SETTINGS: LinkSettings = { android: null, ios: null, previewImageUrl: null };

/** `/.well-known/assetlinks.json`: Digital Asset Links as Android's verifier reads them. */
export const AssetLinksSchema = z
  .array(
    z.object({
      relation: z.array(z.string()),
      target: z.object({
        namespace: z.string(),
        package_name: z.string(),
        sha256_cert_fingerprints: z.array(z.string()),
      }),
    }),
  )
  .openapi("AssetLinks");

/** `/.well-known/apple-app-site-association`: Universal Links for `/r/*`. */
export const AppleAppSiteAssociationSchema = z
  .object({
    applinks: z.object({
      details: z.array(
        z.object({
          appIDs: z.array(z.string()),
          components: z.array(z.object({ "/": z.string() })),
        }),
      ),
    }),
  })
  .openapi("AppleAppSiteAssociation");
