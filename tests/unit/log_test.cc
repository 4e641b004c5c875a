// Log lines an outsider can cause are rate-limited (issue 15): LogLimiter's token bucket at its
// boundaries, and protobuf's own messages routed into the JSON log through it.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <functional>
#include <google/protobuf/stubs/logging.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "shanliu/node/log.h"
#include "shanliu/pb/shanliu.pb.h"

namespace shanliu::node {
namespace {

using nlohmann::json;

TEST_CASE("LogLimiter allows a burst then one line per refill and reports what it suppressed") {
  LogLimiter limiter(/*burst=*/3, /*refill_ms=*/1'000);
  json fields = json::object();
  for (int i = 0; i < 3; ++i) CHECK(limiter.Allow("peer-a/bad_frame", 5'000, fields));  // the burst itself
  CHECK_FALSE(limiter.Allow("peer-a/bad_frame", 5'000, fields));  // one past it
  CHECK_FALSE(limiter.Allow("peer-a/bad_frame", 5'999, fields));  // 1 ms short of a token
  CHECK_FALSE(fields.contains("suppressed"));
  // Another key has its own bucket.
  json other = json::object();
  CHECK(limiter.Allow("peer-b/bad_frame", 5'000, other));
  CHECK_FALSE(other.contains("suppressed"));
  // A refill later, one more line, carrying the count of the two dropped.
  CHECK(limiter.Allow("peer-a/bad_frame", 6'000, fields));
  CHECK(fields["suppressed"] == 2);
  json next = json::object();
  CHECK_FALSE(limiter.Allow("peer-a/bad_frame", 6'000, next));
  // A long quiet spell refills to the burst, never beyond it.
  int allowed = 0;
  for (int i = 0; i < 10; ++i) {
    json f = json::object();
    allowed += limiter.Allow("peer-a/bad_frame", 1'000'000, f) ? 1 : 0;
  }
  CHECK(allowed == 3);
  // A clock that steps back refills nothing and does not crash.
  json back = json::object();
  CHECK_FALSE(limiter.Allow("peer-a/bad_frame", 10, back));
}

TEST_CASE("LogLimiter keys beyond max_keys share one bucket so memory stays bounded") {
  LogLimiter limiter(/*burst=*/1, /*refill_ms=*/60'000, /*max_keys=*/2);
  json f = json::object();
  CHECK(limiter.Allow("a", 0, f));
  CHECK(limiter.Allow("b", 0, f));
  CHECK(limiter.Allow("c", 0, f));        // the shared bucket's one token
  CHECK_FALSE(limiter.Allow("d", 0, f));  // shares it with "c"
  CHECK_FALSE(limiter.Allow("a", 0, f));  // "a" kept its own, now empty
}

// Captures what this process writes to stderr (fd 2) while in scope.
std::string CaptureStderr(const std::function<void()>& run) {
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  std::fflush(stderr);
  const int saved = dup(2);
  dup2(fileno(file), 2);
  run();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::rewind(file);
  std::string text;
  for (int c; (c = std::fgetc(file)) != EOF;) text += static_cast<char>(c);
  std::fclose(file);
  return text;
}

// Issue 15: each message with bad UTF-8 made protobuf write its own stderr line, unlimited.
TEST_CASE("protobuf's log lines become rate-limited JSON log events") {
  RouteProtobufLogs();
  pb::TxBody body;
  body.set_chain_id("QQQQ");
  std::string bytes = body.SerializeAsString();
  bytes.replace(bytes.find("QQQQ"), 4, "\xff\xfe\xfd\xfc");
  const std::uint64_t started_ms = SteadyNowMs();
  const std::string logged = CaptureStderr([&] {
    for (int i = 0; i < 200; ++i) {
      pb::TxBody parsed;
      CHECK_FALSE(parsed.ParseFromString(bytes));  // refused, and protobuf complains each time
    }
  });
  std::istringstream lines(logged);
  int count = 0;
  for (std::string line; std::getline(lines, line);) {
    const json j = json::parse(line, nullptr, false);
    REQUIRE_MESSAGE(j.is_object(), "not a JSON log line: ", line);
    CHECK(j["event"] == "protobuf_log");
    CHECK(j["level"] == "error");
    CHECK(j["message"].get<std::string>().find("UTF-8") != std::string::npos);
    CHECK(j["origin"].is_string());
    ++count;
  }
  // Something was logged (the route works), but at most the burst of 10 plus one line per second
  // the loop took: the limiter's own rule, whatever the machine's speed.
  const std::uint64_t elapsed_ms = SteadyNowMs() - started_ms;
  CHECK(count >= 1);
  CHECK(static_cast<std::uint64_t>(count) <= 10 + elapsed_ms / 1'000 + 1);
  google::protobuf::SetLogHandler(nullptr);  // later tests in this binary keep their own choice
}

}  // namespace
}  // namespace shanliu::node
