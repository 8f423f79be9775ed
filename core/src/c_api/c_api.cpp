// c_api.cpp: every extern "C" entry point of c_api.h, in one place (as duckdb-wasm's
// webdb_api.cc). Each one does the same four things: check the handle, parse the host's bytes
// with the core's limits (ParseJson), call the C++ API, and write the body, or ErrorBody(status)
// on failure, into the handle's result buffer, returning the status code. Nothing here decides
// anything about routing, money or wire formats; that all lives in the modules.
//
// No exceptions exist in this build (-fno-exceptions, JSON_NOEXCEPTION): every input is checked
// before nlohmann sees it (Find* lookups, type checks), so malformed input is a 400, never an
// abort. A NULL handle is a host bug: the call returns SY_INVALID_ARGUMENT and explains itself
// in sy_last_error().
#include "switchyard/c_api.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "c_api/handles.h"
#include "switchyard/catalog.h"
#include "switchyard/health.h"
#include "switchyard/json.h"
#include "switchyard/ledger.h"
#include "switchyard/money.h"
#include "switchyard/planner.h"
#include "switchyard/status.h"
#include "switchyard/wire/anthropic.h"
#include "switchyard/wire/wire.h"

using switchyard::Catalog;
using switchyard::Code;
using switchyard::Json;
using switchyard::Result;
using switchyard::Status;
using switchyard::capi::RouterState;

// The C status values are switchyard::Code's; a renumbering must fail to compile.
static_assert(SY_OK == static_cast<int>(Code::kOk));
static_assert(SY_INVALID_ARGUMENT == static_cast<int>(Code::kInvalidArgument));
static_assert(SY_UNAUTHORIZED == static_cast<int>(Code::kUnauthorized));
static_assert(SY_PAYMENT_REQUIRED == static_cast<int>(Code::kPaymentRequired));
static_assert(SY_FORBIDDEN == static_cast<int>(Code::kForbidden));
static_assert(SY_NOT_FOUND == static_cast<int>(Code::kNotFound));
static_assert(SY_TIMEOUT == static_cast<int>(Code::kTimeout));
static_assert(SY_TOO_LARGE == static_cast<int>(Code::kTooLarge));
static_assert(SY_RATE_LIMITED == static_cast<int>(Code::kRateLimited));
static_assert(SY_UPSTREAM == static_cast<int>(Code::kUpstream));
static_assert(SY_UNAVAILABLE == static_cast<int>(Code::kUnavailable));
static_assert(SY_INTERNAL == static_cast<int>(Code::kInternal));
static_assert(SY_CONFLICT == static_cast<int>(Code::kConflict));
static_assert(sizeof(size_t) == sizeof(void*), "the JS binding reads size_t out-params as pointers");

// Shared with the other c_api/*.cpp files (declared in handles.h).
namespace switchyard::capi {

// A ledger snapshot holds an account's keys, reservations and recent generations: it may be
// larger than a request, and is host-produced (the host's own storage), so the size limit is
// wider than ParseJson's default. Depth stays bounded.
constexpr switchyard::JsonLimits kStateLimits{256u << 20, 64};

// The one piece of process-wide state the contract allows: the error of the last failed
// constructor or NULL-handle call (there is no handle to hold it). Read right away.
std::string& LastError() {
  static std::string* error = new std::string();  // never destroyed: no exit-time destructor
  return *error;
}

sy_status_t StatusCode(const Status& status) { return static_cast<sy_status_t>(status.code()); }

// Writes `status` as the documented error body {"error":{"code","message","metadata"}}.
sy_status_t Fail(std::string& out, const Status& status) {
  out = switchyard::Dump(switchyard::ErrorBody(status));
  return StatusCode(status);
}

sy_status_t Succeed(std::string& out, const Json& body) {
  out = switchyard::Dump(body);
  return SY_OK;
}

sy_status_t Reply(std::string& out, const Result<Json>& body) {
  return body.ok() ? Succeed(out, *body) : Fail(out, body.status());
}

sy_status_t NullHandle(const char* function) {
  return Fail(LastError(), Status::InvalidArgument(std::string(function) + ": handle is NULL"));
}

const char* ResultBuffer(const std::string* result, size_t* size) {
  if (result == nullptr) {
    if (size) *size = 0;
    return nullptr;
  }
  if (size) *size = result->size();
  return result->data();
}

// The host's bytes as text. (NULL, 0) is the empty input; (NULL, n > 0) is a host bug.
Result<std::string_view> InputText(const char* data, size_t size, std::string_view what) {
  if (data == nullptr && size != 0) {
    return Status::InvalidArgument(std::string(what) + " pointer is NULL with a non-zero size");
  }
  return std::string_view(data ? data : "", size);
}

// A JSON object from the host; the empty input is {} when `empty_ok`.
Result<Json> ParseObject(const char* data, size_t size, std::string_view what, bool empty_ok) {
  SY_ASSIGN_OR_RETURN(std::string_view text, InputText(data, size, what));
  if (text.empty()) {
    if (empty_ok) return Json::object();
    return Status::InvalidArgument(std::string(what) + " is empty; a JSON object is required");
  }
  SY_ASSIGN_OR_RETURN(Json value, switchyard::ParseJson(text, {}, what));
  if (!value.is_object()) {
    return Status::InvalidArgument(std::string(what) + " must be a JSON object");
  }
  return value;
}

}  // namespace switchyard::capi

