#include "cli_run.h"

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>

namespace shanliu::testing {

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

CliRun RunCli(const std::vector<std::string>& args) {
  std::string command = ShellQuote(std::string(SHANLIU_BINARY_DIR) + "/bin/shanliu");
  for (const std::string& a : args) command += " " + ShellQuote(a);
  command += " 2>&1";
  CliRun r;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) r.output.append(buffer, n);
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace shanliu::testing
