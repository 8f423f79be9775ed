#include "switchyard/json/json.h"

#include <algorithm>
#include <cmath>

namespace switchyard {

Result<Json> ParseJson(std::string_view text, const JsonLimits& limits, std::string_view what,
                       const JsonBody& body) {
  JsonTape tape;
  JsonParseError error;
  Json value;
  if (tape.Parse(text, limits, &error) &&
      Json::FromView(tape.root(), value, &error, body.reject_duplicate_keys)) {
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
  return v && v->is_string() ? std::optional<std::string_view>(v->get_ref<const std::string&>())
                             : std::nullopt;
}
std::optional<int64_t> IntValue(const Json& v) {
  // An unsigned value above INT64_MAX is refused, not wrapped negative.
  const bool too_big = v.is_number_unsigned() && v.get<uint64_t>() > uint64_t{INT64_MAX};
  if (!v.is_number_integer() || too_big) return std::nullopt;
  return v.get<int64_t>();
}
std::optional<int64_t> FindInt(const Json& object, std::string_view key) {
  const Json* v = Find(object, key);
  return v ? IntValue(*v) : std::nullopt;
}
std::optional<double> FindNumber(const Json& object, std::string_view key) {
  const Json* v = Find(object, key);
  return v && v->is_number() ? std::optional<double>(v->get<double>()) : std::nullopt;
}
std::optional<bool> FindBool(const Json& object, std::string_view key) {
  const Json* v = Find(object, key);
  return v && v->is_boolean() ? std::optional<bool>(v->get<bool>()) : std::nullopt;
}

Status FieldError(std::string_view path, std::string_view what) {
  return Status::InvalidArgument(std::string(path).append(1, ' ').append(what), path);
}

std::string TypeMismatch(std::string_view expected, const Json& got) {
  std::string what = "must be " + std::string(expected) + ", not ";
  switch (got.type()) {
    case Json::value_t::null: return what + "null";
    case Json::value_t::string: return what + "a string";
    case Json::value_t::array: return what + "an array";
    case Json::value_t::object: return what + "an object";
    default: return what + got.dump();  // a number or boolean, as written
  }
}

Status FieldTypeError(std::string_view path, std::string_view expected, const Json& got) {
  return FieldError(path, TypeMismatch(expected, got));
}

namespace {

// Bounds are literals (-2, 0, 1e6): integral ones print without a fraction.
std::string Bound(double x) {
  if (std::fabs(x) < 9e18 && x == static_cast<double>(static_cast<int64_t>(x))) {
    return std::to_string(static_cast<int64_t>(x));
  }
  return Dump(Json(x));  // shortest round trip; std::to_string(double) would link printf
}

Status OutOfRange(std::string_view path, const std::string& lo, const std::string& hi,
                  bool integer, bool unbounded_above) {
  std::string what = !unbounded_above ? "must be between " + lo + " and " + hi
                     : !integer       ? "must be at least " + lo
                     : lo == "0"      ? "must be a non-negative integer"
                     : lo == "1"      ? "must be a positive integer"
                                      : "must be an integer of at least " + lo;
  return FieldError(path, what);
}

}  // namespace

const Json* JsonFields::Get(std::string_view key) const {
  const Json* v = Find(object_, key);
  return v && !v->is_null() ? v : nullptr;
}

bool JsonFields::IsNull(std::string_view key) const {
  const Json* v = Find(object_, key);
  return v && v->is_null();
}

Result<int64_t> ReadNowMs(const Json& input) {
  JsonFields fields(input);
  int64_t now_ms = 0;
  SY_RETURN_IF_ERROR(fields.Required("now_ms"));
  SY_RETURN_IF_ERROR(fields.Time("now_ms", 0, INT64_MAX, &now_ms));
  return now_ms;
}

Status JsonFields::Required(std::string_view key) const {
  return Get(key) ? Status::Ok() : Error(key, "is required");
}

Status JsonFields::OnlyKnown(const std::string_view* known, size_t count) const {
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    if (std::find(known, known + count, it.key()) == known + count) {
      return Status::InvalidArgument("unknown field " + Path(it.key()), Path(it.key()));
    }
  }
  return Status::Ok();
}

Result<std::optional<bool>> JsonFields::ReadBool(std::string_view key) const {
  const Json* v = Get(key);
  if (!v) return std::optional<bool>();
  if (!v->is_boolean()) return TypeError(key, "a boolean", *v);
  return std::optional<bool>(v->get<bool>());
}

Result<std::optional<std::string_view>> JsonFields::ReadString(std::string_view key,
                                                               size_t max_bytes) const {
  const Json* v = Get(key);
  if (!v) return std::optional<std::string_view>();
  if (!v->is_string()) return TypeError(key, "a string", *v);
  std::string_view s = v->get_ref<const std::string&>();
  if (s.size() > max_bytes) {
    return Error(key, "must be a string of at most " + std::to_string(max_bytes) + " bytes");
  }
  return std::optional<std::string_view>(s);
}

Result<std::optional<int64_t>> JsonFields::ReadInt(std::string_view key, int64_t lo, int64_t hi,
                                                   bool fraction) const {
  const Json* v = Get(key);
  if (!v) return std::optional<int64_t>();
  std::optional<int64_t> i = IntValue(*v);
  bool in_range = i && *i >= lo && *i <= hi;
  if (!i && v->is_number_float() && fraction) {
    double d = v->get<double>();
    // Compared as doubles: a bound near 2^63 rounds outward, and the cast is then exact.
    in_range = d >= static_cast<double>(lo) && d <= static_cast<double>(hi) &&
               d < 9223372036854775808.0;
    if (in_range) i = static_cast<int64_t>(d);
  } else if (!v->is_number_integer()) {
    return TypeError(key, "an integer", *v);
  }
  if (!in_range) {
    return OutOfRange(Path(key), std::to_string(lo), std::to_string(hi), true, hi == INT64_MAX);
  }
  return i;
}

Result<std::optional<double>> JsonFields::ReadNumber(std::string_view key, double lo,
                                                     double hi) const {
  const Json* v = Get(key);
  if (!v) return std::optional<double>();
  if (!v->is_number()) return TypeError(key, "a number", *v);
  double d = v->get<double>();
  if (!(d >= lo && d <= hi)) {
    return OutOfRange(Path(key), Bound(lo), Bound(hi), false, std::isinf(hi));
  }
  return std::optional<double>(d);
}

Result<std::optional<std::vector<std::string>>> JsonFields::ReadStringList(
    std::string_view key, size_t max_items, size_t max_bytes) const {
  const Json* v = Get(key);
  if (!v) return std::optional<std::vector<std::string>>();
  if (!v->is_array()) return TypeError(key, "an array of strings", *v);
  if (v->size() > max_items) {
    return Error(key, "has " + std::to_string(v->size()) + " entries; the limit is " +
                          std::to_string(max_items));
  }
  std::vector<std::string> out;
  out.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& e = (*v)[i];
    std::string path = JsonPath(Path(key), i);
    if (!e.is_string()) return FieldTypeError(path, "a string", e);
    const std::string& s = e.get_ref<const std::string&>();
    if (s.empty()) return FieldError(path, "must not be empty");
    if (s.size() > max_bytes) {
      return FieldError(path, "must be at most " + std::to_string(max_bytes) + " bytes");
    }
    out.push_back(s);
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

}  // namespace switchyard
