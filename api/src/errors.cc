#include "shanliu/api/errors.h"

#include "shanliu/error_codes.h"

namespace shanliu::api {

unsigned HttpStatusForError(std::string_view code) {
  // The set is closed (tests/unit/error_codes_test.cc); a code outside it is a bug, answered as one.
  const ErrorCodeInfo* info = FindErrorCode(code);
  return info ? info->http_status : 500;
}

}  // namespace shanliu::api
