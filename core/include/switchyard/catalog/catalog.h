// catalog.h: models, providers and the endpoints that connect them, with exact prices,
// limits, capabilities and data policies. The planner, the wire translators and the ledger all
// read this one structure; nothing else knows where prices come from.
//
// The catalog module (core/src/catalog/) owns this structure, its loading (catalog.cpp, reading
// through the JSON layer's JsonView), overlays and the bodies of GET /models, /providers and
// /models/{id}/endpoints (catalog_render.cpp).
//
// A Catalog is built from the project's catalog JSON (core/data/catalog.json, format in
// core/data/FORMAT.md), either the embedded default or one the host supplies, and can be
// overlaid at run time (custom providers, self-hosted base URLs, price overrides). Once built it
// is immutable except through ApplyOverlay; lookups are O(1) by id.
//
// Indexes are stable: an overlay never moves an existing model, provider or endpoint (the
// health state is keyed by endpoint index); new ones are appended.
//
// Thread-safety: const methods may be called concurrently; ApplyOverlay may not.
//
// Example:
//   SY_ASSIGN_OR_RETURN(Catalog catalog, Catalog::Default());
//   SY_RETURN_IF_ERROR(catalog.ApplyOverlay(overlay));   // e.g. base URLs of the sandbox fleet
//   const Endpoint* e = catalog.FindEndpoint("openai/gpt-4o-mini", "openai");
//   Picos per_token = catalog.PricesFor(*e, prompt_tokens).prompt;
#pragma once

#include <bitset>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "switchyard/base/status.h"
#include "switchyard/money/money.h"

