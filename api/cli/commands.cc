#include "commands.h"

#include <iostream>

#include "node_client.h"

namespace shanliu::cli {

int UsageError(const std::string& command, const char* usage, const std::string& message) {
  std::cerr << "shanliu " << command << ": " << message << "\n\n" << usage;
  return 2;
}

int Fail(const std::string& command, const Status& status) {
  std::cerr << "shanliu " << command << ": " << status.message();
  if (!status.code().empty() && status.message().find(status.code()) == std::string::npos) {
    std::cerr << " [" << status.code() << "]";
  }
  std::cerr << "\n";
  return 1;
}

int WaitAndReport(const NodeClient& node, const Hash256& id, unsigned timeout_ms, const std::string& command) {
  auto waited = node.Wait({id}, timeout_ms);
  if (!waited.ok()) return Fail(command, waited.status());
  const TxStatus& st = waited->front();
  switch (st.phase) {
    case TxPhase::kCommitted:
      std::cout << "status   committed at height " << st.height << "\n";
      return 0;
    case TxPhase::kRejected:
      std::cout << "status   rejected\n";
      return Fail(command, Status::Error(st.error.code(), "rejected: " + st.error.ToString()));
    case TxPhase::kPending:
    case TxPhase::kUnknown: break;
  }
  std::cout << "status   " << TxPhaseName(st.phase) << "\n";
  return Fail(command, Status::Error("timeout", "not committed within " + std::to_string(timeout_ms / 1000) + " s"));
}

}  // namespace shanliu::cli
