// c_api.cpp: every extern "C" entry point of c_api.h, in one place (as duckdb-wasm's
// webdb_api.cc). Each one does the same four things: check the handle, parse the host's bytes
// with the core's limits (ParseJson), call the C++ API, and write the body, or ErrorBody(status)
// on failure, into the handle's result buffer, returning the status code (Run). Nothing here
// decides anything about routing, money or wire formats, and no input other than the ABI's own
// envelope ({"now_ms"}, a report's bytes) is read here: the modules parse their inputs
// (ParseSessionHost, ParseHealthEvent, ParseModelsQuery, Catalog::FromConfig, Ledger::Apply).
//
// No exceptions exist in this build (-fno-exceptions): the core's Json parser reports malformed
// input as a Status and lookups on untrusted values never throw (Find*), so malformed input is a
// 400, never an abort. A NULL handle is a host bug: the call returns SY_INVALID_ARGUMENT and
// explains itself in sy_last_error().
#include "switchyard/c_api/c_api.h"

#include <cstdlib>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "c_api/handles.h"
#include "switchyard/base/status.h"
#include "switchyard/catalog/catalog.h"
#include "switchyard/health/health.h"
#include "switchyard/json/json.h"
#include "switchyard/ledger/ledger.h"
#include "switchyard/routing/session.h"

using switchyard::Catalog;
using switchyard::Json;
using switchyard::Result;
using switchyard::Status;
using switchyard::capi::RouterState;