namespace {

using switchyard::capi::Fail;
using switchyard::capi::InputText;
using switchyard::capi::kStateLimits;
using switchyard::capi::LastError;
using switchyard::capi::NullHandle;
using switchyard::capi::ParseObject;
using switchyard::capi::Reply;
using switchyard::capi::ResultBuffer;
using switchyard::capi::StatusCode;
using switchyard::capi::Succeed;
using switchyard::ReadBool;
using switchyard::ReadInt;


// Router config {"catalog": <document>|null, "overlay": {...}|null, "presets": {...}|null}.
Result<std::shared_ptr<RouterState>> NewRouterState(const Json& config) {
  auto state = std::make_shared<RouterState>();
  const Json* document = switchyard::Find(config, "catalog");
  if (document == nullptr || document->is_null()) {
    SY_ASSIGN_OR_RETURN(Catalog catalog, Catalog::Default());
    state->catalog = std::make_shared<Catalog>(std::move(catalog));
  } else {
    if (!document->is_object()) {
      return Status::InvalidArgument("catalog must be a catalog document (object) or null",
                                     "catalog");
    }
    SY_ASSIGN_OR_RETURN(Catalog catalog, Catalog::FromJson(*document));
    state->catalog = std::make_shared<Catalog>(std::move(catalog));
  }
  if (const Json* overlay = switchyard::Find(config, "overlay"); overlay && !overlay->is_null()) {
    if (!overlay->is_object()) return Status::InvalidArgument("overlay must be an object", "overlay");
    SY_RETURN_IF_ERROR(state->catalog->ApplyOverlay(*overlay));
  }
  if (const Json* presets = switchyard::Find(config, "presets"); presets && !presets->is_null()) {
    if (!presets->is_object()) return Status::InvalidArgument("presets must be an object", "presets");
    state->presets = *presets;
  }
  return state;
}


using switchyard::Attempt;
Result<const Attempt*> AttemptAt(const sy_plan_t& plan, uint32_t index) {
  if (index >= plan.plan.attempts.size()) {
    return Status::NotFound("attempt " + std::to_string(index) + " does not exist; the plan has " +
                            std::to_string(plan.plan.attempts.size()) + " attempts")
        .With("field", "index");
  }
  return &plan.plan.attempts[index];
}

switchyard::AttemptSpec SpecFor(const sy_plan_t& plan, const Attempt& attempt) {
  const switchyard::Endpoint& endpoint = plan.catalog->endpoint(attempt.endpoint);
  switchyard::AttemptSpec spec =
      switchyard::MakeAttemptSpec(*plan.catalog, endpoint, plan.input.request.raw);
  // The free variant is its own catalog entry: its responses name it (`<id>:free`).
  const auto& models = plan.input.request.models;
  if (attempt.candidate < models.size() &&
      models[attempt.candidate].variant == switchyard::Variant::kFree) {
    spec.model_id += ":free";
  }
  spec.stream = plan.plan.stream;
  spec.generation_id = plan.host.generation_id;
  spec.created = plan.host.created;
  spec.hashed_user = plan.host.hashed_user;
  spec.user_salt = plan.host.user_salt;
  spec.browser = plan.host.browser;
  spec.byok = attempt.byok();
  spec.client_format = plan.host.client_format;
  return spec;
}

// An upstream response head: {"status":N,"headers":{name:value}|[[name,value],..],
// "latency_ms":N,"now_ms":N}, or a transport failure {"transport_error":"timeout"|"connection",
// "message":".."}.
struct ResponseHead {
  int status = 0;
  switchyard::Headers headers;
  int64_t now_ms = 0;
  std::string transport_error;
  std::string message;
};

Status ReadHeaders(const Json& head, switchyard::Headers* out) {
  const Json* headers = switchyard::Find(head, "headers");
  if (headers == nullptr || headers->is_null()) return Status::Ok();
  auto bad = [] {
    return Status::InvalidArgument("headers must be an object of strings or an array of "
                                   "[name, value] string pairs", "headers");
  };
  if (headers->is_object()) {
    for (auto it = headers->begin(); it != headers->end(); ++it) {
      if (!it.value().is_string()) return bad();
      out->emplace_back(it.key(), it.value().get<std::string>());
    }
    return Status::Ok();
  }
  if (!headers->is_array()) return bad();
  for (const Json& pair : *headers) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      return bad();
    }
    out->emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  }
  return Status::Ok();
}

