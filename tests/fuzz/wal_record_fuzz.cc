// Fuzz target: the write-ahead log. Input: one mode byte, then
//   mode even: a WAL body (the file after its magic) for DecodeWalFrames, whose records then go
//              through DecodeWalRecord;
//   mode odd:  chunks (fuzz_support.h) each holding one record for DecodeWalRecord directly, so
//              mutations are not stopped by the frame checksums.
// Either way the decoded records are replayed into a consensus core (Core::Create), as a
// validator does on boot, and the core is started at the first record's height.
// Properties: whole frames plus the torn tail are the input; the whole frames re-encode to the
// same bytes; a decoded record re-encodes to exactly its bytes (the layout is fixed); the core
// either refuses the records with a typed error or runs.
#include <cstdint>

#include "fuzz_support.h"
#include "shanliu/node/consensus.h"
#include "shanliu/node/wal.h"

namespace {

using namespace shanliu;
namespace cs = node::consensus;
constexpr std::string_view kTarget = "wal_record";

std::optional<cs::WalRecord> DecodeRecord(ByteView bytes) {
  auto record = cs::DecodeWalRecord(bytes);
  if (!record.ok()) {
    SHANLIU_FUZZ_CHECK(kTarget, record.status().code() == "wal_record_malformed");
    return std::nullopt;
  }
  SHANLIU_FUZZ_CHECK(kTarget, cs::EncodeWalRecord(*record) == Bytes(bytes.begin(), bytes.end()));
  (void)cs::Describe(*record);
  return std::move(*record);
}

void DecodeFrames(ByteView body, std::vector<cs::WalRecord>* records) {
  auto replay = node::DecodeWalFrames(body);
  if (!replay.ok()) {
    SHANLIU_FUZZ_CHECK(kTarget, replay.status().code() == "wal_corrupt");
    return;
  }
  SHANLIU_FUZZ_CHECK(kTarget, replay->valid_bytes + replay->torn_tail_bytes == body.size());
  Bytes again;
  for (const Bytes& payload : replay->records) {
    const Bytes frame = node::EncodeWalFrame(payload);
    again.insert(again.end(), frame.begin(), frame.end());
    if (auto record = DecodeRecord(payload)) records->push_back(std::move(*record));
  }
  SHANLIU_FUZZ_CHECK(kTarget, again == Bytes(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(replay->valid_bytes)));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::QuietProtobuf();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView rest(data + 1, size - 1);
  std::vector<cs::WalRecord> records;
  if ((data[0] & 1) == 0) {
    DecodeFrames(rest, &records);
  } else {
    for (const fuzz::Chunk& chunk : fuzz::SplitChunks(rest, 64)) {
      if (auto record = DecodeRecord(chunk.bytes)) records.push_back(std::move(*record));
    }
  }
  if (records.empty()) return 0;
  static const cs::Config kConfig = fuzz::ConsensusConfig(false);
  auto core = cs::Core::Create(kConfig, fuzz::ValidatorKey(0), records);
  if (!core.ok()) {
    SHANLIU_FUZZ_CHECK(kTarget, !core.status().code().empty());
    return 0;
  }
  const std::uint64_t height = records.front().height;
  for (cs::Event event : {cs::Event(cs::Start{height}), cs::Event(cs::GossipTick{}),
                          cs::Event(cs::TimeoutFired{height, records.front().round, cs::Step::kPropose})}) {
    const cs::Output out = core->Handle(std::move(event));
    SHANLIU_FUZZ_CHECK(kTarget, out.status.ok() || !out.status.code().empty());
  }
  return 0;
}
