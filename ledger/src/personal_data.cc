// Personal data guard: finds resident ID, mobile and bank card numbers in free text.
//
// Text is read as a sequence of "number runs": digits (ASCII or full-width) where one space or
// hyphen between two digits keeps the run going (people write "138 1234 5678" or
// "6222-0212-3456-7890"), and a final X (or Ｘ, x) may close an ID. Each whole run is judged,
// never a part of it, so a longer number (an invoice number, a filing number) does not contain
// a "mobile". The rules and their allow cases are in docs/rules.md.
#include "shanliu/ledger/personal_data.h"

#include <cstdint>
#include <vector>

namespace shanliu::ledger {
namespace {

enum class CharClass { kDigit, kCheckX, kSeparator, kOther };

struct Classified {
  CharClass cls;
  char digit;  // '0'-'9' for kDigit
};

// Decodes one UTF-8 code point at `i` (advancing it); malformed bytes come back as U+FFFD.
char32_t NextCodePoint(std::string_view s, std::size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  int len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + static_cast<std::size_t>(len) > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = len == 1 ? b : b & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((c >> 6) != 0x2) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  i += static_cast<std::size_t>(len);
  return cp;
}

Classified Classify(char32_t cp) {
  if (cp >= U'0' && cp <= U'9') return {CharClass::kDigit, static_cast<char>('0' + (cp - U'0'))};
  if (cp >= 0xFF10 && cp <= 0xFF19) return {CharClass::kDigit, static_cast<char>('0' + (cp - 0xFF10))};  // ０-９
  if (cp == U'X' || cp == U'x' || cp == 0xFF38 || cp == 0xFF58) return {CharClass::kCheckX, 'X'};       // Ｘ ｘ
  switch (cp) {
    case U' ': case U'-': case 0x00A0: case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x3000: case 0xFF0D:
      return {CharClass::kSeparator, 0};
    default:
      return {CharClass::kOther, 0};
  }
}

bool IsMobile(const std::string& n) {
  const auto mobile11 = [](std::string_view d) { return d.size() == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9'; };
  return mobile11(n) || (n.size() == 13 && n.starts_with("86") && mobile11(std::string_view(n).substr(2)));
}

// Judges one whole run (its groups joined).
std::optional<PersonalDataKind> JudgeNumber(const std::string& n) {
  if (n.size() == 18) {
    // ID-shaped: judged only as an ID. A wrong check character means it is not one (an invoice or
    // order number); 18-digit bank cards are not issued on the mainland.
    if (ResidentIdCheckOk(n)) return PersonalDataKind::kResidentId;
    return std::nullopt;
  }
  if (n.back() == 'X') return std::nullopt;
  if (IsMobile(n)) return PersonalDataKind::kMobile;
  // 13-19 digits: a card number if the Luhn check holds. 20 digits and more (发票号码 are 20)
  // and 12 or fewer (8-digit invoice numbers, dates, amounts) are never card numbers.
  if (n.size() >= 13 && n.size() <= 19 && LuhnOk(n)) return PersonalDataKind::kBankCard;
  return std::nullopt;
}

// Judges a run written in groups. Groups of fewer than 3 digits (dates such as 2026-01-02, list
// numbering) are not how identifiers are grouped, so then each group stands alone; a leading "86"
// (country code, "+86 138 1234 5678") is the exception.
std::optional<PersonalDataKind> JudgeRun(const std::vector<std::string>& groups) {
  if (groups.empty()) return std::nullopt;
  bool short_group = false;
  std::string joined;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (groups[g].size() < 3 && !(g == 0 && groups[g] == "86" && groups.size() > 1)) short_group = true;
    joined += groups[g];
  }
  if (!short_group || groups.size() == 1) return JudgeNumber(joined);
  for (const std::string& g : groups) {
    if (auto found = JudgeNumber(g)) return found;
  }
  return std::nullopt;
}

}  // namespace

std::string_view PersonalDataName(PersonalDataKind kind) {
  switch (kind) {
    case PersonalDataKind::kResidentId: return "a resident ID number (居民身份证号码)";
    case PersonalDataKind::kMobile: return "a mobile phone number (手机号码)";
    case PersonalDataKind::kBankCard: return "a bank card number (银行卡号)";
  }
  return "personal data";
}

bool ResidentIdCheckOk(std::string_view id) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
  if (id.size() != 18) return false;
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    if (id[i] < '0' || id[i] > '9') return false;
    sum += (id[i] - '0') * kWeights[i];
  }
  return id[17] == kCheck[sum % 11];
}

bool LuhnOk(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool twice = false;  // every second digit from the right, the check digit not doubled
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it < '0' || *it > '9') return false;
    int d = *it - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

std::optional<PersonalDataKind> FindPersonalData(std::string_view text) {
  std::vector<std::string> groups;  // the run being read
  bool separator_pending = false;   // one separator seen after a digit
  std::optional<PersonalDataKind> found;
  const auto end_run = [&] {
    if (!found) found = JudgeRun(groups);
    groups.clear();
    separator_pending = false;
  };
  for (std::size_t i = 0; i < text.size() && !found;) {
    const Classified c = Classify(NextCodePoint(text, i));
    switch (c.cls) {
      case CharClass::kDigit:
        if (groups.empty() || separator_pending) groups.emplace_back();
        groups.back().push_back(c.digit);
        separator_pending = false;
        break;
      case CharClass::kCheckX:
        // Closes an ID straight after a digit; anywhere else it is just a letter.
        if (!groups.empty() && !separator_pending) groups.back().push_back('X');
        end_run();
        break;
      case CharClass::kSeparator:
        if (groups.empty() || separator_pending) {
          end_run();
        } else {
          separator_pending = true;
        }
        break;
      case CharClass::kOther:
        end_run();
        break;
    }
  }
  end_run();
  return found;
}

}  // namespace shanliu::ledger
