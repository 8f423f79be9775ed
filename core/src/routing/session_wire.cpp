// session_wire.cpp: Session, Lifecycle plus the wire (session.h). Builds each attempt, turns what
// the host reports back (a head, a body, stream bytes, a failure) into client bytes and an
// AttemptOutcome, prices the generation once and keeps its record; Lifecycle decides.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "switchyard/json/json.h"
#include "switchyard/json/json_text.h"
#include "switchyard/routing/session.h"
#include "switchyard/wire/anthropic.h"
#include "switchyard/wire/embeddings.h"
#include "switchyard/wire/responses.h"

namespace switchyard {

namespace {

constexpr size_t kRecordTextBytes = 256;  // the ledger's limit per generation text field


// At most `max` bytes of UTF-8, cut at a character boundary.
std::string ClipUtf8(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xc0) == 0x80) --end;
  return std::string(s.substr(0, end));
}

Json HealthEventToJson(const HealthEvent& e) {
  Json out = {{"endpoint", e.endpoint},
              {"now_ms", e.now_ms},
              {"http_status", e.http_status},
              {"timeout", e.timeout},
              {"connection_error", e.connection_error},
              {"duration_ms", e.duration_ms},
              {"output_tokens", e.output_tokens},
              {"retry_after_ms", e.retry_after_ms}};
  if (e.latency_ms >= 0) out["latency_ms"] = e.latency_ms;
  return out;
}

// The generation's one priced usage (money.h): the endpoint's prices for this prompt size (the
// long-context tier noted), priced once. The client's cost fields and the settlement both come
// from it.
Result<PricedUsage> Price(const Catalog& catalog, const Endpoint& endpoint, bool byok,
                          const Usage& usage, std::string_view finish_reason) {
  CostOptions options;
  options.byok = byok;
  options.finish_reason = finish_reason;
  const Prices& prices = catalog.PricesFor(endpoint, usage.prompt_tokens);
  PricedUsage priced;
  priced.usage = usage;
  for (const PriceTier& t : endpoint.tiers) {
    if (&t.prices == &prices) priced.tier_min_prompt_tokens = t.min_prompt_tokens;
  }
  SY_ASSIGN_OR_RETURN(priced.cost, ComputeCost(usage, prices, options));
  return priced;
}

Json CostFields(const PricedUsage& priced) {
  Json fields = Json::object();
  WriteCostFields(priced.cost, &fields);
  return fields;
}

// A JSON text the core wrote itself, as a value (null if it is not JSON).
Json ParsedOrNull(std::string_view text) {
  Result<Json> j = ParseJson(text);
  return j.ok() ? std::move(*j) : Json();
}

Json ClientError(ClientFormat format, const Status& status) {
  return format == ClientFormat::kAnthropic ? AnthropicErrorBody(status) : ErrorBody(status);
}

}  // namespace

Json ClientErrorBody(ClientFormat format, int http_status, std::string message, Json metadata) {
  if (format == ClientFormat::kAnthropic) {
    Code code = http_status == 400 ? Code::kInvalidArgument
                : http_status == 401 ? Code::kUnauthorized
                : http_status == 402 ? Code::kPaymentRequired
                : http_status == 403 ? Code::kForbidden
                : http_status == 404 ? Code::kNotFound
                : http_status == 408 ? Code::kTimeout
                : http_status == 409 ? Code::kConflict
                : http_status == 413 ? Code::kTooLarge
                : http_status == 429 ? Code::kRateLimited
                : http_status == 503 || http_status == 529 ? Code::kUnavailable
                : http_status >= 500 ? Code::kInternal
                                     : Code::kInvalidArgument;
    return AnthropicErrorBody(Status(code, std::move(message), std::move(metadata)));
  }
  Json error = {{"code", http_status}, {"message", std::move(message)}};
  if (metadata.is_object() && !metadata.empty()) error["metadata"] = std::move(metadata);
  return Json{{"error", std::move(error)}};
}

Result<Json> ClientErrorBodyFromJson(const Json& input) {
  SY_ASSIGN_OR_RETURN(SessionHost host, ParseSessionHost(input));  // reads "format"
  JsonFields f(input);
  int64_t status = 0;
  SY_RETURN_IF_ERROR(f.Required("status"));
  SY_RETURN_IF_ERROR(f.Int("status", 400, 599, &status));  // an HTTP error status
  const Json* metadata = FindObject(input, "metadata");
  return ClientErrorBody(host.client_format, static_cast<int>(status),
                         std::string(FindString(input, "message").value_or("")),
                         metadata ? *metadata : Json());
}

Result<PlannedRequest> PlanRequest(const Catalog& catalog, const Health& health,
                                   const Stickiness* stickiness, const Json* presets, Json input) {
  SY_ASSIGN_OR_RETURN(SessionHost host, ParseSessionHost(input));
  if (host.client_format == ClientFormat::kAnthropic) {
    // A POST /messages body: the planner and the translators take the chat request it maps to.
    auto it = input.find("request");
    if (it != input.end()) {
      SY_ASSIGN_OR_RETURN(Json chat, AnthropicToChat(*it));
      *it = std::move(chat);
    }
  } else if (host.client_format == ClientFormat::kResponses) {
    // A POST /responses body: likewise mapped to chat (the echoed settings ride along).
    auto it = input.find("request");
    if (it != input.end()) {
      SY_ASSIGN_OR_RETURN(Json chat, ResponsesToChat(*it));
      *it = std::move(chat);
    }
  }
  // The session's own fields are not the planner's.
  input.erase("limits");
  input.erase("record");
  input.erase("plan");
  input.erase("settle");
  // POST /embeddings bodies are embeddings requests, planned among embeddings models.
  const RequestKind kind =
      host.client_format == ClientFormat::kEmbeddings ? RequestKind::kEmbeddings : RequestKind::kChat;
  SY_ASSIGN_OR_RETURN(PlanInput parsed, ParsePlanInputJson(std::move(input), presets, kind));
  PlanOptions options;
  options.now_ms = parsed.now_ms;
  options.seed = parsed.seed;
  options.stickiness = stickiness;
  SY_ASSIGN_OR_RETURN(Plan plan, MakePlan(catalog, parsed.request, parsed.context, health, options));
  DefaultSessionHost(parsed, &host);
  return PlannedRequest{std::move(parsed), std::move(host), std::move(plan)};
}

std::string RenderPlanBrief(const Plan& plan) {
  std::string out;
  out.reserve(96 + plan.attempts.size() * 32);
  out += "{\"attempts\":[";
  for (size_t i = 0; i < plan.attempts.size(); ++i) {
    const Attempt& a = plan.attempts[i];
    if (i) out.push_back(',');
    out += "{\"byok\":";
    out += a.byok() ? "true" : "false";
    out += ",\"endpoint\":";
    AppendInt(out, a.endpoint);
    out.push_back('}');
  }
  out += "],\"estimated_prompt_tokens\":";
  AppendInt(out, plan.estimated_prompt_tokens);
  out += ",\"max_tokens\":";
  if (plan.max_tokens) AppendInt(out, *plan.max_tokens);
  else out += "null";
  out += ",\"stream\":";
  out += plan.stream ? "true" : "false";
  out.push_back('}');
  return out;
}

// ---- host input ---------------------------------------------------------------------------------

Result<SessionHost> ParseSessionHost(const Json& input) {
  SessionHost host;
  JsonFields f(input);
  SY_RETURN_IF_ERROR(f.String("generation_id", &host.generation_id, 256));
  SY_RETURN_IF_ERROR(f.String("user_salt", &host.user_salt));
  SY_RETURN_IF_ERROR(f.String("hashed_user", &host.hashed_user));
  SY_RETURN_IF_ERROR(f.Time("created", 0, INT64_MAX, &host.created));
  SY_RETURN_IF_ERROR(f.Bool("browser", &host.browser));
  if (const Json* f = Find(input, "format"); f && !f->is_null()) {
    if (f->is_string() && *f == "openai") {
      host.client_format = ClientFormat::kOpenAI;
    } else if (f->is_string() && *f == "anthropic") {
      host.client_format = ClientFormat::kAnthropic;
    } else if (f->is_string() && *f == "responses") {
      host.client_format = ClientFormat::kResponses;
    } else if (f->is_string() && *f == "embeddings") {
      host.client_format = ClientFormat::kEmbeddings;
    } else {
      return Status::InvalidArgument(
          "format must be \"openai\", \"anthropic\", \"responses\" or \"embeddings\"",
          "format");
    }
  }
  std::string_view plan = "full";
  SY_RETURN_IF_ERROR(f.String("plan", &plan));
  if (plan != "full" && plan != "brief") return f.Error("plan", "must be \"full\" or \"brief\"");
  host.brief_plan = plan == "brief";
  std::string_view settle = "object";
  SY_RETURN_IF_ERROR(f.String("settle", &settle));
  if (settle != "object" && settle != "text") {
    return f.Error("settle", "must be \"object\" or \"text\"");
  }
  host.settle_text = settle == "text";
  SY_RETURN_IF_ERROR(f.Bool("parts", &host.parts));
  if (host.parts) host.settle_text = true;
  if (const Json* l = Find(input, "limits"); l && !l->is_null()) {
    if (!l->is_object()) return FieldTypeError("limits", "an object", *l);
    AttemptLimits& limits = host.limits;
    JsonFields lf(*l, "limits");
    SY_RETURN_IF_ERROR(lf.OnlyKnown(
        {"connect_ms", "first_token_ms", "idle_ms", "total_ms", "max_response_bytes"}));
    SY_RETURN_IF_ERROR(lf.Time("connect_ms", 1, INT64_MAX, &limits.connect_ms));
    SY_RETURN_IF_ERROR(lf.Time("first_token_ms", 1, INT64_MAX, &limits.first_token_ms));
    SY_RETURN_IF_ERROR(lf.Time("idle_ms", 1, INT64_MAX, &limits.idle_ms));
    SY_RETURN_IF_ERROR(lf.Time("total_ms", 1, INT64_MAX, &limits.total_ms));
    SY_RETURN_IF_ERROR(lf.Int("max_response_bytes", 1, INT64_MAX, &limits.max_response_bytes));
  }
  if (const Json* r = Find(input, "record"); r && !r->is_null()) {
    if (!r->is_object()) return FieldTypeError("record", "an object", *r);
    JsonFields rf(*r, "record");
    SY_RETURN_IF_ERROR(
        rf.OnlyKnown({"origin", "http_referer", "app_title", "external_user", "session_id"}));
    for (auto it = r->begin(); it != r->end(); ++it) {
      std::string_view v;
      SY_RETURN_IF_ERROR(rf.String(it.key(), &v));
      if (!v.empty()) host.record.emplace_back(it.key(), ClipUtf8(v, kRecordTextBytes));
    }
  }
  return host;
}

