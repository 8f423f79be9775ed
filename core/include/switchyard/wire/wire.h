// wire/wire.h: one attempt on the wire. The wire module (core/src/wire/) owns every provider
// format (openai.h, anthropic.h, gemini.h), Server-Sent Events (sse.h), stream translation and
// upstream error classification; this header is its entry point.
//
// Builds the upstream HTTP request for a planned attempt in the endpoint's wire format
// (OpenAI-compatible, Anthropic Messages, Google Gemini) and turns the upstream answer, buffered or
// streamed, into the client's format (OpenAI chat completions, or Anthropic Messages for clients of
// POST /messages), with normalised usage and an outcome:
//   done  - the client gets this answer;
//   retry - this provider failed in a way the next attempt may not (5xx, 429, 408, 529, provider
//           401/403, garbage, an error before the first streamed byte): try the next attempt;
//   fail  - the request itself is at fault for this model (400s): stop, or move on to the next
//           model of `models` when `model_fallback_eligible` says so.
//
// The host does only I/O: it sends UpstreamRequest (adding the secret named by `auth`), then feeds
// the response to TranslateResponse (buffered) or a StreamTranslator (streamed) and forwards the
// bytes those return. It never parses provider or client JSON itself.
//
// Ownership: an AttemptSpec borrows the catalog entries and the request; they must outlive every
// call that receives the spec (a StreamTranslator copies what it needs at Open). Results own their
// data. Thread-safety: functions are pure; a StreamTranslator is used by one caller at a time.
//
// Example (buffered):
//   AttemptSpec spec = MakeAttemptSpec(catalog, endpoint, request);
//   spec.generation_id = "gen-123"; spec.created = now_s;
//   SY_ASSIGN_OR_RETURN(UpstreamRequest up, BuildUpstreamRequest(spec));
//   ... host fetch(up.url, up.method, up.headers + secret, up.body) ...
//   AttemptResult r = TranslateResponse(spec, status, headers, body, now_ms);
//   if (r.outcome == Outcome::kRetry) continue;  // next attempt
//   send(r.client_status, RenderClientBody(r, &cost));
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "switchyard/base/status.h"
#include "switchyard/catalog/catalog.h"
#include "switchyard/money/usage.h"

