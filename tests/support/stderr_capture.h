// What this process writes to stderr (the node's JSON log) while `run` runs.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <string>

namespace shanliu::testing {

inline std::string StderrOf(const std::function<void()>& run) {
  std::FILE* sink = std::tmpfile();
  REQUIRE(sink != nullptr);
  std::fflush(stderr);
  const int kept = dup(STDERR_FILENO);
  dup2(fileno(sink), STDERR_FILENO);
  run();
  std::fflush(stderr);
  dup2(kept, STDERR_FILENO);
  close(kept);
  std::string text;
  std::rewind(sink);
  for (int c = std::fgetc(sink); c != EOF; c = std::fgetc(sink)) text.push_back(static_cast<char>(c));
  std::fclose(sink);
  return text;
}

}  // namespace shanliu::testing
