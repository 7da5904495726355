/**
 * CSV per RFC 4180 (CRLF line ends; a field with a comma, quote or line break is quoted, quotes doubled), and
 * safe to open in a spreadsheet: text that starts like a formula gets a leading `'` (OWASP's CSV injection
 * advice), since error messages, models and bodies are written by callers.
 */
const formulaStart = /^[=+\-@\t\r]/;
const needsQuotes = /[",\r\n]/;

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  // Numbers and booleans are ours, never a formula: a negative number stays a number.
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (formulaStart.test(text)) text = `'${text}`;
  return needsQuotes.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvRow = (values: readonly unknown[]): string => `${values.map(csvCell).join(',')}\r\n`;
