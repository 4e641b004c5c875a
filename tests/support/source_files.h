// Reading the repository's own files (docs, sources) in tests that check them against the code.
#pragma once

#include <filesystem>
#include <string>

namespace shanliu::testing {

// The whole file; fails the running test (REQUIRE) when it cannot be read.
std::string ReadSourceFile(const std::filesystem::path& path);

}  // namespace shanliu::testing
