// HTTP status for each typed error code, shared by the server and the CLI's messages.
#pragma once
#include <string_view>
namespace shanliu::api {
unsigned HttpStatusForError(std::string_view code);
}  // namespace shanliu::api
