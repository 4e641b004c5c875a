// Regulator (/regulator): compliance indicators as a sortable table with who is flagged, links to
// the year's CSV and IATI exports, the node's own audit (its claim), the latest checkpoint
// verified against the genesis validators, the validators' C2SP cosigned checkpoint note verified
// line by line, the log's origin signature (the validators' FROST key, checked against the genesis
// origin_key), the C2SP witnesses' cosignatures (checked against the keys the node lists, which
// are its configuration and not proven by the validators), the checkpoint history, and an RFC 9162
// consistency check between the logs of two signed blocks.
import { enc, get, type Block, type Checkpoint, type CheckpointWitness, type Consistency } from '../api';
import { h, replace, type Child } from '../dom';
import { dateTime, num, shortHash } from '../format';
import { t } from '../i18n';
import type { MessageKey } from '../messages';
import type { PageContext } from '../router';
import { signersBlock, validatorName } from '../ui/badge';
import { blockLink, errorBox, hash, kv, loading, notice, pageHeader, section } from '../ui/common';
import { beijingYear, complianceSection } from './compliance';
import { auditSection, exportsSection, historySection } from './regulator_node';
import { equal, fromHex, toHex } from '@shanliu/sdk/verify/bytes';
import { blockHash, verifyCommit, type CommitJson, type HeaderJson, type ValidatorSet } from '@shanliu/sdk/verify/chain';
import { TransitionError } from '@shanliu/sdk/verify/transitions';
import { AnchorError, loadAnchor, setForHeader, type Anchor } from '../genesis';
import { verifyConsistency } from '@shanliu/sdk/verify/merkle';
import { checkpointOrigin, verifyCheckpointNote, type NoteLine, type NoteVerification } from '@shanliu/sdk/verify/note';
import type { ProofEnvelopeJson } from '@shanliu/sdk/verify/envelope';
import { checkOrigin, checkWitness, proveOriginKey, type OriginCheck } from '../witness';

interface Signed {
  ok: boolean;
  signers: string[];
  reason?: string;
  set?: ValidatorSet; // the set that signs the header's height, when it could be reached
}

// A header is trusted when it hashes to its block hash, names the validator set that signs its
// height (the genesis set, or the one reached from it through checked validator-set changes), and
// carries a commit certificate with more than 2/3 of that set's voting power (height 0 is the
// genesis block itself).
async function checkSigned(anchor: Anchor, header: HeaderJson, blockHashHex: string, commit: CommitJson | null): Promise<Signed> {
  const computed = await blockHash(header);
  if (!equal(computed, fromHex(blockHashHex, 32))) return { ok: false, signers: [], reason: t('verify.step.header', { height: header.height }) };
  if (header.height === 0) {
    const genesisOk = toHex(computed) === anchor.genesisBlockHash && equal(fromHex(header.validators_hash, 32), anchor.set.hash);
    return { ok: genesisOk, signers: [], set: anchor.set };
  }
  const set = await setForHeader(anchor, header).catch((e: unknown) => {
    if (e instanceof TransitionError) return null;
    throw e;
  });
  if (!set) return { ok: false, signers: [], reason: t('verify.step.validators', {}) };
  if (!commit) return { ok: false, signers: [], reason: t('block.no_commit'), set };
  const r = await verifyCommit(header, computed, commit, set);
  return { ok: r.ok, signers: r.signers.map(validatorName), reason: r.problem ? t(`verify.problem.${r.problem}`) : undefined, set };
}

