// shanliu demo: load a realistic, deterministic demo district through the API (DESIGN 11).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "commands.h"
#include "demo_plan.h"
#include "demo_sink.h"
#include "format.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/genesis.h"
#include "tx_sign.h"

namespace shanliu::cli {
namespace {

namespace fs = std::filesystem;
using demo::Plan;

constexpr std::size_t kMaxFailuresShown = 50;

Result<demo::Founders> FoundersOf(const ledger::Genesis& genesis) {
  demo::Founders f;
  for (const ledger::GenesisOrg& o : genesis.organisations) {
    if (o.kind == pb::ORG_KIND_BUREAU && f.bureau.empty()) f.bureau = o.org_id;
    if (o.kind == pb::ORG_KIND_FEDERATION && f.federation.empty()) f.federation = o.org_id;
    if (o.kind == pb::ORG_KIND_BANK) f.banks.push_back(o.org_id);
  }
  if (f.federation.empty() || f.banks.empty()) {
    return Status::Error("invalid_genesis", "the demo needs a federation and at least one bank in the genesis "
                                            "(shanliu devnet makes such a genesis)");
  }
  return f;
}

// The founders' keys come from DIR/keys (written by shanliu devnet) and must be the genesis keys.
Status LoadFounderKeys(const fs::path& dir, const ledger::Genesis& genesis, std::map<std::string, crypto::KeyPair>* keys) {
  for (const ledger::GenesisOrg& o : genesis.organisations) {
    const fs::path path = dir / "keys" / (o.org_id + ".key");
    auto key = crypto::ReadKeyFile(path);
    if (!key.ok()) return Status::Error(key.status().code(), "key of '" + o.org_id + "': " + key.status().message());
    if (std::find(o.public_keys.begin(), o.public_keys.end(), key->public_key) == o.public_keys.end()) {
      return Status::Error("wrong_key", path.string() + " is not a key of '" + o.org_id + "' in the genesis");
    }
    keys->emplace(o.org_id, std::move(*key));
  }
  return Status::Ok();
}

// Every key the demo derives is saved, so later commands (shanliu tx) can sign as its organisations.
Status SaveDemoKeys(const fs::path& dir, const std::map<std::string, crypto::KeyPair>& keys) {
  for (const auto& [name, key] : keys) {
    const fs::path path = dir / "keys" / (name + ".key");
    std::error_code ec;
    if (fs::exists(path, ec)) {
      auto existing = crypto::ReadKeyFile(path);
      if (!existing.ok()) return existing.status();
      if (existing->public_key != key.public_key) {
        return Status::Error("wrong_key", path.string() + " holds a different key: it was made with another --seed");
      }
      continue;
    }
    SHANLIU_RETURN_IF_ERROR(crypto::WriteKeyFile(path, key));
  }
  return Status::Ok();
}

// Where the node serving `dir`'s devnet serves /documents/: the --node URL, else node0's API port.
std::string DocumentsUrl(const std::optional<std::string>& node_url, const fs::path& dir) {
  if (node_url) {
    std::string base = *node_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + "/documents";
  }
  std::ifstream in(dir / "node0" / "config.json");
  const nlohmann::json config = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  std::uint64_t port = 8080;
  if (config.is_object() && config.contains("api") && config["api"].is_object() && config["api"].contains("port") &&
      config["api"]["port"].is_number_unsigned()) {
    port = config["api"]["port"].get<std::uint64_t>();
  }
  return "http://127.0.0.1:" + std::to_string(port) + "/documents";
}

// The disclosure documents, under DIR/documents (the devnet's api.documents_dir), before the
// disclosures that link to them are submitted.
Status WriteDocuments(const fs::path& dir, const std::vector<demo::DemoDocument>& documents) {
  for (const demo::DemoDocument& doc : documents) {
    const fs::path path = dir / "documents" / doc.path;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return Status::Error("io_error", "cannot create " + path.parent_path().string() + ": " + ec.message());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << doc.content;
    out.close();
    if (!out) return Status::Error("io_error", "cannot write " + path.string());
  }
  return Status::Ok();
}

void PrintSummary(const Plan& plan, const std::vector<Hash256>& gift_ids, const std::string& node_url,
                  const fs::path& dir, double seconds) {
  const demo::PlanTotals& t = plan.totals;
  std::int64_t spent = 0;
  std::string by_category;
  for (const auto& [category, fen] : t.spent_by_category_fen) {
    spent += fen;
    by_category += (by_category.empty() ? "" : ", ") + category + " " + Yuan(fen);
  }
  std::string projects;
  for (const auto& [category, n] : t.projects_by_category) {
    projects += (projects.empty() ? "" : ", ") + category + " " + std::to_string(n);
  }
  const std::size_t donations = plan.gifts.size();
  std::cout << "\ndemo district loaded in " << static_cast<int>(seconds * 10) / 10.0 << " s\n"
            << "  organisations  " << t.charities << " charities, " << t.merchants << " partner shops, " << t.trustees
            << " trustee (registered by the bureau)\n"
            << "  projects       " << t.projects << " (" << projects << "), " << t.closed_projects << " closed\n"
            << "  charity trust  " << plan.trust_id << ": " << t.trust_deposits << " deposits "
            << Yuan(t.trust_deposited_fen) << ", " << t.trust_disbursements << " disbursements "
            << Yuan(t.trust_disbursed_fen) << "\n"
            << "  donations      " << donations << " totalling " << Yuan(t.donated_fen) << ": " << t.restricted
            << " restricted to projects, " << t.attested << " bank-attested, " << t.named << " with a display name, "
            << t.with_points << " earning points\n"
            << "  allocations    " << t.allocations << " to own projects " << Yuan(t.allocated_fen) << ", " << t.grants
            << " federation grants " << Yuan(t.granted_fen) << "\n"
            << "  spending       " << t.spends << " records " << Yuan(spent) << " (" << by_category << ")\n"
            << "  refunds        " << t.refunds << " " << Yuan(t.refunded_fen) << "\n"
            << "  points         " << t.volunteer_services << " volunteer services (" << t.volunteer_minutes / 60
            << " h), " << t.points_earned << " earned, " << t.redemptions << " redemptions (" << t.points_redeemed
            << " points)\n"
            << "  time bank      " << t.service_exchanges << " services for banked time (" << t.service_minutes
            << " min), " << t.points_moves << " balances moved to a fresh key\n"
            << "  disclosures    " << t.disclosures << "\n"
            << "  keys           " << (dir / "keys").string() << "/ (organisations and residents' wallets)\n";
  if (plan.showcase.empty()) return;
  std::cout << "\nreceipts to try (donations whose money is partly spent):\n";
  for (int g : plan.showcase) {
    const demo::GiftInfo& gift = plan.gifts[static_cast<std::size_t>(g)];
    const demo::GiftUse& use = plan.uses[static_cast<std::size_t>(g)];
    std::cout << "  " << ReceiptCode(gift_ids[static_cast<std::size_t>(g)]) << "  " << Yuan(gift.amount_fen) << " to "
              << gift.account << ": " << Yuan(use.spent) << " spent"
              << (use.moved > 0 ? ", " + Yuan(use.moved) + " moved on to projects" : "") << "\n";
  }
  const std::string first = ReceiptCode(gift_ids[static_cast<std::size_t>(plan.showcase.front())]);
  const std::string base = node_url.empty() ? "http://<node>" : node_url;
  std::cout << "explorer:  " << base << "/r/<code>   e.g. " << base << "/r/" << first << "\n"
            << "trace:     shanliu trace " << first << " --node " << base << "\n"
            << "verify:    shanliu verify " << first << " --node " << base << " --genesis "
            << (dir / "genesis.json").string() << "\n";
}

}  // namespace

const char kDemoUsage[] = R"(usage: shanliu demo --node URL --dir DIR [--donations N] [--seed S]
       shanliu demo --data-dir PATH --dir DIR [--donations N] [--seed S]

Loads a realistic demo district (杭州市西湖区 and neighbours) through the API, signing with
the founding organisations' keys in DIR/keys (from shanliu devnet): ~20 charities, partner
shops and a trustee registered by the bureau; ~50 projects (elder meals, children, disaster
relief, medical aid, education); a charity trust; thousands of donations (mostly small, some
large, ~30% restricted to projects, ~40% bank-attested); allocations, federation grants,
trust disbursements, spending with invoice hashes, refunds, volunteer service and points
redeemed at partner shops, and disclosures. Same seed, same district (see docs/demo.md).
Every key it derives is saved in DIR/keys. It waits for each phase to commit, stops with a
non-zero exit if any transaction is rejected, and prints receipt codes to try.

options:
  --node URL        node API, e.g. http://127.0.0.1:8080
  --data-dir PATH   instead of a node: write straight into a stopped node's ledger folder
                    (e.g. DIR/node0/data), committing blocks with the validator keys in DIR/node*/
  --dir DIR         the devnet folder: genesis.json and keys/
  --donations N     number of donations (0..1000000, default 3000)
  --seed S          seed of every name, amount and derived key (default shanliu-demo)
)";

