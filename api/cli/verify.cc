// shanliu verify: fetch a receipt proof and check it offline against the genesis file.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "format.h"
#include "node_client.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/text.h"
#include "shanliu/ledger/tx.h"
#include "tx_sign.h"
#include "verify_flow.h"
#include "verify_proof.h"

namespace shanliu::cli {
namespace {

using nlohmann::json;

constexpr int kExitVerificationFailed = 3;

Result<json> ReadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("io_error", "cannot open " + path);
  std::ostringstream text;
  text << in.rdbuf();
  json j = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Error("invalid_json", path + " is not valid JSON");
  return j;
}

// A saved file may hold the proof itself or a whole GET /v1/receipts/{code} answer.
const json& ProofOf(const json& j) {
  if (j.is_object() && !j.contains("tx") && j.contains("proof")) return j["proof"];
  return j;
}

std::string Describe(const ProofReport& r) {
  const pb::TxBody& b = r.body;
  std::string what = ledger::PayloadKindName(b);
  if (b.has_donation()) {
    const pb::Donation& d = b.donation();
    what = "donation of " + Yuan(d.amount_fen()) + " to " + d.to_account() +
           (d.attesting_bank().empty() ? " (self-reported by the receiver)" : " (attested by " + d.attesting_bank() + ")");
  } else if (b.has_goods_donation()) {
    const pb::GoodsDonation& g = b.goods_donation();
    // The unit is ledger text: escaped so it cannot drive the terminal.
    what = "goods donation of " + std::to_string(g.quantity()) + " " + ledger::EscapeForTerminal(g.unit()) + " of " + g.item_code() + " to " +
           g.to_account() + (g.notary_org().empty() ? " (self-reported by the receiver)" : " (witnessed by " + g.notary_org() + ")");
  } else if (b.has_trust_deposit()) {
    what = "trust deposit of " + Yuan(b.trust_deposit().amount_fen()) + " into trust:" + b.trust_deposit().trust_id();
  }
  const pb::BlockHeader& h = r.proof.header();
  return what + ", committed in block " + std::to_string(h.height()) + " on " + BeijingDateTime(h.time_ms()) +
         " (Beijing time)";
}

// The flow proof and the server's JSON against it; prints what was proven. Returns the exit code.
int VerifyFlowPart(const json& answer, const ProofReport& receipt, const ledger::Genesis& genesis) {
  const FlowReport flow = VerifyFlowAnswer(answer, receipt, genesis);
  if (!flow.status.ok()) {
    std::cout << "  ✗ flow proof  " << flow.status.code() << ": " << flow.status.message() << "\n";
    std::cerr << "shanliu verify: NOT VERIFIED: flow proof (" << flow.status.code() << ")\n";
    return kExitVerificationFailed;
  }
  const pb::BlockHeader& h = flow.flow.header;
  std::cout << "  ✓ flow proof  checks 1-8 hold against block " << h.height() << " (state_root "
            << crypto::ToHex(AsBytes(h.state_root())).substr(0, 16) << "…)\n";
  PrintFlow(std::cout, flow.flow);
  if (!flow.mismatches.empty()) {
    std::string fields;
    for (const std::string& m : flow.mismatches) {
      std::cout << "  ✗ server JSON " << m << "\n";
      fields += (fields.empty() ? "" : ", ") + m.substr(0, m.find(':'));
    }
    std::cerr << "shanliu verify: NOT VERIFIED: the server's JSON differs from the proof at " << fields << "\n";
    return kExitVerificationFailed;
  }
  std::cout << "  ✓ server JSON  all " << flow.compared << " values of the "
            << (flow.flow.goods ? "goods donation and its trace" : "donation and trace") << " are the proven ones\n";
  return 0;
}

}  // namespace

const char kVerifyUsage[] = R"(usage: shanliu verify CODE --node URL --genesis FILE [--save FILE]
       shanliu verify [CODE] --proof FILE --genesis FILE

Fetches the receipt of CODE from GET /v1/receipts/{code} (or reads a saved one with --proof)
and verifies it offline with nothing but the genesis file: the receipt proof (the tx id,
every tx signature, the Merkle inclusion proof, the block header hash, the chain id and
validator set, the validators' commit certificate: DESIGN 6.2), then the flow proof (every
hop, spend, refund and unspent rest, and the names and bank shown: docs/flow-proof.md), and
finally that every value of the server's donation and trace JSON (for a goods donation: its
goods JSON, in units of the item) is the proven one.

options:
  --node URL       node API, e.g. http://127.0.0.1:8080
  --genesis FILE   the chain's genesis.json (the only thing trusted)
  --proof FILE     verify a saved receipt answer (or a bare receipt proof, which proves the
                   gift only) without any network
  --save FILE      also write the fetched receipt answer to FILE

exit status: 0 every check holds; 1 cannot fetch or read; 2 usage; 3 a check failed
)";

int Verify(const Args& args) {
  if (Status s = RequireOnly(args, {"node", "genesis", "proof", "save"}); !s.ok()) {
    return UsageError("verify", kVerifyUsage, s.message());
  }
  const bool from_file = args.Has("proof");
  if (!args.Has("genesis")) return UsageError("verify", kVerifyUsage, "--genesis FILE is required");
  if (from_file == args.Has("node")) {
    return UsageError("verify", kVerifyUsage, "give exactly one of --node URL and --proof FILE");
  }
  if (from_file && args.Has("save")) return UsageError("verify", kVerifyUsage, "--save needs --node");
  if (args.positional.size() > 1 || (!from_file && args.positional.size() != 1)) {
    return UsageError("verify", kVerifyUsage, from_file ? "at most one receipt CODE" : "one receipt CODE is needed");
  }
  const std::string code = args.positional.empty() ? "" : args.positional[0];
  if (!code.empty() && !LooksLikeReceiptCode(code)) {
    return UsageError("verify", kVerifyUsage, "'" + code + "' is not a receipt code (12 to 52 base32 characters)");
  }

  auto genesis = ledger::LoadGenesis(*args.Get("genesis"));
  if (!genesis.ok()) return Fail("verify", genesis.status());

  json document;
  if (from_file) {
    auto read = ReadJsonFile(*args.Get("proof"));
    if (!read.ok()) return Fail("verify", read.status());
    document = std::move(*read);
  } else {
    NodeClient node(*args.Get("node"));
    auto receipt = node.GetJson("/v1/receipts/" + code);
    if (!receipt.ok()) return Fail("verify", receipt.status());
    if (!receipt->is_object() || !receipt->contains("proof")) {
      return Fail("verify", Status::Error("bad_response", "the receipt answer holds no proof"));
    }
    document = std::move(*receipt);
    if (auto save = args.Get("save")) {
      std::ofstream out(*save, std::ios::binary | std::ios::trunc);
      out << document.dump(2) << "\n";
      if (!out) return Fail("verify", Status::Error("io_error", "cannot write " + *save));
    }
  }

  const ProofReport report = VerifyReceiptProof(ProofOf(document), *genesis, code);
  std::cout << "receipt " << (report.tx_id == Hash256{} ? code : crypto::ToBase32(report.tx_id)) << "\n";
  std::size_t width = 0;
  for (const ProofCheck& c : report.checks) width = std::max(width, c.name.size());
  for (const ProofCheck& c : report.checks) {
    std::cout << "  " << (c.ok ? "✓" : "✗") << " " << c.name << std::string(width - c.name.size() + 2, ' ')
              << c.detail << "\n";
  }
  if (!report.ok()) {
    std::string failed;
    for (const std::string& name : report.Failed()) failed += (failed.empty() ? "" : ", ") + name;
    std::cerr << "shanliu verify: NOT VERIFIED: " << failed << "\n";
    return kExitVerificationFailed;
  }
  std::cout << Describe(report) << "\n";
  std::cout << "verified offline against " << *args.Get("genesis") << ": signed by "
            << report.commit_signers.size() << " of " << report.validator_count << " validators\n";
  // A bare receipt proof (a file saved by older versions) proves the gift only.
  if (from_file && !(document.is_object() && document.contains("flow_proof"))) {
    std::cout << "flow: not proven (the file holds no flow_proof; save a whole receipt answer with --save)\n";
    return 0;
  }
  return VerifyFlowPart(document, report, *genesis);
}

}  // namespace shanliu::cli
