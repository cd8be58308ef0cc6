/**
 * CSV (RFC 4180): fields with a comma, quote, CR or LF are quoted, quotes doubled; lines end with CRLF.
 * Text that a spreadsheet would run as a formula (starting with = + - @ tab or CR) gets a leading
 * apostrophe, so an exported value can never execute in Excel or Sheets (CSV injection).
 */
export function csvLine(values: ReadonlyArray<string | number | null>): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
