#include "shanliu/api/errors.h"

namespace shanliu::api {

unsigned HttpStatusForError(std::string_view code) {
  if (code == "not_found") return 404;
  if (code == "too_large") return 413;
  if (code == "io_error" || code == "corruption") return 500;
  if (code == "unavailable") return 503;
  if (code == "duplicate") return 409;
  // Every other code is a rule or input failure the client can fix.
  return 400;
}

}  // namespace shanliu::api
