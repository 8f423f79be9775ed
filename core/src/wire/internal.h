// wire/internal.h (wire-internal): what the three wire formats and the stream translator share:
// the per-attempt context, error classification, request helpers (reasoning, parameters, data
// URLs), usage extraction (one function per format, used by both the buffered and the streamed
// path so that both give the same numbers), and the per-format entry points.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/json/json.h"
#include "switchyard/wire/sse.h"
#include "switchyard/wire/wire.h"
#include "switchyard/json/json_tape.h"
#include "switchyard/json/json_text.h"

namespace switchyard::wire {

// What response translation needs from an AttemptSpec, copied so that a stream can outlive the
// request JSON.
struct AttemptContext {
  const Provider* provider = nullptr;
  const Endpoint* endpoint = nullptr;
  WireFormat wire = WireFormat::kOpenAI;
  std::string provider_name;
  std::string model_id;
  std::string generation_id;
  int64_t created = 0;
  ClientFormat client_format = ClientFormat::kOpenAI;
  bool exclude_reasoning = false;  // reasoning.exclude: think, but do not show it
  bool byok = false;
  bool browser = false;
  bool client_body = true;  // AttemptSpec::client_body
  // Streams only: the request's estimated prompt tokens, billed when a stream is cut before the
  // provider reported usage.
  int64_t estimated_prompt_tokens = 0;
  // Responses clients: the request settings the response object echoes (see responses.h).
  Json responses_echo;
};
AttemptContext MakeContext(const AttemptSpec& spec);

// Provider events and bodies are read lax (json_tape.h): a provider may split a character across
// tokens, and the writers repair invalid UTF-8 on output. The root of `text`, or nullopt.
// `fold_depth`: containers at that depth are left off the tape (JsonLimits::fold_depth).
std::optional<JsonView> ReadProviderJson(std::string_view text, JsonTape* tape, int fold_depth = 0);

// ---- errors -----------------------------------------------------------------------------------

// What a provider said went wrong, before classification.
struct ProviderError {
  int status = 0;    // HTTP status, or the status an in-band error implies; 0 unknown
  std::string code;  // provider's error type/code/status string, lower-cased
  std::string message;
  std::string raw;  // the raw body (truncated)
  int64_t retry_after_ms = 0;
  std::string forced_type;  // set when the caller already knows the error_type
};

struct Failure {
  Outcome outcome = Outcome::kRetry;
  Code code = Code::kUpstream;
  std::string error_type;
  std::string message;
  std::string raw;
  int64_t retry_after_ms = 0;
  bool model_fallback_eligible = false;
};

Failure Classify(const AttemptContext& ctx, const ProviderError& error);
// Status with metadata {provider_name, raw, error_type}.
Status FailureStatus(const AttemptContext& ctx, const Failure& failure);
// The body a client of `ctx.client_format` gets for a failure (no byte sent yet).
Json FailureBody(const AttemptContext& ctx, const Failure& failure);
// Reads {"error":{...}} / {"type":"error","error":{...}} / Gemini's error object.
// Returns true when `body` (already parsed) carries an error.
bool ExtractBodyError(const Json& body, ProviderError* out);
// For a non-2xx response: the ProviderError from status, headers and raw body.
ProviderError ErrorFromResponse(int status, const Headers& headers, std::string_view body,
                                int64_t now_ms);
int64_t RetryAfterMs(const Headers& headers, int64_t now_ms);
std::string TruncateRaw(std::string_view raw);

// A translated assistant message in OpenAI's shape: content is the text when any was given, else
// "" (or null beside tool calls); reasoning, reasoning_details and tool_calls only when present.
void SetAssistantMessage(bool any_text, const std::string& text, const std::string& reasoning,
                         Json details, Json tool_calls, Json* message);
// The Anthropic error type for an error_type ("overloaded_error", ...).
const char* AnthropicErrorType(std::string_view error_type);

// ---- requests ---------------------------------------------------------------------------------

struct ReasoningRequest {
  bool enabled = false;   // the client asked for reasoning
  bool disabled = false;  // the client explicitly turned it off (effort none / enabled false)
  std::string effort;     // minimal | low | medium | high | xhigh, or ""
  std::optional<int64_t> max_tokens;
  bool exclude = false;
};
ReasoningRequest ReadReasoning(const Json& request);
// Effort → share of max_tokens spent on thinking (documented in anthropic.h).
double EffortRatio(std::string_view effort);
// The request's completion cap: max_completion_tokens, else max_tokens.
std::optional<int64_t> RequestMaxTokens(const Json& request);
// Whether the endpoint declares support for `param` (an endpoint with no declared parameters
// is treated as supporting everything: unknown is not "no").
bool EndpointSupports(const Endpoint& endpoint, Param param);
// The `user` value to send upstream ("" = none).
std::string UpstreamUser(const AttemptSpec& spec);

// data:[<mediatype>][;base64],<data> → media type and payload (still base64). False otherwise.
bool ParseDataUrl(std::string_view url, std::string* media_type, std::string* data);
// Text of a content value: a string, or the text parts of a parts array joined with "".
std::string ContentText(const Json& content);

// The OpenAI body is written straight to text (no copy of the request tree): the common path.
Status BuildOpenAIBody(const AttemptSpec& spec, std::string* body);
Result<Json> BuildAnthropicBody(const AttemptSpec& spec);
Result<Json> BuildGeminiBody(const AttemptSpec& spec);
Result<Json> BuildResponsesBody(const AttemptSpec& spec);  // responses_upstream.cpp
// reasoning_effort for an OpenAI endpoint (chat or Responses), or "" to send none.
std::string OpenAIEffort(const ReasoningRequest& reasoning, std::optional<int64_t> max_tokens);

// ---- buffered responses -----------------------------------------------------------------------

// A successful provider answer in OpenAI's client shape.
struct Completion {
  Json message = Json::object();  // {role, content, reasoning?, reasoning_details?, tool_calls?}
  std::string finish_reason;      // normalised
  std::string native_finish_reason;
  Usage usage;
};

// Each returns false (and fills `error`) when the body is not a usable answer. `body` was
// already checked for an in-band error.
bool ParseOpenAIResponse(const AttemptContext& ctx, const Json& body, JsonView view,
                         Completion* out, ProviderError* error);
bool ParseAnthropicResponse(const AttemptContext& ctx, const Json& body, JsonView view,
                            Completion* out, ProviderError* error);
bool ParseGeminiResponse(const AttemptContext& ctx, const Json& body, JsonView view,
                         Completion* out, ProviderError* error);
bool ParseResponsesResponse(const AttemptContext& ctx, const Json& body, JsonView view,
                            Completion* out, ProviderError* error);

AttemptResult TranslateWithContext(const AttemptContext& ctx, int http_status,
                                   const Headers& headers, std::string_view body, int64_t now_ms);
// The client JSON for a completion (OpenAI chat.completion or Anthropic message).
Json RenderCompletion(const AttemptContext& ctx, const Completion& completion);

// ---- usage, finish reasons --------------------------------------------------------------------

Usage OpenAIUsage(JsonView usage);
// Anthropic usage objects: message_start's full one, then message_delta's cumulative updates.
void ApplyAnthropicUsage(JsonView usage, Usage* out);
Usage GeminiUsage(JsonView usage_metadata);
// A Responses `usage` object (input_tokens, input_tokens_details.cached_tokens, output_tokens,
// output_tokens_details.reasoning_tokens): the buffered response's and response.completed's.
Usage ResponsesUsage(JsonView usage);

std::string_view NormalizeOpenAIFinish(std::string_view native);
std::string_view AnthropicStopToFinish(std::string_view stop_reason);
std::string_view GeminiFinishToFinish(std::string_view finish_reason, bool has_tool_calls);
// finish_reason (+ native) → Anthropic stop_reason.
std::string_view FinishToAnthropicStop(std::string_view finish, std::string_view native);

// A deterministic id for a tool call the provider gave none (Gemini).
std::string SyntheticToolCallId(std::string_view generation_id, int index);

// ---- streaming --------------------------------------------------------------------------------

class ResponsesStream;  // responses_internal.h: the Responses client's event sequence

// Turns normalised stream events into client bytes (OpenAI chunks or Anthropic events). Strings
// are passed *raw* (JSON-escaped, no quotes) and copied as they are.
class ClientWriter {
 public:
  ClientWriter(const AttemptContext& ctx, StreamSummary* summary);
  ~ClientWriter();

