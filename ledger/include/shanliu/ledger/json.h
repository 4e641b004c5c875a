// JSON forms of ledger messages for the API, the CLI and the explorer: field names as in
// the .proto, bytes as lowercase hex, enums as lowercase names without their type prefix
// ("material", "bank_transfer"), 64-bit integers as JSON numbers (amounts stay below 2^53).
#pragma once

#include <google/protobuf/message.h>

#include <nlohmann/json.hpp>

#include "shanliu/status.h"

namespace shanliu::ledger {

nlohmann::json MessageToJson(const google::protobuf::Message& message);

// Strict inverse: unknown fields, wrong types, bad hex, unknown enum names and numbers out
// of range are errors ("invalid_json") naming the field path.
Status JsonToMessage(const nlohmann::json& json, google::protobuf::Message* message);

// "SPEND_CATEGORY_MATERIAL" of SpendCategory -> "material".
std::string EnumValueName(const google::protobuf::EnumValueDescriptor* value);

}  // namespace shanliu::ledger
