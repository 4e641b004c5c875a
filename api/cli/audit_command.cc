// shanliu audit: replay and re-verify a chain from genesis (audit.h), with a progress bar.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "shanliu/audit/audit.h"
#include "commands.h"
#include "shanliu/ledger/checkpoint.h"

namespace shanliu::cli {
namespace {

constexpr int kExitVerificationFailed = 3;
constexpr unsigned kMaxThreads = 256;

std::string Clock(double seconds) {
  const auto s = static_cast<std::uint64_t>(seconds < 0 ? 0 : seconds);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", static_cast<unsigned long long>(s / 3600),
                static_cast<unsigned long long>(s / 60 % 60), static_cast<unsigned long long>(s % 60));
  return buf;
}

// Progress on stderr: a redrawn bar on a terminal, a plain line every 10 % (or 30 s) otherwise.
class ProgressPrinter {
 public:
  ProgressPrinter() : tty_(::isatty(STDERR_FILENO) == 1) {}

  void operator()(const audit::AuditProgress& p) {
    const double fraction = p.blocks_total == 0 ? 1.0 : static_cast<double>(p.blocks_done) / p.blocks_total;
    const double rate = p.seconds > 0 ? static_cast<double>(p.txs_done) / p.seconds : 0;
    const double eta = fraction > 0 ? p.seconds * (1 - fraction) / fraction : 0;
    char line[160];
    if (tty_) {
      constexpr int kWidth = 30;
      const int filled = static_cast<int>(fraction * kWidth);
      std::string bar(static_cast<std::size_t>(filled), '=');
      if (filled < kWidth) bar += '>' + std::string(static_cast<std::size_t>(kWidth - filled - 1), ' ');
      std::snprintf(line, sizeof line, "\r[%s] %llu/%llu blocks  %.0f tx/s  ETA %s ", bar.c_str(),
                    static_cast<unsigned long long>(p.blocks_done), static_cast<unsigned long long>(p.blocks_total),
                    rate, Clock(eta).c_str());
      std::cerr << line << (p.blocks_done == p.blocks_total ? "\n" : "") << std::flush;
      return;
    }
    const int decile = static_cast<int>(fraction * 10);
    if (decile == last_decile_ && p.seconds - last_seconds_ < 30 && p.blocks_done != p.blocks_total) return;
    if (p.blocks_done == p.blocks_total && printed_end_) return;
    printed_end_ = p.blocks_done == p.blocks_total;
    last_decile_ = decile;
    last_seconds_ = p.seconds;
    std::snprintf(line, sizeof line, "audit: %llu/%llu blocks (%d%%), %llu txs, %.0f tx/s, ETA %s\n",
                  static_cast<unsigned long long>(p.blocks_done), static_cast<unsigned long long>(p.blocks_total),
                  static_cast<int>(fraction * 100), static_cast<unsigned long long>(p.txs_done), rate,
                  Clock(eta).c_str());
    std::cerr << line;
  }

 private:
  bool tty_;
  int last_decile_ = -1;
  double last_seconds_ = 0;
  bool printed_end_ = false;
};

}  // namespace

const char kAuditUsage[] = R"(usage: shanliu audit (--node URL | --data-dir DIR) --genesis FILE
                     [--json FILE|-] [--threads N] [--since-checkpoint FILE]

Replays the chain from the genesis file into a scratch ledger and re-verifies everything:
every block's header chain (height, previous hash, increasing time, validator set), its
commit certificate, every tx signature and signer rule, the txs root, the state rules by
re-execution, the log size and root and the state digest after each block, conservation of
money, the sums of every donation's trace, and (for --data-dir) that the stored database is
exactly what re-execution produces. The report names the first failure exactly.

options:
  --node URL               audit through a node's API (GET /v1/blocks/raw)
  --data-dir DIR           audit a node's data directory (its config's data_dir); the node must
                           be stopped (or audit a copy): LevelDB allows one process at a time
  --genesis FILE           the chain's genesis.json (the only thing trusted)
  --json FILE|-            also write the report as JSON (- : to stdout; the text goes to stderr)
  --threads N              signature verification threads (default: all cores)
  --since-checkpoint FILE  a checkpoint note saved earlier (shanliu checkpoint --out FILE): check
                           it is cosigned by more than 2/3 of the voting power and that the
                           audited log extends it (RFC 9162 consistency)

exit status: 0 every check holds; 1 cannot read the source or a file; 2 usage; 3 a check failed
)";

int Audit(const Args& args) {
  if (Status s = RequireOnly(args, {"node", "data-dir", "genesis", "json", "threads", "since-checkpoint"}); !s.ok()) {
    return UsageError("audit", kAuditUsage, s.message());
  }
  if (!args.positional.empty()) return UsageError("audit", kAuditUsage, "audit takes no positional arguments");
  if (args.Has("node") == args.Has("data-dir")) {
    return UsageError("audit", kAuditUsage, "give exactly one of --node URL and --data-dir DIR");
  }
  if (!args.Has("genesis")) return UsageError("audit", kAuditUsage, "--genesis FILE is required");
  audit::AuditOptions options;
  if (auto threads = args.Get("threads")) {
    auto n = ParseUInt(*threads, 1, kMaxThreads, "--threads");
    if (!n.ok()) return UsageError("audit", kAuditUsage, n.status().message());
    options.threads = static_cast<unsigned>(*n);
  }
  auto genesis = ledger::LoadGenesis(*args.Get("genesis"));
  if (!genesis.ok()) return Fail("audit", genesis.status());

  if (auto path = args.Get("since-checkpoint")) {
    std::ifstream in(*path, std::ios::binary);
    if (!in) return Fail("audit", Status::Error("io_error", "cannot open " + *path));
    std::string text(ledger::NoteLimits::kMaxNoteBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    options.since_checkpoint_note = std::move(text);  // oversize notes are refused by ParseNote
    options.since_checkpoint_label = *path;
  }

  std::unique_ptr<audit::BlockSource> source;
  if (auto node = args.Get("node")) {
    source = audit::OpenNodeSource(*node);
  } else {
    auto opened = audit::OpenDataDirSource(*args.Get("data-dir"));
    if (!opened.ok()) return Fail("audit", opened.status());
    source = std::move(*opened);
  }
  ProgressPrinter printer;
  options.progress = [&printer](const audit::AuditProgress& p) { printer(p); };

  auto report = audit::RunAudit(*source, *genesis, options);
  if (!report.ok()) return Fail("audit", report.status());

  const std::string json_target = args.Get("json").value_or("");
  const std::string text = audit::ReportText(*report);
  if (json_target == "-") {
    std::cerr << text;
    std::cout << audit::ReportJson(*report).dump(2) << "\n";
  } else {
    std::cout << text;
    if (!json_target.empty()) {
      std::ofstream out(json_target, std::ios::binary | std::ios::trunc);
      out << audit::ReportJson(*report).dump(2) << "\n";
      if (!out) return Fail("audit", Status::Error("io_error", "cannot write " + json_target));
    }
  }
  return report->ok() ? 0 : kExitVerificationFailed;
}

}  // namespace shanliu::cli
