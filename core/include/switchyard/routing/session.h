// session.h: one request's life, decided in one place.
//
// A request is planned (planner.h) into attempts. What happens next is the lifecycle, and every
// host runs the same one: the worker and the browser router through the C ABI (sy_session_*),
// the simulator through Lifecycle directly.
//
//   Lifecycle  the decisions, over classified outcomes only: which attempt runs next (the plan's
//              order, minus the attempts of a model that failed non-retryably when `models`
//              allows the next model: the skip-model rule), what one attempt's outcome means
//              (served, try the next, give up; never a retry once the client saw content), what
//              Health is told about it (the one classification of an outcome as a health event)
//              and prompt-cache stickiness on success.
//   Session    Lifecycle plus the wire: builds each attempt's upstream request and its phase
//              deadlines, turns the upstream's bytes (buffered or streamed) into client bytes and
//              a classified outcome, prices the generation once (PricedUsage), keeps the
//              generation record (provider_responses, latency, finish reason) and ends with the
//              final client response (or a stream's in-band error) and what to settle.
//
// The seam between them is AttemptOutcome: the wire layer makes one from bytes, the simulator
// draws one, and Lifecycle reads nothing else, so the simulator runs the very decisions the
// router runs.
//
// Pure like the rest of the core: the host passes every time (now_ms) and does the I/O (fetch,
// timers, the secret). Ownership: a Lifecycle borrows its Plan, Health and Stickiness; a Session
// owns its plan and borrows the router's Health and Stickiness, which must outlive it (the C ABI
// keeps the router state alive with the handle). One caller at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/base/status.h"
#include "switchyard/catalog/catalog.h"
#include "switchyard/health/health.h"
#include "switchyard/json/json_value.h"
#include "switchyard/money/money.h"
#include "switchyard/routing/planner.h"
#include "switchyard/wire/wire.h"

namespace switchyard {

// ---- the decisions --------------------------------------------------------------------------

// How one attempt ended, classified. Everything Lifecycle decides reads only this.
struct AttemptOutcome {
  Outcome outcome = Outcome::kRetry;  // done | retry (this provider) | fail (this request)
  int status = 502;                   // the router's status for the attempt: 200 when done
  std::string error_type;             // classified ("rate_limit_exceeded", "timeout", ...); "" done
  bool model_fallback_eligible = false;  // a fail after which the next `models` entry may run
  bool client_saw_content = false;    // streamed content reached the client: no other attempt
  bool cancelled = false;             // the client left during the attempt
  bool reached_provider = true;       // false: no call was made (a BYOK key missing, a request
                                      // the endpoint's format cannot express): Health is not told
  // What Health is told (HealthEventOf):
  int http_status = 0;       // the upstream's HTTP status; 0 when no response arrived
  bool timeout = false;
  bool connection_error = false;
  int64_t latency_ms = -1;   // to the first content (streamed) or the response (buffered)
  int64_t duration_ms = -1;  // the whole attempt
  int64_t output_tokens = 0;
  int64_t retry_after_ms = 0;
};

// What an outcome means for the request.
enum class Verdict : uint8_t {
  kServed,       // the client has its answer (or, cancelled, has left): settle this attempt
  kNextAttempt,  // try Lifecycle::Next()
  kGiveUp,       // no attempt may follow: the last failure is the answer
};
const char* VerdictName(Verdict verdict);  // "served" | "next" | "give_up"

// The health event of an outcome, or nullopt when Health must not hear of it (no call was made,
// or the client left before any content, which says nothing about the provider). A success and
// a stream that delivered content before failing report 200 / 502; a failure reports the
// upstream's status, or the router's mapped status when the upstream said 200 (an error inside a
// 200, garbage, a cut stream).
std::optional<HealthEvent> HealthEventOf(uint32_t endpoint, const AttemptOutcome& outcome,
                                         int64_t now_ms);

class Lifecycle {
 public:
  // `health` and `stickiness` may be null (not told). Borrows all three. `keep_observed`: keep
  // the health events told for TakeObserved (a host that shares health across isolates); the
  // simulator does not, and saves the allocation.
  Lifecycle(const Plan& plan, Health* health, Stickiness* stickiness, bool keep_observed = false);

  // The attempt to run next, or nullopt when the request is over (served, given up, or no
  // attempt left). Skips the attempts of models the skip-model rule removed.
  std::optional<uint32_t> Next();
  // Attempt `index` is being sent now: a half-open endpoint's one trial (health.h).
  void Start(uint32_t index, int64_t now_ms);
  // How attempt `index` ended at now_ms: tells Health, records stickiness on success, decides.
  Verdict End(uint32_t index, const AttemptOutcome& outcome, int64_t now_ms);

