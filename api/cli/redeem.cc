// shanliu redeem: the merchant's side of a redemption at the counter (docs/cli.md, "redeem").
// `request` builds the RedeemPoints the resident's phone wallet will approve, signed by the
// merchant first or left unsigned, as a link and a QR code; `complete` takes the holder-signed
// request back, checks it, co-signs it and submits it.
#include <fstream>
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

// Long enough for a resident to read the screen and approve, short enough that a photographed
// QR code left on a counter soon means nothing.
constexpr std::uint64_t kDefaultRequestExpiresInMs = 600'000;

// The merchant organisation on the ledger: active, a points merchant, and `key` one of its keys —
// checked here so a wrong key file fails at the counter, not after the resident has signed.
Status CheckMerchantKey(const NodeClient& node, const std::string& org_id, const crypto::PublicKey& key) {
  return CheckOrgSigningKey(node, org_id, key, {"merchant"}, "organisation '" + org_id + "' is not a points merchant",
                            "merchant");
}

struct CatalogueItem {
  std::string name;  // "name_zh / name_en" (or name_zh alone), as the resident will see it
  std::uint64_t points = 0;
};

// The merchant's listed, active catalogue item `item_id`, read page by page from the node.
Result<CatalogueItem> FindCatalogueItem(const NodeClient& node, const std::string& merchant,
                                        const std::string& item_id) {
  constexpr int kMaxPages = 1'000;  // a runaway cursor must not loop forever
  std::string cursor;
  for (int page = 0; page < kMaxPages; ++page) {
    auto answer = node.GetJson("/v1/merchants/" + merchant + "/catalogue?limit=100" +
                               (cursor.empty() ? "" : "&cursor=" + cursor));
    if (!answer.ok()) return answer.status();
    for (const json& item : answer->value("items", json::array())) {
      if (!item.is_object() || item.value("item_id", "") != item_id) continue;
      if (!item.value("active", false)) {
        return Status::Error("catalogue_item_inactive", "item '" + item_id + "' was withdrawn from the catalogue");
      }
      CatalogueItem out;
      out.name = item.value("name_zh", "");
      if (const std::string en = item.value("name_en", ""); !en.empty()) out.name += " / " + en;
      out.points = item.value("points", std::uint64_t{0});
      return out;
    }
    const json next = answer->value("next", json());
    if (!next.is_string() || next.get<std::string>() == cursor) break;
    cursor = next.get<std::string>();
  }
  return Status::Error("unknown_catalogue_item", "merchant '" + merchant + "' lists no item '" + item_id + "'");
}

}  // namespace

const char kRedeemUsage[] = R"(usage: shanliu redeem request --merchant ORG --merchant-key FILE --holder HEX
                              (--points N --item TEXT | --catalogue-item SLUG) --node URL
                              [--unsigned] [--expires-in-ms MS] [--expires-in N]
                              [--explorer URL] [--svg FILE]
       shanliu redeem complete PAYLOAD|LINK --merchant-key FILE --node URL [--no-wait]

A redemption of charity points at a partner shop needs two signatures: the resident's (the
points holder, in the phone wallet) and the merchant's. The request travels as a QR code.

request   builds the RedeemPoints and prints the link <explorer>/points/approve#r=<payload>
          and its QR code. By default the merchant signs first: the resident's wallet then
          shows what is redeemed, signs and submits it itself. With --unsigned the holder signs
          first: the wallet shows its signed request as a QR code, which the merchant scans
          into `redeem complete`.
complete  takes the holder-signed request back (the payload or the whole link), checks it is
          this chain's, unexpired, signed by its holder, and for this merchant; co-signs it,
          submits it and waits until it is committed.

options:
  --merchant ORG        the merchant organisation id (kind merchant)
  --merchant-key FILE   one of its keys (checked against the ledger before anything is signed)
  --holder HEX          the wallet's public key (shown under the wallet's own QR code)
  --points N            points to redeem (1..10^12)
  --item TEXT           what the points pay for, as the resident will see it
  --catalogue-item SLUG an item of the merchant's catalogue (GET /v1/merchants/ORG/catalogue):
                        --points defaults to its listed price (and must equal it if given),
                        --item to its name (zh / en)
  --expires-in-ms MS    the request lapses MS ms from now (60000..86400000, default 600000);
                        a half-signed request is worthless after that
  --expires-in N        and N blocks from the current height (1..1000, default 1000)
  --explorer URL        where the wallet is served (default: the --node URL)
  --svg FILE            also write the QR code as an SVG file
  --no-wait             submit and return without waiting for the commit
)";

