// The C ABI itself (c_api.h), natively and under node: status codes, result buffers, the error
// shape, NULL handles, free(NULL), ownership across handles. The modules' behaviour behind each
// call is tested in their own suites; here only what the boundary adds.
#include "switchyard/c_api/c_api.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "switchyard/json/json.h"
#include "test_support.h"
#include "json_testing.h"

namespace {

using switchyard::Json;
using switchyard::testing::ReadFile;

std::string_view View(const char* data, size_t size) {
  return data == nullptr ? std::string_view() : std::string_view(data, size);
}

Json AsJson(std::string_view text) {
  Json j = switchyard::testing::JsonOf(text);
  return j;
}

std::string RouterResult(const sy_router_t* router) {
  size_t size = 12345;
  const char* data = sy_router_result(router, &size);
  return std::string(View(data, size));
}
std::string PlanResult(const sy_plan_t* plan) {
  size_t size = 12345;
  const char* data = sy_plan_result(plan, &size);
  return std::string(View(data, size));
}
std::string SessionResult(const sy_session_t* session) {
  size_t size = 12345;
  const char* data = sy_session_result(session, &size);
  return std::string(View(data, size));
}
std::string LedgerResult(const sy_ledger_t* ledger) {
  size_t size = 12345;
  const char* data = sy_ledger_result(ledger, &size);
  return std::string(View(data, size));
}
std::string LastError() {
  size_t size = 12345;
  const char* data = sy_last_error(&size);
  return std::string(View(data, size));
}

// The documented error shape with the HTTP status of `code`.
void RequireErrorBody(const std::string& text, int http_status) {
  INFO(text);
  Json body = AsJson(text);
  REQUIRE(body.is_object());
  REQUIRE(body.contains("error"));
  REQUIRE(body["error"]["code"] == http_status);
  REQUIRE(body["error"]["message"].is_string());
  REQUIRE_FALSE(body["error"]["message"].get<std::string>().empty());
}

std::string SmallCatalogConfig() {
  std::string catalog = ReadFile("tests/fixtures/catalog/small.json");
  REQUIRE_FALSE(catalog.empty());
  return "{\"catalog\":" + catalog + "}";
}

sy_router_t* NewRouter(const std::string& config) {
  sy_router_t* router = nullptr;
  REQUIRE(sy_router_new(config.data(), config.size(), &router) == SY_OK);
  REQUIRE(router != nullptr);
  return router;
}

sy_status_t Call(sy_status_t (*fn)(sy_router_t*, const char*, size_t), sy_router_t* router,
                 std::string_view input) {
  return fn(router, input.data(), input.size());
}

const std::string kPlanInput =
    R"({"request":{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}],)"
    R"("provider":{"only":["openai"]}},"now_ms":1000000,"seed":7,"generation_id":"gen-test"})";

sy_plan_t* NewPlan(sy_router_t* router, const std::string& input = kPlanInput) {
  sy_plan_t* plan = nullptr;
  sy_status_t status = sy_router_plan(router, input.data(), input.size(), &plan);
  INFO(RouterResult(router));
  REQUIRE(status == SY_OK);
  REQUIRE(plan != nullptr);
  return plan;
}

sy_session_t* NewSession(sy_router_t* router, const std::string& input = kPlanInput) {
  sy_session_t* session = nullptr;
  sy_status_t status = sy_router_session(router, input.data(), input.size(), &session);
  INFO(RouterResult(router));
  REQUIRE(status == SY_OK);
  REQUIRE(session != nullptr);
  return session;
}

// sy_session_next at now_ms; the step it hands out.
Json Next(sy_session_t* session, int64_t now_ms, bool committed = false) {
  std::string in = "{\"now_ms\":" + std::to_string(now_ms) + (committed ? ",\"committed\":true}" : "}");
  sy_status_t status = sy_session_next(session, in.data(), in.size());
  INFO(SessionResult(session));
  REQUIRE(status == SY_OK);
  return AsJson(SessionResult(session));
}

// sy_session_respond, which must succeed; its result ({"outcome":..}).
Json Respond(sy_session_t* session, const std::string& head, std::string_view body) {
  sy_status_t status = sy_session_respond(session, head.data(), head.size(), body.data(), body.size());
  INFO(SessionResult(session));
  REQUIRE(status == SY_OK);
  return AsJson(SessionResult(session));
}

}  // namespace

TEST_CASE("version, memory and the status values") {
  REQUIRE(sy_abi_version() == SY_ABI_VERSION);
  void* p = sy_alloc(0);  // never NULL for a zero size: NULL means out of memory
  REQUIRE(p != nullptr);
  sy_free(p);
  char* q = static_cast<char*>(sy_alloc(1000));
  REQUIRE(q != nullptr);
  std::memset(q, 'x', 1000);
  sy_free(q);
  sy_free(nullptr);
  REQUIRE(SY_OK == 0);
  REQUIRE(SY_CONFLICT == 12);
}

