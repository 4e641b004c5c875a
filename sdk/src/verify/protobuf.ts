// A minimal protobuf reader: enough to take the Tx envelope apart (body = 1, sigs = 2, with
// Signature { public_key = 1; sig = 2; }), whose field numbers are fixed for outside verifiers,
// and to read the few TxBody fields the receipt page cross-checks.
import { FormatError } from './bytes.js';

export interface Field {
  number: number;
  wire: number;
  varint?: bigint;
  bytes?: Uint8Array;
}

export function readFields(data: Uint8Array): Field[] {
  const fields: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (at >= data.length) throw new FormatError('truncated varint');
      const b = data[at++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new FormatError('varint too long');
  };
  while (at < data.length) {
    const key = varint();
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (number === 0) throw new FormatError('field number 0');
    switch (wire) {
      case 0:
        fields.push({ number, wire, varint: varint() });
        break;
      case 1:
      case 5: {
        const n = wire === 1 ? 8 : 4;
        if (at + n > data.length) throw new FormatError('truncated fixed field');
        fields.push({ number, wire, bytes: data.subarray(at, at + n) });
        at += n;
        break;
      }
      case 2: {
        const len = Number(varint());
        if (at + len > data.length) throw new FormatError('truncated length-delimited field');
        fields.push({ number, wire, bytes: data.subarray(at, at + len) });
        at += len;
        break;
      }
      default:
        throw new FormatError(`unsupported wire type ${wire}`);
    }
  }
  return fields;
}

export interface Envelope {
  body: Uint8Array;
  sigs: { publicKey: Uint8Array; sig: Uint8Array }[];
}

export function parseEnvelope(tx: Uint8Array): Envelope {
  let body: Uint8Array | undefined;
  const sigs: Envelope['sigs'] = [];
  for (const f of readFields(tx)) {
    if (f.number === 1 && f.wire === 2) {
      if (body) throw new FormatError('the envelope holds two bodies');
      body = f.bytes!;
    } else if (f.number === 2 && f.wire === 2) {
      let publicKey: Uint8Array = new Uint8Array(0);
      let sig: Uint8Array = new Uint8Array(0);
      for (const g of readFields(f.bytes!)) {
        if (g.number === 1 && g.wire === 2) publicKey = g.bytes!;
        else if (g.number === 2 && g.wire === 2) sig = g.bytes!;
        else throw new FormatError('unknown field in a signature');
      }
      sigs.push({ publicKey, sig });
    } else {
      throw new FormatError(`unknown envelope field ${f.number}`);
    }
  }
  if (!body) throw new FormatError('the envelope has no body');
  return { body, sigs };
}

const text = (b: Uint8Array | undefined): string => (b ? new TextDecoder('utf-8', { fatal: true }).decode(b) : '');

// The gift facts of a TxBody: chain id, and for Donation (15) / TrustDeposit (18) the credited
// account and amount, for GoodsDonation (31) the receiving account and the quantity (units of the
// item, in amountFen's place), so the page can show they match the signed bytes.
export interface GiftFacts {
  chainId: string;
  kind: 'donation' | 'trust_deposit' | 'goods_donation' | 'other';
  account: string;
  amountFen: bigint;
}

export function giftFacts(body: Uint8Array): GiftFacts {
  const out: GiftFacts = { chainId: '', kind: 'other', account: '', amountFen: 0n };
  for (const f of readFields(body)) {
    if (f.number === 1 && f.wire === 2) out.chainId = text(f.bytes);
    else if ((f.number === 15 || f.number === 18) && f.wire === 2) {
      out.kind = f.number === 15 ? 'donation' : 'trust_deposit';
      for (const g of readFields(f.bytes!)) {
        if (g.number === 1 && g.wire === 2) out.account = (f.number === 18 ? 'trust:' : '') + text(g.bytes);
        else if (g.number === 2 && g.wire === 0) out.amountFen = BigInt.asIntN(64, g.varint!);
      }
    } else if (f.number === 31 && f.wire === 2) {
      out.kind = 'goods_donation';
      for (const g of readFields(f.bytes!)) {
        if (g.number === 1 && g.wire === 2) out.account = text(g.bytes);
        else if (g.number === 4 && g.wire === 0) out.amountFen = g.varint!;
      }
    }
  }
  return out;
}
