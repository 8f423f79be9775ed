// planner.h: the routing module (core/src/routing/) owns the routing decision: this planner, its
// explanation (planner_render.cpp), prompt-cache stickiness (planner_stickiness.cpp) and what
// happens to a planned request next, attempt by attempt (session.h).
//
// Given a validated Request, the caller's policy, the health of every endpoint, the time and a
// seed, the planner returns the ordered attempts to make and a trace explaining every inclusion,
// exclusion and ordering decision (REFERENCE §2–3).
//
// Pure: the same (catalog, request, policy, health, stickiness, now_ms, seed) give the same plan
// in every build, native or wasm (integer weights, a private splitmix64 PRNG, no libm). The
// trace is a vector of small structs; text is made only by RenderPlan / RenderPlanText /
// DescribeTrace, so the decision itself builds no JSON and few strings.
//
// Order of attempts, per model (or across models with sort partition "none"), by precedence:
//   1. BYOK endpoints (the caller's own key) first;
//   2. healthy before degraded (outage, open circuit, Retry-After cooldown);
//   3. the prompt-cache sticky endpoint (unless provider.order is set);
//   4. provider.order position (listed providers first, in that order);
//   5. soft steering: endpoints supporting the request's tools / response_format / large
//      max_tokens, then endpoints meeting preferred latency/throughput;
//   6. sort (price | throughput | latency) when asked (or :floor / :nitro); otherwise, unless
//      provider.order is set, load balancing: the first attempt is a weighted draw (weight ∝
//      1/price², zero prices at kFreePriceFloor) among the endpoints sharing the best rank
//      under 1–5, and every other endpoint follows in ascending price. Price order for the
//      fallbacks (not repeated draws without replacement) because after a failure the cheapest
//      survivor minimises expected cost, the order is easy to read in a trace, and it costs one
//      PRNG draw per model.
//   Ties break by price, then catalog endpoint index.
//
// Which endpoints a model name covers: `<id>` (and `<id>:nitro`, `<id>:floor`) its paid endpoints,
// `<id>:free` its free ones (Endpoint::free), as on OpenRouter, where the free variant is its own
// catalog entry. Paid traffic never lands on a rate-limited free tier that may train on prompts;
// `models: ["<id>", "<id>:free"]` (either order) falls back from one entry to the other, each
// attempt billed at its own endpoint's prices. The rendered plan names a free-variant attempt's
// model `<id>:free`.
//
// Thread-safety: MakePlan is const on everything it reads. Stickiness is not thread-safe; one
// per router handle.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "switchyard/base/status.h"
#include "switchyard/catalog/catalog.h"
#include "switchyard/health/health.h"
#include "switchyard/request/request.h"

namespace switchyard {

// The account/key/guardrail policy (shared JSON contract "policy context").
struct PolicyContext {
  std::string account_id;
  std::optional<std::vector<std::string>> allowed_models;     // nullopt = any
  std::optional<std::vector<std::string>> allowed_providers;  // a ceiling; nullopt = any
  std::vector<std::string> ignored_providers;
  bool zdr = false;
  bool data_collection_deny = false;
  std::vector<std::string> byok_providers;
};
// {"account_id","allowed_models":null|[..],"allowed_providers":null|[..],"ignored_providers":[..],
//  "zdr":bool,"data_collection":"allow"|"deny","byok_providers":[..]}; missing fields default,
// fields it does not know are ignored (hosts may pass more; a caller that must refuse them, like
// the simulator's scenario, checks against kPolicyContextFields). Lists hold at most
// kMaxPolicyList non-empty names.
inline constexpr size_t kMaxPolicyList = 4096;
Result<PolicyContext> ParsePolicyContext(const Json& context);
// Whether the policy alone lets a request of this account reach endpoint `e` (allowed models,
// allowed and ignored providers, zero retention, data collection), the planner's account rules
// without any request preference: GET /models/user lists the entries that have such an endpoint.
bool PolicyAdmits(const Catalog& catalog, const PolicyContext& context, const Endpoint& e);
inline constexpr std::string_view kPolicyContextFields[] = {
    "account_id", "allowed_models", "allowed_providers", "ignored_providers",
    "zdr",        "data_collection", "byok_providers"};

// Prompt-cache stickiness: conversation → the endpoint that last served it, per model.
// Entries expire after kStickyIdleMs without a success; the table holds at most `capacity`
// entries and evicts the least recently used.
inline constexpr int64_t kStickyIdleMs = 10 * 60 * 1000;

class Stickiness {
 public:
  explicit Stickiness(size_t capacity = 8192);

