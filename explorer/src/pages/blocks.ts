// Blocks (/blocks, /blocks/<height>) and transactions (/tx/<id or code>).
import { ApiError, enc, get, type Block, type BlockRow, type BlockTx, type Org, type SourcesPage, type TxStatus } from '../api';
import { h, replace } from '../dom';
import { ago, dateTime, name, num, yuan } from '../format';
import { t, tEnum } from '../i18n';
import type { PageContext } from '../router';
import { signersBlock, validatorName } from '../ui/badge';
import { accountLink, blockLink, errorBox, hash, kv, loading, notice, pageHeader, pager, pill, section } from '../ui/common';
import { txDetail, txTitle } from '../ui/txdesc';
import { equal, fromHex, toHex } from '@shanliu/sdk/verify/bytes';
import { blockHash, verifyCommit } from '@shanliu/sdk/verify/chain';
import { AnchorError, loadAnchor, setForHeader } from '../genesis';
import { TransitionError } from '@shanliu/sdk/verify/transitions';
import { verifySources } from '@shanliu/sdk/verify/sources';

export function blockList(ctx: PageContext): void {
  ctx.setTitle(t('block.list_title'));
  const body = h('div');
  ctx.root.append(pageHeader(t('block.list_title'), t('block.list_subtitle')), h('section', { class: 'card' }, body));
  pager<BlockRow>(
    body,
    async (next) => {
      const r = await get<{ blocks: BlockRow[]; next: number | null }>(`/v1/blocks?limit=25${next !== null ? `&before=${next}` : ''}`, ctx.signal);
      return { items: r.blocks, next: r.next };
    },
    (b) =>
      h(
        'li',
        { class: 'list-item' },
        h('div', { class: 'list-main' }, h('a', { href: `/blocks/${b.height}`, class: 'list-title' }, t('block.title_n', { n: num(b.height) })), h('span', { class: 'list-detail' }, t('block.txs', { n: num(b.tx_count) }), ' · ', hash(b.block_hash))),
        h('time', { datetime: new Date(b.time_ms).toISOString(), title: dateTime(b.time_ms) }, ago(b.time_ms)),
      ),
    'block.none',
  );
}

// Recomputes the header hash and checks the commit certificate against the validator set that
// signs this height (the genesis set, or the one reached through checked validator-set changes).
async function blockCheck(b: Block, slot: HTMLElement): Promise<void> {
  try {
    const computed = await blockHash(b.header);
    const hashOk = equal(computed, fromHex(b.block_hash, 32));
    if (b.height === 0) {
      const anchor = await loadAnchor();
      const ok = hashOk && toHex(computed) === anchor.genesisBlockHash && equal(fromHex(b.header.validators_hash, 32), anchor.set.hash);
      replace(slot, ok ? notice('ok', t('block.genesis_ok', { n: anchor.set.validators.length })) : notice('error', t('block.check_failed')));
      slot.dataset.state = ok ? 'verified' : 'failed';
      return;
    }
    const anchor = await loadAnchor();
    const set = await setForHeader(anchor, b.header).catch((e: unknown) => {
      if (e instanceof TransitionError) return null;
      throw e;
    });
    const validatorsOk = set !== null;
    const commit = set && b.commit ? await verifyCommit(b.header, computed, b.commit, set) : null;
    const ok = hashOk && validatorsOk && !!commit?.ok;
    const total = (set ?? anchor.set).validators.length;
    slot.dataset.state = ok ? 'verified' : 'failed';
    replace(
      slot,
      ok
        ? notice('ok', h('strong', t('block.verified')), signersBlock(commit!.signers.length, total, commit!.signers.map(validatorName)))
        : notice(
            'error',
            h('strong', t('block.check_failed')),
            h(
              'ul',
              !hashOk ? h('li', t('verify.step.header', { height: b.height })) : null,
              !validatorsOk ? h('li', t('verify.step.validators', {})) : null,
              !commit?.ok ? h('li', t('verify.step.commit', { signed: commit?.signers.length ?? 0, total }), commit?.problem ? ` — ${t(`verify.problem.${commit.problem}`)}` : '') : null,
            ),
          ),
    );
  } catch (e) {
    slot.dataset.state = 'failed';
    replace(slot, notice('error', e instanceof AnchorError ? t(`verify.anchor.${e.reason}`) : (e as Error).message));
  }
}

