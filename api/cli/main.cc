// shanliu: the command-line client (DESIGN 11).
#include <iostream>
#include <string>

#include "commands.h"
#include "shanliu/crypto/hash.h"

namespace {

constexpr const char* kUsage = R"(usage: shanliu <command> [options]

commands:
  keygen --out FILE     create a new Ed25519 key file (mode 0600) and print its public key (hex)
  help                  show this text
)";

}  // namespace

int main(int argc, char** argv) {
  shanliu::crypto::Init();
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  auto args = shanliu::cli::ParseArgs(argc, argv, 2);
  if (!args.ok()) {
    std::cerr << "shanliu " << command << ": " << args.status().message() << "\n";
    return 2;
  }
  if (command == "keygen") return shanliu::cli::Keygen(*args);
  std::cerr << "shanliu: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
