// Rendering a plan: the plan output JSON of the shared contract, the trace's reasons as text,
// and the 400/404 error when nothing is left. Only this file turns the planner's compact
// structs into strings, so the decision itself stays allocation-light.
#include <algorithm>
#include <climits>
#include <string>
#include <vector>

#include "routing/planner_internal.h"
#include "switchyard/json/json_text.h"

namespace switchyard {
namespace {

using std::string;
using std::string_view;

// 734694 ppm → "73.46%".
void AppendPercent(string* out, uint32_t ppm) {
  AppendInt(*out, ppm / 10000);
  out->push_back('.');
  uint32_t hundredths = (ppm % 10000) / 100;
  out->push_back(static_cast<char>('0' + hundredths / 10));
  out->push_back(static_cast<char>('0' + hundredths % 10));
  out->push_back('%');
}

void AppendParamList(string* out, int64_t bits) {
  bool first = true;
  for (size_t i = 0; i < static_cast<size_t>(Param::kCount); ++i) {
    if (!(static_cast<uint64_t>(bits) >> i & 1)) continue;
    if (!first) out->append(", ");
    out->append(ParamName(static_cast<Param>(i)));
    first = false;
  }
}

const char* Source(int64_t bits) {
  switch (bits) {
    case 1: return "the request";
    case 2: return "account policy";
    default: return "the request and account policy";
  }
}

void AppendDegradedWhy(string* out, int64_t bits) {
  bool first = true;
  auto add = [&](const char* s) {
    if (!first) out->append(", ");
    out->append(s);
    first = false;
  };
  if (bits & 1) add("outage in the last 30 s");
  if (bits & 2) add("circuit open");
  if (bits & 4) add("Retry-After cooldown");
}

// The catalog entry a trace entry or attempt belongs to: the model's id, or `<id>:free` when the
// candidate named the model's free variant (exactly what was requested then: catalog ids never
// end in ":free"), so a plan over ["m/x", "m/x:free"] tells the two entries apart.
string_view ModelName(const Catalog& catalog, const Plan& plan, uint32_t model, uint8_t candidate) {
  const string_view requested = candidate < plan.requested_models.size()
                                    ? string_view(plan.requested_models[candidate])
                                    : string_view();
  if (model == kNoModel) return requested;
  const string_view id = catalog.model(model).id;
  constexpr string_view kFree = ":free";
  if (requested.size() == id.size() + kFree.size() && requested.substr(0, id.size()) == id &&
      requested.substr(id.size()) == kFree) {
    return requested;
  }
  return id;
}

void AppendAttemptReason(string* out, const Attempt& a) {
  const size_t start = out->size();
  auto sep = [&] {
    if (out->size() > start) out->append("; ");
  };
  if (a.flags & kAttemptByok) sep(), out->append("your own provider key (BYOK) first");
  if (a.flags & kAttemptSticky) sep(), out->append("sticky: this conversation's prompt cache is here");
  if (a.flags & kAttemptOrdered) {
    sep();
    out->append("provider.order #");
    AppendInt(*out, a.order_pos + 1);
  }
  if (a.flags & kAttemptLoadBalanced) {
    sep();
    out->append("load balancing: weighted draw by 1/price² (share ");
    AppendPercent(out, a.weight_ppm);
    out->push_back(')');
  }
  if (a.flags & kAttemptSorted) sep(), out->append("sorted by "), out->append(SortByName(a.sort));
  if (a.flags & kAttemptPriceFallback) sep(), out->append("fallback, ascending price");
  if (a.flags & kAttemptSteeredDown) sep(), out->append("lacks a capability the request uses: tried later");
  if (a.flags & kAttemptSlow) sep(), out->append("misses the preferred latency/throughput: tried later");
  if (a.flags & kAttemptDegraded) sep(), out->append("degraded: tried after healthy endpoints");
  if (out->size() == start) out->append("first choice");
}

string AttemptReason(const Attempt& a) {
  string out;
  AppendAttemptReason(&out, a);
  return out;
}

const char* DecisionName(TraceDecision d) {
  switch (d) {
    case TraceDecision::kIncluded: return "included";
    case TraceDecision::kExcluded: return "excluded";
    case TraceDecision::kOrdered: return "ordered";
  }
  return "ordered";
}

}  // namespace

namespace {

void AppendTraceReason(string* out, const Catalog& catalog, const TraceEntry& t) {
  const Endpoint* e = t.endpoint != kNoEndpoint ? &catalog.endpoint(t.endpoint) : nullptr;
  const string_view tag = e ? string_view(e->tag) : string_view();
  switch (t.reason) {
    case TraceReason::kModelNotFound: out->append("no such model"); return;
    case TraceReason::kModelNotAllowed: out->append("model not in the account's allowed models"); return;
    case TraceReason::kModelNoEndpoints: out->append("the model has no endpoints"); return;
    case TraceReason::kDisabled: out->append("endpoint disabled"); return;
    case TraceReason::kNotAllowedByAccount:
      out->append("provider not in the account's allowed providers");
      return;
    case TraceReason::kIgnoredByAccount: out->append("provider ignored by account policy"); return;
    case TraceReason::kNotInOnly: out->append("provider not in provider.only"); return;
    case TraceReason::kIgnored: out->append("provider listed in provider.ignore"); return;
    case TraceReason::kNotInOrder:
      out->append("not in provider.order and allow_fallbacks is false");
      return;
    case TraceReason::kNotFree: out->append("not a free endpoint (:free)"); return;
    case TraceReason::kFreeVariantOnly:
      out->append("free endpoint: served only as ");
      out->append(catalog.model(t.model).id);
      out->append(":free");
      return;
    case TraceReason::kZdr:
      out->append("not zero-data-retention (zdr required by ");
      out->append(Source(t.a));
      out->push_back(')');
      return;
    case TraceReason::kDataCollection:
      out->append("provider may train on prompts (data_collection deny by ");
      out->append(Source(t.a));
      out->push_back(')');
      return;
    case TraceReason::kQuantization:
      out->append("quantization ");
      out->append(e && !e->quantization.empty() ? string_view(e->quantization) : string_view("unknown"));
      out->append(" not in provider.quantizations");
      return;
    case TraceReason::kMaxPricePrompt:
    case TraceReason::kMaxPriceCompletion: {
      const bool prompt = t.reason == TraceReason::kMaxPricePrompt;
      out->append(prompt ? "prompt price $" : "completion price $");
      out->append(FormatPerMillion(t.a));
      out->append(prompt ? "/M above max_price.prompt $" : "/M above max_price.completion $");
      out->append(FormatPerMillion(t.b));
      out->append("/M");
      return;
    }
    case TraceReason::kMaxPriceRequest:
    case TraceReason::kMaxPriceImage: {
      const bool request = t.reason == TraceReason::kMaxPriceRequest;
      out->append(request ? "request price $" : "image price $");
      out->append(FormatUsd(t.a));
      out->append(request ? " above max_price.request $" : " above max_price.image $");
      out->append(FormatUsd(t.b));
      return;
    }
    case TraceReason::kMissingParameters:
      out->append("does not support ");
      AppendParamList(out, t.a);
      out->append(" (require_parameters)");
      return;
    case TraceReason::kContextTooSmall:
      out->append("needs ");
      AppendInt(*out, t.a);
      out->append(" tokens (prompt estimate + max_tokens); context is ");
      AppendInt(*out, t.b);
      return;
    case TraceReason::kMaxTokensTooLarge:
      out->append("max_tokens ");
      AppendInt(*out, t.a);
      out->append(" above the endpoint's max_completion_tokens ");
      AppendInt(*out, t.b);
      return;
    case TraceReason::kFallbackDisabled:
      out->append("allow_fallbacks is false: only the first choice is tried");
      return;
    case TraceReason::kEligible: out->append("meets every requirement"); return;
    case TraceReason::kOrderLoadBalanced:
      if (t.b <= 1) {
        out->append("first choice ");
        out->append(tag);
        out->append(" (no other candidate of the same rank to balance with); the rest by ascending price");
        return;
      }
      out->append("load balancing among ");
      AppendInt(*out, t.b);
      out->append(" by 1/price²: drew ");
      out->append(tag);
      out->append(" (share ");
      AppendPercent(out, static_cast<uint32_t>(t.a));
      out->append("); the rest by ascending price");
      return;
    case TraceReason::kOrderSorted:
      out->append("sorted by ");
      out->append(SortByName(static_cast<SortBy>(t.a)));
      if (t.b) out->append(" across all models (partition none)");
      out->append("; load balancing off");
      return;
    case TraceReason::kOrderProviderOrder:
      out->append("provider.order first, in its order; load balancing off");
      return;
    case TraceReason::kOrderSticky:
      out->append("sticky: served this conversation within 10 min and cache reads are cheaper");
      return;
    case TraceReason::kOrderDegraded:
      out->append("deprioritised: ");
      AppendDegradedWhy(out, t.a);
      return;
    case TraceReason::kOrderSteered: {
      out->append("deprioritised: ");
      if (t.a) {
        out->append("lacks ");
        AppendParamList(out, t.a);
        out->append(" support");
      }
      if (t.b) {
        if (t.a) out->append("; ");
        out->append("max_completion_tokens unknown for max_tokens ");
        AppendInt(*out, t.b);
      }
      out->append(" (soft steering)");
      return;
    }
    case TraceReason::kOrderSlow: out->append("deprioritised: misses preferred latency/throughput"); return;
    case TraceReason::kOrderByok: out->append("first: your own provider key (BYOK)"); return;
    case TraceReason::kOrderCompressed:
      out->append("deprioritised: needs ");
      AppendInt(*out, t.a);
      out->append(" tokens; context is ");
      AppendInt(*out, t.b);
      out->append(" (the prompt would be compressed: middle-out)");
      return;
  }
}

}  // namespace

string DescribeTrace(const Catalog& catalog, const Plan& plan, const TraceEntry& t) {
  (void)plan;  // model-level reasons do not repeat the model; the caller prints it beside
  string out;
  AppendTraceReason(&out, catalog, t);
  return out;
}

Json RenderPlan(const Catalog& catalog, const Plan& plan) {
  Json attempts = Json::array();
  for (size_t i = 0; i < plan.attempts.size(); ++i) {
    const Attempt& a = plan.attempts[i];
    const Endpoint& e = catalog.endpoint(a.endpoint);
    const Provider& p = catalog.provider_of(e);
    attempts.push_back(Json{{"index", i},
                            {"endpoint", a.endpoint},
                            {"model", ModelName(catalog, plan, a.model, a.candidate)},
                            {"provider", p.slug},
                            {"provider_name", p.name},
                            {"tag", e.tag},
                            {"byok", a.byok()},
                            {"upstream_model", e.upstream_model},
                            {"reason", AttemptReason(a)}});
  }
  Json trace = Json::array();
  for (const TraceEntry& t : plan.trace) {
    Json tag = t.endpoint != kNoEndpoint ? Json(catalog.endpoint(t.endpoint).tag) : Json(nullptr);
    trace.push_back(Json{{"model", ModelName(catalog, plan, t.model, t.candidate)},
                         {"tag", std::move(tag)},
                         {"decision", DecisionName(t.decision)},
                         {"reason", DescribeTrace(catalog, plan, t)}});
  }
  Json out = Json::object();
  out["model"] = plan.requested_model;
  out["attempts"] = std::move(attempts);
  out["trace"] = std::move(trace);
  out["sticky_key"] = plan.sticky_key.empty() ? Json(nullptr) : Json(plan.sticky_key);
  out["estimated_prompt_tokens"] = plan.estimated_prompt_tokens;
  out["max_tokens"] = plan.max_tokens ? Json(*plan.max_tokens) : Json(nullptr);
  out["stream"] = plan.stream;
  return out;
}

namespace {

// Appends a JSON string literal the way Dump() writes one (no ASCII escaping of UTF-8, control
// characters escaped, \u00xx in lower-case hex). Strings here are valid UTF-8: catalog text is
// validated on load, request text was validated by the parser, reasons are ours.
void AppendQuoted(string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the pending run of characters that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void AppendKey(string* out, std::string_view key) {
  AppendQuoted(out, key);
  out->push_back(':');
}

}  // namespace

// Keys in sorted order, as Json objects (sorted by key) serialise them.
string RenderPlanText(const Catalog& catalog, const Plan& plan) {
  string out, scratch;
  out.reserve(256 + plan.attempts.size() * 256 + plan.trace.size() * 160);
  scratch.reserve(160);
  out += "{\"attempts\":[";
  for (size_t i = 0; i < plan.attempts.size(); ++i) {
    const Attempt& a = plan.attempts[i];
    const Endpoint& e = catalog.endpoint(a.endpoint);
    const Provider& p = catalog.provider_of(e);
    if (i) out.push_back(',');
    out += "{\"byok\":";
    out += a.byok() ? "true" : "false";
    out += ",\"endpoint\":";
    AppendInt(out, a.endpoint);
    out += ",\"index\":";
    AppendInt(out, static_cast<int64_t>(i));
    out += ",";
    AppendKey(&out, "model");
    AppendQuoted(&out, ModelName(catalog, plan, a.model, a.candidate));
    out += ",";
    AppendKey(&out, "provider");
    AppendQuoted(&out, p.slug);
    out += ",";
    AppendKey(&out, "provider_name");
    AppendQuoted(&out, p.name);
    out += ",";
    AppendKey(&out, "reason");
    scratch.clear();
    AppendAttemptReason(&scratch, a);
    AppendQuoted(&out, scratch);
    out += ",";
    AppendKey(&out, "tag");
    AppendQuoted(&out, e.tag);
    out += ",";
    AppendKey(&out, "upstream_model");
    AppendQuoted(&out, e.upstream_model);
    out.push_back('}');
  }
  out += "],\"estimated_prompt_tokens\":";
  AppendInt(out, plan.estimated_prompt_tokens);
  out += ",\"max_tokens\":";
  if (plan.max_tokens) AppendInt(out, *plan.max_tokens);
  else out += "null";
  out += ",";
  AppendKey(&out, "model");
  AppendQuoted(&out, plan.requested_model);
  out += ",\"sticky_key\":";
  if (plan.sticky_key.empty()) out += "null";
  else AppendQuoted(&out, plan.sticky_key);
  out += ",\"stream\":";
  out += plan.stream ? "true" : "false";
  out += ",\"trace\":[";
  for (size_t i = 0; i < plan.trace.size(); ++i) {
    const TraceEntry& t = plan.trace[i];
    if (i) out.push_back(',');
    out += "{\"decision\":";
    AppendQuoted(&out, DecisionName(t.decision));
    out += ",";
    AppendKey(&out, "model");
    AppendQuoted(&out, ModelName(catalog, plan, t.model, t.candidate));
    out += ",";
    AppendKey(&out, "reason");
    scratch.clear();
    AppendTraceReason(&scratch, catalog, t);
    AppendQuoted(&out, scratch);
    out += ",\"tag\":";
    if (t.endpoint != kNoEndpoint) AppendQuoted(&out, catalog.endpoint(t.endpoint).tag);
    else out += "null";
    out.push_back('}');
  }
  out += "]}";
  return out;
}

namespace {

// Who decided that an excluded endpoint cannot serve, for the status of a request that no
// endpoint can serve (see NoAttemptsError in planner_internal.h):
//   kSelection   which endpoints may serve at all: the catalog entry named (`<id>` the paid
//                endpoints, `<id>:free` the free ones), the operator (a disabled endpoint),
//                account policy (allowed / ignored providers) and the request's provider filters
//                (only, ignore, order without fallbacks). Nothing left → 404.
//   kRequirement an endpoint that may serve cannot serve this request: a hard requirement the
//                client set, in the request or its account's policy (max_tokens, prompt length,
//                max_price, quantizations, require_parameters, zdr, data_collection) → 400.
// Availability is not a reason to exclude: degraded endpoints stay in the plan (tried last).
enum class Blame : uint8_t { kNone, kSelection, kRequirement };

Blame BlameOf(TraceReason r) {
  switch (r) {
    case TraceReason::kModelNotFound:
    case TraceReason::kModelNotAllowed:
    case TraceReason::kModelNoEndpoints:
    case TraceReason::kDisabled:
    case TraceReason::kNotAllowedByAccount:
    case TraceReason::kIgnoredByAccount:
    case TraceReason::kNotInOnly:
    case TraceReason::kIgnored:
    case TraceReason::kNotInOrder:
    case TraceReason::kNotFree:
    case TraceReason::kFreeVariantOnly:
      return Blame::kSelection;
    case TraceReason::kZdr:
    case TraceReason::kDataCollection:
    case TraceReason::kQuantization:
    case TraceReason::kMaxPricePrompt:
    case TraceReason::kMaxPriceCompletion:
    case TraceReason::kMaxPriceRequest:
    case TraceReason::kMaxPriceImage:
    case TraceReason::kMissingParameters:
    case TraceReason::kContextTooSmall:
    case TraceReason::kMaxTokensTooLarge:
      return Blame::kRequirement;
    default:
      return Blame::kNone;
  }
}

constexpr size_t kReasonCount = static_cast<size_t>(TraceReason::kOrderCompressed) + 1;

// The exclusions of one reason, summed over the trace.
struct Tally {
  int64_t count = 0;
  int64_t a_min = INT64_MAX, a_max = INT64_MIN;  // of TraceEntry::a
  int64_t b_min = INT64_MAX, b_max = INT64_MIN;  // of TraceEntry::b
  int64_t a_bits = 0;                            // a OR-ed (bit sets)
  std::vector<string_view> names;  // distinct quantizations / BYOK-able providers / model ids
};

void AddName(std::vector<string_view>* names, string_view name) {
  if (std::find(names->begin(), names->end(), name) == names->end()) names->push_back(name);
}

void AppendNames(string* out, const std::vector<string_view>& names) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out->append(", ");
    out->append(names[i]);
  }
}

void AppendEndpoints(string* out, int64_t n) {
  AppendInt(*out, n);
  out->append(n == 1 ? " endpoint" : " endpoints");
}

// Slugs of `wanted` that name no provider and select no endpoint tag anywhere in the catalog.
std::vector<string_view> UnknownSlugs(const Catalog& catalog, const std::vector<string>& wanted) {
  std::vector<string_view> unknown;
  for (const string& w : wanted) {
    bool known = false;
    for (const Provider& p : catalog.providers()) known = known || SlugMatches(w, p.slug);
    for (const Endpoint& e : catalog.endpoints()) {
      if (known) break;
      known = SlugMatches(w, e.tag);
    }
    if (!known) AddName(&unknown, w);
  }
  return unknown;
}

void AppendQuotedNames(string* out, const std::vector<string_view>& names) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out->append(", ");
    out->push_back('"');
    out->append(names[i]);
    out->push_back('"');
  }
}

