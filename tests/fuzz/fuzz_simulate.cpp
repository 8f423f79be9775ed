// The routing simulator's scenario: any bytes, parsed as JSON, run against a small catalog with
// max_requests forced down to 300 (so each input runs in milliseconds). A refusal must be a 400 or
// 413 naming what is wrong; a report must be valid JSON whose counts add up.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "switchyard/catalog/catalog.h"
#include "switchyard/json/json.h"
#include "switchyard/simulate/simulate.h"
#include "json_testing.h"

using namespace switchyard;

namespace {

const Catalog& SmallCatalog() {
  static const Catalog* catalog = [] {
    Result<Catalog> c = Catalog::FromText(R"({"format":"switchyard-catalog","version":1,
      "providers":[{"slug":"a","name":"A","wire":"openai","base_url":"https://a.test/v1"},
                   {"slug":"b","name":"B","wire":"anthropic","base_url":"https://b.test/v1"}],
      "models":[{"id":"m/x","name":"X","context_length":100000},
                {"id":"m/y","name":"Y","context_length":100000}],
      "endpoints":[{"model":"m/x","provider":"a","context_length":100000,"pricing":{"prompt":"1","completion":"2","input_cache_read":"0.1"}},
                   {"model":"m/x","provider":"b","context_length":100000,"pricing":{"prompt":"0","completion":"0"}},
                   {"model":"m/y","provider":"b","context_length":100000,"pricing":{"prompt":"3","completion":"9"}}]})");
    if (!c.ok()) {
      std::fprintf(stderr, "%s\n", c.status().message().c_str());
      std::abort();
    }
    return new Catalog(std::move(*c));
  }();
  return *catalog;
}

int64_t Int(const Json& j, const char* key) { return testing::ValueOr(j, key, int64_t{-1}); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Result<Json> parsed = ParseJson(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!parsed.ok()) return 0;
  Json scenario = std::move(*parsed);
  if (scenario.is_object()) scenario["max_requests"] = 300;
  Result<Json> report = Simulate(SmallCatalog(), scenario);
  if (!report.ok()) {
    Code code = report.status().code();
    if (code != Code::kInvalidArgument && code != Code::kTooLarge) std::abort();
    if (report.status().message().empty()) std::abort();
    return 0;
  }
  const Json& r = *report;
  if (!testing::TryJson(r.dump())) std::abort();
  if (Int(r, "succeeded") + Int(r, "failed") != Int(r, "requests")) std::abort();
  if (Int(r, "requests") > 300 + 300 / 4 + 100) std::abort();
  int64_t attempts = 0, cost = 0;
  for (const Json& p : r["providers"]) {
    attempts += Int(p, "attempts");
    cost += Int(p, "cost_picos");
  }
  if (attempts != Int(r, "attempts") || cost != Int(r, "cost_picos")) std::abort();
  return 0;
}