void DefaultSessionHost(const PlanInput& input, SessionHost* host) {
  if (host->generation_id.empty()) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id = "gen-";
    for (int shift = 60; shift >= 0; shift -= 4) id += kHex[(input.seed >> shift) & 0xf];
    host->generation_id = std::move(id);
  }
  if (host->created < 0) host->created = input.now_ms / 1000;
  // The record's user and session are the request's (its `user`; its `session_id`, else the
  // host's x-session-id header), unless the host stated them: the host need not read the body.
  auto recorded = [host](std::string_view field) {
    return std::any_of(host->record.begin(), host->record.end(),
                       [field](const auto& kv) { return kv.first == field; });
  };
  if (!input.request.user.empty() && !recorded("external_user")) {
    host->record.emplace_back("external_user", ClipUtf8(input.request.user, kRecordTextBytes));
  }
  if (!input.request.session_id.empty() && !recorded("session_id")) {
    host->record.emplace_back("session_id", ClipUtf8(input.request.session_id, kRecordTextBytes));
  }
  // What kind of request the record is of (OpenRouter's api_type); a chat is the default.
  if (host->client_format == ClientFormat::kEmbeddings) host->record.emplace_back("api_type", "embeddings");
  if (host->hashed_user.empty() && host->user_salt.empty()) {
    host->user_salt = input.context.account_id;
  }
}

Result<AttemptReport> ParseAttemptReport(const Json& report, int64_t default_now_ms) {
  if (!report.is_object()) return Status::InvalidArgument("an attempt report must be an object");
  AttemptReport out;
  out.now_ms = default_now_ms;
  JsonFields f(report);
  SY_ASSIGN_OR_RETURN(out.now_ms, ReadNowMs(report));
  SY_RETURN_IF_ERROR(f.Time("first_content_ms", 0, INT64_MAX, &out.first_content_ms));
  if (const Json* f = Find(report, "failure"); f && !f->is_null()) {
    if (!f->is_string() || !(*f == "timeout" || *f == "connection" || *f == "too_large" ||
                             *f == "cancelled" || *f == "unavailable")) {
      return Status::InvalidArgument(
          "failure must be \"timeout\", \"connection\", \"too_large\", \"cancelled\" or "
          "\"unavailable\"", "failure");
    }
    out.failure = f->get<std::string>();
    if (const Json* p = Find(report, "phase"); p && !p->is_null()) {
      if (!p->is_string() || !(*p == "head" || *p == "first_token" || *p == "idle" || *p == "total")) {
        return Status::InvalidArgument(
            "phase must be \"head\", \"first_token\", \"idle\" or \"total\"", "phase");
      }
      out.phase = p->get<std::string>();
    }
    if (std::optional<std::string_view> m = FindString(report, "message")) out.message = *m;
    return out;
  }
  if (Find(report, "status") == nullptr) return out;  // a stream's plain end: {"now_ms"}
  int64_t status = 0;
  SY_RETURN_IF_ERROR(f.Int("status", 100, 999, &status));  // an HTTP status
  out.status = static_cast<int>(status);
  const Json* headers = Find(report, "headers");
  if (headers == nullptr || headers->is_null()) return out;
  auto bad = [] {
    return Status::InvalidArgument("headers must be an object of strings or an array of "
                                   "[name, value] string pairs", "headers");
  };
  if (headers->is_object()) {
    for (auto it = headers->begin(); it != headers->end(); ++it) {
      if (!it.value().is_string()) return bad();
      out.headers.emplace_back(it.key(), it.value().get<std::string>());
    }
    return out;
  }
  if (!headers->is_array()) return bad();
  for (const Json& pair : *headers) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      return bad();
    }
    out.headers.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  }
  return out;
}

// ---- Session ------------------------------------------------------------------------------------

struct Session::Impl {
  std::shared_ptr<const Catalog> catalog;
  PlanInput input;
  SessionHost host;
  Plan plan;
  Lifecycle lifecycle;

  // The attempt in progress.
  bool in_attempt = false;
  uint32_t index = 0;
  AttemptSpec spec;
  int64_t attempt_started_ms = 0;
  std::unique_ptr<StreamTranslator> stream;
  int stream_head_status = 0;

  // The generation record.
  Json provider_responses = Json::array();

  // The last failure: what the client gets when no attempt follows.
  int fail_status = 0;
  Json fail_body;  // client format
  int64_t fail_retry_after_ms = 0;

  // The served attempt.
  std::optional<PricedUsage> priced;
  std::string client_body;  // buffered: the answer with its cost fields
  std::string finish_reason, native_finish_reason;
  int64_t latency_ms = -1, generation_time_ms = 0;
  bool cancelled = false;

  bool finished = false;
  std::string bytes;  // stream client bytes of the last call

  Impl(std::shared_ptr<const Catalog> c, PlanInput in, SessionHost h, Plan p, Health* health,
       Stickiness* stickiness)
      : catalog(std::move(c)),
        input(std::move(in)),
        host(std::move(h)),
        plan(std::move(p)),
        lifecycle(plan, health, stickiness, /*keep_observed=*/true) {}

  const Attempt& attempt() const { return plan.attempts[index]; }

  // An embeddings batch is far larger than a chat answer (2048 inputs × 3072 floats is ~130 MB
  // of text): its attempts may read up to kMaxEmbeddingsResponseBytes whatever the host's limit.
  int64_t MaxResponseBytes() const {
    const int64_t l = host.limits.max_response_bytes;
    return host.client_format == ClientFormat::kEmbeddings ? std::max(l, kMaxEmbeddingsResponseBytes) : l;
  }
  const Endpoint& endpoint() const { return catalog->endpoint(attempt().endpoint); }
  const Provider& provider() const { return catalog->provider_of(endpoint()); }

  // The request an attempt sends: as the client wrote it, or its prompt compressed to fit the
  // endpoint's context (request.h "context compression"; kept for the attempts of one context
  // length).
  std::optional<Json> compressed;
  int64_t compressed_for = -1;
  const Json& RequestFor(const Endpoint& e) {
    const Request& r = input.request;
    const int64_t context = e.context_length;
    if (FitContext(r, r.estimated_prompt_tokens + r.max_tokens.value_or(0), context) !=
        ContextFit::kCompressed) {
      return r.raw;  // fits whole (the planner admitted nothing that fits not at all)
    }
    if (compressed_for != context) {
      // Cut to leave the completion its room (max_tokens, else an eighth of the context up to
      // 1,024 tokens), less a tenth for the estimate's error (characters / 4 is no tokenizer).
      const int64_t room = context - r.max_tokens.value_or(std::min<int64_t>(1024, context / 8));
      compressed = CompressToFit(r.raw, room - room / 10);
      compressed_for = context;
    }
    return *compressed;
  }

  // The model an attempt answers as: the free variant is its own catalog entry, and its
  // responses name it (`<id>:free`).
  std::string ModelIdFor(const Attempt& a) const {
    std::string id = catalog->model_of(catalog->endpoint(a.endpoint)).id;
    const auto& models = input.request.models;
    if (a.candidate < models.size() && models[a.candidate].variant == Variant::kFree) id += ":free";
    return id;
  }

  AttemptSpec SpecFor(const Attempt& a) {
    const Endpoint& e = catalog->endpoint(a.endpoint);
    AttemptSpec s = MakeAttemptSpec(*catalog, e, RequestFor(e));
    s.model_id = ModelIdFor(a);
    s.stream = plan.stream;
    s.generation_id = host.generation_id;
    s.created = host.created;
    s.hashed_user = host.hashed_user;
    s.user_salt = host.user_salt;
    s.browser = host.browser;
    s.byok = a.byok();
    s.client_format = host.client_format;
    // A served chat answer is written once, with its cost (Respond); an embeddings batch's
    // translator writes its own body, which Respond extends in place.
    s.client_body = host.client_format == ClientFormat::kEmbeddings;
    return s;
  }

  // The message of a deadline or size failure, from the limits the attempt was given.
  std::string FailureMessage(const AttemptReport& r) const {
    const AttemptLimits& l = host.limits;
    if (r.failure == "timeout") {
      if (r.phase == "head") {
        return plan.stream ? "Provider sent no response head within " + std::to_string(l.connect_ms) + " ms"
                           : "Provider sent no response within " + std::to_string(l.first_token_ms) + " ms";
      }
      if (r.phase == "first_token") {
        return "Provider sent no content within " + std::to_string(l.first_token_ms) + " ms";
      }
      if (r.phase == "idle") return "Provider sent nothing for " + std::to_string(l.idle_ms) + " ms";
      if (r.phase == "total") {
        return "Provider attempt exceeded " + std::to_string(l.total_ms) + " ms";
      }
      return r.message.empty() ? "Provider timed out" : r.message;
    }
    if (r.failure == "too_large") {
      return "Provider response larger than " + std::to_string(MaxResponseBytes()) + " bytes";
    }
    return r.message;
  }

  // A provider's 401/403 on a BYOK attempt is about the user's own key: the message says so.
  void NoteByokRejection(int status, Json* body) const {
    if (!attempt().byok() || (status != 401 && status != 403) || body == nullptr) return;
    auto e = body->find("error");
    if (e == body->end() || !e->is_object()) return;
    std::string message(FindString(*e, "message").value_or("unauthorized"));
    (*e)["message"] = provider().name + " rejected your own API key (BYOK, stored with PUT /api/v1/byok/" +
                      provider().slug + "): " + message;
  }

  void Record(int status, int64_t latency, std::string_view error_type) {
    Json entry = {{"provider_name", provider().name}, {"status", status}, {"latency_ms", latency}};
    if (!error_type.empty()) entry["error_type"] = std::string(error_type);
    provider_responses.push_back(std::move(entry));
  }

  void RememberFailure(int status, Json body, int64_t retry_after_ms) {
    fail_status = status;
    fail_body = std::move(body);
    fail_retry_after_ms = retry_after_ms;
  }

  // Ends the attempt in progress with `o` at now_ms.
  void End(const AttemptOutcome& o, int64_t now_ms) {
    in_attempt = false;
    stream.reset();
    lifecycle.End(index, o, now_ms);
  }

  // An attempt that failed without a usable answer (the wire's AttemptResult).
  void EndFailed(AttemptResult r, int http_status, const AttemptReport& report, bool reached) {
    const int64_t took = report.now_ms - attempt_started_ms;
    AttemptOutcome o;
    o.outcome = r.outcome;
    o.status = r.client_status;
    o.error_type = r.error_type;
    o.model_fallback_eligible = r.model_fallback_eligible;
    o.reached_provider = reached;
    o.http_status = http_status;
    o.timeout = report.failure == "timeout";
    o.connection_error = report.failure == "connection" || report.failure == "too_large";
    o.latency_ms = took;
    o.duration_ms = took;
    o.retry_after_ms = r.retry_after_ms;
    if (reached) Record(r.client_status, took, r.error_type);
    NoteByokRejection(r.client_status, &r.client_json);
    RememberFailure(r.client_status, std::move(r.client_json), r.retry_after_ms);
    End(o, report.now_ms);
  }

