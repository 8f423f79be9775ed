#include "switchyard/money/usage.h"

#include <iterator>
#include <string_view>

#include "switchyard/json/json.h"
#include "switchyard/json/json_text.h"

namespace switchyard {
namespace {

// Every member of UsageToJson's object, in key order: the one statement of its fields, from
// which both the DOM and the text are written. total_tokens is computed (no member).
struct UsageField {
  const char* name;
  int64_t Usage::*count;  // null: `known` when flag is set, else total_tokens
  bool Usage::*flag;
};
constexpr UsageField kUsageFields[] = {
    {"cache_write_1h_tokens", &Usage::cache_write_1h_tokens, nullptr},
    {"cache_write_tokens", &Usage::cache_write_tokens, nullptr},
    {"cached_tokens", &Usage::cached_tokens, nullptr},
    {"completion_tokens", &Usage::completion_tokens, nullptr},
    {"images", &Usage::images, nullptr},
    {"known", nullptr, &Usage::known},
    {"prompt_tokens", &Usage::prompt_tokens, nullptr},
    {"reasoning_tokens", &Usage::reasoning_tokens, nullptr},
    {"requests", &Usage::requests, nullptr},
    {"total_tokens", nullptr, nullptr},
};

constexpr bool InKeyOrder() {
  for (size_t i = 1; i < std::size(kUsageFields); ++i) {
    if (!(std::string_view(kUsageFields[i - 1].name) < std::string_view(kUsageFields[i].name))) {
      return false;
    }
  }
  return true;
}
static_assert(InKeyOrder(), "kUsageFields must be in key order, as Dump writes an object");

int64_t CountOf(const Usage& u, const UsageField& f) {
  return f.count != nullptr ? u.*f.count : u.total_tokens();
}

}  // namespace

Json UsageToJson(const Usage& u) {
  Json out = Json::object();
  for (const UsageField& f : kUsageFields) {
    out.Set(f.name, f.flag != nullptr ? Json(u.*f.flag) : Json(CountOf(u, f)));
  }
  return out;
}

void AppendUsageJson(std::string& out, const Usage& u) {
  JsonObjectText o(out);
  for (const UsageField& f : kUsageFields) {
    if (f.flag != nullptr) {
      o.Bool(f.name, u.*f.flag);
    } else {
      o.Int(f.name, CountOf(u, f));
    }
  }
  o.Close();
}

}  // namespace switchyard
