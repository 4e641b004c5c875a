// Human-readable money and dates for the CLI's output. Dates are Beijing time (UTC+8),
// the time zone every Shanliu organisation reports in.
#pragma once

#include <cstdint>
#include <string>

namespace shanliu::cli {

// 1234567 fen -> "¥12,345.67"; negative amounts get a leading '-'.
std::string Yuan(std::int64_t fen);
// Milliseconds since the Unix epoch -> "2026-03-14" / "2026-03-14 09:30" (Beijing time).
std::string BeijingDate(std::uint64_t ms);
std::string BeijingDateTime(std::uint64_t ms);
// Unix milliseconds of 00:00 Beijing time on the given date.
std::uint64_t BeijingMidnightMs(int year, unsigned month, unsigned day);
// Beijing calendar year of a moment.
int BeijingYear(std::uint64_t ms);
std::uint64_t NowMs();

}  // namespace shanliu::cli
