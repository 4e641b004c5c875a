// The audit report: text for people (stdout) and JSON for tools (--json).
#include <cstdio>
#include <sstream>

#include "shanliu/audit/audit.h"

namespace shanliu::audit {
namespace {

std::string Rate(std::uint64_t count, double seconds) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", seconds > 0 ? static_cast<double>(count) / seconds : 0.0);
  return buf;
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", s);
  return buf;
}

}  // namespace

std::string ReportText(const AuditReport& r) {
  std::ostringstream out;
  out << "audit of " << r.source << " (chain " << r.chain_id << ")\n";
  out << "  blocks checked     " << r.blocks_checked << " of " << r.source_head_height << "\n";
  out << "  txs checked        " << r.txs_checked << " (" << r.signatures_checked << " signatures, " << r.threads
      << " verify threads)\n";
  out << "  time               " << Seconds(r.seconds) << " (" << Rate(r.txs_checked, r.seconds) << " tx/s)\n";
  if (!r.head_hash_hex.empty()) {
    out << "  head               height " << r.head_height << ", block " << r.head_hash_hex << "\n";
    out << "  log                size " << r.log_size << ", root " << r.log_root_hex << "\n";
    out << "  state root         " << r.state_root_hex << "\n";
  }
  if (r.gifts_traced > 0) out << "  gifts traced       " << r.gifts_traced << "\n";
  for (const std::string& c : r.checks_passed) out << "  ✓ " << c << "\n";
  if (r.checkpoint) {
    const CheckpointResult& c = *r.checkpoint;
    out << "  checkpoint         size " << c.size << ", root " << c.root_hex << ", cosigned by " << c.cosigners.size()
        << " validators (" << c.cosigned_power << " of " << c.total_power << " voting power)"
        << (c.consistent ? ", the log extends it" : "") << "\n";
  }
  if (r.failure) {
    const AuditFailure& f = *r.failure;
    out << "FAILED at height " << f.height;
    if (f.tx_index) out << ", tx " << *f.tx_index;
    if (!f.tx_id_hex.empty()) out << " (id " << f.tx_id_hex << ")";
    out << ": " << f.check << "\n  " << f.message << "\n";
    if (!f.expected.empty()) out << "  expected " << f.expected << "\n";
    if (!f.found.empty()) out << "  found    " << f.found << "\n";
  } else {
    out << "OK: every check holds\n";
  }
  return out.str();
}

nlohmann::json ReportJson(const AuditReport& r) {
  using nlohmann::json;
  json j{{"ok", r.ok()},
         {"source", r.source},
         {"chain_id", r.chain_id},
         {"threads", r.threads},
         {"source_head_height", r.source_head_height},
         {"blocks_checked", r.blocks_checked},
         {"txs_checked", r.txs_checked},
         {"signatures_checked", r.signatures_checked},
         {"gifts_traced", r.gifts_traced},
         {"seconds", r.seconds},
         {"replay_seconds", r.replay_seconds},
         {"checks_passed", r.checks_passed}};
  if (!r.head_hash_hex.empty()) {
    j["head"] = json{{"height", r.head_height},
                     {"block_hash", r.head_hash_hex},
                     {"log_size", r.log_size},
                     {"log_root", r.log_root_hex},
                     {"state_root", r.state_root_hex}};
  } else {
    j["head"] = nullptr;
  }
  if (r.checkpoint) {
    const CheckpointResult& c = *r.checkpoint;
    j["checkpoint"] = json{{"size", c.size},
                           {"root", c.root_hex},
                           {"cosigners", c.cosigners},
                           {"cosigned_power", c.cosigned_power},
                           {"total_power", c.total_power},
                           {"consistent", c.consistent}};
  } else {
    j["checkpoint"] = nullptr;
  }
  if (r.failure) {
    const AuditFailure& f = *r.failure;
    j["failure"] = json{{"height", f.height},
                        {"tx_index", f.tx_index ? json(*f.tx_index) : json(nullptr)},
                        {"tx_id", f.tx_id_hex.empty() ? json(nullptr) : json(f.tx_id_hex)},
                        {"check", f.check},
                        {"expected", f.expected},
                        {"found", f.found},
                        {"message", f.message}};
  } else {
    j["failure"] = nullptr;
  }
  return j;
}

}  // namespace shanliu::audit
