// request.h: an OpenAI chat-completions request with OpenRouter's router extensions, parsed from
// untrusted JSON and validated (REFERENCE §2).
//
// The request module (core/src/request/) owns the client's request as the router reads it. The
// planner routes it and the wire translators send it, so it sits below both.
//
// ParseRequest checks size and nesting before parsing, then every field the router or a wire
// translator reads: a bad type or a value out of range is a 400 (Code::kInvalidArgument) whose
// metadata names the offending field ("provider.sort.by", "messages[2].role"); a body over the
// limits is a 413; an unknown preset is a 404. Unknown top-level fields are kept and ignored
// (clients send extras), deprecated fields (`route`, `usage`, `include_reasoning`,
// `max_tokens` beside `max_completion_tokens`) are accepted.
//
// The result keeps the whole JSON (`raw`, after the preset merge) for the wire translators
// (messages, tools, ...) plus the typed fields the planner reads. A Request is a plain value:
// no pointers into the input text, safe to move and to read from several threads.
//
// Example:
//   RequestOptions opts;
//   opts.presets = &presets;              // {"my-preset": {"model": "...", "provider": {...}}}
//   Result<Request> r = ParseRequest(body, opts);
//   if (!r.ok()) return ErrorBody(r.status());
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "switchyard/base/status.h"
#include "switchyard/catalog/catalog.h"
#include "switchyard/json/json.h"
#include "switchyard/money/money.h"

