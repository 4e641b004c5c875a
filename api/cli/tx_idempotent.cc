// shanliu tx --idempotency-key: the journalled path of `shanliu tx` (docs/cli.md "Safe retries").
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "idempotent.h"
#include "shanliu/crypto/codec.h"
#include "tx_sign.h"

namespace shanliu::cli {
namespace {

constexpr std::size_t kMaxIdempotencyKeyBytes = 128;

Status CheckIdempotencyKey(const std::string& key) {
  if (key.empty() || key.size() > kMaxIdempotencyKeyBytes) {
    return Status::Error("usage", "--idempotency-key must be 1 to 128 characters");
  }
  for (unsigned char c : key) {
    if (c <= 0x20 || c >= 0x7F) return Status::Error("usage", "--idempotency-key must be printable ASCII without spaces");
  }
  return Status::Ok();
}

}  // namespace

int TxWithIdempotencyKey(const Args& args, const NodeClient& node, const pb::TxBody& payload_body,
                         const std::vector<const crypto::KeyPair*>& signers, std::uint64_t expires_in_blocks,
                         std::uint64_t expires_in_ms) {
  const std::string key = *args.Get("idempotency-key");
  if (Status s = CheckIdempotencyKey(key); !s.ok()) return UsageError("tx", kTxUsage, s.message());
  const std::filesystem::path key_file = args.GetAll("key").front();
  const std::filesystem::path dir = args.Get("journal") ? std::filesystem::path(*args.Get("journal"))
                                    : key_file.has_parent_path() ? key_file.parent_path()
                                                                 : std::filesystem::path(".");
  auto journal = import::Journal::Open(dir);
  if (!journal.ok()) return Fail("tx", journal.status());
  IdempotentOptions options;
  options.expires_in_blocks = expires_in_blocks;
  options.expires_in_ms = expires_in_ms;
  options.wait = args.Has("wait");
  options.wait_timeout_ms = 60'000;
  auto results = SubmitIdempotent(node, **journal, signers, {{"tx/" + key, payload_body}}, options);
  if (!results.ok()) return Fail("tx", results.status());
  const IdempotentResult& r = results->front();
  const auto* oneof = payload_body.GetDescriptor()->FindOneofByName("payload");
  const auto* kind = payload_body.GetReflection()->GetOneofFieldDescriptor(payload_body, oneof);
  std::cout << "kind     " << (kind ? kind->name() : std::string("none")) << "\n";
  if (r.tx_id != Hash256{}) std::cout << "id       " << crypto::ToHex(r.tx_id) << "\ncode     " << ReceiptCode(r.tx_id) << "\n";
  const char* origin = r.outcome == Outcome::kConflict ? ""
                       : r.reused                         ? " (the journalled envelope, submitted again)"
                       : r.replaced                       ? " (new: the journalled envelope expired unused)"
                                                          : " (new)";
  std::cout << "key      " << key << origin << "\njournal  "
            << (*journal)->file().string() << "\n";
  switch (r.outcome) {
    case Outcome::kCommitted:
      std::cout << "status   committed" << (r.height ? " at height " + std::to_string(r.height) : std::string()) << "\n";
      return 0;
    case Outcome::kPending:
      std::cout << "status   pending\n";
      if (!r.error.ok()) return Fail("tx", r.error);
      return options.wait ? Fail("tx", Status::Error("timeout", "not committed within 60 s: run again to check")) : 0;
    case Outcome::kAlreadyBooked:
      std::cout << "status   already recorded by tx " << crypto::ToHex(r.tx_id) << "\n";
      return Fail("tx", r.error);
    case Outcome::kRejected:
    case Outcome::kConflict: break;
  }
  std::cout << "status   " << OutcomeName(r.outcome) << "\n";
  return Fail("tx", r.error);
}

}  // namespace shanliu::cli
