// Public registry codes the ledger checks: unified social credit codes (统一社会信用代码,
// GB 32100-2015) and county-level administrative division codes (GB/T 2260). Both are pure
// functions of their input and of data compiled into the binary, so every node agrees.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shanliu::ledger {

// 18 characters from GB 32100's alphabet (digits and capitals without I, O, S, V, Z), whose
// organisation-code part (characters 9-17) carries a valid GB 11714 check character and whose
// 18th character is the GB 32100 check character over the first 17.
bool IsValidCreditCode(std::string_view code);

// A code with valid check characters, for devnets, demos and tests.
// `kind2`: registration authority + type, e.g. "11" government agency, "51" social organisation
// (社会团体), "52" social service agency (社会服务机构), "53" foundation (基金会), "91" enterprise.
// `division6`: GB/T 2260 code, e.g. "330106". `serial`: its low 8 decimal digits become the
// organisation code body.
std::string MakeCreditCode(std::string_view kind2, std::string_view division6, std::uint64_t serial);

// The full name (浙江省杭州市西湖区) of a county-level division code from the GB/T 2260 list in
// ledger/data/gbt2260.tsv, or nullopt when the code is not on the list.
std::optional<std::string_view> RegionName(std::string_view code);
std::size_t RegionCount();
// Whether some county code on the list starts with `prefix` (2 digits: a province, 4: a city).
bool AnyCountyUnder(std::string_view prefix);
// The longest whole-character prefix the names of every county under `prefix` share, cut after
// its last 省/市/州/盟/区/县/旗 (浙江省杭州市 for 3301); empty if no county lies under it.
std::string CommonCountyName(std::string_view prefix);

}  // namespace shanliu::ledger
