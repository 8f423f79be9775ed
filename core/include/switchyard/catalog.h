// catalog.h: models, providers and the endpoints that connect them, with exact prices,
// limits, capabilities and data policies. The planner, the wire translators and the ledger all
// read this one structure; nothing else knows where prices come from.
//
// A Catalog is built from the project's catalog JSON (core/data/catalog.json, format in
// core/data/FORMAT.md), either the embedded default or one the host supplies, and can be
// overlaid at run time (custom providers, self-hosted base URLs, price overrides). Once built it
// is immutable except through ApplyOverlay; lookups are O(1) by id.
//
// Thread-safety: const methods may be called concurrently; ApplyOverlay may not.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "switchyard/money.h"
#include "switchyard/status.h"

namespace switchyard {

class Health;

enum class WireFormat : uint8_t { kOpenAI, kAnthropic, kGemini };
const char* WireFormatName(WireFormat wire);                       // "openai", ...
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

// Prices in picodollars: per token for token prices, per unit for request and image.
struct Prices {
  Picos prompt = 0;
  Picos completion = 0;
  Picos cache_read = 0;       // defaults to prompt when the catalog omits it
  Picos cache_write = 0;      // 5-minute cache write; defaults to prompt
  Picos cache_write_1h = 0;   // 1-hour cache write; defaults to cache_write
  Picos reasoning = 0;        // defaults to completion
  Picos request = 0;
  Picos image = 0;
  bool has_cache_read = false;  // the catalog states a cache-read price (prompt caching exists)
};

// Prices that apply when the prompt has at least `min_prompt_tokens` tokens.
struct PriceTier {
  int64_t min_prompt_tokens = 0;
  Prices prices;
};

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
  std::vector<PriceTier> tiers;  // ascending by min_prompt_tokens
  ParamSet params;
  std::vector<std::string> supported_parameters;
  bool free = false;
  DataPolicy data_policy;        // resolved: endpoint override or the provider's policy
  bool enabled = true;           // an overlay may disable an endpoint
};

// Filters of GET /models (query string already split by the host).
struct ModelsQuery {
  std::vector<std::string> supported_parameters;  // every one must be supported
  std::vector<std::string> input_modalities;
  std::vector<std::string> output_modalities;
  std::string category;                            // accepted, not used for filtering yet
};

class Catalog {
 public:
  // The embedded default catalog (core/data/catalog.json at build time).
  static Result<Catalog> Default();
  static std::string_view DefaultJson();
  // A catalog from its JSON document; every reference and price is validated.
  static Result<Catalog> FromJson(const Json& document);
  static Result<Catalog> FromText(std::string_view text);

  // Overlay: {"providers":[{slug, ... partial or new}], "endpoints":[{model, tag, ... partial or
  // new}], "models":[...], "base_urls":{"openai":"http://..."}, "disable":[{"model","tag"}],
  // "prices":[{"model","tag","pricing":{...}}]}. Atomic: on error nothing changes.
  Status ApplyOverlay(const Json& overlay);

  const std::vector<Model>& models() const { return models_; }
  const std::vector<Provider>& providers() const { return providers_; }
  const std::vector<Endpoint>& endpoints() const { return endpoints_; }
  const Model& model(uint32_t i) const { return models_[i]; }
  const Provider& provider(uint32_t i) const { return providers_[i]; }
  const Endpoint& endpoint(uint32_t i) const { return endpoints_[i]; }
  const Provider& provider_of(const Endpoint& e) const { return providers_[e.provider]; }
  const Model& model_of(const Endpoint& e) const { return models_[e.model]; }

  const Model* FindModel(std::string_view id) const;
  const Provider* FindProvider(std::string_view slug) const;
  const Endpoint* FindEndpoint(std::string_view model_id, std::string_view tag) const;

  // The prices that apply to a prompt of `prompt_tokens` tokens (long-context tiers).
  const Prices& PricesFor(const Endpoint& e, int64_t prompt_tokens) const;

  // Response bodies of the models API, shaped like OpenRouter's.
  Json RenderModels(const ModelsQuery& query) const;                        // GET /models
  // GET /models/{author}/{slug}/endpoints; uptime/latency/throughput from `health` when given.
  Result<Json> RenderEndpoints(std::string_view model_id, const Health* health,
                               int64_t now_ms) const;
  Json RenderProviders() const;                                             // GET /providers

 private:
  std::vector<Model> models_;
  std::vector<Provider> providers_;
  std::vector<Endpoint> endpoints_;
  std::unordered_map<std::string, uint32_t> model_by_id_;
  std::unordered_map<std::string, uint32_t> provider_by_slug_;
  Json source_;  // the document it was built from, kept so overlays can rebuild atomically
  friend class CatalogBuilder;
};

// The base provider slug of a tag: "deepinfra/turbo" → "deepinfra".
std::string_view BaseSlug(std::string_view tag);
// Whether a user-supplied provider slug selects this endpoint tag: "deepinfra" matches
// "deepinfra" and "deepinfra/turbo"; "deepinfra/turbo" matches only itself. Case-insensitive.
bool SlugMatches(std::string_view wanted, std::string_view tag);

}  // namespace switchyard
