// The demo district as a deterministic plan: every transaction, phase by phase, with who
// signs it. Nothing here touches the network; demo.cc signs and submits the phases.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "demo_sim.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/pb/shanliu.pb.h"

namespace shanliu::cli::demo {

// The founding organisations the genesis registered (their keys are in DIR/keys).
struct Founders {
  std::string bureau;
  std::string federation;
  std::vector<std::string> banks;  // at least one
};

struct PlanOptions {
  std::string seed = "shanliu-demo";
  std::uint64_t donations = 3000;
  std::uint64_t now_ms = 0;  // the demo's "today": periods and dates are placed around it
  std::int64_t donation_fen_per_point = 1000;  // genesis parameters (points earned)
  std::uint64_t volunteer_points_per_hour = 10;
  std::uint64_t timebank_points_per_hour = 10;  // genesis: service time paid in points (0: never)
  Founders founders;
  // Where the node serves the demo's disclosure documents (its /documents/ path, api.documents_dir),
  // without a trailing slash: each Disclosure's url is this + "/<org>/<file>".
  std::string documents_url = "http://127.0.0.1:8080/documents";
};

// A disclosure document the demo writes under the node's documents_dir; the ledger records
// SHA-256(content) as the disclosure's document_sha256.
struct DemoDocument {
  std::string path;     // relative: "<org>/<file>"
  std::string content;  // UTF-8 text
};

struct PlannedTx {
  pb::TxBody body;                   // the payload only; chain id, expiry, nonce and time come at signing
  std::vector<std::string> signers;  // key names, in signing order: org ids or "resident-<n>"
  int gift = -1;       // donations: index into Plan::gifts
  int refund_of = -1;  // refunds: the gift whose tx id goes into donation_tx_id at signing
};

struct Phase {
  std::string name;
  std::vector<PlannedTx> txs;
};

struct GiftInfo {
  std::string account;       // credited account
  std::string recorded_by;   // the receiving organisation
  std::int64_t amount_fen = 0;
  std::string points_holder;  // the resident who earned its points (none: empty)
  std::uint64_t points = 0;
};

struct PlanTotals {
  std::size_t charities = 0, merchants = 0, trustees = 0, projects = 0;
  std::size_t restricted = 0, attested = 0, with_points = 0, named = 0;
  std::int64_t donated_fen = 0;
  std::size_t trust_deposits = 0, trust_disbursements = 0;
  std::int64_t trust_deposited_fen = 0, trust_disbursed_fen = 0;
  std::size_t allocations = 0, grants = 0;
  std::int64_t allocated_fen = 0, granted_fen = 0;
  std::size_t spends = 0;
  std::map<std::string, std::int64_t> spent_by_category_fen;
  std::size_t refunds = 0;
  std::int64_t refunded_fen = 0;
  std::size_t volunteer_services = 0, redemptions = 0, disclosures = 0, closed_projects = 0;
  std::uint64_t volunteer_minutes = 0, points_earned = 0, points_redeemed = 0;
  std::size_t service_exchanges = 0, points_moves = 0;  // the time bank
  std::uint64_t service_minutes = 0;
  std::map<std::string, std::size_t> projects_by_category;
};

struct Plan {
  std::vector<Phase> phases;
  std::vector<GiftInfo> gifts;             // one per donation, in plan order
  std::vector<GiftUse> uses;               // what became of each gift (the FIFO model's answer)
  std::vector<int> showcase;               // up to 3 gifts partly spent: good receipts to try
  std::map<std::string, crypto::KeyPair> keys;  // keys the demo derives (organisations and residents)
  std::vector<DemoDocument> documents;     // one per disclosure, in plan order
  PlanTotals totals;
  std::string trust_id;
};

// Keys the demo derives: crypto::KeyPairFromSeed(SHA-256(seed || name)).
crypto::KeyPair DemoKey(const std::string& seed, const std::string& name);

Plan MakePlan(const PlanOptions& options);

}  // namespace shanliu::cli::demo
