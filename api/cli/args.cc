#include "args.h"

#include <algorithm>
#include <charconv>

namespace shanliu::cli {

std::optional<std::string> Args::Get(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Args::GetAll(const std::string& name) const {
  auto it = lists.find(name);
  if (it != lists.end()) return it->second;
  if (auto single = Get(name)) return {*single};
  return {};
}

Result<Args> ParseArgs(int argc, char** argv, int first, const std::vector<std::string>& flags,
                       const std::vector<std::string>& repeatable) {
  Args args;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (!a.starts_with("--")) {
      args.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    if (name.empty()) return Status::Error("usage", "empty option name");
    const bool is_repeatable = std::find(repeatable.begin(), repeatable.end(), name) != repeatable.end();
    if (args.options.count(name) && !is_repeatable) {
      return Status::Error("usage", "option --" + name + " given twice");
    }
    if (std::find(flags.begin(), flags.end(), name) != flags.end()) {
      args.options[name] = "";
      continue;
    }
    if (i + 1 >= argc) return Status::Error("usage", "option --" + name + " needs a value");
    const std::string value = argv[++i];
    if (!args.options.count(name)) args.options[name] = value;
    if (is_repeatable) args.lists[name].push_back(value);
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

Result<std::uint64_t> ParseUInt(const std::string& text, std::uint64_t min, std::uint64_t max,
                                const std::string& what) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < min || value > max) {
    return Status::Error("usage", what + " must be a whole number from " + std::to_string(min) + " to " +
                                      std::to_string(max) + ", got '" + text + "'");
  }
  return value;
}

}  // namespace shanliu::cli
