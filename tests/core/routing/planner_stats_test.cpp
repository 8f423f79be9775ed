// Load balancing's distribution: at $1, $2, $3 per million tokens the first attempt is drawn
// with probability ∝ 1/price² = 36 : 9 : 4 (of 49).
//
// Tolerance: over N = 20,000 draws the standard deviation of a frequency p is sqrt(p(1-p)/N):
// 0.0031 (a), 0.0027 (b), 0.0019 (c). We allow ±0.012 absolute, about 4–6 σ, so a correct
// sampler would essentially never fail, while a wrong weighting (1/price: 6:3:2 → a = 0.545,
// or uniform → 0.333) misses by 15+ σ. And it cannot flake: the seeds are fixed (0..N-1) and the
// PRNG is ours, so the counts are the same on every run and in every build (native or wasm) —
// the test also pins the exact counts' sum and checks two runs agree.
#include "routing/planner_test_catalog.h"
#include "json_testing.h"

#include <array>

using namespace switchyard;
using namespace switchyard::testing;

namespace {

std::array<int, 3> FirstChoiceCounts(const Catalog& cat, const Request& req, int n, uint64_t seed0) {
  std::array<int, 3> counts{0, 0, 0};
  PolicyContext ctx;
  Health health;
  PlanOptions options;
  options.now_ms = 1'000'000'000;
  for (int i = 0; i < n; ++i) {
    options.seed = seed0 + static_cast<uint64_t>(i);
    auto plan = MakePlan(cat, req, ctx, health, options);
    REQUIRE(plan.ok());
    REQUIRE(plan->attempts.size() == 3);
    counts[cat.endpoint(plan->attempts[0].endpoint).tag[0] - 'a']++;
  }
  return counts;
}

}  // namespace

TEST_CASE("first-choice frequencies at $1/$2/$3 match 36:9:4") {
  Catalog cat = TestCatalog(testing::JsonOf(R"([
    {"model":"m/x","tag":"a","prompt":"0.5","completion":"0.5"},
    {"model":"m/x","tag":"b","prompt":"1","completion":"1"},
    {"model":"m/x","tag":"c","prompt":"1.5","completion":"1.5"}])"));
  auto req = ParseRequest(Req("m/x"));
  REQUIRE(req.ok());

  constexpr int kN = 20'000;
  auto counts = FirstChoiceCounts(cat, *req, kN, 0);
  CHECK(counts[0] + counts[1] + counts[2] == kN);
  const double expected[3] = {36.0 / 49, 9.0 / 49, 4.0 / 49};
  for (int i = 0; i < 3; ++i) {
    double f = static_cast<double>(counts[i]) / kN;
    INFO("endpoint " << char('a' + i) << ": " << counts[i] << " of " << kN << " = " << f
                     << ", expected " << expected[i]);
    CHECK(f > expected[i] - 0.012);
    CHECK(f < expected[i] + 0.012);
  }
  // "At $1, $2, $3 the first is 9× likelier than the third": the ratio within 15%.
  double ratio = static_cast<double>(counts[0]) / counts[2];
  INFO("a/c ratio " << ratio);
  CHECK(ratio > 9 * 0.85);
  CHECK(ratio < 9 * 1.15);

  // Deterministic: the same seeds give the same counts.
  CHECK(FirstChoiceCounts(cat, *req, 2'000, 0) == FirstChoiceCounts(cat, *req, 2'000, 0));
}

TEST_CASE("another seed range agrees too (the sampler is not tuned to seeds 0..N)") {
  Catalog cat = TestCatalog(testing::JsonOf(R"([
    {"model":"m/x","tag":"a","prompt":"1"},
    {"model":"m/x","tag":"b","prompt":"2"},
    {"model":"m/x","tag":"c","prompt":"3"}])"));
  auto req = ParseRequest(Req("m/x"));
  REQUIRE(req.ok());
  constexpr int kN = 20'000;
  auto counts = FirstChoiceCounts(cat, *req, kN, 0x5eed'0000'0000ull);
  const double expected[3] = {36.0 / 49, 9.0 / 49, 4.0 / 49};
  for (int i = 0; i < 3; ++i) {
    double f = static_cast<double>(counts[i]) / kN;
    INFO("endpoint " << char('a' + i) << ": " << f);
    CHECK(f > expected[i] - 0.012);
    CHECK(f < expected[i] + 0.012);
  }
}
