#include "switchyard/money/usage.h"

#include <type_traits>

#include "switchyard/json/json.h"
#include "switchyard/money/json_object_text.h"

namespace switchyard {
namespace {

// Every member of UsageToJson's object, in key order: the one statement of its fields, from
// which both the DOM and the text are written.
template <typename Visit>
void VisitUsage(const Usage& u, Visit&& visit) {
  visit("cache_write_1h_tokens", u.cache_write_1h_tokens);
  visit("cache_write_tokens", u.cache_write_tokens);
  visit("cached_tokens", u.cached_tokens);
  visit("completion_tokens", u.completion_tokens);
  visit("images", u.images);
  visit("known", u.known);
  visit("prompt_tokens", u.prompt_tokens);
  visit("reasoning_tokens", u.reasoning_tokens);
  visit("requests", u.requests);
  visit("total_tokens", u.total_tokens());
}

}  // namespace

Json UsageToJson(const Usage& u) {
  Json out = Json::object();
  VisitUsage(u, [&](const char* name, auto value) { out.Set(name, Json(value)); });
  return out;
}

void AppendUsageJson(std::string& out, const Usage& u) {
  JsonObjectText o(out);
  VisitUsage(u, [&](const char* name, auto value) {
    if constexpr (std::is_same_v<decltype(value), bool>) {
      o.Bool(name, value);
    } else {
      o.Int(name, value);
    }
  });
  o.Close();
}

}  // namespace switchyard
