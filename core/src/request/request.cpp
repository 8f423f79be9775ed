// Request parsing and validation: every rule here answers a 400 naming the field, so a client
// can fix its request without guessing. Values are type-checked before they are read (Find*,
// is_*()), never read as a type they are not.
#include "switchyard/request/request.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace switchyard {
namespace {

using std::string;
using std::string_view;

Status Bad(string_view field, string message) {
  return Status::InvalidArgument(std::move(message), field);
}

// UTF-8 code points (continuation bytes are not counted): "characters" for length limits and
// the token estimate, the same in every build.
size_t CharCount(string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// A present, non-null member (null means "not given" for every optional field).
const Json* Member(const Json& obj, string_view key) { return JsonFields(obj).Get(key); }

string Lower(string_view s) {
  string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// ---- presets -------------------------------------------------------------------------------

// Merges `over` onto `base` (base = preset, over = request): objects merge key by key, anything
// else replaces.
void MergeOver(Json& base, const Json& over) {
  for (auto it = over.begin(); it != over.end(); ++it) {
    auto slot = base.find(it.key());
    if (slot != base.end() && slot->is_object() && it->is_object()) {
      MergeOver(*slot, *it);
    } else {
      base[it.key()] = *it;
    }
  }
}

constexpr string_view kPresetPrefix = "@preset/";

Status ApplyPreset(Json& body, const RequestOptions& options, string* preset_name) {
  string name;
  string_view field;
  bool from_model = false;
  if (auto m = FindString(body, "model"); m && m->substr(0, kPresetPrefix.size()) == kPresetPrefix) {
    name = string(m->substr(kPresetPrefix.size()));
    field = "model";
    from_model = true;
  } else if (const Json* p = Member(body, "preset")) {
    if (!p->is_string()) return FieldTypeError("preset", "a string", *p);
    name = p->get<string>();
    field = "preset";
  } else {
    return Status::Ok();
  }
  if (name.empty() || name.size() > 128) {
    return Bad(field, "the preset name must have 1 to 128 characters");
  }
  const Json* preset = options.presets ? FindObject(*options.presets, name) : nullptr;
  if (!preset) {
    return Status::NotFound("preset \"" + name + "\" not found").With("field", string(field));
  }
  Json merged = *preset;
  merged.erase("preset");  // a preset does not name another preset
  if (from_model) body.erase("model");
  MergeOver(merged, body);
  body = std::move(merged);
  *preset_name = std::move(name);
  return Status::Ok();
}

// ---- messages and the token estimate -------------------------------------------------------

bool IsSystemRole(string_view role) { return role == "system" || role == "developer"; }

Status ValidateContentParts(const Json& content, const string& field) {
  for (size_t j = 0; j < content.size(); ++j) {
    const Json& part = content[j];
    string pf = JsonPath(field, j);
    if (!part.is_object()) return FieldTypeError(pf, "an object", part);
    auto type = FindString(part, "type");
    if (!type) return FieldError(JsonPath(pf, "type"), "must be a string");
    if (*type == "text") {
      const Json* t = Find(part, "text");
      if (!t || !t->is_string()) return FieldError(JsonPath(pf, "text"), "must be a string");
    } else if (*type == "image_url") {
      const Json* u = Find(part, "image_url");
      bool ok = u && (u->is_string() || (u->is_object() && FindString(*u, "url")));
      if (!ok) return FieldError(JsonPath(pf, "image_url"), "must have a string url");
    }
  }
  return Status::Ok();
}

Status ValidateMessages(const Json& messages) {
  static constexpr string_view kRoles[] = {"system", "developer", "user", "assistant", "tool",
                                           "function"};
  if (messages.empty()) return FieldError("messages", "must not be empty");
  for (size_t i = 0; i < messages.size(); ++i) {
    const Json& m = messages[i];
    string f = JsonPath("messages", i);
    if (!m.is_object()) return FieldTypeError(f, "an object", m);
    const Json* role = Find(m, "role");
    if (!role || !role->is_string()) {
      return FieldError(JsonPath(f, "role"), "must be a string");
    }
    const string& r = role->get_ref<const string&>();
    if (std::find(std::begin(kRoles), std::end(kRoles), r) == std::end(kRoles)) {
      return FieldError(JsonPath(f, "role"), "\"" + r +
                                      "\" is not one of system, developer, user, assistant, tool");
    }
    const Json* content = Find(m, "content");
    string cf = JsonPath(f, "content");
    if (content && !content->is_null()) {
      if (content->is_array()) {
        SY_RETURN_IF_ERROR(ValidateContentParts(*content, cf));
      } else if (!content->is_string()) {
        return FieldTypeError(cf, "a string or an array of content parts", *content);
      }
    } else if (r != "assistant") {
      return FieldError(cf, "is required for role \"" + r + "\"");
    }
    if (const Json* calls = Member(m, "tool_calls"); calls && !calls->is_array()) {
      return FieldTypeError(JsonPath(f, "tool_calls"), "an array", *calls);
    }
  }
  return Status::Ok();
}

// Characters of every string in a JSON value (keys included): tool definitions are sent to the
// model as text, so they count towards the prompt.
int64_t StringChars(const Json& v) {
  switch (v.type()) {
    case Json::value_t::string: return static_cast<int64_t>(CharCount(v.get_ref<const string&>()));
    case Json::value_t::array: {
      int64_t n = 0;
      for (const Json& e : v) n += StringChars(e);
      return n;
    }
    case Json::value_t::object: {
      int64_t n = 0;
      for (auto it = v.begin(); it != v.end(); ++it) {
        n += static_cast<int64_t>(CharCount(it.key())) + StringChars(*it);
      }
      return n;
    }
    default: return 0;
  }
}

int64_t CeilDiv4(int64_t chars) { return (chars + 3) / 4; }

// Text of a message's content (string, or the text parts joined), appended to `out`.
void AppendText(const Json& message, string* out) {
  const Json* content = Find(message, "content");
  if (!content) return;
  if (content->is_string()) {
    *out += content->get_ref<const string&>();
  } else if (content->is_array()) {
    for (const Json& part : *content) {
      if (auto t = FindString(part, "text")) *out += *t;
    }
  }
}

uint64_t ConversationHash(const Json& messages) {
  const Json* system = nullptr;
  const Json* first = nullptr;
  for (const Json& m : messages) {
    auto role = FindString(m, "role");
    if (!role) continue;
    if (IsSystemRole(*role)) {
      if (!system) system = &m;
    } else if (!first) {
      first = &m;
    }
    if (system && first) break;
  }
  string text = "S";
  if (system) AppendText(*system, &text);
  text += '\0';
  text += 'U';
  if (first) AppendText(*first, &text);
  return Fnv1a64(text);
}

// ---- provider preferences ------------------------------------------------------------------

Status ParseCutoffs(const Json& provider, string_view key, double scale, PercentileCutoffs* out) {
  string field = JsonPath("provider", key);
  const Json* v = Member(provider, key);
  if (!v) return Status::Ok();
  if (v->is_number()) {
    double x = v->get<double>();
    if (!(x >= 0 && x <= 1e9)) return FieldError(field, "must be a non-negative number");
    out->p50 = x * scale;
    return Status::Ok();
  }
  if (!v->is_object()) return FieldTypeError(field, "a number or an object {p50,p75,p90,p99}", *v);
  std::optional<double>* slots[] = {&out->p50, &out->p75, &out->p90, &out->p99};
  const char* names[] = {"p50", "p75", "p90", "p99"};
  for (int i = 0; i < 4; ++i) {
    std::optional<double> x;
    SY_RETURN_IF_ERROR(JsonFields(*v, field).Number(names[i], 0, 1e9, &x));
    if (x) *slots[i] = *x * scale;
  }
  return Status::Ok();
}

Status ParseMaxPrice(const Json& provider, MaxPrice* out) {
  const Json* v = Member(provider, "max_price");
  if (!v) return Status::Ok();
  if (!v->is_object()) return FieldTypeError("provider.max_price", "an object", *v);
  struct Slot {
    const char* key;
    std::optional<Picos>* out;
    bool per_million;
  } slots[] = {{"prompt", &out->prompt, true},
               {"completion", &out->completion, true},
               {"request", &out->request, false},
               {"image", &out->image, false}};
  for (const Slot& s : slots) {
    const Json* x = Member(*v, s.key);
    if (!x) continue;
    string field = JsonPath("provider.max_price", s.key);
    if (!x->is_number() && !x->is_string()) return FieldTypeError(field, "a number or decimal string", *x);
    Result<Picos> usd = ParseUsdJson(*x);
    if (!usd.ok() || *usd < 0) {
      return FieldError(field, "must be a non-negative amount in USD");
    }
    // Per-million prices become picodollars per token (floor: a cap never loosens).
    *s.out = s.per_million ? *usd / 1'000'000 : *usd;
  }
  return Status::Ok();
}

Status ParseProvider(const Json& body, ProviderPreferences* p) {
  const Json* v = Member(body, "provider");
  if (!v) return Status::Ok();
  if (!v->is_object()) return FieldTypeError("provider", "an object", *v);
  const Json& o = *v;
  // Every preference read below; any other member is a 400 naming it, not a wish silently ignored.
  static constexpr string_view kFields[] = {
      "order", "only", "ignore", "allow_fallbacks", "require_parameters", "zdr",
      "enforce_distillable_text", "data_collection", "quantizations", "sort", "max_price",
      "preferred_max_latency", "preferred_min_throughput"};
  for (auto it = o.begin(); it != o.end(); ++it) {
    if (std::find(std::begin(kFields), std::end(kFields), it.key()) == std::end(kFields)) {
      string f = "provider." + it.key();
      return FieldError(f, "is not a known provider preference");
    }
  }
  JsonFields fields(o, "provider");
  SY_RETURN_IF_ERROR(fields.StringList("order", kMaxProviderList, &p->order));
  SY_RETURN_IF_ERROR(fields.StringList("only", kMaxProviderList, &p->only));
  SY_RETURN_IF_ERROR(fields.StringList("ignore", kMaxProviderList, &p->ignore));
  SY_RETURN_IF_ERROR(fields.Bool("allow_fallbacks", &p->allow_fallbacks));
  SY_RETURN_IF_ERROR(fields.Bool("require_parameters", &p->require_parameters));
  SY_RETURN_IF_ERROR(fields.Bool("zdr", &p->zdr));
  bool distillable = false;  // checked, not used: no catalog endpoint states it
  SY_RETURN_IF_ERROR(fields.Bool("enforce_distillable_text", &distillable));

  std::optional<string_view> s;
  SY_RETURN_IF_ERROR(fields.String("data_collection", &s));
  if (s) {
    if (*s == "deny") p->data_collection_deny = true;
    else if (*s != "allow") {
      return FieldError("provider.data_collection", "must be \"allow\" or \"deny\"");
    }
  }

  SY_RETURN_IF_ERROR(fields.StringList("quantizations", kMaxProviderList,
                                   &p->quantizations));
  static constexpr string_view kQuant[] = {"int4", "int8", "fp4", "fp6", "fp8", "fp16", "bf16",
                                           "fp32", "unknown"};
  for (size_t i = 0; i < p->quantizations.size(); ++i) {
    string q = Lower(p->quantizations[i]);
    if (std::find(std::begin(kQuant), std::end(kQuant), q) == std::end(kQuant)) {
      string f = JsonPath("provider.quantizations", i);
      return FieldError(f, "\"" + p->quantizations[i] +
                        "\" is not one of int4, int8, fp4, fp6, fp8, fp16, bf16, fp32, unknown");
    }
    p->quantizations[i] = std::move(q);
  }

  if (const Json* sort = Member(o, "sort")) {
    const Json* by = sort;
    string by_field = "provider.sort";
    if (sort->is_object()) {
      by = Member(*sort, "by");
      by_field = "provider.sort.by";
      if (const Json* part = Member(*sort, "partition")) {
        if (!part->is_string()) return FieldTypeError("provider.sort.partition", "a string", *part);
        const string& ps = part->get_ref<const string&>();
        if (ps == "none") p->sort_partition_none = true;
        else if (ps != "model") {
          return Bad("provider.sort.partition",
                     "provider.sort.partition must be \"model\" or \"none\"");
        }
      }
      if (!by) return Bad(by_field, "provider.sort.by is required");
    }
    if (!by->is_string()) return FieldTypeError(by_field, "a string", *by);
    const string& bs = by->get_ref<const string&>();
    if (bs == "price") p->sort = SortBy::kPrice;
    else if (bs == "throughput") p->sort = SortBy::kThroughput;
    else if (bs == "latency") p->sort = SortBy::kLatency;
    else return FieldError(by_field, "must be \"price\", \"throughput\" or \"latency\"");
  }

  SY_RETURN_IF_ERROR(ParseMaxPrice(o, &p->max_price));
  // Latency cutoffs are seconds on the wire; health reports milliseconds.
  SY_RETURN_IF_ERROR(ParseCutoffs(o, "preferred_max_latency", 1000.0, &p->preferred_max_latency_ms));
  SY_RETURN_IF_ERROR(ParseCutoffs(o, "preferred_min_throughput", 1.0, &p->preferred_min_throughput));
  return Status::Ok();
}

// ---- reasoning -----------------------------------------------------------------------------

Status ParseReasoning(const Json& body, Reasoning* r) {
  std::optional<string_view> shorthand;
  SY_RETURN_IF_ERROR(JsonFields(body).String("reasoning_effort", &shorthand));
  if (shorthand) {
    auto e = ParseReasoningEffort(*shorthand);
    if (!e) {
      return Bad("reasoning_effort",
                 "reasoning_effort must be none, minimal, low, medium, high or xhigh");
    }
    r->present = true;
    r->effort = e;
  }
  const Json* v = Member(body, "reasoning");
  if (!v) return Status::Ok();
  if (!v->is_object()) return FieldTypeError("reasoning", "an object", *v);
  r->present = true;
  JsonFields fields(*v, "reasoning");
  std::optional<string_view> effort;
  SY_RETURN_IF_ERROR(fields.String("effort", &effort));
  if (effort) {
    auto e = ParseReasoningEffort(*effort);
    if (!e) {
      return Bad("reasoning.effort",
                 "reasoning.effort must be none, minimal, low, medium, high or xhigh");
    }
    r->effort = e;
  }
  SY_RETURN_IF_ERROR(fields.Int("max_tokens", 0, kMaxTokensLimit, &r->max_tokens));
  SY_RETURN_IF_ERROR(fields.Bool("exclude", &r->exclude));
  SY_RETURN_IF_ERROR(fields.Bool("enabled", &r->enabled));
  return Status::Ok();
}

// ---- tools and response format -------------------------------------------------------------

Status ParseTools(const Json& body, Request* req) {
  if (const Json* tools = Member(body, "tools")) {
    if (!tools->is_array()) return FieldTypeError("tools", "an array", *tools);
    for (size_t i = 0; i < tools->size(); ++i) {
      const Json& t = (*tools)[i];
      string f = JsonPath("tools", i);
      if (!t.is_object()) return FieldTypeError(f, "an object", t);
      auto type = FindString(t, "type");
      if (!type) return FieldError(JsonPath(f, "type"), "must be a string");
      if (*type == "function") {
        const Json* fn = FindObject(t, "function");
        if (!fn) return FieldError(JsonPath(f, "function"), "must be an object");
        auto name = FindString(*fn, "name");
        if (!name || name->empty()) {
          return FieldError(JsonPath(f, "function.name"), "must be a non-empty string");
        }
      }
    }
    req->has_tools = !tools->empty();
  }
  // Deprecated OpenAI `functions` count as tools.
  if (const Json* fns = Member(body, "functions")) {
    if (!fns->is_array()) return FieldTypeError("functions", "an array", *fns);
    req->has_tools = req->has_tools || !fns->empty();
  }
  if (req->has_tools) req->params.set(static_cast<size_t>(Param::kTools));

  if (const Json* tc = Member(body, "tool_choice")) {
    if (tc->is_string()) {
      const string& s = tc->get_ref<const string&>();
      if (s == "none") req->tool_choice = ToolChoice::kNone;
      else if (s == "auto") req->tool_choice = ToolChoice::kAuto;
      else if (s == "required") req->tool_choice = ToolChoice::kRequired;
      else return FieldError("tool_choice", "must be \"none\", \"auto\", \"required\" or an object");
    } else if (tc->is_object()) {
      const Json* fn = FindObject(*tc, "function");
      std::optional<string_view> name;
      if (fn) name = FindString(*fn, "name");
      if (FindString(*tc, "type") != string_view("function") || !name || name->empty()) {
        return Bad("tool_choice",
                   "tool_choice object must be {\"type\":\"function\",\"function\":{\"name\":...}}");
      }
      req->tool_choice = ToolChoice::kFunction;
      req->tool_choice_function = string(*name);
    } else {
      return FieldTypeError("tool_choice", "a string or an object", *tc);
    }
    req->params.set(static_cast<size_t>(Param::kToolChoice));
  }

  if (const Json* rf = Member(body, "response_format")) {
    if (!rf->is_object()) return FieldTypeError("response_format", "an object", *rf);
    auto type = FindString(*rf, "type");
    if (!type) return FieldError("response_format.type", "must be a string");
    if (*type == "json_schema") {
      if (!FindObject(*rf, "json_schema")) {
        return FieldError("response_format.json_schema", "must be an object");
      }
      req->params.set(static_cast<size_t>(Param::kResponseFormat));
      req->params.set(static_cast<size_t>(Param::kStructuredOutputs));
    } else if (*type == "json_object") {
      req->params.set(static_cast<size_t>(Param::kResponseFormat));
    } else if (*type != "text") {
      return Bad("response_format.type",
                 "response_format.type must be \"text\", \"json_object\" or \"json_schema\"");
    }
    req->response_format = string(*type);
  }
  return Status::Ok();
}

// ---- sampling parameters -------------------------------------------------------------------

Status ParseSampling(const Json& body, Request* req) {
  auto use = [req](Param p) { req->params.set(static_cast<size_t>(p)); };
  struct NumberRule {
    const char* key;
    double lo, hi;
    Param param;
  };
  static constexpr NumberRule kNumbers[] = {
      {"temperature", 0, 2, Param::kTemperature},
      {"top_p", 0, 1, Param::kTopP},
      {"min_p", 0, 1, Param::kMinP},
      {"top_a", 0, 1, Param::kTopA},
      {"frequency_penalty", -2, 2, Param::kFrequencyPenalty},
      {"presence_penalty", -2, 2, Param::kPresencePenalty},
      {"repetition_penalty", 0, 2, Param::kRepetitionPenalty},
  };
  for (const NumberRule& r : kNumbers) {
    std::optional<double> x;
    SY_RETURN_IF_ERROR(JsonFields(body).Number(r.key, r.lo, r.hi, &x));
    if (x) use(r.param);
  }
  std::optional<int64_t> i;
  SY_RETURN_IF_ERROR(JsonFields(body).Int("top_k", 0, 1'000'000, &i));
  if (i) use(Param::kTopK);
  i.reset();
  SY_RETURN_IF_ERROR(JsonFields(body).Int("seed", INT64_MIN, INT64_MAX, &i));
  if (i) use(Param::kSeed);
  i.reset();
  SY_RETURN_IF_ERROR(JsonFields(body).Int("top_logprobs", 0, 20, &i));
  if (i) use(Param::kTopLogprobs);
  i.reset();
  SY_RETURN_IF_ERROR(JsonFields(body).Int("n", 1, 128, &i));

  std::optional<bool> b;
  SY_RETURN_IF_ERROR(JsonFields(body).Bool("logprobs", &b));
  if (b && *b) use(Param::kLogprobs);
  b.reset();
  SY_RETURN_IF_ERROR(JsonFields(body).Bool("parallel_tool_calls", &b));
  if (b) use(Param::kParallelToolCalls);
  b.reset();
  SY_RETURN_IF_ERROR(JsonFields(body).Bool("structured_outputs", &b));
  if (b && *b) use(Param::kStructuredOutputs);
  b.reset();
  SY_RETURN_IF_ERROR(JsonFields(body).Bool("include_reasoning", &b));  // deprecated
  if (b) use(Param::kIncludeReasoning);

  if (const Json* stop = Member(body, "stop")) {
    if (stop->is_array()) {
      if (stop->size() > 16) return FieldError("stop", "has more than 16 sequences");
      for (size_t k = 0; k < stop->size(); ++k) {
        if (!(*stop)[k].is_string()) return FieldTypeError(JsonPath("stop", k), "a string", (*stop)[k]);
      }
    } else if (!stop->is_string()) {
      return FieldTypeError("stop", "a string or an array of strings", *stop);
    }
    use(Param::kStop);
  }
  if (const Json* lb = Member(body, "logit_bias")) {
    if (!lb->is_object()) return FieldTypeError("logit_bias", "an object", *lb);
    for (auto it = lb->begin(); it != lb->end(); ++it) {
      if (!it->is_number()) return FieldTypeError(JsonPath("logit_bias", it.key()), "a number", *it);
    }
    use(Param::kLogitBias);
  }
  if (const Json* w = Member(body, "web_search_options")) {
    if (!w->is_object()) return FieldTypeError("web_search_options", "an object", *w);
    use(Param::kWebSearchOptions);
  }
  if (const Json* p = Member(body, "prediction")) {
    if (!p->is_object()) return FieldTypeError("prediction", "an object", *p);
    use(Param::kPrediction);
  }
  std::optional<string_view> s;
  SY_RETURN_IF_ERROR(JsonFields(body).String("verbosity", &s));
  if (s) {
    if (*s != "low" && *s != "medium" && *s != "high") {
      return FieldError("verbosity", "must be \"low\", \"medium\" or \"high\"");
    }
    use(Param::kVerbosity);
  }
  return Status::Ok();
}

// Fields the router accepts and passes through, type-checked only.
Status CheckPassThrough(const Json& body) {
  struct Rule {
    const char* key;
    Json::value_t type;
    const char* expected;
  };
  static constexpr Rule kRules[] = {
      {"usage", Json::value_t::object, "an object"},            // deprecated {include}
      {"route", Json::value_t::string, "a string"},             // deprecated
      {"stream_options", Json::value_t::object, "an object"},
      {"prompt_cache_key", Json::value_t::string, "a string"},
      {"cache_control", Json::value_t::object, "an object"},
      {"service_tier", Json::value_t::string, "a string"},
      {"plugins", Json::value_t::array, "an array"},
      {"modalities", Json::value_t::array, "an array"},
  };
  for (const Rule& r : kRules) {
    const Json* v = Member(body, r.key);
    if (v && v->type() != r.type) return FieldTypeError(r.key, r.expected, *v);
  }
  if (const Json* u = Member(body, "usage")) {
    std::optional<bool> include;
    SY_RETURN_IF_ERROR(JsonFields(*u, "usage").Bool("include", &include));
  }
  if (const Json* plugins = Member(body, "plugins")) {
    for (size_t i = 0; i < plugins->size(); ++i) {
      const Json& p = (*plugins)[i];
      if (!p.is_object() || !FindString(p, "id")) {
        return FieldError(JsonPath("plugins", i), "must be an object with a string id");
      }
    }
  }
  return Status::Ok();
}

// ---- models --------------------------------------------------------------------------------

ModelRef MakeRef(string_view requested) {
  ModelRef ref;
  ref.requested = string(requested);
  ref.id = ref.requested;
  size_t slash = requested.rfind('/');
  size_t colon = requested.rfind(':');
  if (colon != string_view::npos && (slash == string_view::npos || colon > slash) &&
      colon + 1 < requested.size()) {
    ref.suffix = string(requested.substr(colon + 1));
    ref.id = string(requested.substr(0, colon));
    if (ref.suffix == "free") ref.variant = Variant::kFree;
    else if (ref.suffix == "nitro") ref.variant = Variant::kNitro;
    else if (ref.suffix == "floor") ref.variant = Variant::kFloor;
    else ref.variant = Variant::kOther;
  }
  return ref;
}

Status CheckModelName(string_view name, string_view field) {
  if (name.empty()) return FieldError(field, "must not be empty");
  if (name.size() > 256) return FieldError(field, "is longer than 256 characters");
  if (name == "openrouter/auto" || name == "openrouter/free") {
    return Bad(field, "\"" + string(name) +
                          "\" (automatic model choice) is not supported yet; name a model");
  }
  if (name.substr(0, kPresetPrefix.size()) == kPresetPrefix) {
    return Bad(field, "a preset can only be named in `model` or `preset`");
  }
  return Status::Ok();
}

Status ParseModels(const Json& body, Request* req) {
  std::optional<string_view> model;
  SY_RETURN_IF_ERROR(JsonFields(body).String("model", &model));
  std::vector<string> models;
  SY_RETURN_IF_ERROR(JsonFields(body).StringList("models", kMaxModels, &models));
  if (!model && models.empty()) {
    return FieldError("model", "is required (or a non-empty models list)");
  }
  auto add = [req](string_view name) {
    for (const ModelRef& m : req->models) {
      if (m.requested == name) return;
    }
    req->models.push_back(MakeRef(name));
  };
  if (model) {
    SY_RETURN_IF_ERROR(CheckModelName(*model, "model"));
    req->model = string(*model);
    add(*model);
  }
  for (size_t i = 0; i < models.size(); ++i) {
    SY_RETURN_IF_ERROR(CheckModelName(models[i], JsonPath("models", i)));
    add(models[i]);
  }
  if (req->models.size() > kMaxModels) {
    return Bad("models", "at most " + std::to_string(kMaxModels) + " models may be given");
  }
  return Status::Ok();
}

// ---- session, user, metadata, transforms ---------------------------------------------------

Status ParseIdentity(const Json& body, const RequestOptions& options, Request* req) {
  std::optional<string_view> s;
  SY_RETURN_IF_ERROR(JsonFields(body).String("session_id", &s));
  string_view session = s ? *s : options.session_header;
  if (CharCount(session) > kMaxSessionIdChars) {
    return FieldError("session_id", "is longer than 256 characters");
  }
  req->session_id = string(session);

  s.reset();
  SY_RETURN_IF_ERROR(JsonFields(body).String("user", &s));
  if (s) {
    if (CharCount(*s) > kMaxUserChars) return FieldError("user", "is longer than 256 characters");
    req->user = string(*s);
  }

  if (const Json* md = Member(body, "metadata")) {
    if (!md->is_object()) return FieldTypeError("metadata", "an object", *md);
    if (md->size() > kMaxMetadataPairs) {
      return FieldError("metadata", "has " + std::to_string(md->size()) +
                                 " pairs; the limit is 16");
    }
    for (auto it = md->begin(); it != md->end(); ++it) {
      string f = JsonPath("metadata", it.key());
      if (it.key().empty() || CharCount(it.key()) > kMaxMetadataKeyChars) {
        return Bad(f, "metadata keys must have 1 to 64 characters");
      }
      if (!it->is_string()) return FieldTypeError(f, "a string", *it);
      const string& value = it->get_ref<const string&>();
      if (CharCount(value) > kMaxMetadataValueChars) {
        return FieldError(f, "is longer than 512 characters");
      }
      req->metadata.emplace_back(it.key(), value);
    }
  }

  SY_RETURN_IF_ERROR(JsonFields(body).StringList("transforms", 8, &req->transforms));
  for (size_t i = 0; i < req->transforms.size(); ++i) {
    if (req->transforms[i] != "middle-out") {
      return Bad(JsonPath("transforms", i), "transform \"" + req->transforms[i] +
                                           "\" is not supported (only \"middle-out\")");
    }
  }
  // Context compression: "middle-out", or the plugin that replaces it; `transforms: []` turns
  // off the default (on for endpoints of at most 8,192 tokens).
  if (!req->transforms.empty()) req->compression = Compression::kOn;
  else if (const Json* t = Member(body, "transforms"); t && t->is_array()) req->compression = Compression::kOff;
  if (const Json* plugins = FindArray(body, "plugins")) {
    for (const Json& p : *plugins) {
      if (FindString(p, "id") == std::optional<string_view>("context-compression")) req->compression = Compression::kOn;
    }
  }
  return Status::Ok();
}

}  // namespace

// ---- public --------------------------------------------------------------------------------

const char* ReasoningEffortName(ReasoningEffort effort) {
  switch (effort) {
    case ReasoningEffort::kNone: return "none";
    case ReasoningEffort::kMinimal: return "minimal";
    case ReasoningEffort::kLow: return "low";
    case ReasoningEffort::kMedium: return "medium";
    case ReasoningEffort::kHigh: return "high";
    case ReasoningEffort::kXHigh: return "xhigh";
  }
  return "medium";
}

std::optional<ReasoningEffort> ParseReasoningEffort(string_view name) {
  if (name == "none") return ReasoningEffort::kNone;
  if (name == "minimal") return ReasoningEffort::kMinimal;
  if (name == "low") return ReasoningEffort::kLow;
  if (name == "medium") return ReasoningEffort::kMedium;
  if (name == "high") return ReasoningEffort::kHigh;
  if (name == "xhigh") return ReasoningEffort::kXHigh;
  return std::nullopt;
}

const char* SortByName(SortBy sort) {
  switch (sort) {
    case SortBy::kNone: return "none";
    case SortBy::kPrice: return "price";
    case SortBy::kThroughput: return "throughput";
    case SortBy::kLatency: return "latency";
  }
  return "none";
}

const char* VariantName(Variant variant) {
  switch (variant) {
    case Variant::kNone: return "";
    case Variant::kFree: return "free";
    case Variant::kNitro: return "nitro";
    case Variant::kFloor: return "floor";
    case Variant::kOther: return "other";
  }
  return "";
}

uint64_t Fnv1a64(string_view bytes, uint64_t seed) {
  uint64_t h = seed;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

int64_t EstimateMessageTokens(const Json& m) {
  int64_t chars = 0, fixed = kTokensPerMessage;
  const Json* content = Find(m, "content");
  if (content && content->is_string()) {
    chars += static_cast<int64_t>(CharCount(content->get_ref<const string&>()));
  } else if (content && content->is_array()) {
    for (const Json& part : *content) {
      if (auto t = FindString(part, "text")) chars += static_cast<int64_t>(CharCount(*t));
      else fixed += kTokensPerImage;  // images, audio, files: a fixed count each
    }
  }
  if (const Json* calls = FindArray(m, "tool_calls")) chars += StringChars(*calls);
  if (auto name = FindString(m, "name")) chars += static_cast<int64_t>(CharCount(*name));
  return fixed + CeilDiv4(chars);
}

int64_t EstimatePromptTokens(const Json& request) {
  int64_t tokens = kTokensReplyPriming;
  if (const Json* messages = FindArray(request, "messages")) {
    for (const Json& m : *messages) tokens += EstimateMessageTokens(m);
  } else if (auto prompt = FindString(request, "prompt")) {
    tokens += CeilDiv4(static_cast<int64_t>(CharCount(*prompt)));
  }
  if (const Json* tools = FindArray(request, "tools")) tokens += CeilDiv4(StringChars(*tools));
  return tokens;
}

// ---- context compression ("middle-out") ------------------------------------------------------

bool CompressesFor(const Request& req, int64_t context_length) {
  if (req.kind != RequestKind::kChat || context_length <= 0) return false;
  switch (req.compression) {
    case Compression::kOn: return true;
    case Compression::kOff: return false;
    case Compression::kDefault: return context_length <= kCompressByDefaultContext;
  }
  return false;
}

bool FitsCompressed(const Request& req, int64_t needed, int64_t context_length) {
  return needed <= 2 * context_length && req.max_tokens.value_or(0) < context_length / 2;
}

ContextFit FitContext(const Request& req, int64_t needed, int64_t context_length) {
  if (context_length <= 0 || needed <= context_length) return ContextFit::kWhole;
  return CompressesFor(req, context_length) && FitsCompressed(req, needed, context_length)
             ? ContextFit::kCompressed
             : ContextFit::kTooLong;
}

namespace {

string_view RoleOf(const Json& m) { return FindString(m, "role").value_or(""); }

// `keep_chars` code points of `text`: the first half of them and the last half, around a marker.
string CutMiddle(const string& text, size_t keep_chars) {
  static constexpr string_view kMarker = "\n[…]\n";
  const size_t chars = CharCount(text);
  if (keep_chars >= chars) return text;
  const size_t head_chars = keep_chars / 2, tail_chars = keep_chars - head_chars;
  // Byte offsets of code point boundaries (UTF-8: a boundary is any byte not 10xxxxxx).
  auto offset_of = [&](size_t code_points) {
    size_t i = 0, seen = 0;
    for (; i < text.size(); ++i) {
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
        if (seen == code_points) return i;
        ++seen;
      }
    }
    return text.size();
  };
  string out = text.substr(0, offset_of(head_chars));
  out += kMarker;
  out += text.substr(offset_of(chars - tail_chars));
  return out;
}

}  // namespace

Json CompressToFit(const Json& request, int64_t budget) {
  Json out = request;
  auto it = out.find("messages");
  if (it == out.end() || !it->is_array() || EstimatePromptTokens(out) <= budget) return out;
  const Json& all = *it;
  const size_t n = all.size();
  // Leading system/developer messages are kept; the rest is cut into units: a message, or an
  // assistant message with tool calls and the tool results that follow it (never split: a
  // provider refuses a tool result without its call, and a call without its result).
  size_t head = 0;
  while (head < n && IsSystemRole(RoleOf(all[head]))) ++head;
  std::vector<std::pair<size_t, size_t>> units;
  for (size_t i = head; i < n;) {
    size_t j = i + 1;
    if (RoleOf(all[i]) == "assistant" && FindArray(all[i], "tool_calls")) {
      while (j < n && RoleOf(all[j]) == "tool") ++j;
    }
    units.emplace_back(i, j);
    i = j;
  }
  int64_t total = EstimatePromptTokens(out);
  std::vector<bool> dropped(n, false);
  // Every unit but the last may go, from the middle outwards (the conversation's opening and
  // its latest turns are what a model needs most).
  const size_t removable = units.empty() ? 0 : units.size() - 1;
  if (removable > 0) {
    size_t lo = (removable - 1) / 2, hi = lo + 1;
    for (size_t taken = 0; taken < removable && total > budget; ++taken) {
      // Alternate around the middle: lo, hi, lo-1, hi+1, ...
      size_t k;
      if ((taken % 2 == 0 && lo != SIZE_MAX) || hi >= removable) k = lo--;
      else k = hi++;
      for (size_t m = units[k].first; m < units[k].second; ++m) {
        dropped[m] = true;
        total -= EstimateMessageTokens(all[m]);
      }
    }
  }
  Json kept = Json::array();
  for (size_t m = 0; m < n; ++m) {
    if (!dropped[m]) kept.push_back(std::move((*it)[m]));
  }
  *it = std::move(kept);
  // Still too long (a few long messages): the middle of the longest text goes.
  while (total > budget) {
    Json* longest = nullptr;
    auto consider = [&](Json* text) {
      if (text->is_string() && (!longest || text->get_ref<const string&>().size() >
                                                longest->get_ref<const string&>().size())) {
        longest = text;
      }
    };
    for (Json& m : *it) {
      auto content = m.find("content");
      if (content == m.end()) continue;
      if (content->is_array()) {
        for (Json& part : *content) {
          auto f = part.find("text");
          if (f != part.end()) consider(&*f);
        }
      } else {
        consider(&*content);
      }
    }
    const string* text = longest ? &longest->get_ref<const string&>() : nullptr;
    const int64_t chars = text ? static_cast<int64_t>(CharCount(*text)) : 0;
    const int64_t over = (total - budget) * 4 + 16;  // characters to take out, the marker's too
    if (chars <= 64) break;  // nothing left worth cutting: the provider decides
    const int64_t keep = std::max<int64_t>(32, chars - over);
    *longest = Json(CutMiddle(*text, static_cast<size_t>(keep)));
    total = EstimatePromptTokens(out);
    if (keep == 32) break;
  }
  return out;
}

Result<Request> ParseRequest(string_view body, const RequestOptions& options) {
  SY_ASSIGN_OR_RETURN(Json doc, ParseJson(body, options.limits, "request body"));
  return ParseRequestJson(std::move(doc), options);
}

Result<Request> ParseRequestJson(Json body, const RequestOptions& options) {
  if (!body.is_object()) return Bad("", "the request body must be a JSON object");
  Request req;
  SY_RETURN_IF_ERROR(ApplyPreset(body, options, &req.preset));
  const Json& b = body;

  SY_RETURN_IF_ERROR(ParseModels(b, &req));

  // messages (chat) or prompt (legacy completions)
  if (const Json* messages = Member(b, "messages")) {
    if (!messages->is_array()) return FieldTypeError("messages", "an array", *messages);
    SY_RETURN_IF_ERROR(ValidateMessages(*messages));
    req.conversation_hash = ConversationHash(*messages);
  } else if (const Json* prompt = Member(b, "prompt")) {
    if (!prompt->is_string()) return FieldTypeError("prompt", "a string", *prompt);
    req.conversation_hash = Fnv1a64(string("U") + prompt->get<string>());
  } else {
    return FieldError("messages", "is required");
  }

  std::optional<bool> stream;
  SY_RETURN_IF_ERROR(JsonFields(b).Bool("stream", &stream));
  req.stream = stream.value_or(false);

  std::optional<int64_t> max_tokens, max_completion;
  SY_RETURN_IF_ERROR(JsonFields(b).Int("max_tokens", 1, kMaxTokensLimit, &max_tokens));
  SY_RETURN_IF_ERROR(JsonFields(b).Int("max_completion_tokens", 1, kMaxTokensLimit,
                            &max_completion));
  req.max_tokens = max_completion ? max_completion : max_tokens;
  if (req.max_tokens) req.params.set(static_cast<size_t>(Param::kMaxTokens));

  SY_RETURN_IF_ERROR(ParseTools(b, &req));
  SY_RETURN_IF_ERROR(ParseSampling(b, &req));
  SY_RETURN_IF_ERROR(ParseReasoning(b, &req.reasoning));
  if (req.reasoning.present && req.reasoning.enabled != std::optional<bool>(false) &&
      req.reasoning.effort != std::optional<ReasoningEffort>(ReasoningEffort::kNone)) {
    req.params.set(static_cast<size_t>(Param::kReasoning));
  }
  SY_RETURN_IF_ERROR(ParseProvider(b, &req.provider));
  SY_RETURN_IF_ERROR(ParseIdentity(b, options, &req));
  SY_RETURN_IF_ERROR(CheckPassThrough(b));

  req.estimated_prompt_tokens = EstimatePromptTokens(b);
  req.raw = std::move(body);
  return req;
}

// ---- embeddings (POST /embeddings) --------------------------------------------------------------

namespace {

constexpr int64_t kMaxTokenId = (int64_t{1} << 31) - 1;

// A token-id array: non-empty, every element an integer 0..2^31-1.
Status CheckTokenIds(const Json& ids, const string& field) {
  if (ids.empty()) return FieldError(field, "must not be empty");
  for (size_t i = 0; i < ids.size(); ++i) {
    const Json& t = ids[i];
    std::optional<int64_t> id = IntValue(t);
    if (!id || *id < 0 || *id > kMaxTokenId) {
      return FieldError(JsonPath(field, i), "must be a token id (an integer 0 to 2147483647)");
    }
  }
  return Status::Ok();
}

// `input`: one string, strings, token ids, or arrays of token ids. Fills the count, the kind and
// the token estimates (ceil(characters / 4) per text, the length of a token array).
Status ParseEmbeddingsInput(const Json& body, Request* req) {
  EmbeddingsInput& in = req->embeddings;
  const Json* input = Member(body, "input");
  if (!input) return FieldError("input", "is required");
  int64_t total = 0, largest = 0;
  auto add = [&](int64_t tokens) {
    total += tokens;
    largest = std::max(largest, tokens);
  };
  if (input->is_string()) {
    const string& text = input->get_ref<const string&>();
    if (text.empty()) return FieldError("input", "must not be empty");
    in.count = 1;
    add(CeilDiv4(static_cast<int64_t>(CharCount(text))));
  } else if (input->is_array()) {
    if (input->empty()) return FieldError("input", "must not be empty");
    if (input->size() > kMaxEmbeddingInputs) {
      return FieldError("input", "has " + std::to_string(input->size()) + " items; the limit is " +
                              std::to_string(kMaxEmbeddingInputs));
    }
    const Json& first = (*input)[0];
    if (first.is_number_integer()) {  // one token array
      SY_RETURN_IF_ERROR(CheckTokenIds(*input, "input"));
      in.count = 1;
      in.tokens = true;
      add(static_cast<int64_t>(input->size()));
    } else {
      const bool tokens = first.is_array();
      for (size_t i = 0; i < input->size(); ++i) {
        const Json& item = (*input)[i];
        const string field = JsonPath("input", i);
        if (tokens) {
          if (!item.is_array()) return FieldTypeError(field, "an array of token ids", item);
          SY_RETURN_IF_ERROR(CheckTokenIds(item, field));
          add(static_cast<int64_t>(item.size()));
        } else {
          if (!item.is_string()) return FieldTypeError(field, "a string", item);
          const string& text = item.get_ref<const string&>();
          if (text.empty()) return FieldError(field, "must not be empty");
          add(CeilDiv4(static_cast<int64_t>(CharCount(text))));
        }
      }
      in.count = input->size();
      in.tokens = tokens;
    }
  } else {
    return FieldTypeError("input", "a string, an array of strings or an array of token ids", *input);
  }
  req->estimated_prompt_tokens = total;
  in.largest_input_tokens = largest;
  return Status::Ok();
}

}  // namespace

int64_t EstimateEmbeddingsTokens(const Json& request) {
  const Json* input = Find(request, "input");
  if (!input) return 0;
  auto one = [](const Json& v) -> int64_t {
    if (v.is_string()) return CeilDiv4(static_cast<int64_t>(CharCount(v.get_ref<const string&>())));
    if (v.is_array()) return static_cast<int64_t>(v.size());
    return 0;
  };
  if (!input->is_array() || input->empty() || (*input)[0].is_number_integer()) return one(*input);
  int64_t total = 0;
  for (const Json& item : *input) total += one(item);
  return total;
}

Result<Request> ParseEmbeddingsRequestJson(Json body, const RequestOptions& options) {
  if (!body.is_object()) return Bad("", "the request body must be a JSON object");
  Request req;
  req.kind = RequestKind::kEmbeddings;
  SY_RETURN_IF_ERROR(ApplyPreset(body, options, &req.preset));
  const Json& b = body;
  SY_RETURN_IF_ERROR(ParseModels(b, &req));
  SY_RETURN_IF_ERROR(ParseEmbeddingsInput(b, &req));

  std::optional<bool> stream;
  SY_RETURN_IF_ERROR(JsonFields(b).Bool("stream", &stream));
  if (stream.value_or(false)) return Bad("stream", "embeddings cannot be streamed: leave stream out");
  std::optional<string_view> format;
  SY_RETURN_IF_ERROR(JsonFields(b).String("encoding_format", &format));
  if (format && *format != "float" && *format != "base64") {
    return FieldError("encoding_format", "must be \"float\" or \"base64\"");
  }
  req.embeddings.base64 = format && *format == "base64";
  SY_RETURN_IF_ERROR(JsonFields(b).Int("dimensions", 1, kMaxEmbeddingDimensions,
                            &req.embeddings.dimensions));
  std::optional<string_view> input_type;
  SY_RETURN_IF_ERROR(JsonFields(b).String("input_type", &input_type));
  SY_RETURN_IF_ERROR(ParseProvider(b, &req.provider));
  SY_RETURN_IF_ERROR(ParseIdentity(b, options, &req));
  req.raw = std::move(body);
  return req;
}

}  // namespace switchyard
