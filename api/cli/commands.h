// Each shanliu subcommand: takes its arguments, returns the process exit code.
#pragma once

#include "args.h"

namespace shanliu::cli {

int Keygen(const Args& args);

}  // namespace shanliu::cli