  // A report that ends an attempt before any response: no secret (unavailable), a transport
  // failure, or the client leaving.
  void EndWithoutResponse(const AttemptReport& report) {
    if (report.failure == "cancelled") {
      AttemptOutcome o;
      o.cancelled = true;
      cancelled = true;
      End(o, report.now_ms);
      return;
    }
    if (report.failure == "unavailable") {
      Status s = Status(Code::kUnauthorized, report.message.empty()
                                                 ? "no key is available for " + provider().name
                                                 : report.message)
                     .With("provider_name", provider().name)
                     .With("error_type", "authentication")
                     .With("byok", attempt().byok());
      AttemptOutcome o;
      o.status = 401;
      o.reached_provider = false;
      RememberFailure(401, ClientError(host.client_format, s), 0);
      End(o, report.now_ms);
      return;
    }
    const std::string_view kind = report.failure == "timeout" ? "timeout" : "connection";
    EndFailed(TransportFailure(spec, kind, FailureMessage(report)), 0, report, true);
  }

  // The ledger's settle command for the served attempt (session.h, Next), as JSON text with its
  // members in key order, as Dump writes a DOM: {"byok","endpoint","finish_reason"?,
  // "generation":{..the record..},"id","priced":PricedUsageToJson's}. Written straight out:
  // building it as a DOM (sixteen amounts, ten usage counts, the record) cost more than the rest
  // of the request's last step. Only for a served, priced request. "priced" is money's text form
  // (AppendPricedUsageJson); session_text_test checks it against PricedUsageToJson.
  void AppendSettlement(std::string& out) const {
    const Attempt& a = plan.attempts[*lifecycle.served()];
    const Endpoint& e = catalog->endpoint(a.endpoint);
    // The record's fields (the host's, and api_type: none has the name of a field below) go in
    // among them in key order; of a key given twice, the last.
    std::vector<const std::pair<std::string, std::string>*> record;  // in key order
    for (const auto& field : host.record) {
      size_t at = 0;
      while (at < record.size() && record[at]->first < field.first) ++at;
      if (at < record.size() && record[at]->first == field.first) {
        record[at] = &field;
      } else {
        record.insert(record.begin() + static_cast<std::ptrdiff_t>(at), &field);
      }
    }
    JsonObjectText top(out);
    top.Bool("byok", a.byok());
    top.Int("endpoint", a.endpoint);
    if (!finish_reason.empty()) top.String("finish_reason", finish_reason);
    JsonObjectText g = top.Object("generation");
    size_t next_record = 0;
    // The record's fields that sort before `key` (all that are left, for no key).
    auto record_before = [&](std::optional<std::string_view> key) {
      for (; next_record < record.size(); ++next_record) {
        const auto& [name, value] = *record[next_record];
        if (key && !(name < *key)) break;
        g.String(name, value);
      }
    };
    record_before("cancelled");
    g.Bool("cancelled", cancelled);
    if (!finish_reason.empty()) {
      record_before("finish_reason");
      g.String("finish_reason", finish_reason);
    }
    record_before("generation_time_ms");
    g.Int("generation_time_ms", generation_time_ms);
    if (latency_ms >= 0) {
      record_before("latency_ms");
      g.Int("latency_ms", latency_ms);
    }
    record_before("model");
    g.String("model", ModelIdFor(a));
    if (!native_finish_reason.empty()) {
      record_before("native_finish_reason");
      g.String("native_finish_reason", native_finish_reason);
    }
    record_before("provider_name");
    g.String("provider_name", catalog->provider_of(e).name);
    record_before("provider_responses");
    provider_responses.DumpTo(g.Key("provider_responses"));
    record_before("streamed");
    g.Bool("streamed", plan.stream);
    record_before(std::nullopt);
    g.Close();
    top.String("id", host.generation_id);
    AppendPricedUsageJson(top.Key("priced"), *priced);
    top.Close();
  }

  // The failure the client gets when no attempt is left.
  std::pair<int, Json> FinalFailure() const {
    int status = fail_status >= 400 ? fail_status : 503;
    if (fail_body.is_object()) return {status, fail_body};
    Status s(Code::kUnavailable, "no provider could serve the request");
    return {status, ClientError(host.client_format, s)};
  }

  // A committed stream's in-band error: an Anthropic error event, or a chunk with `error` and
  // finish_reason "error" followed by [DONE].
  std::string InBandError() const {
    auto [status, body] = FinalFailure();
    if (host.client_format == ClientFormat::kAnthropic) {
      Json e = body;
      if (FindString(body, "type").value_or("") != "error") {
        const Json* err = FindObject(body, "error");
        std::string message(err ? FindString(*err, "message").value_or("provider error") : "provider error");
        e = AnthropicErrorBody(Status(Code::kUnavailable, message));
      }
      return "event: error\ndata: " + Dump(e) + "\n\n";
    }
    if (host.client_format == ClientFormat::kResponses) {
      // Nothing of the answer was sent: a Responses `error` event (its own fields, and the
      // error object that SDKs raise).
      const Json* err = FindObject(body, "error");
      std::string message(err ? FindString(*err, "message").value_or("provider error")
                              : "provider error");
      std::string code = status == 429 ? "rate_limit_exceeded" : "server_error";
      Json e = {{"type", "error"},
                {"sequence_number", 0},
                {"code", code},
                {"message", message},
                {"param", nullptr},
                {"error", {{"type", code}, {"code", status}, {"message", message}, {"param", nullptr}}}};
      return "event: error\ndata: " + Dump(e) + "\n\n";
    }
    const Json* err = FindObject(body, "error");
    Json error = {{"code", status}, {"message", "provider error"}};
    if (err != nullptr) {
      if (const Json* c = Find(*err, "code")) error["code"] = *c;
      if (std::optional<std::string_view> m = FindString(*err, "message")) error["message"] = std::string(*m);
    }
    const Json* meta = err ? FindObject(*err, "metadata") : nullptr;
    error["metadata"] = meta ? *meta : Json{{"error_type", "server"}};
    Json chunk = {{"id", host.generation_id},
                  {"object", "chat.completion.chunk"},
                  {"created", host.created},
                  {"model", plan.requested_model},
                  {"choices", Json::array({Json{{"index", 0},
                                                {"delta", {{"content", ""}}},
                                                {"finish_reason", "error"},
                                                {"native_finish_reason", nullptr}}})},
                  {"error", std::move(error)}};
    return "data: " + Dump(chunk) + "\n\ndata: [DONE]\n\n";
  }
};

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