export async function blockPage(ctx: PageContext): Promise<void> {
  const height = ctx.params[0];
  ctx.setTitle(t('block.title_n', { n: height }));
  ctx.root.append(loading());
  let b: Block;
  try {
    b = await get<Block>(`/v1/blocks/${enc(height)}?limit=50`, ctx.signal);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    replace(ctx.root, pageHeader(t('block.title_n', { n: height })), errorBox(e));
    return;
  }
  const check = h('div', { class: 'block-check', 'aria-live': 'polite' }, loading(t('block.checking')));
  const hd = b.header;
  const txs = h('div');
  replace(
    ctx.root,
    pageHeader(
      t('block.title_n', { n: num(b.height) }),
      dateTime(hd.time_ms),
      h('nav', { class: 'prevnext', 'aria-label': t('block.nav') }, b.height > 0 ? h('a', { href: `/blocks/${b.height - 1}` }, `← #${b.height - 1}`) : null, h('a', { href: `/blocks/${b.height + 1}` }, `#${b.height + 1} →`)),
    ),
    check,
    section(
      t('block.header'),
      kv([
        [t('block.hash'), hash(b.block_hash, 8)],
        [t('block.prev'), b.height > 0 ? h('a', { href: `/blocks/${b.height - 1}` }, hash(hd.prev_block_hash, 8)) : hash(hd.prev_block_hash, 8)],
        [t('block.chain'), hd.chain_id],
        [t('block.time'), dateTime(hd.time_ms)],
        [t('block.tx_count'), num(b.tx_count)],
        [t('block.txs_root'), hash(hd.txs_root, 8)],
        [t('block.log_size'), num(hd.log_size)],
        [t('block.log_root'), hash(hd.log_root, 8)],
        [t('block.state_root'), hash(hd.state_root, 8)],
        [t('block.validators_hash'), hash(hd.validators_hash, 8)],
        [t('block.next_validators_hash'), hash(hd.next_validators_hash, 8)],
        [t('block.proposer'), `#${hd.proposer_index}`],
        [t('block.commit'), b.commit ? t('block.commit_n', { n: b.commit.signatures.length, round: b.commit.round }) : t('block.no_commit')],
      ]),
    ),
    section(t('block.tx_list'), txs),
  );
  void blockCheck(b, check);
  pager<BlockTx>(
    txs,
    async (next) => {
      if (next === null) return { items: b.txs, next: b.next };
      const r = await get<Block>(`/v1/blocks/${b.height}?limit=50&cursor=${next}`, ctx.signal);
      return { items: r.txs, next: r.next };
    },
    (tx) =>
      h(
        'li',
        { class: 'list-item' },
        h('div', { class: 'list-main' }, h('a', { href: tx.kind === 'donation' || tx.kind === 'trust_deposit' ? `/r/${tx.code}` : `/tx/${tx.id}`, class: 'list-title' }, txTitle(tx.kind)), h('span', { class: 'list-detail' }, txDetail(tx.kind, tx.payload ?? {}))),
        h('span', { class: 'fine' }, `#${tx.index}`),
      ),
    'block.no_txs',
  );
}

let orgKeys: Promise<Map<string, Org>> | undefined;
function keyOwners(): Promise<Map<string, Org>> {
  orgKeys ??= (async () => {
    const map = new Map<string, Org>();
    let cursor: string | null = null;
    for (let i = 0; i < 20; i++) {
      const r: { orgs: Org[]; next: string | null } = await get(`/v1/orgs?limit=100${cursor ? `&cursor=${enc(cursor)}` : ''}`);
      for (const o of r.orgs) for (const k of o.public_keys ?? []) map.set(k, o);
      cursor = r.next;
      if (!cursor) break;
    }
    return map;
  })().catch((e) => {
    orgKeys = undefined;
    throw e;
  });
  return orgKeys;
}

// Payload fields whose values are enum names with translations.
const ENUM_FIELDS: Record<string, string> = { category: 'category', payee_kind: 'payee', channel: 'channel', type: 'disclosure', kind: 'org_kind', status: 'status' };

