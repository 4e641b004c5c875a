#include "node_client.h"


#include <algorithm>
#include <chrono>
#include <thread>

#include "format.h"
#include "shanliu/error_codes.h"
#include "shanliu/api/http_client.h"
#include "shanliu/crypto/codec.h"

namespace shanliu::cli {
namespace {

using nlohmann::json;

constexpr unsigned kRequestTimeoutMs = 60'000;
constexpr unsigned kPollIntervalMs = 100;

Status BadResponse(const std::string& what) {
  return Status::Error("bad_response", "the node's answer is not what the API promises: " + what);
}

Status ErrorFromBody(unsigned http_status, const std::string& body, const std::string& url) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("error") && j["error"].is_object() && j["error"].contains("code") &&
      j["error"]["code"].is_string()) {
    std::string message = j["error"].value("message", std::string());
    return Status::Error(j["error"]["code"].get<std::string>(),
                         message + " (HTTP " + std::to_string(http_status) + " from " + url + ")");
  }
  return Status::Error("http_error", "HTTP " + std::to_string(http_status) + " from " + url + ": " +
                                         body.substr(0, 200));
}

Status StatusFromErrorJson(const json& error) {
  if (!error.is_object() || !error.contains("code") || !error["code"].is_string()) {
    return Status::Error("rejected", "rejected without a typed error");
  }
  return Status::Error(error["code"].get<std::string>(), error.value("message", std::string()));
}

}  // namespace

const char* TxPhaseName(TxPhase phase) {
  switch (phase) {
    case TxPhase::kPending: return "pending";
    case TxPhase::kCommitted: return "committed";
    case TxPhase::kRejected: return "rejected";
    case TxPhase::kUnknown: break;
  }
  return "unknown";
}


NodeClient::NodeClient(std::string base_url) : base_url_(std::move(base_url)) {
  while (base_url_.ends_with('/')) base_url_.pop_back();
}

Result<json> NodeClient::Request(const std::string& method, const std::string& path, const std::string& body) const {
  const std::string url = base_url_ + path;
  auto response = api::HttpRequest(method, url, body, "application/json", kRequestTimeoutMs);
  if (!response.ok()) return response.status();
  if (response->status < 200 || response->status >= 300) {
    return ErrorFromBody(response->status, response->body, url);
  }
  json j = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return BadResponse(url + " did not return JSON");
  return j;
}

Result<json> NodeClient::GetJson(const std::string& path) const { return Request("GET", path, ""); }

Result<json> NodeClient::PostJson(const std::string& path, const json& body) const {
  return Request("POST", path, body.dump());
}

Result<ChainHead> NodeClient::Head() const {
  auto latest = GetJson("/v1/blocks/latest");
  if (!latest.ok()) return latest.status();
  const json& j = *latest;
  if (!j.is_object() || !j.contains("header") || !j["header"].is_object()) {
    return BadResponse("/v1/blocks/latest has no header");
  }
  const json& h = j["header"];
  ChainHead head;
  if (!h.contains("chain_id") || !h["chain_id"].is_string()) return BadResponse("the header has no chain_id");
  head.chain_id = h["chain_id"].get<std::string>();
  // proto3 JSON may leave zero values out (the genesis block is height 0).
  if (h.contains("height")) {
    if (!h["height"].is_number_unsigned()) return BadResponse("the header's height is not a number");
    head.height = h["height"].get<std::uint64_t>();
  }
  if (h.contains("time_ms") && h["time_ms"].is_number_unsigned()) head.time_ms = h["time_ms"].get<std::uint64_t>();
  if (h.contains("validators_hash") && h["validators_hash"].is_string()) {
    head.validators_hash_hex = h["validators_hash"].get<std::string>();
  }
  return head;
}

Result<std::vector<Submitted>> NodeClient::Submit(const std::vector<Bytes>& envelopes) const {
  std::vector<Submitted> out;
  out.reserve(envelopes.size());
  for (std::size_t begin = 0; begin < envelopes.size(); begin += kMaxSubmitBatch) {
    const std::size_t end = std::min(envelopes.size(), begin + kMaxSubmitBatch);
    json txs = json::array();
    for (std::size_t i = begin; i < end; ++i) txs.push_back(crypto::ToBase64(envelopes[i]));
    auto response = PostJson("/v1/txs", json{{"txs", std::move(txs)}});
    if (!response.ok()) return response.status();
    const json& r = *response;
    if (!r.is_object() || !r.contains("results") || !r["results"].is_array() ||
        r["results"].size() != end - begin) {
      return BadResponse("POST /v1/txs must return one result per transaction");
    }
    for (const json& item : r["results"]) {
      if (!item.is_object()) return BadResponse("a POST /v1/txs result is not an object");
      Submitted s;
      if (item.contains("id") && item["id"].is_string()) s.id_hex = item["id"].get<std::string>();
      const std::string status = item.value("status", std::string());
      s.accepted = status == "pending" || status == "committed";
      if (!s.accepted) s.error = StatusFromErrorJson(item.value("error", json()));
      out.push_back(std::move(s));
    }
  }
  return out;
}

Result<TxStatus> NodeClient::Status(const Hash256& id) const {
  auto response = GetJson("/v1/txs/" + crypto::ToHex(id));
  TxStatus out;
  if (!response.ok()) {
    if (response.status().code() == errc::kNotFound) return out;  // kUnknown
    return response.status();
  }
  const json& j = *response;
  const std::string status = j.is_object() ? j.value("status", std::string()) : std::string();
  if (status == "committed") {
    out.phase = TxPhase::kCommitted;
    if (j.contains("height") && j["height"].is_number_unsigned()) out.height = j["height"].get<std::uint64_t>();
  } else if (status == "pending") {
    out.phase = TxPhase::kPending;
  } else if (status == "rejected") {
    out.phase = TxPhase::kRejected;
    out.error = StatusFromErrorJson(j.value("error", json()));
  } else {
    return BadResponse("GET /v1/txs/{id} returned status '" + status + "'");
  }
  return out;
}

Result<std::vector<TxStatus>> NodeClient::Wait(const std::vector<Hash256>& ids, unsigned timeout_ms) const {
  const std::uint64_t deadline = NowMs() + timeout_ms;
  std::vector<TxStatus> out(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    while (true) {
      auto status = Status(ids[i]);
      if (!status.ok()) return status.status();
      out[i] = *status;
      const bool settled = status->phase == TxPhase::kCommitted || status->phase == TxPhase::kRejected;
      if (settled || NowMs() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(kPollIntervalMs));
    }
  }
  return out;
}

}  // namespace shanliu::cli
