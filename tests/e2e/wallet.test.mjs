// Browser tests of the phone wallet's redemption (issue 17 part 1): a resident creates a wallet
// in chromium, earns points by a gift and a volunteer record (which the wallet key co-signs),
// then redeems at a demo merchant in both QR directions — merchant signs first and the wallet
// submits; the wallet signs first and the merchant's `shanliu redeem complete` finishes — and
// sees the balance change. A declined, an expired, an over-balance, a foreign and a malformed
// request sign nothing. Run: node --test tests/e2e/wallet.test.mjs (CTest: e2e_wallet).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Network, artifacts, repo } from './harness.mjs';

const run = promisify(execFile);
const binDir = process.env.SHANLIU_BIN_DIR ?? path.join(repo, 'build', 'bin');
const shanliu = path.join(binDir, 'shanliu');
const net = new Network({ donations: 30 });
const T = { timeout: 180000 };
const MERCHANT = 'wulin-barber'; // a demo partner shop (api/cli/demo_data.cc)
const MERCHANT_ZH = '杭州市拱墅区武林老杭州理发店';
const CHARITY = 'xihu-sunshine-elder';

let wallet = null; // { pub, secret, keyFile, context, page }

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

// axe-core, run inside the page, finds no accessibility violations.
async function axeClean(page, name) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const summary = result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
  assert.deepEqual(summary, [], `axe-core violations on ${name}`);
}

const points = async (holder) => (await (await fetch(`${net.url}/v1/points/${holder}?limit=5`)).json());
const keyOf = (org) => path.join(net.dir, 'keys', `${org}.key`);

function noErrors(page) {
  assert.deepEqual(page.errors, [], `the page logged errors: ${page.errors.join('\n')}`);
}

// `shanliu redeem request`: the payload and link it prints.
async function redeemRequest({ holder = wallet.pub, points: n, item = '理发一次', unsigned = false, extra = [] }) {
  const args = ['redeem', 'request', '--merchant', MERCHANT, '--merchant-key', keyOf(MERCHANT), '--holder', holder, '--points', String(n), '--item', item, '--node', net.url, ...extra];
  if (unsigned) args.push('--unsigned');
  const { stdout } = await run(shanliu, args);
  const field = (name) => stdout.match(new RegExp(`^${name} +(\\S+)`, 'm'))?.[1];
  assert.ok(field('link'), stdout);
  return { id: field('id'), payload: field('payload'), link: field('link'), stdout };
}

async function expectNoTx(id) {
  const r = await fetch(`${net.url}/v1/txs/${id}`);
  const body = await r.json().catch(() => ({}));
  assert.ok(r.status === 404 || body.status === undefined || body.status === 'unknown', `tx ${id} must not exist: ${JSON.stringify(body)}`);
}

// Opens a request in the wallet and waits for the page to settle on a summary or a refusal.
async function open(link) {
  const page = wallet.page;
  page.errors.length = 0;
  await page.goto('about:blank');
  await page.goto(link);
  await page.locator('[data-field="merchant"], .notice-error').first().waitFor();
  return page;
}

