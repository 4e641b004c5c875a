// The node's admin socket: a unix-domain stream socket in the data directory (mode 0600), so
// only the node's own user reaches it and it is never on the public HTTP API
// (docs/decisions.md "Backups copy one snapshot and prove it by replay").
//
// Protocol: one request per connection, each way one JSON object on one line (at most
// kMaxAdminLineBytes): {"command": "backup", "out": "/abs/dir"} -> {"manifest": {...}} or
// {"error": {"code": "...", "message": "..."}}.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "shanliu/status.h"

namespace shanliu::node::admin {

inline constexpr const char* kSocketFile = "admin.sock";
inline constexpr std::size_t kMaxAdminLineBytes = 1 << 20;
// A client that connects and says nothing is dropped after this long.
inline constexpr std::uint32_t kRequestTimeoutMs = 10'000;

// Answers one request. Runs on the admin server's own thread (never the node's io thread), one
// request at a time; `stopping` becomes true when the server stops (a long task should end).
using Handler = std::function<nlohmann::json(const nlohmann::json& request, const std::atomic<bool>& stopping)>;

class Server {
 public:
  // Listens on `socket_path` (a stale socket file there is replaced: the caller holds the data
  // directory's store lock, so no other node serves it). Errors: invalid_config (the path is
  // too long for a unix socket), io_error.
  static Result<std::unique_ptr<Server>> Start(const std::filesystem::path& socket_path, Handler handler);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  // Ends a running request's task (via `stopping`), joins the thread, removes the socket file.
  void Stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One request to the node whose admin socket is `socket_path`; waits as long as the task takes.
// Errors: unavailable (no socket, or nothing listens: the node is not running), bad_response
// (not one JSON object on a line), io_error.
Result<nlohmann::json> Call(const std::filesystem::path& socket_path, const nlohmann::json& request);

}  // namespace shanliu::node::admin
