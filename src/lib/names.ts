import { z } from "@hono/zod-openapi";

/**
 * Free text that people type and others see (names, invite notes), made safe to store and
 * show: NFC, no control or format characters (Unicode Cc/Cf: newlines, zero-width
 * characters, bidi overrides that would reverse what follows), whitespace collapsed.
 *
 * @example normalizeText(" Ayesha\u200B \n Khan ") // "Ayesha Khan"
 * @example normalizeText("\u202Eevil\u202C") // "evil"
 */
export function normalizeText(input: string): string {
  return (
    input
      .normalize("NFC")
      .replace(/[\t\n\v\f\r\u0085\u2028\u2029]/gu, " ")
      // Every Unicode "other" (control, format, surrogate, private, unassigned) and the
      // letters and symbols that render as blanks (Hangul fillers, braille blank).
      .replace(/[\p{C}\u115F\u1160\u3164\uFFA0\u2800]/gu, "")
      // Stacked combining marks ("Zalgo" text) are cut to three per character.
      .replace(/(\p{M}{3})\p{M}+/gu, "$1")
      .replace(/\s+/gu, " ")
      .trim()
  );
}

/**
 * A word that would work as a link if shown: a scheme, `www.`, an e-mail address, a path,
 * or a dotted domain such as `evil.com`. Such words are never shown to others.
 *
 * @example looksLikeLink("evil.com") // true
 * @example looksLikeLink("Khan") // false
 */
export function looksLikeLink(text: string): boolean {
  return /:\/\/|\bwww\.|[@/\\]|\p{L}[\p{L}\p{N}-]*\.[\p{L}\p{N}-]*\p{L}{2}/iu.test(text);
}

/**
 * Text that others will see, as typed: normalized first (so that limits count what is
 * stored), then 1 to `maxLength` characters with no web or e-mail address, and a letter
 * when `requireLetter`.
 */
export function shownTextSchema(options: { maxLength: number; requireLetter?: boolean }) {
  const { maxLength, requireLetter = false } = options;
  return z
    .string()
    .max(4 * maxLength)
    .transform(normalizeText)
    .superRefine((text, ctx) => {
      // One problem per field, the first that applies.
      const problem =
        text.length === 0
          ? "must not be empty"
          : [...text].length > maxLength
            ? `must be at most ${maxLength} characters`
            : requireLetter && !/\p{L}/u.test(text)
              ? "must contain a letter"
              : text.split(" ").some(looksLikeLink)
                ? "must not contain a web or e-mail address"
                : null;
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });
}

/** A person's name, as typed at signup. */
export const NameSchema = shownTextSchema({ maxLength: 100, requireLetter: true }).openapi({
  example: "Ayesha Khan",
  description:
    "Normalized (no control or invisible characters); needs a letter, no web addresses. Shown to others as first name and initial (“Ayesha K.”).",
});

const MAX_SHOWN_FIRST_NAME = 24;

const initialOf = (word: string) => {
  const letter = word.match(/\p{L}/u)?.[0];
  return letter ? `${letter.toUpperCase()}.` : "";
};

/**
 * How other people's names are shown: first name plus initial of the last. A one-word name
 * shows only its initial, and a first name that looks like a link only its initial, so
 * that nothing anyone types becomes a readable message or link on a public page. Names
 * stored before normalization existed are normalized here too.
 *
 * @example maskName("Ayesha Khan") // "Ayesha K."
 * @example maskName("Cher") // "C."
 * @example maskName("evil.com Ltd") // "E. L."
 */
export function maskName(fullName: string): string {
  const words = normalizeText(fullName)
    .split(" ")
    .filter((word) => /\p{L}/u.test(word));
  const [first, ...rest] = words;
  const last = rest.at(-1);
  if (!first) return "?";
  if (!last) return initialOf(first);
  const shownFirst =
    looksLikeLink(first) || [...first].length > MAX_SHOWN_FIRST_NAME ? initialOf(first) : first;
  return `${shownFirst} ${initialOf(last)}`;
}

/**
 * An admin's reason for a decision (an adjustment, a rejection, a void), kept with it and
 * shown to the person it concerns: normalized like names, 3 to 200 characters. Unlike a
 * participant's note it may hold a link (to a support ticket, say).
 */
export const AdminReasonSchema = z
  .string()
  .max(800)
  .transform(normalizeText)
  .pipe(z.string().min(3).max(200))
  .openapi({
    example: "Goodwill for a late delivery",
    description:
      "3 to 200 characters once normalized (control, format and bidi characters removed, whitespace collapsed).",
  });