TEST_CASE("free(NULL) and result(NULL) are harmless") {
  sy_router_free(nullptr);
  sy_plan_free(nullptr);
  sy_session_free(nullptr);
  sy_ledger_free(nullptr);
  size_t size = 99;
  REQUIRE(sy_router_result(nullptr, &size) == nullptr);
  REQUIRE(size == 0);
  size = 99;
  REQUIRE(sy_plan_result(nullptr, &size) == nullptr);
  REQUIRE(size == 0);
  size = 99;
  REQUIRE(sy_session_result(nullptr, &size) == nullptr);
  REQUIRE(size == 0);
  REQUIRE(sy_session_stream_ended(nullptr) == 1);  // a NULL session needs no upstream bytes
  size = 99;
  REQUIRE(sy_ledger_result(nullptr, &size) == nullptr);
  REQUIRE(size == 0);
  REQUIRE(sy_router_result(nullptr, nullptr) == nullptr);  // size may be NULL too
}

TEST_CASE("a NULL handle is SY_INVALID_ARGUMENT, explained in sy_last_error") {
  REQUIRE(sy_router_models(nullptr, "{}", 2) == SY_INVALID_ARGUMENT);
  std::string error = LastError();
  RequireErrorBody(error, 400);
  REQUIRE(error.find("sy_router_models") != std::string::npos);
  REQUIRE(sy_router_providers(nullptr) == SY_INVALID_ARGUMENT);
  REQUIRE(sy_router_observe(nullptr, "{}", 2) == SY_INVALID_ARGUMENT);
  REQUIRE(sy_router_health(nullptr, "{}", 2) == SY_INVALID_ARGUMENT);
  REQUIRE(sy_router_health_merge(nullptr, "{}", 2) == SY_INVALID_ARGUMENT);
  REQUIRE(sy_router_overlay(nullptr, "{}", 2) == SY_INVALID_ARGUMENT);
  REQUIRE(sy_router_endpoints(nullptr, "{}", 2) == SY_INVALID_ARGUMENT);
  sy_plan_t* plan = reinterpret_cast<sy_plan_t*>(1);
  REQUIRE(sy_router_plan(nullptr, "{}", 2, &plan) == SY_INVALID_ARGUMENT);
  sy_session_t* session = reinterpret_cast<sy_session_t*>(1);
  REQUIRE(sy_router_session(nullptr, "{}", 2, &session) == SY_INVALID_ARGUMENT);
  RequireErrorBody(LastError(), 400);
  REQUIRE(LastError().find("sy_router_session") != std::string::npos);
  REQUIRE(sy_session_next(nullptr, R"({"now_ms":1})", 12) == SY_INVALID_ARGUMENT);
  REQUIRE(LastError().find("sy_session_next") != std::string::npos);
  REQUIRE(sy_session_respond(nullptr, R"({"status":200,"now_ms":1})", 25, "", 0) == SY_INVALID_ARGUMENT);
  REQUIRE(LastError().find("sy_session_respond") != std::string::npos);
  REQUIRE(sy_session_stream_open(nullptr, R"({"status":200,"now_ms":1})", 25) == SY_INVALID_ARGUMENT);
  REQUIRE(LastError().find("sy_session_stream_open") != std::string::npos);
  REQUIRE(sy_session_stream_feed(nullptr, "x", 1) == SY_INVALID_ARGUMENT);
  REQUIRE(LastError().find("sy_session_stream_feed") != std::string::npos);
  REQUIRE(sy_session_stream_finish(nullptr, nullptr, 0) == SY_INVALID_ARGUMENT);
  REQUIRE(LastError().find("sy_session_stream_finish") != std::string::npos);
  REQUIRE(sy_ledger_apply(nullptr, nullptr, "{}", 2) == SY_INVALID_ARGUMENT);
  REQUIRE(sy_ledger_export(nullptr) == SY_INVALID_ARGUMENT);
  REQUIRE(sy_router_new("{}", 2, nullptr) == SY_INVALID_ARGUMENT);
  RequireErrorBody(LastError(), 400);
}

TEST_CASE("router_new: defaults, a given catalog, and every kind of bad config") {
  sy_router_t* router = nullptr;
  SECTION("empty input is the embedded default catalog") {
    REQUIRE(sy_router_new(nullptr, 0, &router) == SY_OK);
    REQUIRE(sy_router_providers(router) == SY_OK);
    Json providers = AsJson(RouterResult(router));
    REQUIRE(providers["data"].size() > 10);
    sy_router_free(router);
  }
  SECTION("a catalog document") {
    router = NewRouter(SmallCatalogConfig());
    REQUIRE(sy_router_providers(router) == SY_OK);
    REQUIRE(AsJson(RouterResult(router))["data"].size() == 5);
    sy_router_free(router);
  }
  SECTION("failures leave *out NULL and the error in sy_last_error") {
    struct Case {
      std::string config;
      sy_status_t status;
      int http;
    };
    std::string deep(200, '[');
    const Case cases[] = {
        {"{bad json", SY_INVALID_ARGUMENT, 400},
        {"[]", SY_INVALID_ARGUMENT, 400},
        {R"({"catalog":5})", SY_INVALID_ARGUMENT, 400},
        {R"({"catalog":{"format":"nope"}})", SY_INVALID_ARGUMENT, 400},
        {R"({"overlay":"x"})", SY_INVALID_ARGUMENT, 400},
        {R"({"presets":[1]})", SY_INVALID_ARGUMENT, 400},
        {deep, SY_TOO_LARGE, 413},
    };
    for (const Case& c : cases) {
      INFO(c.config.substr(0, 40));
      router = reinterpret_cast<sy_router_t*>(1);
      REQUIRE(sy_router_new(c.config.data(), c.config.size(), &router) == c.status);
      REQUIRE(router == nullptr);
      RequireErrorBody(LastError(), c.http);
    }
    router = reinterpret_cast<sy_router_t*>(1);
    REQUIRE(sy_router_new(nullptr, 5, &router) == SY_INVALID_ARGUMENT);  // NULL with a size
    REQUIRE(router == nullptr);
  }
}