  bool over() const { return over_; }
  // The attempt that served the request, when one did.
  std::optional<uint32_t> served() const { return served_; }
  int attempts_made() const { return attempts_made_; }
  // The health events told since the last call (for a host that shares health across isolates).
  std::vector<HealthEvent> TakeObserved();

 private:
  const Plan& plan_;
  Health* health_;
  Stickiness* stickiness_;
  uint32_t next_ = 0;
  bool over_ = false;
  int attempts_made_ = 0;
  std::optional<uint32_t> served_;
  std::vector<uint8_t> skipped_;  // Request::models entries (Attempt::candidate) skipped
  bool keep_observed_;
  std::vector<HealthEvent> observed_;
};

// ---- the wire -------------------------------------------------------------------------------

// Phase deadlines of every attempt, from the host's configuration (ms; bytes).
struct AttemptLimits {
  int64_t connect_ms = 15'000;       // a stream's response head
  int64_t first_token_ms = 60'000;   // a stream's first content; a buffered response's first byte
  int64_t idle_ms = 30'000;          // the longest silence once bytes flow
  int64_t total_ms = 300'000;        // the whole attempt
  int64_t max_response_bytes = 16 * 1024 * 1024;  // a buffered body; a stream before content
};

// What the host tells the session beside the planner's input (sy_router_session's input).
struct SessionHost {
  std::string generation_id;  // the client-visible id; default "gen-" + the seed in hex
  int64_t created = -1;       // unix seconds; default now_ms / 1000
  std::string hashed_user;    // `user` already hashed by the host, or
  std::string user_salt;      // a salt for HashUser; default the context's account_id
  bool browser = false;       // upstream calls are made from a web page
  ClientFormat client_format = ClientFormat::kOpenAI;
  // "plan":"brief": the session's result is RenderPlanBrief's, not the whole plan's (a host that
  // only reserves from it neither renders nor parses the trace, reasons and names).
  bool brief_plan = false;
  // "settle":"text": a served request's last step carries the settle command as JSON text (a
  // string: a host that passes it on, as the worker does to its account object, neither parses
  // nor re-serialises it) and "charged", the amount it charges. Default "object".
  bool settle_text = false;
  // "parts":true: NextText's step carries its large strings as raw bytes after the JSON, not
  // quoted in it — the attempt's upstream body, a served answer's client body, the settle
  // command (parts imply "settle":"text"). The step is `JSON "\n" bytes...`, its JSON listing
  // them in order, `"parts":[{"bytes":N,"field":"request.body"},...]`, each field absent from
  // the JSON (the core writes no raw newline in JSON). The host neither unescapes nor decodes
  // them: it hands the bytes to fetch, the client and its ledger as they are. Session::Next (the
  // DOM) ignores it.
  bool parts = false;
  AttemptLimits limits;
  // Generation record fields the host knows (origin, http_referer, app_title, external_user,
  // session_id): strings, stored as given (at most 256 bytes each, cut at a character).
  std::vector<std::pair<std::string, std::string>> record;
};
// Reads SessionHost from the input object ({"generation_id","created","user_salt","hashed_user",
// "browser","format","plan":"full"|"brief","settle":"object"|"text","parts","limits":{"connect_ms","first_token_ms","idle_ms","total_ms",
// "max_response_bytes"},"record":{..}}; all optional). Errors name the field.
Result<SessionHost> ParseSessionHost(const Json& input);
// Defaults that depend on the parsed input, so the same input gives the same bytes in every
// build: generation_id "gen-" + the seed in hex, created now_ms / 1000, user_salt the context's
// account_id (when no hashed_user is given).
void DefaultSessionHost(const PlanInput& input, SessionHost* host);

// An error body in the client's format for an HTTP status the host chose (its own errors before
// a session exists: authentication, a refused reservation, a bad route): the documented shape
// {"error":{"code":status,"message","metadata"}}, or Anthropic's {"type":"error","error":{"type",
// "message"}} for /messages clients, its type from the status (or metadata.error_type).
Json ClientErrorBody(ClientFormat format, int http_status, std::string message, Json metadata);

// {"format","status","message","metadata"} → ClientErrorBody (sy_router_error's input); status
// 400-599.
Result<Json> ClientErrorBodyFromJson(const Json& input);

// What a host needs of a plan to reserve its worst case, as JSON text: {"attempts":[{"byok",
// "endpoint"}],"estimated_prompt_tokens","max_tokens","stream"}, each value as RenderPlanText
// writes it (keys in the same order: the brief is the whole plan's text with fields left out).
std::string RenderPlanBrief(const Plan& plan);

// One request planned: the planner's input (a /messages body mapped to the chat request it
// means), the host's fields (defaults applied) and the plan.
struct PlannedRequest {
  PlanInput input;
  SessionHost host;
  Plan plan;
};
// Parses a plan/session input ({"request", "context", "now_ms", "seed", "format", "limits",
// "record", ...}) and plans it against `health` and `stickiness` (read only). `presets`: the
// router's, for requests that name one (may be null).
Result<PlannedRequest> PlanRequest(const Catalog& catalog, const Health& health,
                                   const Stickiness* stickiness, const Json* presets, Json input);

// A response head from the host, or an attempt that got none.
//   {"status":N,"headers":{name:value}|[[name,value],..],"now_ms":N}
//   {"failure":"timeout"|"connection"|"too_large"|"cancelled"|"unavailable",
//    "phase":"head"|"first_token"|"idle"|"total" (timeouts), "message":"..", "now_ms":N}
// "unavailable": no call was made (the host has no secret for the attempt: a BYOK key missing
// or unreadable); its message is the client's.
struct AttemptReport {
  int status = 0;
  Headers headers;
  int64_t now_ms = 0;
  std::string failure;   // "" when a head arrived
  std::string phase;
  std::string message;
  int64_t first_content_ms = -1;  // stream end: when the first client content went out
};
Result<AttemptReport> ParseAttemptReport(const Json& report, int64_t default_now_ms);

class Session {
 public:
  // `catalog` is the one the plan indexes; `health`/`stickiness` are the router's.
  static Result<std::unique_ptr<Session>> Create(std::shared_ptr<const Catalog> catalog,
                                                 Health* health, Stickiness* stickiness,
                                                 PlannedRequest planned);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const Plan& plan() const;

