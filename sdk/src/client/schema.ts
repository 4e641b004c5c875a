// The TxBody schema of ledger/proto/shanliu.proto as data: every payload the CLI can build, its
// oneof field number and each field's number, name and type. The encoder and decoder in tx.ts
// read only this table, so adding a payload is one entry here (and a vector in tests/vectors).
// Enum value names are the API's short lowercase forms (ledger/json.h), listed by number.

export const ORG_KINDS = ['unspecified', 'bureau', 'federation', 'bank', 'charity', 'trustee', 'merchant'] as const;
export const ORG_STATUSES = ['unspecified', 'active', 'suspended'] as const;
export const DONATION_CHANNELS = ['unspecified', 'bank_transfer', 'online_platform', 'mobile_payment', 'cash', 'in_kind_valued', 'other'] as const;
export const SPEND_CATEGORIES = ['unspecified', 'material', 'cash_aid', 'service', 'admin', 'other'] as const;
export const PAYEE_KINDS = ['unspecified', 'vendor', 'individuals', 'organisation'] as const;
export const DISCLOSURE_TYPES = ['unspecified', 'annual_report', 'audit', 'project_report', 'fundraising_plan'] as const;
export const GOODS_CATEGORIES = ['unspecified', 'epidemic_prevention', 'food', 'clothing', 'medicine', 'school_supplies', 'daily_necessities', 'other'] as const;

// 'strings' / 'byteses': repeated string / bytes. 'bank_list': the AccountBanks message of
// UpdateOrg (field set, even empty, means "replace the list"; absent means "unchanged").
// 'bool': a proto3 bool. { message }: a nested message with its own field table, written (even
// empty) whenever it is given, as the C++ encoder writes a set sub-message.
export interface MessageType {
  readonly message: readonly FieldSpec[];
}
export type FieldType = 'string' | 'bytes' | 'int64' | 'uint64' | 'uint32' | 'bool' | 'strings' | 'byteses' | 'bank_list' | MessageType | readonly string[];
export type FieldSpec = readonly [number: number, name: string, type: FieldType];

// GoodsItem (ledger/proto/shanliu.proto), the catalogue entry RegisterGoodsItem carries.
export const GOODS_ITEM_FIELDS = [[1, 'item_code', 'string'], [2, 'name_zh', 'string'], [3, 'name_en', 'string'], [4, 'unit', 'string'], [5, 'category', GOODS_CATEGORIES], [6, 'perishable', 'bool']] as const;

export const PAYLOADS = {
  register_org: { number: 10, fields: [[1, 'org_id', 'string'], [2, 'kind', ORG_KINDS], [3, 'name_zh', 'string'], [4, 'name_en', 'string'], [5, 'credit_code', 'string'], [6, 'public_keys', 'byteses'], [7, 'account_banks', 'strings'], [8, 'region', 'string']] },
  update_org: { number: 11, fields: [[1, 'org_id', 'string'], [2, 'status', ORG_STATUSES], [3, 'reason', 'string'], [4, 'account_banks', 'bank_list'], [5, 'region', 'string']] },
  rotate_key: { number: 12, fields: [[1, 'org_id', 'string'], [2, 'old_public_key', 'bytes'], [3, 'new_public_key', 'bytes']] },
  open_project: { number: 13, fields: [[1, 'project_id', 'string'], [2, 'owner_org', 'string'], [3, 'name_zh', 'string'], [4, 'name_en', 'string'], [5, 'category', 'string'], [6, 'region', 'string'], [7, 'budget_fen', 'int64'], [8, 'starts_at_ms', 'uint64'], [9, 'ends_at_ms', 'uint64'], [10, 'description', 'string']] },
  close_project: { number: 14, fields: [[1, 'project_id', 'string'], [2, 'summary', 'string']] },
  donation: { number: 15, fields: [[1, 'to_account', 'string'], [2, 'amount_fen', 'int64'], [3, 'donor_ref', 'bytes'], [4, 'donor_display_name', 'string'], [5, 'points_holder', 'bytes'], [6, 'bank_ref_hash', 'bytes'], [7, 'receipt_number_hash', 'bytes'], [8, 'channel', DONATION_CHANNELS], [9, 'attesting_bank', 'string'], [10, 'memo', 'string']] },
  transfer: { number: 16, fields: [[1, 'from_account', 'string'], [2, 'to_account', 'string'], [3, 'amount_fen', 'int64'], [4, 'purpose', 'string']] },
  open_trust: { number: 17, fields: [[1, 'trust_id', 'string'], [2, 'name_zh', 'string'], [3, 'name_en', 'string'], [4, 'trustee_org', 'string'], [5, 'custodian_bank', 'string'], [6, 'purpose', 'string'], [7, 'filing_number', 'string'], [8, 'term_ends_at_ms', 'uint64']] },
  trust_deposit: { number: 18, fields: [[1, 'trust_id', 'string'], [2, 'amount_fen', 'int64'], [3, 'settlor_ref', 'bytes'], [4, 'settlor_display_name', 'string'], [5, 'bank_ref_hash', 'bytes']] },
  trust_disbursement: { number: 19, fields: [[1, 'trust_id', 'string'], [2, 'to_account', 'string'], [3, 'amount_fen', 'int64'], [4, 'purpose', 'string']] },
  spend: { number: 20, fields: [[1, 'from_account', 'string'], [2, 'amount_fen', 'int64'], [3, 'category', SPEND_CATEGORIES], [4, 'payee_kind', PAYEE_KINDS], [5, 'payee_name', 'string'], [6, 'beneficiary_count', 'uint32'], [7, 'invoice_hash', 'bytes'], [8, 'description', 'string'], [9, 'occurred_at_ms', 'uint64']] },
  refund: { number: 21, fields: [[1, 'donation_tx_id', 'bytes'], [2, 'reason', 'string']] },
  volunteer_service: { number: 22, fields: [[1, 'charity_org', 'string'], [2, 'holder', 'bytes'], [3, 'minutes', 'uint32'], [4, 'activity', 'string'], [5, 'occurred_at_ms', 'uint64']] },
  redeem_points: { number: 23, fields: [[1, 'holder', 'bytes'], [2, 'merchant_org', 'string'], [3, 'points', 'uint64'], [4, 'item', 'string']] },
  disclosure: { number: 24, fields: [[1, 'org_id', 'string'], [2, 'type', DISCLOSURE_TYPES], [3, 'title', 'string'], [4, 'period', 'string'], [5, 'document_sha256', 'bytes'], [6, 'url', 'string'], [7, 'project_id', 'string']] },
  correction: { number: 25, fields: [[1, 'corrected_tx_id', 'bytes'], [2, 'reason', 'string'], [3, 'corrected_tx_body', 'bytes']] },
  update_project: { number: 26, fields: [[1, 'project_id', 'string'], [2, 'description', 'string'], [3, 'ends_at_ms', 'uint64'], [4, 'budget_fen', 'int64'], [5, 'reason', 'string']] },
  service_exchange: { number: 27, fields: [[1, 'holder', 'bytes'], [2, 'provider_org', 'string'], [3, 'minutes', 'uint32'], [4, 'service', 'string'], [5, 'points', 'uint64']] },
  move_points: { number: 28, fields: [[1, 'from_holder', 'bytes'], [2, 'to_holder', 'bytes']] },
  // In-kind goods (docs/rules.md). The federation registers catalogue items (34, a nested GoodsItem).
  goods_donation: { number: 31, fields: [[1, 'to_account', 'string'], [2, 'item_code', 'string'], [3, 'unit', 'string'], [4, 'quantity', 'uint64'], [5, 'value_fen', 'int64'], [6, 'donor_ref', 'bytes'], [7, 'donor_display_name', 'string'], [8, 'lot_number', 'string'], [9, 'expires_on', 'uint32'], [10, 'receipt_number_hash', 'bytes'], [11, 'notary_org', 'string'], [12, 'memo', 'string']] },
  goods_transfer: { number: 32, fields: [[1, 'from_account', 'string'], [2, 'to_account', 'string'], [3, 'item_code', 'string'], [4, 'unit', 'string'], [5, 'quantity', 'uint64'], [6, 'purpose', 'string']] },
  goods_distribution: { number: 33, fields: [[1, 'from_account', 'string'], [2, 'item_code', 'string'], [3, 'unit', 'string'], [4, 'quantity', 'uint64'], [5, 'region', 'string'], [6, 'place_name', 'string'], [7, 'beneficiary_count', 'uint32'], [8, 'evidence_hash', 'bytes'], [9, 'occurred_at_ms', 'uint64'], [10, 'description', 'string']] },
  register_goods_item: { number: 34, fields: [[1, 'item', { message: GOODS_ITEM_FIELDS }]] },
  region_population: { number: 38, fields: [[1, 'region', 'string'], [2, 'year', 'uint32'], [3, 'population', 'uint64']] },
  register_street: { number: 39, fields: [[1, 'code', 'string'], [2, 'name_zh', 'string']] },
  honour_name: { number: 30, fields: [[1, 'holder', 'bytes'], [2, 'display_name', 'string']] },
} as const;

export type PayloadKind = keyof typeof PAYLOADS;
export const PAYLOAD_KINDS = Object.keys(PAYLOADS) as PayloadKind[];

// Byte fields are lowercase hex (as the API and the CLI's --json write them) or raw bytes;
// 64-bit integers a safe integer or a bigint.
export type Hex = string;
export type Int64 = number | bigint;

type ValueOf<T> = T extends 'string'
  ? string
  : T extends 'bytes'
    ? Hex | Uint8Array
    : T extends 'int64' | 'uint64'
      ? Int64
      : T extends 'uint32'
        ? number
        : T extends 'strings'
          ? readonly string[]
          : T extends 'byteses'
            ? readonly (Hex | Uint8Array)[]
            : T extends 'bank_list'
              ? readonly string[] | null
              : T extends 'bool'
                ? boolean
                : T extends { readonly message: infer M extends readonly FieldSpec[] }
                  ? { [F in M[number] as F[1]]?: ValueOf<F[2]> }
                  : T extends readonly (infer E)[]
                    ? E
                    : never;

type FieldsOf<K extends PayloadKind> = (typeof PAYLOADS)[K]['fields'][number];

// The typed input of one payload: every field optional, as in proto3 (an absent field is its
// zero value, which the ledger's rules then accept or refuse).
export type PayloadInput<K extends PayloadKind> = { [F in FieldsOf<K> as F[1]]?: ValueOf<F[2]> };