TEST_CASE("router queries write their body or the error body into the router's buffer") {
  sy_router_t* router = NewRouter(SmallCatalogConfig());

  REQUIRE(Call(sy_router_models, router, "") == SY_OK);
  REQUIRE(AsJson(RouterResult(router))["data"].size() == 7);  // llama also as llama:free
  REQUIRE(Call(sy_router_models, router, R"({"supported_parameters":["tools"]})") == SY_OK);
  size_t with_tools = AsJson(RouterResult(router))["data"].size();
  REQUIRE(with_tools < 6);
  REQUIRE(Call(sy_router_models, router, R"({"supported_parameters":"tools"})") == SY_OK);
  REQUIRE(AsJson(RouterResult(router))["data"].size() == with_tools);
  REQUIRE(Call(sy_router_models, router, R"({"supported_parameters":[5]})") == SY_INVALID_ARGUMENT);
  std::string error = RouterResult(router);
  RequireErrorBody(error, 400);
  REQUIRE(AsJson(error)["error"]["metadata"]["field"] == "supported_parameters[0]");
  REQUIRE(AsJson(error)["error"]["message"] == "supported_parameters[0] must be a string, not 5");

  REQUIRE(Call(sy_router_endpoints, router, R"({"model":"openai/gpt-4o-mini","now_ms":5})") == SY_OK);
  REQUIRE(AsJson(RouterResult(router))["data"]["endpoints"].size() == 2);
  REQUIRE(Call(sy_router_endpoints, router, R"({"model":"no/such","now_ms":5})") == SY_NOT_FOUND);
  RequireErrorBody(RouterResult(router), 404);
  REQUIRE(Call(sy_router_endpoints, router, R"({"now_ms":5})") == SY_INVALID_ARGUMENT);
  REQUIRE(Call(sy_router_endpoints, router, R"({"model":"openai/gpt-4o-mini"})") == SY_INVALID_ARGUMENT);
  REQUIRE(AsJson(RouterResult(router))["error"]["metadata"]["field"] == "now_ms");
  REQUIRE(Call(sy_router_endpoints, router, "") == SY_INVALID_ARGUMENT);

  // The buffer is the last call's: a success after a failure replaces the error.
  REQUIRE(sy_router_providers(router) == SY_OK);
  REQUIRE(AsJson(RouterResult(router)).contains("data"));
  sy_router_free(router);
}

TEST_CASE("health: observe validates the event; snapshots merge") {
  sy_router_t* router = NewRouter(SmallCatalogConfig());
  REQUIRE(Call(sy_router_observe, router, "{}") == SY_INVALID_ARGUMENT);
  REQUIRE(AsJson(RouterResult(router))["error"]["metadata"]["field"] == "endpoint");
  REQUIRE(Call(sy_router_observe, router, R"({"endpoint":9,"now_ms":1})") == SY_NOT_FOUND);
  REQUIRE(Call(sy_router_observe, router, R"({"endpoint":4294967296,"now_ms":1})") == SY_NOT_FOUND);
  REQUIRE(Call(sy_router_observe, router, R"({"endpoint":-1,"now_ms":1})") == SY_NOT_FOUND);
  REQUIRE(Call(sy_router_observe, router, R"({"endpoint":0})") == SY_INVALID_ARGUMENT);
  REQUIRE(Call(sy_router_observe, router, R"({"endpoint":0.5,"now_ms":1})") == SY_INVALID_ARGUMENT);
  REQUIRE(Call(sy_router_observe, router, R"({"endpoint":0,"now_ms":"1"})") == SY_INVALID_ARGUMENT);
  REQUIRE(Call(sy_router_observe, router, R"({"endpoint":0,"now_ms":1e300})") == SY_INVALID_ARGUMENT);
  REQUIRE(Call(sy_router_observe, router, R"({"endpoint":0,"now_ms":1,"timeout":1})") == SY_INVALID_ARGUMENT);
  REQUIRE(Call(sy_router_observe, router, R"({"endpoint":0,"now_ms":1,"http_status":1000})") == SY_INVALID_ARGUMENT);
  REQUIRE(Call(sy_router_observe, router, R"({"endpoint":0,"now_ms":1,"retry_after_ms":-5})") == SY_INVALID_ARGUMENT);

  for (int i = 0; i < 6; ++i) {
    std::string event = R"({"endpoint":7,"now_ms":)" + std::to_string(1000 + i) +
                        R"(,"http_status":503,"latency_ms":12.7})";
    REQUIRE(Call(sy_router_observe, router, event) == SY_OK);
  }
  REQUIRE(Call(sy_router_health, router, "{}") == SY_INVALID_ARGUMENT);
  REQUIRE(Call(sy_router_health, router, R"({"now_ms":2000})") == SY_OK);
  std::string snapshot = RouterResult(router);
  REQUIRE(AsJson(snapshot).is_object());

  sy_router_t* other = NewRouter(SmallCatalogConfig());
  REQUIRE(Call(sy_router_health_merge, other, R"({"now_ms":2000})") == SY_INVALID_ARGUMENT);
  REQUIRE(Call(sy_router_health_merge, other, R"({"snapshot":{}})") == SY_INVALID_ARGUMENT);
  REQUIRE(Call(sy_router_health_merge, other, R"({"now_ms":2000,"snapshot":)" + snapshot + "}") == SY_OK);
  REQUIRE(Call(sy_router_health, other, R"({"now_ms":2000})") == SY_OK);
  REQUIRE(AsJson(RouterResult(other)) == AsJson(snapshot));
  sy_router_free(other);
  sy_router_free(router);
}

