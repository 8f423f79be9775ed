// The routing simulator: its own arithmetic, its accounting identities, the routing behaviours it
// must reproduce (price order, fallback on outage, 429 cooldowns, timeouts, stickiness, the
// skip-model rule of the router's Lifecycle), exact costs, determinism, and refusal of malformed
// scenarios.
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <cstring>
#include <limits>
#include <string>

#include "routing/planner_test_catalog.h"
#include "simulate/simulate_support.h"
#include "switchyard/routing/session.h"
#include "switchyard/simulate/simulate.h"
#include "switchyard/wire/wire.h"
#include "json_testing.h"

using namespace switchyard;
using namespace switchyard::testing;

namespace {

// Two providers for one model: "cheap" ($1/M prompt, $2/M completion) and "dear" ($3/M, $4/M).
Catalog TwoProviders() {
  return TestCatalog(testing::JsonOf(R"([
    {"model":"m/x","tag":"cheap","prompt":"1","completion":"2"},
    {"model":"m/x","tag":"dear","prompt":"3","completion":"4"}])"));
}

Json Scenario(const std::string& extra_json = "{}") {
  Json s = testing::JsonOf(R"({
    "seed": 3, "duration_ms": 100000, "bucket_ms": 1000,
    "traffic": [{"name": "chat", "rate_per_s": 20, "prompt_tokens": 1000, "completion_tokens": 100,
                 "request": {"model": "m/x", "messages": [{"role": "user", "content": "hi"}],
                             "provider": {"sort": "price"}}}],
    "providers": {"*": {"latency_ms": 300, "latency_jitter": 0.1, "tokens_per_s": 100}}})");
  Json extra = testing::JsonOf(extra_json);
  for (auto it = extra.begin(); it != extra.end(); ++it) s[it.key()] = *it;
  return s;
}

Json Run(const Catalog& catalog, const Json& scenario) {
  Result<Json> r = Simulate(catalog, scenario);
  INFO((r.ok() ? std::string() : Dump(ErrorBody(r.status()))));
  REQUIRE(r.ok());
  return std::move(r).value();
}

Status Refusal(const Catalog& catalog, const Json& scenario) {
  Result<Json> r = Simulate(catalog, scenario);
  if (r.ok()) return Status::Ok();
  return r.take_status();
}

}  // namespace

TEST_CASE("simulate: SimLn and SimExp agree with libm to a few ulp") {
  auto ulps = [](double a, double b) {
    if (a == b) return 0.0;
    return std::fabs(a - b) / std::fabs(std::nextafter(b, 0.0) - b);
  };
  for (double x : {1e-300, 1e-20, 0x1.0p-53, 0.001, 0.1, 0.5, 0.7071067811865476, 0.999999,
                   1.0, 1.000001, 1.5, 2.0, 2.718281828459045, 10.0, 12345.678, 1e20, 1e300}) {
    INFO(x);
    CHECK(ulps(SimLn(x), std::log(x)) <= 4);
  }
  CHECK(SimLn(1.0) == 0.0);
  CHECK(std::isnan(SimLn(-1.0)));
  CHECK(SimLn(0.0) == -std::numeric_limits<double>::infinity());
  CHECK(ulps(SimLn(4.9406564584124654e-324), std::log(4.9406564584124654e-324)) <= 4);
  for (double x : {-700.0, -50.0, -3.0, -1.0, -0.5, -1e-10, 0.0, 1e-10, 0.25, 0.5, 1.0, 2.0,
                   3.3, 10.0, 100.0, 700.0}) {
    INFO(x);
    CHECK(ulps(SimExp(x), std::exp(x)) <= 4);
  }
  CHECK(SimExp(0.0) == 1.0);
  CHECK(SimExp(1000.0) == std::numeric_limits<double>::infinity());
  CHECK(SimExp(-1000.0) == 0.0);
  // A sweep: the worst error over 20,000 points of each.
  double worst_ln = 0, worst_exp = 0;
  for (int i = 1; i <= 20000; ++i) {
    double x = i * 0.0123456;
    worst_ln = std::max(worst_ln, ulps(SimLn(x), std::log(x)));
    double y = -20 + i * 0.002;
    worst_exp = std::max(worst_exp, ulps(SimExp(y), std::exp(y)));
  }
  CHECK(worst_ln <= 4);
  CHECK(worst_exp <= 4);
}

