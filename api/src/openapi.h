// The OpenAPI 3 document (api/openapi.json), embedded into the library by the build.
#pragma once

#include <string_view>

namespace shanliu::api::internal {

std::string_view OpenApiText();  // defined in the generated openapi_document.cc

}  // namespace shanliu::api::internal