  void Content(std::string_view raw);
  void Refusal(std::string_view raw);
  // Reasoning text; `format` non-empty adds a reasoning_details entry of that format.
  void Reasoning(std::string_view raw, std::string_view format);
  void ReasoningSignature(std::string_view raw_signature, std::string_view format);
  void ReasoningEncrypted(std::string_view raw_data, std::string_view format);
  // OpenAI pass-through: an upstream reasoning_details array as it came.
  void RawReasoningDetails(std::string_view raw_array);
  // A new tool call (`raw_args` may be empty) and later argument fragments.
  void ToolCallStart(int index, std::string_view raw_id, std::string_view raw_name,
                     std::string_view raw_args);
  void ToolCallArgs(int index, std::string_view raw_args);
  void Finish(std::string_view finish, std::string_view raw_native);
  // End of a good stream: pending block stops, usage chunk (cost merged), [DONE] / message_stop.
  void Close(const Json* cost);
  // In-band error after the first byte.
  void Error(const Failure& failure);

  bool tool_calls_seen() const { return tool_calls_seen_; }
  bool finished() const { return finished_; }
  bool emitted() const { return emitted_; }
  // Bytes of generated text, reasoning and tool-call names/arguments sent so far (JSON-escaped).
  int64_t output_chars() const { return output_chars_; }
  std::string& out() { return out_; }

