#include "http_types.h"
#include "shanliu/api/errors.h"

namespace shanliu::api::internal {

std::string DumpJson(const Json& value) {
  // Names and descriptions come from signed transactions whose text is length-checked but not
  // UTF-8-checked; replacing bad sequences keeps every response valid JSON.
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

unsigned ErrorHttpStatus(std::string_view code) {
  if (code == "method_not_allowed") return 405;
  if (code == "ambiguous_code") return 409;
  if (code == "too_many_txs") return 413;
  if (code == "unsupported_media_type") return 415;
  if (code == "header_too_large") return 431;
  if (code == "storage_error" || code == "internal") return 500;
  return HttpStatusForError(code);
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
  return JsonResponse(Json{{"error", std::move(object)}}, ErrorHttpStatus(error.code()));
}

Response ErrorResponse(std::string code, std::string message) {
  return ErrorResponse(Status::Error(std::move(code), std::move(message)));
}

}  // namespace shanliu::api::internal
