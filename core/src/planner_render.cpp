// Rendering a plan: the plan output JSON of the shared contract, the trace's reasons as text,
// and the 404/503 error when nothing is left. Only this file turns the planner's compact
// structs into strings, so the decision itself stays allocation-light.
#include <string>

#include "planner_internal.h"

namespace switchyard {
namespace {

using std::string;
using std::string_view;

// Integer formatting without std::to_string's temporaries (and identical in every build).
void AppendInt(string* out, int64_t v) {
  char buf[24];
  int n = 0;
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  do {
    buf[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) out->push_back('-');
  while (n) out->push_back(buf[--n]);
}

// 734694 ppm → "73.46%".
void AppendPercent(string* out, uint32_t ppm) {
  AppendInt(out, ppm / 10000);
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

string_view ModelName(const Catalog& catalog, const Plan& plan, uint32_t model, uint8_t candidate) {
  if (model != kNoModel) return catalog.model(model).id;
  return candidate < plan.requested_models.size() ? string_view(plan.requested_models[candidate])
                                                  : string_view();
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
    AppendInt(out, a.order_pos + 1);
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
      AppendInt(out, t.a);
      out->append(" tokens (prompt estimate + max_tokens); context is ");
      AppendInt(out, t.b);
      return;
    case TraceReason::kMaxTokensTooLarge:
      out->append("max_tokens ");
      AppendInt(out, t.a);
      out->append(" above the endpoint's max_completion_tokens ");
      AppendInt(out, t.b);
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
      AppendInt(out, t.b);
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
        AppendInt(out, t.b);
      }
      out->append(" (soft steering)");
      return;
    }
    case TraceReason::kOrderSlow: out->append("deprioritised: misses preferred latency/throughput"); return;
    case TraceReason::kOrderByok: out->append("first: your own provider key (BYOK)"); return;
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
                            {"model", catalog.model(a.model).id},
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

// Appends a JSON string literal the way Dump() writes one (nlohmann: ensure_ascii off, control
// characters escaped, \u00xx in lower-case hex). Strings here are valid UTF-8: catalog text is
// validated on load, request text was parsed by nlohmann, reasons are ours.
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

// Keys in sorted order, as nlohmann's std::map-backed objects serialise them.
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
    AppendInt(&out, a.endpoint);
    out += ",\"index\":";
    AppendInt(&out, static_cast<int64_t>(i));
    out += ",";
    AppendKey(&out, "model");
    AppendQuoted(&out, catalog.model(a.model).id);
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
  AppendInt(&out, plan.estimated_prompt_tokens);
  out += ",\"max_tokens\":";
  if (plan.max_tokens) AppendInt(&out, *plan.max_tokens);
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

Status NoAttemptsError(const Catalog& catalog, const Plan& plan, bool any_model,
                       bool any_requirement) {
  Json reasons = Json::array();
  for (const TraceEntry& t : plan.trace) {
    if (t.decision != TraceDecision::kExcluded) continue;
    Json tag = t.endpoint != kNoEndpoint ? Json(catalog.endpoint(t.endpoint).tag) : Json(nullptr);
    reasons.push_back(Json{{"model", ModelName(catalog, plan, t.model, t.candidate)},
                           {"tag", std::move(tag)},
                           {"reason", DescribeTrace(catalog, plan, t)}});
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
    return Status::NotFound(std::move(msg)).With("reasons", std::move(reasons));
  }
  if (any_requirement) {
    return Status::Unavailable("no endpoint of " + models +
                               " meets the request's routing requirements")
        .With("reasons", std::move(reasons));
  }
  return Status::NotFound("no endpoint of " + models +
                          " is allowed by the provider preferences and account policy")
      .With("reasons", std::move(reasons));
}

}  // namespace switchyard
