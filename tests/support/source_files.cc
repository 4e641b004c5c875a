#include "source_files.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

namespace shanliu::testing {

std::string ReadSourceFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace shanliu::testing