function checkpointSection(anchorP: Promise<Anchor>, signal: AbortSignal): HTMLElement {
  const body = h('div', loading());
  const el = section(t('reg.checkpoint'), body);
  (async () => {
    const [cp, anchor] = await Promise.all([get<Checkpoint>('/v1/checkpoint', signal), anchorP]);
    const signed = await checkSigned(anchor, cp.header, cp.block_hash, cp.commit);
    const rootOk = cp.log_size === cp.header.log_size && cp.log_root === cp.header.log_root;
    const ok = signed.ok && rootOk;
    const note = cp.note ?? cp.checkpoint;
    replace(
      body,
      h(
        'div',
        { class: 'checkpoint-state', 'data-state': ok ? 'verified' : 'failed' },
        ok
          ? notice('ok', h('strong', t('reg.checkpoint_ok')), signersBlock(signed.signers.length, (signed.set ?? anchor.set).validators.length, signed.signers))
          : notice('error', h('strong', t('reg.checkpoint_bad')), ' ', signed.reason ?? t('reg.root_mismatch')),
      ),
      kv([
        [t('reg.log_size'), num(cp.log_size)],
        [t('reg.log_root'), hash(cp.log_root, 8)],
        [t('reg.height'), blockLink(cp.height)],
        [t('reg.time'), dateTime(cp.time_ms)],
        [t('reg.chain'), cp.chain_id],
        [t('reg.genesis'), hash(anchor.genesisBlockHash, 8)],
      ]),
    );
    const cosigned = h('div', { class: 'cosigned', 'data-state': 'pending', 'aria-live': 'polite' }, loading(t('reg.checking')));
    body.append(h('h3', t('reg.cosigned')), h('p', { class: 'fine' }, t('reg.cosigned_hint')), cosigned);
    const line = await checkOrigin(note ?? null, checkpointOrigin(anchor.set), anchor.originKey, cp.origin_vkey);
    const origin = await proveOriginKey(line, line.status === 'verified' ? await originKeyProof(signal) : null, anchor);
    replace(cosigned, ...(await cosignedNote(cp, note ?? null, anchor, cosigned, signal, origin)));
    body.append(originBlock(origin, cp.origin_vkey ?? null));
    if (cp.witnesses?.length) body.append(await witnessesBlock(cp.witnesses, note ?? null, anchor));
  })().catch((e) => {
    if ((e as Error).name !== 'AbortError') replace(body, errorBox(e instanceof AnchorError ? new Error(t(`verify.anchor.${e.reason}`)) : e));
  });
  return el;
}

// GET /v1/genesis/origin_key, or null when the node serves none (an older node answers 404):
// proveOriginKey then leaves the origin signature unproven.
async function originKeyProof(signal: AbortSignal): Promise<ProofEnvelopeJson | null> {
  try {
    return await get<ProofEnvelopeJson>('/v1/genesis/origin_key', signal);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    return null;
  }
}

type NoteMatch = 'match' | 'behind' | 'mismatch';

// Does the note cover the checkpoint shown above? Equal size and root, or (while cosignatures are
// still arriving) an earlier size whose root an RFC 9162 consistency proof ties to the head's.
async function noteMatch(cp: Checkpoint, v: NoteVerification, signal: AbortSignal): Promise<NoteMatch> {
  if (v.size === null || v.rootHex === null) return 'mismatch';
  const head = BigInt(cp.header.log_size);
  if (v.size === head) return v.rootHex === cp.header.log_root && cp.log_root === cp.header.log_root ? 'match' : 'mismatch';
  if (v.size === 0n || v.size > head) return 'mismatch';
  const c = await get<Consistency>(`/v1/proofs/consistency?from=${v.size}&to=${head}`, signal);
  const ok = await verifyConsistency(v.size, head, fromHex(v.rootHex, 32), fromHex(cp.header.log_root, 32), c.proof.map((x) => fromHex(x, 32)));
  return ok ? 'behind' : 'mismatch';
}

// The note's lines count against the set of the block that first carried its log size
// (docs/decisions.md 2026-12-07 "Checkpoints are cosigned by the set of their block"): the node
// names that block with its certificate in note_checkpoint, and the set is reached from genesis
// through checked changes (checkSigned) and the block must carry the note's size and root. A node
// that does not name it predates set changes: its notes are the genesis set's. null: not proven.
async function noteSigners(cp: Checkpoint, anchor: Anchor): Promise<{ set: ValidatorSet; size: string; root: string } | null> {
  const nc = cp.note_checkpoint;
  if (!nc || !nc.header || !nc.block_hash) return { set: anchor.set, size: '', root: '' };
  const signed = await checkSigned(anchor, nc.header, nc.block_hash, nc.commit ?? null);
  if (!signed.ok || !signed.set) return null;
  return { set: signed.set, size: String(nc.header.log_size), root: nc.header.log_root };
}

