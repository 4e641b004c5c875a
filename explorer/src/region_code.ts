// Region codes as the node's dashboards take them (docs/regions.md): 2 digits a province, 4 a
// city, 6 a county or district, 9 a registered street; the GB/T 2260 six-digit forms 330000 and
// 330100 name the province and the city. Codes nest as prefixes, so a region's ancestors are its
// prefixes. Also exact money strings from integer fen for CSV files. Pure: no DOM, no i18n.

export type Level = 'province' | 'city' | 'county' | 'street';

export interface RegionCode {
  code: string; // canonical: 2, 4, 6 or 9 digits
  level: Level;
}

const LEVEL_BY_DIGITS: Record<number, Level> = { 2: 'province', 4: 'city', 6: 'county', 9: 'street' };

// null for anything the node would refuse as malformed (it still decides whether the code is known).
export function parseRegionCode(text: string): RegionCode | null {
  if (!/^\d+$/.test(text)) return null;
  let code = text;
  if (code.length === 6 && code.endsWith('0000')) code = code.slice(0, 2);
  else if (code.length === 6 && code.endsWith('00')) code = code.slice(0, 4);
  const level = LEVEL_BY_DIGITS[code.length];
  return level ? { code, level } : null;
}

// The regions above `code`, outermost first: 330106001 -> 33, 3301, 330106.
export function ancestors(code: string): string[] {
  const parsed = parseRegionCode(code);
  if (!parsed) return [];
  return [2, 4, 6].filter((n) => n < parsed.code.length).map((n) => parsed.code.slice(0, n));
}

// The level a drill-down lists below a region (null: a street has no divisions below it).
export function childLevel(level: Level | null): Level | null {
  if (level === null) return 'province';
  return level === 'province' ? 'city' : level === 'city' ? 'county' : level === 'county' ? 'street' : null;
}

// Integer fen as an exact yuan amount with two decimals: 123456 -> "1234.56", -5 -> "-0.05".
export function fenToYuan(fen: number | bigint): string {
  if (typeof fen === 'number' && !Number.isSafeInteger(fen)) throw new RangeError(`not an integer amount of fen: ${fen}`);
  const v = BigInt(fen);
  const abs = v < 0n ? -v : v;
  return `${v < 0n ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

// The node's per-capita figure is fen floored to 1/100 fen (e.g. 12.34 fen); in yuan that is
// exactly four decimals: 12.34 -> "0.1234". null when the node recorded no population.
export function perCapitaYuan(perCapitaFen: number | null | undefined): string | null {
  if (perCapitaFen === null || perCapitaFen === undefined || !Number.isFinite(perCapitaFen) || perCapitaFen < 0) return null;
  const hundredths = BigInt(Math.round(perCapitaFen * 100));
  return `${hundredths / 10000n}.${(hundredths % 10000n).toString().padStart(4, '0')}`;
}

// A year the dashboards take from the address: four digits 2000..2100 (the node's own bounds).
export function parseYear(text: string | null): number | null | 'invalid' {
  if (text === null || text === '') return null;
  if (!/^\d{4}$/.test(text)) return 'invalid';
  const y = Number(text);
  return y >= 2000 && y <= 2100 ? y : 'invalid';
}

// The Beijing (UTC+8) calendar year of a time, as the node counts a region's years.
export const beijingYear = (ms: number): number => new Date(ms + 8 * 3600_000).getUTCFullYear();