  // The endpoint remembered for (sticky_key, model), if any and not expired at now_ms.
  std::optional<uint32_t> Lookup(std::string_view sticky_key, uint32_t model, int64_t now_ms) const;
  // Call after a successful attempt with the plan's sticky_key. `endpoint` carries the model.
  void RecordSuccess(std::string_view sticky_key, const Endpoint& endpoint, int64_t now_ms);
  void RecordSuccess(std::string_view sticky_key, uint32_t model, uint32_t endpoint, int64_t now_ms);
  size_t size() const { return map_.size(); }
  void Clear();

 private:
  struct Entry {
    uint64_t key;
    uint32_t endpoint;
    int64_t last_ms;
  };
  size_t capacity_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<uint64_t, std::list<Entry>::iterator> map_;
};

// Why an attempt sits where it does (bit flags, rendered as the attempt's `reason`).
enum AttemptFlag : uint16_t {
  kAttemptByok = 1 << 0,
  kAttemptSticky = 1 << 1,
  kAttemptOrdered = 1 << 2,        // named in provider.order
  kAttemptDegraded = 1 << 3,
  kAttemptLoadBalanced = 1 << 4,   // the weighted draw
  kAttemptSorted = 1 << 5,         // placed by sort
  kAttemptPriceFallback = 1 << 6,  // fallback in ascending price
  kAttemptSteeredDown = 1 << 7,    // lacks a capability the request uses (soft)
  kAttemptSlow = 1 << 8,           // misses preferred latency/throughput (soft)
};

struct Attempt {
  uint32_t endpoint = 0;   // catalog endpoint index
  uint32_t model = 0;      // catalog model index
  uint16_t flags = 0;      // AttemptFlag bits
  uint8_t candidate = 0;   // index into Request::models
  int8_t order_pos = -1;   // position in provider.order, -1 when not listed
  uint32_t weight_ppm = 0; // share of the weighted draw (load-balanced attempt only)
  SortBy sort = SortBy::kNone;  // the sort that placed it (kAttemptSorted)
  bool byok() const { return flags & kAttemptByok; }
};

enum class TraceDecision : uint8_t { kIncluded, kExcluded, kOrdered };

enum class TraceReason : uint8_t {
  // model level (endpoint == kNoEndpoint)
  kModelNotFound, kModelNotAllowed, kModelNoEndpoints,
  // endpoint exclusions: selection, which endpoints may serve at all (the catalog entry
  // requested: `<id>` is the paid endpoints, `<id>:free` the free ones; operator, account
  // policy, provider filters) → 404 when nothing is left
  kNotFree,            // a paid endpoint under `<id>:free`
  kFreeVariantOnly,    // a free endpoint under the paid id (or :nitro, :floor): `<id>:free` only
  kDisabled, kNotAllowedByAccount, kIgnoredByAccount, kNotInOnly, kIgnored, kNotInOrder,
  // endpoint exclusions: requirements of the request or the account's data policy → 400 when
  // nothing is left and one of these excluded an endpoint (no exclusion is about availability:
  // degraded endpoints are ordered last, never excluded, so the planner never answers 503)
  kZdr, kDataCollection, kQuantization, kMaxPricePrompt, kMaxPriceCompletion,
  kMaxPriceRequest, kMaxPriceImage, kMissingParameters, kContextTooSmall, kMaxTokensTooLarge,
  // after ordering
  kFallbackDisabled,   // allow_fallbacks:false without order: only the first choice is kept
  // inclusion
  kEligible,
  // ordering (one per group, endpoint == kNoEndpoint unless noted)
  kOrderLoadBalanced,  // endpoint = the draw, a = its weight share in ppm, b = candidates
  kOrderSorted,        // a = SortBy, b = 1 when partition "none" (all models together)
  kOrderProviderOrder,
  kOrderSticky,        // endpoint = sticky endpoint
  kOrderDegraded,      // endpoint = degraded endpoint
  kOrderSteered,       // a = ParamSet bits missing, b = max_tokens when the limit is unknown
  kOrderSlow,          // endpoint misses preferred latency/throughput
  kOrderByok,          // endpoint = BYOK endpoint
  kOrderCompressed,    // endpoint's context holds the request only compressed: a = needed, b = context
};

// Planning constants. Prices are prompt + completion picodollars per token.
inline constexpr Picos kFreePriceFloor = 1000;            // $0.001/M: zero prices still weigh
inline constexpr Picos kMaxPlanningPrice = 10'000'000'000;  // $10,000/M: keeps weights in range
// max_tokens above this prefers endpoints whose max_completion_tokens is known (many providers
// silently cap unknown limits at 4096).
inline constexpr int64_t kLargeMaxTokens = 4096;

inline constexpr uint32_t kNoEndpoint = 0xffffffffu;
inline constexpr uint32_t kNoModel = 0xffffffffu;

struct TraceEntry {
  uint32_t model = kNoModel;      // catalog model index (kNoModel: unknown, see candidate)
  uint32_t endpoint = kNoEndpoint;
  uint8_t candidate = 0;          // index into Plan::requested_models
  TraceDecision decision = TraceDecision::kIncluded;
  TraceReason reason = TraceReason::kEligible;
  int64_t a = 0, b = 0;           // reason details (limits, values, bitsets)
};

struct Plan {
  std::string requested_model;              // `model` as written (or the first of `models`)
  std::vector<std::string> requested_models; // Request::models[].requested, for the trace
  std::vector<Attempt> attempts;
  std::vector<TraceEntry> trace;
  std::string sticky_key;                   // "" when stickiness does not apply
  int64_t estimated_prompt_tokens = 0;
  std::optional<int64_t> max_tokens;
  bool stream = false;
};

struct PlanOptions {
  int64_t now_ms = 0;
  uint64_t seed = 0;
  const Stickiness* stickiness = nullptr;   // nullptr = no stickiness lookups
};

// The routing decision. Errors, all about something the client or the operator controls, so
// never a 503 (which clients retry; availability only orders degraded endpoints last):
//   400: an unsupported variant such as ":exacto" of a known model (openrouter/auto is refused
//        earlier by ParseRequest), or an endpoint that may serve failed a requirement and none
//        is left: max_tokens above its max_completion_tokens, prompt + max_tokens beyond its
//        context, max_price, quantizations, require_parameters, zdr or data_collection (of the
//        request or the account). The message names each such requirement with the closest value
//        an endpoint offers ("max_tokens 99999999 is above the max_completion_tokens of 24
//        endpoints (the largest is 131072)"); metadata.field names the request field when a
//        single one is to blame ("max_tokens", "messages", "provider.max_price.prompt", ...).
//   404: no such model, or the selection rules leave no endpoint: the paid/free split (a paid id
//        whose endpoints are all free names `<id>:free`; `<id>:free` without a free endpoint),
//        disabled here, account policy, provider.only / ignore / order with allow_fallbacks
//        false (metadata.field "model" or "models" when only the split is to blame). Provider
//        slugs in provider.only / provider.order that name nothing in the catalog are quoted in
//        the message (metadata.field "provider.only" / "provider.order").
// Error metadata has `reasons`: [{model, tag, reason}] for every exclusion.
Result<Plan> MakePlan(const Catalog& catalog, const Request& request, const PolicyContext& context,
                      const Health& health, const PlanOptions& options);

// The plan output JSON of the shared contract:
// {"model","attempts":[{index,endpoint,model,provider,provider_name,tag,byok,upstream_model,
//  reason}],"trace":[{model,tag,decision,reason}],"sticky_key":..|null,
//  "estimated_prompt_tokens","max_tokens","stream"}.
Json RenderPlan(const Catalog& catalog, const Plan& plan);
// Exactly Dump(RenderPlan(catalog, plan)), written straight to text without building a JSON
// tree (several times faster): the C ABI's path for sy_router_plan's result buffer.
std::string RenderPlanText(const Catalog& catalog, const Plan& plan);
// One trace entry's reason as text ("excluded: provider.ignore lists \"openai\"").
std::string DescribeTrace(const Catalog& catalog, const Plan& plan, const TraceEntry& entry);

// sy_router_plan's input {"request","context","now_ms","seed","presets"?,"session_id"?}.
struct PlanInput {
  Request request;
  PolicyContext context;
  int64_t now_ms = 0;
  uint64_t seed = 0;
};
// `presets`: the router's presets, used when the input has no "presets" object of its own.
Result<PlanInput> ParsePlanInput(std::string_view text, const Json* presets = nullptr,
                                 const JsonLimits& limits = {});
// `kind`: the request is a chat request (ParseRequestJson) or an embeddings request
// (ParseEmbeddingsRequestJson).
Result<PlanInput> ParsePlanInputJson(Json input, const Json* presets = nullptr,
                                     RequestKind kind = RequestKind::kChat);

}  // namespace switchyard
