#include "args.h"

#include <algorithm>

namespace shanliu::cli {

std::optional<std::string> Args::Get(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

Result<Args> ParseArgs(int argc, char** argv, int first, const std::vector<std::string>& flags) {
  Args args;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (!a.starts_with("--")) {
      args.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    if (name.empty()) return Status::Error("usage", "empty option name");
    if (args.options.count(name)) return Status::Error("usage", "option --" + name + " given twice");
    if (std::find(flags.begin(), flags.end(), name) != flags.end()) {
      args.options[name] = "";
      continue;
    }
    if (i + 1 >= argc) return Status::Error("usage", "option --" + name + " needs a value");
    args.options[name] = argv[++i];
  }
  return args;
}

Status RequireOnly(const Args& args, const std::vector<std::string>& allowed) {
  for (const auto& [name, value] : args.options) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return Status::Error("usage", "unknown option --" + name);
    }
  }
  return Status::Ok();
}

}  // namespace shanliu::cli
