#include "ledger_index.h"
#include "shanliu/crypto/merkle.h"

namespace shanliu::api::internal {
namespace {

template <class Record>
RecordPage<Record> List(const ledger::ReadView& view, std::string_view prefix, const ListOptions& options,
                        const std::function<bool(const Record&)>& keep) {
  RecordPage<Record> page;
  std::size_t scanned = 0;
  std::string last_id;
  bool more = false;
  // "\x01" sorts right after the id itself, so the scan starts strictly after it.
  const std::string start = options.after.empty() ? std::string(prefix) : std::string(prefix) + options.after + '\x01';
  view.state().Scan(prefix, start, "", [&](std::string_view key, std::string_view value) {
    if (page.items.size() == options.limit || scanned == options.max_scanned) {
      more = true;
      return false;
    }
    ++scanned;
    Record record;
    if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      throw ledger::StorageError("a stored record does not parse");
    }
    last_id = std::string(key.substr(prefix.size()));
    if (!keep || keep(record)) page.items.push_back(std::move(record));
    return true;
  });
  if (more) page.next = last_id;
  return page;
}

class StateSubtreeReader final : public crypto::PerfectSubtreeReader {
 public:
  explicit StateSubtreeReader(const ledger::StateView& state) : state_(state) {}
  Result<Hash256> PerfectSubtree(unsigned level, std::uint64_t index) override {
    Bytes key;
    AppendU8(key, static_cast<std::uint8_t>('M'));
    AppendU8(key, static_cast<std::uint8_t>(level));
    AppendU64(key, index);
    auto value = state_.Get(AsChars(key));
    if (!value || value->size() != 32) {
      return Status::Error("corruption", "the Merkle log is missing subtree " + std::to_string(level) + "/" +
                                             std::to_string(index));
    }
    Hash256 h;
    std::copy(value->begin(), value->end(), h.begin());
    return h;
  }

 private:
  const ledger::StateView& state_;
};

}  // namespace

RecordPage<pb::OrgRecord> ListOrgs(const ledger::ReadView& view, const ListOptions& options,
                                   const std::function<bool(const pb::OrgRecord&)>& keep) {
  return List<pb::OrgRecord>(view, "o/", options, keep);
}

RecordPage<pb::ProjectRecord> ListProjects(const ledger::ReadView& view, const ListOptions& options,
                                           const std::function<bool(const pb::ProjectRecord&)>& keep) {
  return List<pb::ProjectRecord>(view, "p/", options, keep);
}

RecordPage<pb::TrustRecord> ListTrusts(const ledger::ReadView& view, const ListOptions& options,
                                       const std::function<bool(const pb::TrustRecord&)>& keep) {
  return List<pb::TrustRecord>(view, "t/", options, keep);
}

Result<std::vector<Hash256>> InclusionProofAt(const ledger::ReadView& view, std::uint64_t leaf, std::uint64_t size) {
  if (size > view.head().log_size()) return Status::Error("out_of_range", "the log is not that large yet");
  if (leaf >= size) return Status::Error("invalid_argument", "leaf must be below size");
  StateSubtreeReader reader(view.state());
  return crypto::MerkleInclusionProof(reader, leaf, size);
}

}  // namespace shanliu::api::internal