namespace switchyard {

// Limits on untrusted fields (values from REFERENCE §2 where it gives one).
inline constexpr size_t kMaxModels = 16;              // `models` fallback list
inline constexpr size_t kMaxSessionIdChars = 256;
inline constexpr size_t kMaxUserChars = 256;
inline constexpr size_t kMaxMetadataPairs = 16;
inline constexpr size_t kMaxMetadataKeyChars = 64;
inline constexpr size_t kMaxMetadataValueChars = 512;
inline constexpr size_t kMaxProviderList = 64;        // order / only / ignore / quantizations
inline constexpr int64_t kMaxTokensLimit = 100'000'000;

// Token estimate (deterministic, no tokenizer): ceil(characters / 4) of the text of each
// message plus a per-message overhead; each image or other non-text part counts a fixed amount.
inline constexpr int64_t kTokensPerMessage = 4;
inline constexpr int64_t kTokensReplyPriming = 3;
inline constexpr int64_t kTokensPerImage = 765;       // a 1024×1024 image at high detail

enum class ReasoningEffort : uint8_t { kNone, kMinimal, kLow, kMedium, kHigh, kXHigh };
const char* ReasoningEffortName(ReasoningEffort effort);  // "none" ... "xhigh"
std::optional<ReasoningEffort> ParseReasoningEffort(std::string_view name);

// `reasoning: {effort, max_tokens, exclude, enabled}` or the `reasoning_effort` shorthand
// (the object wins when both are given).
struct Reasoning {
  bool present = false;                  // either form was given
  std::optional<ReasoningEffort> effort;
  std::optional<int64_t> max_tokens;
  bool exclude = false;
  std::optional<bool> enabled;
};

enum class SortBy : uint8_t { kNone, kPrice, kThroughput, kLatency };
const char* SortByName(SortBy sort);     // "none", "price", "throughput", "latency"

// Percentile cutoffs of `preferred_max_latency` (seconds in JSON, stored as ms) and
// `preferred_min_throughput` (tokens per second). A bare number sets p50.
struct PercentileCutoffs {
  std::optional<double> p50, p75, p90, p99;
  bool any() const { return p50 || p75 || p90 || p99; }
};

// `provider.max_price`: USD per million tokens (prompt, completion) or per unit (request,
// image) in JSON; stored as picodollars per token / per unit.
struct MaxPrice {
  std::optional<Picos> prompt, completion, request, image;
  bool any() const { return prompt || completion || request || image; }
};

// The `provider` object. Slugs are kept as given (matching is case-insensitive, SlugMatches).
struct ProviderPreferences {
  std::vector<std::string> order;
  bool allow_fallbacks = true;
  bool require_parameters = false;
  bool data_collection_deny = false;    // data_collection: "deny"
  bool zdr = false;
  std::vector<std::string> only;
  std::vector<std::string> ignore;
  std::vector<std::string> quantizations;  // lower-cased
  SortBy sort = SortBy::kNone;
  bool sort_partition_none = false;     // sort: {by, partition: "none"}
  MaxPrice max_price;
  PercentileCutoffs preferred_max_latency_ms;
  PercentileCutoffs preferred_min_throughput;
};

// Model variant suffixes. `:free`, `:nitro` and `:floor` are implemented; any other suffix is
// kOther: the planner uses it only when the whole id (suffix included) is a catalog model, and
// otherwise answers 400 "variant ':exacto' is not supported yet" (`openrouter/auto` and
// `openrouter/free` are rejected by the parser the same way).
enum class Variant : uint8_t { kNone, kFree, kNitro, kFloor, kOther };
const char* VariantName(Variant variant);  // "", "free", "nitro", "floor", "other"

// One model the request may be served by, in fallback order.
struct ModelRef {
  std::string requested;  // as written: "openai/gpt-4o:nitro"
  std::string id;         // without the variant suffix: "openai/gpt-4o"
  std::string suffix;     // "nitro" ("" without one)
  Variant variant = Variant::kNone;
};

enum class ToolChoice : uint8_t { kAbsent, kNone, kAuto, kRequired, kFunction };

// What the request asks for: a chat completion (POST /chat/completions, /messages) or embeddings
// (POST /embeddings). The planner routes each only to models of its kind: a model whose
// output_modalities include "embeddings" serves embeddings requests and nothing else.
enum class RequestKind : uint8_t { kChat, kEmbeddings };
// Context compression (see CompressesFor): asked, refused with `transforms: []`, or the default.
enum class Compression : uint8_t { kDefault, kOn, kOff };

// ---- embeddings (POST /embeddings) --------------------------------------------------------------
// `input`: a string, an array of strings, an array of token ids, or an array of token-id arrays
// (1..kMaxEmbeddingInputs inputs, none empty); `encoding_format` "float" (default) | "base64";
// `dimensions` 1..kMaxEmbeddingDimensions; `stream` must not be true.
inline constexpr size_t kMaxEmbeddingInputs = 2048;
inline constexpr int64_t kMaxEmbeddingDimensions = 65536;
struct EmbeddingsInput {
  size_t count = 0;             // inputs (a single string or token array counts 1)
  bool tokens = false;          // token-id input (the Gemini wire cannot send it)
  bool base64 = false;          // encoding_format "base64"
  std::optional<int64_t> dimensions;
  int64_t largest_input_tokens = 0;  // the estimate of the longest input (the context check)
};

struct Request {
  Json raw;                          // the request JSON after the preset merge

  std::string model;                 // the `model` field as written (may be empty with `models`)
  std::vector<ModelRef> models;      // fallback order: `model` first, then `models`, deduplicated
  std::string preset;                // preset name when one was applied ("" otherwise)

  bool stream = false;
  std::optional<int64_t> max_tokens;     // max_completion_tokens, else max_tokens
  bool has_tools = false;                // non-empty `tools`
  ToolChoice tool_choice = ToolChoice::kAbsent;
  std::string tool_choice_function;      // name when tool_choice is a function
  std::string response_format;           // "" absent, "text", "json_object", "json_schema"
  ParamSet params;                       // parameters used, for require_parameters and steering

  ProviderPreferences provider;
  Reasoning reasoning;

  std::string session_id;            // body `session_id`, else the host's x-session-id header
  std::string user;
  std::vector<std::pair<std::string, std::string>> metadata;  // sorted by key
  std::vector<std::string> transforms;   // "middle-out"
  Compression compression = Compression::kDefault;

  int64_t estimated_prompt_tokens = 0;
  // FNV-1a 64 of the first system/developer message's text and the first other message's text:
  // identifies a conversation for prompt-cache stickiness when there is no session_id.
  uint64_t conversation_hash = 0;