// `origin`: the origin line's check. One under the genesis key that does not verify refuses the
// whole note, as a validator's bad line does (ledger::VerifyCheckpointNote); the origin line is
// listed among the lines as the origin signature, not as an unknown signer.
async function cosignedNote(cp: Checkpoint, note: string | null, anchor: Anchor, el: HTMLElement, signal: AbortSignal, origin: OriginCheck): Promise<Child[]> {
  const badOrigin = origin.status === 'bad_signature';
  if (!note) {
    el.dataset.state = 'none';
    return [notice('info', t('reg.cosigned_none'))];
  }
  const noteSet = await noteSigners(cp, anchor);
  const v = await verifyCheckpointNote(note, anchor.set, noteSet?.set ?? anchor.set);
  // The named block must carry exactly what the note says, or its set proves nothing about it.
  const blockMatches = noteSet !== null && (noteSet.size === '' || (v.size !== null && String(v.size) === noteSet.size && v.rootHex === noteSet.root));
  const match = v.size !== null && blockMatches ? await noteMatch(cp, v, signal) : 'mismatch';
  const ok = v.ok && match !== 'mismatch' && !badOrigin;
  el.dataset.state = ok ? 'verified' : 'failed';
  const n = (noteSet?.set ?? anchor.set).validators.length;
  const signers = v.signers.map(validatorName);
  // One cosigner per list item: names may contain commas or 、.
  const signedLine: Child = signers.length
    ? [h('span', t('reg.cosigned_by_head', { k: signers.length, n })), h('ul', { class: 'signer-list' }, signers.map((x) => h('li', x)))]
    : t('reg.cosigned_nobody');
  const powerLine = t(v.supermajority ? 'reg.supermajority' : 'reg.no_supermajority', { s: String(v.signedPower), t: String(v.totalPower) });
  const size = v.size !== null ? num(Number(v.size)) : '—';
  const matchLine =
    match === 'match'
      ? t('reg.note_matches', { size, root: shortHash(v.rootHex) })
      : match === 'behind'
        ? t('reg.note_behind', { size, head: num(cp.header.log_size) })
        : t('reg.note_mismatch');
  const isOrigin = (l: NoteLine): boolean => l.status === 'unknown_name' && l.name === v.expectedOrigin;
  const ignored = v.lines.filter((l) => l.status !== 'verified' && !isOrigin(l)).length;
  // 'quorum' is already said by the voting-power line below.
  const problem = v.problem && v.problem !== 'quorum'
    ? t(`reg.note_problem.${v.problem}` as MessageKey, { found: v.origin, expected: v.expectedOrigin })
    : badOrigin ? t('reg.note_problem.bad_origin') : null;
  const headline = ok
    ? notice('ok', h('strong', t('reg.cosigned_ok')), h('div', { class: 'cosigners' }, signedLine), h('p', powerLine), h('p', matchLine), ignored ? h('p', t('reg.ignored_lines', { n: ignored })) : null)
    : notice(
        'error',
        h('strong', t('reg.cosigned_bad')),
        problem ? h('p', problem) : null,
        v.size !== null ? [h('div', { class: 'cosigners' }, signedLine), h('p', powerLine), h('p', matchLine)] : null,
        ignored ? h('p', t('reg.ignored_lines', { n: ignored })) : null,
      );
  const lines = h(
    'ul',
    { class: 'note-lines' },
    v.lines.map((l) =>
      isOrigin(l) ? originLineItem(l, origin) : h(
        'li',
        { class: l.status === 'verified' ? 'check-ok' : 'check-bad', 'data-status': l.status },
        h('span', { class: 'check-mark', 'aria-hidden': 'true' }, l.status === 'verified' ? '✓' : '✗'),
        h(
          'span',
          { class: 'check-text' },
          l.validator ? h('strong', validatorName(l.validator), ' ') : null,
          h('code', { class: 'mono' }, l.name),
          h('small', t(`reg.line.${l.status}` as MessageKey), l.timestamp !== undefined ? [' · ', t('reg.line.at', { time: dateTime(l.timestamp * 1000) })] : null),
        ),
      ),
    ),
  );
  return [
    headline,
    kv([
      [t('reg.note_origin'), h('code', { class: 'mono' }, v.origin || '—')],
      [t('reg.note_size'), size],
      [t('reg.note_root'), hash(v.rootHex, 8)],
    ]),
    v.lines.length ? h('details', { class: 'note-details', open: !ok }, h('summary', t('reg.note_lines'), ` (${v.lines.length})`), lines) : null,
    h('details', h('summary', t('reg.note')), h('pre', { class: 'note' }, note)),
  ];
}