TEST_CASE("simulate: counts add up, and the same seed gives the same report") {
  Catalog catalog = TwoProviders();
  Json scenario = Scenario(R"({"providers": {"*": {"latency_ms": 300, "error_rate": 0.05,
                                                   "timeout_rate": 0.01}}})");
  Json a = Run(catalog, scenario);
  CheckIdentities(a);
  CHECK(a["failures"]["http_5xx"].get<int64_t>() > 0);
  CHECK(a["failures"]["timeout"].get<int64_t>() > 0);
  CHECK(a["fallbacks"].get<int64_t>() > 0);
  CHECK(Dump(Run(catalog, scenario)) == Dump(a));
  scenario["seed"] = 4;
  Json b = Run(catalog, scenario);
  CheckIdentities(b);
  CHECK(b["requests"] != a["requests"]);
}

TEST_CASE("simulate: two policies on the same seed see the same requests") {
  // A compares against B like for like: the providers behave differently (B makes "cheap" fail
  // and time out, so its attempts, events and outcome draws all differ), the traffic does not.
  Catalog catalog = TwoProviders();
  Json a = Scenario();
  a["traffic"][0]["conversations"] = 7;
  Json b = a;
  b["providers"]["cheap"] = testing::JsonOf(R"({"error_rate": 0.3, "timeout_rate": 0.1})");
  b["traffic"][0]["request"]["provider"]["sort"] = "latency";
  Json ra = Run(catalog, a), rb = Run(catalog, b);
  CHECK(ra["attempts"] != rb["attempts"]);
  CHECK(ra["requests"] == rb["requests"]);
  CHECK(ra["series"]["requests"] == rb["series"]["requests"]);
  for (size_t i = 0; i < ra["samples"].size(); ++i) {
    INFO("sample " << i);
    CHECK(ra["samples"][i]["t_ms"] == rb["samples"][i]["t_ms"]);
  }
}

TEST_CASE("simulate: arrivals are Poisson at the configured rate") {
  Catalog catalog = TwoProviders();
  for (uint64_t seed : {1u, 2u, 3u}) {
    Json s = Scenario();
    s["seed"] = seed;
    s["traffic"][0]["rate_per_s"] = 50;
    Json r = Run(catalog, s);
    // 5,000 expected over 100 s; the standard deviation is ~71: ±4σ.
    int64_t n = r["requests"].get<int64_t>();
    CHECK(n > 5000 - 284);
    CHECK(n < 5000 + 284);
    CheckIdentities(r);
  }
}

TEST_CASE("simulate: price order and exact costs in picodollars") {
  Catalog catalog = TwoProviders();
  Json r = Run(catalog, Scenario());
  CheckIdentities(r);
  // No failures configured: every request is served by the cheapest provider, once.
  const Json* cheap = ProviderRow(r, "cheap");
  REQUIRE(cheap != nullptr);
  CHECK(ProviderRow(r, "dear") == nullptr);
  CHECK((*cheap)["succeeded"] == r["requests"]);
  CHECK(r["attempts"] == r["requests"]);
  CHECK(r["fallbacks"] == 0);
  // 1,000 prompt tokens at $1/M + 100 completion tokens at $2/M = $0.0012 = 1.2e9 picodollars.
  int64_t n = r["requests"].get<int64_t>();
  CHECK(r["cost_picos"].get<int64_t>() == n * 1'200'000'000);
  CHECK((*cheap)["share"].get<double>() == 1.0);
  // Latency: 300 ms ± 10% to first token, + 100 tokens at 100/s = ~1.3 s end to end.
  CHECK(r["latency_ms"]["p50"].get<int64_t>() > 1200);
  CHECK(r["latency_ms"]["p50"].get<int64_t>() < 1400);
  CHECK(r["latency_ms"]["p99"].get<int64_t>() >= r["latency_ms"]["p50"].get<int64_t>());
}

TEST_CASE("simulate: an outage moves traffic to the fallback and back") {
  Catalog catalog = TwoProviders();
  Json s = Scenario(R"({"duration_ms": 600000, "bucket_ms": 10000,
    "providers": {"*": {"latency_ms": 300, "tokens_per_s": 100},
                  "cheap": {"outages": [{"start_ms": 100000, "end_ms": 200000, "status": 503}]}}})");
  Json r = Run(catalog, s);
  CheckIdentities(r);
  CHECK(r["failed"] == 0);  // every request fell back in time
  CHECK(r["failures"]["http_5xx"].get<int64_t>() > 0);
  const Json& cheap = r["series"]["providers"]["cheap"]["attempts"];
  const Json& dear = r["series"]["providers"]["dear"]["attempts"];
  // Before the outage: all on cheap.
  CHECK(Sum(dear, 0, 10) == 0);
  CHECK(Sum(cheap, 0, 10) > 1500);
  // During it (after the first seconds that open the circuit): traffic on dear, cheap gets only
  // the breaker's trials.
  CHECK(Sum(dear, 11, 20) > 1500);
  CHECK(Sum(cheap, 11, 20) < 100);
  // Long after (the breaker backs off at most 5 minutes): back on cheap.
  CHECK(Sum(cheap, 55, 60) > 800);
  CHECK(Sum(dear, 55, 60) == 0);
  CHECK(r["fallbacks"].get<int64_t>() > 0);
  CHECK(r["fallbacks"].get<int64_t>() < 200);  // the breaker, not every request, pays the outage
}

