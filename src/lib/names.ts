/**
 * How other people's names are shown: first name plus initial of the last.
 *
 * @example maskName("Ayesha Khan") // "Ayesha K."
 * @example maskName("Cher") // "Cher"
 */
export function maskName(fullName: string): string {
  const [first = "", ...rest] = fullName.trim().split(/\s+/);
  const last = rest.at(-1);
  return last ? `${first} ${[...last][0]?.toUpperCase()}.` : first;
}
