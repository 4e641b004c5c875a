// Unified social credit codes (统一社会信用代码, GB 32100-2015) for devnet and demo
// organisations: realistic structure and valid check characters.
#pragma once

#include <string>
#include <string_view>

namespace shanliu::cli {

// `kind2`: registration authority + organisation type, e.g. "11" government agency,
// "51" social organisation (社会团体), "52" social service agency (社会服务机构),
// "53" foundation (基金会), "91" enterprise, "92" individual business.
// `division6`: administrative division code, e.g. "330106" (杭州市西湖区).
// `serial`: any number; its low 8 decimal digits become the organisation code body.
std::string MakeCreditCode(std::string_view kind2, std::string_view division6, std::uint64_t serial);

// Both check characters (the organisation code's GB 11714 one and the code's own) hold.
bool IsValidCreditCode(std::string_view code);

}  // namespace shanliu::cli
