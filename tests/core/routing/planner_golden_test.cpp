// Golden plans: every tests/fixtures/plans/*.json is self-contained —
//   {"name", "catalog": <catalog document> | "default", "input": <sy_router_plan input>,
//    "health_events": [<sy_router_observe event>...],
//    "stickiness": [{"sticky_key", "endpoint", "now_ms"}...]   (optional: prior successes),
//    "expected": <RenderPlan output> | <error body {"error":{code,message,metadata}}>}
// The JS suite checks the same files against both wasm builds.
//
// Regenerate after an intended change (natively), then review the diff by hand:
//   SY_UPDATE_GOLDEN=1 build/<dir>/tests/planner_golden_test
// A stickiness record with "sticky_key": null is filled with the plan's own key on update.
#include "routing/planner_test_catalog.h"

#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include "json_testing.h"

using namespace switchyard;
using namespace switchyard::testing;

namespace {

std::vector<std::string> FixtureFiles() {
  std::vector<std::string> files;
  std::string dir = SourcePath("tests/fixtures/plans");
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.size() > 5 && name.substr(name.size() - 5) == ".json") files.push_back(name);
    }
    closedir(d);
  }
  std::sort(files.begin(), files.end());
  return files;
}

HealthEvent EventFromJson(const Json& j) {
  HealthEvent e;
  e.endpoint = static_cast<uint32_t>(FindInt(j, "endpoint").value_or(0));
  e.now_ms = FindInt(j, "now_ms").value_or(0);
  e.http_status = static_cast<int>(FindInt(j, "http_status").value_or(200));
  e.timeout = FindBool(j, "timeout").value_or(false);
  e.connection_error = FindBool(j, "connection_error").value_or(false);
  e.latency_ms = FindInt(j, "latency_ms").value_or(-1);
  e.duration_ms = FindInt(j, "duration_ms").value_or(-1);
  e.output_tokens = FindInt(j, "output_tokens").value_or(0);
  e.retry_after_ms = FindInt(j, "retry_after_ms").value_or(0);
  return e;
}

// The fixture's actual output: the rendered plan, or the error body.
Json Run(Json& fixture, bool update) {
  Result<Catalog> catalog = fixture["catalog"] == "default" ? Catalog::Default()
                                                            : Catalog::FromJson(fixture["catalog"]);
  INFO(catalog.status().message());
  REQUIRE(catalog.ok());
  Health health;
  if (const Json* events = FindArray(fixture, "health_events")) {
    for (const Json& e : *events) health.Observe(EventFromJson(e));
  }
  auto input = ParsePlanInputJson(fixture["input"]);
  if (!input.ok()) return ErrorBody(input.status());

  Stickiness stickiness;
  if (Json* records = fixture.contains("stickiness") ? &fixture["stickiness"] : nullptr) {
    for (Json& r : *records) {
      if (r["sticky_key"].is_null()) {
        REQUIRE(update);  // a committed fixture states its key
        PlanOptions plain;
        plain.now_ms = input->now_ms;
        auto p = MakePlan(*catalog, input->request, input->context, health, plain);
        REQUIRE(p.ok());
        r["sticky_key"] = p->sticky_key;
      }
      uint32_t endpoint = static_cast<uint32_t>(r["endpoint"].get<int64_t>());
      stickiness.RecordSuccess(r["sticky_key"].get<std::string>(), catalog->endpoint(endpoint),
                               r["now_ms"].get<int64_t>());
    }
  }
  PlanOptions options;
  options.now_ms = input->now_ms;
  options.seed = input->seed;
  options.stickiness = &stickiness;
  auto plan = MakePlan(*catalog, input->request, input->context, health, options);
  if (!plan.ok()) return ErrorBody(plan.status());
  Json out = RenderPlan(*catalog, *plan);
  // Rendering is a pure function of the plan, and the direct text writer agrees byte for byte.
  CHECK(Dump(out) == Dump(RenderPlan(*catalog, *plan)));
  CHECK(RenderPlanText(*catalog, *plan) == Dump(out));
  return out;
}

}  // namespace

TEST_CASE("golden plan fixtures") {
  const char* env = std::getenv("SY_UPDATE_GOLDEN");
  const bool update = env && std::string(env) == "1";
  std::vector<std::string> files = FixtureFiles();
  CHECK(files.size() >= 12);
  for (const std::string& file : files) {
    std::string path = "tests/fixtures/plans/" + file;
    auto doc = ParseJson(ReadFile(path));
    INFO(path << ": " << doc.status().message());
    REQUIRE(doc.ok());
    Json fixture = std::move(doc).value();
    INFO("fixture " << file << ": " << testing::ValueOr(fixture, "name", ""));
    Json actual = Run(fixture, update);
    if (update) {
      fixture["expected"] = actual;
      std::ofstream(SourcePath(path), std::ios::binary) << fixture.dump(1) << "\n";
      continue;
    }
    const Json& expected = fixture["expected"];
    INFO("expected " << expected.dump(1) << "\nactual " << actual.dump(1));
    CHECK(actual == expected);
  }
}
