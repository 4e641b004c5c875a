// The test main itself (issue 15, "tests that test"): a CTest entry whose name matches no doctest
// case must fail, not report "Passed" having run nothing.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <sys/wait.h>

namespace {

int RunSelf(const std::string& args) {
  const std::string cmd = std::string(SHANLIU_BINARY_DIR) + "/bin/test_main_test " + args + " > /dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_CASE("the guarded main passes this case when it is selected by name") {
  CHECK(RunSelf("--test-case=\"the guarded main target\"") == 0);
}

TEST_CASE("the guarded main target") { CHECK(true); }

TEST_CASE("a run that matches zero test cases fails") {
  // What CTest ran for each half of a name split at ';' (the names doctest's discovery made).
  CHECK(RunSelf("--test-case=\"no case has this name\"") != 0);
  CHECK(RunSelf("--test-case=\"the guarded main\"") != 0);  // a prefix is not a match
  // Listing (CTest's discovery) still succeeds: it runs no test case by design.
  CHECK(RunSelf("--list-test-cases") == 0);
}

}  // namespace