// The request field a requirement clause is about ("" when account policy set it).
string_view RequirementField(const Request& req, TraceReason r, const Tally& t, int64_t largest_context) {
  const string_view max_tokens_field =
      req.raw.is_object() && req.raw.contains("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
  switch (r) {
    case TraceReason::kZdr: return (t.a_bits & 1) && !(t.a_bits & 2) ? "provider.zdr" : "";
    case TraceReason::kDataCollection:
      return (t.a_bits & 1) && !(t.a_bits & 2) ? "provider.data_collection" : "";
    case TraceReason::kQuantization: return "provider.quantizations";
    case TraceReason::kMaxPricePrompt: return "provider.max_price.prompt";
    case TraceReason::kMaxPriceCompletion: return "provider.max_price.completion";
    case TraceReason::kMaxPriceRequest: return "provider.max_price.request";
    case TraceReason::kMaxPriceImage: return "provider.max_price.image";
    case TraceReason::kMissingParameters: return "provider.require_parameters";
    case TraceReason::kMaxTokensTooLarge: return max_tokens_field;
    case TraceReason::kContextTooSmall:
      // The prompt alone is too long for every such endpoint, or max_tokens made it so.
      return req.max_tokens && req.estimated_prompt_tokens <= largest_context ? max_tokens_field
                                                                               : string_view("messages");
    default: return "";
  }
}

// One clause of the 400 message: the client's setting, what it rules out, the closest value.
void AppendRequirementClause(string* out, const Request& req, TraceReason r, const Tally& t) {
  switch (r) {
    case TraceReason::kZdr:
      out->append("zdr (required by ");
      out->append(Source(t.a_bits));
      out->append(") rules out ");
      AppendEndpoints(out, t.count);
      out->append(" without zero data retention");
      return;
    case TraceReason::kDataCollection:
      out->append("data_collection \"deny\" (set by ");
      out->append(Source(t.a_bits));
      out->append(") rules out ");
      AppendEndpoints(out, t.count);
      out->append(" that may train on prompts");
      return;
    case TraceReason::kQuantization: {
      out->append("provider.quantizations (");
      std::vector<string_view> wanted(req.provider.quantizations.begin(), req.provider.quantizations.end());
      AppendNames(out, wanted);
      out->append(") rules out ");
      AppendEndpoints(out, t.count);
      out->append(" (quantization ");
      AppendNames(out, t.names);
      out->push_back(')');
      return;
    }
    case TraceReason::kMaxPricePrompt:
    case TraceReason::kMaxPriceCompletion: {
      const bool prompt = r == TraceReason::kMaxPricePrompt;
      out->append(prompt ? "max_price.prompt $" : "max_price.completion $");
      out->append(FormatPerMillion(t.b_min));
      out->append("/M rules out ");
      AppendEndpoints(out, t.count);
      out->append(prompt ? " (the lowest prompt price is $" : " (the lowest completion price is $");
      out->append(FormatPerMillion(t.a_min));
      out->append("/M)");
      return;
    }
    case TraceReason::kMaxPriceRequest:
    case TraceReason::kMaxPriceImage: {
      const bool request = r == TraceReason::kMaxPriceRequest;
      out->append(request ? "max_price.request $" : "max_price.image $");
      out->append(FormatUsd(t.b_min));
      out->append(" rules out ");
      AppendEndpoints(out, t.count);
      out->append(request ? " (the lowest request price is $" : " (the lowest image price is $");
      out->append(FormatUsd(t.a_min));
      out->push_back(')');
      return;
    }
    case TraceReason::kMissingParameters:
      out->append("require_parameters rules out ");
      AppendEndpoints(out, t.count);
      out->append(" lacking parameters the request uses (");
      AppendParamList(out, t.a_bits);
      out->push_back(')');
      return;
    case TraceReason::kMaxTokensTooLarge:
      out->append("max_tokens ");
      AppendInt(*out, t.a_max);
      out->append(" is above the max_completion_tokens of ");
      AppendEndpoints(out, t.count);
      out->append(" (the largest is ");
      AppendInt(*out, t.b_max);
      out->push_back(')');
      return;
    case TraceReason::kContextTooSmall:
      if (req.max_tokens) {
        out->append("the prompt (about ");
        AppendInt(*out, req.estimated_prompt_tokens);
        out->append(" tokens) plus max_tokens ");
        AppendInt(*out, *req.max_tokens);
        out->append(" needs ");
        AppendInt(*out, t.a_max);
        out->append(" tokens, more than the context length of ");
      } else {
        out->append("the prompt (about ");
        AppendInt(*out, req.estimated_prompt_tokens);
        out->append(" tokens) is longer than the context length of ");
      }
      AppendEndpoints(out, t.count);
      out->append(" (the largest is ");
      AppendInt(*out, t.b_max);
      out->push_back(')');
      // Context compression: why it did not help, or that it would have.
      if (CompressesFor(req, t.b_max)) {
        out->append(t.a_max <= 2 * t.b_max
                        ? "; context compression (middle-out) was on, but max_tokens must leave half "
                          "the context to the prompt"
                        : "; context compression (middle-out) was on, but it cuts a request to no less "
                          "than half of what it needs");
      } else if (req.compression == Compression::kDefault && req.kind == RequestKind::kChat &&
                 FitsCompressed(req, t.a_max, t.b_max)) {
        out->append("; transforms [\"middle-out\"] would cut the prompt to fit");
      }
      return;
    default:
      return;
  }
}

// One clause of the 404 message for a selection reason (model-level reasons are named per
// model by the caller).
void AppendSelectionClause(string* out, TraceReason r, const Tally& t) {
  switch (r) {
    case TraceReason::kDisabled:
      AppendEndpoints(out, t.count);
      out->append(" disabled on this router");
      if (!t.names.empty()) {
        out->append(" (usable with your own provider key for ");
        AppendNames(out, t.names);
        out->push_back(')');
      }
      return;
    case TraceReason::kNotAllowedByAccount:
      out->append("the account's allowed providers rule out ");
      AppendEndpoints(out, t.count);
      return;
    case TraceReason::kIgnoredByAccount:
      out->append("the account's ignored providers rule out ");
      AppendEndpoints(out, t.count);
      return;
    case TraceReason::kNotInOnly:
      out->append("provider.only rules out ");
      AppendEndpoints(out, t.count);
      return;
    case TraceReason::kIgnored:
      out->append("provider.ignore rules out ");
      AppendEndpoints(out, t.count);
      return;
    case TraceReason::kNotInOrder:
      out->append("provider.order with allow_fallbacks false rules out ");
      AppendEndpoints(out, t.count);
      return;
    case TraceReason::kNotFree:
      out->append(":free rules out ");
      AppendEndpoints(out, t.count);
      out->append(" that are not free");
      return;
    case TraceReason::kFreeVariantOnly:
      AppendEndpoints(out, t.count);
      out->append(t.count == 1 ? " is free, served only as " : " are free, served only as ");
      for (size_t i = 0; i < t.names.size(); ++i) {
        if (i) out->append(", ");
        out->append(t.names[i]);
        out->append(":free");
      }
      return;
    default:
      return;
  }
}

void AppendClauseSeparator(string* out, size_t start) {
  if (out->size() > start) out->append("; ");
}

}  // namespace

