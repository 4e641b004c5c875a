// The personal data guard's shapes (docs/rules.md, DESIGN 9), each at its boundary: the number
// that is refused beside the nearest one that is allowed.
#include <doctest/doctest.h>

#include "shanliu/ledger/personal_data.h"

using namespace shanliu::ledger;

namespace {

bool Refused(std::string_view text) { return FindPersonalData(text).has_value(); }
PersonalDataKind KindOf(std::string_view text) {
  auto k = FindPersonalData(text);
  REQUIRE_MESSAGE(k.has_value(), text);
  return *k;
}

}  // namespace

TEST_CASE("check functions: GB 11643 check character and Luhn") {
  CHECK(ResidentIdCheckOk("11010519491231002X"));
  CHECK(ResidentIdCheckOk("440304198512123451"));
  CHECK_FALSE(ResidentIdCheckOk("110105194912310021"));
  CHECK_FALSE(ResidentIdCheckOk("440304198512123452"));
  CHECK_FALSE(ResidentIdCheckOk("44030419851212345"));     // 17 characters
  CHECK_FALSE(ResidentIdCheckOk("4403041985121234X1"));    // X only as the check character
  CHECK(LuhnOk("4111111111111111"));
  CHECK_FALSE(LuhnOk("4111111111111112"));
  CHECK_FALSE(LuhnOk(""));
  CHECK_FALSE(LuhnOk("41111111111a1111"));
}

TEST_CASE("resident ID: refused with a valid check character, allowed with a wrong one") {
  CHECK(KindOf("身份证11010519491231002X") == PersonalDataKind::kResidentId);
  CHECK(KindOf("440304198512123451") == PersonalDataKind::kResidentId);
  CHECK(KindOf("11010519491231002x") == PersonalDataKind::kResidentId);  // lower-case x
  CHECK_FALSE(Refused("110105194912310021"));
  CHECK_FALSE(Refused("440304198512123452"));
  // An 18-digit number is judged only as an ID: this one passes Luhn but not GB 11643, so it is
  // an order or invoice number, not a card (18-digit cards are not issued on the mainland).
  CHECK_FALSE(Refused("330106199001011232"));
  // A valid ID cut or lengthened is another number, not an ID (these also fail Luhn).
  CHECK_FALSE(Refused("1101051949123100"));
  CHECK_FALSE(Refused("4403041985121234510"));
}

TEST_CASE("mobile numbers: 11 digits 1[3-9]..., alone or after +86 / 86") {
  CHECK(KindOf("电话13812345678") == PersonalDataKind::kMobile);
  CHECK(KindOf("19912345678") == PersonalDataKind::kMobile);
  CHECK(Refused("+8613812345678"));
  CHECK(Refused("8613812345678"));
  CHECK(Refused("+86 138 1234 5678"));
  CHECK(Refused("86-138-1234-5678"));
  CHECK_FALSE(Refused("138123456789"));  // 12 digits: not a mobile (and too short for a card)
  CHECK_FALSE(Refused("1381234567"));    // 10 digits
  CHECK_FALSE(Refused("12812345678"));   // 1 then 2: no such mobile prefix
  CHECK_FALSE(Refused("10012345678"));
  CHECK_FALSE(Refused("8712812345679"));  // 13 digits, not 86 + a mobile, Luhn-invalid
}

TEST_CASE("bank cards: 13 to 19 digits passing Luhn") {
  CHECK(KindOf("卡号6222021234567894") == PersonalDataKind::kBankCard);
  CHECK_FALSE(Refused("6222021234567895"));
  CHECK(KindOf("6217001234560") == PersonalDataKind::kBankCard);  // 13 digits
  CHECK_FALSE(Refused("6217001234561"));
  CHECK(KindOf("6228480012345678903") == PersonalDataKind::kBankCard);  // 19 digits
  CHECK_FALSE(Refused("6228480012345678904"));
  CHECK_FALSE(Refused("621700123458"));  // 12 digits are never a card, Luhn or not
}

TEST_CASE("invoice numbers are allowed: 8 digits, and 20 digits even when Luhn holds") {
  CHECK_FALSE(Refused("发票号码 12345678"));
  CHECK_FALSE(Refused("发票号码12345678901234567894"));  // 20 digits, Luhn-valid
  CHECK_FALSE(Refused("04400123000112345673"));
  CHECK_FALSE(Refused("123456789012345678901234"));
}

TEST_CASE("full-width digits and X count as digits") {
  CHECK(KindOf("１３８１２３４５６７８") == PersonalDataKind::kMobile);
  CHECK(KindOf("１１０１０５１９４９１２３１００２Ｘ") == PersonalDataKind::kResidentId);
  CHECK(KindOf("６２２２０２１２３４５６７８９４") == PersonalDataKind::kBankCard);
  CHECK_FALSE(Refused("６２２２０２１２３４５６７８９５"));
  CHECK(Refused("138１２３４5678"));  // mixed widths
}

TEST_CASE("one space or hyphen between digits keeps the number together") {
  CHECK(Refused("6222 0212 3456 7894"));
  CHECK(Refused("6222-0212-3456-7894"));
  CHECK(Refused("6222－0212－3456－7894"));  // full-width hyphen
  CHECK(Refused("138　1234　5678"));          // ideographic space
  CHECK(Refused("110105 19491231 002X"));
  CHECK_FALSE(Refused("6222 0212 3456 7895"));
  // Two separators in a row end the number.
  CHECK_FALSE(Refused("138  1234 5678"));
  CHECK_FALSE(Refused("138 - 1234 - 5678"));
  // Groups of one or two digits are dates and lists, not identifiers: each group stands alone.
  CHECK_FALSE(Refused("2026-01-02 2026-03-04"));
  CHECK_FALSE(Refused("2026-01-02 13:00"));
  CHECK(Refused("2026-01-02 13812345678"));  // ...so a mobile beside a date is still found
}

TEST_CASE("ordinary charity text passes") {
  for (std::string_view text : {"", "长者食堂 2026 年第 3 季度米面粮油采购", "2025-01..2025-06", "受益 120 人次",
                                "https://example.org/reports/2026/annual-report.pdf", "金额 ¥12,345.67",
                                "X光机一台", "备案编号 2026-0001", "Room 1203, Building 5"}) {
    CHECK_MESSAGE(!Refused(text), text);
  }
}

TEST_CASE("invalid UTF-8 is read as a boundary, never as a digit") {
  CHECK_FALSE(Refused(std::string("13812\xff" "345678")));
  CHECK(Refused(std::string("\xff" "13812345678\xc3")));
}