TEST_CASE("plan: errors land in the router's buffer; the plan owns its result") {
  sy_router_t* router = NewRouter(SmallCatalogConfig());
  sy_plan_t* plan = reinterpret_cast<sy_plan_t*>(1);
  REQUIRE(sy_router_plan(router, "{", 1, &plan) == SY_INVALID_ARGUMENT);
  REQUIRE(plan == nullptr);
  RequireErrorBody(RouterResult(router), 400);
  REQUIRE(sy_router_plan(router, nullptr, 0, &plan) == SY_INVALID_ARGUMENT);
  REQUIRE(sy_router_plan(router, "{}", 2, nullptr) == SY_INVALID_ARGUMENT);
  std::string unknown = R"({"request":{"model":"no/such","messages":[{"role":"user","content":"x"}]},"now_ms":1})";
  REQUIRE(sy_router_plan(router, unknown.data(), unknown.size(), &plan) == SY_NOT_FOUND);
  RequireErrorBody(RouterResult(router), 404);
  std::string bad_host = R"({"request":{"model":"openai/gpt-4o-mini","messages":[]},"format":"xml"})";
  REQUIRE(sy_router_plan(router, bad_host.data(), bad_host.size(), &plan) == SY_INVALID_ARGUMENT);
  REQUIRE(AsJson(RouterResult(router))["error"]["metadata"]["field"] == "format");

  plan = NewPlan(router);
  Json result = AsJson(PlanResult(plan));
  REQUIRE(result["attempts"].size() == 1);
  REQUIRE(result["attempts"][0]["provider"] == "openai");
  // The plan's buffer is its own: a router call in between does not touch it.
  REQUIRE(sy_router_providers(router) == SY_OK);
  REQUIRE(AsJson(PlanResult(plan)) == result);
  sy_plan_free(plan);
  sy_router_free(router);
}

TEST_CASE("session: errors land in the router's buffer; the session owns its result") {
  sy_router_t* router = NewRouter(SmallCatalogConfig());
  sy_session_t* session = reinterpret_cast<sy_session_t*>(1);
  REQUIRE(sy_router_session(router, "{", 1, &session) == SY_INVALID_ARGUMENT);
  REQUIRE(session == nullptr);
  RequireErrorBody(RouterResult(router), 400);
  session = reinterpret_cast<sy_session_t*>(1);
  REQUIRE(sy_router_session(router, nullptr, 0, &session) == SY_INVALID_ARGUMENT);
  REQUIRE(session == nullptr);
  REQUIRE(sy_router_session(router, kPlanInput.data(), kPlanInput.size(), nullptr) == SY_INVALID_ARGUMENT);
  RequireErrorBody(RouterResult(router), 400);
  std::string unknown = R"({"request":{"model":"no/such","messages":[{"role":"user","content":"x"}]},"now_ms":1})";
  session = reinterpret_cast<sy_session_t*>(1);
  REQUIRE(sy_router_session(router, unknown.data(), unknown.size(), &session) == SY_NOT_FOUND);
  REQUIRE(session == nullptr);
  RequireErrorBody(RouterResult(router), 404);
  std::string bad_host = R"({"request":{"model":"openai/gpt-4o-mini","messages":[]},"format":"xml"})";
  REQUIRE(sy_router_session(router, bad_host.data(), bad_host.size(), &session) == SY_INVALID_ARGUMENT);
  REQUIRE(AsJson(RouterResult(router))["error"]["metadata"]["field"] == "format");

  // On success the session's buffer holds the plan, the same as sy_router_plan's.
  session = NewSession(router);
  sy_plan_t* plan = NewPlan(router);
  REQUIRE(AsJson(SessionResult(session)) == AsJson(PlanResult(plan)));
  sy_plan_free(plan);
  REQUIRE(AsJson(SessionResult(session))["attempts"].size() == 1);

  // Its calls' errors land in its own buffer, not the router's.
  REQUIRE(sy_router_providers(router) == SY_OK);
  REQUIRE(sy_session_next(session, "{", 1) == SY_INVALID_ARGUMENT);
  RequireErrorBody(SessionResult(session), 400);
  REQUIRE(AsJson(RouterResult(router)).contains("data"));
  REQUIRE(sy_session_next(session, nullptr, 0) == SY_INVALID_ARGUMENT);
  REQUIRE(sy_session_next(session, R"({"now_ms":"1"})", 14) == SY_INVALID_ARGUMENT);
  REQUIRE(AsJson(SessionResult(session))["error"]["metadata"]["field"] == "now_ms");
  REQUIRE(sy_session_next(session, R"({"now_ms":1,"committed":1})", 26) == SY_INVALID_ARGUMENT);

  // One attempt only (`only: openai`): once it failed, no attempt follows, only the final step.
  REQUIRE(Next(session, 1000000)["step"] == "attempt");
  REQUIRE(Respond(session, R"({"failure":"connection","message":"reset","now_ms":1000001})", "")["outcome"] == "retry");
  Json step = Next(session, 1000002);
  REQUIRE(step["step"] == "respond");
  REQUIRE(step["status"] == 502);
  RequireErrorBody(step["body"].get<std::string>(), 502);
  // Asked again: the same final step (the health events were handed out once).
  Json again = Next(session, 1000003);
  REQUIRE(again["observed"].empty());
  again.erase("observed");
  step.erase("observed");
  REQUIRE(again == step);
  sy_session_free(session);
  sy_router_free(router);
}

