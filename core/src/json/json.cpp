#include "switchyard/json/json.h"

#include <cmath>

namespace switchyard {

namespace {

Result<Json> Parse(std::string_view text, const JsonLimits& limits, std::string_view what,
                   const JsonBody& body, bool reject_duplicate_keys) {
  JsonTape tape;
  JsonParseError error;
  Json value;
  if (tape.Parse(text, limits, &error) &&
      Json::FromTape(tape, &value, &error, reject_duplicate_keys)) {
    return value;
  }
  // Where it failed, in the terms of the document the failure is in.
  std::string_view doc = what;
  std::string_view path = error.path;
  if (!body.field.empty() && path.substr(0, body.field.size()) == body.field &&
      (path.size() == body.field.size() || path[body.field.size()] == '.' ||
       path[body.field.size()] == '[')) {
    doc = body.what;
    path.remove_prefix(body.field.size());
    if (!path.empty() && path[0] == '.') path.remove_prefix(1);
  }
  error.path = std::string(path);
  return error.ToStatus(doc, limits, /*with_offset=*/false);
}

}  // namespace

Result<Json> ParseJson(std::string_view text, const JsonLimits& limits, std::string_view what) {
  return Parse(text, limits, what, JsonBody{}, /*reject_duplicate_keys=*/false);
}

Result<Json> ParseJson(std::string_view text, const JsonLimits& limits, std::string_view what,
                       const JsonBody& body) {
  return Parse(text, limits, what, body, /*reject_duplicate_keys=*/true);
}

const Json* Find(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  return object.Lookup(key);
}
const Json* FindObject(const Json& object, std::string_view key) {
  const Json* v = Find(object, key);
  return v && v->is_object() ? v : nullptr;
}
const Json* FindArray(const Json& object, std::string_view key) {
  const Json* v = Find(object, key);
  return v && v->is_array() ? v : nullptr;
}
std::optional<std::string_view> FindString(const Json& object, std::string_view key) {
  const Json* v = Find(object, key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string_view(v->get_ref<const std::string&>());
}
std::optional<int64_t> IntValue(const Json& v) {
  // is_number_integer() is also true for unsigned values: test unsigned first so a value above
  // INT64_MAX is rejected instead of wrapping negative.
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  return std::nullopt;
}
std::optional<int64_t> FindInt(const Json& object, std::string_view key) {
  const Json* v = Find(object, key);
  return v ? IntValue(*v) : std::nullopt;
}
std::optional<double> FindNumber(const Json& object, std::string_view key) {
  const Json* v = Find(object, key);
  if (!v || !v->is_number()) return std::nullopt;
  return v->get<double>();
}
std::optional<bool> FindBool(const Json& object, std::string_view key) {
  const Json* v = Find(object, key);
  if (!v || !v->is_boolean()) return std::nullopt;
  return v->get<bool>();
}

Status ReadInt(const Json& object, std::string_view key, bool required, int64_t* out) {
  const Json* v = Find(object, key);
  if (v == nullptr || v->is_null()) {
    if (!required) return Status::Ok();
    return Status::InvalidArgument(std::string(key) + " is required", key);
  }
  if (v->is_number_integer()) {
    std::optional<int64_t> i = IntValue(*v);
    if (!i) return Status::InvalidArgument(std::string(key) + " is out of range", key);
    *out = *i;
    return Status::Ok();
  }
  if (v->is_number_float()) {
    double d = v->get<double>();
    // 2^63 is exactly representable; anything at or beyond it does not fit.
    if (!std::isfinite(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
      return Status::InvalidArgument(std::string(key) + " is out of range", key);
    }
    *out = static_cast<int64_t>(d);
    return Status::Ok();
  }
  return Status::InvalidArgument(std::string(key) + " must be a number", key);
}

Status ReadBool(const Json& object, std::string_view key, bool* out) {
  const Json* v = Find(object, key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (!v->is_boolean()) return Status::InvalidArgument(std::string(key) + " must be a boolean", key);
  *out = v->get<bool>();
  return Status::Ok();
}

std::string Dump(const Json& value) {
  std::string out;
  value.DumpTo(out);
  return out;
}

}  // namespace switchyard