namespace {

int RedeemRequestCommand(const Args& args) {
  const auto usage = [](const std::string& m) { return UsageError("redeem", kRedeemUsage, m); };
  if (Status s = RequireOnly(args, {"merchant", "merchant-key", "holder", "points", "item", "node", "unsigned",
                                    "expires-in-ms", "expires-in", "explorer", "svg", "catalogue-item"});
      !s.ok()) {
    return usage(s.message());
  }
  const bool from_catalogue = args.Has("catalogue-item");
  for (const char* required : {"merchant", "merchant-key", "holder", "points", "item", "node"}) {
    const std::string_view name = required;
    const bool filled_by_catalogue = from_catalogue && (name == "points" || name == "item");
    if (!args.Has(required) && !filled_by_catalogue) return usage(std::string("--") + required + " is required");
  }
  if (from_catalogue && !ledger::IsValidId(*args.Get("catalogue-item"))) {
    return usage("--catalogue-item is an item id ([a-z0-9-]{3,40})");
  }
  auto holder = ParseHolderKey(*args.Get("holder"));
  if (!holder.ok()) return usage(holder.status().message());
  std::optional<std::uint64_t> points;
  if (auto text = args.Get("points")) {
    auto parsed = ParseUInt(*text, 1, ledger::TxLimits::kMaxPoints, "--points");
    if (!parsed.ok()) return usage(parsed.status().message());
    points = *parsed;
  }
  auto expires_in_ms = ParseUInt(args.Get("expires-in-ms").value_or(std::to_string(kDefaultRequestExpiresInMs)),
                                 60'000, 86'400'000, "--expires-in-ms");
  if (!expires_in_ms.ok()) return usage(expires_in_ms.status().message());
  auto expires_in = ParseUInt(args.Get("expires-in").value_or("1000"), 1, 1000, "--expires-in");
  if (!expires_in.ok()) return usage(expires_in.status().message());
  auto key = crypto::ReadKeyFile(*args.Get("merchant-key"));
  if (!key.ok()) return Fail("redeem", key.status());

  const NodeClient node(*args.Get("node"));
  if (Status s = CheckMerchantKey(node, *args.Get("merchant"), key->public_key); !s.ok()) return Fail("redeem", s);
  std::string item_text = args.Get("item").value_or("");
  if (from_catalogue) {
    auto item = FindCatalogueItem(node, *args.Get("merchant"), *args.Get("catalogue-item"));
    if (!item.ok()) return Fail("redeem", item.status());
    if (points && *points != item->points) {
      return Fail("redeem", Status::Error("price_mismatch", "item '" + *args.Get("catalogue-item") + "' is listed at " +
                                                                std::to_string(item->points) + " points, not " +
                                                                std::to_string(*points)));
    }
    points = item->points;
    if (item_text.empty()) item_text = item->name;
  }
  auto head = node.Head();
  if (!head.ok()) return Fail("redeem", head.status());
  pb::TxBody body = NewTxBody(head->chain_id, head->height + *expires_in, *expires_in_ms);
  pb::RedeemPoints* r = body.mutable_redeem_points();
  r->set_holder(std::string(holder->begin(), holder->end()));
  r->set_merchant_org(*args.Get("merchant"));
  r->set_points(*points);
  r->set_item(item_text);
  if (from_catalogue) r->set_catalogue_item(*args.Get("catalogue-item"));

  // Decoded exactly as the wallet and the node will, so a bad item text fails here.
  ledger::RedeemRequest unsigned_request;
  unsigned_request.body_bytes = body.SerializeAsString();
  unsigned_request.body = body;
  pb::Tx envelope;
  envelope.set_body(unsigned_request.body_bytes);
  if (!args.Has("unsigned")) {
    auto signed_tx = ledger::CosignRedeemRequest(unsigned_request, *key);
    if (!signed_tx.ok()) return Fail("redeem", signed_tx.status());
    envelope = *signed_tx;
  }
  const std::string payload = ledger::EncodeRedeemRequest(envelope);
  if (auto check = ledger::DecodeRedeemRequest(payload, head->chain_id, NowMs()); !check.ok()) {
    return Fail("redeem", Status::Error(check.status().code(), "not a valid request: " + check.status().message()));
  }
  std::string base = args.Get("explorer").value_or(*args.Get("node"));
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string link = base + "/points/approve#r=" + payload;
  const Hash256 id = ledger::TxId(AsBytes(unsigned_request.body_bytes));
  std::cout << "order    " << (args.Has("unsigned") ? "holder first: scan the wallet's signed request into `shanliu redeem complete`"
                                                     : "merchant signed: the resident's wallet signs and submits")
            << "\nid       " << crypto::ToHex(id) << "\nexpires  at " << body.expires_at_ms()
            << " ms or height " << body.expires_at_height() << ", whichever comes first"
            << "\nitem     " << item_text << (from_catalogue ? " [catalogue: " + *args.Get("catalogue-item") + "]" : "")
            << "\npoints   " << *points << "\npayload  " << payload << "\nlink     " << link << "\n";
  if (Status s = PrintRequestQr(link, args.Get("svg"), "Shanliu redemption request"); !s.ok()) return Fail("redeem", s);
  return 0;
}

int RedeemCompleteCommand(const Args& args) {
  const auto usage = [](const std::string& m) { return UsageError("redeem", kRedeemUsage, m); };
  if (Status s = RequireOnly(args, {"merchant-key", "node", "no-wait"}); !s.ok()) return usage(s.message());
  if (args.positional.size() != 2) return usage("complete takes one PAYLOAD or LINK");
  for (const char* required : {"merchant-key", "node"}) {
    if (!args.Has(required)) return usage(std::string("--") + required + " is required");
  }
  auto payload = ledger::RedeemPayloadFromText(args.positional[1]);
  if (!payload.ok()) return Fail("redeem", payload.status());
  auto key = crypto::ReadKeyFile(*args.Get("merchant-key"));
  if (!key.ok()) return Fail("redeem", key.status());
  const NodeClient node(*args.Get("node"));
  auto head = node.Head();
  if (!head.ok()) return Fail("redeem", head.status());
  auto request = ledger::DecodeRedeemRequest(*payload, head->chain_id, NowMs());
  if (!request.ok()) return Fail("redeem", request.status());
  if (!request->SignedByHolder()) {
    return Fail("redeem", Status::Error(request->signer ? "wrong_signer" : "missing_signature",
                                        "the request is not signed by its holder: the resident approves it first"));
  }
  if (Status s = CheckMerchantKey(node, request->redeem().merchant_org(), key->public_key); !s.ok()) {
    return Fail("redeem", s);
  }
  auto tx = ledger::CosignRedeemRequest(*request, *key);
  if (!tx.ok()) return Fail("redeem", tx.status());
  const Bytes envelope = ToBytes(tx->SerializeAsString());
  auto decoded = ledger::DecodeTx(envelope, head->chain_id);
  if (!decoded.ok()) return Fail("redeem", decoded.status());
  const std::string& listed = request->redeem().catalogue_item();
  std::cout << "item     " << request->redeem().item() << (listed.empty() ? "" : " [catalogue: " + listed + "]")
            << "\npoints   " << request->redeem().points()
            << "\nholder   " << crypto::ToHex(request->holder) << "\nid       " << crypto::ToHex(decoded->id)
            << "\ncode     " << ReceiptCode(decoded->id) << "\n";
  auto submitted = node.Submit({envelope});
  if (!submitted.ok()) return Fail("redeem", submitted.status());
  if (!submitted->front().accepted) {
    std::cout << "status   rejected\n";
    return Fail("redeem", submitted->front().error);
  }
  if (args.Has("no-wait")) {
    std::cout << "status   pending\n";
    return 0;
  }
  return WaitAndReport(node, decoded->id, kCommitWaitMs, "redeem");
}

}  // namespace

int Redeem(const Args& args) {
  if (args.positional.empty()) return UsageError("redeem", kRedeemUsage, "name a step: request or complete");
  if (args.positional[0] == "request") {
    if (args.positional.size() != 1) return UsageError("redeem", kRedeemUsage, "request takes no positional argument");
    return RedeemRequestCommand(args);
  }
  if (args.positional[0] == "complete") return RedeemCompleteCommand(args);
  return UsageError("redeem", kRedeemUsage, "unknown step '" + args.positional[0] + "': request or complete");
}

}  // namespace shanliu::cli