Status NoAttemptsError(const Catalog& catalog, const Request& request, const Plan& plan,
                       bool any_model) {
  Json reasons = Json::array();
  Tally tally[kReasonCount];
  bool any_requirement = false;
  bool other_selection = false;  // a selection reason besides the paid/free split
  for (const TraceEntry& t : plan.trace) {
    if (t.decision != TraceDecision::kExcluded) continue;
    Json tag = t.endpoint != kNoEndpoint ? Json(catalog.endpoint(t.endpoint).tag) : Json(nullptr);
    reasons.push_back(Json{{"model", ModelName(catalog, plan, t.model, t.candidate)},
                           {"tag", std::move(tag)},
                           {"reason", DescribeTrace(catalog, plan, t)}});
    Tally& s = tally[static_cast<size_t>(t.reason)];
    ++s.count;
    s.a_min = std::min(s.a_min, t.a), s.a_max = std::max(s.a_max, t.a);
    s.b_min = std::min(s.b_min, t.b), s.b_max = std::max(s.b_max, t.b);
    s.a_bits |= t.a;
    if (t.endpoint != kNoEndpoint) {
      const Endpoint& e = catalog.endpoint(t.endpoint);
      if (t.reason == TraceReason::kQuantization) {
        AddName(&s.names, e.quantization.empty() ? string_view("unknown") : string_view(e.quantization));
      } else if (t.reason == TraceReason::kDisabled && e.byok_only) {
        AddName(&s.names, catalog.provider_of(e).slug);
      } else if (t.reason == TraceReason::kFreeVariantOnly) {
        AddName(&s.names, catalog.model_of(e).id);
      }
    }
    any_requirement = any_requirement || BlameOf(t.reason) == Blame::kRequirement;
    other_selection = other_selection || (BlameOf(t.reason) == Blame::kSelection &&
                                          t.reason != TraceReason::kFreeVariantOnly);
  }
  string models;
  for (const string& m : plan.requested_models) {
    if (!models.empty()) models += ", ";
    models += m;
  }
  if (!any_model) {
    bool not_allowed = false;
    for (const TraceEntry& t : plan.trace) not_allowed |= t.reason == TraceReason::kModelNotAllowed;
    string msg = not_allowed ? "model " + models + " is not available to this account or key"
                             : "no such model: " + models;
    // A name without its author ("gpt-4o-mini") is the likeliest mistake: name what it could mean.
    if (!not_allowed && plan.requested_models.size() == 1 &&
        models.find('/') == string::npos) {
      int n = 0;
      for (const Model& m : catalog.models()) {
        const size_t slash = m.id.find('/');
        if (slash == string::npos || string_view(m.id).substr(slash + 1) != models) continue;
        msg += n++ == 0 ? " (did you mean " : " or ";
        msg += m.id;
        if (n == 3) break;
      }
      if (n > 0) msg += "?)";
    }
    return Status::NotFound(std::move(msg)).With("reasons", std::move(reasons));
  }

  if (any_requirement) {
    // Some endpoint passed every selection rule and then failed a requirement of the request
    // (or of the account's data policy): the client can change that, and retrying as is cannot
    // help. The clauses name every requirement that ruled an endpoint out.
    string msg = "no endpoint of " + models + " can serve this request: ";
    const size_t start = msg.size();
    int64_t largest_context = 0;
    for (const TraceEntry& t : plan.trace) {
      if (t.decision == TraceDecision::kExcluded && t.reason == TraceReason::kContextTooSmall) {
        largest_context = std::max(largest_context, t.b);
      }
    }
    string_view field;
    bool one_field = true;
    // In the order Exclusion checks them.
    static constexpr TraceReason kRequirements[] = {
        TraceReason::kZdr,           TraceReason::kDataCollection,     TraceReason::kQuantization,
        TraceReason::kMaxPricePrompt, TraceReason::kMaxPriceCompletion, TraceReason::kMaxPriceRequest,
        TraceReason::kMaxPriceImage, TraceReason::kMissingParameters,  TraceReason::kMaxTokensTooLarge,
        TraceReason::kContextTooSmall};
    for (TraceReason reason : kRequirements) {
      const Tally& t = tally[static_cast<size_t>(reason)];
      if (!t.count) continue;
      AppendClauseSeparator(&msg, start);
      AppendRequirementClause(&msg, request, reason, t);
      string_view f = RequirementField(request, reason, t, largest_context);
      if (f.empty() || (!field.empty() && f != field)) one_field = false;
      if (field.empty()) field = f;
    }
    return Status::InvalidArgument(std::move(msg), one_field ? field : string_view())
        .With("reasons", std::move(reasons));
  }

  // Nothing passed the selection rules: the model, as far as this request may use it, has no
  // endpoint here. Unknown provider slugs are the likeliest mistake, so they come first.
  string msg = "no endpoint of " + models + " is allowed for this request: ";
  const size_t start = msg.size();
  string_view field;
  const ProviderPreferences& pp = request.provider;
  // Named whenever the list restricts (even if disabled endpoints never reached its rule).
  auto unknown = [&](bool restricts, const std::vector<string>& slugs, string_view name) {
    if (!restricts) return;
    std::vector<string_view> names = UnknownSlugs(catalog, slugs);
    if (names.empty()) return;
    AppendClauseSeparator(&msg, start);
    msg.append(name);
    msg.append(names.size() == 1 ? " names an unknown provider: " : " names unknown providers: ");
    AppendQuotedNames(&msg, names);
    if (field.empty()) field = name;
  };
  unknown(!pp.only.empty(), pp.only, "provider.only");
  unknown(!pp.allow_fallbacks && !pp.order.empty(), pp.order, "provider.order");
  for (const TraceEntry& t : plan.trace) {
    if (t.decision != TraceDecision::kExcluded || t.endpoint != kNoEndpoint) continue;
    AppendClauseSeparator(&msg, start);
    string_view name = ModelName(catalog, plan, t.model, t.candidate);
    switch (t.reason) {
      case TraceReason::kModelNotFound: msg.append("no such model "), msg.append(name); break;
      case TraceReason::kModelNotAllowed:
        msg.append(name), msg.append(" is not available to this account or key");
        break;
      default: msg.append(name), msg.append(" has no endpoints"); break;
    }
  }
  for (size_t r = 0; r < kReasonCount; ++r) {
    const TraceReason reason = static_cast<TraceReason>(r);
    if (!tally[r].count || BlameOf(reason) != Blame::kSelection) continue;
    if (reason == TraceReason::kModelNotFound || reason == TraceReason::kModelNotAllowed ||
        reason == TraceReason::kModelNoEndpoints) {
      continue;
    }
    AppendClauseSeparator(&msg, start);
    AppendSelectionClause(&msg, reason, tally[r]);
  }
  // Only the paid/free split left nothing: the model name is what to change (to `<id>:free`).
  if (field.empty() && !other_selection && plan.requested_models.size() == 1) {
    field = request.model.empty() ? "models" : "model";
  }
  Status status = Status::NotFound(std::move(msg));
  if (!field.empty()) status.mutable_metadata() = Json{{"field", string(field)}};
  return std::move(status).With("reasons", std::move(reasons));
}

}  // namespace switchyard