int Demo(const Args& args) {
  const auto usage = [](const std::string& m) { return UsageError("demo", kDemoUsage, m); };
  if (Status s = RequireOnly(args, {"node", "data-dir", "dir", "donations", "seed"}); !s.ok()) return usage(s.message());
  if (!args.positional.empty()) return usage("unexpected argument '" + args.positional[0] + "'");
  if (args.Has("node") == args.Has("data-dir")) return usage("give exactly one of --node URL and --data-dir PATH");
  if (!args.Has("dir")) return usage("--dir DIR is required");
  auto donations = ParseUInt(args.Get("donations").value_or("3000"), 0, 1'000'000, "--donations");
  if (!donations.ok()) return usage(donations.status().message());
  const std::string seed = args.Get("seed").value_or("shanliu-demo");
  if (seed.empty()) return usage("--seed must not be empty");
  const fs::path dir = *args.Get("dir");

  auto genesis = ledger::LoadGenesis(dir / "genesis.json");
  if (!genesis.ok()) return Fail("demo", genesis.status());
  auto founders = FoundersOf(*genesis);
  if (!founders.ok()) return Fail("demo", founders.status());
  std::map<std::string, crypto::KeyPair> founder_keys;
  if (Status s = LoadFounderKeys(dir, *genesis, &founder_keys); !s.ok()) return Fail("demo", s);

  std::unique_ptr<demo::Sink> sink;
  if (args.Has("node")) {
    sink = demo::MakeHttpSink(*args.Get("node"));
  } else {
    auto made = demo::MakeLedgerSink(*args.Get("data-dir"), *genesis, dir);
    if (!made.ok()) return Fail("demo", made.status());
    sink = std::move(*made);
  }
  auto head = sink->Head();
  if (!head.ok()) return Fail("demo", head.status());
  if (head->chain_id != genesis->chain_id || head->validators_hash_hex != crypto::ToHex(genesis->validators_hash())) {
    return Fail("demo", Status::Error("wrong_chain", "the node serves another chain than " +
                                                         (dir / "genesis.json").string() + " (chain id '" +
                                                         head->chain_id + "', validators hash " +
                                                         head->validators_hash_hex.substr(0, 16) + "…)"));
  }

  const auto started = std::chrono::steady_clock::now();
  demo::PlanOptions options;
  options.seed = seed;
  options.donations = *donations;
  options.now_ms = NowMs();
  options.donation_fen_per_point = genesis->params.donation_fen_per_point;
  options.volunteer_points_per_hour = genesis->params.volunteer_points_per_hour;
  options.timebank_points_per_hour = genesis->params.timebank_points_per_hour;
  options.founders = *founders;
  options.documents_url = DocumentsUrl(args.Get("node"), dir);
  const Plan plan = demo::MakePlan(options);
  if (Status s = SaveDemoKeys(dir, plan.keys); !s.ok()) return Fail("demo", s);
  if (Status s = WriteDocuments(dir, plan.documents); !s.ok()) return Fail("demo", s);
  const auto key_of = [&](const std::string& name) -> const crypto::KeyPair* {
    auto f = founder_keys.find(name);
    if (f != founder_keys.end()) return &f->second;
    auto d = plan.keys.find(name);
    return d == plan.keys.end() ? nullptr : &d->second;
  };

  std::cout << "loading the demo district into chain '" << genesis->chain_id << "' (seed '" << seed << "', "
            << *donations << " donations)\n";
  std::vector<Hash256> gift_ids(plan.gifts.size());
  const std::uint64_t window = std::min<std::uint64_t>(500, genesis->params.max_tx_expiry_window);
  // Half the chain's time window: room for validators' clocks to run behind this machine's.
  const std::uint64_t window_ms = std::min<std::uint64_t>(kDefaultExpiresInMs, genesis->params.max_tx_expiry_ms / 2);
  for (const demo::Phase& phase : plan.phases) {
    const auto phase_started = std::chrono::steady_clock::now();
    auto now = sink->Head();
    if (!now.ok()) return Fail("demo", now.status());
    std::vector<ledger::DecodedTx> txs;
    txs.reserve(phase.txs.size());
    for (const demo::PlannedTx& planned : phase.txs) {
      pb::TxBody body = NewTxBody(genesis->chain_id, now->height + window, window_ms);
      body.MergeFrom(planned.body);
      // A spend is dated when it is signed, which is after the phases before it committed: never
      // before the gifts that paid for it (they are all in earlier blocks).
      if (body.has_spend()) body.mutable_spend()->set_occurred_at_ms(std::max(NowMs(), now->time_ms));
      if (planned.refund_of >= 0) {
        const Hash256& id = gift_ids[static_cast<std::size_t>(planned.refund_of)];
        body.mutable_refund()->set_donation_tx_id(std::string(id.begin(), id.end()));
      }
      std::vector<const crypto::KeyPair*> signers;
      for (const std::string& name : planned.signers) {
        const crypto::KeyPair* key = key_of(name);
        if (key == nullptr) return Fail("demo", Status::Error("missing_key", "no key for '" + name + "'"));
        signers.push_back(key);
      }
      auto tx = SignTx(body, signers);
      if (!tx.ok()) {
        return Fail("demo", Status::Error(tx.status().code(), "a planned " + ledger::PayloadKindName(body) +
                                                                  " does not decode: " + tx.status().ToString()));
      }
      if (planned.gift >= 0) gift_ids[static_cast<std::size_t>(planned.gift)] = tx->id;
      txs.push_back(std::move(*tx));
    }
    auto failures = sink->Apply(txs);
    if (!failures.ok()) return Fail("demo", failures.status());
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - phase_started).count();
    if (!failures->empty()) {
      std::cout << "  ✗ " << phase.name << ": " << failures->size() << " of " << txs.size() << " rejected\n";
      for (std::size_t i = 0; i < failures->size() && i < kMaxFailuresShown; ++i) {
        const demo::TxFailure& f = (*failures)[i];
        std::cerr << "    " << ledger::PayloadKindName(txs[f.index].body) << " " << ReceiptCode(txs[f.index].id)
                  << ": " << f.error.ToString() << "\n";
      }
      if (failures->size() > kMaxFailuresShown) {
        std::cerr << "    ... and " << failures->size() - kMaxFailuresShown << " more\n";
      }
      return Fail("demo", Status::Error("rejected", std::to_string(failures->size()) + " transactions of phase '" +
                                                        phase.name + "' were rejected; the demo is incomplete"));
    }
    std::cout << "  ✓ " << phase.name << ": " << txs.size() << " txs committed ("
              << static_cast<int>(secs * 10) / 10.0 << " s)\n";
  }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  PrintSummary(plan, gift_ids, args.Get("node").value_or(""), dir, total);
  return 0;
}

}  // namespace shanliu::cli
