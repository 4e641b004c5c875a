// Runs the built `shanliu` CLI as a child process, for tests of its commands and exit codes.
#pragma once

#include <string>
#include <vector>

namespace shanliu::testing {

struct CliRun {
  int code = -1;       // exit status; -1 if the process did not exit normally
  std::string output;  // stdout and stderr together
};

// Single-quotes s for /bin/sh.
std::string ShellQuote(const std::string& s);

// Runs build/bin/shanliu with args (each passed as one word) and waits for it.
CliRun RunCli(const std::vector<std::string>& args);

}  // namespace shanliu::testing
