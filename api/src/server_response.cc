#include "http_types.h"
#include "shanliu/api/errors.h"

namespace shanliu::api::internal {

std::string DumpJson(const Json& value) {
  // Names and descriptions come from signed transactions whose text is length-checked but not
  // UTF-8-checked; replacing bad sequences keeps every response valid JSON.
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Response JsonResponse(const Json& body, unsigned status) {
  Response r;
  r.status = status;
  r.body = DumpJson(body);
  return r;
}

Response ErrorResponse(const Status& error, const Json& details) {
  Json object = details.is_object() ? details : Json::object();
  object["code"] = error.code();
  object["message"] = error.message();
  return JsonResponse(Json{{"error", std::move(object)}}, HttpStatusForError(error.code()));
}

Response ErrorResponse(std::string code, std::string message) {
  return ErrorResponse(Status::Error(std::move(code), std::move(message)));
}

}  // namespace shanliu::api::internal
