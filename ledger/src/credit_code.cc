// GB 32100-2015 unified social credit codes. The same check serves the executor (RegisterOrg,
// genesis) and the CLI (devnet and demo organisations), so there is one implementation.
#include <cassert>

#include "shanliu/ledger/registry_codes.h"

namespace shanliu::ledger {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";  // no I, O, S, V, Z
constexpr int kCodeWeights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
constexpr int kOrgWeights[8] = {3, 7, 9, 10, 5, 8, 4, 2};

int OrgValue(char c) { return c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10; }

// GB 11714 check character of the 8-character organisation code body (digits and capitals).
char OrgCheck(std::string_view body8) {
  assert(body8.size() == 8);
  int sum = 0;
  for (int i = 0; i < 8; ++i) sum += OrgValue(body8[static_cast<std::size_t>(i)]) * kOrgWeights[i];
  const int c = 11 - sum % 11;
  return c == 10 ? 'X' : c == 11 ? '0' : static_cast<char>('0' + c);
}

// GB 32100 check character over the first 17 characters; '\0' if one is outside the alphabet.
char CodeCheck(std::string_view first17) {
  assert(first17.size() == 17);
  int sum = 0;
  for (int i = 0; i < 17; ++i) {
    const auto pos = kAlphabet.find(first17[static_cast<std::size_t>(i)]);
    if (pos == std::string_view::npos) return '\0';
    sum += static_cast<int>(pos) * kCodeWeights[i];
  }
  const int c = 31 - sum % 31;
  return kAlphabet[static_cast<std::size_t>(c == 31 ? 0 : c)];
}

}  // namespace

std::string MakeCreditCode(std::string_view kind2, std::string_view division6, std::uint64_t serial) {
  assert(kind2.size() == 2 && division6.size() == 6);
  std::string body = std::to_string(serial % 100'000'000);
  body.insert(0, 8 - body.size(), '0');
  std::string code = std::string(kind2) + std::string(division6) + body + OrgCheck(body);
  code.push_back(CodeCheck(code));
  assert(IsValidCreditCode(code));
  return code;
}

bool IsValidCreditCode(std::string_view code) {
  if (code.size() != 18) return false;
  for (char c : code) {
    if (kAlphabet.find(c) == std::string_view::npos) return false;
  }
  return OrgCheck(code.substr(8, 8)) == code[16] && CodeCheck(code.substr(0, 17)) == code[17];
}

}  // namespace shanliu::ledger