TEST_CASE("simulate: a recovering provider comes back once it answers again") {
  // "cheap" is down from 100 s to 200 s; its circuit opens. 300 output tokens at 100/s: every
  // success takes ~3.3 s, a 500 only ~0.3 s.
  Catalog catalog = TwoProviders();
  auto run = [&](const char* providers) {
    Json s = Scenario(R"({"duration_ms": 600000, "bucket_ms": 10000})");
    s["providers"] = testing::JsonOf(providers);
    s["traffic"][0]["completion_tokens"] = 300;
    Json r = Run(catalog, s);
    CheckIdentities(r);
    return r;
  };
  SECTION("5% errors everywhere: fallbacks to the open endpoint show it is back") {
    // dear's failed attempts fall back to cheap (open endpoints are tried last); once the
    // outage is over such a fallback succeeds, and that success closes the circuit.
    Json r = run(R"({"*": {"latency_ms": 300, "tokens_per_s": 100, "error_rate": 0.05},
                     "cheap": {"outages": [{"start_ms": 100000, "end_ms": 200000}]}})");
    const Json& cheap = r["series"]["providers"]["cheap"]["attempts"];
    const Json& dear = r["series"]["providers"]["dear"]["attempts"];
    for (size_t b = 11; b < 20; ++b) CHECK(dear[b].get<int64_t>() > 5 * cheap[b].get<int64_t>());
    for (size_t b = 22; b < 60; ++b) {
      INFO("bucket " << b);
      CHECK(dear[b].get<int64_t>() * 5 < cheap[b].get<int64_t>());
    }
  }
  SECTION("errors only at cheap: its half-open circuit gets one trial, not the whole traffic") {
    // No fallbacks reach cheap; its trials at ~130 s and ~190 s fail and the one at ~310 s
    // succeeds. Only that request may go while it runs: were every request let through, one of
    // the ~60 in flight would fail fast (5%) and reopen the circuit for 4 more minutes.
    Json r = run(R"({"*": {"latency_ms": 300, "tokens_per_s": 100},
                     "cheap": {"error_rate": 0.05,
                               "outages": [{"start_ms": 100000, "end_ms": 200000}]}})");
    const Json& cheap = r["series"]["providers"]["cheap"]["attempts"];
    const Json& dear = r["series"]["providers"]["dear"]["attempts"];
    CHECK(Sum(cheap, 11, 30) < 20);  // open: trials only
    for (size_t b = 33; b < 60; ++b) {
      INFO("bucket " << b);
      CHECK(dear[b].get<int64_t>() * 5 < cheap[b].get<int64_t>());
    }
  }
}

TEST_CASE("simulate: capacity limits answer 429 and Retry-After cools the provider down") {
  Catalog catalog = TwoProviders();
  Json s = Scenario(R"({"providers": {"*": {"latency_ms": 300, "tokens_per_s": 100},
                                      "cheap": {"capacity_rps": 5, "retry_after_ms": 3000}}})");
  Json r = Run(catalog, s);
  CheckIdentities(r);
  const Json* cheap = ProviderRow(r, "cheap");
  REQUIRE(cheap != nullptr);
  CHECK((*cheap)["rate_limited"].get<int64_t>() > 0);
  CHECK(r["failures"]["http_429"] == (*cheap)["rate_limited"]);
  CHECK(r["failed"] == 0);  // the dear provider takes the overflow
  // Never more than 5 accepted per second on cheap (1 s buckets: attempts − 429s).
  const Json& attempts = r["series"]["providers"]["cheap"]["attempts"];
  const Json& failed = r["series"]["providers"]["cheap"]["failed"];
  for (size_t i = 0; i < attempts.size(); ++i) {
    INFO("second " << i);
    CHECK(attempts[i].get<int64_t>() - failed[i].get<int64_t>() <= 5);
  }
  // The cooldown: after a 429, plans put cheap last, so it sees far fewer attempts than the
  // 20 per second offered.
  CHECK((*cheap)["attempts"].get<int64_t>() < r["requests"].get<int64_t>() / 2);
}

TEST_CASE("simulate: timeouts fail every attempt after timeout_ms") {
  Catalog catalog = TwoProviders();
  Json s = Scenario(R"({"timeout_ms": 2000, "duration_ms": 20000,
                        "providers": {"*": {"timeout_rate": 1}}})");
  Json r = Run(catalog, s);
  CheckIdentities(r);
  CHECK(r["succeeded"] == 0);
  CHECK(r["failures"]["timeout"] == r["attempts"]);
  CHECK(r["latency_ms"].is_null());
  CHECK(r["cost_picos"] == 0);
  const Json& sample = r["samples"][0];
  CHECK(sample["outcome"] == "failed");
  REQUIRE(sample["attempts"].size() == 2);
  CHECK(sample["attempts"][0]["end_ms"].get<int64_t>() - sample["attempts"][0]["start_ms"].get<int64_t>() == 2000);
  CHECK(sample["attempts"][1]["start_ms"] == sample["attempts"][0]["end_ms"]);
  CHECK(sample["attempts"][0]["result"] == "timeout");
  // A first token slower than the deadline is a timeout too.
  Json slow = Scenario(R"({"timeout_ms": 100, "duration_ms": 5000,
                           "providers": {"*": {"latency_ms": 5000, "latency_jitter": 0}}})");
  Json rs = Run(catalog, slow);
  CHECK(rs["succeeded"] == 0);
  CHECK(rs["failures"]["timeout"] == rs["attempts"]);
}

TEST_CASE("simulate: stickiness keeps conversations where they were served") {
  // "a" is cheaper than "b"; both read cached input cheaper than fresh, so a conversation sticks
  // to the endpoint that served it (planner rule 3, before price). An outage of "a" moves every
  // conversation to "b"...
  Catalog catalog = TestCatalog(testing::JsonOf(R"([
    {"model":"m/x","tag":"a","prompt":"1","completion":"1","input_cache_read":"0.1"},
    {"model":"m/x","tag":"b","prompt":"2","completion":"1","input_cache_read":"0.1"}])"));
  Json s = Scenario(R"({"duration_ms": 600000, "bucket_ms": 10000,
    "providers": {"*": {"latency_ms": 300, "tokens_per_s": 100},
                  "a": {"outages": [{"start_ms": 60000, "end_ms": 120000}]}}})");
  s["traffic"][0]["rate_per_s"] = 5;
  // ...and without conversations, traffic returns to "a" once it recovers (the breaker backs off
  // at most 5 minutes after the outage):
  Json fresh = Run(catalog, s);
  CheckIdentities(fresh);
  CHECK(Sum(fresh["series"]["providers"]["a"]["attempts"], 50, 60) > 400);
  CHECK(Sum(fresh["series"]["providers"]["b"]["attempts"], 50, 60) == 0);
  // ...while 20 conversations stay on "b", where their prompt cache is.
  s["traffic"][0]["conversations"] = 20;
  Json sticky = Run(catalog, s);
  CheckIdentities(sticky);
  CHECK(Sum(sticky["series"]["providers"]["b"]["attempts"], 50, 60) > 400);
  CHECK(Sum(sticky["series"]["providers"]["a"]["attempts"], 50, 60) == 0);
  // Before the outage both runs used "a" only.
  CHECK(Sum(sticky["series"]["providers"]["b"]["attempts"], 0, 6) == 0);
  CHECK(Sum(fresh["series"]["providers"]["b"]["attempts"], 0, 6) == 0);
}

TEST_CASE("simulate: cache hits on the conversation's endpoint bill cached_fraction at the cache price") {
  // One provider: $1/M input, $0.10/M cached input, $2/M output.
  Catalog catalog = TestCatalog(testing::JsonOf(R"([
    {"model":"m/x","tag":"a","prompt":"1","completion":"2","input_cache_read":"0.1"}])"));
  Json s = Scenario();
  s["traffic"][0]["request"].erase("provider");
  s["traffic"][0]["rate_per_s"] = 2;           // a conversation every 2.5 s, each request 1.3 s
  s["traffic"][0]["conversations"] = 5;
  s["traffic"][0]["cached_fraction"] = 0.75;
  Json r = Run(catalog, s);
  CheckIdentities(r);
  const int64_t ok = r["succeeded"].get<int64_t>();
  const int64_t hits = r["cache_hits"].get<int64_t>();
  CHECK(r["classes"][0]["cache_hits"] == hits);
  // All but the first request of each conversation (and the odd one overlapping its previous
  // request) find the cache warm.
  CHECK(hits > ok - 25);
  CHECK(hits <= ok - 5);
  // Miss: 1,000 × $1/M + 100 × $2/M = 1.2e9 picodollars. Hit: 250 fresh × $1/M + 750 cached ×
  // $0.10/M + 100 × $2/M = 0.525e9.
  CHECK(r["cost_picos"].get<int64_t>() == (ok - hits) * 1'200'000'000 + hits * 525'000'000);
  // cached_fraction 0: hits still counted, nothing discounted.
  s["traffic"][0]["cached_fraction"] = 0;
  Json full = Run(catalog, s);
  CHECK(full["cache_hits"] == hits);
  CHECK(full["cost_picos"].get<int64_t>() == ok * 1'200'000'000);
  // Without conversations there is no cache to hit.
  s["traffic"][0]["conversations"] = 0;
  s["traffic"][0]["cached_fraction"] = 0.75;
  CHECK(Run(catalog, s)["cache_hits"] == 0);
  // An endpoint without a cache-read price is billed in full even on a "hit".
  Catalog no_cache = TestCatalog(testing::JsonOf(R"([{"model":"m/x","tag":"a","prompt":"1","completion":"2"}])"));
  s["traffic"][0]["conversations"] = 5;
  Json plain = Run(no_cache, s);
  CHECK(plain["cost_picos"].get<int64_t>() == plain["succeeded"].get<int64_t>() * 1'200'000'000);
}

namespace {

// Model m/a on a1 (cheaper) and a2, model m/b on b1 (cheaper) and b2: a request for
// models [m/a, m/b] sorted by price plans a1, a2, b1, b2.
Catalog TwoModels() {
  return TestCatalog(testing::JsonOf(R"([
    {"model":"m/a","tag":"a1","prompt":"1","completion":"1"},
    {"model":"m/a","tag":"a2","prompt":"2","completion":"1"},
    {"model":"m/b","tag":"b1","prompt":"3","completion":"1"},
    {"model":"m/b","tag":"b2","prompt":"4","completion":"1"}])"));
}

const char* kTwoModelsRequest =
    R"({"models": ["m/a", "m/b"], "messages": [{"role": "user", "content": "hi"}],
        "provider": {"sort": "price"}})";

// Both of m/a's providers answer every attempt with `status` (and the provider's error `code`).
Json TwoModelsScenario(int status, const std::string& code) {
  Json s = Scenario(R"({"duration_ms": 20000})");
  s["traffic"][0]["request"] = testing::JsonOf(kTwoModelsRequest);
  Json outage = {{"start_ms", 0}, {"end_ms", 20000}, {"status", status}};
  if (!code.empty()) outage["code"] = code;
  s["providers"]["a1"] = {{"outages", Json::array({outage})}};
  s["providers"]["a2"] = {{"outages", Json::array({outage})}};
  return s;
}

// The attempts (provider slugs) the router's own Lifecycle makes for the same plan when m/a's
// providers answer `status`/`code` (classified by the wire layer, as the router classifies a
// response) and m/b's succeed.
std::vector<std::string> ProductionAttempts(const Catalog& catalog, int status,
                                            const std::string& code) {
  Result<Plan> plan = PlanFor(catalog, kTwoModelsRequest);
  REQUIRE(plan.ok());
  Lifecycle life(*plan, nullptr, nullptr);
  std::vector<std::string> tried;
  while (std::optional<uint32_t> i = life.Next()) {
    const Endpoint& e = catalog.endpoint(plan->attempts[*i].endpoint);
    tried.push_back(catalog.provider_of(e).slug);
    life.Start(*i, 0);
    AttemptOutcome o;
    if (catalog.model_of(e).id == "m/a") {
      ErrorClassification c = ClassifyProviderError(status, code);
      o.outcome = c.outcome;
      o.status = c.client_status;
      o.error_type = c.error_type;
      o.model_fallback_eligible = c.model_fallback_eligible;
      o.http_status = status;
    } else {
      o.outcome = Outcome::kDone;
      o.status = o.http_status = 200;
    }
    if (life.End(*i, o, 0) != Verdict::kNextAttempt) break;
  }
  return tried;
}

std::vector<std::string> SampleAttempts(const Json& sample) {
  std::vector<std::string> tried;
  for (const Json& a : sample["attempts"]) tried.push_back(a["provider"].get<std::string>());
  return tried;
}

}  // namespace

TEST_CASE("simulate: a non-retryable error skips the model as the router does (models[])") {
  Catalog catalog = TwoModels();
  using Tried = std::vector<std::string>;
  SECTION("fallback-eligible (413, or a 400 saying context length / content filter): m/a's "
          "other endpoint is skipped, m/b serves") {
    for (auto [status, code] : {std::pair{400, "context_length_exceeded"},
                                std::pair{413, ""}, std::pair{400, "content_filter"}}) {
      INFO(status << " " << code);
      Json r = Run(catalog, TwoModelsScenario(status, code));
      CheckIdentities(r);
      const int64_t n = r["requests"].get<int64_t>();
      REQUIRE(n > 300);
      // What production's Lifecycle does with the same plan and answers...
      CHECK(ProductionAttempts(catalog, status, code) == Tried{"a1", "b1"});
      // ...is what every simulated request did: a2 and b2 never tried. (Health ignores a 4xx,
      // so every plan keeps a1 first.)
      CHECK(r["succeeded"] == n);
      CHECK(r["failures"]["http_4xx"] == n);
      CHECK(r["attempts"] == 2 * n);
      CHECK(r["fallbacks"] == n);
      CHECK(ProviderRow(r, "a2") == nullptr);
      CHECK(ProviderRow(r, "b2") == nullptr);
      const Json* b1 = ProviderRow(r, "b1");
      REQUIRE(b1 != nullptr);
      CHECK((*b1)["succeeded"] == n);
      for (const Json& sample : r["samples"]) {
        CHECK(SampleAttempts(sample) == ProductionAttempts(catalog, status, code));
        CHECK(sample["outcome"] == "ok");
        CHECK(sample["attempts"][0]["status"] == status);
        CHECK(sample["attempts"][0]["result"] == "http_4xx");
        CHECK(sample["attempts"][1]["model"] == "m/b");
      }
    }
  }
  SECTION("not eligible (a 400, the request's own fault): the request fails, m/b is not tried") {
    for (const char* code : {"", "invalid_request_error"}) {
      INFO(code);
      Json r = Run(catalog, TwoModelsScenario(400, code));
      CheckIdentities(r);
      const int64_t n = r["requests"].get<int64_t>();
      REQUIRE(n > 300);
      CHECK(ProductionAttempts(catalog, 400, code) == Tried{"a1"});
      CHECK(r["failed"] == n);
      CHECK(r["attempts"] == n);
      CHECK(r["fallbacks"] == 0);
      CHECK(r["failures"]["http_4xx"] == n);
      CHECK(ProviderRow(r, "a2") == nullptr);
      CHECK(ProviderRow(r, "b1") == nullptr);
      for (const Json& sample : r["samples"]) {
        CHECK(SampleAttempts(sample) == Tried{"a1"});
        CHECK(sample["outcome"] == "failed");
        CHECK(sample["error"].get<std::string>().find("invalid_request") != std::string::npos);
      }
    }
  }
  SECTION("retryable 4xx (404, 402, 401): the next endpoint of the same model is tried") {
    for (int status : {404, 402, 401}) {
      INFO(status);
      Json r = Run(catalog, TwoModelsScenario(status, ""));
      CheckIdentities(r);
      CHECK(ProductionAttempts(catalog, status, "") == Tried{"a1", "a2", "b1"});
      CHECK(r["succeeded"] == r["requests"]);
      CHECK(r["attempts"].get<int64_t>() == 3 * r["requests"].get<int64_t>());
      for (const Json& sample : r["samples"]) CHECK(SampleAttempts(sample) == Tried{"a1", "a2", "b1"});
    }
  }
  SECTION("without another model, an eligible failure ends the request: no other endpoint") {
    Json s = TwoModelsScenario(413, "");
    s["traffic"][0]["request"].erase("models");
    s["traffic"][0]["request"]["model"] = "m/a";
    Json r = Run(catalog, s);
    CheckIdentities(r);
    CHECK(r["failed"] == r["requests"]);
    CHECK(r["attempts"] == r["requests"]);
    CHECK(ProviderRow(r, "a2") == nullptr);
    CHECK(r["samples"][0]["error"] == "context_length_exceeded: no other model to try");
  }
}

TEST_CASE("simulate: a request the policy cannot route fails as no_route") {
  Catalog catalog = TwoProviders();
  Json s = Scenario();
  s["traffic"][0]["request"]["provider"] = testing::JsonOf(R"({"only": ["nobody"]})");
  Json r = Run(catalog, s);
  CheckIdentities(r);
  CHECK(r["no_route"] == r["requests"]);
  CHECK(r["attempts"] == 0);
  CHECK(r["samples"][0]["outcome"] == "no_route");
  CHECK(!r["samples"][0]["error"].get<std::string>().empty());
  // The policy context applies as in the router: an account that ignores "cheap".
  Json c = Scenario(R"({"context": {"ignored_providers": ["cheap"]}})");
  Json rc = Run(catalog, c);
  CHECK(ProviderRow(rc, "cheap") == nullptr);
  CHECK((*ProviderRow(rc, "dear"))["succeeded"] == rc["requests"]);
}

TEST_CASE("simulate: malformed scenarios are refused naming the field") {
  Catalog catalog = TwoProviders();
  struct Case {
    const char* patch;  // merged over the valid scenario
    const char* field;
  };
  const Case cases[] = {
      {R"({"sead": 1})", "sead"},
      {R"({"seed": -1})", "seed"},
      {R"({"seed": "1"})", "seed"},
      {R"({"duration_ms": 0})", "duration_ms"},
      {R"({"duration_ms": 604800001})", "duration_ms"},
      {R"({"duration_ms": 1.5})", "duration_ms"},
      {R"({"bucket_ms": 10})", "bucket_ms"},  // 10,000 buckets
      {R"({"timeout_ms": -5})", "timeout_ms"},
      {R"({"max_requests": 0})", "max_requests"},
      {R"({"context": {"zdr": "yes"}})", "context.zdr"},
      {R"({"context": {"ignored_provider": ["cheap"]}})", "context.ignored_provider"},
      {R"({"traffic": []})", "traffic"},
      {R"({"traffic": {}})", "traffic"},
      {R"({"traffic": [5]})", "traffic[0]"},
      {R"({"traffic": [{"rate_per_s": 1}]})", "traffic[0].request"},
      {R"({"traffic": [{"request": {"model": "m/x", "messages": [{"role":"user","content":"x"}]}}]})",
       "traffic[0].rate_per_s"},
      {R"({"traffic": [{"rate_per_s": 0, "request": {}}]})", "traffic[0].rate_per_s"},
      {R"({"traffic": [{"rate_per_s": -2, "request": {}}]})", "traffic[0].rate_per_s"},
      {R"({"traffic": [{"rate_per_s": 1e9, "request": {}}]})", "traffic[0].rate_per_s"},
      {R"({"traffic": [{"rate_per_s": 1, "rate": 2, "request": {}}]})", "traffic[0].rate"},
      {R"({"traffic": [{"rate_per_s": 1, "name": 7, "request": {}}]})", "traffic[0].name"},
      {R"({"traffic": [{"rate_per_s": 1, "completion_tokens": "many", "request": {}}]})",
       "traffic[0].completion_tokens"},
      {R"({"traffic": [{"rate_per_s": 1, "cached_fraction": 1.5, "request": {}}]})",
       "traffic[0].cached_fraction"},
      {R"({"traffic": [{"rate_per_s": 1, "request": {"model": "m/x"}}]})",
       "traffic[0].request.messages"},
      {R"({"traffic": [{"rate_per_s": 1, "request": {"model": "m/x", "temperature": 9,
          "messages": [{"role":"user","content":"x"}]}}]})",
       "traffic[0].request.temperature"},
      {R"({"providers": []})", "providers"},
      {R"({"providers": {"nobody": {}}})", "providers.nobody"},
      {R"({"providers": {"cheap": {"latency": 5}}})", "providers.cheap.latency"},
      {R"({"providers": {"cheap": 5}})", "providers.cheap"},
      {R"({"providers": {"*": {"error_rate": 1.5}}})", "providers.*.error_rate"},
      {R"({"providers": {"*": {"error_rate": 0.6, "timeout_rate": 0.6}}})", "providers.*.error_rate"},
      {R"({"providers": {"*": {"tokens_per_s": 0}}})", "providers.*.tokens_per_s"},
      {R"({"providers": {"*": {"latency_jitter": 4}}})", "providers.*.latency_jitter"},
      {R"({"providers": {"*": {"capacity_rps": 2.5}}})", "providers.*.capacity_rps"},
      {R"({"providers": {"cheap": {"outages": {}}}})", "providers.cheap.outages"},
      {R"({"providers": {"cheap": {"outages": [{"start_ms": 5}]}}})", "providers.cheap.outages[0].end_ms"},
      {R"({"providers": {"cheap": {"outages": [{"start_ms": 5, "end_ms": 5}]}}})",
       "providers.cheap.outages[0].end_ms"},
      {R"({"providers": {"cheap": {"outages": [{"start_ms": 0, "end_ms": 5, "status": 399}]}}})",
       "providers.cheap.outages[0].status"},
      {R"({"providers": {"cheap": {"outages": [{"start_ms": 0, "end_ms": 5, "status": 200}]}}})",
       "providers.cheap.outages[0].status"},
      {R"({"providers": {"cheap": {"outages": [{"start_ms": 0, "end_ms": 5, "status": 400,
                                                "code": 7}]}}})",
       "providers.cheap.outages[0].code"},
      {R"({"providers": {"cheap": {"outages": [{"start_ms": 0, "end_ms": 5, "status": 0,
                                                "code": "x"}]}}})",
       "providers.cheap.outages[0].code"},
      {R"({"providers": {"cheap": {"outages": [{"start_ms": 0, "end_ms": 5, "status": 408,
                                                "code": "timeout"}]}}})",
       "providers.cheap.outages[0].code"},
      {R"({"providers": {"cheap": {"outages": [{"start_ms": 0, "end_ms": 5, "status": 600}]}}})",
       "providers.cheap.outages[0].status"},
      {R"({"providers": {"cheap": {"outages": [{"start_ms": 0, "end_ms": 5, "why": 1}]}}})",
       "providers.cheap.outages[0].why"},
  };
  for (const Case& c : cases) {
    INFO(c.patch);
    Status status = Refusal(catalog, Scenario(c.patch));
    CHECK(status.code() == Code::kInvalidArgument);
    CHECK(FindString(status.metadata(), "field") == std::optional<std::string_view>(c.field));
  }
  // Not an object, no duration.
  CHECK(Refusal(catalog, Json::array()).code() == Code::kInvalidArgument);
  Json no_duration = Scenario();
  no_duration.erase("duration_ms");
  CHECK(FindString(Refusal(catalog, no_duration).metadata(), "field") ==
        std::optional<std::string_view>("duration_ms"));
  // More expected requests than allowed: 413 with the numbers.
  Status big = Refusal(catalog, Scenario(R"({"max_requests": 1000})"));  // 20/s × 100 s = 2,000
  CHECK(big.code() == Code::kTooLarge);
  CHECK(big.metadata()["expected_requests"] == 2000);
  Status huge = Refusal(catalog, Scenario(R"({"duration_ms": 604800000, "bucket_ms": 3600000, "traffic": [{"rate_per_s": 100000,
      "request": {"model": "m/x", "messages": [{"role":"user","content":"x"}]}}]})"));
  CHECK(huge.code() == Code::kTooLarge);
}

// The same report in every build: this suite runs natively and as Emscripten wasm, and the
// fixture's expected report is compared byte for byte (draws, the log/exp of the simulator,
// event order, rounding). Regenerate after an intended change, natively, and review the diff:
//   SY_UPDATE_GOLDEN=1 build/native-debug/tests/simulate_test
TEST_CASE("simulate: the golden report, identical in every build") {
  const std::string path = "tests/fixtures/simulate/golden.json";
  Json fixture = testing::JsonOf(ReadFile(path));
  REQUIRE(fixture.is_object());
  Catalog catalog = TestCatalog(fixture["endpoints"]);
  Json report = Run(catalog, fixture["scenario"]);
  CheckIdentities(report);
  if (std::getenv("SY_UPDATE_GOLDEN") != nullptr) {
    fixture["expected"] = report;
    std::ofstream(SourcePath(path), std::ios::binary) << fixture.dump(1) << "\n";
    return;
  }
  REQUIRE(fixture["expected"].is_object());
  CHECK(Dump(report) == Dump(fixture["expected"]));
}
