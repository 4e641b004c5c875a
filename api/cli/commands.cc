#include "commands.h"

#include <iostream>

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

}  // namespace shanliu::cli