// A line under the origin name among the note's lines, marked with the origin check below.
function originLineItem(l: NoteLine, c: OriginCheck): HTMLElement {
  const ok = c.status === 'verified';
  return h(
    'li',
    { class: ok ? 'check-ok' : 'check-bad', 'data-status': 'origin' },
    h('span', { class: 'check-mark', 'aria-hidden': 'true' }, ok ? '✓' : '✗'),
    h('span', { class: 'check-text' }, h('strong', t('reg.origin'), ' '), h('code', { class: 'mono' }, l.name), h('small', t('reg.line.origin'))),
  );
}

// The origin signature (witness.ts checkOrigin): its state, the genesis key as the vkey witnesses
// are given, and the node's listed vkey when it differs. Only 'verified' is shown as verified.
function originBlock(c: OriginCheck, nodeVkey: string | null): HTMLElement {
  const key = c.reason ? `reg.origin.${c.status}.${c.reason}` : `reg.origin.${c.status}`;
  const kind = c.status === 'verified' ? 'ok' : c.status === 'absent' ? 'info' : 'error';
  const rows: [string, Child][] = [];
  if (c.vkey) rows.push([t('reg.origin_key'), h('code', { class: 'mono' }, c.vkey)]);
  if (c.provenAt !== undefined) rows.push([t('reg.origin_key_proven'), blockLink(c.provenAt)]);
  if (c.problem) rows.push([t('reg.origin_key_problem'), c.problem]);
  if (nodeVkey && nodeVkey !== c.vkey) rows.push([t('reg.origin_node_key'), h('code', { class: 'mono' }, nodeVkey)]);
  return h(
    'div',
    { class: 'origin-signature', 'data-state': c.status === 'verified' ? 'verified' : c.status === 'absent' ? 'none' : 'failed', 'data-status': c.status },
    h('h3', t('reg.origin')),
    h('p', { class: 'fine' }, t('reg.origin_hint')),
    notice(kind, h('strong', t(key as MessageKey))),
    rows.length ? kv(rows) : null,
  );
}

// The witnesses the node lists, each line verified here against the key listed beside it.
async function witnessesBlock(witnesses: CheckpointWitness[], note: string | null, anchor: Anchor): Promise<HTMLElement> {
  const origin = checkpointOrigin(anchor.set);
  const noteBody = note !== null && note.includes('\n\n') ? note.slice(0, note.lastIndexOf('\n\n') + 1) : null;
  const items = await Promise.all(
    witnesses.map(async (w) => {
      const c = await checkWitness(origin, w.vkey, w.checkpoint, w.signature_line);
      const status =
        c.status === 'verified'
          ? [t('reg.witness.verified', { size: num(Number(c.size)), time: dateTime((c.timestamp ?? 0) * 1000) }), w.checkpoint === noteBody ? [' ', t('reg.witness.on_note')] : null]
          : t(`reg.witness.${c.status}` as MessageKey);
      return h(
        'li',
        { class: c.status === 'verified' ? 'check-ok' : c.status === 'none' ? 'check-none' : 'check-bad', 'data-status': c.status },
        h('span', { class: 'check-mark', 'aria-hidden': 'true' }, c.status === 'verified' ? '✓' : c.status === 'none' ? '…' : '✗'),
        h(
          'span',
          { class: 'check-text' },
          h('strong', w.name, ' '),
          h('small', status),
          w.failing ? h('small', ' · ', t('reg.witness.failing')) : null,
          h('br'),
          h('code', { class: 'mono fine' }, w.vkey),
        ),
      );
    }),
  );
  return h('div', { class: 'witnesses' }, h('h3', t('reg.witnesses')), h('p', { class: 'fine' }, t('reg.witnesses_hint')), h('ul', { class: 'note-lines witness-lines' }, items));
}

