// Browser tests of issue 17 parts 4 and 5 against a real node loaded with the demo: a resident's
// wallet confirms volunteer service in both signing orders (the charity signs first and the
// wallet submits; the wallet signs first and `shanliu volunteer complete` finishes); a declined,
// foreign, expired, malformed or mis-kinded request signs nothing; a gift's donor name and memo
// never reach the wallet page or the holder's JSON; and the wallet sets an honour-list name, sees
// itself listed on /honour, and leaves the list. Run: node --test tests/e2e/honour.test.mjs
// (CTest: e2e_honour).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Network, artifacts, repo } from './harness.mjs';

const run = promisify(execFile);
const binDir = process.env.SHANLIU_BIN_DIR ?? path.join(repo, 'build', 'bin');
const shanliu = path.join(binDir, 'shanliu');
const net = new Network({ donations: 30 });
const T = { timeout: 180000 };
const CHARITY = 'xihu-sunshine-elder';
const CHARITY_ZH = '杭州市西湖区阳光助老服务中心';
const MERCHANT = 'wulin-barber';
const DONOR_NAME = '隐私测试捐赠人赵六';
const MEMO = '给外婆的心意-memo-4471';

let wallet = null; // { pub, secret, keyFile, page }

const points = async (holder) => (await (await fetch(`${net.url}/v1/points/${holder}?limit=20`)).json());
const keyOf = (org) => path.join(net.dir, 'keys', `${org}.key`);
const noErrors = (page) => assert.deepEqual(page.errors, [], `the page logged errors: ${page.errors.join('\n')}`);

async function volunteerRequest({ holder = wallet.pub, minutes, unsigned = false, extra = [] }) {
  const args = ['volunteer', 'request', '--charity', CHARITY, '--charity-key', keyOf(CHARITY), '--holder', holder, '--minutes', String(minutes),
    '--activity', '助老送餐', '--occurred-at-ms', String(Date.now() - 3600000), '--node', net.url, ...extra];
  if (unsigned) args.push('--unsigned');
  const { stdout } = await run(shanliu, args);
  const field = (name) => stdout.match(new RegExp(`^${name} +(\\S+)`, 'm'))?.[1];
  assert.ok(field('link'), stdout);
  return { id: field('id'), payload: field('payload'), link: field('link') };
}

async function expectNoTx(id) {
  const r = await fetch(`${net.url}/v1/txs/${id}`);
  const body = await r.json().catch(() => ({}));
  assert.ok(r.status === 404 || body.status === undefined || body.status === 'unknown', `tx ${id} must not exist: ${JSON.stringify(body)}`);
}

async function open(link) {
  const page = wallet.page;
  page.errors.length = 0;
  await page.goto('about:blank');
  await page.goto(link);
  await page.locator('[data-field="statement"], .notice-error').first().waitFor();
  return page;
}

