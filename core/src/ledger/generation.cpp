// Generation records (rendering, lossless JSON) and spend rollups.
#include <algorithm>
#include <tuple>

#include "ledger/ledger_internal.h"
#include "switchyard/json/json_text.h"
#include "switchyard/ledger/generation.h"
#include "switchyard/ledger/ledger.h"

namespace switchyard {

std::string_view GenerationRecord::app() const {
  if (!app_title.empty()) return app_title;
  return http_referer;
}

namespace {

// A parse of the core's own text (the DOM forms below are read back from the text forms, so each
// record's fields are stated once). Records are bounded (strings of at most 4 KB, 64 responses).
Json ParseOwnText(const std::string& text) {
  Result<Json> parsed = ParseJson(text, JsonLimits{64u << 20, 32});
  return parsed.ok() ? std::move(*parsed) : Json();
}

void OptionalInt(JsonObjectText& o, std::string_view key, const std::optional<int64_t>& v) {
  if (v) {
    o.Int(key, *v);
  } else {
    o.Null(key);
  }
}

// The provider_responses member in one of the three forms: the lossless record's (`error_type`,
// `latency_ms` or null), the log's (the same, without an empty error or absent latency) or the
// /generation body's (`error_type` or null, `latency` only when known).
enum class ResponsesForm { kRecord, kLog, kBody };
void AppendProviderResponses(JsonObjectText& o, const std::vector<ProviderResponse>& responses,
                             ResponsesForm form) {
  std::string& list = o.Key("provider_responses");
  list += '[';
  for (size_t i = 0; i < responses.size(); ++i) {
    const ProviderResponse& p = responses[i];
    if (i > 0) list += ',';
    JsonObjectText item(list);
    if (form == ResponsesForm::kBody) {
      item.StringOrNull("error_type", p.error_type);
      if (p.latency_ms) item.Int("latency", *p.latency_ms);  // a number when present, never null
    } else {
      const bool all = form == ResponsesForm::kRecord;
      if (all || !p.error_type.empty()) item.String("error_type", p.error_type);
      if (all || p.latency_ms) OptionalInt(item, "latency_ms", p.latency_ms);
    }
    item.String("provider_name", p.provider_name);
    item.Int("status", p.status);
    item.Close();
  }
  list += ']';
}

// The lossless record, members in key order; the log form leaves out what the charge entry
// around it states (its cost, id and time) or replay derives (key_hash and workspace_id: the
// reservation's), and empty strings, absent numbers and a zero tier (their defaults on reading).
void AppendLosslessRecord(std::string& out, const GenerationRecord& r, bool log) {
  JsonObjectText o(out);
  auto text = [&](std::string_view key, std::string_view value) {
    if (!log || !value.empty()) o.String(key, value);
  };
  auto number = [&](std::string_view key, const std::optional<int64_t>& value) {
    if (!log || value) OptionalInt(o, key, value);
  };
  text("api_type", r.api_type);
  number("app_id", r.app_id);
  text("app_title", r.app_title);
  o.Bool("cancelled", r.cancelled);
  if (!log) {
    AppendCostJson(o.Key("cost"), r.cost);
    o.Int("created_at_ms", r.created_at_ms);
  }
  text("external_user", r.external_user);
  text("finish_reason", r.finish_reason);
  number("generation_time_ms", r.generation_time_ms);
  text("http_referer", r.http_referer);
  if (!log) {
    o.String("id", r.id);
    o.String("key_hash", r.key_hash);
  }
  number("latency_ms", r.latency_ms);
  text("model", r.model);
  text("native_finish_reason", r.native_finish_reason);
  text("origin", r.origin);
  text("provider_name", r.provider_name);
  AppendProviderResponses(o, r.provider_responses,
                          log ? ResponsesForm::kLog : ResponsesForm::kRecord);
  text("session_id", r.session_id);
  o.Bool("streamed", r.streamed);
  if (!log || r.tier_min_prompt_tokens != 0) {
    o.Int("tier_min_prompt_tokens", r.tier_min_prompt_tokens);
  }
  AppendUsageJson(o.Key("usage"), r.usage);
  if (!log) o.String("workspace_id", r.workspace_id);
  o.Close();
}

}  // namespace

void AppendGenerationBody(std::string& out, const GenerationRecord& r) {
  const Usage& u = r.usage;
  const bool cached = u.cached_tokens + u.cache_write_tokens + u.cache_write_1h_tokens > 0;
  out += "{\"data\":";
  JsonObjectText o(out);
  o.String("api_type", r.api_type.empty() ? "completions" : r.api_type);
  OptionalInt(o, "app_id", r.app_id);
  if (cached) {
    o.Double("cache_discount", UsdNumber(r.cost.cache_discount));
  } else {
    o.Null("cache_discount");
  }
  o.Bool("cancelled", r.cancelled);
  AppendCostJson(o.Key("cost_components"), r.cost);
  o.String("created_at", FormatIsoUtc(r.created_at_ms));
  o.StringOrNull("external_user", r.external_user);
  o.StringOrNull("finish_reason", r.finish_reason);
  OptionalInt(o, "generation_time", r.generation_time_ms);
  o.StringOrNull("http_referer", r.http_referer);
  o.String("id", r.id);
  o.Bool("is_byok", r.cost.is_byok);
  OptionalInt(o, "latency", r.latency_ms);
  o.String("model", r.model);
  o.StringOrNull("native_finish_reason", r.native_finish_reason);
  o.Int("native_tokens_cache_write", u.cache_write_tokens);
  o.Int("native_tokens_cache_write_1h", u.cache_write_1h_tokens);
  o.Int("native_tokens_cached", u.cached_tokens);
  o.Int("native_tokens_completion", u.completion_tokens);
  o.Int("native_tokens_prompt", u.prompt_tokens);
  o.Int("native_tokens_reasoning", u.reasoning_tokens);
  o.Int("num_media_prompt", u.images);
  o.String("origin", r.origin);
  if (r.tier_min_prompt_tokens > 0) {
    JsonObjectText tier = o.Object("pricing_tier");
    tier.Int("min_prompt_tokens", r.tier_min_prompt_tokens);
    tier.Close();
  } else {
    o.Null("pricing_tier");
  }
  o.StringOrNull("provider_name", r.provider_name);
  AppendProviderResponses(o, r.provider_responses, ResponsesForm::kBody);
  o.StringOrNull("session_id", r.session_id);
  o.Bool("streamed", r.streamed);
  o.Int("tokens_completion", u.completion_tokens);
  // The provider reported no usage (a Gemini embeddings batch, a stream cut before its usage):
  // the token counts are the router's estimate, and say so.
  if (!u.known) o.Bool("tokens_estimated", true);
  o.Int("tokens_prompt", u.prompt_tokens);
  o.Double("total_cost", UsdNumber(r.cost.charged));
  o.Double("upstream_inference_cost", UsdNumber(r.cost.upstream));
  o.Double("usage", UsdNumber(r.cost.charged));
  o.StringOrNull("workspace_id", r.workspace_id);
  o.Close();
  // OpenRouter's schema has more fields, constants for Switchyard (data_region, and
  // nulls for what it does not track): the edge worker adds them when it serves a record
  // (js/src/worker/api.js), which also covers records stored before a field existed.
  out += '}';
}

Json RenderGeneration(const GenerationRecord& r) {
  std::string text;
  AppendGenerationBody(text, r);
  return ParseOwnText(text);
}

namespace internal {

Result<Usage> UsageFromJson(const Json& j) {
  SY_ASSIGN_OR_RETURN(Usage u, ParseUsageJson(j));
  u.known = FindBool(j, "known").value_or(true);
  return u;
}

}  // namespace internal

void AppendGenerationJson(std::string& out, const GenerationRecord& r) {
  AppendLosslessRecord(out, r, /*log=*/false);
}

void AppendGenerationLogJson(std::string& out, const GenerationRecord& r) {
  AppendLosslessRecord(out, r, /*log=*/true);
}

Json GenerationToJson(const GenerationRecord& r) {
  std::string text;
  AppendGenerationJson(text, r);
  return ParseOwnText(text);
}

Status ReadGenerationDetails(const Json& j, GenerationRecord* r) {
  if (!j.is_object()) return Status::InvalidArgument("generation must be an object", "generation");
  JsonFields f(j, "generation");
  constexpr size_t kMax = 4096;
  auto str = [&](const char* name, std::string* out) { return f.String(name, out, kMax); };
  // Milliseconds and ids from a JS host: display only, not money.
  auto opt_int = [&](const char* name, std::optional<int64_t>* out) {
    return f.Time(name, 0, INT64_MAX, out);
  };
  SY_RETURN_IF_ERROR(str("model", &r->model));
  SY_RETURN_IF_ERROR(str("provider_name", &r->provider_name));
  SY_RETURN_IF_ERROR(opt_int("latency_ms", &r->latency_ms));
  SY_RETURN_IF_ERROR(opt_int("latency", &r->latency_ms));
  SY_RETURN_IF_ERROR(opt_int("generation_time_ms", &r->generation_time_ms));
  SY_RETURN_IF_ERROR(opt_int("generation_time", &r->generation_time_ms));
  r->streamed = FindBool(j, "streamed").value_or(r->streamed);
  r->cancelled = FindBool(j, "cancelled").value_or(r->cancelled);
  SY_RETURN_IF_ERROR(str("native_finish_reason", &r->native_finish_reason));
  SY_RETURN_IF_ERROR(str("origin", &r->origin));
  SY_RETURN_IF_ERROR(str("http_referer", &r->http_referer));
  SY_RETURN_IF_ERROR(str("app_title", &r->app_title));
  SY_RETURN_IF_ERROR(str("x_title", &r->app_title));
  SY_RETURN_IF_ERROR(opt_int("app_id", &r->app_id));
  SY_RETURN_IF_ERROR(str("external_user", &r->external_user));
  SY_RETURN_IF_ERROR(str("session_id", &r->session_id));
  SY_RETURN_IF_ERROR(str("api_type", &r->api_type));
  if (const Json* list = f.Get("provider_responses")) {
    if (!list->is_array() || list->size() > 64) {
      return f.Error("provider_responses", "must be an array of at most 64 objects");
    }
    r->provider_responses.clear();
    for (size_t i = 0; i < list->size(); ++i) {
      const Json& item = (*list)[i];
      JsonFields fi(item, JsonPath(f.Path("provider_responses"), i));
      if (!item.is_object()) return FieldTypeError(fi.path(), "an object", item);
      ProviderResponse p;
      p.provider_name = std::string(FindString(item, "provider_name").value_or(""));
      p.status = static_cast<int32_t>(FindInt(item, "status").value_or(0));
      if (auto l = FindInt(item, "latency_ms"))
        p.latency_ms = *l;
      else if (auto l2 = FindInt(item, "latency"))
        p.latency_ms = *l2;
      SY_RETURN_IF_ERROR(fi.String("error_type", &p.error_type, 64));
      r->provider_responses.push_back(std::move(p));
    }
  }
  return Status::Ok();
}

Result<GenerationRecord> GenerationFromJson(const Json& j) {
  GenerationRecord r;
  SY_RETURN_IF_ERROR(ReadGenerationDetails(j, &r));
  r.id = std::string(FindString(j, "id").value_or(""));
  r.finish_reason = std::string(FindString(j, "finish_reason").value_or(""));
  r.key_hash = std::string(FindString(j, "key_hash").value_or(""));
  r.workspace_id = std::string(FindString(j, "workspace_id").value_or(""));
  r.created_at_ms = FindInt(j, "created_at_ms").value_or(0);
  if (const Json* u = Find(j, "usage")) {
    SY_ASSIGN_OR_RETURN(r.usage, internal::UsageFromJson(*u));
  }
  if (const Json* c = Find(j, "cost")) {
    SY_ASSIGN_OR_RETURN(r.cost, CostFromJson(*c));
  }
  r.tier_min_prompt_tokens = FindInt(j, "tier_min_prompt_tokens").value_or(0);
  return r;
}

// ---- rollups
// -------------------------------------------------------------------------------------

const char* RollupByName(RollupBy by) {
  switch (by) {
    case RollupBy::kDay:
      return "day";
    case RollupBy::kKey:
      return "key";
    case RollupBy::kWorkspace:
      return "workspace";
    case RollupBy::kModel:
      return "model";
    case RollupBy::kProvider:
      return "provider";
    case RollupBy::kApp:
      return "app";
  }
  return "?";
}

std::optional<RollupBy> ParseRollupBy(std::string_view name) {
  for (RollupBy by : {RollupBy::kDay, RollupBy::kKey, RollupBy::kWorkspace, RollupBy::kModel,
                      RollupBy::kProvider, RollupBy::kApp}) {
    if (name == RollupByName(by)) return by;
  }
  return std::nullopt;
}

void RollupTotals::Add(const GenerationRecord& r) {
  requests += 1;
  cost += r.cost.charged;
  upstream += r.cost.upstream;
  if (r.cost.is_byok) byok_upstream += r.cost.upstream;
  prompt_tokens += r.usage.prompt_tokens;
  completion_tokens += r.usage.completion_tokens;
  cached_tokens += r.usage.cached_tokens;
  cache_write_tokens += r.usage.cache_write_tokens + r.usage.cache_write_1h_tokens;
  reasoning_tokens += r.usage.reasoning_tokens;
}

namespace {

void Accumulate(RollupTotals* into, const RollupTotals& d) {
  into->requests += d.requests;
  into->cost += d.cost;
  into->upstream += d.upstream;
  into->byok_upstream += d.byok_upstream;
  into->prompt_tokens += d.prompt_tokens;
  into->completion_tokens += d.completion_tokens;
  into->cached_tokens += d.cached_tokens;
  into->cache_write_tokens += d.cache_write_tokens;
  into->reasoning_tokens += d.reasoning_tokens;
}

constexpr uint64_t kDayMask = (uint64_t{1} << 26) - 1;  // 184,000 years of days

Json TotalsJson(const RollupTotals& t) {
  return {{"requests", t.requests},
          {"cost", FormatUsd(t.cost)},
          {"upstream_inference_cost", FormatUsd(t.upstream)},
          {"byok_usage", FormatUsd(t.byok_upstream)},
          {"tokens_prompt", t.prompt_tokens},
          {"tokens_completion", t.completion_tokens},
          {"tokens_cached", t.cached_tokens},
          {"tokens_cache_write", t.cache_write_tokens},
          {"tokens_reasoning", t.reasoning_tokens}};
}

Result<RollupTotals> TotalsFromJson(const Json& j) {
  RollupTotals t;
  t.requests = FindInt(j, "requests").value_or(0);
  for (auto [name, out] : {std::pair<const char*, Picos*>{"cost", &t.cost},
                           {"upstream_inference_cost", &t.upstream},
                           {"byok_usage", &t.byok_upstream}}) {
    const Json* v = Find(j, name);
    if (v == nullptr) return Status::InvalidArgument(std::string("rollup ") + name + " missing");
    SY_ASSIGN_OR_RETURN(*out, ParseUsdJson(*v));
  }
  t.prompt_tokens = FindInt(j, "tokens_prompt").value_or(0);
  t.completion_tokens = FindInt(j, "tokens_completion").value_or(0);
  t.cached_tokens = FindInt(j, "tokens_cached").value_or(0);
  t.cache_write_tokens = FindInt(j, "tokens_cache_write").value_or(0);
  t.reasoning_tokens = FindInt(j, "tokens_reasoning").value_or(0);
  return t;
}

}  // namespace

Rollups::Rollups(const Rollups& other) { *this = other; }

Rollups& Rollups::operator=(const Rollups& other) {
  if (this == &other) return *this;
  // The index holds views into names_, so it is rebuilt over this object's own strings.
  names_ = other.names_;
  symbols_.clear();
  for (size_t i = 0; i < names_.size(); ++i) symbols_.emplace(names_[i], static_cast<uint32_t>(i));
  totals_ = other.totals_;
  ForgetRecent();
  return *this;
}

Rollups::Rollups(Rollups&& other) noexcept { *this = std::move(other); }

Rollups& Rollups::operator=(Rollups&& other) noexcept {
  if (this == &other) return *this;
  names_ = std::move(other.names_);
  symbols_ = std::move(other.symbols_);
  totals_ = std::move(other.totals_);
  ForgetRecent();
  other.names_.clear();
  other.symbols_.clear();
  other.totals_.clear();
  other.ForgetRecent();
  return *this;
}

void Rollups::ForgetRecent() {
  for (Recent& r : recent_) r = Recent{};
}

uint32_t Rollups::Intern(std::string_view name) {
  auto it = symbols_.find(name);
  if (it != symbols_.end()) return it->second;
  names_.emplace_back(name);
  uint32_t id = static_cast<uint32_t>(names_.size() - 1);
  symbols_.emplace(names_.back(), id);
  return id;
}

uint64_t Rollups::Slot(RollupBy by, int64_t day, uint32_t symbol) {
  return static_cast<uint64_t>(by) << 58 | (static_cast<uint64_t>(day) & kDayMask) << 32 | symbol;
}

void Rollups::AddTo(RollupBy by, int64_t day, std::string_view name, const RollupTotals& delta) {
  Recent& recent = recent_[static_cast<size_t>(by)];
  const uint64_t day_bits = (static_cast<uint64_t>(day) & kDayMask) << 32;
  if (recent.totals != nullptr && (recent.slot & (kDayMask << 32)) == day_bits &&
      recent.name == name) {
    Accumulate(recent.totals, delta);
    return;
  }
  const uint32_t symbol = Intern(name);
  const uint64_t slot = Slot(by, day, symbol);
  RollupTotals* totals = &totals_[slot];  // unordered_map nodes never move
  recent = {slot, names_[symbol], totals};
  Accumulate(totals, delta);
}

void Rollups::Add(const GenerationRecord& r) {
  RollupTotals delta;
  delta.Add(r);
  const int64_t day = UtcDay(r.created_at_ms);
  AddTo(RollupBy::kDay, day, "", delta);
  AddTo(RollupBy::kKey, day, r.key_hash, delta);
  if (!r.workspace_id.empty()) AddTo(RollupBy::kWorkspace, day, r.workspace_id, delta);
  AddTo(RollupBy::kModel, day, r.model, delta);
  AddTo(RollupBy::kProvider, day, r.provider_name, delta);
  if (!r.app().empty()) AddTo(RollupBy::kApp, day, r.app(), delta);
}

void Rollups::PruneBefore(int64_t first_day) {
  ForgetRecent();  // a remembered row may be erased
  for (auto it = totals_.begin(); it != totals_.end();) {
    int64_t day = static_cast<int64_t>(it->first >> 32 & kDayMask);
    if (day < first_day)
      it = totals_.erase(it);
    else
      ++it;
  }
}

std::optional<RollupTotals> Rollups::Get(RollupBy by, std::string_view name, int64_t day) const {
  auto s = symbols_.find(name);
  if (s == symbols_.end()) return std::nullopt;
  auto it = totals_.find(Slot(by, day, s->second));
  if (it == totals_.end()) return std::nullopt;
  return it->second;
}

namespace {
struct Row {
  RollupBy by;
  int64_t day;
  std::string_view name;
  const RollupTotals* totals;
  bool operator<(const Row& o) const {
    return std::tie(by, day, name) < std::tie(o.by, o.day, o.name);
  }
};
}  // namespace

Json Rollups::Render(RollupBy by, int64_t from_day, int64_t to_day) const {
  std::vector<Row> rows;
  for (const auto& [slot, totals] : totals_) {
    RollupBy b = static_cast<RollupBy>(slot >> 58);
    int64_t day = static_cast<int64_t>(slot >> 32 & kDayMask);
    if (b != by || day < from_day || day > to_day) continue;
    rows.push_back({b, day, names_[static_cast<uint32_t>(slot)], &totals});
  }
  std::sort(rows.begin(), rows.end());
  Json data = Json::array();
  for (const Row& row : rows) {
    Json item = {{"day", FormatUtcDate(row.day)}};
    if (by != RollupBy::kDay) item[RollupByName(by)] = std::string(row.name);
    item.update(TotalsJson(*row.totals));
    data.push_back(std::move(item));
  }
  return {{"data", std::move(data)}};
}

Json Rollups::ToJson() const {
  std::vector<Row> rows;
  for (const auto& [slot, totals] : totals_) {
    rows.push_back({static_cast<RollupBy>(slot >> 58), static_cast<int64_t>(slot >> 32 & kDayMask),
                    names_[static_cast<uint32_t>(slot)], &totals});
  }
  std::sort(rows.begin(), rows.end());
  Json out = Json::array();
  for (const Row& row : rows) {
    Json item = {{"by", RollupByName(row.by)}, {"day", row.day}, {"name", std::string(row.name)}};
    item.update(TotalsJson(*row.totals));
    out.push_back(std::move(item));
  }
  return out;
}

Result<Rollups> Rollups::FromJson(const Json& json) {
  Rollups r;
  if (json.is_null()) return r;
  if (!json.is_array()) return Status::InvalidArgument("rollups must be an array");
  for (const Json& item : json) {
    std::optional<RollupBy> by = ParseRollupBy(FindString(item, "by").value_or(""));
    std::optional<int64_t> day = FindInt(item, "day");
    std::optional<std::string_view> name = FindString(item, "name");
    if (!by || !day || *day < 0 || !name) return Status::InvalidArgument("bad rollup row");
    SY_ASSIGN_OR_RETURN(RollupTotals totals, TotalsFromJson(item));
    r.AddTo(*by, *day, *name, totals);
  }
  return r;
}

}  // namespace switchyard