TEST_CASE("session: the attempt's request and its buffered response") {
  sy_router_t* router = NewRouter(SmallCatalogConfig());
  sy_session_t* session = NewSession(router);

  // No attempt has been handed out yet: nothing may be reported.
  std::string early = R"({"status":200,"now_ms":1000000})";
  REQUIRE(sy_session_respond(session, early.data(), early.size(), "", 0) == SY_INVALID_ARGUMENT);
  RequireErrorBody(SessionResult(session), 400);
  REQUIRE(sy_session_stream_open(session, early.data(), early.size()) == SY_INVALID_ARGUMENT);

  Json step = Next(session, 1000000);
  INFO(step.dump());
  REQUIRE(step["step"] == "attempt");
  REQUIRE(step["index"] == 0);
  REQUIRE(step["stream"] == false);
  const Json& request = step["request"];
  REQUIRE(request["method"] == "POST");
  REQUIRE(request["url"].get<std::string>().rfind("https://api.openai.com/v1", 0) == 0);
  REQUIRE(request["auth"]["env"] == "OPENAI_API_KEY");
  REQUIRE(AsJson(request["body"].get<std::string>())["model"] == "gpt-4o-mini");

  auto respond = [&](std::string_view head, std::string_view body) {
    return sy_session_respond(session, head.data(), head.size(), body.data(), body.size());
  };
  REQUIRE(respond("", "") == SY_INVALID_ARGUMENT);
  RequireErrorBody(SessionResult(session), 400);
  REQUIRE(respond("{}", "") == SY_INVALID_ARGUMENT);  // now_ms is required
  REQUIRE(respond(R"({"now_ms":1000001})", "") == SY_INVALID_ARGUMENT);  // so is a status
  REQUIRE(AsJson(SessionResult(session))["error"]["metadata"]["field"] == "status");
  REQUIRE(respond(R"({"status":42,"now_ms":1000001})", "") == SY_INVALID_ARGUMENT);
  REQUIRE(respond(R"({"status":200,"headers":{"a":1},"now_ms":1000001})", "") == SY_INVALID_ARGUMENT);
  REQUIRE(AsJson(SessionResult(session))["error"]["metadata"]["field"] == "headers");
  REQUIRE(respond(R"({"status":200,"now_ms":1000001})", std::string_view(nullptr, 0)) == SY_OK);
  // An empty 200 body is garbage from the provider, and the only attempt is gone.
  REQUIRE(AsJson(SessionResult(session))["outcome"] != "done");
  // Reported already: a second report is refused, and so is a stream for it.
  REQUIRE(respond(R"({"status":200,"now_ms":1000002})", "{}") == SY_INVALID_ARGUMENT);
  REQUIRE(sy_session_stream_open(session, early.data(), early.size()) == SY_INVALID_ARGUMENT);
  REQUIRE(Next(session, 1000003)["step"] == "respond");
  sy_session_free(session);

  // Each kind of answer, on a fresh session (the one attempt each).
  auto outcome_of = [&](std::string_view head, std::string_view body) {
    sy_session_t* s = NewSession(router);
    REQUIRE(Next(s, 1000000)["step"] == "attempt");
    REQUIRE(sy_session_respond(s, head.data(), head.size(), body.data(), body.size()) == SY_OK);
    Json r = AsJson(SessionResult(s));
    Json final_step = Next(s, 1000100);
    sy_session_free(s);
    return std::make_pair(r, final_step);
  };
  auto [timeout, timeout_end] =
      outcome_of(R"({"failure":"timeout","message":"no answer in 30 s","now_ms":1030000})", "");
  REQUIRE(timeout["outcome"] == "retry");
  REQUIRE(timeout_end["status"] == 408);
  RequireErrorBody(timeout_end["body"].get<std::string>(), 408);

  auto [busy, busy_end] = outcome_of(R"({"status":503,"headers":[["retry-after","2"]],"now_ms":1000040})",
                                     R"({"error":{"message":"busy"}})");
  INFO(busy.dump());
  REQUIRE(busy["outcome"] == "retry");
  REQUIRE(busy_end["step"] == "respond");
  REQUIRE(busy_end["status"].get<int>() >= 500);
  REQUIRE(busy_end["settle"].is_null());

  std::string completion =
      R"({"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini",)"
      R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],)"
      R"("usage":{"prompt_tokens":1000000,"completion_tokens":1000000,"total_tokens":2000000}})";
  auto [done, done_end] =
      outcome_of(R"({"status":200,"headers":{"content-type":"application/json"},"now_ms":1000050})", completion);
  INFO(done_end.dump());
  REQUIRE(done == Json{{"outcome", "done"}});
  REQUIRE(done_end["step"] == "respond");
  REQUIRE(done_end["status"] == 200);
  Json body = AsJson(done_end["body"].get<std::string>());
  REQUIRE(body["id"] == "gen-test");
  // $0.15 + $0.60 per million: the cost fields come from the money module, exactly.
  REQUIRE(body["usage"]["cost"].get<double>() == Approx(0.75));
  REQUIRE(done_end["settle"]["id"] == "gen-test");
  REQUIRE(done_end["settle"]["priced"]["cost"]["charged"] == "0.75");
  sy_router_free(router);
}