  RequestKind kind = RequestKind::kChat;
  EmbeddingsInput embeddings;  // kEmbeddings only
};

struct RequestOptions {
  JsonLimits limits;                 // size/depth of the body (ParseRequest only)
  // Host-supplied presets: an object {name: preset object}; nullptr = none known. A preset is
  // merged under the request (request fields win; objects merge key by key, arrays replace).
  const Json* presets = nullptr;
  // The x-session-id header, used when the body has no session_id.
  std::string_view session_header;
};

// Parses and validates a request body. Errors: 413 (size/depth), 400 (syntax or a field rule,
// metadata.field names the field), 404 (unknown preset).
Result<Request> ParseRequest(std::string_view body, const RequestOptions& options = {});
// The same from an already parsed document (the host's own or the /messages converter's).
Result<Request> ParseRequestJson(Json body, const RequestOptions& options = {});

// Parses and validates an embeddings request body (POST /embeddings): model/models, input,
// encoding_format, dimensions, user, provider preferences, session_id (the same rules as chat
// where the fields are shared). estimated_prompt_tokens is the estimate over every input (what
// a reservation holds), embeddings.largest_input_tokens the longest input's (what must fit an
// endpoint's context). Errors as ParseRequestJson; stream:true is a 400.
Result<Request> ParseEmbeddingsRequestJson(Json body, const RequestOptions& options = {});
// The token estimate of an embeddings request's `input` (ceil(characters / 4) per text, the
// length of each token array): the usage billed when a provider reports none.
int64_t EstimateEmbeddingsTokens(const Json& request);

// The deterministic prompt-token estimate of a `messages` array (+ `tools` definitions): the sum
// of EstimateMessageTokens over the messages, plus the reply's priming and the tools.
int64_t EstimatePromptTokens(const Json& request);
int64_t EstimateMessageTokens(const Json& message);

// ---- context compression ("middle-out") ------------------------------------------------------
// A prompt longer than an endpoint's context is compressed to fit it rather than refused, when
// the request asks (`transforms: ["middle-out"]`, or the `context-compression` plugin) or, by
// default, for endpoints of at most 8,192 tokens (`transforms: []` turns that off). The planner
// then admits an endpoint whose context holds at least half of what the request needs (prompt
// and max_tokens), ordered after every endpoint of its model that holds the request whole
// (kOrderCompressed); each attempt's upstream body is compressed to its endpoint's context, less
// the completion's room and a tenth for the estimate's error (the session's RequestFor).
inline constexpr int64_t kCompressByDefaultContext = 8192;
// Whether `req` (a chat request) is compressed for an endpoint of `context_length` tokens.
bool CompressesFor(const Request& req, int64_t context_length);
// Whether compression could make a request that needs `needed` tokens (prompt and max_tokens)
// fit `context_length`: it holds at least half of them, and max_tokens leaves the prompt half
// the context.
bool FitsCompressed(const Request& req, int64_t needed, int64_t context_length);
// How a request that needs `needed` tokens fits an endpoint of `context_length` (0: unknown,
// taken to fit): whole, only compressed (CompressesFor and FitsCompressed), or not at all. The
// one rule the planner (admission, order), its refusal and the session's attempts share.
enum class ContextFit : uint8_t { kWhole, kCompressed, kTooLong };
ContextFit FitContext(const Request& req, int64_t needed, int64_t context_length);
// `request` with its prompt cut to at most `budget` tokens (EstimatePromptTokens): leading
// system/developer messages and the last turn are kept; whole messages go from the middle of
// the conversation outwards (an assistant's tool calls with their results, together); if that
// is not enough, the middle of the longest remaining text is cut out (marked "[…]").
Json CompressToFit(const Json& request, int64_t budget);

// 64-bit FNV-1a, the hash used for conversation and sticky keys (stable across builds).
uint64_t Fnv1a64(std::string_view bytes, uint64_t seed = 0xcbf29ce484222325ull);

}  // namespace switchyard
