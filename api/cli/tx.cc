// shanliu tx: build, sign, check and submit one transaction of any kind (DESIGN 4, 11).
#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "commands.h"
#include "idempotent.h"
#include "cosign.h"
#include "node_client.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/json.h"
#include "shanliu/ledger/registry_codes.h"
#include "tx_sign.h"

namespace shanliu::cli {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using nlohmann::json;


// Convenience flags: each fills the first of its fields that the payload has.
struct FieldFlag {
  const char* flag;
  std::vector<const char*> fields;
};
const std::vector<FieldFlag>& FieldFlags() {
  static const std::vector<FieldFlag> flags = {
      {"amount-fen", {"amount_fen"}},
      {"to", {"to_account"}},
      {"from", {"from_account"}},
      {"org", {"org_id", "owner_org", "charity_org", "merchant_org", "provider_org"}},
      {"project", {"project_id"}},
      {"trust", {"trust_id"}},
      {"holder", {"holder", "points_holder"}},
      {"from-holder", {"from_holder"}},
      {"to-holder", {"to_holder"}},
      {"service", {"service"}},
      {"display-name", {"display_name"}},
      {"points", {"points"}},
      {"minutes", {"minutes"}},
      {"category", {"category"}},
      {"purpose", {"purpose"}},
      {"memo", {"memo"}},
      {"title", {"title"}},
      {"reason", {"reason"}},
      {"description", {"description"}},
      {"item", {"item_code"}},
      {"unit", {"unit"}},
      {"quantity", {"quantity"}},
      {"value-fen", {"value_fen"}},
      {"lot", {"lot_number"}},
      {"expires-on", {"expires_on"}},
      {"region", {"region"}},
      {"place", {"place_name"}},
      {"beneficiaries", {"beneficiary_count"}},
      {"notary", {"notary_org"}},
      {"federation", {"federation_org"}},
      {"item-id", {"item_id"}},
      {"name-zh", {"name_zh"}},
      {"name-en", {"name_en"}},
      {"active", {"active"}},
      {"catalogue-item", {"catalogue_item"}},
      {"new-key", {"new_public_key"}},
      {"request", {"request_tx_id"}},
  };
  return flags;
}

// "service-exchange" names service_exchange: either spelling, as typed at a shell.
const FieldDescriptor* PayloadField(std::string kind) {
  std::replace(kind.begin(), kind.end(), '-', '_');
  const FieldDescriptor* f = pb::TxBody::descriptor()->FindFieldByName(kind);
  if (f == nullptr || f->containing_oneof() == nullptr || f->containing_oneof()->name() != "payload") return nullptr;
  return f;
}

std::string KindList() {
  std::string out;
  const auto* oneof = pb::TxBody::descriptor()->FindOneofByName("payload");
  for (int i = 0; i < oneof->field_count(); ++i) out += (i ? ", " : "") + oneof->field(i)->name();
  return out;
}

std::string FieldList(const Descriptor* d) {
  std::string out;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    std::string type = f->type() == FieldDescriptor::TYPE_BYTES  ? "hex"
                       : f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM ? "name"
                       : f->cpp_type() == FieldDescriptor::CPPTYPE_STRING ? "text"
                                                                          : "number";
    if (f->is_repeated()) type = "[" + type + ", ...]";
    out += (i ? ", " : "") + f->name() + " (" + type + ")";
  }
  return out;
}

Result<json> ReadPayloadJson(const Args& args) {
  std::string text;
  if (auto inline_json = args.Get("json")) {
    text = *inline_json;
  } else if (auto file = args.Get("file")) {
    std::ostringstream buffer;
    if (*file == "-") {
      buffer << std::cin.rdbuf();
    } else {
      std::ifstream in(*file, std::ios::binary);
      if (!in) return Status::Error("usage", "cannot open " + *file);
      buffer << in.rdbuf();
    }
    text = buffer.str();
  } else {
    return json::object();
  }
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::Error("usage", "the payload must be a JSON object");
  return j;
}

Status ApplyFieldFlags(const Args& args, const Descriptor* payload, json& fields) {
  for (const FieldFlag& flag : FieldFlags()) {
    auto value = args.Get(flag.flag);
    if (!value) continue;
    const FieldDescriptor* target = nullptr;
    for (const char* name : flag.fields) {
      if ((target = payload->FindFieldByName(name)) != nullptr) break;
    }
    if (target == nullptr) {
      return Status::Error("usage", std::string("--") + flag.flag + " does not apply to " + payload->name());
    }
    if (fields.contains(target->name())) {
      return Status::Error("usage", target->name() + " is given both in the JSON and as --" + flag.flag);
    }
    switch (target->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT64:
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_UINT32: {
        json number = json::parse(*value, nullptr, /*allow_exceptions=*/false);
        if (!number.is_number_integer()) {
          return Status::Error("usage", std::string("--") + flag.flag + " must be a whole number");
        }
        fields[target->name()] = number;
        break;
      }
      case FieldDescriptor::CPPTYPE_BOOL:
        if (*value != "true" && *value != "false") {
          return Status::Error("usage", std::string("--") + flag.flag + " must be true or false");
        }
        fields[target->name()] = *value == "true";
        break;
      default: fields[target->name()] = *value;
    }
  }
  return Status::Ok();
}

// The ledger's code rules that need no chain state (docs/rules.md), checked before signing with
// the executor's own functions, so a mistyped credit code or region costs no round trip.
Status CheckCodes(const pb::TxBody& body) {
  if (body.has_register_org() && !ledger::IsValidCreditCode(body.register_org().credit_code())) {
    return Status::Error("invalid_credit_code", "register_org.credit_code '" + body.register_org().credit_code() +
                                                    "' fails its GB 32100-2015 check character");
  }
  // A nine-digit street is checked by the node (streets are registered on the chain); its county here.
  auto place_known = [](const std::string& code) {
    return ledger::RegionName(code).has_value() || (code.size() == 9 && ledger::RegionName(code.substr(0, 6)));
  };
  if (body.has_open_project() && !place_known(body.open_project().region())) {
    return Status::Error("unknown_region", "open_project.region '" + body.open_project().region() +
                                               "' is not a GB/T 2260 county-level code (e.g. 330106) or a street in one");
  }
  for (const std::string* org_region : {&body.register_org().region(), &body.update_org().region()}) {
    if (!org_region->empty() && !place_known(*org_region)) {
      return Status::Error("unknown_region", "region '" + *org_region +
                                                 "' is not a GB/T 2260 county-level code (e.g. 330106) or a street in one");
    }
  }
  if (body.has_goods_distribution() && !ledger::RegionName(body.goods_distribution().region())) {
    return Status::Error("unknown_region", "goods_distribution.region '" + body.goods_distribution().region() +
                                               "' is not a GB/T 2260 county-level code (e.g. 330106)");
  }
  return Status::Ok();
}

// --corrects ID: a Correction carries the corrected tx's signed body (docs/rules.md), fetched
// from the node and checked against the id before anything is signed.
Status FillCorrection(const NodeClient& node, const std::string& id_text, pb::Correction& out) {
  auto id = crypto::Hash256FromHex(id_text);
  if (!id.ok()) return Status::Error("usage", "--corrects needs the 64-hex-digit id of the tx to correct");
  auto answer = node.GetJson("/v1/txs/" + id_text);
  if (!answer.ok()) return answer.status();
  if (!answer->contains("body_hex") || !(*answer)["body_hex"].is_string()) {
    return Status::Error("not_found", "the node has no committed tx " + id_text);
  }
  auto body = crypto::FromHex((*answer)["body_hex"].get<std::string>());
  if (!body.ok() || ledger::TxId(*body) != *id) {
    return Status::Error("invalid_proof", "the node's body of " + id_text + " does not hash to that id");
  }
  out.set_corrected_tx_id(std::string(id->begin(), id->end()));
  out.set_corrected_tx_body(ToString(*body));
  return Status::Ok();
}

}  // namespace

const char kTxUsage[] = R"(usage: shanliu tx <kind> --key FILE [--key FILE ...] --node URL
                  [--json PAYLOAD | --file F] [field flags] [--expires-in N] [--expires-in-ms MS] [--dry-run] [--wait]

Builds a transaction of <kind>, signs it with every --key (in order), decodes it locally
exactly as a node will (so malformed fields and bad signatures show at once), submits it to
POST /v1/txs and prints its id, receipt code and status.

kinds: register_org, update_org, rotate_key, open_project, update_project, close_project, donation, transfer,
       open_trust, trust_deposit, trust_disbursement, spend, refund, volunteer_service,
       redeem_points, disclosure, correction, service_exchange, move_points, catalogue_entry, honour_name,
        goods_donation, goods_transfer, goods_distribution, register_goods_item,
        request_key_recovery, veto_key_recovery, complete_key_recovery, region_population,
        register_street, validator_set_change (or: shanliu validators change)
       (a kind may be written with '-' for '_', e.g. service-exchange)

The payload is JSON with the field names of ledger/proto/shanliu.proto: bytes as hex, enums
as lowercase names ("material", "bank_transfer"), amounts as integer fen. Field flags fill
the common fields (a field may come from the JSON or a flag, not both):
  --amount-fen N   amount_fen          --to ACCOUNT     to_account
  --from ACCOUNT   from_account        --org ID         org_id / owner_org / charity_org / merchant_org / provider_org
  --project ID     project_id          --trust ID       trust_id
  --holder HEX     holder / points_holder               --points N / --minutes N
  --from-holder HEX, --to-holder HEX  (move_points) the holder's old and new key
  --service TEXT   (service_exchange) the service received
  --display-name TEXT  (honour_name) the holder's honour-list name; "" clears it
  --federation ID, --item-id SLUG, --name-zh TEXT, --name-en TEXT, --active true|false
                   (catalogue_entry, with --org MERCHANT and --points PRICE) list, reprice or
                   withdraw (--active false) a merchant's item; signed by the federation
  --catalogue-item SLUG  (redeem_points) the catalogue item bought: --points must be its price
  --category NAME  category            --purpose, --memo, --title, --reason, --description TEXT
  --item CODE, --unit TEXT, --quantity N   (goods_*) the catalogued item, its unit, how many
  --value-fen N, --lot TEXT, --expires-on YYYYMMDD, --notary ID   (goods_donation)
  --region CODE, --place TEXT, --beneficiaries N   (goods_distribution) where it was handed out;
                   --region is also register_org / update_org's region (county or street) and
                   region_population's region (with JSON {"year": Y, "population": N}), signed by the bureau
  --new-key HEX    (request_key_recovery, signed by the bureau) the key replacing the lost ones,
                   with --org ID, --reason TEXT and --json '{"old_public_keys":["HEX"]}'
  --request TXID   (veto_key_recovery: any current key of --org; complete_key_recovery, after
                   the window: the bureau or the new key) the RequestKeyRecovery's tx id
  --corrects ID    (correction) the tx to reverse: fills corrected_tx_id and, from the node,
                   corrected_tx_body; sign with its author's key, and the bureau's from the
                   chain's correction_bureau_threshold_fen up

options:
  --key FILE        signing key (repeat for co-signed kinds: trust_disbursement needs the
                    trustee and the custodian bank; redeem_points and service_exchange the holder
                    and the organisation; move_points both keys of the holder; goods_transfer
                    the holder and the receiver, who confirms the goods arrived)
  --node URL        node API; the chain id and height come from GET /v1/blocks/latest
  --json PAYLOAD    the payload fields as a JSON object
  --file F          read the payload JSON from F ("-" for standard input)
  --expires-in N    valid for N blocks from the current height (1..1000, default 100)
  --expires-in-ms MS
                    and for MS milliseconds from now (60000..86400000, default 3600000);
                    the chain refuses more than its max_tx_expiry_ms (default 24 h)
  --dry-run         build, sign and check, print the envelope, but do not submit
  --chain-id ID, --height H   use these instead of asking the node (both: no network needed)
  --wait            after submitting, wait (up to 60 s) until it is committed or rejected
  --idempotency-key KEY
                    safe retries: the first run journals the signed envelope under KEY; a
                    retry with the same KEY and fields submits that same envelope again (never
                    a second tx), a fresh one only once the chain is past its expiry; the same
                    KEY with other fields is refused (idempotency_conflict). docs/cli.md
  --journal DIR     where the journal lives (default: the first --key file's directory)
  --unsigned --out FILE
                    do not submit: write a signing request (docs/data-format.md) for the other
                    institutions to sign with shanliu sign; any --key given signs it first.
                    The node says who must sign (needs --node)
  --cosigner BANK   with --unsigned, for spend and refund: the account bank that attests it

example:
  shanliu tx donation --key dev/keys/bank-1.key --node http://127.0.0.1:8080 \
    --to org:xihu-sunshine-elder --amount-fen 5000 \
    --json '{"donor_ref":"<64 hex>","channel":"bank_transfer","attesting_bank":"bank-1"}'
  shanliu tx catalogue-entry --key dev/keys/federation.key --node http://127.0.0.1:8080 \
    --federation federation --org xihu-barber --item-id haircut --name-zh 理发一次 \
    --name-en "One haircut" --points 30 --active true
)";

