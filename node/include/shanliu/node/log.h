// Structured logs: one JSON object per line on stderr ({"ts":..,"level":..,"event":..,...}),
// so operators can ship them to any log pipeline without parsing free text.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace shanliu::node {

void LogEvent(std::string_view level, std::string_view event, const nlohmann::json& fields = nlohmann::json::object());

}  // namespace shanliu::node
