// The cost of one generation, rounding and the credit-purchase fee (rules in money.h). In the
// money module, below both the wire translators (usage.cost in responses) and the ledger (what is
// charged), so they price a generation with the very same function.
#include <algorithm>
#include <cstdio>
#include <string>
#include <iterator>
#include <utility>

#include "switchyard/json/json.h"
#include "switchyard/json/decimal.h"
#include "switchyard/json/json_text.h"
#include "switchyard/money/money.h"

namespace switchyard {
namespace {

constexpr __int128 kInt64Max = INT64_MAX;

// A JSON decimal (string, integer or float printed shortest-round-trip) as text, or nullopt.
std::optional<std::string> DecimalText(const Json& v) {
  if (v.is_string()) return v.get_ref<const std::string&>();
  if (v.is_number_integer() || v.is_number_unsigned()) return std::to_string(v.get<int64_t>());
  if (v.is_number_float()) return PlainDecimal(v.get<double>(), 12);
  return std::nullopt;
}

}  // namespace

Result<Picos> DivRoundHalfUp(__int128 numerator, __int128 denominator) {
  if (denominator <= 0) return Status::Internal("DivRoundHalfUp: denominator must be positive");
  bool negative = numerator < 0;
  // |INT128_MIN| does not exist, but no caller comes near it (inputs are int64 products).
  unsigned __int128 n = negative ? static_cast<unsigned __int128>(-numerator)
                                 : static_cast<unsigned __int128>(numerator);
  unsigned __int128 d = static_cast<unsigned __int128>(denominator);
  unsigned __int128 q = n / d;
  unsigned __int128 r = n % d;
  if (r >= d - r) ++q;  // 2r >= d without overflowing: the half rounds away from zero
  if (q > static_cast<unsigned __int128>(kInt64Max)) {
    return Status::InvalidArgument("amount out of range");
  }
  Picos v = static_cast<Picos>(q);
  return negative ? -v : v;
}

Picos MulPpmCeil(Picos amount, int64_t ppm) {
  __int128 n = static_cast<__int128>(amount) * ppm;
  __int128 q = n / kPpm;
  if (n % kPpm > 0) ++q;
  if (q > kInt64Max) return INT64_MAX;
  return static_cast<Picos>(q);
}

bool ZeroCompletionInsured(const Usage& usage, std::string_view finish_reason) {
  return usage.completion_tokens == 0 && (finish_reason.empty() || finish_reason == "error");
}

Result<Cost> ComputeCost(const Usage& u, const Prices& p, const CostOptions& o) {
  if (u.prompt_tokens < 0 || u.completion_tokens < 0 || u.cached_tokens < 0 ||
      u.cache_write_tokens < 0 || u.cache_write_1h_tokens < 0 || u.reasoning_tokens < 0 ||
      u.images < 0 || u.requests < 0) {
    return Status::InvalidArgument("usage token counts must not be negative");
  }
  if (o.discount_ppm < 0 || o.discount_ppm > kPpm || o.byok_fee_ppm < 0 || o.byok_fee_ppm > kPpm) {
    return Status::InvalidArgument("discount and fee fractions must be between 0 and 1");
  }
  const int64_t reasoning_tokens = std::min(u.reasoning_tokens, u.completion_tokens);
  const int64_t plain_completion = u.completion_tokens - reasoning_tokens;

  // Every product is formed in 128 bits; an int64 count times an int64 price cannot overflow it.
  __int128 parts[8] = {
      static_cast<__int128>(u.uncached_prompt_tokens()) * p.prompt,
      static_cast<__int128>(u.cached_tokens) * p.cache_read,
      static_cast<__int128>(u.cache_write_tokens) * p.cache_write,
      static_cast<__int128>(u.cache_write_1h_tokens) * p.cache_write_1h,
      static_cast<__int128>(plain_completion) * p.completion,
      static_cast<__int128>(reasoning_tokens) * p.reasoning,
      static_cast<__int128>(u.requests) * p.request,
      static_cast<__int128>(u.images) * p.image,
  };
  __int128 list = 0;
  for (__int128 part : parts) {
    if (part < 0 || part > kInt64Max)
      return Status::InvalidArgument("generation cost out of range");
    list += part;
  }
  if (list > kInt64Max) return Status::InvalidArgument("generation cost out of range");

  Cost c;
  c.prompt = static_cast<Picos>(parts[0]);
  c.cache_read = static_cast<Picos>(parts[1]);
  c.cache_write = static_cast<Picos>(parts[2]);
  c.cache_write_1h = static_cast<Picos>(parts[3]);
  c.completion = static_cast<Picos>(parts[4]);
  c.reasoning = static_cast<Picos>(parts[5]);
  c.request = static_cast<Picos>(parts[6]);
  c.image = static_cast<Picos>(parts[7]);
  c.list = static_cast<Picos>(list);
  c.is_byok = o.byok;

  const int64_t keep = kPpm - o.discount_ppm;  // the fraction of list price that is billed
  const __int128 prompt_side = parts[0] + parts[1] + parts[2] + parts[3] + parts[6] + parts[7];
  if (keep == kPpm) {
    // No fraction, no rounding: the common case stays pure integer adds.
    c.upstream = c.list;
    c.upstream_prompt = static_cast<Picos>(prompt_side);
  } else {
    SY_ASSIGN_OR_RETURN(c.upstream, DivRoundHalfUp(list * keep, kPpm));
    SY_ASSIGN_OR_RETURN(c.upstream_prompt, DivRoundHalfUp(prompt_side * keep, kPpm));
  }
  c.upstream_completions = c.upstream - c.upstream_prompt;

  const __int128 cache_tokens =
      static_cast<__int128>(u.cached_tokens) + u.cache_write_tokens + u.cache_write_1h_tokens;
  const __int128 saved = cache_tokens * p.prompt - (parts[1] + parts[2] + parts[3]);
  if (keep == kPpm) {
    if (saved > kInt64Max || saved < -kInt64Max)
      return Status::InvalidArgument("cache discount out of range");
    c.cache_discount = static_cast<Picos>(saved);
  } else {
    SY_ASSIGN_OR_RETURN(c.cache_discount, DivRoundHalfUp(saved * keep, kPpm));
  }

  c.insured = ZeroCompletionInsured(u, o.finish_reason);
  if (c.insured) {
    c.charged = 0;
  } else if (o.byok) {
    // One rounding from the exact list × (1 − discount) × fee, not from the rounded upstream.
    SY_ASSIGN_OR_RETURN(c.charged, DivRoundHalfUp(list * keep * o.byok_fee_ppm,
                                                  static_cast<__int128>(kPpm) * kPpm));
  } else {
    c.charged = c.upstream;
  }
  return c;
}

const Prices& PricesForPrompt(const Prices& base, const std::vector<PriceTier>& tiers,
                              int64_t prompt_tokens) {
  const Prices* p = &base;
  for (const PriceTier& t : tiers) {
    if (prompt_tokens < t.min_prompt_tokens) break;
    p = &t.prices;
  }
  return *p;
}

Result<Prices> ParseInlinePrices(const Json& pricing) {
  if (!pricing.is_object()) return Status::InvalidArgument("pricing must be an object", "pricing");
  struct Field {
    const char* name;
    bool per_million;
    std::optional<Picos> value;
  };
  Field fields[] = {{"prompt", true, {}},
                    {"completion", true, {}},
                    {"input_cache_read", true, {}},
                    {"input_cache_write", true, {}},
                    {"input_cache_write_1h", true, {}},
                    {"internal_reasoning", true, {}},
                    {"request", false, {}},
                    {"image", false, {}}};
  for (Field& f : fields) {
    const Json* v = Find(pricing, f.name);
    if (v == nullptr || v->is_null()) continue;
    std::optional<std::string> text = DecimalText(*v);
    if (!text) {
      return Status::InvalidArgument(std::string("pricing.") + f.name + " must be a decimal",
                                     std::string("pricing.") + f.name);
    }
    Result<Picos> r = f.per_million ? ParsePerMillion(*text) : ParseUsd(*text);
    if (!r.ok()) return r.take_status();
    if (*r < 0) {
      return Status::InvalidArgument(std::string("pricing.") + f.name + " must not be negative",
                                     std::string("pricing.") + f.name);
    }
    f.value = *r;
  }
  Prices p;
  p.prompt = fields[0].value.value_or(0);
  p.completion = fields[1].value.value_or(0);
  p.has_cache_read = fields[2].value.has_value();
  p.cache_read = fields[2].value.value_or(p.prompt);
  p.has_cache_write = fields[3].value.has_value();
  p.cache_write = fields[3].value.value_or(p.prompt);
  p.cache_write_1h = fields[4].value.value_or(p.cache_write);
  p.reasoning = fields[5].value.value_or(p.completion);
  p.request = fields[6].value.value_or(0);
  p.image = fields[7].value.value_or(0);
  return p;
}

void WriteCostFields(const Cost& cost, Json* usage) {
  (*usage)["cost"] = UsdNumber(cost.charged);
  (*usage)["is_byok"] = cost.is_byok;
  (*usage)["cost_details"] = {
      {"upstream_inference_cost", UsdNumber(cost.upstream)},
      {"upstream_inference_prompt_cost", UsdNumber(cost.upstream_prompt)},
      {"upstream_inference_completions_cost", UsdNumber(cost.upstream_completions)},
  };
}

Json RenderUsage(const Usage& u, const Cost& cost) {
  Json out = {
      {"prompt_tokens", u.prompt_tokens},
      {"completion_tokens", u.completion_tokens},
      {"total_tokens", u.total_tokens()},
      {"prompt_tokens_details",
       {{"cached_tokens", u.cached_tokens},
        {"cache_write_tokens", u.cache_write_tokens + u.cache_write_1h_tokens}}},
      {"completion_tokens_details", {{"reasoning_tokens", u.reasoning_tokens}}},
  };
  WriteCostFields(cost, &out);
  return out;
}

Result<Usage> ParseUsageJson(const Json& json) {
  if (!json.is_object()) return Status::InvalidArgument("usage must be an object", "usage");
  Usage u;
  u.known = true;
  auto read = [](const Json* object, const char* name, int64_t* out) -> Status {
    if (object == nullptr) return Status::Ok();
    const Json* v = Find(*object, name);
    if (v == nullptr || v->is_null()) return Status::Ok();
    if (!(v->is_number_integer() || v->is_number_unsigned()) || v->get<int64_t>() < 0) {
      return Status::InvalidArgument(
          std::string("usage.") + name + " must be a non-negative integer",
          std::string("usage.") + name);
    }
    *out = v->get<int64_t>();
    return Status::Ok();
  };
  const Json* prompt_details = FindObject(json, "prompt_tokens_details");
  const Json* completion_details = FindObject(json, "completion_tokens_details");
  SY_RETURN_IF_ERROR(read(&json, "prompt_tokens", &u.prompt_tokens));
  SY_RETURN_IF_ERROR(read(&json, "completion_tokens", &u.completion_tokens));
  SY_RETURN_IF_ERROR(read(&json, "cached_tokens", &u.cached_tokens));
  SY_RETURN_IF_ERROR(read(prompt_details, "cached_tokens", &u.cached_tokens));
  SY_RETURN_IF_ERROR(read(&json, "cache_write_tokens", &u.cache_write_tokens));
  SY_RETURN_IF_ERROR(read(prompt_details, "cache_write_tokens", &u.cache_write_tokens));
  SY_RETURN_IF_ERROR(read(&json, "cache_write_1h_tokens", &u.cache_write_1h_tokens));
  SY_RETURN_IF_ERROR(read(prompt_details, "cache_write_1h_tokens", &u.cache_write_1h_tokens));
  SY_RETURN_IF_ERROR(read(&json, "reasoning_tokens", &u.reasoning_tokens));
  SY_RETURN_IF_ERROR(read(completion_details, "reasoning_tokens", &u.reasoning_tokens));
  SY_RETURN_IF_ERROR(read(&json, "images", &u.images));
  SY_RETURN_IF_ERROR(read(&json, "requests", &u.requests));
  // OpenRouter's cache_write_tokens counts every write; when the 1-hour part is given on its
  // own as well, the 5-minute part is the remainder.
  if (prompt_details != nullptr && Find(*prompt_details, "cache_write_1h_tokens") != nullptr &&
      Find(*prompt_details, "cache_write_tokens") != nullptr) {
    u.cache_write_tokens = std::max<int64_t>(0, u.cache_write_tokens - u.cache_write_1h_tokens);
  }
  return u;
}

namespace {

// Every member of CostToJson's object, in key order: amounts as exact decimal USD strings, and
// the two flags among them. The one statement of its fields: the DOM, the text and the reader
// (CostFromJson) all walk this table.
struct CostField {
  const char* name;
  Picos Cost::*amount;  // or null for a flag
  bool Cost::*flag;
};
constexpr CostField kCostFields[] = {
    {"cache_discount", &Cost::cache_discount, nullptr},
    {"cache_read", &Cost::cache_read, nullptr},
    {"cache_write", &Cost::cache_write, nullptr},
    {"cache_write_1h", &Cost::cache_write_1h, nullptr},
    {"charged", &Cost::charged, nullptr},
    {"completion", &Cost::completion, nullptr},
    {"image", &Cost::image, nullptr},
    {"insured", nullptr, &Cost::insured},
    {"is_byok", nullptr, &Cost::is_byok},
    {"list", &Cost::list, nullptr},
    {"prompt", &Cost::prompt, nullptr},
    {"reasoning", &Cost::reasoning, nullptr},
    {"request", &Cost::request, nullptr},
    {"upstream", &Cost::upstream, nullptr},
    {"upstream_completions", &Cost::upstream_completions, nullptr},
    {"upstream_prompt", &Cost::upstream_prompt, nullptr},
};

constexpr bool InKeyOrder() {
  for (size_t i = 1; i < std::size(kCostFields); ++i) {
    if (!(std::string_view(kCostFields[i - 1].name) < std::string_view(kCostFields[i].name))) {
      return false;
    }
  }
  return true;
}
static_assert(InKeyOrder(), "kCostFields must be in key order, as Dump writes an object");

}  // namespace

Json CostToJson(const Cost& c) {
  Json out = Json::object();
  for (const CostField& f : kCostFields) {
    out.Set(f.name, f.flag != nullptr ? Json(c.*f.flag) : Json(FormatUsd(c.*f.amount)));
  }
  return out;
}

void AppendCostJson(std::string& out, const Cost& c) {
  JsonObjectText o(out);
  for (const CostField& f : kCostFields) {
    if (f.flag != nullptr) {
      o.Bool(f.name, c.*f.flag);
    } else {
      std::string& text = o.Key(f.name);  // digits, '-' and '.': nothing to escape
      text += '"';
      AppendUsd(text, c.*f.amount);
      text += '"';
    }
  }
  o.Close();
}

Result<Cost> CostFromJson(const Json& j) {
  if (!j.is_object()) return Status::InvalidArgument("cost must be an object", "cost");
  Cost c;
  for (const CostField& f : kCostFields) {
    if (f.flag != nullptr) {
      c.*f.flag = FindBool(j, f.name).value_or(false);
      continue;
    }
    const Json* v = Find(j, f.name);
    if (v == nullptr) {
      return Status::InvalidArgument(std::string("cost.") + f.name + " is missing",
                                     std::string("cost.") + f.name);
    }
    Result<Picos> amount = ParseUsdJson(*v);
    if (!amount.ok()) {
      return Status::InvalidArgument(std::string("cost.") + f.name + ": " +
                                         std::string(amount.status().message()),
                                     std::string("cost.") + f.name);
    }
    c.*f.amount = *amount;
  }
  return c;
}

// {"cost","tier_min_prompt_tokens","usage"}: key order.
Json PricedUsageToJson(const PricedUsage& p) {
  Json out = Json::object();
  out.Set("cost", CostToJson(p.cost));
  out.Set("tier_min_prompt_tokens", Json(p.tier_min_prompt_tokens));
  out.Set("usage", UsageToJson(p.usage));
  return out;
}

void AppendPricedUsageJson(std::string& out, const PricedUsage& p) {
  JsonObjectText o(out);
  AppendCostJson(o.Key("cost"), p.cost);
  o.Int("tier_min_prompt_tokens", p.tier_min_prompt_tokens);
  AppendUsageJson(o.Key("usage"), p.usage);
  o.Close();
}

Result<PricedUsage> PricedUsageFromJson(const Json& j) {
  if (!j.is_object()) return Status::InvalidArgument("priced must be an object", "priced");
  const Json* usage = FindObject(j, "usage");
  if (usage == nullptr) return Status::InvalidArgument("priced.usage is required", "priced.usage");
  const Json* cost = FindObject(j, "cost");
  if (cost == nullptr) return Status::InvalidArgument("priced.cost is required", "priced.cost");
  PricedUsage p;
  SY_ASSIGN_OR_RETURN(p.usage, ParseUsageJson(*usage));
  p.usage.known = FindBool(*usage, "known").value_or(true);
  SY_ASSIGN_OR_RETURN(p.cost, CostFromJson(*cost));
  if (const Json* t = Find(j, "tier_min_prompt_tokens"); t != nullptr && !t->is_null()) {
    if (!(t->is_number_integer() || t->is_number_unsigned()) || t->get<int64_t>() < 0) {
      return Status::InvalidArgument("priced.tier_min_prompt_tokens must be a non-negative integer",
                                     "priced.tier_min_prompt_tokens");
    }
    p.tier_min_prompt_tokens = t->get<int64_t>();
  }
  const Cost& c = p.cost;
  auto bad = [](const char* what) {
    return Status::InvalidArgument(std::string("priced.cost is inconsistent: ") + what,
                                   "priced.cost");
  };
  __int128 sum = 0;
  for (Picos part : {c.prompt, c.cache_read, c.cache_write, c.cache_write_1h, c.completion,
                     c.reasoning, c.request, c.image}) {
    if (part < 0) return bad("a component is negative");
    sum += part;
  }
  if (sum != c.list) return bad("list is not the sum of the components");
  if (c.upstream < 0 || c.upstream > c.list) return bad("upstream is outside [0, list]");
  if (c.upstream_prompt < 0 || c.upstream_completions < 0 ||
      static_cast<__int128>(c.upstream_prompt) + c.upstream_completions != c.upstream) {
    return bad("upstream_prompt + upstream_completions differs from upstream");
  }
  if (c.charged < 0 || c.charged > c.upstream) return bad("charged is outside [0, upstream]");
  if (c.insured && c.charged != 0) return bad("an insured generation is charged");
  return p;
}

Result<PurchaseSplit> SplitPurchase(Picos paid) {
  if (paid <= 0) return Status::InvalidArgument("purchase amount must be positive", "amount");
  SY_ASSIGN_OR_RETURN(Picos fee_cents, DivRoundHalfUp(static_cast<__int128>(paid) * kPurchaseFeePpm,
                                                      static_cast<__int128>(kPpm) * kPicosPerCent));
  PurchaseSplit s;
  s.paid = paid;
  s.fee = std::max(fee_cents * kPicosPerCent, kMinPurchaseFee);
  if (paid <= s.fee) {
    return Status::InvalidArgument("purchase of $" + FormatUsd(paid) +
                                       " does not cover the platform fee of $" + FormatUsd(s.fee),
                                   "amount");
  }
  s.credited = paid - s.fee;
  return s;
}

}  // namespace switchyard
