#include "format.h"

#include <chrono>
#include <cstdio>

namespace shanliu::cli {
namespace {

constexpr std::int64_t kBeijingOffsetMs = 8 * 3600 * 1000;

std::chrono::year_month_day DayOf(std::uint64_t ms, std::int64_t* ms_of_day) {
  const std::int64_t local = static_cast<std::int64_t>(ms) + kBeijingOffsetMs;
  const std::int64_t day_ms = 86'400'000;
  std::int64_t days = local / day_ms;
  std::int64_t rest = local % day_ms;
  if (rest < 0) {
    rest += day_ms;
    --days;
  }
  if (ms_of_day != nullptr) *ms_of_day = rest;
  return std::chrono::year_month_day(std::chrono::sys_days(std::chrono::days(days)));
}

}  // namespace

std::string Yuan(std::int64_t fen) {
  const bool negative = fen < 0;
  // Work in unsigned so INT64_MIN has a magnitude too.
  const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(fen) : static_cast<std::uint64_t>(fen);
  std::string whole = std::to_string(magnitude / 100);
  std::string grouped;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped.push_back(',');
    grouped.push_back(whole[i]);
  }
  char cents[4];
  std::snprintf(cents, sizeof cents, "%02u", static_cast<unsigned>(magnitude % 100));
  return std::string(negative ? "-" : "") + "¥" + grouped + "." + cents;
}

std::string BeijingDate(std::uint64_t ms) {
  const auto ymd = DayOf(ms, nullptr);
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return out;
}

std::string BeijingDateTime(std::uint64_t ms) {
  std::int64_t ms_of_day = 0;
  DayOf(ms, &ms_of_day);
  const auto minutes = ms_of_day / 60'000;
  char out[8];
  std::snprintf(out, sizeof out, "%02d:%02d", static_cast<int>(minutes / 60), static_cast<int>(minutes % 60));
  return BeijingDate(ms) + " " + out;
}

std::uint64_t BeijingMidnightMs(int year, unsigned month, unsigned day) {
  const std::chrono::sys_days d{std::chrono::year(year) / std::chrono::month(month) / std::chrono::day(day)};
  const std::int64_t utc_ms = std::chrono::duration_cast<std::chrono::milliseconds>(d.time_since_epoch()).count();
  return static_cast<std::uint64_t>(utc_ms - kBeijingOffsetMs);
}

int BeijingYear(std::uint64_t ms) { return static_cast<int>(DayOf(ms, nullptr).year()); }

std::uint64_t NowMs() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

}  // namespace shanliu::cli
