// Browser tests of the district dashboard (issue 21 part 2) against a real node loaded with the
// demo, whose charities sit in Hangzhou's districts with their resident populations in genesis:
// the figures a district's page shows are the API's for the same region and year, the city's page
// lists its districts and drills down to one, breadcrumbs lead back up, every table downloads as a
// CSV holding the same rows, and a malformed code, an unknown region, a bad or out-of-range year
// and a year without entries each get a clear message. Run: node --test tests/e2e/regions.test.mjs
// (CTest: e2e_regions). Screenshots go to tests/e2e/artifacts/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Network, artifacts } from './harness.mjs';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const net = new Network({ donations: 120 });
const T = { timeout: 180000 };
const CITY = '3301'; // 浙江省杭州市: the demo's districts are all in it
const DESKTOP = { viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false, deviceScaleFactor: 1 };

const api = async (p) => {
  const r = await fetch(`${net.url}${p}`);
  return { status: r.status, body: await r.json() };
};
const noErrors = (page) => assert.deepEqual(page.errors, [], `the page logged errors: ${page.errors.join('\n')}`);

async function shot(page, name) {
  await mkdir(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

// axe-core's WCAG rules inside the page; the violations are kept in artifacts/ for reading.
async function axeClean(page, name) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  await mkdir(artifacts, { recursive: true });
  await writeFile(path.join(artifacts, `axe-${name}.json`), JSON.stringify(result.violations, null, 2));
  const summary = result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
  assert.deepEqual(summary, [], `axe-core violations on ${name}`);
}

// Written here independently of the explorer's code: integer fen as yuan, and the per-capita
// figure from raised and population (floored to 1/100 fen) as yuan with four decimals.
const fenToYuan = (fen) => {
  const v = BigInt(fen);
  const a = v < 0n ? -v : v;
  return `${v < 0n ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
};
const perCapita = (raisedFen, population) => {
  const hundredths = (BigInt(Math.max(raisedFen, 0)) * 100n) / BigInt(population);
  return `${hundredths / 10000n}.${String(hundredths % 10000n).padStart(4, '0')}`;
};
const zhYuan = (fen) => {
  const v = BigInt(fen);
  const a = v < 0n ? -v : v;
  return `${v < 0n ? '−' : ''}¥${new Intl.NumberFormat('zh-CN').format(a / 100n)}.${String(a % 100n).padStart(2, '0')}`;
};

// Clicks a table's CSV button and returns the file's name and lines (without the byte-order mark).
async function downloadCsv(page, block) {
  const [download] = await Promise.all([page.waitForEvent('download'), block.locator('button.csv-download').click()]);
  const text = await readFile(await download.path(), 'utf8');
  assert.ok(text.startsWith('\ufeff'), 'a byte-order mark so spreadsheets read UTF-8');
  assert.ok(text.endsWith('\r\n'), 'RFC 4180 line ends');
  return { name: download.suggestedFilename(), lines: text.slice(1).split('\r\n').slice(0, -1) };
}

const figureValue = (page, key) => page.locator(`[data-figure="${key}"]`).getAttribute('data-value');

describe('district dashboard', () => {
  let district = null; // the demo district with the most raised: { code, year, stats }
  let ok = false;

  before(async () => {
    await net.start();
    const list = await api(`/v1/regions?parent=${CITY}`);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.ok(list.body.regions.length >= 2, `the demo has districts in ${CITY}: ${JSON.stringify(list.body)}`);
    const best = [...list.body.regions].sort((a, b) => b.raised_fen - a.raised_fen)[0];
    const stats = await api(`/v1/regions/${best.region.code}/stats?year=${list.body.year}`);
    district = { code: best.region.code, year: list.body.year, stats: stats.body, list: list.body };
  });
  after(async () => net.stop(!ok));

  it('shows a district\'s figures as the API gives them, with charts, its month table as CSV, and the node\'s-claim note', T, async () => {
    const { code, year, stats } = district;
    assert.equal(stats.status, 'ok');
    assert.ok(stats.raised_fen > 0 && stats.per_capita.population > 0, JSON.stringify(stats));
    const page = await net.page(DESKTOP);
    await page.goto(`${net.url}/regulator/regions/${code}?year=${year}`);
    await page.locator('[data-figure="raised_fen"]').waitFor();
    assert.equal(await figureValue(page, 'raised_fen'), String(stats.raised_fen));
    assert.equal(await figureValue(page, 'spent_fen'), String(stats.spent_fen));
    assert.equal(await page.locator('[data-figure="raised_fen"] .region-figure-value').textContent(), zhYuan(stats.raised_fen));
    // Per-capita: the page's figure, the API's and this test's own division agree.
    const expected = perCapita(stats.raised_fen, stats.per_capita.population);
    assert.equal(await figureValue(page, 'per_capita'), expected);
    assert.equal((stats.per_capita.per_capita_fen / 100).toFixed(4), expected);
    assert.match(await page.locator('[data-figure="per_capita"]').textContent(), new RegExp(`${year}`));
    for (const key of ['attested_raised_pct', 'attested_outflow_pct']) {
      assert.equal(await figureValue(page, key), stats[key] === null ? null : String(stats[key]), key);
    }
    assert.equal(await figureValue(page, 'projects_opened'), String(stats.projects.opened));
    assert.match(await page.locator('.notice', { has: page.locator('.regions-told') }).textContent(), /shanliu-regions\/1/);
    // Breadcrumbs up: 全国 › 浙江省 › 杭州市 › the district.
    const crumbs = page.locator('nav.breadcrumbs');
    await crumbs.locator(`a[data-region="${CITY}"]`).filter({ hasText: '杭州市' }).waitFor();
    assert.equal(await crumbs.locator('a[data-region="33"]').textContent(), '浙江省');
    // Charts drawn (SVG) beside the tables; the by-month table downloads as the same 12 rows.
    await page.locator('.chart[data-drawn="true"] svg').first().waitFor();
    assert.ok((await page.locator('.chart[data-drawn="true"]').count()) >= 2);
    const monthBlock = page.locator('section', { has: page.locator('h2', { hasText: '按月募得与支出' }) }).locator('.regions-table-block');
    assert.equal(await monthBlock.locator('tbody tr').count(), 12);
    const csv = await downloadCsv(page, monthBlock);
    assert.equal(csv.name, `region-${code}-${year}-by-month.csv`);
    assert.equal(csv.lines[0], '月份,募得（元）,捐赠笔数,支出（元）,支出笔数');
    assert.equal(csv.lines.length, 13);
    stats.by_month.forEach((m, i) => assert.equal(csv.lines[i + 1], `${m.month},${fenToYuan(m.raised_fen)},${m.donation_count},${fenToYuan(m.spent_fen)},${m.spend_count}`));
    // The top flags, in the API's order, each with its count; their CSV has the same rows.
    const flagBlock = page.locator('section', { has: page.locator('h2', { hasText: '主要提示' }) });
    if (stats.flags.length > 0) {
      const shown = await flagBlock.locator('tbody [data-flag]').evaluateAll((els) => els.map((e) => e.getAttribute('data-flag')));
      assert.deepEqual(shown, stats.flags.map((f) => f.flag));
      const flagsCsv = await downloadCsv(page, flagBlock.locator('.regions-table-block'));
      assert.equal(flagsCsv.lines.length, stats.flags.length + 1);
      stats.flags.forEach((f, i) => assert.ok(flagsCsv.lines[i + 1].endsWith(`,${f.flag},${f.count}`), flagsCsv.lines[i + 1]));
    }
    assert.equal(await flagBlock.locator(`a[href="/v1/regions/${code}/stats?year=${year}"]`).count(), 1, 'the evidence link to the node\'s figures');
    // The totals' one-row CSV carries the per-capita figure exactly.
    const totals = await downloadCsv(page, page.locator('.regions-table-block').first());
    assert.equal(totals.lines.length, 2);
    assert.ok(totals.lines[1].split(',').includes(expected), totals.lines[1]);
    await shot(page, 'regions-district-zh');
    noErrors(page);
    await page.context().close();
  });

  it('lists the city\'s districts as the API does, downloads them as CSV and drills down to one', T, async () => {
    const { code, year, list } = district;
    const page = await net.page(DESKTOP);
    await page.goto(`${net.url}/regulator`);
    await page.locator('#regions-link').click();
    await page.waitForURL(/\/regulator\/regions$/);
    await page.locator(`tr[data-code="33"] a[data-region="33"]`).click();
    await page.waitForURL(/\/regulator\/regions\/33\?year=/);
    await page.locator(`tr[data-code="${CITY}"] a[data-region="${CITY}"]`).click();
    await page.waitForURL(new RegExp(`/regulator/regions/${CITY}\\?year=${year}$`));
    const rows = page.locator('tr[data-code]');
    await rows.first().waitFor();
    assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-code'))), list.regions.map((r) => r.region.code));
    const block = page.locator('section', { has: page.locator('h2', { hasText: '各区县' }) }).locator('.regions-table-block');
    const csv = await downloadCsv(page, block);
    assert.equal(csv.name, `region-${CITY}-${year}-county.csv`);
    assert.ok(csv.lines[0].startsWith('区域,代码,募得（元）,捐赠笔数,支出（元）,支出笔数,退款（元）,常住人口,人均捐赠（元）'), csv.lines[0]);
    assert.ok(csv.lines[0].endsWith(',提示'), csv.lines[0]);
    assert.equal(csv.lines.length, list.regions.length + 1);
    list.regions.forEach((r, i) => {
      const cells = csv.lines[i + 1].split(',');
      assert.equal(cells[1], r.region.code);
      assert.equal(cells[2], fenToYuan(r.raised_fen));
      assert.equal(cells[4], fenToYuan(r.spent_fen));
      assert.equal(cells[8], r.per_capita.population ? perCapita(r.raised_fen, r.per_capita.population) : '未登记人口');
    });
    await shot(page, 'regions-city-zh');
    await page.locator(`tr[data-code="${code}"] a[data-region="${code}"]`).click();
    await page.waitForURL(new RegExp(`/regulator/regions/${code}\\?year=${year}$`));
    await page.locator('[data-figure="raised_fen"]').waitFor();
    assert.equal(await figureValue(page, 'raised_fen'), String(district.stats.raised_fen));
    // And back up by the breadcrumb.
    await page.locator(`nav.breadcrumbs a[data-region="${CITY}"]`).click();
    await page.waitForURL(new RegExp(`/regulator/regions/${CITY}\\?year=${year}$`));
    await page.locator('tr[data-code]').first().waitFor();
    noErrors(page);
    await page.context().close();
  });

  it('says what is wrong with a malformed code, an unknown region, a bad or out-of-range year, and a year without entries', T, async () => {
    const page = await net.page(DESKTOP);
    const errorOf = async (url) => {
      await page.goto(`${net.url}${url}`);
      const box = page.locator('.region-error');
      await box.waitFor();
      return { code: await box.getAttribute('data-error'), text: await box.textContent() };
    };
    const unknown = await errorOf('/regulator/regions/330199');
    assert.equal((await api('/v1/regions/330199/stats')).body.error.code, 'unknown_region');
    assert.equal(unknown.code, 'unknown_region');
    assert.match(unknown.text, /没有代码为 330199 的区域/);
    assert.equal(await page.locator('.region-error a[href="/regulator/regions"]').count(), 1);
    const street = await errorOf('/regulator/regions/330106999');
    assert.equal(street.code, 'unknown_region', 'an unregistered street');
    const malformed = await errorOf('/regulator/regions/12345');
    assert.equal(malformed.code, 'invalid_input');
    assert.match(malformed.text, /“12345”不是区域代码/);
    assert.equal((await errorOf('/regulator/regions/%3Cscript%3E')).code, 'invalid_input');
    assert.equal((await errorOf(`/regulator/regions/${district.code}?year=20x6`)).code, 'invalid_input');
    const early = await errorOf(`/regulator/regions/${district.code}?year=2001`);
    assert.equal(early.code, 'out_of_range');
    assert.equal(await page.locator(`.region-error a[href="/regulator/regions/${district.code}"]`).count(), 1, 'a link to the latest year');
    // Beijing (11) is on the GB/T 2260 list but the demo has nobody there: zeros, said plainly.
    await page.goto(`${net.url}/regulator/regions/11`);
    await page.locator('.region-no-data').waitFor();
    assert.equal(await figureValue(page, 'raised_fen'), '0');
    assert.equal(await figureValue(page, 'per_capita'), 'no_population');
    assert.match(await page.locator('[data-figure="per_capita"]').textContent(), /未登记/);
    noErrors(page);
    await page.context().close();
  });

  it('prints charts and tables without the navigation, and reads in English', T, async () => {
    const { code, year } = district;
    const page = await net.page(DESKTOP);
    await page.goto(`${net.url}/regulator/regions/${code}?year=${year}`);
    await page.locator('.chart[data-drawn="true"] svg').first().waitFor();
    await page.emulateMedia({ media: 'print' });
    for (const hidden of ['.topbar', 'nav.breadcrumbs', '.regions-controls', 'button.csv-download']) {
      assert.equal(await page.locator(hidden).first().isVisible(), false, `${hidden} is hidden in print`);
    }
    for (const shown of ['.chart svg', 'table.regions-table', '[data-figure="raised_fen"]']) {
      assert.equal(await page.locator(shown).first().isVisible(), true, `${shown} prints`);
    }
    await shot(page, 'regions-district-print');
    await page.emulateMedia({ media: 'screen' });
    await page.locator('#lang-toggle').click();
    await page.locator('h1', { hasText: 'charity figures' }).waitFor();
    const monthBlock = page.locator('section', { has: page.locator('h2', { hasText: 'Raised and spent by month' }) }).locator('.regions-table-block');
    const csv = await downloadCsv(page, monthBlock);
    assert.equal(csv.lines[0], 'Month,Raised (yuan),Donations,Spent (yuan),Spends');
    await shot(page, 'regions-district-en');
    noErrors(page);
    await page.context().close();
  });

  it('passes axe-core on a phone, in Chinese and English, for a district and its city', T, async () => {
    const { code, year } = district;
    for (const lang of ['zh', 'en']) {
      const page = await net.page();
      await page.addInitScript((l) => localStorage.setItem('shanliu.lang', l), lang);
      await page.goto(`${net.url}/regulator/regions/${code}?year=${year}`);
      await page.locator('.chart[data-drawn="true"] svg').first().waitFor();
      await axeClean(page, `regions-district-${lang}`);
      await shot(page, `regions-district-phone-${lang}`);
      await page.goto(`${net.url}/regulator/regions/${CITY}?year=${year}`);
      await page.locator('tr[data-code]').first().waitFor();
      await page.locator('.chart[data-drawn="true"] svg').first().waitFor();
      await axeClean(page, `regions-city-${lang}`);
      noErrors(page);
      await page.context().close();
    }
    ok = true;
  });
});