function consistencySection(anchorP: Promise<Anchor>, signal: AbortSignal): HTMLElement {
  const from = h('input', { id: 'c-from', type: 'number', min: '0', step: '1', inputmode: 'numeric', required: true });
  const to = h('input', { id: 'c-to', type: 'number', min: '0', step: '1', inputmode: 'numeric', required: true });
  const out = h('div', { class: 'consistency-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'consistency' },
    h('p', { class: 'fine' }, t('reg.consistency_hint')),
    h('div', { class: 'two' }, h('div', { class: 'field' }, h('label', { for: 'c-from' }, t('reg.from_height')), from), h('div', { class: 'field' }, h('label', { for: 'c-to' }, t('reg.to_height')), to)),
    h('button', { type: 'submit', class: 'btn' }, t('reg.check')),
  );
  get<Block>('/v1/blocks/latest?limit=1', signal).then(
    (b) => {
      to.value = String(b.height);
      from.value = String(Math.floor(b.height / 2));
      to.max = from.max = String(b.height);
    },
    () => {},
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const a = Number(from.value);
    const b = Number(to.value);
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a < 0 || a > b) {
      replace(out, notice('error', t('reg.bad_range')));
      return;
    }
    replace(out, loading(t('reg.checking')));
    try {
      const anchor = await anchorP;
      const [ba, bb] = await Promise.all([get<Block>(`/v1/blocks/${a}?limit=1`, signal), get<Block>(`/v1/blocks/${b}?limit=1`, signal)]);
      const [sa, sb] = await Promise.all([checkSigned(anchor, ba.header, ba.block_hash, ba.commit), checkSigned(anchor, bb.header, bb.block_hash, bb.commit)]);
      const m = ba.header.log_size;
      const n = bb.header.log_size;
      const rows: [string, Node | string][] = [
        [t('reg.size_from', { h: a }), `${num(m)} · ${shortHash(ba.header.log_root)}`],
        [t('reg.size_to', { h: b }), `${num(n)} · ${shortHash(bb.header.log_root)}`],
      ];
      let ok = sa.ok && sb.ok;
      let detail = ok ? '' : t('reg.unsigned_block');
      let proofLen = 0;
      if (ok && m > 0) {
        const c = await get<Consistency>(`/v1/proofs/consistency?from=${enc(String(m))}&to=${enc(String(n))}`, signal);
        proofLen = c.proof.length;
        ok = await verifyConsistency(BigInt(m), BigInt(n), fromHex(ba.header.log_root, 32), fromHex(bb.header.log_root, 32), c.proof.map((x) => fromHex(x, 32)));
        if (!ok) detail = t('reg.proof_failed');
      }
      rows.push([t('reg.proof_len'), m === 0 ? t('reg.empty_prefix') : num(proofLen)]);
      replace(
        out,
        h(
          'div',
          { 'data-state': ok ? 'verified' : 'failed' },
          ok ? notice('ok', h('strong', t('reg.consistent', { m: num(m), n: num(n) }))) : notice('error', h('strong', t('reg.inconsistent')), ' ', detail),
          kv(rows),
        ),
      );
    } catch (e) {
      replace(out, errorBox(e instanceof AnchorError ? new Error(t(`verify.anchor.${e.reason}`)) : e));
    }
  });
  return section(t('reg.consistency'), form, out);
}

// The genesis block's Beijing year: the compliance year list starts there.
async function genesisYear(signal: AbortSignal): Promise<number | null> {
  try {
    const g = await get<{ genesis_time_ms?: number; genesis?: { genesis_time_ms?: number } }>('/v1/genesis', signal);
    const ms = g.genesis_time_ms ?? g.genesis?.genesis_time_ms;
    return typeof ms === 'number' && Number.isSafeInteger(ms) && ms >= 0 ? beijingYear(ms) : null;
  } catch {
    return null;
  }
}

export default function regulatorPage(ctx: PageContext): void {
  ctx.setTitle(t('reg.title'));
  const anchor = loadAnchor();
  anchor.catch(() => {});
  const exports = exportsSection();
  ctx.root.append(
    pageHeader(t('reg.title'), t('reg.subtitle')),
    section(t('regions.open'), h('p', t('regions.open_hint')), h('p', h('a', { href: '/regulator/regions', class: 'btn', id: 'regions-link' }, t('regions.open')))),
    complianceSection(ctx.signal, genesisYear(ctx.signal), exports.setYear),
    exports.el,
    auditSection(ctx.signal),
    checkpointSection(anchor, ctx.signal),
    historySection(anchor, ctx.signal),
    consistencySection(anchor, ctx.signal),
  );
}
