// shanliu volunteer: the organising charity's side of a volunteer record the volunteer confirms
// in the phone wallet (issue 17 part 5; docs/cli.md, "volunteer"). `request` builds the
// VolunteerService, signed by the charity first or left unsigned, as a link and a QR code the
// wallet opens at /points/confirm; `complete` takes the volunteer-signed request back, checks it,
// co-signs it and submits it. The same payload format as `shanliu redeem` (redeem_request.h).
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

#include "commands.h"
#include "format.h"
#include "node_client.h"
#include "request_qr.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/redeem_request.h"
#include "tx_sign.h"

namespace shanliu::cli {
namespace {

using nlohmann::json;

// As for redemptions: long enough to read "I served 3 h at ..." and confirm, short enough that a
// photographed code soon means nothing.
constexpr std::uint64_t kDefaultRequestExpiresInMs = 600'000;
constexpr const char* kCommand = "volunteer";

// The organiser on the ledger: active, a charity or the federation, and `key` one of its keys —
// checked before anything is signed so a wrong key file fails here, not after the volunteer signed.
Status CheckOrganiserKey(const NodeClient& node, const std::string& org_id, const crypto::PublicKey& key) {
  return CheckOrgSigningKey(node, org_id, key, {"charity", "federation"},
                            "organisation '" + org_id + "' is not a charity or the federation", "organisation");
}

}  // namespace

const char kVolunteerUsage[] = R"(usage: shanliu volunteer request --charity ORG --charity-key FILE --holder HEX --minutes N
                                 --activity TEXT --node URL [--occurred-at-ms MS] [--unsigned]
                                 [--expires-in-ms MS] [--expires-in N] [--explorer URL] [--svg FILE]
       shanliu volunteer complete PAYLOAD|LINK --charity-key FILE --node URL [--no-wait]

A volunteer record (VolunteerService) needs two signatures: the organising charity's and the
volunteer's (the holder key in the phone wallet), so no charity can credit points to a key alone.
The request travels as a QR code; the wallet shows "I served N h at ORG on DATE" and asks.

request   builds the VolunteerService and prints the link <explorer>/points/confirm#r=<payload>
          and its QR code. By default the charity signs first: the volunteer's wallet then
          confirms, signs and submits it itself. With --unsigned the volunteer signs first: the
          wallet shows its signed request as a QR code, which the charity scans into
          `volunteer complete`.
complete  takes the volunteer-signed request back (the payload or the whole link), checks it is
          this chain's, unexpired and signed by its holder, co-signs it with the charity's key,
          submits it and waits until it is committed.

options:
  --charity ORG         the organising charity (or the federation)
  --charity-key FILE    one of its keys (checked against the ledger before anything is signed)
  --holder HEX          the volunteer wallet's public key (shown under the wallet's own QR code)
  --minutes N           minutes served (1..1440)
  --activity TEXT       what the service was, as the volunteer will see it
  --occurred-at-ms MS   when the service happened (default: now); the ledger refuses a date
                        after the block or older than volunteer_max_age_ms (genesis)
  --expires-in-ms MS    the request lapses MS ms from now (60000..86400000, default 600000)
  --expires-in N        and N blocks from the current height (1..1000, default 1000)
  --explorer URL        where the wallet is served (default: the --node URL)
  --svg FILE            also write the QR code as an SVG file
  --no-wait             submit and return without waiting for the commit
)";