  // The next step, at now_ms; `committed`: the host already sent the client a streamed
  // response head (a keep-alive), so a failure must now arrive in-band.
  //   {"step":"attempt","index":i,"provider":"slug","provider_name":"..","model":"..",
  //    "byok":bool,"stream":bool,"request":{"method","url","headers","body","auth"},
  //    "limits":{"head_ms","first_byte_ms","idle_ms","total_ms","max_response_bytes"}}
  //      send it (adding the secret `auth` names); head_ms bounds the response head,
  //      first_byte_ms the first content (a buffered body's first byte), idle_ms a silence once
  //      bytes flow, total_ms the attempt; then report with Respond (buffered) or OpenStream...
  //   {"step":"respond","status":N,"headers":{..},"body":"<text>","settle":<cmd>|null,
  //    "observed":[..]}
  //      the final HTTP response (a buffered answer, or an error before any streamed byte);
  //   {"step":"end","tail":"<client bytes>","settle":<cmd>|null,"observed":[..]}
  //      a stream's end: send `tail` (an in-band error, or nothing) and close.
  // "settle" is the ledger's settle command for the generation ({"id","priced","endpoint",
  // "byok","finish_reason","generation":{..}}), or null when nothing was generated (release
  // the hold); with the host's "settle":"text", the command's JSON text and, beside it,
  // "charged": the amount it charges (its priced.cost.charged). "observed": the health events
  // told since the previous step.
  // Errors: an attempt still waiting for its report (400).
  Result<Json> Next(int64_t now_ms, bool committed);
  // Next's step as JSON text, the same bytes as Dump(Next(..)); an attempt and the last step of a
  // served request are written without building them as a DOM first (what the C ABI returns).
  Result<std::string> NextText(int64_t now_ms, bool committed);

  // A buffered attempt's answer (or failure). {"outcome":"done"|"retry"|"fail"|"cancelled"}.
  Result<Json> Respond(const AttemptReport& report, std::string_view body);
  // A streamed attempt's response head. A failure report ends the attempt at once (as Respond).
  Status OpenStream(const AttemptReport& report);
  // Upstream stream bytes in any split; returns the client bytes to forward (valid until the
  // next call). Errors: no stream is open (400).
  Result<std::string_view> Feed(std::string_view bytes);
  // The stream needs no more upstream bytes: it failed, finished, or the provider signalled its
  // complete answer ([DONE], message_stop, a Gemini finish reason).
  bool StreamEnded() const;
  // End of the upstream stream (report without failure) or its cut (failure timeout /
  // connection / too_large / cancelled); report.first_content_ms says when content first went
  // out. Returns the last client bytes of the attempt.
  Result<std::string_view> FinishStream(const AttemptReport& report);

  struct Impl;

 private:
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard
