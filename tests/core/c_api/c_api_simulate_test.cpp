// sy_router_simulate (c_sim.h): the C entry point of the routing simulator, over the router's
// embedded default catalog.
#include <cstring>

#include "simulate/simulate_support.h"
#include "switchyard/c_api/c_sim.h"
#include "json_testing.h"

using namespace switchyard;
using namespace switchyard::testing;

namespace {

Json ResultJson(sy_router_t* router) {
  size_t size = 0;
  const char* body = sy_router_result(router, &size);
  return testing::JsonOf(std::string_view(body, size));
}

}  // namespace

TEST_CASE("c_api simulate: errors in the documented shape") {
  sy_router_t* router = nullptr;
  REQUIRE(sy_router_new(nullptr, 0, &router) == SY_OK);
  const char* bad = "{\"duration_ms\": 1000}";
  CHECK(sy_router_simulate(router, bad, std::strlen(bad)) == SY_INVALID_ARGUMENT);
  CHECK(ResultJson(router)["error"]["metadata"]["field"] == "traffic");
  CHECK(sy_router_simulate(router, "", 0) == SY_INVALID_ARGUMENT);
  CHECK(sy_router_simulate(router, "[1]", 3) == SY_INVALID_ARGUMENT);
  CHECK(sy_router_simulate(router, "{\"duration_ms\":", 15) == SY_INVALID_ARGUMENT);
  CHECK(ResultJson(router)["error"]["code"] == 400);
  CHECK(sy_router_simulate(router, nullptr, 5) == SY_INVALID_ARGUMENT);
  CHECK(sy_router_simulate(nullptr, bad, std::strlen(bad)) == SY_INVALID_ARGUMENT);
  sy_router_free(router);
}

TEST_CASE("c_api simulate: the default catalog, a provider that always fails") {
  sy_router_t* router = nullptr;
  REQUIRE(sy_router_new(nullptr, 0, &router) == SY_OK);
  const char* scenario = R"({"seed": 9, "duration_ms": 30000,
    "traffic": [{"rate_per_s": 10, "request": {"model": "openai/gpt-4o-mini",
                 "messages": [{"role": "user", "content": "hi"}]}}],
    "providers": {"openai": {"error_rate": 1}}})";
  REQUIRE(sy_router_simulate(router, scenario, std::strlen(scenario)) == SY_OK);
  Json report = ResultJson(router);
  CheckIdentities(report);
  CHECK(report["requests"].get<int64_t>() > 200);
  // Whatever was tried at openai failed, and the request was served elsewhere.
  if (const Json* openai = ProviderRow(report, "openai")) {
    CHECK((*openai)["succeeded"] == 0);
    CHECK((*openai)["failed"] == (*openai)["attempts"]);
  }
  CHECK(report["succeeded"] == report["requests"]);
  // The router's own health is untouched by a simulation.
  const char* input = R"({"model": "openai/gpt-4o-mini", "now_ms": 1767225600000})";
  REQUIRE(sy_router_endpoints(router, input, std::strlen(input)) == SY_OK);
  Json endpoints = ResultJson(router);
  REQUIRE(endpoints["data"]["endpoints"].size() > 1);
  for (const Json& e : endpoints["data"]["endpoints"]) CHECK(e["uptime_last_30m"].is_null());
  sy_router_free(router);
}