int Tx(const Args& args) {
  const auto usage = [](const std::string& m) { return UsageError("tx", kTxUsage, m); };
  std::vector<std::string> allowed = {"key",     "node",       "json",   "file",     "expires-in",  "expires-in-ms",
                                      "dry-run", "wait",       "chain-id", "height",   "corrects", "idempotency-key", "journal",
                                      "unsigned", "out",     "cosigner"};
  for (const FieldFlag& f : FieldFlags()) allowed.push_back(f.flag);
  if (Status s = RequireOnly(args, allowed); !s.ok()) return usage(s.message());
  if (args.positional.size() != 1) return usage("name one transaction kind: " + KindList());
  const std::string kind = args.positional[0];
  const FieldDescriptor* payload_field = PayloadField(kind);
  if (payload_field == nullptr) return usage("unknown kind '" + kind + "'; kinds: " + KindList());
  const Descriptor* payload = payload_field->message_type();
  const bool unsigned_request = args.Has("unsigned");
  if (args.GetAll("key").empty() && !unsigned_request) return usage("at least one --key FILE is required");
  if (unsigned_request && (!args.Has("out") || !args.Has("node") || args.Has("dry-run") || args.Has("wait"))) {
    return usage("--unsigned needs --out FILE and --node URL, and takes no --dry-run or --wait");
  }
  if (!unsigned_request && (args.Has("out") || args.Has("cosigner"))) return usage("--out and --cosigner go with --unsigned");
  if (args.Has("json") && args.Has("file")) return usage("give the payload with --json or --file, not both");
  if (args.Has("dry-run") && args.Has("wait")) return usage("--wait needs a submitted transaction, not --dry-run");
  if (args.Has("dry-run") && args.Has("idempotency-key")) return usage("--idempotency-key needs a submission, not --dry-run");
  if (args.Has("journal") && !args.Has("idempotency-key")) return usage("--journal applies to --idempotency-key");
  if (unsigned_request && args.Has("idempotency-key")) {
    return usage("--idempotency-key journals a signed submission; a signing request (--unsigned) is submitted by shanliu submit");
  }
  const bool offline = args.Has("chain-id") && args.Has("height");
  if (!args.Has("node") && !(offline && args.Has("dry-run"))) {
    return usage("--node URL is required (or --dry-run with --chain-id and --height)");
  }
  auto expires_in = ParseUInt(args.Get("expires-in").value_or("100"), 1, 1000, "--expires-in");
  if (!expires_in.ok()) return usage(expires_in.status().message());
  auto expires_in_ms = ParseUInt(args.Get("expires-in-ms").value_or("3600000"), 60'000, 86'400'000, "--expires-in-ms");
  if (!expires_in_ms.ok()) return usage(expires_in_ms.status().message());

  auto fields = ReadPayloadJson(args);
  if (!fields.ok()) return usage(fields.status().message());
  if (Status s = ApplyFieldFlags(args, payload, *fields); !s.ok()) return usage(s.message());
  pb::TxBody body;
  if (Status s = ledger::JsonToMessage(*fields, body.GetReflection()->MutableMessage(&body, payload_field)); !s.ok()) {
    return usage(s.message() + "\nfields of " + kind + ": " + FieldList(payload));
  }
  if (Status s = CheckCodes(body); !s.ok()) return Fail("tx", Status::Error(s.code(), "not sent: " + s.message()));

  std::vector<crypto::KeyPair> keys;
  for (const std::string& path : args.GetAll("key")) {
    auto key = crypto::ReadKeyFile(path);
    if (!key.ok()) return Fail("tx", key.status());
    keys.push_back(std::move(*key));
  }
  std::vector<const crypto::KeyPair*> signers;
  for (const auto& k : keys) signers.push_back(&k);

  ChainHead head;
  std::optional<NodeClient> node;
  if (args.Has("node")) node.emplace(*args.Get("node"));
  if (auto corrects = args.Get("corrects")) {
    if (kind != "correction") return usage("--corrects applies to correction only");
    if (!node) return usage("--corrects needs --node to fetch the corrected tx");
    if (Status s = FillCorrection(*node, *corrects, *body.mutable_correction()); !s.ok()) {
      return s.code() == "usage" ? usage(s.message()) : Fail("tx", s);
    }
  }
  if (offline) {
    head.chain_id = *args.Get("chain-id");
    auto height = ParseUInt(*args.Get("height"), 0, UINT64_MAX - 1000, "--height");
    if (!height.ok()) return usage(height.status().message());
    head.height = *height;
  } else {
    auto fetched = node->Head();
    if (!fetched.ok()) return Fail("tx", fetched.status());
    head = *fetched;
    if (auto chain = args.Get("chain-id"); chain && *chain != head.chain_id) {
      return Fail("tx", Status::Error("wrong_chain", "the node serves chain '" + head.chain_id + "', not '" + *chain + "'"));
    }
  }

  if (args.Has("idempotency-key")) {
    body.set_chain_id(head.chain_id);
    return TxWithIdempotencyKey(args, *node, body, signers, *expires_in, *expires_in_ms);
  }
  pb::TxBody full = NewTxBody(head.chain_id, head.height + *expires_in, *expires_in_ms);
  full.MergeFrom(body);
  if (unsigned_request) return WriteUnsignedRequest(args, *node, full, signers);
  auto tx = SignTx(full, signers);
  if (!tx.ok()) return Fail("tx", Status::Error(tx.status().code(), "not sent: " + tx.status().ToString()));

  std::cout << "kind     " << kind << "\nid       " << crypto::ToHex(tx->id) << "\ncode     " << ReceiptCode(tx->id)
            << "\nexpires  at height " << full.expires_at_height() << " or at " << full.expires_at_ms()
            << " ms, whichever comes first (chain " << head.chain_id << ")\n";
  if (args.Has("dry-run")) {
    std::cout << "body     " << ledger::MessageToJson(full).dump() << "\nenvelope " << crypto::ToBase64(tx->envelope)
              << "\nstatus   not sent (dry run)\n";
    return 0;
  }
  auto submitted = node->Submit({tx->envelope});
  if (!submitted.ok()) return Fail("tx", submitted.status());
  const Submitted& result = submitted->front();
  if (!result.accepted) {
    std::cout << "status   rejected\n";
    return Fail("tx", Status::Error(result.error.code(), "rejected: " + result.error.ToString()));
  }
  if (!args.Has("wait")) {
    std::cout << "status   pending\n";
    return 0;
  }
  return WaitAndReport(*node, tx->id, kCommitWaitMs, "tx");
}

}  // namespace shanliu::cli
