// The personal data guard (DESIGN 9): free text on the ledger can never be forgotten, so the
// shapes of people's identifiers are refused at admission. Rules and their allow cases are
// documented in docs/rules.md ("Personal data guard").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shanliu::ledger {

// What kind of identifier a digit run looks like.
enum class PersonalDataKind { kResidentId, kMobile, kBankCard };

// "a resident ID number (居民身份证号码)" and so on: for error messages.
std::string_view PersonalDataName(PersonalDataKind kind);

// The first identifier-shaped number in `text` (UTF-8), or nothing. Digits may be ASCII or
// full-width (０-９, Ｘ), and a single space or hyphen may stand between two digits.
std::optional<PersonalDataKind> FindPersonalData(std::string_view text);

// GB 11643-1999 check character of an 18-character ID: `id` is 17 digits then the check ('0'-'9' or 'X').
bool ResidentIdCheckOk(std::string_view id);
// The Luhn (mod 10) check over a run of ASCII digits, the last being the check digit.
bool LuhnOk(std::string_view digits);

}  // namespace shanliu::ledger
