#include "shanliu/ledger/json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <cassert>
#include <cctype>

#include "shanliu/crypto/codec.h"

namespace shanliu::ledger {
namespace {

using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using nlohmann::json;

constexpr int kMaxDepth = 16;

std::string EnumPrefix(const EnumDescriptor* e) {
  std::string prefix;
  for (char c : e->name()) {
    if (std::isupper(static_cast<unsigned char>(c)) && !prefix.empty()) prefix.push_back('_');
    prefix.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return prefix + "_";
}

json ScalarToJson(const Message& m, const Reflection* r, const FieldDescriptor* f, int index) {
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: return rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f);
    case FieldDescriptor::CPPTYPE_INT64: return rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f);
    case FieldDescriptor::CPPTYPE_UINT32: return rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f);
    case FieldDescriptor::CPPTYPE_UINT64: return rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f);
    case FieldDescriptor::CPPTYPE_BOOL: return rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f);
    case FieldDescriptor::CPPTYPE_ENUM:
      return EnumValueName(rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f));
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string s = rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
      if (f->type() == FieldDescriptor::TYPE_BYTES) return crypto::ToHex(AsBytes(s));
      return s;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageToJson(rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f));
    default: break;
  }
  assert(false && "field type not used by the schema");
  return nullptr;
}

Status Invalid(const std::string& path, const std::string& why) {
  return Status::Error("invalid_json", path + ": " + why);
}

Status SetScalar(const json& v, Message* m, const Reflection* r, const FieldDescriptor* f, const std::string& path) {
  const bool rep = f->is_repeated();
  auto need_integer = [&](bool is_signed, std::int64_t min, std::uint64_t max) -> Result<std::uint64_t> {
    if (!v.is_number_integer()) return Invalid(path, "must be a whole number");
    if (v.is_number_unsigned()) {
      if (v.get<std::uint64_t>() > max) return Invalid(path, "is out of range");
      return v.get<std::uint64_t>();
    }
    const std::int64_t s = v.get<std::int64_t>();
    if (!is_signed && s < 0) return Invalid(path, "must not be negative");
    if (s < min) return Invalid(path, "is out of range");
    return static_cast<std::uint64_t>(s);
  };
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      auto x = need_integer(true, INT32_MIN, INT32_MAX);
      if (!x.ok()) return x.status();
      const auto val = static_cast<std::int32_t>(static_cast<std::int64_t>(*x));
      rep ? r->AddInt32(m, f, val) : r->SetInt32(m, f, val);
      return Status::Ok();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      auto x = need_integer(true, INT64_MIN, INT64_MAX);
      if (!x.ok()) return x.status();
      const auto val = static_cast<std::int64_t>(*x);
      rep ? r->AddInt64(m, f, val) : r->SetInt64(m, f, val);
      return Status::Ok();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      auto x = need_integer(false, 0, UINT32_MAX);
      if (!x.ok()) return x.status();
      rep ? r->AddUInt32(m, f, static_cast<std::uint32_t>(*x)) : r->SetUInt32(m, f, static_cast<std::uint32_t>(*x));
      return Status::Ok();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      auto x = need_integer(false, 0, UINT64_MAX);
      if (!x.ok()) return x.status();
      rep ? r->AddUInt64(m, f, *x) : r->SetUInt64(m, f, *x);
      return Status::Ok();
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      if (!v.is_boolean()) return Invalid(path, "must be true or false");
      rep ? r->AddBool(m, f, v.get<bool>()) : r->SetBool(m, f, v.get<bool>());
      return Status::Ok();
    case FieldDescriptor::CPPTYPE_ENUM: {
      if (!v.is_string()) return Invalid(path, "must be a string naming a value");
      const EnumDescriptor* e = f->enum_type();
      const EnumValueDescriptor* value = e->FindValueByName(EnumPrefix(e) + [&] {
        std::string upper = v.get<std::string>();
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return upper;
      }());
      if (value == nullptr || value->number() == 0) return Invalid(path, "'" + v.get<std::string>() + "' is not allowed");
      rep ? r->AddEnum(m, f, value) : r->SetEnum(m, f, value);
      return Status::Ok();
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      if (!v.is_string()) return Invalid(path, "must be a string");
      std::string s = v.get<std::string>();
      if (f->type() == FieldDescriptor::TYPE_BYTES) {
        auto bytes = crypto::FromHex(s);
        if (!bytes.ok()) return Invalid(path, "must be hex");
        s = ToString(*bytes);
      }
      rep ? r->AddString(m, f, s) : r->SetString(m, f, s);
      return Status::Ok();
    }
    default: break;
  }
  return Invalid(path, "unsupported field type");
}

Status FromJson(const json& j, Message* m, const std::string& path, int depth) {
  if (depth > kMaxDepth) return Invalid(path, "is nested too deeply");
  if (!j.is_object()) return Invalid(path.empty() ? "$" : path, "must be an object");
  const auto* d = m->GetDescriptor();
  const auto* r = m->GetReflection();
  for (const auto& [name, value] : j.items()) {
    const std::string field_path = path.empty() ? name : path + "." + name;
    const FieldDescriptor* f = d->FindFieldByName(name);
    if (f == nullptr) return Invalid(field_path, "is not a known field");
    if (value.is_null()) continue;
    if (f->is_repeated()) {
      if (!value.is_array()) return Invalid(field_path, "must be an array");
      for (std::size_t i = 0; i < value.size(); ++i) {
        const std::string item_path = field_path + "[" + std::to_string(i) + "]";
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          SHANLIU_RETURN_IF_ERROR(FromJson(value[i], r->AddMessage(m, f), item_path, depth + 1));
        } else {
          SHANLIU_RETURN_IF_ERROR(SetScalar(value[i], m, r, f, item_path));
        }
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      SHANLIU_RETURN_IF_ERROR(FromJson(value, r->MutableMessage(m, f), field_path, depth + 1));
    } else {
      SHANLIU_RETURN_IF_ERROR(SetScalar(value, m, r, f, field_path));
    }
  }
  return Status::Ok();
}

}  // namespace

std::string EnumValueName(const EnumValueDescriptor* value) {
  const std::string prefix = EnumPrefix(value->type());
  std::string name = value->name();
  if (name.starts_with(prefix)) name = name.substr(prefix.size());
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

nlohmann::json MessageToJson(const Message& m) {
  json out = json::object();
  const auto* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->is_repeated()) {
      json arr = json::array();
      for (int i = 0; i < r->FieldSize(m, f); ++i) arr.push_back(ScalarToJson(m, r, f, i));
      out[f->name()] = std::move(arr);
    } else {
      out[f->name()] = ScalarToJson(m, r, f, 0);
    }
  }
  return out;
}

Status JsonToMessage(const nlohmann::json& j, Message* message) {
  message->Clear();
  return FromJson(j, message, "", 0);
}

}  // namespace shanliu::ledger