namespace switchyard {

struct EndpointHealth;  // health.h; only RenderEndpoints' callback uses it

// kOpenAIResponses is OpenAI's Responses API (POST /responses), which some OpenAI models are
// served on exclusively; an endpoint can name it while its provider speaks kOpenAI.
enum class WireFormat : uint8_t { kOpenAI, kAnthropic, kGemini, kOpenAIResponses };
const char* WireFormatName(WireFormat wire);  // "openai", "anthropic", "gemini", "openai-responses"
std::optional<WireFormat> ParseWireFormat(std::string_view name);

// Request parameters an endpoint may support; the bit index is the enum value. Unknown names in
// the catalog are kept only in the string list (for rendering), not as bits.
enum class Param : uint8_t {
  kMaxTokens, kTemperature, kTopP, kTopK, kMinP, kTopA, kStop, kSeed, kFrequencyPenalty,
  kPresencePenalty, kRepetitionPenalty, kLogitBias, kLogprobs, kTopLogprobs, kResponseFormat,
  kStructuredOutputs, kTools, kToolChoice, kParallelToolCalls, kReasoning, kIncludeReasoning,
  kWebSearchOptions, kVerbosity, kPrediction,
  kCount
};
using ParamSet = std::bitset<static_cast<size_t>(Param::kCount)>;
const char* ParamName(Param param);                                // "max_tokens", ...
std::optional<Param> ParseParam(std::string_view name);

struct DataPolicy {
  bool training = true;          // conservative default: may train on / collect prompts
  bool retains_prompts = true;
  std::optional<int> retention_days;
  bool zdr = false;              // zero data retention
};

struct Provider {
  uint32_t index = 0;
  std::string slug;              // "anthropic"
  std::string name;              // "Anthropic" (display name, `provider` in responses)
  WireFormat wire = WireFormat::kOpenAI;
  std::string base_url;          // "https://api.anthropic.com/v1", no trailing slash
  std::string api_key_env;       // "ANTHROPIC_API_KEY"
  std::string privacy_policy_url;
  DataPolicy data_policy;
  bool uses_max_completion_tokens = false;  // OpenAI-style `max_completion_tokens`
  bool sandbox = false;          // a sandbox-fleet provider (tests, offline demo)
};

struct Model {
  uint32_t index = 0;
  std::string id;                // "anthropic/claude-sonnet-4"
  std::string canonical_slug;
  std::string name;
  std::string description;
  int64_t created = 0;
  int64_t context_length = 0;
  std::vector<std::string> input_modalities, output_modalities;
  std::string tokenizer;
  std::string instruct_type;     // empty = null
  std::vector<std::string> supported_parameters;
  bool is_moderated = false;
  std::string model_group;       // anthropic | openai | google | xai | other (ZDR grouping)
  std::vector<uint32_t> endpoints;  // indexes into Catalog::endpoints()
};

struct Endpoint {
  uint32_t index = 0;
  uint32_t model = 0;            // index into models()
  uint32_t provider = 0;         // index into providers()
  std::string tag;               // "deepinfra" or "deepinfra/turbo"; matching uses the base slug
  std::string upstream_model;    // the provider's own model id
  int64_t context_length = 0;
  int64_t max_completion_tokens = 0;  // 0 = unknown / up to context
  std::string quantization;      // int4 ... fp32, or "unknown"
  Prices prices;
  std::vector<PriceTier> tiers;  // strictly ascending by min_prompt_tokens (all > 0)
  ParamSet params;
  std::vector<std::string> supported_parameters;
  bool free = false;             // served as `<model id>:free` only, never under the paid id
  DataPolicy data_policy;        // resolved: endpoint override or the provider's policy
  bool enabled = true;           // an overlay may disable an endpoint
  // Disabled except for accounts that hold their own key for its provider (overlay
  // `disable: {"provider", "unless_byok": true}`: a provider the operator has no key for).
  bool byok_only = false;
  // The catalog's per-endpoint `wire`: how this endpoint is called when it differs from its
  // provider's (an OpenAI model served only on the Responses API). nullopt = the provider's.
  std::optional<WireFormat> wire;
};

// The wire format an attempt on `endpoint` speaks: the endpoint's own, else its provider's.
inline WireFormat WireOf(const Provider& provider, const Endpoint& endpoint) {
  return endpoint.wire.value_or(provider.wire);
}

// Filters of GET /models (query string already split by the host; an element may also be a
// comma-separated list, as in `?supported_parameters=tools,seed`).
struct ModelsQuery {
  std::vector<std::string> supported_parameters;  // every one must be supported
  std::vector<std::string> input_modalities;      // every one must be accepted
  std::vector<std::string> output_modalities;     // any one produced; empty = "text"; "all" = any
  std::string category;                            // accepted, not used for filtering yet
  // The host's own rule over enabled endpoints (GET /models/user: the caller's account policy);
  // an entry is listed when one of its endpoints passes. Null: every enabled endpoint.
  std::function<bool(const Endpoint&)> endpoint_filter;
};
// {"supported_parameters":[..]|"a,b","input_modalities":..,"output_modalities":..,"category":".."}
// (lists as arrays of strings or one comma-separated string); errors name the field.
Result<ModelsQuery> ParseModelsQuery(const Json& query);

// Live statistics of one endpoint (by catalog index) for RenderEndpoints; nullopt = no data.
// The catalog holds no health state (the host keeps a Health per isolate); callers pass
//   [&](uint32_t i) { return health.Get(i, now_ms); }
using EndpointStatsFn = std::function<std::optional<EndpointHealth>(uint32_t endpoint_index)>;

class Catalog {
 public:
  // The embedded default catalog (core/data/catalog.json at build time).
  static Result<Catalog> Default();
  static std::string_view DefaultJson();
  // A catalog from its JSON text; every reference and price is validated. FromText is the fast
  // path (no DOM: ~1,300 endpoints load in a few milliseconds); FromJson serialises and reads
  // the text the same way.
  static Result<Catalog> FromText(std::string_view text);
  static Result<Catalog> FromJson(const Json& document);
  // A router's catalog from its config {"catalog": <document>|null, "overlay": {..}|null}: the
  // document (or the embedded default) with the overlay applied. Errors name the field.
  static Result<Catalog> FromConfig(const Json& config);

  // Overlay: {"providers":[{slug, ... partial or new}], "models":[{id, ... partial or new}],
  // "endpoints":[{model, tag, ... partial or new}], "base_urls":{"openai":"http://..."},
  // "prices":[{"model","tag","pricing":{...partial}}], "disable":[{"model","tag"} | {"model"} |
  // {"provider", "unless_byok"?}]}, applied in that order. A provider disabled "unless_byok"
  // stays usable by accounts with their own key for it (PolicyContext::byok_providers); a plain
  // disable of the same endpoint, before or after, wins. An entry naming an existing item changes only the
  // fields it states; a new item needs every field a catalog entry needs. Endpoint entries may
  // carry "enabled": true|false. Atomic: on error (kInvalidArgument naming the path, e.g.
  // "overlay.endpoints[0].pricing.prompt") nothing changes.
  Status ApplyOverlay(const Json& overlay);
  Status ApplyOverlayText(std::string_view overlay_json);  // the same, from JSON text

  const std::vector<Model>& models() const { return models_; }
  const std::vector<Provider>& providers() const { return providers_; }
  const std::vector<Endpoint>& endpoints() const { return endpoints_; }
  const Model& model(uint32_t i) const { return models_[i]; }
  const Provider& provider(uint32_t i) const { return providers_[i]; }
  const Endpoint& endpoint(uint32_t i) const { return endpoints_[i]; }
  const Provider& provider_of(const Endpoint& e) const { return providers_[e.provider]; }
  const Model& model_of(const Endpoint& e) const { return models_[e.model]; }

