import { downloadFile } from "./download";

/** One CSV cell: quoted when needed, and a leading = + - @ neutralized so spreadsheets don't run it. */
function cell(value: unknown): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows as CSV (RFC 4180), with a header row of the column names. */
export function toCsv<T>(rows: T[], columns: { [name: string]: (row: T) => unknown }): string {
  const names = Object.keys(columns);
  const lines = [names.map(cell).join(",")];
  for (const row of rows) lines.push(names.map((name) => cell(columns[name]?.(row))).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

/** Saves `csv` as a file in the browser's downloads. */
export function downloadCsv(filename: string, csv: string): void {
  downloadFile(filename, csv, "text/csv;charset=utf-8");
}
