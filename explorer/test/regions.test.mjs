// The district dashboard's pure parts: CSV files (RFC 4180 quoting, OWASP formula guard, exact
// numbers) and region codes, years and money strings.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './load.mjs';

it('quotes fields that hold a comma, quote or line break and ends every line with CRLF', async () => {
  const { toCsv } = await load('csv.ts');
  assert.equal(toCsv(['a', 'b'], [['x', 'y']]), 'a,b\r\nx,y\r\n');
  assert.equal(toCsv(['name'], [['杭州市, 西湖区'], ['say "hi"'], ['two\nlines'], ['cr\rhere']]), 'name\r\n"杭州市, 西湖区"\r\n"say ""hi"""\r\n"two\nlines"\r\n"cr\rhere"\r\n');
  assert.equal(toCsv(['a', 'b', 'c'], [['1'], []]), 'a,b,c\r\n1,,\r\n,,\r\n', 'short rows are padded to the header');
  assert.equal(toCsv(['a'], []), 'a\r\n', 'a table without rows is its header');
  assert.equal(toCsv(['a', 'b'], [[null, undefined]]), 'a,b\r\n,\r\n');
});

it('prefixes text that a spreadsheet would run as a formula with an apostrophe', async () => {
  const { csvCell } = await load('csv.ts');
  assert.equal(csvCell('=HYPERLINK("http://evil","x")'), '"\'=HYPERLINK(""http://evil"",""x"")"');
  assert.equal(csvCell('+1+1'), "'+1+1");
  assert.equal(csvCell('-1+2'), "'-1+2");
  assert.equal(csvCell('-12.34'), "'-12.34", 'text that looks like a number is still text');
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell('\t=1'), "'\t=1");
  assert.equal(csvCell('\r=1'), '"\'\r=1"', 'guarded and then quoted for the CR');
  assert.equal(csvCell(' =1'), ' =1', 'only the first character counts');
  assert.equal(csvCell('a=1'), 'a=1');
  assert.equal(csvCell(''), '');
  assert.equal(csvCell("'already"), "'already");
});

it('writes numbers it formatted as numbers, negative ones included, and nothing that is not one', async () => {
  const { csvCell, decimal } = await load('csv.ts');
  assert.equal(csvCell(decimal('1234.56')), '1234.56');
  assert.equal(csvCell(decimal('-0.05')), '-0.05', 'a net negative amount stays a number');
  assert.equal(csvCell(decimal('=1+1')), "'=1+1", 'a decimal that is not digits is guarded text');
  assert.equal(csvCell(decimal('1e5')), '1e5');
  assert.equal(csvCell(decimal('-1e5')), "'-1e5");
  assert.equal(csvCell(decimal('1,5')), '"1,5"');
  assert.equal(csvCell(42), '42');
  assert.equal(csvCell(-7), '-7');
  assert.equal(csvCell(87.5), '87.5');
  assert.equal(csvCell(0), '0');
  assert.equal(csvCell(Number.NaN), '');
  assert.equal(csvCell(Number.POSITIVE_INFINITY), '');
  assert.equal(csvCell(1e21), '', '1e+21 would not read back');
});

it('names files from letters, digits, dashes and dots only', async () => {
  const { csvFileName } = await load('csv.ts');
  assert.equal(csvFileName('region', '330106', 2026, 'by-month'), 'region-330106-2026-by-month.csv');
  assert.equal(csvFileName('西湖区 / 统计'), '西湖区-统计.csv');
  assert.equal(csvFileName('../../etc/passwd'), 'etc-passwd.csv');
  assert.equal(csvFileName('', '  '), 'table.csv');
  assert.equal(csvFileName('a\u0000b\nc'), 'a-b-c.csv');
});

it('reads region codes as the node does: 2, 4, 6 or 9 digits and the GB/T 2260 six-digit forms', async () => {
  const { parseRegionCode, ancestors, childLevel } = await load('region_code.ts');
  assert.deepEqual(parseRegionCode('33'), { code: '33', level: 'province' });
  assert.deepEqual(parseRegionCode('3301'), { code: '3301', level: 'city' });
  assert.deepEqual(parseRegionCode('330106'), { code: '330106', level: 'county' });
  assert.deepEqual(parseRegionCode('330106001'), { code: '330106001', level: 'street' });
  assert.deepEqual(parseRegionCode('330000'), { code: '33', level: 'province' });
  assert.deepEqual(parseRegionCode('330100'), { code: '3301', level: 'city' });
  for (const bad of ['', '3', '333', '33010', '3301061', '33010600', '3301060011', '33a1', '３３', ' 33', '33 ', '-33', '33.0', '0x21']) {
    assert.equal(parseRegionCode(bad), null, JSON.stringify(bad));
  }
  assert.deepEqual(ancestors('330106001'), ['33', '3301', '330106']);
  assert.deepEqual(ancestors('330106'), ['33', '3301']);
  assert.deepEqual(ancestors('330100'), ['33']);
  assert.deepEqual(ancestors('33'), []);
  assert.deepEqual(ancestors('nope'), []);
  assert.equal(childLevel(null), 'province');
  assert.equal(childLevel('province'), 'city');
  assert.equal(childLevel('city'), 'county');
  assert.equal(childLevel('county'), 'street');
  assert.equal(childLevel('street'), null);
});

it('turns integer fen into exact yuan and per-capita hundredths of a fen into four decimals', async () => {
  const { fenToYuan, perCapitaYuan } = await load('region_code.ts');
  assert.equal(fenToYuan(0), '0.00');
  assert.equal(fenToYuan(5), '0.05');
  assert.equal(fenToYuan(123456), '1234.56');
  assert.equal(fenToYuan(-5), '-0.05');
  assert.equal(fenToYuan(-100), '-1.00');
  assert.equal(fenToYuan(Number.MAX_SAFE_INTEGER), '90071992547409.91');
  assert.equal(fenToYuan(9223372036854775807n), '92233720368547758.07');
  assert.throws(() => fenToYuan(1.5), RangeError);
  assert.throws(() => fenToYuan(Number.NaN), RangeError);
  assert.throws(() => fenToYuan(2 ** 60), RangeError, 'an unsafe integer has lost its last digits already');
  assert.equal(perCapitaYuan(1234.56), '12.3456');
  assert.equal(perCapitaYuan(0.01), '0.0001');
  assert.equal(perCapitaYuan(0), '0.0000');
  assert.equal(perCapitaYuan(100), '1.0000');
  assert.equal(perCapitaYuan(0.29), '0.0029', 'binary fractions round to the node\'s hundredths');
  assert.equal(perCapitaYuan(null), null);
  assert.equal(perCapitaYuan(undefined), null);
  assert.equal(perCapitaYuan(-1), null);
  assert.equal(perCapitaYuan(Number.NaN), null);
});

it('takes a year from the address only as four digits from 2000 to 2100', async () => {
  const { parseYear, beijingYear } = await load('region_code.ts');
  assert.equal(parseYear(null), null);
  assert.equal(parseYear(''), null);
  assert.equal(parseYear('2026'), 2026);
  assert.equal(parseYear('2000'), 2000);
  assert.equal(parseYear('2100'), 2100);
  for (const bad of ['1999', '2101', '26', '02026', '2026.0', '2026 ', 'abcd', '-2026', '２０２６']) assert.equal(parseYear(bad), 'invalid', bad);
  assert.equal(beijingYear(Date.UTC(2025, 11, 31, 15, 59, 59)), 2025);
  assert.equal(beijingYear(Date.UTC(2025, 11, 31, 16, 0, 0)), 2026, 'midnight in Beijing is 16:00 UTC');
});