Result<ResponseHead> ReadResponseHead(const Json& head, int64_t plan_now_ms) {
  ResponseHead out;
  out.now_ms = plan_now_ms;
  SY_RETURN_IF_ERROR(ReadInt(head, "now_ms", /*required=*/false, &out.now_ms));
  if (const Json* t = switchyard::Find(head, "transport_error"); t && !t->is_null()) {
    if (!t->is_string() || t->get_ref<const std::string&>().empty()) {
      return Status::InvalidArgument("transport_error must be \"timeout\" or \"connection\"",
                                     "transport_error");
    }
    out.transport_error = t->get<std::string>();
    if (std::optional<std::string_view> m = switchyard::FindString(head, "message")) {
      out.message = std::string(*m);
    }
    return out;
  }
  int64_t status = 0;
  SY_RETURN_IF_ERROR(ReadInt(head, "status", /*required=*/true, &status));
  if (status < 100 || status > 999) {
    return Status::InvalidArgument("status must be an HTTP status (100-999)", "status");
  }
  out.status = static_cast<int>(status);
  SY_RETURN_IF_ERROR(ReadHeaders(head, &out.headers));
  return out;
}

// The generation's one priced usage (money.h): the endpoint's prices for this prompt size (the
// long-context tier noted), priced once. The client's cost fields and the settlement both come
// from it.
Result<switchyard::PricedUsage> Price(const Catalog& catalog, const switchyard::Endpoint& endpoint,
                                      bool byok, const switchyard::Usage& usage,
                                      std::string_view finish_reason) {
  switchyard::CostOptions options;
  options.byok = byok;
  options.finish_reason = finish_reason;
  const switchyard::Prices& prices = catalog.PricesFor(endpoint, usage.prompt_tokens);
  switchyard::PricedUsage priced;
  priced.usage = usage;
  for (const switchyard::PriceTier& t : endpoint.tiers) {
    if (&t.prices == &prices) priced.tier_min_prompt_tokens = t.min_prompt_tokens;
  }
  SY_ASSIGN_OR_RETURN(priced.cost, switchyard::ComputeCost(usage, prices, options));
  return priced;
}

// OpenRouter's cost fields ({"cost","is_byok","cost_details":{..}}) of a priced usage.
Json CostFields(const switchyard::PricedUsage& priced) {
  Json fields = Json::object();
  switchyard::WriteCostFields(priced.cost, &fields);
  return fields;
}

// One request planned: the input parsed (a /messages body mapped to the chat request it means),
// the host's fields read, the plan made against the router's health and stickiness.
struct Planned {
  switchyard::PlanInput input;
  switchyard::SessionHost host;
  switchyard::Plan plan;
};

Result<Planned> PlanRequest(RouterState& state, const char* input, size_t size) {
  SY_ASSIGN_OR_RETURN(Json document, ParseObject(input, size, "plan input", /*empty_ok=*/false));
  SY_ASSIGN_OR_RETURN(switchyard::SessionHost host, switchyard::ParseSessionHost(document));
  if (host.client_format == switchyard::ClientFormat::kAnthropic) {
    // A POST /messages body: the planner and the translators take the chat request it maps to.
    auto it = document.find("request");
    if (it != document.end()) {
      SY_ASSIGN_OR_RETURN(Json chat, switchyard::AnthropicToChat(*it));
      *it = std::move(chat);
    }
  }
  // The session's own fields are not the planner's.
  document.erase("limits");
  document.erase("record");
  const Json* presets = state.presets.is_object() ? &state.presets : nullptr;
  SY_ASSIGN_OR_RETURN(switchyard::PlanInput parsed,
                      switchyard::ParsePlanInputJson(std::move(document), presets));
  switchyard::PlanOptions options;
  options.now_ms = parsed.now_ms;
  options.seed = parsed.seed;
  options.stickiness = &state.stickiness;
  SY_ASSIGN_OR_RETURN(switchyard::Plan plan, switchyard::MakePlan(*state.catalog, parsed.request,
                                                                  parsed.context, state.health,
                                                                  options));
  return Planned{std::move(parsed), std::move(host), std::move(plan)};
}

Result<switchyard::AttemptReport> ReadReport(const char* report, size_t size) {
  SY_ASSIGN_OR_RETURN(Json json, ParseObject(report, size, "attempt report", /*empty_ok=*/true));
  return switchyard::ParseAttemptReport(json, 0);
}

}  // namespace