function bodyRows(body: Record<string, unknown>, kind: string): [string, Node | string][] {
  const payload = (body[kind] as Record<string, unknown>) ?? {};
  const rows: [string, Node | string][] = [];
  for (const [k, v] of Object.entries(payload)) {
    let shown: Node | string;
    if (typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)) shown = hash(v, 10);
    else if (typeof v === 'string' && /^(org|project|trust):/.test(v)) shown = accountLink(v);
    else if (k.endsWith('_fen') && typeof v === 'number') shown = yuan(v);
    else if (k.endsWith('_at_ms') && typeof v === 'number') shown = dateTime(v);
    else if (Array.isArray(v)) shown = v.map(String).join(', ');
    else if (typeof v === 'object' && v !== null) shown = JSON.stringify(v);
    else shown = String(v);
    if (typeof v === 'string' && ENUM_FIELDS[k]) shown = tEnum(ENUM_FIELDS[k], v);
    rows.push([tEnum('field', k), shown]);
  }
  return rows;
}

export async function txPage(ctx: PageContext): Promise<void> {
  const id = ctx.params[0].toLowerCase();
  ctx.setTitle(t('tx.title'));
  ctx.root.append(loading());
  let tx: TxStatus;
  try {
    tx = await get<TxStatus>(`/v1/txs/${enc(id)}`, ctx.signal);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    replace(ctx.root, pageHeader(t('tx.title')), errorBox(e));
    return;
  }
  const kind = tx.kind ?? '';
  const signers = h('span', { class: 'stack' }, (tx.signers ?? []).map((k) => hash(k, 10)));
  const gift = kind === 'donation' || kind === 'trust_deposit';
  const sources = h('div', { id: 'sources' });
  const payload = ((tx.body ?? {})[kind] as Record<string, unknown>) ?? {};
  replace(
    ctx.root,
    pageHeader(kind ? txTitle(kind) : t('tx.title'), h('span', { class: 'mono code-line' }, tx.code.slice(0, 12)), ' ', pill(tEnum('tx_status', tx.status), tx.status === 'committed' ? 'ok' : tx.status === 'pending' ? 'info' : 'bad')),
    tx.status === 'rejected' && tx.error ? notice('error', h('strong', tx.error.code), h('p', tx.error.message)) : null,
    tx.status === 'pending' ? notice('info', t('tx.pending')) : null,
    gift ? notice('info', h('a', { href: `/r/${tx.code}` }, t('tx.open_receipt'))) : null,
    // Both entries of a correction stay visible and point at each other.
    tx.corrected_by
      ? notice('warn', h('strong', t('tx.corrected_by')), ' ', h('a', { href: `/tx/${tx.corrected_by.id}`, class: 'mono' }, tx.corrected_by.id.slice(0, 12)), tx.corrected_by.reason ? ` — ${tx.corrected_by.reason}` : '')
      : null,
    tx.corrects ? notice('info', h('strong', t('tx.corrects')), ' ', h('a', { href: `/tx/${tx.corrects}`, class: 'mono' }, tx.corrects.slice(0, 12))) : null,
    tx.status === 'committed'
      ? section(
          t('tx.details'),
          h('p', { class: 'lead' }, txDetail(kind, payload)),
          kv([
            [t('tx.id'), hash(tx.id, 8)],
            [t('tx.code'), h('code', { class: 'mono wrap' }, tx.code)],
            [t('tx.block'), tx.height !== undefined ? blockLink(tx.height) : null],
            [t('tx.position'), tx.leaf !== undefined ? t('tx.position_v', { leaf: num(tx.leaf), index: num(tx.index ?? 0) }) : null],
            [t('tx.time'), dateTime(tx.time_ms)],
            [t('tx.size'), tx.size_bytes ? `${num(tx.size_bytes)} B` : null],
            [t('tx.signers'), signers],
          ]),
        )
      : null,
    tx.body ? section(t('tx.payload'), kv(bodyRows(tx.body, kind))) : null,
    kind === 'spend' || kind === 'transfer' || kind === 'trust_disbursement' ? section(t('tx.sources'), h('p', { class: 'fine' }, t('tx.sources_hint')), sources) : null,
  );
  // Name the signing keys' organisations.
  keyOwners().then(
    (owners) => {
      const named = (tx.signers ?? []).map((k) => {
        const o = owners.get(k);
        return h('span', { class: 'signer' }, o ? h('a', { href: `/orgs/${o.org_id}` }, name(o, o.org_id)) : t('tx.unknown_key'), ' ', hash(k, 6));
      });
      replace(signers, named);
    },
    () => {},
  );
  if (kind === 'spend' || kind === 'transfer' || kind === 'trust_disbursement') sourcesList(tx.id, sources, ctx);
}

type Source = SourcesPage['sources'][number] & { proven: boolean };

