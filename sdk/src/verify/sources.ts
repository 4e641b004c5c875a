// The reverse walk of a spend, proven (docs/flow-proof.md "The reverse walk"): one page of
// "which gifts paid for this" rebuilt from proven records (f/t/, f/x/, f/i/) and proven origin
// txs, then compared with the page the node sent.
import type { SourcesPage } from './types.js';
import { concat, equal, fromHex, safeInteger, u64, utf8 } from './bytes.js';
import type { Validator } from './chain.js';
import type { Anchor } from './genesis.js';
import { fail, FlowFailure, verifyEnvelope, type FlowCheck, type ProvenEnvelope, type RecordSet } from './envelope.js';
import { decodeInflow, decodeOutflow, decodePiece, outflowKey, streamPrefix, type OutflowHeader } from './records.js';
import type { GiftBody } from './txbody.js';

const MAX_LOOKUPS = 20000; // the node's own work bound for one page (docs/tracing.md)

export interface ProvenSource {
  originLeaf: bigint;
  originId: string;
  origin: GiftBody; // donor display name, account and amount, from the signed body
  amountFen: bigint;
  path: string[]; // origin account first
}

export interface SourcesVerification {
  height: number;
  signers: Validator[];
  validatorCount: number;
  outflow: OutflowHeader;
  cursor: bigint;
  next: bigint;
  sources: ProvenSource[];
}

export type SourcesResult = { ok: true; value: SourcesVerification } | { ok: false; check: FlowCheck; message: string };

interface Piece {
  originLeaf: bigint;
  amount: bigint;
  path: string[];
}

const first = <T extends { end: bigint }>(list: T[], above: bigint): T | undefined => list.find((r) => r.end > above);
const byEnd = <T extends { end: bigint }>(a: T, b: T): number => (a.end < b.end ? -1 : a.end > b.end ? 1 : 0);
const endOf = (tail: Uint8Array): bigint => new DataView(tail.buffer, tail.byteOffset, 8).getBigUint64(0, false);

class ReverseWalker {
  private lookups = 0;
  readonly pieces: Piece[] = [];

  private readonly cache = new Map<string, { end: bigint; value: Uint8Array }[]>();

  constructor(private readonly records: RecordSet) {}

  // Present records under `prefix` keyed by a u64 end, sorted by it; read once per prefix.
  private sorted(prefix: Uint8Array): { end: bigint; value: Uint8Array }[] {
    const key = prefix.join(',');
    let list = this.cache.get(key);
    if (!list) {
      list = this.records.withPrefix(prefix, 8).map((r) => ({ end: endOf(r.tail), value: r.value })).sort(byEnd);
      this.cache.set(key, list);
    }
    return list;
  }

  private count(): void {
    if (++this.lookups > MAX_LOOKUPS) fail('not_contiguous', 'the reverse walk passes its work bound');
  }

  // Offsets [o, oEnd) of the outflow at `leaf` whose source is `source`.
  offsets(leaf: bigint, source: string, o: bigint, oEnd: bigint, stack: string[]): void {
    const pieces = this.sorted(concat(utf8('f/x/'), u64(leaf)));
    while (o < oEnd) {
      this.count();
      const found = first(pieces, o);
      if (!found) return fail('missing_record', `the proof lacks the piece of outflow ${leaf} holding offset ${o} (f/x/…)`);
      const p = { end: found.end, piece: decodePiece(found.value) };
      const start = p.end - p.piece.length;
      if (start > o) fail('not_contiguous', `offsets [${o}, ${start}) of outflow ${leaf} are in no proven piece`);
      const partEnd = p.end < oEnd ? p.end : oEnd;
      const from = p.piece.sourceStart + (o - start);
      this.stream(source, from, from + (partEnd - o), [...stack, source], leaf);
      o = partEnd;
    }
  }

  // Positions [p, pEnd) of account X's stream, reached from the outflow at `below`.
  private stream(x: string, p: bigint, pEnd: bigint, stack: string[], below: bigint): void {
    const inflows = this.sorted(streamPrefix('i', x));
    while (p < pEnd) {
      this.count();
      const found = first(inflows, p);
      if (!found) return fail('missing_record', `the proof lacks the inflow of ${x} holding position ${p} (f/i/${x}␀…)`);
      const e = { end: found.end, entry: decodeInflow(found.value) };
      const start = e.end - e.entry.length;
      if (start > p) fail('not_contiguous', `positions [${p}, ${start}) of ${x} are in no proven inflow`);
      // Every step of a reverse walk goes to a strictly older transaction.
      if (e.entry.leaf >= below) fail('not_contiguous', `an inflow of ${x} (log entry ${e.entry.leaf}) is not older than what it paid for`);
      const partEnd = e.end < pEnd ? e.end : pEnd;
      // A correction's money back comes from the reversed outflow's own pieces in this account.
      if (e.entry.kind === 'correction' && e.entry.source !== x) fail('not_contiguous', `money a correction brought back into ${x} claims to come from ${e.entry.source}`);
      if (e.entry.kind === 'transfer' || e.entry.kind === 'correction') this.offsets(e.entry.leaf, e.entry.source, p - start, partEnd - start, stack);
      else this.emit({ originLeaf: e.entry.leaf, amount: partEnd - p, path: [...stack].reverse() });
      p = partEnd;
    }
  }

