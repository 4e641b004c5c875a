// Audit source: a node's API. The head comes from GET /v1/checkpoint, blocks in batches from
// GET /v1/blocks/raw (protobuf CommittedBlock frames), the consistency proof from
// GET /v1/proofs/consistency. Nothing the node says is trusted: the replay checks it all.
#include <nlohmann/json.hpp>

#include "shanliu/audit/audit.h"
#include "shanliu/api/http_client.h"
#include "shanliu/crypto/codec.h"

namespace shanliu::audit {
namespace {

using nlohmann::json;

constexpr unsigned kTimeoutMs = 120'000;
constexpr std::size_t kMaxFrameBytes = 64 << 20;  // the HTTP client's response cap

Status ApiError(const api::HttpResponse& r, const std::string& url) {
  json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  std::string code = "http_error";
  std::string message = "HTTP " + std::to_string(r.status) + " from " + url;
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const json& e = j["error"];
    if (e.contains("code") && e["code"].is_string()) code = e["code"].get<std::string>();
    if (e.contains("message") && e["message"].is_string()) message = e["message"].get<std::string>() + " (" + message + ")";
  }
  return Status::Error(code, message);
}

class NodeSource final : public BlockSource {
 public:
  explicit NodeSource(std::string base_url) : base_(std::move(base_url)) {
    while (base_.ends_with('/')) base_.pop_back();
  }

  std::string Describe() const override { return "node " + base_; }

  Result<std::uint64_t> HeadHeight() override {
    auto j = GetJson("/v1/checkpoint");
    if (!j.ok()) return j.status();
    if (!j->is_object() || !j->contains("height") || !(*j)["height"].is_number_unsigned()) {
      return Status::Error("bad_response", "GET /v1/checkpoint has no height");
    }
    return (*j)["height"].get<std::uint64_t>();
  }

  Result<std::vector<pb::CommittedBlock>> Fetch(std::uint64_t from, std::uint64_t max_count) override {
    const std::string url =
        base_ + "/v1/blocks/raw?from=" + std::to_string(from) + "&limit=" + std::to_string(max_count);
    auto r = api::HttpRequest("GET", url, "", "application/json", kTimeoutMs);
    if (!r.ok()) return r.status();
    if (r->status == 404) {
      return Status::Error(std::string(kBlockMissing), "the node has no block " + std::to_string(from));
    }
    if (r->status != 200) return ApiError(*r, url);
    auto blocks = ParseRawBlocks(r->body);
    if (!blocks.ok()) return blocks.status();
    if (blocks->empty() || blocks->size() > max_count) {
      return Status::Error(std::string(kBlockMalformed), "the node answered " + std::to_string(blocks->size()) +
                                                             " blocks for a request of up to " +
                                                             std::to_string(max_count));
    }
    return blocks;
  }

  std::optional<Result<std::vector<Hash256>>> ConsistencyProof(std::uint64_t old_size,
                                                               std::uint64_t new_size) override {
    auto j = GetJson("/v1/proofs/consistency?from=" + std::to_string(old_size) + "&to=" + std::to_string(new_size));
    if (!j.ok()) return Result<std::vector<Hash256>>(j.status());
    if (!j->is_object() || !j->contains("proof") || !(*j)["proof"].is_array()) {
      return Result<std::vector<Hash256>>(Status::Error("bad_response", "the consistency answer has no proof"));
    }
    std::vector<Hash256> proof;
    for (const json& h : (*j)["proof"]) {
      if (!h.is_string() || proof.size() >= 128) {
        return Result<std::vector<Hash256>>(Status::Error("bad_response", "a consistency proof hash is malformed"));
      }
      auto hash = crypto::Hash256FromHex(h.get<std::string>());
      if (!hash.ok()) return Result<std::vector<Hash256>>(hash.status());
      proof.push_back(*hash);
    }
    return Result<std::vector<Hash256>>(std::move(proof));
  }

 private:
  Result<json> GetJson(const std::string& path) {
    const std::string url = base_ + path;
    auto r = api::HttpRequest("GET", url, "", "application/json", kTimeoutMs);
    if (!r.ok()) return r.status();
    if (r->status != 200) return ApiError(*r, url);
    json j = json::parse(r->body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Status::Error("bad_response", url + " did not return JSON");
    return j;
  }

  std::string base_;
};

}  // namespace

std::unique_ptr<BlockSource> OpenNodeSource(std::string base_url) {
  return std::make_unique<NodeSource>(std::move(base_url));
}

Result<std::vector<pb::CommittedBlock>> ParseRawBlocks(std::string_view body) {
  std::vector<pb::CommittedBlock> out;
  while (!body.empty()) {
    if (body.size() < 4) return Status::Error(std::string(kBlockMalformed), "a raw block frame is truncated");
    const auto* p = reinterpret_cast<const unsigned char*>(body.data());
    const std::size_t length = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | p[3];
    body.remove_prefix(4);
    if (length > kMaxFrameBytes || length > body.size()) {
      return Status::Error(std::string(kBlockMalformed), "a raw block frame is longer than the answer");
    }
    pb::CommittedBlock block;
    if (!block.ParseFromArray(body.data(), static_cast<int>(length))) {
      return Status::Error(std::string(kBlockMalformed), "a raw block does not parse as a CommittedBlock");
    }
    out.push_back(std::move(block));
    body.remove_prefix(length);
  }
  return out;
}

}  // namespace shanliu::audit