  // Exact, case-sensitive lookups (ids and slugs are lower-case in the catalog); nullptr when
  // absent. Disabled endpoints are still found (check `enabled`).
  const Model* FindModel(std::string_view id) const;
  const Provider* FindProvider(std::string_view slug) const;
  const Endpoint* FindEndpoint(std::string_view model_id, std::string_view tag) const;

  // The prices that apply to a prompt of `prompt_tokens` tokens: the last tier whose
  // min_prompt_tokens <= prompt_tokens, else the base prices.
  const Prices& PricesFor(const Endpoint& e, int64_t prompt_tokens) const;

  // Response bodies of the models API, shaped like OpenRouter's (prices as USD-per-token
  // decimal strings, formatted exactly from picodollars). Only enabled endpoints are shown. As
  // on OpenRouter a model is two entries: `<id>` over its paid endpoints and `<id>:free` over
  // its free ones ("<name> (free)", zero prices, the context length of its longest free
  // endpoint), each listed when it has an enabled endpoint, exactly what the planner routes
  // each name to. /models lists the newest first (by `created`), a free entry after its paid one.
  Json RenderModels(const ModelsQuery& query) const;                        // GET /models
  // GET /models/{author}/{slug}/endpoints. `model_id` is an id or a canonical slug (the
  // `links.details` of /models uses the latter, as OpenRouter does), either with `:free` for
  // the free entry. Uptime, latency and throughput come from `stats` (null fields without it).
  // kNotFound for unknown models and entries without an enabled endpoint (a paid id whose
  // endpoints are all free names `<id>:free` in the message).
  Result<Json> RenderEndpoints(std::string_view model_id) const;
  Result<Json> RenderEndpoints(std::string_view model_id, const EndpointStatsFn& stats) const;
  // GET /endpoints/zdr: every enabled endpoint with a zero-retention data policy, across all
  // models, each in /models/{id}/endpoints' shape and named by its entry (`<id>` or `<id>:free`).
  Json RenderZdrEndpoints(const EndpointStatsFn& stats) const;
  Json RenderProviders() const;                                             // GET /providers

 private:
  Json RenderEndpoint(const Endpoint& e, const std::string& id, const Model& m,
                      const EndpointStatsFn& stats) const;
  // Prices as the document states them, before defaults: kept so that an overlay changing
  // `prompt` also moves a defaulted cache-read price, and a changed provider data policy
  // reaches endpoints that inherit it.
  struct PriceSpec {
    std::optional<Picos> prompt, completion, cache_read, cache_write, cache_write_1h, reasoning,
        request, image;
  };
  struct EndpointSpec {
    PriceSpec pricing;
    std::vector<std::pair<int64_t, PriceSpec>> tiers;  // (min_prompt_tokens, stated prices)
    std::optional<bool> free, zdr, training;
  };
  // Heterogeneous lookup: FindModel(string_view) allocates nothing.
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Index = std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>>;
  // Endpoints by (model index, tag), also without allocating.
  struct EndpointKey {
    uint32_t model;
    std::string tag;
  };
  struct EndpointKeyView {
    uint32_t model;
    std::string_view tag;
  };
  struct EndpointKeyHash {
    using is_transparent = void;
    size_t operator()(const EndpointKey& k) const {
      return (*this)(EndpointKeyView{k.model, k.tag});
    }
    size_t operator()(const EndpointKeyView& k) const {
      return std::hash<std::string_view>{}(k.tag) * 31u + k.model;
    }
  };
  struct EndpointKeyEq {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return a.model == b.model && std::string_view(a.tag) == std::string_view(b.tag);
    }
  };

  std::vector<Model> models_;
  std::vector<Provider> providers_;
  std::vector<Endpoint> endpoints_;
  std::vector<EndpointSpec> specs_;   // parallel to endpoints_
  Index model_by_id_;
  Index model_by_canonical_slug_;
  Index provider_by_slug_;
  std::unordered_map<EndpointKey, uint32_t, EndpointKeyHash, EndpointKeyEq> endpoint_by_key_;
  friend class CatalogBuilder;
};

// The base provider slug of a tag: "deepinfra/turbo" → "deepinfra".
std::string_view BaseSlug(std::string_view tag);
// Whether a user-supplied provider slug selects this endpoint tag: "deepinfra" matches
// "deepinfra" and "deepinfra/turbo"; "deepinfra/turbo" matches only itself. Case-insensitive.
bool SlugMatches(std::string_view wanted, std::string_view tag);

}  // namespace switchyard
