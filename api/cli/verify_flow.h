// `shanliu verify`'s second half: the flow proof (docs/flow-proof.md) of a receipt answer,
// verified with the ledger's pure verifier, and every value of the server's `donation` and
// `trace` JSON compared with what the proofs prove.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "shanliu/ledger/flow_proof.h"
#include "shanliu/ledger/genesis.h"
#include "verify_proof.h"

namespace shanliu::cli {

struct FlowReport {
  Status status;  // ok, or the failed check (its code is the check's name)
  ledger::flow_proof::VerifiedFlow flow;
  std::vector<std::string> mismatches;  // "trace.nodes[0].amount_fen: the server says 5000, the proof 6000"
  std::size_t compared = 0;             // values of the server's JSON compared with proven ones

  bool ok() const { return status.ok() && mismatches.empty(); }
};

// The receipt proof's facts the flow proof builds on (DESIGN 6.2, verified by `receipt`).
ledger::flow_proof::ReceiptFacts FactsOf(const ProofReport& receipt);

// Verifies answer["flow_proof"] against the verified receipt proof and the genesis, then
// compares answer["donation"] and answer["trace"] (a goods receipt: answer["goods"]) with the
// proven values.
FlowReport VerifyFlowAnswer(const nlohmann::json& answer, const ProofReport& receipt, const ledger::Genesis& genesis);

// The donation and trace JSON (the API's shapes: api/src/trace.h) as far as the proofs prove
// them; fields the proofs do not cover (a hop's block height and time) are left out.
nlohmann::json ProvenDonationJson(const ledger::flow_proof::VerifiedFlow& flow, const ProofReport& receipt);
nlohmann::json ProvenTraceJson(const ledger::flow_proof::VerifiedFlow& flow);
// A goods receipt's "goods" JSON (GET /v1/goods/{id}/trace's shape) as far as the proofs prove it:
// everything but a hop's block height and time, a transfer's block date and a region's name.
nlohmann::json ProvenGoodsJson(const ledger::flow_proof::VerifiedFlow& flow, const ProofReport& receipt);

// Every value of `proven` must be in `server` and equal; appends "path: why" for each that is not.
// Returns how many values were compared.
std::size_t CompareJson(const nlohmann::json& proven, const nlohmann::json& server, const std::string& path,
                        std::vector<std::string>& mismatches);

// The verified flow, one line per node, indented by hop.
void PrintFlow(std::ostream& out, const ledger::flow_proof::VerifiedFlow& flow);

}  // namespace shanliu::cli
