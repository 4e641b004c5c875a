// Minimal "--name value" option parsing shared by the shanliu subcommands.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "shanliu/status.h"

namespace shanliu::cli {

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // "--out FILE" -> {"out", "FILE"}; "--flag" -> {"flag", ""}

  std::optional<std::string> Get(const std::string& name) const;
  bool Has(const std::string& name) const { return options.count(name) != 0; }
};

// `flags` lists options that take no value. Rejects unknown syntax, not unknown names:
// each command checks its own names with RequireOnly.
Result<Args> ParseArgs(int argc, char** argv, int first, const std::vector<std::string>& flags = {});
Status RequireOnly(const Args& args, const std::vector<std::string>& allowed);

}  // namespace shanliu::cli