describe('wallet redemption', () => {
  before(async () => {
    await net.start();
  }, { timeout: 600000 });

  after(async () => {
    await wallet?.context?.close().catch(() => {});
    await net.stop(true);
  });

  it('creates a wallet and earns points by a gift and a volunteer record it co-signs', T, async () => {
    const page = await net.page();
    await page.goto(`${net.url}/points`);
    await page.getByRole('button', { name: '生成我的钱包' }).click();
    await page.locator('svg.qr').waitFor();
    const pub = (await page.locator('.share code.mono').innerText()).trim();
    assert.match(pub, /^[0-9a-f]{64}$/);
    // The backed-up secret becomes a key file, so the volunteer record carries the wallet's signature.
    await page.getByRole('button', { name: '备份私钥' }).click();
    const secret = (await page.locator('code.mono').filter({ hasText: /^[0-9a-f]{64}$/ }).last().innerText()).trim();
    assert.notEqual(secret, pub);
    const keyFile = path.join(net.dir, 'keys', 'e2e-wallet.key');
    await writeFile(keyFile, `shanliu-ed25519-secret-v1\n${secret}\n`, { mode: 0o600 });
    wallet = { pub, secret, keyFile, context: page.context(), page };

    await run(shanliu, ['tx', 'donation', '--key', keyOf('bank-1'), '--node', net.url, '--wait', '--to', `org:${CHARITY}`, '--amount-fen', '20000',
      '--holder', pub, '--json', JSON.stringify({ donor_ref: 'e2'.repeat(32), channel: 'bank_transfer', attesting_bank: 'bank-1' })]);
    const afterGift = await points(pub);
    assert.ok(afterGift.balance > 0, 'the gift earned points');
    await run(shanliu, ['tx', 'volunteer_service', '--key', keyOf(CHARITY), '--key', keyFile, '--node', net.url, '--wait', '--minutes', '120',
      '--holder', pub, '--json', JSON.stringify({ charity_org: CHARITY, activity: '助老送餐', occurred_at_ms: Date.now() - 3600000 })]);
    const afterService = await points(pub);
    assert.ok(afterService.balance > afterGift.balance, 'the volunteer record earned points');
    await page.reload();
    const balance = page.locator('.figure').first();
    await balance.waitFor();
    assert.match(await balance.innerText(), new RegExp(afterService.balance.toLocaleString('en-US')));
    noErrors(page);
  });

  it('merchant signs first: the wallet shows the redemption, approves and submits it', T, async () => {
    const before = (await points(wallet.pub)).balance;
    const svg = path.join(artifacts, 'redeem-request.svg');
    const req = await redeemRequest({ points: 3, extra: ['--svg', svg] });
    assert.match(req.link, new RegExp(`^${net.url}/points/approve#r=[A-Za-z0-9_-]+$`));
    assert.ok(req.payload.length < 400, `QR-sized: ${req.payload.length} characters`);
    assert.match(await readFile(svg, 'utf8'), /<svg[^>]*>[\s\S]*<path/);
    assert.match(req.stdout, /[\u2580\u2584\u2588]/, 'a QR code for the terminal');

    const page = await open(req.link);
    assert.equal(await page.locator('[data-field="merchant"]').innerText(), MERCHANT_ZH);
    assert.equal(await page.locator('[data-field="item"]').innerText(), '理发一次');
    assert.equal(await page.locator('[data-field="points"]').innerText(), '3');
    assert.equal(await page.locator('[data-field="balance"]').innerText(), `${before.toLocaleString('en-US')} → ${(before - 3).toLocaleString('en-US')}`);
    await page.screenshot({ path: path.join(artifacts, 'wallet-approve-zh.png'), fullPage: true });
    await axeClean(page, 'approve-zh');
    await page.getByRole('button', { name: '确认兑换' }).click();
    await page.locator('[data-field="committed"]').waitFor({ timeout: 60000 });
    assert.equal(await page.locator('[data-field="new-balance"]').innerText(), (before - 3).toLocaleString('en-US'));
    const now = await points(wallet.pub);
    assert.equal(now.balance, before - 3);
    assert.equal(now.history.items[0].kind, 'redeem_points');
    noErrors(page);
  });

  it('holder signs first: the wallet shows its signed request as a QR code, the merchant completes it', T, async () => {
    const before = (await points(wallet.pub)).balance;
    const req = await redeemRequest({ points: 2, item: '洗剪吹一次', unsigned: true });
    const page = await open(req.link);
    await page.getByRole('button', { name: '确认兑换' }).click();
    const signed = page.locator('[data-field="signed-request"]');
    await signed.waitFor();
    await page.locator('.share svg.qr').waitFor();
    await axeClean(page, 'approve-signed');
    const link = (await signed.innerText()).trim();
    assert.notEqual(link, req.link);
    // Signed but not submitted: the ledger has nothing yet.
    await expectNoTx(req.id);
    assert.equal((await points(wallet.pub)).balance, before);

    const { stdout } = await run(shanliu, ['redeem', 'complete', link, '--merchant-key', keyOf(MERCHANT), '--node', net.url]);
    assert.match(stdout, /status +committed at height \d+/);
    assert.equal((await points(wallet.pub)).balance, before - 2);
    // Completing the same request again redeems nothing more (the same tx id: a replay).
    await run(shanliu, ['redeem', 'complete', link, '--merchant-key', keyOf(MERCHANT), '--node', net.url]).catch(() => {});
    assert.equal((await points(wallet.pub)).balance, before - 2);
    // The unsigned request cannot be completed by the merchant alone.
    await assert.rejects(run(shanliu, ['redeem', 'complete', req.link, '--merchant-key', keyOf(MERCHANT), '--node', net.url]), (e) => /missing_signature|not signed by its holder/.test(e.stderr));
    await page.goto(`${net.url}/points`);
    const balance = page.locator('.figure').first();
    await balance.waitFor();
    assert.match(await balance.innerText(), new RegExp((before - 2).toLocaleString('en-US')));
    noErrors(page);
  });

  it('a declined request signs nothing (in English)', T, async () => {
    const before = (await points(wallet.pub)).balance;
    const req = await redeemRequest({ points: 1 });
    const page = wallet.page;
    await page.evaluate(() => localStorage.setItem('shanliu.lang', 'en'));
    await open(req.link);
    assert.equal(await page.locator('main h1').innerText(), 'Approve a redemption');
    await page.getByRole('button', { name: 'Decline' }).click();
    await page.locator('[data-field="declined"]').waitFor();
    assert.equal(await page.locator('[data-field="declined"]').innerText(), 'Declined. Nothing was signed.');
    assert.equal(await page.getByRole('button', { name: 'Approve' }).isDisabled(), true);
    await page.screenshot({ path: path.join(artifacts, 'wallet-declined-en.png'), fullPage: true });
    await axeClean(page, 'approve-declined-en');
    await page.evaluate(() => localStorage.setItem('shanliu.lang', 'zh'));
    await expectNoTx(req.id);
    assert.equal((await points(wallet.pub)).balance, before);
    noErrors(page);
  });

  it('a catalogue item shows its listed name and price before approval; a wrong price is refused at the counter', T, async () => {
    const before = (await points(wallet.pub)).balance;
    const base = ['redeem', 'request', '--merchant', MERCHANT, '--merchant-key', keyOf(MERCHANT), '--holder', wallet.pub, '--node', net.url, '--catalogue-item', 'haircut'];
    // The demo's federation listed the barber's haircut at 30 points (api/cli/demo_data.cc).
    const { stdout } = await run(shanliu, base);
    assert.match(stdout, /^item +爱心理发一次 \/ One haircut \[catalogue: haircut\]$/m);
    assert.match(stdout, /^points +30$/m);
    const link = stdout.match(/^link +(\S+)/m)?.[1];
    assert.ok(link, stdout);
    const page = await open(link);
    assert.equal(await page.locator('[data-field="item"]').innerText(), '爱心理发一次 / One haircut');
    assert.equal(await page.locator('[data-field="catalogue-item"]').innerText(), '爱心理发一次（目录价 30 分）');
    assert.equal(await page.locator('[data-field="points"]').innerText(), '30');
    await axeClean(page, 'approve-catalogue');
    await page.getByRole('button', { name: '拒绝' }).click();
    await page.locator('[data-field="declined"]').waitFor();
    // Another price than the listed one never becomes a request.
    await assert.rejects(run(shanliu, [...base, '--points', '29']), (e) => /price_mismatch/.test(e.stderr));
    await assert.rejects(run(shanliu, [...base.slice(0, -1), 'no-such-item']), (e) => /unknown_catalogue_item/.test(e.stderr));
    assert.equal((await points(wallet.pub)).balance, before);
    noErrors(page);
  });

  it('an expired, over-balance, foreign or malformed request is refused before anything is signed', T, async () => {
    const before = (await points(wallet.pub)).balance;
    const page = wallet.page;
    const refusal = async (link, pattern) => {
      await open(link);
      const text = await page.locator('.notice-error').innerText();
      assert.match(text, pattern);
      assert.match(text, /未做任何签名/);
      assert.equal(await page.getByRole('button', { name: '确认兑换' }).count(), 0);
    };
    // Expired: the phone's clock is past the request's expires_at_ms.
    const short = await redeemRequest({ points: 1, extra: ['--expires-in-ms', '60000'] });
    await page.clock.setFixedTime(Date.now() + 120000);
    await refusal(short.link, /已过期/);
    await page.clock.setFixedTime(Date.now());
    await expectNoTx(short.id);
    // Over the balance by one point.
    await refusal((await redeemRequest({ points: before + 1 })).link, new RegExp(`积分不足：您有 ${before.toLocaleString('en-US')} 分，兑换需要 ${(before + 1).toLocaleString('en-US')} 分`));
    // The exact balance is offered (the boundary that passes), then declined.
    await open((await redeemRequest({ points: before })).link);
    assert.equal(await page.locator('[data-field="balance"]').innerText(), `${before.toLocaleString('en-US')} → 0`);
    // For another wallet.
    await refusal((await redeemRequest({ holder: 'ab'.repeat(32), points: 1 })).link, /另一个钱包/);
    // Damaged in transit: one character changed breaks the merchant's signature.
    const good = await redeemRequest({ points: 1 });
    const i = good.payload.length - 10;
    const tampered = good.payload.slice(0, i) + (good.payload[i] === 'A' ? 'B' : 'A') + good.payload.slice(i + 1);
    await refusal(`${net.url}/points/approve#r=${tampered}`, /签名不符|不是有效的兑换请求/);
    await refusal(`${net.url}/points/approve#r=not*base64`, /不是有效的兑换请求/);
    assert.equal((await points(wallet.pub)).balance, before);
  });
});
