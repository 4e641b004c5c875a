// shanliu submit: sends a complete signing request or a saved envelope to POST /v1/txs. Safe to
// repeat: the node answers a tx it already holds or committed with where it is, not an error.

#include <cctype>
#include <iostream>

#include "commands.h"
#include "cosign.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/tx.h"
#include "tx_sign.h"

namespace shanliu::cli {
namespace {

// An envelope file holds base64 of at most kMaxEnvelopeBytes (4/3 larger) plus line breaks.
constexpr std::size_t kMaxFileBytes = ledger::kMaxSigningRequestBytes;

std::string_view Trimmed(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

// The envelope in `text`: a complete signing request (JSON), base64 text (as tx --dry-run
// prints it, optionally after "envelope "), or the raw protobuf bytes.
Result<Bytes> EnvelopeFromFile(const std::string& text, const std::string& chain_id) {
  std::string_view t = Trimmed(text);
  if (t.starts_with("{")) {
    auto request = ledger::ParseSigningRequest(text, chain_id);
    if (!request.ok()) return request.status();
    return ledger::RequestEnvelope(*request);
  }
  if (t.starts_with("envelope ")) t = Trimmed(t.substr(9));
  auto decoded = crypto::FromBase64(t);
  if (decoded.ok()) return decoded;
  return Bytes(text.begin(), text.end());
}

int Report(const NodeClient& node, const ledger::DecodedTx& tx, const Submitted& result, bool wait) {
  std::cout << "id       " << crypto::ToHex(tx.id) << "\ncode     " << ReceiptCode(tx.id) << "\n";
  if (!result.accepted) {
    std::cout << "status   rejected\n";
    return Fail("submit", Status::Error(result.error.code(), "rejected: " + result.error.ToString()));
  }
  if (!wait) {
    std::cout << "status   accepted (GET " << node.base_url() << "/v1/txs/" << crypto::ToHex(tx.id) << ")\n";
    return 0;
  }
  return WaitAndReport(node, tx.id, kCommitWaitMs, "submit");
}

}  // namespace

const char kSubmitUsage[] = R"(usage: shanliu submit FILE --node URL [--wait]

Submits a complete signing request (every required signature present) or a saved envelope
(base64, as shanliu tx --dry-run prints it, or the raw protobuf bytes) to POST /v1/txs. The
envelope is decoded locally first exactly as the node will. Safe to repeat after a timeout: a tx
the node already holds or has committed is answered with where it is, not booked twice.

  --wait    wait (up to 60 s) until it is committed or rejected
)";

int Submit(const Args& args) {
  const auto usage = [](const std::string& m) { return UsageError("submit", kSubmitUsage, m); };
  if (Status s = RequireOnly(args, {"node", "wait"}); !s.ok()) return usage(s.message());
  if (args.positional.size() != 1 || !args.Has("node")) return usage("name one FILE and give --node URL");
  const NodeClient node(*args.Get("node"));
  auto text = ReadSmallFile(args.positional[0], kMaxFileBytes);
  if (!text.ok()) return Fail("submit", text.status());
  auto head = node.Head();
  if (!head.ok()) return Fail("submit", head.status());
  auto envelope = EnvelopeFromFile(*text, head->chain_id);
  if (!envelope.ok()) return Fail("submit", envelope.status());
  auto tx = ledger::DecodeTx(*envelope, head->chain_id);
  if (!tx.ok()) return Fail("submit", Status::Error(tx.status().code(), "not sent: " + tx.status().message()));
  auto submitted = node.Submit({tx->envelope});
  if (!submitted.ok()) return Fail("submit", submitted.status());
  return Report(node, *tx, submitted->front(), args.Has("wait"));
}

}  // namespace shanliu::cli
