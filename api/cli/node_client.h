// The CLI's side of the node's HTTP API (DESIGN 8, 11): JSON reads, batched tx submission
// (POST /v1/txs with base64 envelopes) and waiting for commits.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/status.h"

namespace shanliu::cli {

inline constexpr std::size_t kMaxSubmitBatch = 1000;  // the API's limit per POST /v1/txs

struct ChainHead {
  std::string chain_id;
  std::uint64_t height = 0;
  std::uint64_t time_ms = 0;
  std::string validators_hash_hex;  // tells chains that share a chain id apart
};

// What the node said about one submitted envelope.
struct Submitted {
  std::string id_hex;   // as reported by the node (empty if the bytes did not decode)
  bool accepted = false;  // true: pending in the mempool
  Status error;         // the rule it broke when not accepted
};

enum class TxPhase { kPending, kCommitted, kRejected, kUnknown };

struct TxStatus {
  TxPhase phase = TxPhase::kUnknown;
  std::uint64_t height = 0;  // for kCommitted
  Status error;              // for kRejected
};

const char* TxPhaseName(TxPhase phase);


class NodeClient {
 public:
  // `base_url` is http://host:port (a trailing slash is ignored).
  explicit NodeClient(std::string base_url);
  const std::string& base_url() const { return base_url_; }

  // GET base_url + path. A 2xx JSON body is returned; an error status becomes its typed
  // API error ({"error": {"code", "message"}}), or "http_error" when the body is not one.
  Result<nlohmann::json> GetJson(const std::string& path) const;
  Result<nlohmann::json> PostJson(const std::string& path, const nlohmann::json& body) const;

  // GET /v1/blocks/latest: the chain id and the committed height.
  Result<ChainHead> Head() const;

  // POST /v1/txs in batches of at most kMaxSubmitBatch; one result per envelope, in order.
  Result<std::vector<Submitted>> Submit(const std::vector<Bytes>& envelopes) const;

  // GET /v1/txs/{id}. An id the node does not know is kUnknown (not an error).
  Result<TxStatus> Status(const Hash256& id) const;

  // Polls until every id is committed or rejected. Ids still pending or unknown after
  // `timeout_ms` come back as they are (the caller decides what that means).
  Result<std::vector<TxStatus>> Wait(const std::vector<Hash256>& ids, unsigned timeout_ms) const;

 private:
  Result<nlohmann::json> Request(const std::string& method, const std::string& path, const std::string& body) const;
  std::string base_url_;
};

}  // namespace shanliu::cli
