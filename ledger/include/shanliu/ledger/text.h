// Control characters in ledger text (docs/rules.md, "Control characters"). Admission refuses
// them (error "control_character"); blocks committed before that rule may still hold some, so
// terminal output escapes them too.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace shanliu::ledger {

// The byte offset of the first control character in `text`: C0 (U+0000-U+001F, tab and line
// breaks included), DEL (U+007F) or C1 (U+0080-U+009F, UTF-8 C2 80-C2 9F); nothing if none.
std::optional<std::size_t> FindControlCharacter(std::string_view text);

// True if `text` is well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points
// above U+10FFFF), the rule protobuf applies to proto3 string fields.
bool IsValidUtf8(std::string_view text);

// `text` made safe to print on a terminal: control characters become \xNN (C0, DEL) or \u00NN
// (C1), bytes that are not valid UTF-8 become \xNN, and a backslash is doubled so an escape in
// the output always came from here. Valid printable text is unchanged.
std::string EscapeForTerminal(std::string_view text);

}  // namespace shanliu::ledger