// The gifts that paid for an outflow, page by page; each page's proof (docs/flow-proof.md "The
// reverse walk") is verified as it arrives, and the badge above the list says what held.
function sourcesList(txId: string, container: HTMLElement, ctx: PageContext): void {
  const slot = h('div', { class: 'sources-proof', 'aria-live': 'polite' });
  const state = { pages: 0, proven: 0, failed: null as string | null, absent: 0, sources: 0, fen: 0n, height: 0, signers: 0, validators: 0 };
  container.append(slot);
  pager<Source>(
    container,
    async (next) => {
      const cursor = next === null ? 0 : Number(next);
      let r: SourcesPage;
      try {
        r = await get<SourcesPage>(`/v1/spends/${txId}/sources?limit=20${next !== null ? `&cursor=${next}` : ''}`, ctx.signal);
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return { items: [], next: null };
        throw e;
      }
      const proven = await checkSourcesPage(r, txId, BigInt(cursor), state);
      if (!ctx.signal.aborted) replace(slot, sourcesBadge(state));
      return { items: r.sources.map((s) => ({ ...s, proven })), next: r.next };
    },
    (s) => sourceItem(s),
    'tx.no_sources',
  );
}

async function checkSourcesPage(r: SourcesPage, txId: string, cursor: bigint, state: SourcesState): Promise<boolean> {
  state.pages++;
  if (!r.proof) {
    state.absent++;
    return false;
  }
  try {
    const result = await verifySources(r, txId, cursor, await loadAnchor());
    if (!result.ok) {
      state.failed ??= `${result.check}: ${result.message}`;
      return false;
    }
    state.proven++;
    state.sources += result.value.sources.length;
    state.fen += result.value.next - result.value.cursor;
    state.height = result.value.height;
    state.signers = result.value.signers.length;
    state.validators = result.value.validatorCount;
    return true;
  } catch (e) {
    state.failed ??= e instanceof AnchorError ? t(`verify.anchor.${e.reason}`) : (e as Error).message;
    return false;
  }
}

interface SourcesState {
  pages: number;
  proven: number;
  failed: string | null;
  absent: number;
  sources: number;
  fen: bigint;
  height: number;
  signers: number;
  validators: number;
}

function sourcesBadge(s: SourcesState): HTMLElement {
  if (s.failed) {
    return h('div', { class: 'badge badge-failed', 'data-state': 'failed', role: 'alert' }, h('span', { class: 'badge-icon', 'aria-hidden': 'true' }, '✗'), h('div', { class: 'badge-body' }, h('strong', t('sources.failed')), h('p', { class: 'badge-failure' }, t('verify.failed_steps', { steps: s.failed }))));
  }
  if (s.absent > 0 || s.proven === 0) {
    return h('div', { class: 'badge badge-partial', 'data-state': 'partial', role: 'status' }, h('span', { class: 'badge-icon', 'aria-hidden': 'true' }, '!'), h('div', { class: 'badge-body' }, h('strong', t('sources.not_proven')), h('p', t('sources.not_proven_detail'))));
  }
  return h(
    'div',
    { class: 'badge badge-verified', 'data-state': 'verified', role: 'status' },
    h('span', { class: 'badge-icon', 'aria-hidden': 'true' }, '✓'),
    h('div', { class: 'badge-body' }, h('strong', t('sources.verified')), h('p', t('sources.verified_detail', { n: s.sources, amount: yuan(s.fen) })), h('p', { class: 'fine' }, t('sources.signed', { height: s.height, k: s.signers, n: s.validators }))),
  );
}

function sourceItem(s: Source): HTMLElement {
  const unproven = s.proven ? null : h('span', { class: 'pill pill-warn not-proven', title: t('proof.not_proven_hint') }, t('proof.not_proven'));
  return h(
    'li',
    { class: 'list-item', 'data-proven': String(s.proven) },
    h(
      'div',
      { class: 'list-main' },
      h('a', { href: s.origin.kind === 'transfer' ? `/tx/${s.origin.id}` : `/r/${s.origin.code}`, class: 'list-title' }, tEnum('kind', s.origin.kind), ' · ', s.origin.donor_display_name || (s.origin.kind === 'transfer' ? '' : t('receipt.anonymous'))),
      h('span', { class: 'list-detail' }, s.origin.account ? accountLink(s.origin.account) : null, ' · ', dateTime(s.origin.time_ms), ' ', unproven),
    ),
    h('strong', yuan(s.amount_fen)),
  );
}