namespace {

int Usage(const std::string& message) { return UsageError(kCommand, kVolunteerUsage, message); }

// The unsigned VolunteerService body from the request options; a usage error message otherwise.
Result<pb::TxBody> RequestBody(const Args& args, const ChainHead& head) {
  auto holder = ParseHolderKey(*args.Get("holder"));
  if (!holder.ok()) return holder.status();
  auto minutes = ParseUInt(*args.Get("minutes"), 1, ledger::TxLimits::kMaxVolunteerMinutes, "--minutes");
  if (!minutes.ok()) return minutes.status();
  auto occurred = ParseUInt(args.Get("occurred-at-ms").value_or(std::to_string(NowMs())), 1, UINT64_MAX,
                            "--occurred-at-ms");
  if (!occurred.ok()) return occurred.status();
  auto expires_in_ms = ParseUInt(args.Get("expires-in-ms").value_or(std::to_string(kDefaultRequestExpiresInMs)),
                                 60'000, 86'400'000, "--expires-in-ms");
  if (!expires_in_ms.ok()) return expires_in_ms.status();
  auto expires_in = ParseUInt(args.Get("expires-in").value_or("1000"), 1, 1000, "--expires-in");
  if (!expires_in.ok()) return expires_in.status();
  pb::TxBody body = NewTxBody(head.chain_id, head.height + *expires_in, *expires_in_ms);
  pb::VolunteerService* v = body.mutable_volunteer_service();
  v->set_charity_org(*args.Get("charity"));
  v->set_holder(std::string(holder->begin(), holder->end()));
  v->set_minutes(static_cast<std::uint32_t>(*minutes));
  v->set_activity(*args.Get("activity"));
  v->set_occurred_at_ms(*occurred);
  return body;
}

int RequestCommand(const Args& args) {
  if (Status s = RequireOnly(args, {"charity", "charity-key", "holder", "minutes", "activity", "node", "unsigned",
                                    "occurred-at-ms", "expires-in-ms", "expires-in", "explorer", "svg"});
      !s.ok()) {
    return Usage(s.message());
  }
  for (const char* required : {"charity", "charity-key", "holder", "minutes", "activity", "node"}) {
    if (!args.Has(required)) return Usage(std::string("--") + required + " is required");
  }
  auto key = crypto::ReadKeyFile(*args.Get("charity-key"));
  if (!key.ok()) return Fail(kCommand, key.status());
  const NodeClient node(*args.Get("node"));
  if (Status s = CheckOrganiserKey(node, *args.Get("charity"), key->public_key); !s.ok()) return Fail(kCommand, s);
  auto head = node.Head();
  if (!head.ok()) return Fail(kCommand, head.status());
  auto body = RequestBody(args, *head);
  if (!body.ok()) return Usage(body.status().message());

  ledger::RedeemRequest unsigned_request;
  unsigned_request.body_bytes = body->SerializeAsString();
  unsigned_request.body = *body;
  pb::Tx envelope;
  envelope.set_body(unsigned_request.body_bytes);
  if (!args.Has("unsigned")) {
    auto signed_tx = ledger::CosignRedeemRequest(unsigned_request, *key);
    if (!signed_tx.ok()) return Fail(kCommand, signed_tx.status());
    envelope = *signed_tx;
  }
  const std::string payload = ledger::EncodeRedeemRequest(envelope);
  // Decoded exactly as the wallet and the node will, so a bad activity text fails here.
  if (auto check = ledger::DecodeRedeemRequest(payload, head->chain_id, NowMs(), pb::TxBody::kVolunteerService);
      !check.ok()) {
    return Fail(kCommand, Status::Error(check.status().code(), "not a valid request: " + check.status().message()));
  }
  std::string base = args.Get("explorer").value_or(*args.Get("node"));
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string link = base + "/points/confirm#r=" + payload;
  const Hash256 id = ledger::TxId(AsBytes(unsigned_request.body_bytes));
  std::cout << "order    "
            << (args.Has("unsigned") ? "volunteer first: scan the wallet's signed request into `shanliu volunteer complete`"
                                     : "charity signed: the volunteer's wallet confirms and submits")
            << "\nid       " << crypto::ToHex(id) << "\nexpires  at " << body->expires_at_ms() << " ms or height "
            << body->expires_at_height() << ", whichever comes first" << "\npayload  " << payload << "\nlink     "
            << link << "\n";
  if (Status s = PrintRequestQr(link, args.Get("svg"), "Shanliu volunteer confirmation"); !s.ok()) {
    return Fail(kCommand, s);
  }
  return 0;
}

int CompleteCommand(const Args& args) {
  if (Status s = RequireOnly(args, {"charity-key", "node", "no-wait"}); !s.ok()) return Usage(s.message());
  if (args.positional.size() != 2) return Usage("complete takes one PAYLOAD or LINK");
  for (const char* required : {"charity-key", "node"}) {
    if (!args.Has(required)) return Usage(std::string("--") + required + " is required");
  }
  auto payload = ledger::RedeemPayloadFromText(args.positional[1]);
  if (!payload.ok()) return Fail(kCommand, payload.status());
  auto key = crypto::ReadKeyFile(*args.Get("charity-key"));
  if (!key.ok()) return Fail(kCommand, key.status());
  const NodeClient node(*args.Get("node"));
  auto head = node.Head();
  if (!head.ok()) return Fail(kCommand, head.status());
  auto request = ledger::DecodeRedeemRequest(*payload, head->chain_id, NowMs(), pb::TxBody::kVolunteerService);
  if (!request.ok()) return Fail(kCommand, request.status());
  if (!request->SignedByHolder()) {
    return Fail(kCommand, Status::Error(request->signer ? "wrong_signer" : "missing_signature",
                                        "the request is not signed by its volunteer: the wallet confirms it first"));
  }
  if (Status s = CheckOrganiserKey(node, request->volunteer().charity_org(), key->public_key); !s.ok()) {
    return Fail(kCommand, s);
  }
  auto tx = ledger::CosignRedeemRequest(*request, *key);
  if (!tx.ok()) return Fail(kCommand, tx.status());
  const Bytes envelope = ToBytes(tx->SerializeAsString());
  auto decoded = ledger::DecodeTx(envelope, head->chain_id);
  if (!decoded.ok()) return Fail(kCommand, decoded.status());
  std::cout << "activity " << request->volunteer().activity() << "\nminutes  " << request->volunteer().minutes()
            << "\nholder   " << crypto::ToHex(request->holder) << "\nid       " << crypto::ToHex(decoded->id)
            << "\ncode     " << ReceiptCode(decoded->id) << "\n";
  auto submitted = node.Submit({envelope});
  if (!submitted.ok()) return Fail(kCommand, submitted.status());
  if (!submitted->front().accepted) {
    std::cout << "status   rejected\n";
    return Fail(kCommand, submitted->front().error);
  }
  if (args.Has("no-wait")) {
    std::cout << "status   pending\n";
    return 0;
  }
  return WaitAndReport(node, decoded->id, kCommitWaitMs, kCommand);
}

}  // namespace

int Volunteer(const Args& args) {
  if (args.positional.empty()) return Usage("name a step: request or complete");
  if (args.positional[0] == "request") {
    if (args.positional.size() != 1) return Usage("request takes no positional argument");
    return RequestCommand(args);
  }
  if (args.positional[0] == "complete") return CompleteCommand(args);
  return Usage("unknown step '" + args.positional[0] + "': request or complete");
}

}  // namespace shanliu::cli