namespace switchyard {

// The format the client spoke and must get back.
enum class ClientFormat : uint8_t {
  kOpenAI,     // POST /chat/completions: chat.completion / chat.completion.chunk
  kAnthropic,  // POST /messages: Anthropic message / Messages stream events
  kResponses,  // POST /responses: OpenAI Responses `response` object / Responses events
  kEmbeddings,  // POST /embeddings: OpenAI's embeddings list, buffered only (embeddings.h)
};

enum class Outcome : uint8_t { kDone, kRetry, kFail };
const char* OutcomeName(Outcome outcome);  // "done" | "retry" | "fail"

// HTTP headers as (name, value) pairs; lookups are case-insensitive.
using Headers = std::vector<std::pair<std::string, std::string>>;
std::optional<std::string_view> FindHeader(const Headers& headers, std::string_view name);

// Everything one attempt needs to know.
struct AttemptSpec {
  const Provider* provider = nullptr;  // required
  const Endpoint* endpoint = nullptr;  // required
  std::string model_id;                // the routed model as the client sees it: "openai/gpt-4o"
  // The validated OpenAI chat request, router extensions still present (for /messages clients:
  // the output of AnthropicToChat).
  const Json* request = nullptr;
  bool stream = false;
  std::string generation_id;  // "gen-..." (the host makes it); the client-visible id
  int64_t created = 0;        // unix seconds, host-given
  // `user` goes upstream only hashed: the host passes the hash here, or a salt (e.g. the account
  // id) for HashUser; with neither, `user` is dropped.
  std::string hashed_user;
  std::string user_salt;
  bool browser = false;  // the call is made from a web page (Anthropic needs an opt-in header)
  bool byok = false;     // the secret is the user's own key (provider 401/403 shown as such)
  ClientFormat client_format = ClientFormat::kOpenAI;
  // Whether a served answer's AttemptResult carries client_body (Dump(client_json)); a host
  // that renders it with the cost fields (RenderClientBody of an rvalue, the Session) says no,
  // so the answer is written once. Failures always carry it.
  bool client_body = true;
};

// Fills provider, endpoint, model_id and request from the catalog; the rest stays default.
inline AttemptSpec MakeAttemptSpec(const Catalog& catalog, const Endpoint& endpoint,
                                   const Json& request) {
  AttemptSpec spec;
  spec.provider = &catalog.provider_of(endpoint);
  spec.endpoint = &endpoint;
  spec.model_id = catalog.model_of(endpoint).id;
  spec.request = &request;
  return spec;
}

// "u_" + the first 32 hex digits of SHA-256(salt + "\n" + user): stable per account, not
// reversible, and different accounts' hashes of the same user do not match.
std::string HashUser(std::string_view user, std::string_view salt);

// ---- request ----------------------------------------------------------------------------------

struct UpstreamAuth {
  std::string header;  // "authorization" | "x-api-key" | "x-goog-api-key"
  std::string prefix;  // "Bearer " or ""
  std::string env;     // the provider's key variable, e.g. "ANTHROPIC_API_KEY"
};

struct UpstreamRequest {
  std::string method;  // "POST"
  std::string url;     // provider base_url + path (+ "?alt=sse" for Gemini streams)
  Headers headers;     // every header except the secret
  std::string body;    // JSON text
  UpstreamAuth auth;
};

// Builds the provider request for this attempt. Errors: kInvalidArgument when the request cannot
// be expressed in the endpoint's format (e.g. no messages); kInternal for a spec without
// provider/endpoint/request.
Result<UpstreamRequest> BuildUpstreamRequest(const AttemptSpec& spec);
// {"method","url","headers":{name:value},"body":"<json text>","auth":{"header","prefix","env"}}
Json UpstreamRequestToJson(const UpstreamRequest& request);
// The same object as JSON text, byte for byte what Dump(UpstreamRequestToJson(request)) writes
// (members and headers in key order; of a header given twice, the last), written straight out:
// the session's attempt step quotes the body once instead of copying it into a DOM and dumping it.
// with_body false: without "body" (a session step whose host takes it as a part).
void AppendUpstreamRequestJson(std::string& out, const UpstreamRequest& request, bool with_body = true);

// ---- buffered response ------------------------------------------------------------------------

struct AttemptResult {
  Outcome outcome = Outcome::kFail;
  int client_status = 502;    // HTTP status for the client: 200 when done
  Json client_json;           // the client body: chat.completion, Anthropic message, or error
  std::string client_body;    // Dump(client_json), without cost fields
  Usage usage;                // normalised; usage.known is false when the provider gave none
  std::string finish_reason;  // stop | length | tool_calls | content_filter | error ("" if none)
  std::string native_finish_reason;  // the provider's own value
  // Not OK unless done: code/message plus metadata {provider_name, raw, error_type}.
  Status error;
  std::string error_type;      // context_length_exceeded, rate_limit_exceeded, ...; "" when done
  int64_t retry_after_ms = 0;  // from retry-after-ms / Retry-After (seconds or HTTP date); 0 none
  bool model_fallback_eligible = false;  // a fail after which the next `models` entry may run
};

// Translates one buffered upstream response. `now_ms` resolves an HTTP-date Retry-After.
AttemptResult TranslateResponse(const AttemptSpec& spec, int http_status, const Headers& headers,
                                std::string_view body, int64_t now_ms);

// An attempt that got no HTTP response: kind "timeout" (408, retry) or anything else, e.g.
// "connection" (502, retry). `message` is shown to the client if it was the last attempt.
AttemptResult TransportFailure(const AttemptSpec& spec, std::string_view kind,
                               std::string_view message);

// How the router classifies a provider's error answer from its HTTP status and error code (the
// provider's error.code / error.type / error.status as written; "" none), with no body to read:
// the outcome, client_status, error_type and model_fallback_eligible that TranslateResponse gives
// a non-2xx answer carrying that code. Pure; for callers that model answers instead of parsing
// them (the simulator), so they classify exactly as the router does.
struct ErrorClassification {
  Outcome outcome = Outcome::kRetry;
  int client_status = 502;
  std::string error_type;
  bool model_fallback_eligible = false;
};
ErrorClassification ClassifyProviderError(int http_status, std::string_view code);

// The client body of `result` with `cost` (the money module's JSON, e.g. {"cost":0.0012,
// "is_byok":false,"cost_details":{...}}) merged into its usage object. Null cost: client_body.
std::string RenderClientBody(const AttemptResult& result, const Json* cost);
// The same, taking the result's client body: the cost is merged into client_json in place (no
// copy of the answer), and a served answer translated without client_body is written here.
std::string RenderClientBody(AttemptResult&& result, const Json* cost);
// {"outcome","status","body":<client json>,"usage":{..},"finish_reason","native_finish_reason",
//  "error":<error body>|null,"error_type","retry_after_ms","model_fallback_eligible"}
Json AttemptResultToJson(AttemptResult result, const Json* cost);  // takes the client body

// ---- usage ------------------------------------------------------------------------------------

// OpenRouter's usage object: prompt_tokens, completion_tokens, total_tokens,
// prompt_tokens_details{cached_tokens, cache_write_tokens}, completion_tokens_details
// {reasoning_tokens}. cache_write_tokens counts 5-minute and 1-hour writes together.
Json RenderUsage(const Usage& usage);
// The lossless field-by-field form is UsageToJson in usage.h.

// ---- streamed response ------------------------------------------------------------------------

struct StreamSummary {
  bool terminated = false;           // no more client bytes will come (finished, or failed)
  Outcome outcome = Outcome::kDone;  // meaningful once terminated
  bool first_byte_emitted = false;   // the client has received bytes: no fallback any more
  bool upstream_done = false;        // the provider signalled a complete answer
  Usage usage;
  std::string finish_reason, native_finish_reason;
  Status error;  // as in AttemptResult
  std::string error_type;
  int64_t retry_after_ms = 0;
  bool model_fallback_eligible = false;
  // When the attempt failed before the first byte: the HTTP status and body to send if this was
  // the last attempt (the documented error shape, or Anthropic's for /messages clients).
  int error_status = 0;
  std::string error_body;
  int64_t upstream_events = 0;  // SSE events received
  int64_t client_events = 0;    // client chunks/events produced
};

// Translates one upstream stream into client SSE bytes.
//
// Contract for the host:
//   auto t = StreamTranslator::Open(spec, status, headers, now_ms);   // response head
//   for each upstream chunk: forward(t->Feed(bytes)); if (t->summary().terminated) break;
//   at end of stream:        t->CloseInput();            // summary().usage is now final
//                            cost = Price(t->summary().usage);
//                            forward(t->Finish(false, "", &cost));
//   on timeout / disconnect: forward(t->Finish(true, "timeout" | "connection", nullptr));
// Nothing is emitted until the provider sends real content (text, reasoning, a tool call or a
// finish), so an error before that ends with outcome retry (or fail) and NO client bytes: the
// host may then try the next attempt, or send summary().error_status/error_body. An error after
// the first byte becomes an in-band error chunk (finish_reason "error") and [DONE].
// The final usage chunk (choices: []) and [DONE] are written by Finish, so the host can price
// summary().usage first and pass the cost in. Returned views stay valid until the next call.
// Finish(aborted=true) after the provider had already signalled the end of its answer is a
// normal end; otherwise it ends the attempt with error_type "timeout" (reason "timeout") or
// "connection_error". Calls after the end return empty views.
class StreamTranslator {
 public:
  static Result<std::unique_ptr<StreamTranslator>> Open(const AttemptSpec& spec, int http_status,
                                                        const Headers& headers, int64_t now_ms);
  ~StreamTranslator();
  StreamTranslator(const StreamTranslator&) = delete;
  StreamTranslator& operator=(const StreamTranslator&) = delete;

  std::string_view Feed(std::string_view bytes);
  // No more upstream bytes: processes a last event that had no trailing blank line (and a
  // buffered JSON body), so summary().usage and finish_reason are final before pricing. Bytes it
  // produces are returned by the following Finish. Finish calls it when the host did not.
  void CloseInput();
  std::string_view Finish(bool aborted, std::string_view reason, const Json* cost);
  const StreamSummary& summary() const;
  // The summary as JSON: {"terminated","outcome","first_byte_emitted","upstream_done","usage":
  // <RenderUsage>,"finish_reason","native_finish_reason","error":<error body>|null,"error_type",
  // "retry_after_ms","model_fallback_eligible","error_status","upstream_events","client_events"}.
  Json SummaryJson() const;

  struct Impl;

 private:
  explicit StreamTranslator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard
