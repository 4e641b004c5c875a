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
  std::map<std::string, std::vector<std::string>> lists;  // repeatable options, in command-line order

  std::optional<std::string> Get(const std::string& name) const;
  bool Has(const std::string& name) const { return options.count(name) != 0; }
  // Every value of a repeatable option (empty if it was not given).
  std::vector<std::string> GetAll(const std::string& name) const;
};

// `flags` lists options that take no value; `repeatable` lists options that may be given
// more than once (every other option given twice is an error). Rejects unknown syntax, not
// unknown names: each command checks its own names with RequireOnly.
Result<Args> ParseArgs(int argc, char** argv, int first, const std::vector<std::string>& flags = {},
                       const std::vector<std::string>& repeatable = {});
Status RequireOnly(const Args& args, const std::vector<std::string>& allowed);

// Parses a whole decimal number in [min, max]; anything else (signs, spaces, suffixes) is an error.
Result<std::uint64_t> ParseUInt(const std::string& text, std::uint64_t min, std::uint64_t max,
                                const std::string& what);

}  // namespace shanliu::cli
