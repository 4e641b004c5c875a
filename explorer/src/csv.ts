// CSV files built in the browser from the data a page already shows (RFC 4180: comma-separated,
// CRLF line ends, a field quoted when it holds a comma, quote or line break). Text is guarded
// against formula injection by OWASP's rule: a field starting with = + - @ tab or CR gets a
// leading apostrophe, so a spreadsheet shows it as text instead of evaluating it. Numbers this
// code formatted itself (`decimal`) are left as numbers — a negative amount is not a formula and
// prefixing it would make a spreadsheet's sums skip it. Pure: no DOM, testable in node.

// A number written by us, e.g. "1234.56" or "-0.05"; anything else given as one is treated as text.
export interface Decimal {
  decimal: string;
}
export type CsvCell = string | number | Decimal | null | undefined;

export const decimal = (digits: string): Decimal => ({ decimal: digits });

const NUMERIC = /^-?\d+(\.\d+)?$/;
const FORMULA_START = /^[=+\-@\t\r]/;

function quote(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    // Only finite integers and decimals; NaN, Infinity and 1e+21 would not read back as numbers.
    const text = String(value);
    return Number.isFinite(value) && NUMERIC.test(text) ? text : '';
  }
  if (typeof value === 'object') {
    if (NUMERIC.test(value.decimal)) return value.decimal;
    return csvCell(String(value.decimal));
  }
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return quote(text);
}

// A whole file: the header row, then one line per row, each line ended by CRLF. Rows shorter than
// the header are padded with empty fields so every line has the same number of fields.
export function toCsv(header: string[], rows: CsvCell[][]): string {
  const width = header.length;
  const lines = [header.map(csvCell).join(',')];
  for (const row of rows) {
    const cells: string[] = [];
    for (let i = 0; i < Math.max(width, row.length); i++) cells.push(csvCell(row[i]));
    lines.push(cells.join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

// A safe file name from a title: letters (any script), digits, dash and dot; the rest becomes "-".
export function csvFileName(...parts: (string | number)[]): string {
  const base = parts
    .map((p) => String(p).trim())
    .filter(Boolean)
    .join('-')
    .replace(/[^\p{L}\p{N}.-]+/gu, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return `${base || 'table'}.csv`;
}