namespace {

using switchyard::capi::Fail;
using switchyard::capi::InputText;
using switchyard::capi::LastError;
using switchyard::capi::NullHandle;
using switchyard::capi::ParseObject;
using switchyard::capi::Reply;
using switchyard::capi::ResultBuffer;
using switchyard::capi::Succeed;
using switchyard::JsonFields;

// A ledger snapshot holds an account's keys, reservations and recent generations: it may be
// larger than a request, and is host-produced (the host's own storage), so the size limit is
// wider than ParseJson's default. Depth stays bounded.
constexpr switchyard::JsonLimits kStateLimits{256u << 20, 64};


// Router config {"catalog": <document>|null, "overlay": {...}|null, "presets": {...}|null}.
Result<std::shared_ptr<RouterState>> NewRouterState(const Json& config) {
  auto state = std::make_shared<RouterState>();
  SY_ASSIGN_OR_RETURN(Catalog catalog, Catalog::FromConfig(config));
  state->catalog = std::make_shared<Catalog>(std::move(catalog));
  if (const Json* presets = switchyard::Find(config, "presets"); presets && !presets->is_null()) {
    if (!presets->is_object()) return Status::InvalidArgument("presets must be an object", "presets");
    state->presets = *presets;
  }
  return state;
}

// Runs an entry point's work: a Result<Json> body (or a Status: {} on success) goes to `out`,
// or its error body; returns the status code.
template <typename F>
sy_status_t Run(std::string& out, F&& work) {
  auto result = work();
  if constexpr (std::is_same_v<decltype(result), Status>) {
    return result.ok() ? Succeed(out, Json::object()) : Fail(out, result);
  } else {
    return Reply(out, result);
  }
}

// A constructor's work: on failure its error goes to sy_last_error (there is no handle yet).
template <typename F>
sy_status_t Construct(F&& work) {
  Status status = work();
  return status.ok() ? SY_OK : Fail(LastError(), status);
}

// {"now_ms":N}: the input of calls that need only the time.
Result<int64_t> NowMs(const char* input, size_t size, std::string_view what) {
  SY_ASSIGN_OR_RETURN(Json in, ParseObject(input, size, what, /*empty_ok=*/false));
  return switchyard::ReadNowMs(in);
}

// A request planned against the router's state (session.h's PlanRequest).
Result<switchyard::PlannedRequest> Plan(RouterState& state, const char* input, size_t size) {
  // The client's body arrives spliced in as "request": its errors are stated as the body's.
  SY_ASSIGN_OR_RETURN(Json document, ParseObject(input, size, "plan input", /*empty_ok=*/false,
                                                 switchyard::JsonBody{"request", "request body"}));
  const Json* presets = state.presets.is_object() ? &state.presets : nullptr;
  return switchyard::PlanRequest(*state.catalog, state.health, &state.stickiness, presets,
                                 std::move(document));
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
  if (out == nullptr) return Fail(LastError(), Status::InvalidArgument("sy_router_new: out is NULL"));
  *out = nullptr;
  return Construct([&]() -> Status {
    SY_ASSIGN_OR_RETURN(Json parsed, ParseObject(config, size, "router config", /*empty_ok=*/true));
    SY_ASSIGN_OR_RETURN(std::shared_ptr<RouterState> state, NewRouterState(parsed));
    *out = new (std::nothrow) sy_router_t{std::move(state), std::string()};
    return *out ? Status::Ok() : Status::Internal("out of memory");
  });
}

void sy_router_free(sy_router_t* router) { delete router; }

const char* sy_router_result(const sy_router_t* router, size_t* size) {
  return ResultBuffer(router ? &router->result : nullptr, size);
}

sy_status_t sy_router_overlay(sy_router_t* router, const char* overlay, size_t size) {
  if (router == nullptr) return NullHandle("sy_router_overlay");
  return Run(router->result, [&]() -> Status {
    SY_ASSIGN_OR_RETURN(Json parsed, ParseObject(overlay, size, "overlay", /*empty_ok=*/false));
    RouterState& state = *router->state;
    // A catalog no plan or session holds is changed in place (ApplyOverlay is atomic); one in
    // use keeps indexing what they planned against, and new requests get the new one.
    if (state.catalog.use_count() == 1) return state.catalog->ApplyOverlay(parsed);
    auto next = std::make_shared<Catalog>(*state.catalog);
    SY_RETURN_IF_ERROR(next->ApplyOverlay(parsed));
    state.catalog = std::move(next);
    return Status::Ok();
  });
}

sy_status_t sy_router_models(sy_router_t* router, const char* query, size_t size) {
  if (router == nullptr) return NullHandle("sy_router_models");
  return Run(router->result, [&]() -> Result<Json> {
    SY_ASSIGN_OR_RETURN(Json parsed, ParseObject(query, size, "models query", /*empty_ok=*/true));
    SY_ASSIGN_OR_RETURN(switchyard::ModelsQuery q, switchyard::ParseModelsQuery(parsed));
    // GET /models/user: the entries the caller's account policy lets it reach.
    std::optional<switchyard::PolicyContext> policy;
    if (const Json* c = switchyard::Find(parsed, "context"); c != nullptr && !c->is_null()) {
      if (!c->is_object()) return Status::InvalidArgument("context must be an object", "context");
      SY_ASSIGN_OR_RETURN(policy, switchyard::ParsePolicyContext(*c));
      const switchyard::Catalog& catalog = *router->state->catalog;
      q.endpoint_filter = [&catalog, &policy](const switchyard::Endpoint& e) {
        return switchyard::PolicyAdmits(catalog, *policy, e);
      };
    }
    return router->state->catalog->RenderModels(q);
  });
}

sy_status_t sy_router_endpoints(sy_router_t* router, const char* input, size_t size) {
  if (router == nullptr) return NullHandle("sy_router_endpoints");
  return Run(router->result, [&]() -> Result<Json> {
    SY_ASSIGN_OR_RETURN(Json in, ParseObject(input, size, "endpoints input", /*empty_ok=*/false));
    SY_ASSIGN_OR_RETURN(int64_t now_ms, switchyard::ReadNowMs(in));
    bool zdr = false;
    SY_RETURN_IF_ERROR(JsonFields(in).Bool("zdr", &zdr));
    const switchyard::Health& health = router->state->health;
    auto stats = [&health, now_ms](uint32_t endpoint) {
      return std::optional<switchyard::EndpointHealth>(health.Get(endpoint, now_ms));
    };
    std::optional<std::string_view> model = switchyard::FindString(in, "model");
    if (zdr) {
      if (model) return Status::InvalidArgument("give model or zdr, not both", "zdr");
      return router->state->catalog->RenderZdrEndpoints(stats);
    }
    if (!model) return Status::InvalidArgument("model (a string) is required", "model");
    return router->state->catalog->RenderEndpoints(*model, stats);
  });
}

sy_status_t sy_router_error(sy_router_t* router, const char* input, size_t size) {
  if (router == nullptr) return NullHandle("sy_router_error");
  return Run(router->result, [&]() -> Result<Json> {
    SY_ASSIGN_OR_RETURN(Json in, ParseObject(input, size, "error input", /*empty_ok=*/false));
    return switchyard::ClientErrorBodyFromJson(in);
  });
}

sy_status_t sy_router_providers(sy_router_t* router) {
  if (router == nullptr) return NullHandle("sy_router_providers");
  return Succeed(router->result, router->state->catalog->RenderProviders());
}

sy_status_t sy_router_observe(sy_router_t* router, const char* event, size_t size) {
  if (router == nullptr) return NullHandle("sy_router_observe");
  return Run(router->result, [&]() -> Status {
    SY_ASSIGN_OR_RETURN(Json in, ParseObject(event, size, "health event", /*empty_ok=*/false));
    RouterState& state = *router->state;
    SY_ASSIGN_OR_RETURN(switchyard::HealthEvent e,
                        switchyard::ParseHealthEvent(in, state.catalog->endpoints().size()));
    state.health.Observe(e);
    return Status::Ok();
  });
}

sy_status_t sy_router_health(sy_router_t* router, const char* input, size_t size) {
  if (router == nullptr) return NullHandle("sy_router_health");
  return Run(router->result, [&]() -> Result<Json> {
    SY_ASSIGN_OR_RETURN(int64_t now_ms, NowMs(input, size, "health input"));
    return router->state->health.Export(now_ms);
  });
}

sy_status_t sy_router_health_merge(sy_router_t* router, const char* input, size_t size) {
  if (router == nullptr) return NullHandle("sy_router_health_merge");
  return Run(router->result, [&]() -> Status {
    SY_ASSIGN_OR_RETURN(Json in, ParseObject(input, size, "health merge input", /*empty_ok=*/false));
    SY_ASSIGN_OR_RETURN(int64_t now_ms, switchyard::ReadNowMs(in));
    const Json* snapshot = switchyard::FindObject(in, "snapshot");
    if (snapshot == nullptr) {
      return Status::InvalidArgument("snapshot (an object from sy_router_health) is required",
                                     "snapshot");
    }
    return router->state->health.Merge(*snapshot, now_ms);
  });
}

// ---- plan: what would be tried, without running it -------------------------------------------

sy_status_t sy_router_plan(sy_router_t* router, const char* input, size_t size, sy_plan_t** out) {
  if (out != nullptr) *out = nullptr;
  if (router == nullptr) return NullHandle("sy_router_plan");
  if (out == nullptr) return Fail(router->result, Status::InvalidArgument("sy_router_plan: out is NULL"));
  Status status = [&]() -> Status {
    SY_ASSIGN_OR_RETURN(switchyard::PlannedRequest planned, Plan(*router->state, input, size));
    // RenderPlanText == Dump(RenderPlan), ~6x faster.
    *out = new (std::nothrow) sy_plan_t{switchyard::RenderPlanText(*router->state->catalog, planned.plan)};
    return *out ? Status::Ok() : Status::Internal("out of memory");
  }();
  if (!status.ok()) return Fail(router->result, status);
  router->result.clear();
  return SY_OK;
}

void sy_plan_free(sy_plan_t* plan) { delete plan; }

const char* sy_plan_result(const sy_plan_t* plan, size_t* size) {
  return ResultBuffer(plan ? &plan->result : nullptr, size);
}

// ---- session: one request's life (session.h); each entry reads its input and calls Session ----

sy_status_t sy_router_session(sy_router_t* router, const char* input, size_t size,
                              sy_session_t** out) {
  if (out != nullptr) *out = nullptr;
  if (router == nullptr) return NullHandle("sy_router_session");
  if (out == nullptr) return Fail(router->result, Status::InvalidArgument("sy_router_session: out is NULL"));
  Status status = [&]() -> Status {
    RouterState& state = *router->state;
    SY_ASSIGN_OR_RETURN(switchyard::PlannedRequest planned, Plan(state, input, size));
    std::string plan_text = planned.host.brief_plan
                                ? switchyard::RenderPlanBrief(planned.plan)
                                : switchyard::RenderPlanText(*state.catalog, planned.plan);
    SY_ASSIGN_OR_RETURN(std::unique_ptr<switchyard::Session> session,
                        switchyard::Session::Create(state.catalog, &state.health, &state.stickiness,
                                                    std::move(planned)));
    *out = new (std::nothrow) sy_session_t{router->state, std::move(session), std::move(plan_text)};
    return *out ? Status::Ok() : Status::Internal("out of memory");
  }();
  if (!status.ok()) return Fail(router->result, status);
  router->result.clear();
  return SY_OK;
}

void sy_session_free(sy_session_t* session) { delete session; }

const char* sy_session_result(const sy_session_t* session, size_t* size) {
  return ResultBuffer(session ? &session->result : nullptr, size);
}

sy_status_t sy_session_next(sy_session_t* session, const char* input, size_t size) {
  if (session == nullptr) return NullHandle("sy_session_next");
  // The step comes as text (Session::NextText): a served request's last step is not built as a
  // DOM only to be written out.
  Result<std::string> step = [&]() -> Result<std::string> {
    SY_ASSIGN_OR_RETURN(Json in, ParseObject(input, size, "next input", /*empty_ok=*/false));
    SY_ASSIGN_OR_RETURN(int64_t now_ms, switchyard::ReadNowMs(in));
    bool committed = false;
    SY_RETURN_IF_ERROR(JsonFields(in).Bool("committed", &committed));
    return session->session->NextText(now_ms, committed);
  }();
  if (!step.ok()) return Fail(session->result, step.status());
  session->result = std::move(*step);
  return SY_OK;
}

sy_status_t sy_session_respond(sy_session_t* session, const char* report, size_t report_size,
                               const char* body, size_t body_size) {
  if (session == nullptr) return NullHandle("sy_session_respond");
  return Run(session->result, [&]() -> Result<Json> {
    SY_ASSIGN_OR_RETURN(switchyard::AttemptReport r, ReadReport(report, report_size));
    SY_ASSIGN_OR_RETURN(std::string_view bytes, InputText(body, body_size, "response body"));
    return session->session->Respond(r, bytes);
  });
}

sy_status_t sy_session_stream_open(sy_session_t* session, const char* report, size_t size) {
  if (session == nullptr) return NullHandle("sy_session_stream_open");
  return Run(session->result, [&]() -> Status {
    SY_ASSIGN_OR_RETURN(switchyard::AttemptReport r, ReadReport(report, size));
    return session->session->OpenStream(r);
  });
}

// The stream calls' results are client bytes, not JSON.
sy_status_t sy_session_stream_feed(sy_session_t* session, const char* bytes, size_t size) {
  if (session == nullptr) return NullHandle("sy_session_stream_feed");
  Result<std::string_view> client = [&]() -> Result<std::string_view> {
    SY_ASSIGN_OR_RETURN(std::string_view text, InputText(bytes, size, "stream bytes"));
    return session->session->Feed(text);
  }();
  if (!client.ok()) return Fail(session->result, client.status());
  session->result.assign(client->data(), client->size());
  return SY_OK;
}

int32_t sy_session_stream_ended(const sy_session_t* session) {
  return session == nullptr || session->session->StreamEnded() ? 1 : 0;
}

sy_status_t sy_session_stream_finish(sy_session_t* session, const char* report, size_t size) {
  if (session == nullptr) return NullHandle("sy_session_stream_finish");
  Result<std::string_view> tail = [&]() -> Result<std::string_view> {
    SY_ASSIGN_OR_RETURN(switchyard::AttemptReport r, ReadReport(report, size));
    return session->session->FinishStream(r);
  }();
  if (!tail.ok()) return Fail(session->result, tail.status());
  session->result.assign(tail->data(), tail->size());
  return SY_OK;
}

// ---- ledger ----------------------------------------------------------------------------------

sy_status_t sy_ledger_new(const char* state, size_t size, sy_ledger_t** out) {
  if (out == nullptr) return Fail(LastError(), Status::InvalidArgument("sy_ledger_new: out is NULL"));
  *out = nullptr;
  return Construct([&]() -> Status {
    SY_ASSIGN_OR_RETURN(std::string_view text, InputText(state, size, "ledger state"));
    Json parsed;  // null: a new account
    if (!text.empty()) {
      SY_ASSIGN_OR_RETURN(parsed, switchyard::ParseJson(text, kStateLimits, "ledger state"));
    }
    SY_ASSIGN_OR_RETURN(switchyard::Ledger ledger, switchyard::Ledger::FromState(parsed));
    *out = new (std::nothrow) sy_ledger_t{std::move(ledger), std::string()};
    return *out ? Status::Ok() : Status::Internal("out of memory");
  });
}

void sy_ledger_free(sy_ledger_t* ledger) { delete ledger; }

const char* sy_ledger_result(const sy_ledger_t* ledger, size_t* size) {
  return ResultBuffer(ledger ? &ledger->result : nullptr, size);
}

sy_status_t sy_ledger_apply(sy_ledger_t* ledger, const sy_router_t* router, const char* command,
                            size_t size) {
  if (ledger == nullptr) return NullHandle("sy_ledger_apply");
  // The result comes as text (Ledger::ApplyText): the hot results (the operation log, a
  // generation record, a settle's reply) are written straight out, not built as a DOM.
  Result<std::string> result = [&]() -> Result<std::string> {
    SY_ASSIGN_OR_RETURN(Json in, ParseObject(command, size, "ledger command", /*empty_ok=*/false));
    return ledger->ledger.ApplyText(in, router ? router->state->catalog.get() : nullptr);
  }();
  if (!result.ok()) return Fail(ledger->result, result.status());
  ledger->result = std::move(*result);
  return SY_OK;
}

sy_status_t sy_ledger_export(sy_ledger_t* ledger) {
  if (ledger == nullptr) return NullHandle("sy_ledger_export");
  return Succeed(ledger->result, ledger->ledger.Export());
}

}  // extern "C"