const Plan& Session::plan() const { return impl_->plan; }

Result<std::unique_ptr<Session>> Session::Create(std::shared_ptr<const Catalog> catalog,
                                                 Health* health, Stickiness* stickiness,
                                                 PlannedRequest planned) {
  if (catalog == nullptr) return Status::Internal("a session needs a catalog");
  auto impl = std::make_unique<Impl>(std::move(catalog), std::move(planned.input),
                                     std::move(planned.host), std::move(planned.plan), health,
                                     stickiness);
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

namespace {

// Session::Next and NextText: the step as a DOM, except an attempt and the last step of a served
// request, which are written straight into *text as JSON (the Json returned is then null):
// building them as a DOM (the upstream body, the settle command) cost more than the rest of the
// step.
// Parts (SessionHost::parts): the value of the "parts" member, listing them in the order their
// bytes follow the step's JSON.
void AppendPartsList(std::string& out, std::initializer_list<std::pair<const char*, size_t>> parts) {
  out += '[';
  bool first = true;
  for (const auto& [field, bytes] : parts) {
    if (!first) out += ',';
    first = false;
    out += "{\"bytes\":";
    AppendInt(out, static_cast<int64_t>(bytes));
    out += ",\"field\":\"";
    out += field;
    out += "\"}";
  }
  out += ']';
}

// `parts`: the host asked for them and reads the step as text (NextText).
Result<Json> NextStep(Session::Impl& s, int64_t now_ms, bool committed, bool parts,
                      std::string* text) {
  auto observed = [&] {
    Json out = Json::array();
    for (const HealthEvent& e : s.lifecycle.TakeObserved()) out.push_back(HealthEventToJson(e));
    return out;
  };
  if (s.in_attempt) {
    return Status::InvalidArgument("attempt " + std::to_string(s.index) +
                                   " has not been reported (sy_session_respond or the stream's finish)");
  }
  while (!s.finished) {
    std::optional<uint32_t> next = s.lifecycle.Next();
    if (!next) break;
    s.index = *next;
    s.spec = s.SpecFor(s.attempt());
    Result<UpstreamRequest> request = BuildUpstreamRequest(s.spec);
    if (!request.ok()) {
      // The request cannot be expressed in this endpoint's format: no call, the next attempt.
      AttemptOutcome o;
      o.status = request.status().http_status();
      o.reached_provider = false;
      s.RememberFailure(o.status, ClientError(s.host.client_format, request.status()), 0);
      s.lifecycle.End(s.index, o, now_ms);
      continue;
    }
    s.lifecycle.Start(s.index, now_ms);
    s.in_attempt = true;
    s.attempt_started_ms = now_ms;
    const AttemptLimits& l = s.host.limits;
    const Provider& p = s.provider();
    // Written straight out, members in key order (as Dump writes a DOM): the upstream body is
    // quoted once into the step, not copied into a DOM and dumped. {"byok","index","limits":
    // {"first_byte_ms","head_ms","idle_ms","max_response_bytes","total_ms"},"model","observed",
    // "provider","provider_name","request":UpstreamRequestToJson's,"step":"attempt","stream"}.
    std::string& out = *text;
    out.reserve(request->body.size() + (parts ? 0 : request->body.size() / 4) + 512);
    JsonObjectText step(out);
    step.Bool("byok", s.attempt().byok());
    step.Int("index", s.index);
    JsonObjectText limits = step.Object("limits");
    limits.Int("first_byte_ms", l.first_token_ms);
    limits.Int("head_ms", s.plan.stream ? l.connect_ms : l.first_token_ms);
    limits.Int("idle_ms", l.idle_ms);
    limits.Int("max_response_bytes", s.MaxResponseBytes());
    limits.Int("total_ms", l.total_ms);
    limits.Close();
    step.String("model", s.spec.model_id);
    observed().DumpTo(step.Key("observed"));
    if (parts) AppendPartsList(step.Key("parts"), {{"request.body", request->body.size()}});
    step.String("provider", p.slug);
    step.String("provider_name", p.name);
    AppendUpstreamRequestJson(step.Key("request"), *request, /*with_body=*/!parts);
    step.String("step", "attempt");
    step.Bool("stream", s.plan.stream);
    step.Close();
    if (parts) (out += '\n') += request->body;
    return Json();
  }
  s.finished = true;
  if (s.lifecycle.served() && !s.priced) {
    // The client left before any answer: nothing to send it, nothing to settle.
    Status gone(Code::kTimeout, "the client closed the request");
    return Json{{"step", s.plan.stream ? "end" : "respond"},
                {"status", 499},
                {"headers", {{"content-type", "application/json"}}},
                {"body", Dump(ClientError(s.host.client_format, gone))},
                {"tail", ""},
                {"settle", nullptr},
                {"observed", observed()}};
  }
  if (s.lifecycle.served()) {
    // Written straight out, members in key order (as Dump writes a DOM); with parts, the client
    // body and the settle command follow the JSON as bytes instead of "body" and "settle".
    std::string& out = *text;
    std::string command;
    if (s.host.settle_text) s.AppendSettlement(command);
    const bool body_part = parts && !s.plan.stream;
    // A large body part with room after it (an embeddings batch: its translator leaves some) is
    // not copied: the step is written around it, its JSON moved in front.
    const size_t room = s.client_body.capacity() - s.client_body.size();
    const bool in_place = body_part && s.client_body.size() >= (size_t{1} << 20) &&
                          room >= command.size() + 2048;
    out.reserve((s.plan.stream || in_place ? 0 : s.client_body.size() + (parts ? 0 : s.client_body.size() / 4)) +
                command.size() + (parts ? 0 : command.size() / 4) + 2048);
    out += '{';
    if (!s.plan.stream && !parts) {
      out += "\"body\":";
      AppendQuoted(out, s.client_body);
      out += ',';
    }
    // With the command as text, "charged" beside it (it sorts before "headers" and "observed").
    if (s.host.settle_text) {
      out += "\"charged\":";
      AppendQuoted(out, FormatUsd(s.priced->cost.charged));
      out += ',';
    }
    if (!s.plan.stream) out += "\"headers\":{\"content-type\":\"application/json\"},";
    out += "\"observed\":";
    observed().DumpTo(out);
    if (body_part) {
      out += ",\"parts\":";
      AppendPartsList(out, {{"body", s.client_body.size()}, {"settle", command.size()}});
    } else if (parts) {
      out += ",\"parts\":";
      AppendPartsList(out, {{"settle", command.size()}});
    } else {
      out += ",\"settle\":";
      if (s.host.settle_text) {
        AppendQuoted(out, command);
      } else {
        s.AppendSettlement(out);
      }
    }
    out += s.plan.stream ? ",\"step\":\"end\",\"tail\":\"\"}" : ",\"status\":200,\"step\":\"respond\"}";
    if (parts) {
      out += '\n';
      if (in_place && out.size() + command.size() <= room) {
        std::string head = std::move(out);
        out = std::move(s.client_body);
        out.insert(0, head);  // within its capacity: moved along, not reallocated
      } else if (body_part) {
        out += s.client_body;
      }
      out += command;
    }
    return Json();
  }
  if (s.plan.stream && committed) {
    return Json{{"step", "end"}, {"tail", s.InBandError()}, {"settle", nullptr}, {"observed", observed()}};
  }
  auto [status, body] = s.FinalFailure();
  Json headers = {{"content-type", "application/json"}};
  if (status == 429 && s.fail_retry_after_ms > 0) {
    headers["retry-after"] = std::to_string((s.fail_retry_after_ms + 999) / 1000);
  }
  return Json{{"step", "respond"},
              {"status", status},
              {"headers", std::move(headers)},
              {"body", Dump(body)},
              {"settle", nullptr},
              {"observed", observed()}};
}

}  // namespace

Result<Json> Session::Next(int64_t now_ms, bool committed) {
  std::string text;
  SY_ASSIGN_OR_RETURN(Json step, NextStep(*impl_, now_ms, committed, /*parts=*/false, &text));
  if (text.empty()) return step;
  return ParseJson(text, JsonLimits{SIZE_MAX, 512, true}, "session step");  // our own text
}

Result<std::string> Session::NextText(int64_t now_ms, bool committed) {
  std::string text;
  SY_ASSIGN_OR_RETURN(Json step, NextStep(*impl_, now_ms, committed, impl_->host.parts, &text));
  if (text.empty()) text = Dump(step);
  return text;
}

Result<Json> Session::Respond(const AttemptReport& report, std::string_view body) {
  Impl& s = *impl_;
  if (!s.in_attempt || s.stream) {
    return Status::InvalidArgument("no buffered attempt is waiting for its response");
  }
  if (!report.failure.empty()) {
    s.EndWithoutResponse(report);
    return Json{{"outcome", report.failure == "cancelled" ? "cancelled" : "retry"}};
  }
  if (report.status == 0) return Status::InvalidArgument("status is required", "status");
  AttemptResult r = TranslateResponse(s.spec, report.status, report.headers, body, report.now_ms);
  if (r.outcome != Outcome::kDone) {
    const char* name = OutcomeName(r.outcome);
    s.EndFailed(std::move(r), report.status, report, true);
    return Json{{"outcome", name}};
  }
  Result<PricedUsage> priced =
      Price(*s.catalog, s.endpoint(), s.attempt().byok(), r.usage, r.finish_reason);
  if (!priced.ok()) return priced.status();
  const int64_t took = report.now_ms - s.attempt_started_ms;
  const Json cost = CostFields(*priced);
  if (s.host.client_format == ClientFormat::kEmbeddings) {
    // A batch can be ~100 MB of text: moved and extended in place, never copied.
    s.client_body = std::move(r.client_body);
    MergeEmbeddingsCost(&s.client_body, &cost);
  } else {
    s.client_body = RenderClientBody(std::move(r), &cost);  // the answer, written once
  }
  s.priced = std::move(*priced);
  s.finish_reason = r.finish_reason;
  s.native_finish_reason = r.native_finish_reason;
  s.latency_ms = took;
  s.generation_time_ms = 0;
  s.Record(200, took, "");
  AttemptOutcome o;
  o.outcome = Outcome::kDone;
  o.status = 200;
  o.http_status = report.status;
  o.latency_ms = took;
  o.duration_ms = took;
  o.output_tokens = r.usage.completion_tokens;
  o.retry_after_ms = r.retry_after_ms;
  s.End(o, report.now_ms);
  return Json{{"outcome", "done"}};
}

Status Session::OpenStream(const AttemptReport& report) {
  Impl& s = *impl_;
  if (!s.in_attempt || s.stream) return Status::InvalidArgument("no attempt is waiting for a stream");
  if (!report.failure.empty()) {
    s.EndWithoutResponse(report);
    return Status::Ok();
  }
  if (report.status == 0) return Status::InvalidArgument("status is required", "status");
  Result<std::unique_ptr<StreamTranslator>> t =
      StreamTranslator::Open(s.spec, report.status, report.headers, report.now_ms);
  if (!t.ok()) return t.status();
  s.stream = std::move(*t);
  s.stream_head_status = report.status;
  return Status::Ok();
}

Result<std::string_view> Session::Feed(std::string_view bytes) {
  Impl& s = *impl_;
  if (!s.stream) return Status::InvalidArgument("no stream is open");
  return s.stream->Feed(bytes);
}

bool Session::StreamEnded() const {
  const Impl& s = *impl_;
  // Ended: failed or finished, or the provider signalled its complete answer ([DONE],
  // message_stop, a Gemini finish) — a connection it then holds open has nothing more to give.
  return !s.stream || s.stream->summary().terminated || s.stream->summary().upstream_done;
}

Result<std::string_view> Session::FinishStream(const AttemptReport& report) {
  Impl& s = *impl_;
  if (!s.stream) return Status::InvalidArgument("no stream is open");
  if (report.failure == "unavailable") {
    return Status::InvalidArgument("a stream that opened cannot end unavailable", "failure");
  }
  StreamTranslator& t = *s.stream;
  // A cut after the provider signalled its complete answer is a normal end (a provider holding
  // the connection open past [DONE] until a deadline): the client gets its cost chunk and Health
  // hears a success.
  const bool aborted = !report.failure.empty() && !(t.summary().upstream_done &&
                                                    report.failure != "cancelled");
  const Endpoint& endpoint = s.endpoint();
  const bool byok = s.attempt().byok();
  // The final usage chunk carries the cost, so the usage is priced first; CloseInput processes
  // a last event without a trailing blank line so the usage is final. An aborted stream sends
  // the client no cost chunk; its usage is priced after Finish (which settles what was
  // generated) for the settlement alone.
  Json cost;
  if (!aborted) {
    t.CloseInput();
    Result<PricedUsage> priced =
        Price(*s.catalog, endpoint, byok, t.summary().usage, t.summary().finish_reason);
    if (!priced.ok()) return priced.status();
    cost = CostFields(*priced);
    s.priced = std::move(*priced);
  }
  std::string_view tail = t.Finish(aborted, report.failure == "timeout" ? "timeout" : "connection",
                                   cost.is_object() ? &cost : nullptr);
  s.bytes.assign(tail.data(), tail.size());
  const StreamSummary& summary = t.summary();
  if (aborted) {
    Result<PricedUsage> priced =
        Price(*s.catalog, endpoint, byok, summary.usage, summary.finish_reason);
    if (priced.ok()) s.priced = std::move(*priced);
  }

  const std::string_view cut = aborted ? std::string_view(report.failure) : std::string_view();
  const int64_t now = report.now_ms;
  const int64_t started = s.attempt_started_ms;
  int64_t first = report.first_content_ms;
  if (first < 0 && !s.bytes.empty()) first = now;  // the tail is the first content
  const bool cancelled = cut == "cancelled";
  const bool done = summary.outcome == Outcome::kDone;
  const bool failed = !done && !cancelled;
  // What the router decided: served (200), or the status and type the failure was mapped to,
  // also when the upstream said 200 (an error event, garbage, a cut or a stalled stream).
  const int recorded = !failed ? 200
                       : summary.error_status ? summary.error_status
                       : s.stream_head_status >= 400 ? s.stream_head_status : 502;
  std::string error_type;
  if (failed) {
    error_type = !summary.error_type.empty() ? summary.error_type
                 : cut == "timeout" ? "timeout"
                 : aborted ? "connection_error" : "";
  }
  s.Record(recorded, first >= 0 ? first - started : now - started, error_type);

  AttemptOutcome o;
  o.outcome = summary.outcome;
  o.status = summary.error_status ? summary.error_status : (done ? 200 : recorded);
  o.error_type = error_type;
  o.model_fallback_eligible = summary.model_fallback_eligible;
  o.client_saw_content = summary.first_byte_emitted;
  o.cancelled = cancelled;
  o.http_status = s.stream_head_status;
  o.timeout = cut == "timeout";
  o.connection_error = cut == "connection" || cut == "too_large";
  o.latency_ms = first >= 0 ? first - started : -1;
  o.duration_ms = now - started;
  o.output_tokens = summary.usage.completion_tokens;
  o.retry_after_ms = summary.retry_after_ms;

  if (done || summary.first_byte_emitted || cancelled) {
    s.finish_reason = summary.finish_reason;
    s.native_finish_reason = summary.native_finish_reason;
    s.latency_ms = first >= 0 ? first - s.input.now_ms : -1;
    s.generation_time_ms = first >= 0 ? now - first : 0;
    s.cancelled = cancelled;
  } else {
    Json body = summary.error_body.empty() ? ErrorBody(summary.error)
                                           : ParsedOrNull(summary.error_body);
    if (cut == "timeout" || cut == "too_large") {
      // The deadline or cap the host enforced, in words (the translator only knows it was cut).
      if (auto e = body.find("error"); e != body.end() && e->is_object()) {
        (*e)["message"] = s.FailureMessage(report);
      }
    }
    const int status = summary.error_status ? summary.error_status : s.stream_head_status;
    s.NoteByokRejection(status, &body);
    s.RememberFailure(status, std::move(body), summary.retry_after_ms);
  }
  s.End(o, now);
  return std::string_view(s.bytes);
}

}  // namespace switchyard