TEST_CASE("a response to the free variant names it, buffered and streamed") {
  sy_router_t* router = NewRouter(SmallCatalogConfig());
  const std::string completion =
      R"({"id":"c","object":"chat.completion","created":1,"model":"llama-3.3-70b",)"
      R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],)"
      R"("usage":{"prompt_tokens":3,"completion_tokens":1}})";
  const std::string head = R"({"status":200,"headers":{"content-type":"application/json"},"now_ms":1000010})";
  for (const char* model : {"meta-llama/llama-3.3-70b-instruct:free",
                            "meta-llama/llama-3.3-70b-instruct"}) {
    INFO(model);
    const bool free = std::string_view(model).find(":free") != std::string_view::npos;
    for (bool stream : {false, true}) {
      INFO("stream " << stream);
      const std::string input = std::string(R"({"request":{"model":")") + model +
                                R"(","messages":[{"role":"user","content":"hi"}],"stream":)" +
                                (stream ? "true" : "false") +
                                R"(},"now_ms":1000000,"seed":7,"generation_id":"gen-free"})";
      sy_session_t* s = NewSession(router, input);
      REQUIRE_FALSE(AsJson(SessionResult(s))["attempts"].empty());
      Json step = Next(s, 1000000);
      REQUIRE(step["step"] == "attempt");
      std::string client;
      Json settle;
      if (!stream) {
        REQUIRE(Respond(s, head, completion)["outcome"] == "done");
        Json end = Next(s, 1000020);
        REQUIRE(end["step"] == "respond");
        client = end["body"].get<std::string>();
        settle = end["settle"];
      } else {
        const std::string sse_head =
            R"({"status":200,"headers":{"content-type":"text/event-stream"},"now_ms":1000010})";
        REQUIRE(sy_session_stream_open(s, sse_head.data(), sse_head.size()) == SY_OK);
        const std::string chunk =
            R"(data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"x",)"
            R"("choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]})"
            "\n\ndata: [DONE]\n\n";
        REQUIRE(sy_session_stream_feed(s, chunk.data(), chunk.size()) == SY_OK);
        client = SessionResult(s);
        const std::string fin = R"({"now_ms":1000020})";
        REQUIRE(sy_session_stream_finish(s, fin.data(), fin.size()) == SY_OK);
        client += SessionResult(s);
        Json end = Next(s, 1000021, /*committed=*/true);
        REQUIRE(end["step"] == "end");
        settle = end["settle"];
      }
      INFO(client);
      const std::string named = std::string(R"("model":")") + model + "\"";
      REQUIRE(client.find(named) != std::string::npos);
      // The generation record names it too.
      REQUIRE(settle["generation"]["model"] == model);
      // The paid id never names the variant.
      if (!free) REQUIRE(client.find(":free") == std::string::npos);
      sy_session_free(s);
    }
  }
  sy_router_free(router);
}

TEST_CASE("session: handing out a half-open endpoint's attempt makes it the trial") {
  sy_router_t* router = NewRouter(SmallCatalogConfig());
  const std::string input =
      R"({"request":{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}],)"
      R"("provider":{"sort":"price"}},"now_ms":1000000,"seed":7})";
  auto first_tag = [&](const std::string& plan_input) {
    sy_plan_t* plan = NewPlan(router, plan_input);
    Json p = AsJson(PlanResult(plan));
    sy_plan_free(plan);
    return p["attempts"][0]["tag"].get<std::string>();
  };
  // Sorted by price: openai first ($0.15 + $0.60, deepinfra adds a per-request fee).
  REQUIRE(first_tag(input) == "openai");
  sy_plan_t* probe = NewPlan(router, input);
  const int64_t openai = AsJson(PlanResult(probe))["attempts"][0]["endpoint"].get<int64_t>();
  sy_plan_free(probe);
  // Five failures open openai's circuit for 30 s; then it is half-open and leads again.
  for (int i = 0; i < 5; ++i) {
    std::string event = R"({"endpoint":)" + std::to_string(openai) + R"(,"now_ms":)" +
                        std::to_string(1000000 + i) + R"(,"http_status":503})";
    REQUIRE(Call(sy_router_observe, router, event) == SY_OK);
  }
  auto at = [&](int64_t now) {
    std::string in = input;
    in.replace(in.find("1000000"), 7, std::to_string(now));
    return in;
  };
  REQUIRE(first_tag(at(1000010)) == "deepinfra");  // open
  const int64_t half = 1000004 + 30000;
  REQUIRE(first_tag(at(half)) == "openai");        // half-open: the trial may go
  // A session planned now leads with openai; only handing out its attempt (sy_session_next)
  // makes it the trial: the next plans put openai last.
  sy_session_t* trial = NewSession(router, at(half));
  CHECK(first_tag(at(half + 50)) == "openai");
  Json step = Next(trial, half + 50);
  REQUIRE(step["step"] == "attempt");
  REQUIRE(step["provider"] == "openai");
  CHECK(first_tag(at(half + 100)) == "deepinfra");
  // Its answer (a success) goes to the router's health through the session: the circuit closes
  // and openai leads again; the event is also handed to the host to relay.
  const std::string completion =
      R"({"id":"c","object":"chat.completion","created":1,"model":"gpt-4o-mini",)"
      R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],)"
      R"("usage":{"prompt_tokens":3,"completion_tokens":1}})";
  REQUIRE(Respond(trial, R"({"status":200,"now_ms":)" + std::to_string(half + 500) + "}", completion)["outcome"] ==
          "done");
  CHECK(first_tag(at(half + 600)) == "openai");
  Json end = Next(trial, half + 501);
  REQUIRE(end["observed"].size() == 1);
  REQUIRE(end["observed"][0]["endpoint"] == openai);
  REQUIRE(end["observed"][0]["http_status"] == 200);
  sy_session_free(trial);
  sy_router_free(router);
}

TEST_CASE("session streams: open, feed, ended, finish; finish once") {
  sy_router_t* router = NewRouter(SmallCatalogConfig());
  std::string input = kPlanInput;
  input.replace(input.find("\"messages\""), 0, "\"stream\":true,");
  sy_session_t* session = NewSession(router, input);
  // No stream before its attempt.
  REQUIRE(sy_session_stream_finish(session, R"({"now_ms":1})", 12) == SY_INVALID_ARGUMENT);
  RequireErrorBody(SessionResult(session), 400);
  REQUIRE(sy_session_stream_ended(session) == 1);

  Json step = Next(session, 1000000);
  REQUIRE(step["stream"] == true);
  REQUIRE(sy_session_stream_open(session, "{}", 2) == SY_INVALID_ARGUMENT);  // now_ms is required
  RequireErrorBody(SessionResult(session), 400);
  REQUIRE(sy_session_stream_open(session, R"({"status":200})", 14) == SY_INVALID_ARGUMENT);
  REQUIRE(sy_session_stream_open(session, "{bad", 4) == SY_INVALID_ARGUMENT);
  std::string head = R"({"status":200,"headers":{"content-type":"text/event-stream"},"now_ms":1000010})";
  REQUIRE(sy_session_stream_open(session, head.data(), head.size()) == SY_OK);
  REQUIRE(sy_session_stream_ended(session) == 0);
  // Open once.
  REQUIRE(sy_session_stream_open(session, head.data(), head.size()) == SY_INVALID_ARGUMENT);
  REQUIRE(sy_session_stream_ended(session) == 0);
  std::string next = R"({"now_ms":1000011})";
  REQUIRE(sy_session_next(session, next.data(), next.size()) == SY_INVALID_ARGUMENT);  // not reported

  std::string sse =
      "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\","
      "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n"
      "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\","
      "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n"
      "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\","
      "\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":2,\"total_tokens\":12}}\n\n"
      "data: [DONE]\n\n";
  std::string client;
  for (size_t i = 0; i < sse.size(); i += 7) {  // an arbitrary split
    REQUIRE(sy_session_stream_ended(session) == 0);
    std::string_view piece = std::string_view(sse).substr(i, 7);
    REQUIRE(sy_session_stream_feed(session, piece.data(), piece.size()) == SY_OK);
    client += SessionResult(session);
  }
  // The upstream's [DONE] does not end the stream for sy_session_stream_ended (it says 0 until
  // the finish, or a failure): the host reads on until the upstream closes.
  REQUIRE(sy_session_stream_feed(session, nullptr, 0) == SY_OK);
  REQUIRE(SessionResult(session).empty());
  REQUIRE(sy_session_stream_finish(session, "{bad", 4) == SY_INVALID_ARGUMENT);
  RequireErrorBody(SessionResult(session), 400);
  REQUIRE(sy_session_stream_finish(session, nullptr, 0) == SY_INVALID_ARGUMENT);  // now_ms
  std::string fin = R"({"now_ms":1000100,"first_content_ms":1000020})";
  REQUIRE(sy_session_stream_finish(session, fin.data(), fin.size()) == SY_OK);
  client += SessionResult(session);
  INFO(client);
  REQUIRE(client.find("Hel") != std::string::npos);
  REQUIRE(client.find("data: [DONE]") != std::string::npos);
  REQUIRE(client.find("\"cost\"") != std::string::npos);

  // Finish once; the stream is gone, feeding it forwards nothing.
  REQUIRE(sy_session_stream_finish(session, fin.data(), fin.size()) == SY_INVALID_ARGUMENT);
  RequireErrorBody(SessionResult(session), 400);
  REQUIRE(sy_session_stream_ended(session) == 1);
  sy_status_t late = sy_session_stream_feed(session, "x", 1);
  REQUIRE((late == SY_INVALID_ARGUMENT || SessionResult(session).empty()));

  // What the old stream summary said, the final step says: served, and what to settle.
  step = Next(session, 1000101, /*committed=*/true);
  INFO(step.dump());
  REQUIRE(step["step"] == "end");
  REQUIRE(step["tail"] == "");
  REQUIRE(step["settle"]["finish_reason"] == "stop");
  REQUIRE(step["settle"]["priced"]["usage"]["completion_tokens"] == 2);
  REQUIRE(step["settle"]["generation"]["streamed"] == true);
  REQUIRE(step["settle"]["generation"]["latency_ms"] == 20);
  REQUIRE(step["settle"]["generation"]["generation_time_ms"] == 80);
  // After the end, nothing more is taken.
  REQUIRE(sy_session_stream_open(session, head.data(), head.size()) == SY_INVALID_ARGUMENT);
  REQUIRE(sy_session_respond(session, head.data(), head.size(), "", 0) == SY_INVALID_ARGUMENT);
  sy_session_free(session);
  sy_router_free(router);
}