 private:
  void Begin();      // first byte: Anthropic message_start
  void ChunkOpen();  // "data: {...,"delta":{"role":"assistant"
  void ChunkClose(std::string_view finish, std::string_view raw_native);
  void AnthropicBlock(int kind, std::string_view start_json);
  void AnthropicStopBlock();
  void AnthropicDelta(std::string_view delta_json_prefix, std::string_view raw,
                      std::string_view suffix);

  const AttemptContext& ctx_;
  StreamSummary* summary_;
  std::string out_;
  std::string prefix_;    // OpenAI chunk prefix up to and including "delta":{
  std::string scratch_;   // the chunk head {"id",...,"created":N, (usage/error chunks)
  std::string scratch2_;  // Anthropic block starts with embedded strings
  bool emitted_ = false;
  bool finished_ = false;
  bool tool_calls_seen_ = false;
  int64_t output_chars_ = 0;
  int reasoning_index_ = -1;   // reasoning_details index (one per thinking block)
  bool in_reasoning_ = false;  // inside a thinking block that has not been signed yet
  // Anthropic client state.
  int open_kind_ = 0;  // 0 none, 1 text, 2 thinking, 3 tool_use
  int open_block_ = -1;
  int next_block_ = 0;
  std::vector<int> tool_blocks_;  // tool index → block index (-1 unknown)
  std::unique_ptr<ResponsesStream> responses_;  // Responses clients only
};

// Receives what a decoder found; implemented by the stream translator.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual ClientWriter& writer() = 0;
  virtual StreamSummary& summary() = 0;
  virtual void Fail(ProviderError error) = 0;
};

// An error event inside a stream (any wire format): classified from its body and ends the attempt.
void FailFromStreamError(std::string_view data, StreamSink& sink);

// One per wire format: consumes upstream SSE events.
class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  virtual void OnEvent(const SseEvent& event, StreamSink& sink) = 0;
  // At a clean end of stream: whether the provider's answer was complete.
  virtual bool Complete(const StreamSink& sink) const = 0;
};
std::unique_ptr<StreamDecoder> MakeOpenAIDecoder(const AttemptContext& ctx);
std::unique_ptr<StreamDecoder> MakeAnthropicDecoder(const AttemptContext& ctx);
std::unique_ptr<StreamDecoder> MakeGeminiDecoder(const AttemptContext& ctx);
std::unique_ptr<StreamDecoder> MakeResponsesDecoder(const AttemptContext& ctx);

}  // namespace switchyard::wire