  // Consecutive pieces with the same origin and path are one, as the node merges them.
  private emit(piece: Piece): void {
    const last = this.pieces[this.pieces.length - 1];
    if (last && last.originLeaf === piece.originLeaf && last.path.join('\0') === piece.path.join('\0')) last.amount += piece.amount;
    else this.pieces.push(piece);
  }
}

function outflowOf(env: ProvenEnvelope, page: SourcesPage, txId: string): { leaf: bigint; header: OutflowHeader } {
  const leaf = safeInteger(page.proof!.outflow_leaf);
  if (page.outflow.leaf !== undefined && safeInteger(page.outflow.leaf) !== leaf) fail('outflow', `the page is of log entry ${page.outflow.leaf}, its proof of ${leaf}`);
  const tx = env.txs.get(leaf);
  if (!tx || !equal(fromHex(tx.id, 32), fromHex(txId, 32))) fail('outflow', `the proof does not show that log entry ${leaf} is this transaction`);
  const value = env.records.need(outflowKey(leaf));
  if (value === null) return fail('outflow', `log entry ${leaf} made no outflow`);
  return { leaf, header: decodeOutflow(value) };
}

function originOf(env: ProvenEnvelope, leaf: bigint): { id: string; body: GiftBody } {
  const tx = env.txs.get(leaf);
  if (!tx) return fail('hop_tx', `the origin at log entry ${leaf} is not in the proof`);
  const p = tx.body.payload;
  if (p.kind !== 'donation' && p.kind !== 'trust_deposit') return fail('hop_tx', `log entry ${leaf} is not a gift`);
  return { id: tx.id, body: p };
}

function compare(page: SourcesPage, proven: ProvenSource[]): void {
  if (page.sources.length !== proven.length) fail('sources', `the node lists ${page.sources.length} sources, the proof ${proven.length}`);
  proven.forEach((p, i) => {
    const s = page.sources[i];
    const where = `source ${i + 1}`;
    if (BigInt(s.amount_fen) !== p.amountFen) fail('sources', `${where} amount: node ${s.amount_fen}, proof ${p.amountFen}`);
    if (s.origin.id !== p.originId) fail('sources', `${where} origin: node ${s.origin.id}, proof ${p.originId}`);
    if (s.path.join(' ← ') !== p.path.join(' ← ')) fail('sources', `${where} path: node ${s.path.join(' ← ')}, proof ${p.path.join(' ← ')}`);
    if ((s.origin.donor_display_name ?? '') !== p.origin.donorDisplayName) fail('sources', `${where} donor name: node ${JSON.stringify(s.origin.donor_display_name)}, proof ${JSON.stringify(p.origin.donorDisplayName)}`);
    if (s.origin.account !== undefined && s.origin.account !== p.origin.account) fail('sources', `${where} account: node ${s.origin.account}, proof ${p.origin.account}`);
  });
}

async function run(page: SourcesPage, txId: string, cursor: bigint, anchor: Anchor): Promise<SourcesVerification> {
  const env = await verifyEnvelope(page.proof!, anchor, 0);
  const { leaf, header } = outflowOf(env, page, txId);
  if (safeInteger(page.proof!.cursor) !== cursor) fail('outflow', `the proof is of the page from offset ${page.proof!.cursor}, not ${cursor}`);
  const next = page.next === null ? header.amount : safeInteger(page.next);
  if (!(cursor < next && next <= header.amount)) fail('sources', `the page [${cursor}, ${next}) is not inside the outflow of ${header.amount} fen`);
  if (BigInt(page.outflow.amount_fen) !== header.amount || page.outflow.from_account !== header.source) fail('sources', 'the outflow shown is not the proven one');
  const w = new ReverseWalker(env.records);
  w.offsets(leaf, header.source, cursor, next, []);
  const sources = w.pieces.map((p) => {
    const o = originOf(env, p.originLeaf);
    return { originLeaf: p.originLeaf, originId: o.id, origin: o.body, amountFen: p.amount, path: p.path };
  });
  const total = sources.reduce((a, s) => a + s.amountFen, 0n);
  if (total !== next - cursor) fail('sum_mismatch', `the pieces sum to ${total} fen, the page covers ${next - cursor}`);
  compare(page, sources);
  return { height: env.height, signers: env.signers, validatorCount: env.validatorCount, outflow: header, cursor, next, sources };
}

export async function verifySources(page: SourcesPage, txId: string, cursor: bigint, anchor: Anchor): Promise<SourcesResult> {
  try {
    return { ok: true, value: await run(page, txId, cursor, anchor) };
  } catch (e) {
    if (e instanceof FlowFailure) return { ok: false, check: e.check, message: e.message };
    return { ok: false, check: 'sources', message: (e as Error).message };
  }
}