describe('volunteer confirmation, private history and the honour list', () => {
  before(async () => {
    await net.start();
  }, { timeout: 600000 });

  after(async () => {
    await wallet?.page?.context().close().catch(() => {});
    await net.stop(true);
  });

  it('creates a wallet', T, async () => {
    const page = await net.page();
    await page.goto(`${net.url}/points`);
    await page.getByRole('button', { name: '生成我的钱包' }).click();
    await page.locator('svg.qr').waitFor();
    const pub = (await page.locator('.share code.mono').innerText()).trim();
    assert.match(pub, /^[0-9a-f]{64}$/);
    await page.getByRole('button', { name: '备份私钥' }).click();
    const secret = (await page.locator('code.mono').filter({ hasText: /^[0-9a-f]{64}$/ }).last().innerText()).trim();
    const keyFile = path.join(net.dir, 'keys', 'e2e-honour-wallet.key');
    await writeFile(keyFile, `shanliu-ed25519-secret-v1\n${secret}\n`, { mode: 0o600 });
    wallet = { pub, secret, keyFile, page };
  });

  it('charity signs first: the wallet states the service, confirms and submits it', T, async () => {
    const before = await points(wallet.pub);
    const req = await volunteerRequest({ minutes: 90 });
    assert.match(req.link, new RegExp(`^${net.url}/points/confirm#r=[A-Za-z0-9_-]+$`));
    const page = await open(req.link);
    const statement = await page.locator('[data-field="statement"]').innerText();
    assert.match(statement, /服务了 1\.5 小时/);
    assert.ok(statement.includes(CHARITY_ZH), statement);
    assert.equal(await page.locator('[data-field="minutes"]').innerText(), '90');
    await page.screenshot({ path: path.join(artifacts, 'wallet-confirm-service-zh.png'), fullPage: true });
    await page.getByRole('button', { name: '确认属实' }).click();
    await page.locator('[data-field="committed"]').waitFor({ timeout: 60000 });
    const now = await points(wallet.pub);
    assert.equal(now.minutes.earned, before.minutes.earned + 90);
    assert.equal(now.balance, before.balance + 15);
    assert.equal(now.history.items[0].kind, 'volunteer_service');
    noErrors(page);
  });

  it('the volunteer signs first: the wallet shows its signed request and the charity completes it', T, async () => {
    const before = await points(wallet.pub);
    const req = await volunteerRequest({ minutes: 60, unsigned: true });
    const page = await open(req.link);
    await page.getByRole('button', { name: '确认属实' }).click();
    const signed = page.locator('[data-field="signed-request"]');
    await signed.waitFor();
    await page.locator('.share svg.qr').waitFor();
    const link = (await signed.innerText()).trim();
    await expectNoTx(req.id);
    assert.equal((await points(wallet.pub)).minutes.earned, before.minutes.earned);
    // The charity alone cannot finish the unsigned request.
    await assert.rejects(run(shanliu, ['volunteer', 'complete', req.link, '--charity-key', keyOf(CHARITY), '--node', net.url]), (e) => /missing_signature/.test(e.stderr));
    const { stdout } = await run(shanliu, ['volunteer', 'complete', link, '--charity-key', keyOf(CHARITY), '--node', net.url]);
    assert.match(stdout, /status +committed at height \d+/);
    assert.equal((await points(wallet.pub)).minutes.earned, before.minutes.earned + 60);
    noErrors(page);
  });

  it('a declined, foreign, expired, malformed or mis-kinded request signs nothing', T, async () => {
    const before = await points(wallet.pub);
    const page = wallet.page;
    const declined = await volunteerRequest({ minutes: 30 });
    await open(declined.link);
    await page.getByRole('button', { name: '拒绝' }).click();
    await page.locator('[data-field="declined"]').waitFor();
    assert.equal(await page.getByRole('button', { name: '确认属实' }).isDisabled(), true);
    await expectNoTx(declined.id);
    const refusal = async (link, pattern) => {
      await open(link);
      const text = await page.locator('.notice-error').innerText();
      assert.match(text, pattern);
      assert.match(text, /未做任何签名/);
      assert.equal(await page.getByRole('button', { name: '确认属实' }).count(), 0);
    };
    await refusal((await volunteerRequest({ holder: 'cd'.repeat(32), minutes: 30 })).link, /另一个钱包/);
    const short = await volunteerRequest({ minutes: 30, extra: ['--expires-in-ms', '60000'] });
    await page.clock.setFixedTime(Date.now() + 120000);
    await refusal(short.link, /已过期/);
    await page.clock.setFixedTime(Date.now());
    await refusal(`${net.url}/points/confirm#r=not*base64`, /不是有效的服务确认请求/);
    const { stdout } = await run(shanliu, ['redeem', 'request', '--merchant', MERCHANT, '--merchant-key', keyOf(MERCHANT), '--holder', wallet.pub,
      '--points', '1', '--item', '理发一次', '--node', net.url]);
    const redeemPayload = stdout.match(/^payload +(\S+)/m)[1];
    await refusal(`${net.url}/points/confirm#r=${redeemPayload}`, /不是志愿服务确认请求/);
    const after = await points(wallet.pub);
    assert.equal(after.minutes.earned, before.minutes.earned);
    assert.equal(after.balance, before.balance);
  });

  it("a gift's donor name and memo never reach the wallet page or the holder's JSON", T, async () => {
    await run(shanliu, ['tx', 'donation', '--key', keyOf('bank-1'), '--node', net.url, '--wait', '--to', `org:${CHARITY}`, '--amount-fen', '30000',
      '--holder', wallet.pub, '--json', JSON.stringify({ donor_ref: 'e3'.repeat(32), channel: 'bank_transfer', attesting_bank: 'bank-1', donor_display_name: DONOR_NAME, memo: MEMO })]);
    const raw = await (await fetch(`${net.url}/v1/points/${wallet.pub}?limit=20`)).text();
    assert.ok(!raw.includes(DONOR_NAME) && !raw.includes(MEMO) && !raw.includes('e3'.repeat(32)), 'the holder JSON leaks the gift');
    const json = JSON.parse(raw);
    assert.equal(json.history.items[0].kind, 'donation');
    assert.equal(json.history.items[0].payload.amount_fen, 30000);
    const page = wallet.page;
    await page.goto(`${net.url}/points`);
    await page.locator('.list-item').first().waitFor();
    const text = await page.locator('main').innerText();
    assert.ok(!text.includes(DONOR_NAME) && !text.includes(MEMO), 'the wallet page shows the gift details');
    noErrors(page);
  });

  it('sets an honour-list name in the wallet, sees it on /honour, and leaves the list', T, async () => {
    const page = wallet.page;
    await page.goto(`${net.url}/points`);
    const current = page.locator('[data-field="honour-current"]');
    await current.waitFor();
    assert.match(await current.innerText(), /没有上光荣榜/);
    // Refused before signing: too long, and an organisation's name (refused by the node).
    await page.locator('#honour-name').fill('善'.repeat(17));
    await page.getByRole('button', { name: '签名并保存' }).click();
    await page.locator('.notice-error').filter({ hasText: '署名太长' }).waitFor();
    await page.locator('#honour-name').fill(CHARITY_ZH);
    await page.getByRole('button', { name: '签名并保存' }).click();
    await page.locator('.notice-error').filter({ hasText: '机构的登记名称' }).first().waitFor();
    await page.locator('#honour-name').fill('小雨点');
    await page.getByRole('button', { name: '签名并保存' }).click();
    await page.locator('[data-field="honour-current"]', { hasText: '小雨点' }).waitFor({ timeout: 60000 });
    const mine = await points(wallet.pub);
    assert.equal(mine.honour_name, '小雨点');

    const year = new Date(Date.now() + 8 * 3600000).getUTCFullYear();
    const list = await (await fetch(`${net.url}/v1/honour?year=${year}`)).json();
    const row = list.items.find((e) => e.holder === wallet.pub);
    assert.ok(row, JSON.stringify(list));
    assert.equal(row.display_name, '小雨点');
    assert.equal(row.points, mine.earned);
    await page.locator('a[data-link="honour"]').click();
    await page.locator(`tr[data-holder="${wallet.pub}"]`).waitFor({ timeout: 15000 }).catch(async (e) => {
      throw new Error(`${e.message}\nat ${page.url()}: ${await page.locator('main').innerText()}\n${page.errors.join('\n')}`);
    });
    assert.match(await page.locator(`tr[data-holder="${wallet.pub}"] [data-field="honour-name"]`).innerText(), /小雨点/);
    await page.screenshot({ path: path.join(artifacts, 'honour-list-zh.png'), fullPage: true });
    await page.evaluate(() => localStorage.setItem('shanliu.lang', 'en'));
    await page.reload();
    await page.locator('main h1', { hasText: 'Honour list' }).waitFor();
    await page.evaluate(() => localStorage.setItem('shanliu.lang', 'zh'));
    noErrors(page);

    await page.goto(`${net.url}/points`);
    await page.getByRole('button', { name: '退出光荣榜' }).click();
    await page.locator('[data-field="honour-current"]', { hasText: '没有上光荣榜' }).waitFor({ timeout: 60000 });
    const after = await (await fetch(`${net.url}/v1/honour?year=${year}`)).json();
    assert.equal(after.items.find((e) => e.holder === wallet.pub), undefined);
    noErrors(page);
  });
});
