// json_testing.h: JSON text that a test, bench or fuzz target wrote or the core produced, read
// with the core's strict parser (ParseJson) and none of the request limits: any size, 512 levels.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "switchyard/json/json.h"

namespace switchyard::testing {

// The value, or nullopt when the text is not JSON.
inline std::optional<Json> TryJson(std::string_view text) {
  Result<Json> r = ParseJson(text, JsonLimits{SIZE_MAX, 512, true}, "test text");
  if (!r.ok()) return std::nullopt;
  return std::move(r).value();
}

// The value of text that must be JSON; anything else stops the run, naming the text.
inline Json JsonOf(std::string_view text) {
  std::optional<Json> j = TryJson(text);
  if (!j) {
    std::fprintf(stderr, "not JSON: %.*s\n", static_cast<int>(text.size() > 300 ? 300 : text.size()),
                 text.data());
    std::abort();
  }
  return std::move(*j);
}

// nlohmann's j.value(key, default): the member when present and of the default's kind (a string
// for a string default, a number for a number), else the default.
template <typename T>
auto ValueOr(const Json& j, std::string_view key, const T& default_value) {
  using R = std::conditional_t<std::is_convertible_v<T, std::string_view>, std::string, T>;
  const Json* v = j.Lookup(key);
  if constexpr (std::is_same_v<R, Json>) return v ? *v : default_value;
  else if (!v || (std::is_same_v<R, std::string> ? !v->is_string()
                  : std::is_same_v<R, bool>      ? !v->is_boolean()
                                                 : !v->is_number())) return R(default_value);
  else return v->get<R>();
}

}  // namespace switchyard::testing