TEST_CASE("plans and sessions outlive their router; overlays do not move their catalog") {
  sy_router_t* router = NewRouter(SmallCatalogConfig());
  sy_plan_t* plan = NewPlan(router);
  const std::string plan_before = PlanResult(plan);
  sy_session_t* before = NewSession(router);

  std::string overlay = ReadFile("tests/fixtures/catalog/overlay-sandbox.json");
  REQUIRE(Call(sy_router_overlay, router, "{\"providers\":5}") == SY_INVALID_ARGUMENT);
  REQUIRE(Call(sy_router_overlay, router, "") == SY_INVALID_ARGUMENT);
  REQUIRE(Call(sy_router_overlay, router, overlay) == SY_OK);

  // The session still builds requests against the catalog it was planned with.
  Json step = Next(before, 1000000);
  REQUIRE(step["request"]["url"].get<std::string>().rfind("https://api.openai.com", 0) == 0);
  // A new session sees the overlay.
  std::string input = kPlanInput;
  input.replace(input.find("\"messages\""), 0, "\"stream\":true,");
  sy_session_t* after = NewSession(router, input);

  sy_router_free(router);  // plans and sessions keep the router state (catalog, health) alive
  REQUIRE(PlanResult(plan) == plan_before);
  sy_plan_free(plan);

  // The older session's attempt is answered; its health and stickiness are the freed router's.
  const std::string completion =
      R"({"id":"c","object":"chat.completion","created":1,"model":"gpt-4o-mini",)"
      R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],)"
      R"("usage":{"prompt_tokens":3,"completion_tokens":1}})";
  REQUIRE(Respond(before, R"({"status":200,"now_ms":1000010})", completion)["outcome"] == "done");
  step = Next(before, 1000011);
  REQUIRE(step["step"] == "respond");
  REQUIRE(step["status"] == 200);
  REQUIRE(step["settle"].is_object());
  sy_session_free(before);

  step = Next(after, 1000000);
  REQUIRE(step["request"]["url"].get<std::string>().rfind("http://127.0.0.1:8790", 0) == 0);
  std::string head = R"({"status":200,"now_ms":1000005})";
  REQUIRE(sy_session_stream_open(after, head.data(), head.size()) == SY_OK);
  REQUIRE(sy_session_stream_feed(after, "data: [DONE]\n\n", 14) == SY_OK);
  std::string cut = R"({"failure":"connection","now_ms":1000009})";
  REQUIRE(sy_session_stream_finish(after, cut.data(), cut.size()) == SY_OK);
  step = Next(after, 1000010);
  REQUIRE((step["step"] == "respond" || step["step"] == "end"));
  sy_session_free(after);
}

TEST_CASE("ledger: new, apply, export, and bad input") {
  sy_ledger_t* ledger = nullptr;
  REQUIRE(sy_ledger_new(nullptr, 0, &ledger) == SY_OK);
  REQUIRE(ledger != nullptr);
  REQUIRE(sy_ledger_export(ledger) == SY_OK);
  std::string state = LedgerResult(ledger);
  REQUIRE(AsJson(state).is_object());

  REQUIRE(sy_ledger_apply(ledger, nullptr, "{", 1) == SY_INVALID_ARGUMENT);
  RequireErrorBody(LedgerResult(ledger), 400);
  REQUIRE(sy_ledger_apply(ledger, nullptr, "", 0) == SY_INVALID_ARGUMENT);
  REQUIRE(sy_ledger_apply(ledger, nullptr, R"({"op":"no-such-op"})", 19) != SY_OK);
  RequireErrorBody(LedgerResult(ledger), AsJson(LedgerResult(ledger))["error"]["code"].get<int>());

  // Export → new → export is the identity.
  sy_ledger_t* copy = nullptr;
  REQUIRE(sy_ledger_new(state.data(), state.size(), &copy) == SY_OK);
  REQUIRE(sy_ledger_export(copy) == SY_OK);
  REQUIRE(AsJson(LedgerResult(copy)) == AsJson(state));
  sy_ledger_free(copy);

  copy = reinterpret_cast<sy_ledger_t*>(1);
  REQUIRE(sy_ledger_new("[1]", 3, &copy) != SY_OK);
  REQUIRE(copy == nullptr);
  RequireErrorBody(LastError(), AsJson(LastError())["error"]["code"].get<int>());
  REQUIRE(sy_ledger_new("{", 1, &copy) == SY_INVALID_ARGUMENT);
  REQUIRE(sy_ledger_new("{}", 2, nullptr) == SY_INVALID_ARGUMENT);
  sy_ledger_free(ledger);
}