extern "C" {

// ---- memory and version ------------------------------------------------------------------

uint32_t sy_abi_version(void) { return SY_ABI_VERSION; }

void* sy_alloc(size_t size) {
  // malloc(0) may return NULL, which the host would read as out of memory.
  return std::malloc(size == 0 ? 1 : size);
}

void sy_free(void* ptr) { std::free(ptr); }

const char* sy_last_error(size_t* size) { return ResultBuffer(&LastError(), size); }

// ---- router ------------------------------------------------------------------------------

sy_status_t sy_router_new(const char* config, size_t size, sy_router_t** out) {
  if (out == nullptr) {
    return Fail(LastError(), Status::InvalidArgument("sy_router_new: out is NULL"));
  }
  *out = nullptr;
  Result<Json> parsed = ParseObject(config, size, "router config", /*empty_ok=*/true);
  if (!parsed.ok()) return Fail(LastError(), parsed.status());
  Result<std::shared_ptr<RouterState>> state = NewRouterState(*parsed);
  if (!state.ok()) return Fail(LastError(), state.status());
  sy_router_t* router = new (std::nothrow) sy_router_t();
  if (router == nullptr) return Fail(LastError(), Status::Internal("out of memory"));
  router->state = std::move(*state);
  *out = router;
  return SY_OK;
}

void sy_router_free(sy_router_t* router) { delete router; }

const char* sy_router_result(const sy_router_t* router, size_t* size) {
  return ResultBuffer(router ? &router->result : nullptr, size);
}

sy_status_t sy_router_overlay(sy_router_t* router, const char* overlay, size_t size) {
  if (router == nullptr) return NullHandle("sy_router_overlay");
  Result<Json> parsed = ParseObject(overlay, size, "overlay", /*empty_ok=*/false);
  if (!parsed.ok()) return Fail(router->result, parsed.status());
  RouterState& state = *router->state;
  if (state.catalog.use_count() == 1) {
    // No plan holds this catalog: ApplyOverlay is atomic, so it can change it in place.
    Status status = state.catalog->ApplyOverlay(*parsed);
    if (!status.ok()) return Fail(router->result, status);
  } else {
    // Plans in flight index the current catalog; they keep it, new plans get the new one.
    auto next = std::make_shared<Catalog>(*state.catalog);
    Status status = next->ApplyOverlay(*parsed);
    if (!status.ok()) return Fail(router->result, status);
    state.catalog = std::move(next);
  }
  return Succeed(router->result, Json::object());
}

sy_status_t sy_router_models(sy_router_t* router, const char* query, size_t size) {
  if (router == nullptr) return NullHandle("sy_router_models");
  Result<Json> parsed = ParseObject(query, size, "models query", /*empty_ok=*/true);
  if (!parsed.ok()) return Fail(router->result, parsed.status());
  Result<switchyard::ModelsQuery> q = switchyard::ParseModelsQuery(*parsed);
  if (!q.ok()) return Fail(router->result, q.status());
  return Succeed(router->result, router->state->catalog->RenderModels(*q));
}

sy_status_t sy_router_endpoints(sy_router_t* router, const char* input, size_t size) {
  if (router == nullptr) return NullHandle("sy_router_endpoints");
  Result<Json> parsed = ParseObject(input, size, "endpoints input", /*empty_ok=*/false);
  if (!parsed.ok()) return Fail(router->result, parsed.status());
  std::optional<std::string_view> model = switchyard::FindString(*parsed, "model");
  if (!model) {
    return Fail(router->result, Status::InvalidArgument("model (a string) is required", "model"));
  }
  int64_t now_ms = 0;
  Status status = ReadInt(*parsed, "now_ms", /*required=*/true, &now_ms);
  if (!status.ok()) return Fail(router->result, status);
  const RouterState& state = *router->state;
  const switchyard::Health& health = state.health;
  switchyard::EndpointStatsFn stats = [&health, now_ms](uint32_t endpoint) {
    return std::optional<switchyard::EndpointHealth>(health.Get(endpoint, now_ms));
  };
  return Reply(router->result, state.catalog->RenderEndpoints(*model, stats));
}

sy_status_t sy_router_error(sy_router_t* router, const char* input, size_t size) {
  if (router == nullptr) return NullHandle("sy_router_error");
  Result<Json> in = ParseObject(input, size, "error input", /*empty_ok=*/false);
  if (!in.ok()) return Fail(router->result, in.status());
  Result<switchyard::SessionHost> host = switchyard::ParseSessionHost(*in);  // reads "format"
  int64_t status = 0;
  Status read = host.ok() ? ReadInt(*in, "status", /*required=*/true, &status) : host.status();
  if (read.ok() && (status < 400 || status > 599)) {
    read = Status::InvalidArgument("status must be an HTTP error status (400-599)", "status");
  }
  if (!read.ok()) return Fail(router->result, read);
  const Json* metadata = switchyard::FindObject(*in, "metadata");
  return Succeed(router->result,
                 switchyard::ClientErrorBody(host->client_format, static_cast<int>(status),
                                             std::string(switchyard::FindString(*in, "message").value_or("")),
                                             metadata ? *metadata : Json()));
}

sy_status_t sy_router_providers(sy_router_t* router) {
  if (router == nullptr) return NullHandle("sy_router_providers");
  return Succeed(router->result, router->state->catalog->RenderProviders());
}

sy_status_t sy_router_observe(sy_router_t* router, const char* event, size_t size) {
  if (router == nullptr) return NullHandle("sy_router_observe");
  Result<Json> parsed = ParseObject(event, size, "health event", /*empty_ok=*/false);
  if (!parsed.ok()) return Fail(router->result, parsed.status());
  RouterState& state = *router->state;
  Result<switchyard::HealthEvent> e =
      switchyard::ParseHealthEvent(*parsed, state.catalog->endpoints().size());
  if (!e.ok()) return Fail(router->result, e.status());
  state.health.Observe(*e);
  return Succeed(router->result, Json::object());
}

sy_status_t sy_router_health(sy_router_t* router, const char* input, size_t size) {
  if (router == nullptr) return NullHandle("sy_router_health");
  Result<Json> parsed = ParseObject(input, size, "health input", /*empty_ok=*/false);
  if (!parsed.ok()) return Fail(router->result, parsed.status());
  int64_t now_ms = 0;
  Status status = ReadInt(*parsed, "now_ms", /*required=*/true, &now_ms);
  if (!status.ok()) return Fail(router->result, status);
  return Succeed(router->result, router->state->health.Export(now_ms));
}

sy_status_t sy_router_health_merge(sy_router_t* router, const char* input, size_t size) {
  if (router == nullptr) return NullHandle("sy_router_health_merge");
  Result<Json> parsed = ParseObject(input, size, "health merge input", /*empty_ok=*/false);
  if (!parsed.ok()) return Fail(router->result, parsed.status());
  int64_t now_ms = 0;
  Status status = ReadInt(*parsed, "now_ms", /*required=*/true, &now_ms);
  if (!status.ok()) return Fail(router->result, status);
  const Json* snapshot = switchyard::FindObject(*parsed, "snapshot");
  if (snapshot == nullptr) {
    return Fail(router->result,
                Status::InvalidArgument("snapshot (an object from sy_router_health) is required",
                                        "snapshot"));
  }
  status = router->state->health.Merge(*snapshot, now_ms);
  if (!status.ok()) return Fail(router->result, status);
  return Succeed(router->result, Json::object());
}

// ---- plan ----------------------------------------------------------------------------------

sy_status_t sy_router_plan(sy_router_t* router, const char* input, size_t size, sy_plan_t** out) {
  if (router == nullptr) return NullHandle("sy_router_plan");
  if (out == nullptr) {
    return Fail(router->result, Status::InvalidArgument("sy_router_plan: out is NULL"));
  }
  *out = nullptr;
  Result<Planned> planned = PlanRequest(*router->state, input, size);
  if (!planned.ok()) return Fail(router->result, planned.status());

  sy_plan_t* handle = new (std::nothrow) sy_plan_t();
  if (handle == nullptr) return Fail(router->result, Status::Internal("out of memory"));
  handle->router = router->state;
  handle->catalog = router->state->catalog;
  handle->input = std::move(planned->input);
  handle->host = std::move(planned->host);
  switchyard::DefaultSessionHost(handle->input, &handle->host);
  handle->plan = std::move(planned->plan);
  handle->result = switchyard::RenderPlanText(*handle->catalog, handle->plan);  // == Dump(RenderPlan), ~6x faster
  router->result.clear();
  *out = handle;
  return SY_OK;
}

void sy_plan_free(sy_plan_t* plan) { delete plan; }

const char* sy_plan_result(const sy_plan_t* plan, size_t* size) {
  return ResultBuffer(plan ? &plan->result : nullptr, size);
}

sy_status_t sy_plan_attempt_request(sy_plan_t* plan, uint32_t index) {
  if (plan == nullptr) return NullHandle("sy_plan_attempt_request");
  Result<const Attempt*> attempt = AttemptAt(*plan, index);
  if (!attempt.ok()) return Fail(plan->result, attempt.status());
  switchyard::AttemptSpec spec = SpecFor(*plan, **attempt);
  Result<switchyard::UpstreamRequest> request = switchyard::BuildUpstreamRequest(spec);
  if (!request.ok()) return Fail(plan->result, request.status());
  // The host sends it now: a half-open endpoint's trial (health.h, the breaker rule).
  plan->router->health.NoteAttemptStart((*attempt)->endpoint, plan->input.now_ms);
  return Succeed(plan->result, switchyard::UpstreamRequestToJson(*request));
}

sy_status_t sy_plan_attempt_response(sy_plan_t* plan, uint32_t index, const char* head,
                                     size_t head_size, const char* body, size_t body_size) {
  if (plan == nullptr) return NullHandle("sy_plan_attempt_response");
  Result<const Attempt*> attempt = AttemptAt(*plan, index);
  if (!attempt.ok()) return Fail(plan->result, attempt.status());
  Result<Json> head_json = ParseObject(head, head_size, "response head", /*empty_ok=*/false);
  if (!head_json.ok()) return Fail(plan->result, head_json.status());
  Result<ResponseHead> parsed = ReadResponseHead(*head_json, plan->input.now_ms);
  if (!parsed.ok()) return Fail(plan->result, parsed.status());
  Result<std::string_view> bytes = InputText(body, body_size, "response body");
  if (!bytes.ok()) return Fail(plan->result, bytes.status());

  const Attempt& a = **attempt;
  switchyard::AttemptSpec spec = SpecFor(*plan, a);
  switchyard::AttemptResult result =
      parsed->transport_error.empty()
          ? switchyard::TranslateResponse(spec, parsed->status, parsed->headers, *bytes,
                                          parsed->now_ms)
          : switchyard::TransportFailure(spec, parsed->transport_error, parsed->message);
  if (result.outcome != switchyard::Outcome::kDone) {
    return Succeed(plan->result, switchyard::AttemptResultToJson(std::move(result), nullptr));
  }
  const switchyard::Endpoint& endpoint = plan->catalog->endpoint(a.endpoint);
  Result<switchyard::PricedUsage> priced =
      Price(*plan->catalog, endpoint, a.byok(), result.usage, result.finish_reason);
  if (!priced.ok()) return Fail(plan->result, priced.status());
  if (!plan->plan.sticky_key.empty()) {
    plan->router->stickiness.RecordSuccess(plan->plan.sticky_key, endpoint, parsed->now_ms);
  }
  const Json cost = CostFields(*priced);
  Json out = switchyard::AttemptResultToJson(std::move(result), &cost);
  out["priced"] = switchyard::PricedUsageToJson(*priced);
  return Succeed(plan->result, out);
}

sy_status_t sy_plan_stream_open(sy_plan_t* plan, uint32_t index, const char* head,
                                size_t head_size, sy_stream_t** out) {
  if (plan == nullptr) return NullHandle("sy_plan_stream_open");
  if (out == nullptr) {
    return Fail(plan->result, Status::InvalidArgument("sy_plan_stream_open: out is NULL"));
  }
  *out = nullptr;
  Result<const Attempt*> attempt = AttemptAt(*plan, index);
  if (!attempt.ok()) return Fail(plan->result, attempt.status());
  Result<Json> head_json = ParseObject(head, head_size, "response head", /*empty_ok=*/false);
  if (!head_json.ok()) return Fail(plan->result, head_json.status());
  Result<ResponseHead> parsed = ReadResponseHead(*head_json, plan->input.now_ms);
  if (!parsed.ok()) return Fail(plan->result, parsed.status());
  if (!parsed->transport_error.empty()) {
    return Fail(plan->result,
                Status::InvalidArgument("a stream needs a response head; report transport "
                                        "errors with sy_plan_attempt_response")
                    .With("field", "transport_error"));
  }

  const Attempt& a = **attempt;
  switchyard::AttemptSpec spec = SpecFor(*plan, a);
  Result<std::unique_ptr<switchyard::StreamTranslator>> translator =
      switchyard::StreamTranslator::Open(spec, parsed->status, parsed->headers, parsed->now_ms);
  if (!translator.ok()) return Fail(plan->result, translator.status());

  sy_stream_t* stream = new (std::nothrow) sy_stream_t();
  if (stream == nullptr) return Fail(plan->result, Status::Internal("out of memory"));
  stream->router = plan->router;
  stream->catalog = plan->catalog;
  stream->translator = std::move(*translator);
  stream->endpoint = a.endpoint;
  stream->byok = a.byok();
  stream->sticky_key = plan->plan.sticky_key;
  stream->now_ms = parsed->now_ms;
  plan->result = "{}";
  *out = stream;
  return SY_OK;
}

sy_status_t sy_stream_feed(sy_stream_t* stream, const char* bytes, size_t size) {
  if (stream == nullptr) return NullHandle("sy_stream_feed");
  Result<std::string_view> text = InputText(bytes, size, "stream bytes");
  if (!text.ok()) return Fail(stream->result, text.status());
  if (stream->finished) {
    return Fail(stream->result, Status::InvalidArgument("the stream is finished"));
  }
  std::string_view client = stream->translator->Feed(*text);
  stream->result.assign(client.data(), client.size());
  return SY_OK;
}

sy_status_t sy_stream_finish(sy_stream_t* stream, const char* input, size_t size) {
  if (stream == nullptr) return NullHandle("sy_stream_finish");
  Result<Json> parsed = ParseObject(input, size, "stream finish input", /*empty_ok=*/true);
  if (!parsed.ok()) return Fail(stream->result, parsed.status());
  if (stream->finished) {
    return Fail(stream->result, Status::InvalidArgument("the stream is already finished"));
  }
  bool aborted = false;
  Status status = ReadBool(*parsed, "aborted", &aborted);
  if (!status.ok()) return Fail(stream->result, status);
  std::string reason;
  if (const Json* r = switchyard::Find(*parsed, "reason"); r && !r->is_null()) {
    if (!r->is_string()) {
      return Fail(stream->result, Status::InvalidArgument("reason must be a string", "reason"));
    }
    reason = r->get<std::string>();
  }
  int64_t now_ms = stream->now_ms;
  status = ReadInt(*parsed, "now_ms", /*required=*/false, &now_ms);
  if (!status.ok()) return Fail(stream->result, status);

  // The final usage chunk carries the cost, so the usage is priced first; CloseInput processes a
  // last event without a trailing blank line (or a buffered JSON body) so the usage is final. An
  // aborted stream sends the client no cost chunk; its usage is priced after Finish (which
  // settles what was generated) for the settlement alone.
  if (!aborted) stream->translator->CloseInput();
  const switchyard::Endpoint& endpoint = stream->catalog->endpoint(stream->endpoint);
  Json cost;
  if (!aborted) {
    const switchyard::StreamSummary& summary = stream->translator->summary();
    Result<switchyard::PricedUsage> priced = Price(*stream->catalog, endpoint, stream->byok,
                                                   summary.usage, summary.finish_reason);
    if (!priced.ok()) return Fail(stream->result, priced.status());
    cost = CostFields(*priced);
    stream->priced = std::move(*priced);
  }
  std::string_view client =
      stream->translator->Finish(aborted, reason, cost.is_object() ? &cost : nullptr);
  stream->result.assign(client.data(), client.size());
  stream->finished = true;
  const switchyard::StreamSummary& final_summary = stream->translator->summary();
  if (aborted) {
    Result<switchyard::PricedUsage> priced =
        Price(*stream->catalog, endpoint, stream->byok, final_summary.usage,
              final_summary.finish_reason);
    if (priced.ok()) stream->priced = std::move(*priced);
  }
  if (final_summary.terminated && final_summary.outcome == switchyard::Outcome::kDone &&
      !stream->sticky_key.empty()) {
    stream->router->stickiness.RecordSuccess(stream->sticky_key, endpoint, now_ms);
  }
  return SY_OK;
}

const char* sy_stream_result(const sy_stream_t* stream, size_t* size) {
  return ResultBuffer(stream ? &stream->result : nullptr, size);
}

sy_status_t sy_stream_summary(sy_stream_t* stream) {
  if (stream == nullptr) return NullHandle("sy_stream_summary");
  Json summary = stream->translator->SummaryJson();
  if (stream->priced) summary["priced"] = switchyard::PricedUsageToJson(*stream->priced);
  return Succeed(stream->result, summary);
}

void sy_stream_free(sy_stream_t* stream) { delete stream; }

// ---- session: one request's life (session.h); each entry reads its input and calls Session ----

sy_status_t sy_router_session(sy_router_t* router, const char* input, size_t size,
                              sy_session_t** out) {
  if (router == nullptr) return NullHandle("sy_router_session");
  if (out == nullptr) {
    return Fail(router->result, Status::InvalidArgument("sy_router_session: out is NULL"));
  }
  *out = nullptr;
  Result<Planned> planned = PlanRequest(*router->state, input, size);
  if (!planned.ok()) return Fail(router->result, planned.status());
  RouterState& state = *router->state;
  std::string plan_text = switchyard::RenderPlanText(*state.catalog, planned->plan);
  Result<std::unique_ptr<switchyard::Session>> session = switchyard::Session::Create(
      state.catalog, &state.health, &state.stickiness, std::move(planned->input),
      std::move(planned->host), std::move(planned->plan));
  if (!session.ok()) return Fail(router->result, session.status());
  sy_session_t* handle = new (std::nothrow) sy_session_t();
  if (handle == nullptr) return Fail(router->result, Status::Internal("out of memory"));
  handle->router = router->state;
  handle->session = std::move(*session);
  handle->result = std::move(plan_text);
  router->result.clear();
  *out = handle;
  return SY_OK;
}

void sy_session_free(sy_session_t* session) { delete session; }

const char* sy_session_result(const sy_session_t* session, size_t* size) {
  return ResultBuffer(session ? &session->result : nullptr, size);
}

sy_status_t sy_session_next(sy_session_t* session, const char* input, size_t size) {
  if (session == nullptr) return NullHandle("sy_session_next");
  Result<Json> in = ParseObject(input, size, "next input", /*empty_ok=*/false);
  if (!in.ok()) return Fail(session->result, in.status());
  int64_t now_ms = 0;
  bool committed = false;
  Status status = ReadInt(*in, "now_ms", /*required=*/true, &now_ms);
  if (status.ok()) status = ReadBool(*in, "committed", &committed);
  if (!status.ok()) return Fail(session->result, status);
  return Reply(session->result, session->session->Next(now_ms, committed));
}

sy_status_t sy_session_respond(sy_session_t* session, const char* report, size_t report_size,
                               const char* body, size_t body_size) {
  if (session == nullptr) return NullHandle("sy_session_respond");
  Result<switchyard::AttemptReport> r = ReadReport(report, report_size);
  if (!r.ok()) return Fail(session->result, r.status());
  Result<std::string_view> bytes = InputText(body, body_size, "response body");
  if (!bytes.ok()) return Fail(session->result, bytes.status());
  return Reply(session->result, session->session->Respond(*r, *bytes));
}

sy_status_t sy_session_stream_open(sy_session_t* session, const char* report, size_t size) {
  if (session == nullptr) return NullHandle("sy_session_stream_open");
  Result<switchyard::AttemptReport> r = ReadReport(report, size);
  if (!r.ok()) return Fail(session->result, r.status());
  Status status = session->session->OpenStream(*r);
  if (!status.ok()) return Fail(session->result, status);
  session->result = "{}";
  return SY_OK;
}

sy_status_t sy_session_stream_feed(sy_session_t* session, const char* bytes, size_t size) {
  if (session == nullptr) return NullHandle("sy_session_stream_feed");
  Result<std::string_view> text = InputText(bytes, size, "stream bytes");
  if (!text.ok()) return Fail(session->result, text.status());
  std::string_view client = session->session->Feed(*text);
  session->result.assign(client.data(), client.size());
  return SY_OK;
}

int32_t sy_session_stream_ended(const sy_session_t* session) {
  return session == nullptr || session->session->StreamEnded() ? 1 : 0;
}

sy_status_t sy_session_stream_finish(sy_session_t* session, const char* report, size_t size) {
  if (session == nullptr) return NullHandle("sy_session_stream_finish");
  Result<switchyard::AttemptReport> r = ReadReport(report, size);
  if (!r.ok()) return Fail(session->result, r.status());
  Result<std::string_view> tail = session->session->FinishStream(*r);
  if (!tail.ok()) return Fail(session->result, tail.status());
  session->result.assign(tail->data(), tail->size());
  return SY_OK;
}

// ---- ledger ----------------------------------------------------------------------------------

sy_status_t sy_ledger_new(const char* state, size_t size, sy_ledger_t** out) {
  if (out == nullptr) {
    return Fail(LastError(), Status::InvalidArgument("sy_ledger_new: out is NULL"));
  }
  *out = nullptr;
  Result<std::string_view> text = InputText(state, size, "ledger state");
  if (!text.ok()) return Fail(LastError(), text.status());
  Json parsed;  // null: a new account
  if (!text->empty()) {
    Result<Json> document = switchyard::ParseJson(*text, kStateLimits, "ledger state");
    if (!document.ok()) return Fail(LastError(), document.status());
    parsed = std::move(*document);
  }
  Result<switchyard::Ledger> ledger = switchyard::Ledger::FromState(parsed);
  if (!ledger.ok()) return Fail(LastError(), ledger.status());
  sy_ledger_t* handle = new (std::nothrow) sy_ledger_t{std::move(*ledger), std::string()};
  if (handle == nullptr) return Fail(LastError(), Status::Internal("out of memory"));
  *out = handle;
  return SY_OK;
}

void sy_ledger_free(sy_ledger_t* ledger) { delete ledger; }

const char* sy_ledger_result(const sy_ledger_t* ledger, size_t* size) {
  return ResultBuffer(ledger ? &ledger->result : nullptr, size);
}

sy_status_t sy_ledger_apply(sy_ledger_t* ledger, const sy_router_t* router, const char* command,
                            size_t size) {
  if (ledger == nullptr) return NullHandle("sy_ledger_apply");
  Result<Json> parsed = ParseObject(command, size, "ledger command", /*empty_ok=*/false);
  if (!parsed.ok()) return Fail(ledger->result, parsed.status());
  const Catalog* catalog = router ? router->state->catalog.get() : nullptr;
  return Reply(ledger->result, ledger->ledger.Apply(*parsed, catalog));
}

sy_status_t sy_ledger_export(sy_ledger_t* ledger) {
  if (ledger == nullptr) return NullHandle("sy_ledger_export");
  return Succeed(ledger->result, ledger->ledger.Export());
}

}  // extern "C"
