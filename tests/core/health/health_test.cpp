// Health: outage rule, breaker, cooldowns, windows, percentiles, snapshots and deltas.
#include "test_support.h"

#include <string>
#include <vector>

#include "switchyard/health/health.h"
#include "switchyard/json/json.h"

using namespace switchyard;

namespace {

constexpr int64_t kSec = 1000;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kDay = 24 * 60 * kMin;
// A start time aligned to every bucket size (1 s, 10 s, 15 min), far from zero.
constexpr int64_t kT0 = 20000 * kDay;

HealthEvent Ok(uint32_t ep, int64_t t, int64_t latency = -1, int64_t duration = -1,
               int64_t tokens = 0) {
  HealthEvent e;
  e.endpoint = ep;
  e.now_ms = t;
  e.http_status = 200;
  e.latency_ms = latency;
  e.duration_ms = duration;
  e.output_tokens = tokens;
  return e;
}

HealthEvent Fail(uint32_t ep, int64_t t, int status = 500, int64_t retry_after = 0) {
  HealthEvent e;
  e.endpoint = ep;
  e.now_ms = t;
  e.http_status = status;
  e.retry_after_ms = retry_after;
  return e;
}

void RequireSame(const EndpointHealth& a, const EndpointHealth& b) {
  REQUIRE(a.outage == b.outage);
  REQUIRE(a.circuit_open == b.circuit_open);
  REQUIRE(a.half_open == b.half_open);
  REQUIRE(a.cooling_down == b.cooling_down);
  REQUIRE(a.available_at_ms == b.available_at_ms);
  REQUIRE(a.requests_30s == b.requests_30s);
  REQUIRE(a.failures_30s == b.failures_30s);
  REQUIRE(a.uptime_5m == b.uptime_5m);
  REQUIRE(a.uptime_30m == b.uptime_30m);
  REQUIRE(a.uptime_1d == b.uptime_1d);
  REQUIRE(a.latency_30m == b.latency_30m);
  REQUIRE(a.throughput_30m == b.throughput_30m);
}

// Deterministic pseudo-random numbers for shuffles (xorshift).
uint64_t Next(uint64_t& x) {
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return x;
}

}  // namespace

TEST_CASE("classification: provider failures, client errors, successes") {
  CHECK_FALSE(IsProviderFailure(Ok(0, 0)));
  CHECK_FALSE(IsProviderFailure(Fail(0, 0, 204)));
  for (int s : {500, 502, 503, 504, 429, 408, 0, 301, 100, 600}) {
    INFO(s);
    CHECK(IsProviderFailure(Fail(0, 0, s)));
    CHECK_FALSE(IsClientError(Fail(0, 0, s)));
  }
  for (int s : {400, 401, 402, 403, 404, 413, 422}) {
    INFO(s);
    CHECK_FALSE(IsProviderFailure(Fail(0, 0, s)));
    CHECK(IsClientError(Fail(0, 0, s)));
  }
  HealthEvent t = Ok(0, 0);
  t.timeout = true;  // a 200 whose stream then stalled
  CHECK(IsProviderFailure(t));
  HealthEvent c = Fail(0, 0, 400);
  c.connection_error = true;
  CHECK(IsProviderFailure(c));
  CHECK_FALSE(IsClientError(c));
}

TEST_CASE("outage: at least 3 attempts in 30 s with at least half provider failures") {
  SECTION("2 failures of 3 is an outage") {
    Health h;
    h.Observe(Fail(1, kT0));
    h.Observe(Ok(1, kT0 + 1 * kSec));
    h.Observe(Fail(1, kT0 + 2 * kSec, 503));
    EndpointHealth g = h.Get(1, kT0 + 3 * kSec);
    CHECK(g.requests_30s == 3);
    CHECK(g.failures_30s == 2);
    CHECK(g.outage);
    CHECK(g.degraded());
  }
  SECTION("1 failure of 3 is not") {
    Health h;
    h.Observe(Fail(1, kT0));
    h.Observe(Ok(1, kT0 + 1 * kSec));
    h.Observe(Ok(1, kT0 + 2 * kSec));
    EndpointHealth g = h.Get(1, kT0 + 3 * kSec);
    CHECK(g.requests_30s == 3);
    CHECK(g.failures_30s == 1);
    CHECK_FALSE(g.outage);
    CHECK_FALSE(g.degraded());
  }
  SECTION("2 failures of 2 attempts is too few to call") {
    Health h;
    h.Observe(Fail(1, kT0));
    h.Observe(Fail(1, kT0 + 1 * kSec));
    CHECK_FALSE(h.Get(1, kT0 + 2 * kSec).outage);
  }
  SECTION("2 failures of 4 (exactly half) is an outage") {
    Health h;
    h.Observe(Fail(1, kT0));
    h.Observe(Fail(1, kT0 + 1));
    h.Observe(Ok(1, kT0 + 2));
    h.Observe(Ok(1, kT0 + 3));
    CHECK(h.Get(1, kT0 + 4).outage);
  }
  SECTION("failures older than 30 s do not count") {
    Health h;
    h.Observe(Fail(1, kT0));
    h.Observe(Fail(1, kT0 + 1));
    h.Observe(Fail(1, kT0 + 2));
    // kT0 is in 1 s bucket B; at now in bucket B+29 it is inside, at B+30 it is out.
    EndpointHealth inside = h.Get(1, kT0 + 29 * kSec + 999);
    CHECK(inside.outage);
    CHECK(inside.requests_30s == 3);
    EndpointHealth outside = h.Get(1, kT0 + 30 * kSec);
    CHECK_FALSE(outside.outage);
    CHECK(outside.requests_30s == 0);
    CHECK(outside.failures_30s == 0);
    // ...but they still weigh on the 5 min uptime.
    REQUIRE(outside.uptime_5m.has_value());
    CHECK(*outside.uptime_5m == 0.0);
    // Two fresh successes and one old failure window: 3 attempts in 30 s, 0 failed.
    h.Observe(Ok(1, kT0 + 40 * kSec));
    h.Observe(Ok(1, kT0 + 41 * kSec));
    h.Observe(Fail(1, kT0 + 42 * kSec));
    EndpointHealth later = h.Get(1, kT0 + 43 * kSec);
    CHECK(later.requests_30s == 3);
    CHECK(later.failures_30s == 1);
    CHECK_FALSE(later.outage);
  }
}

TEST_CASE("client errors (4xx other than 408/429) do not count against an endpoint") {
  Health h;
  for (int i = 0; i < 10; ++i) h.Observe(Fail(2, kT0 + i, i % 2 ? 400 : 404));
  EndpointHealth g = h.Get(2, kT0 + 20);
  CHECK(g.requests_30s == 0);
  CHECK_FALSE(g.uptime_5m.has_value());
  CHECK_FALSE(g.circuit_open);
  CHECK_FALSE(g.degraded());
  CHECK(h.TrackedEndpoints() == 0);  // nothing allocated for them

  // Interleaved with real failures they neither reset nor add to the breaker's streak.
  for (int i = 0; i < 4; ++i) {
    h.Observe(Fail(2, kT0 + 100 + 2 * i, 502));
    h.Observe(Fail(2, kT0 + 101 + 2 * i, 422));
  }
  CHECK_FALSE(h.Get(2, kT0 + 200).circuit_open);
  h.Observe(Fail(2, kT0 + 300, 408));  // 408 is a provider timeout: the fifth failure
  EndpointHealth after = h.Get(2, kT0 + 301);
  CHECK(after.circuit_open);
  CHECK(after.requests_30s == 5);
  CHECK(after.failures_30s == 5);
}

TEST_CASE("circuit breaker: a fallback's success while open closes it; older attempts do not") {
  Health h;
  const uint32_t ep = 6;
  for (int i = 0; i < 5; ++i) h.Observe(Fail(ep, kT0 + i));
  const int64_t opened = kT0 + 4;  // open until opened + 30 s
  REQUIRE(h.Get(ep, opened + kSec).circuit_open);
  // A success of an attempt sent before the circuit opened (it took 5 s): not evidence.
  h.Observe(Ok(ep, opened + 2 * kSec, 100, 5 * kSec));
  CHECK(h.Get(ep, opened + 2 * kSec + 1).circuit_open);
  // Unknown duration: not evidence either.
  h.Observe(Ok(ep, opened + 3 * kSec));
  CHECK(h.Get(ep, opened + 3 * kSec + 1).circuit_open);
  // A failure of one sent while open changes nothing (the trial decides the backoff).
  h.Observe(Fail(ep, opened + 4 * kSec));
  CHECK(h.Get(ep, opened + 4 * kSec + 1).available_at_ms == opened + 30 * kSec);
  // A success of one sent while open (a last-resort fallback): the provider is back.
  h.Observe(Ok(ep, opened + 10 * kSec, 100, 2 * kSec));
  EndpointHealth closed = h.Get(ep, opened + 10 * kSec + 1);
  CHECK_FALSE(closed.circuit_open);
  CHECK_FALSE(closed.half_open);
  // ...and the backoff starts over: five more failures open it for 30 s again.
  for (int i = 0; i < 5; ++i) h.Observe(Fail(ep, opened + 20 * kSec + i));
  CHECK(h.Get(ep, opened + 20 * kSec + 5).available_at_ms == opened + 20 * kSec + 4 + 30 * kSec);
}

TEST_CASE("circuit breaker: half-open admits one trial, sent with NoteAttemptStart") {
  Health h;
  const uint32_t ep = 5;
  // Nothing known: nothing to gate, and nothing allocated.
  h.NoteAttemptStart(ep, kT0);
  CHECK(h.TrackedEndpoints() == 0);
  for (int i = 0; i < 5; ++i) h.Observe(Fail(ep, kT0 + i * kSec));
  const int64_t half = kT0 + 4 * kSec + 30 * kSec;  // open_until
  // While the circuit is open an attempt start is no trial.
  h.NoteAttemptStart(ep, half - 1);
  CHECK_FALSE(h.Get(ep, half).trial_in_flight);
  EndpointHealth before = h.Get(ep, half);
  CHECK(before.half_open);
  CHECK_FALSE(before.degraded());  // the trial may go

  // The first attempt sent while half-open is the trial: the others keep away until it ends.
  h.NoteAttemptStart(ep, half + 10);
  EndpointHealth during = h.Get(ep, half + 20);
  CHECK(during.half_open);
  CHECK(during.trial_in_flight);
  CHECK(during.degraded());
  // A second start does not move the trial's clock.
  h.NoteAttemptStart(ep, half + 30 * kSec);
  CHECK(h.Get(ep, half + 10 + Health::kTrialTimeoutMs - 1).trial_in_flight);
  // A trial whose outcome never comes stops blocking after kTrialTimeoutMs; the next start is a
  // new trial.
  CHECK_FALSE(h.Get(ep, half + 10 + Health::kTrialTimeoutMs).trial_in_flight);
  h.NoteAttemptStart(ep, half + 10 + Health::kTrialTimeoutMs);
  CHECK(h.Get(ep, half + 11 + Health::kTrialTimeoutMs).trial_in_flight);
  const int64_t t = half + 2 * Health::kTrialTimeoutMs;  // still half-open (nothing observed)

  SECTION("a failed trial reopens, and the next half-open admits a new trial") {
    h.NoteAttemptStart(ep, t);
    h.Observe(Fail(ep, t + kSec));
    EndpointHealth reopened = h.Get(ep, t + kSec + 1);
    CHECK(reopened.circuit_open);
    CHECK_FALSE(reopened.trial_in_flight);
    const int64_t next = t + kSec + 60 * kSec;
    CHECK(h.Get(ep, next).half_open);
    CHECK_FALSE(h.Get(ep, next).degraded());
    h.NoteAttemptStart(ep, next);
    CHECK(h.Get(ep, next + 1).trial_in_flight);
  }
  SECTION("a successful trial closes the circuit") {
    h.NoteAttemptStart(ep, t);
    h.Observe(Ok(ep, t + 2 * kSec));
    EndpointHealth closed = h.Get(ep, t + 2 * kSec + 1);
    CHECK_FALSE(closed.half_open);
    CHECK_FALSE(closed.trial_in_flight);
    CHECK_FALSE(closed.degraded());
    h.NoteAttemptStart(ep, t + 3 * kSec);  // closed: no trial
    CHECK_FALSE(h.Get(ep, t + 3 * kSec).trial_in_flight);
  }
  SECTION("a client error ends the trial without moving the breaker") {
    h.NoteAttemptStart(ep, t);
    h.Observe(Fail(ep, t + kSec, 400));
    EndpointHealth after = h.Get(ep, t + kSec + 1);
    CHECK(after.half_open);
    CHECK_FALSE(after.trial_in_flight);
  }
  SECTION("the trial is local: not exported, a copy keeps it, a merge leaves it") {
    h.NoteAttemptStart(ep, t);
    Health copy = h;
    CHECK(copy.Get(ep, t + 1).trial_in_flight);
    Health other;
    REQUIRE(other.Merge(h.Export(t + 1), t + 1).ok());
    CHECK(other.Get(ep, t + 1).half_open);
    CHECK_FALSE(other.Get(ep, t + 1).trial_in_flight);
    CHECK(EndpointHealthJson(copy.Get(ep, t + 1))["trial_in_flight"] == true);
  }
}

TEST_CASE("circuit breaker: open 30 s, half-open trial, doubling to 5 min, close") {
  Health h;
  const uint32_t ep = 3;
  int64_t t = kT0;
  for (int i = 0; i < 4; ++i) h.Observe(Fail(ep, t + i * kSec));
  CHECK_FALSE(h.Get(ep, t + 4 * kSec).circuit_open);
  h.Observe(Fail(ep, t + 4 * kSec));  // fifth consecutive failure
  const int64_t opened = t + 4 * kSec;
  EndpointHealth g = h.Get(ep, opened + 1);
  CHECK(g.circuit_open);
  CHECK_FALSE(g.half_open);
  CHECK(g.available_at_ms == opened + 30 * kSec);
  CHECK(g.degraded());

  // An attempt that started before the circuit opened and fails later does not extend it.
  h.Observe(Fail(ep, opened + 10 * kSec));
  CHECK(h.Get(ep, opened + 11 * kSec).available_at_ms == opened + 30 * kSec);

  // At open_until: half-open, one trial may go.
  EndpointHealth trial = h.Get(ep, opened + 30 * kSec);
  CHECK_FALSE(trial.circuit_open);
  CHECK(trial.half_open);
  CHECK(trial.available_at_ms == 0);

  // Failed trials reopen for 60, 120, 240, then 300 (cap), 300.
  int64_t now = opened + 30 * kSec;
  for (int64_t expect : {60, 120, 240, 300, 300}) {
    INFO(expect);
    h.Observe(Fail(ep, now));
    EndpointHealth o = h.Get(ep, now + 1);
    CHECK(o.circuit_open);
    CHECK(o.available_at_ms == now + expect * kSec);
    CHECK_FALSE(h.Get(ep, now + expect * kSec - 1).half_open);
    now += expect * kSec;
    CHECK(h.Get(ep, now).half_open);
  }
  // A successful trial closes it and resets the backoff.
  h.Observe(Ok(ep, now));
  EndpointHealth closed = h.Get(ep, now + 1);
  CHECK_FALSE(closed.circuit_open);
  CHECK_FALSE(closed.half_open);
  now += 10 * kMin;
  for (int i = 0; i < 4; ++i) h.Observe(Fail(ep, now + i));
  CHECK_FALSE(h.Get(ep, now + 5).circuit_open);
  h.Observe(Fail(ep, now + 4));
  CHECK(h.Get(ep, now + 5).available_at_ms == now + 4 + 30 * kSec);
}

TEST_CASE("circuit breaker: a success breaks the streak") {
  Health h;
  for (int i = 0; i < 4; ++i) h.Observe(Fail(4, kT0 + i));
  h.Observe(Ok(4, kT0 + 10));
  for (int i = 0; i < 4; ++i) h.Observe(Fail(4, kT0 + 20 + i));
  CHECK_FALSE(h.Get(4, kT0 + 30).circuit_open);
  h.Observe(Fail(4, kT0 + 40));
  CHECK(h.Get(4, kT0 + 41).circuit_open);
}

TEST_CASE("Retry-After cools an endpoint down; a 429 without one for 5 s") {
  SECTION("429 without Retry-After") {
    Health h;
    h.Observe(Fail(5, kT0, 429));
    EndpointHealth g = h.Get(5, kT0 + 1);
    CHECK(g.cooling_down);
    CHECK(g.available_at_ms == kT0 + 5 * kSec);
    CHECK(g.degraded());
    CHECK(h.Get(5, kT0 + 5 * kSec - 1).cooling_down);
    CHECK_FALSE(h.Get(5, kT0 + 5 * kSec).cooling_down);
    CHECK(h.Get(5, kT0 + 5 * kSec).available_at_ms == 0);
  }
  SECTION("429 and 503 with Retry-After; later but shorter ones don't shorten it") {
    Health h;
    h.Observe(Fail(5, kT0, 429, 60 * kSec));
    CHECK(h.Get(5, kT0 + 1).available_at_ms == kT0 + 60 * kSec);
    h.Observe(Fail(5, kT0 + kSec, 503, 2 * kSec));
    CHECK(h.Get(5, kT0 + 2 * kSec).available_at_ms == kT0 + 60 * kSec);
    h.Observe(Fail(5, kT0 + 2 * kSec, 503, 90 * kSec));
    CHECK(h.Get(5, kT0 + 3 * kSec).available_at_ms == kT0 + 92 * kSec);
  }
  SECTION("503 without Retry-After: no cooldown; absurd Retry-After capped at a day") {
    Health h;
    h.Observe(Fail(5, kT0, 503));
    CHECK_FALSE(h.Get(5, kT0 + 1).cooling_down);
    h.Observe(Fail(5, kT0 + 1, 429, 365 * kDay));
    CHECK(h.Get(5, kT0 + 2).available_at_ms == kT0 + 1 + kDay);
  }
  SECTION("the later of breaker and cooldown is reported") {
    Health h;
    for (int i = 0; i < 5; ++i) h.Observe(Fail(5, kT0 + i, 429, i == 4 ? 120 * kSec : 0));
    EndpointHealth g = h.Get(5, kT0 + 10);
    CHECK(g.circuit_open);
    CHECK(g.cooling_down);
    CHECK(g.available_at_ms == kT0 + 4 + 120 * kSec);
  }
}

TEST_CASE("latency percentiles are nearest-rank over successful attempts") {
  Health h;
  // Values 1..100 in a scrambled order; failures carry latencies that must be ignored.
  for (int i = 0; i < 100; ++i) {
    int64_t v = (i * 37) % 100 + 1;
    h.Observe(Ok(6, kT0 + i, v));
    HealthEvent f = Fail(6, kT0 + i);
    f.latency_ms = 100000;
    h.Observe(f);
  }
  EndpointHealth g = h.Get(6, kT0 + 200);
  REQUIRE(g.latency_30m.has_value());
  CHECK(*g.latency_30m == Percentiles{50, 75, 90, 99});

  Health small;  // n = 10: ranks ceil(5)=5, ceil(7.5)=8, ceil(9)=9, ceil(9.9)=10
  for (int64_t v : {70, 10, 100, 40, 20, 90, 30, 60, 50, 80}) small.Observe(Ok(6, kT0, v));
  CHECK(*small.Get(6, kT0).latency_30m == Percentiles{50, 80, 90, 100});

  Health one;
  one.Observe(Ok(6, kT0, 123));
  CHECK(*one.Get(6, kT0).latency_30m == Percentiles{123, 123, 123, 123});

  Health none;
  none.Observe(Ok(6, kT0));  // latency unknown
  CHECK_FALSE(none.Get(6, kT0).latency_30m.has_value());
  CHECK(none.Get(6, kT0).uptime_5m == 100.0);
}

TEST_CASE("latency samples leave the window after 30 minutes and are bounded to 256") {
  Health h;
  for (int i = 0; i < 5; ++i) h.Observe(Ok(7, kT0, 1000));
  for (int i = 1; i <= 5; ++i) h.Observe(Ok(7, kT0 + 20 * kMin, i));
  // All ten live: 1,2,3,4,5,1000x5.
  CHECK(*h.Get(7, kT0 + 25 * kMin).latency_30m == Percentiles{5, 1000, 1000, 1000});
  // The t=kT0 samples expire at exactly kT0 + 30 min (window is (now - 30 min, now]).
  CHECK(h.Get(7, kT0 + 30 * kMin - 1).latency_30m->p75 == 1000);
  CHECK(*h.Get(7, kT0 + 30 * kMin).latency_30m == Percentiles{3, 4, 5, 5});
  CHECK_FALSE(h.Get(7, kT0 + 50 * kMin).latency_30m.has_value());

  Health bounded;
  for (int i = 0; i < 300; ++i) bounded.Observe(Ok(7, kT0 + i, i));
  // Only the newest 256 (values 44..299) remain: ranks 128, 192, 231, 254.
  CHECK(*bounded.Get(7, kT0 + 300).latency_30m ==
        Percentiles{44 + 127, 44 + 191, 44 + 230, 44 + 253});
}

TEST_CASE("throughput is output tokens per second after the first token") {
  Health h;
  h.Observe(Ok(8, kT0, 500, 2500, 100));  // 100 tokens in 2 s after the first token
  CHECK(*h.Get(8, kT0).throughput_30m == Percentiles{50, 50, 50, 50});
  CHECK(*h.Get(8, kT0).latency_30m == Percentiles{500, 500, 500, 500});

  Health non_streamed;  // whole response at once: the whole duration is generation time
  non_streamed.Observe(Ok(8, kT0, 2000, 2000, 100));
  CHECK(non_streamed.Get(8, kT0).throughput_30m->p50 == 50);

  Health rounding;
  rounding.Observe(Ok(8, kT0, 0, 3000, 10));  // 3.33 → 3
  rounding.Observe(Ok(8, kT0, 0, 3000, 20));  // 6.67 → 7
  CHECK(*rounding.Get(8, kT0).throughput_30m == Percentiles{3, 7, 7, 7});

  Health no_tokens;
  no_tokens.Observe(Ok(8, kT0, 300, 900, 0));
  no_tokens.Observe(Ok(8, kT0, 300, -1, 50));   // duration unknown
  no_tokens.Observe(Ok(8, kT0, 300, 200, 50));  // inconsistent: duration < latency
  CHECK_FALSE(no_tokens.Get(8, kT0).throughput_30m.has_value());
  CHECK(no_tokens.Get(8, kT0).latency_30m->p50 == 300);
}

TEST_CASE("uptime windows: 5 min, 30 min and 1 day boundaries") {
  Health h;
  h.Observe(Fail(9, kT0));
  struct Case {
    int64_t at;
    bool in5m, in30m, in1d;
  } cases[] = {
      {kT0, true, true, true},
      {kT0 + 5 * kMin - 1, true, true, true},
      {kT0 + 5 * kMin, false, true, true},
      {kT0 + 30 * kMin - 1, false, true, true},
      {kT0 + 30 * kMin, false, false, true},
      {kT0 + kDay - 1, false, false, true},
      {kT0 + kDay, false, false, false},
  };
  for (const Case& c : cases) {
    INFO(c.at - kT0);
    EndpointHealth g = h.Get(9, c.at);
    CHECK(g.uptime_5m.has_value() == c.in5m);
    CHECK(g.uptime_30m.has_value() == c.in30m);
    CHECK(g.uptime_1d.has_value() == c.in1d);
    if (c.in1d) CHECK(*g.uptime_1d == 0.0);
  }

  // Mixed: 1 failure at kT0, 3 successes 10 min later, 1 success 1 h later.
  h.Observe(Ok(9, kT0 + 10 * kMin));
  h.Observe(Ok(9, kT0 + 10 * kMin + 1));
  h.Observe(Ok(9, kT0 + 10 * kMin + 2));
  EndpointHealth g = h.Get(9, kT0 + 10 * kMin + 3);
  CHECK(*g.uptime_5m == 100.0);
  CHECK(*g.uptime_30m == 75.0);
  CHECK(*g.uptime_1d == 75.0);
  h.Observe(Ok(9, kT0 + 60 * kMin));
  g = h.Get(9, kT0 + 60 * kMin);
  CHECK(*g.uptime_30m == 100.0);
  CHECK(*g.uptime_1d == 80.0);
}

TEST_CASE("out-of-order events land in their own buckets") {
  // 400 events over 10 minutes, delivered with up to 20 s of jitter, versus in order.
  std::vector<HealthEvent> events;
  uint64_t rng = 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < 400; ++i) {
    int64_t t = kT0 + i * 1500;
    if (Next(rng) % 4 == 0) {
      events.push_back(Fail(10, t, 502));
    } else {
      // Latency on half of them: at most 256 samples, so arrival order cannot change the set.
      int64_t latency = i % 2 ? -1 : static_cast<int64_t>(100 + Next(rng) % 900);
      events.push_back(Ok(10, t, latency, -1, 0));
    }
  }
  std::vector<HealthEvent> jittered = events;
  for (size_t i = 0; i + 1 < jittered.size(); ++i) {  // swap neighbours within ~20 s
    size_t j = i + Next(rng) % 13;
    if (j < jittered.size()) std::swap(jittered[i], jittered[j]);
  }
  Health ordered, shuffled;
  for (const auto& e : events) ordered.Observe(e);
  for (const auto& e : jittered) shuffled.Observe(e);
  const int64_t end = kT0 + 400 * 1500;
  for (int64_t now : {end, end + 20 * kSec, end + 4 * kMin, end + 25 * kMin}) {
    EndpointHealth a = ordered.Get(10, now), b = shuffled.Get(10, now);
    CHECK(a.requests_30s == b.requests_30s);
    CHECK(a.failures_30s == b.failures_30s);
    CHECK(a.uptime_5m == b.uptime_5m);
    CHECK(a.uptime_30m == b.uptime_30m);
    CHECK(a.uptime_1d == b.uptime_1d);
    CHECK(a.latency_30m == b.latency_30m);
  }
  // Sanity: 1.5 s spacing; the window is the 1 s buckets [end - 29 s, end], so i = 381..399.
  CHECK(ordered.Get(10, end).requests_30s == 19);
  REQUIRE(ordered.Get(10, end).latency_30m.has_value());
  CHECK(Dump(ordered.Export(end)["endpoints"][0]["buckets_10s"]) ==
        Dump(shuffled.Export(end)["endpoints"][0]["buckets_10s"]));

  SECTION("late event older than 30 s counts in 5 min but not in the outage window") {
    Health h;
    h.Observe(Ok(11, kT0 + 60 * kSec));
    h.Observe(Fail(11, kT0));  // arrives a minute late
    EndpointHealth g = h.Get(11, kT0 + 60 * kSec);
    CHECK(g.requests_30s == 1);
    CHECK(g.failures_30s == 0);
    CHECK(*g.uptime_5m == 50.0);
  }
  SECTION("an event older than a day is dropped") {
    Health h;
    h.Observe(Ok(11, kT0 + kDay + kMin));
    h.Observe(Fail(11, kT0));  // more than a day behind the newest
    CHECK(*h.Get(11, kT0 + kDay + kMin).uptime_1d == 100.0);
  }
  SECTION("Get slightly before the newest event still sees the older ones") {
    Health h;
    h.Observe(Fail(11, kT0));
    h.Observe(Fail(11, kT0 + 1));
    h.Observe(Fail(11, kT0 + 5 * kSec));
    EndpointHealth g = h.Get(11, kT0 + 2 * kSec);  // a planner whose clock lags
    CHECK(g.requests_30s == 2);
    CHECK_FALSE(g.outage);
  }
}

TEST_CASE("unknown and out-of-range endpoints") {
  Health h;
  EndpointHealth g = h.Get(12345, kT0);
  CHECK_FALSE(g.degraded());
  CHECK_FALSE(g.uptime_1d.has_value());
  CHECK_FALSE(g.latency_30m.has_value());
  h.Observe(Fail(kMaxHealthEndpoints, kT0));
  h.Observe(Fail(0xffffffffu, kT0));
  CHECK(h.TrackedEndpoints() == 0);
  CHECK(h.MemoryBytes() < 1024);
}

TEST_CASE("pruning frees endpoints whose data has expired") {
  Health h;
  h.Observe(Ok(7, kT0, 100, 200, 10));
  h.Observe(Fail(3, kT0, 429));
  CHECK(h.TrackedEndpoints() == 2);
  size_t full = h.MemoryBytes();
  h.Prune(kT0 + 10 * kMin);  // samples and counts still live
  CHECK(h.TrackedEndpoints() == 2);
  h.Prune(kT0 + kDay + kDay / 2);
  CHECK(h.TrackedEndpoints() == 0);
  CHECK(h.MemoryBytes() < full / 10);
  CHECK_FALSE(h.Get(7, kT0 + kDay + kDay / 2).uptime_1d.has_value());

  // Observe prunes as it goes: an old endpoint disappears once event time moves on.
  Health auto_pruned;
  auto_pruned.Observe(Ok(1, kT0));
  auto_pruned.Observe(Ok(2, kT0 + 2 * kDay));
  CHECK(auto_pruned.TrackedEndpoints() == 1);
  CHECK(auto_pruned.Get(2, kT0 + 2 * kDay).uptime_1d == 100.0);

  // An open breaker waiting for its trial is kept (and reported) for a day, then forgotten.
  Health breaker;
  for (int i = 0; i < 5; ++i) breaker.Observe(Fail(4, kT0 + i));
  breaker.Prune(kT0 + kDay - 1);
  CHECK(breaker.TrackedEndpoints() == 1);
  CHECK(breaker.Get(4, kT0 + kDay - 1).half_open);
  breaker.Prune(kT0 + 3 * kDay);
  CHECK(breaker.TrackedEndpoints() == 0);
}

namespace {

// A Health with several endpoints in varied states, at time kT0 + 2 h.
Health Busy(int64_t* now_out) {
  Health h;
  int64_t t = kT0;
  for (int i = 0; i < 600; ++i) {  // endpoint 0: steady traffic over 2 hours
    t = kT0 + i * 12 * kSec;
    if (i % 7 == 0) {
      h.Observe(Fail(0, t, 503));
    } else {
      h.Observe(Ok(0, t, 200 + i % 50, 1200 + i % 300, 40 + i % 17));
    }
  }
  for (int i = 0; i < 5; ++i) h.Observe(Fail(2, t - 5 + i, 502));  // endpoint 2: open breaker
  h.Observe(Fail(5, t - 100, 429, 90 * kSec));                     // endpoint 5: cooldown
  h.Observe(Ok(9, t - 50 * kMin, 900));                            // endpoint 9: old sample
  *now_out = t + 1;
  return h;
}

}  // namespace

TEST_CASE("Export then Merge into an empty Health reproduces it") {
  int64_t now = 0;
  Health a = Busy(&now);
  Json snap = a.Export(now);
  REQUIRE(snap["endpoints"].size() == 4);

  Health b;
  REQUIRE(b.Merge(snap, now).ok());
  CHECK(Dump(b.Export(now)) == Dump(snap));
  for (uint32_t ep : {0u, 2u, 5u, 9u}) {
    INFO(ep);
    RequireSame(a.Get(ep, now), b.Get(ep, now));
    RequireSame(a.Get(ep, now + 40 * kSec), b.Get(ep, now + 40 * kSec));
  }
  CHECK(b.Get(2, now).circuit_open);
  CHECK(b.Get(5, now).cooling_down);
  CHECK(b.Get(0, now).latency_30m.has_value());
  CHECK(b.Get(9, now).uptime_1d == 100.0);
  CHECK_FALSE(b.Get(9, now).latency_30m.has_value());  // its sample is older than 30 min

  // Merge adds: the same snapshot again doubles the counts (documented; use deltas).
  REQUIRE(b.Merge(snap, now).ok());
  EndpointHealth twice = b.Get(0, now);
  EndpointHealth once = a.Get(0, now);
  CHECK(twice.uptime_1d == once.uptime_1d);  // ratios are unchanged...
  // buckets_15m is flat [bucket, attempts, failures, ...]: the first bucket's attempts doubled.
  CHECK(b.Export(now)["endpoints"][0]["buckets_15m"][1].get<int64_t>() ==
        2 * snap["endpoints"][0]["buckets_15m"][1].get<int64_t>());
}

TEST_CASE("Merge rejects malformed snapshots and changes nothing") {
  int64_t now = 0;
  Health h = Busy(&now);
  const std::string before = Dump(h.Export(now));
  const std::string head = R"({"health":1,"bucket_ms":[1000,10000,900000],"endpoints":)";
  const std::string good = R"({"endpoint":1,"buckets_1s":[1,2,1]})";
  const std::string future = std::to_string(now / 1000 + 3600);
  std::vector<std::string> bad = {
      "[]",
      "null",
      R"({"bucket_ms":[1000,10000,900000],"endpoints":[]})",
      R"({"health":2,"bucket_ms":[1000,10000,900000],"endpoints":[]})",
      R"({"health":1,"bucket_ms":[1000,60000,900000],"endpoints":[]})",
      R"({"health":1,"endpoints":[]})",
      head + "{}}",
      head + "[1]}",
      head + R"([{"buckets_1s":[]}]})",
      head + R"([{"endpoint":-1}]})",
      head + R"([{"endpoint":65536}]})",
      head + R"([{"endpoint":"3"}]})",
      head + R"([{"endpoint":1.5}]})",
      head + "[" + good + R"(,{"endpoint":2,"buckets_1s":[1,2]}]})",
      head + "[" + good + R"(,{"endpoint":2,"buckets_1s":[1,1,2]}]})",
      head + "[" + good + R"(,{"endpoint":2,"buckets_1s":[1,-1,0]}]})",
      head + "[" + good + R"(,{"endpoint":2,"buckets_1s":[2,1,0,1,1,0]}]})",
      head + "[" + good + R"(,{"endpoint":2,"buckets_1s":[2,1,0,2,1,0]}]})",
      head + "[" + good + R"(,{"endpoint":2,"buckets_1s":[)" + future + R"(,1,0]}]})",
      head + "[" + good + R"(,{"endpoint":2,"buckets_10s":{"a":1}}]})",
      head + "[" + good + R"(,{"endpoint":2,"buckets_15m":[1,1e3,0]}]})",
      head + "[" + good + R"(,{"endpoint":2,"latency":[1,-5]}]})",
      head + "[" + good + R"(,{"endpoint":2,"latency":[1]}]})",
      head + "[" + good + R"(,{"endpoint":2,"throughput":["1",2]}]})",
      head + "[" + good + R"(,{"endpoint":2,"breaker":{"open":true}}]})",
      head + "[" + good +
          R"(,{"endpoint":2,"breaker":{"open":1,"failures":0,"open_until_ms":0,"open_ms":0,"changed_ms":0}}]})",
      head + "[" + good +
          R"(,{"endpoint":2,"breaker":{"open":true,"failures":0,"open_until_ms":0,"open_ms":999999999,"changed_ms":0}}]})",
      head + "[" + good + R"(,{"endpoint":2,"cooldown_until_ms":"soon"}]})",
      head + "[" + good + R"(,{"endpoint":2,"cooldown_until_ms":)" +
          std::to_string(now + 400 * kDay) + "}]}",
  };
  {  // 257 samples and an over-long bucket list
    std::string many = "[";
    for (int i = 0; i < 257; ++i) many += (i ? "," : "") + std::to_string(now) + ",1";
    bad.push_back(head + R"([{"endpoint":2,"latency":)" + many + "]}]}");
    std::string buckets = "[";
    for (int i = 0; i < 50; ++i) buckets += (i ? "," : "") + std::to_string(i) + ",1,0";
    bad.push_back(head + R"([{"endpoint":2,"buckets_1s":)" + buckets + "]}]}");
    bad.push_back(head + R"([{"endpoint":2,"buckets_1s":[[1,1,0]]}]})");  // nested, old shape
  }
  for (const std::string& text : bad) {
    INFO(text.substr(0, 200));
    auto doc = ParseJson(text);
    REQUIRE(doc.ok());
    Status s = h.Merge(*doc, now);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(Dump(h.Export(now)) == before);
  }
  // The good entry on its own is accepted (so the failures above were the bad parts).
  auto ok = ParseJson(head + "[" + good + "]}");
  REQUIRE(ok.ok());
  Health fresh;
  CHECK(fresh.Merge(*ok, 2000).ok());
  CHECK(fresh.Get(1, 2000).requests_30s == 2);
  CHECK(fresh.Get(1, 2000).failures_30s == 1);
}

TEST_CASE("isolates that relay each other's events agree with one Health that saw them all") {
  // The worker shares health by events (js/src/worker/health.js): each isolate observes its own
  // attempts at once and the others' later, out of order; every event counts once everywhere.
  Health a, b, reference;
  std::vector<HealthEvent> from_a, from_b;
  auto observe = [&](Health& isolate, std::vector<HealthEvent>& relay, const HealthEvent& e) {
    isolate.Observe(e);
    relay.push_back(e);
    reference.Observe(e);
  };
  int64_t t = kT0;
  observe(a, from_a, Ok(1, t, 100, 600, 50));
  observe(a, from_a, Fail(1, t + 1));
  observe(b, from_b, Ok(1, t + 3, 200, 400, 10));
  observe(a, from_a, Ok(1, t + 2, 300, 800, 25));  // out of order
  observe(b, from_b, Fail(2, t + 4, 429, 60 * kSec));
  observe(a, from_a, Fail(1, t + 20 * kSec));
  for (const HealthEvent& e : from_b) a.Observe(e);
  for (const HealthEvent& e : from_a) b.Observe(e);
  const int64_t now = t + 22 * kSec;
  for (uint32_t ep : {1u, 2u}) {
    INFO(ep);
    RequireSame(a.Get(ep, now), reference.Get(ep, now));
    RequireSame(b.Get(ep, now), reference.Get(ep, now));
  }
  CHECK(a.Get(1, now).requests_30s == 5);
  CHECK(a.Get(2, now).cooling_down);  // learnt from b's relayed 429
}

TEST_CASE("breaker states merge by latest transition; cooldowns by the later end") {
  Health a, b;
  for (int i = 0; i < 5; ++i) a.Observe(Fail(1, kT0 + i));  // a opens at kT0 + 4
  int64_t trial = kT0 + 4 + 30 * kSec;
  for (int i = 0; i < 5; ++i) b.Observe(Fail(1, kT0 + i));
  b.Observe(Ok(1, trial));  // b's trial succeeded: closed, later transition
  CHECK(b.Get(1, trial + 1).half_open == false);

  Health merged_a = a;
  REQUIRE(merged_a.Merge(b.Export(trial + 1), trial + 1).ok());
  CHECK_FALSE(merged_a.Get(1, trial + 1).half_open);  // the close propagated

  Health merged_b = b;
  REQUIRE(merged_b.Merge(a.Export(trial + 1), trial + 1).ok());
  CHECK_FALSE(merged_b.Get(1, trial + 1).half_open);  // an older open does not override

  // Same transition time: the more restrictive wins.
  Health c, d;
  for (int i = 0; i < 5; ++i) c.Observe(Fail(1, kT0 + i));
  for (int i = 0; i < 3; ++i) d.Observe(Fail(1, kT0 + 2 + i));
  REQUIRE(d.Merge(c.Export(kT0 + 10), kT0 + 10).ok());
  CHECK(d.Get(1, kT0 + 10).circuit_open);

  Health e, f;
  e.Observe(Fail(3, kT0, 429, 10 * kSec));
  f.Observe(Fail(3, kT0, 429, 40 * kSec));
  REQUIRE(f.Merge(e.Export(kT0 + 1), kT0 + 1).ok());
  CHECK(f.Get(3, kT0 + 1).available_at_ms == kT0 + 40 * kSec);
  REQUIRE(e.Merge(f.Export(kT0 + 1), kT0 + 1).ok());
  CHECK(e.Get(3, kT0 + 1).available_at_ms == kT0 + 40 * kSec);
}

TEST_CASE("memory stays bounded over 1e5 events") {
  Health h;
  uint64_t rng = 12345;
  size_t at_20k = 0, peak = 0;
  for (int i = 0; i < 100000; ++i) {
    uint32_t ep = static_cast<uint32_t>(Next(rng) % 50);
    int64_t t = kT0 + i * 100 - static_cast<int64_t>(Next(rng) % 5000);  // 100 ms apart, jittered
    if (Next(rng) % 5 == 0) {
      h.Observe(Fail(ep, t, Next(rng) % 2 ? 502 : 429));
    } else {
      h.Observe(Ok(ep, t, static_cast<int64_t>(Next(rng) % 2000), 3000, 100));
    }
    if (i == 20000) at_20k = h.MemoryBytes();
    peak = std::max(peak, h.MemoryBytes());
  }
  CHECK(h.TrackedEndpoints() == 50);
  CHECK(h.MemoryBytes() == at_20k);  // nothing grows with the number of events
  CHECK(peak == at_20k);
  CHECK(h.MemoryBytes() < 50 * 32 * 1024);
  // The statistics still make sense: ~80% successes, latency under 2 s.
  EndpointHealth g = h.Get(7, kT0 + 100000 * 100);
  REQUIRE(g.uptime_30m.has_value());
  CHECK(*g.uptime_30m > 70.0);
  CHECK(*g.uptime_30m < 90.0);
  REQUIRE(g.latency_30m.has_value());
  CHECK(g.latency_30m->p99 < 2000);
  // A snapshot is bounded too: the newest 256 samples per endpoint.
  Json snapshot = h.Export(kT0 + 100000 * 100);
  CHECK(snapshot["endpoints"].size() == 50);
  CHECK(snapshot["endpoints"][0]["latency"].size() == 2 * 256);  // flat pairs
}

TEST_CASE("copies are independent") {
  Health a;
  a.Observe(Fail(1, kT0));
  Health b = a;
  b.Observe(Fail(1, kT0 + 1));
  b.Observe(Fail(1, kT0 + 2));
  CHECK(a.Get(1, kT0 + 3).requests_30s == 1);
  CHECK(b.Get(1, kT0 + 3).requests_30s == 3);
  a = b;
  CHECK(a.Get(1, kT0 + 3).outage);
}

TEST_CASE("ParseHealthEvent and EndpointHealthJson") {
  auto doc =
      ParseJson(R"({"endpoint":4,"now_ms":1700000000000,"http_status":429,"retry_after_ms":2000,)"
                R"("latency_ms":-1,"timeout":false})");
  REQUIRE(doc.ok());
  auto e = ParseHealthEvent(*doc);
  REQUIRE(e.ok());
  CHECK(e->endpoint == 4);
  CHECK(e->now_ms == 1700000000000);
  CHECK(e->http_status == 429);
  CHECK(e->retry_after_ms == 2000);
  CHECK_FALSE(e->connection_error);

  for (const char* bad :
       {R"([])", R"({"now_ms":1})", R"({"endpoint":1})", R"({"endpoint":0.5,"now_ms":1})",
        R"({"endpoint":1,"now_ms":"1"})", R"({"endpoint":1,"now_ms":1e300})",
        R"({"endpoint":1,"now_ms":1,"http_status":1000})",
        R"({"endpoint":1,"now_ms":1,"timeout":"yes"})",
        R"({"endpoint":1,"now_ms":1,"output_tokens":-3})",
        R"({"endpoint":1,"now_ms":1,"retry_after_ms":-1})"}) {
    INFO(bad);
    auto d = ParseJson(bad);
    REQUIRE(d.ok());
    CHECK(ParseHealthEvent(*d).status().code() == Code::kInvalidArgument);
  }
  // An index beyond the catalog's endpoints (or health's table) is not found, naming the count.
  for (const char* missing : {R"({"endpoint":-1,"now_ms":1})", R"({"endpoint":70000,"now_ms":1})",
                              R"({"endpoint":9,"now_ms":1})"}) {
    INFO(missing);
    auto d = ParseJson(missing);
    REQUIRE(d.ok());
    Status s = ParseHealthEvent(*d, 9).status();
    CHECK(s.code() == Code::kNotFound);
    CHECK(s.message().find("(9 endpoints)") != std::string::npos);
  }
  // JS hosts time with performance.now(): fractions are truncated.
  auto frac = ParseJson(R"({"endpoint":2,"now_ms":1000.9,"latency_ms":10.5,"duration_ms":20.2})");
  REQUIRE(frac.ok());
  auto f = ParseHealthEvent(*frac, 9);
  REQUIRE(f.ok());
  CHECK(f->now_ms == 1000);
  CHECK(f->latency_ms == 10);
  CHECK(f->duration_ms == 20);

  Health h;
  h.Observe(Ok(1, kT0, 250, 1250, 40));
  Json j = EndpointHealthJson(h.Get(1, kT0));
  CHECK(j["uptime_last_5m"] == 100.0);
  CHECK(j["latency_last_30m"]["p90"] == 250);
  CHECK(j["throughput_last_30m"]["p50"] == 40);
  CHECK(j["outage"] == false);
  Json empty = EndpointHealthJson(h.Get(2, kT0));
  CHECK(empty["uptime_last_1d"].is_null());
  CHECK(empty["latency_last_30m"].is_null());
}

namespace {

// The sample rules spelt out naively: the last 256 arrivals, each dropped on arrival if it is
// 30 min older than the newest sample so far; the FIFO front leaves when expired or when full.
struct SampleModel {
  std::vector<std::pair<int64_t, int64_t>> fifo;  // (t, value) in arrival order
  int64_t newest = INT64_MIN;
  void Add(int64_t t, int64_t v) {
    newest = std::max(newest, t);
    int64_t cutoff = newest - 30 * kMin;
    if (t <= cutoff) return;
    while (!fifo.empty() && (fifo.front().first <= cutoff || fifo.size() == 256)) {
      fifo.erase(fifo.begin());
    }
    fifo.push_back({t, v});
  }
  std::optional<Percentiles> Get(int64_t now) const {
    std::vector<int64_t> live;
    for (const auto& [t, v] : fifo) {
      if (t > now - 30 * kMin) live.push_back(v);
    }
    if (live.empty()) return std::nullopt;
    std::sort(live.begin(), live.end());
    auto at = [&](size_t p) { return live[(p * live.size() + 99) / 100 - 1]; };
    return Percentiles{at(50), at(75), at(90), at(99)};
  }
};

}  // namespace

TEST_CASE("latency percentiles match a naive model under jitter, trickles and bursts") {
  uint64_t rng = 0xfeedbeefull;
  for (int scenario = 0; scenario < 3; ++scenario) {
    INFO("scenario " << scenario);
    Health h;
    SampleModel model;
    int64_t t = kT0;
    for (int i = 0; i < 1500; ++i) {
      // 0: trickle (samples span the whole window), 1: bursts, 2: heavy out-of-order jitter.
      int64_t step = scenario == 0   ? 7 * kSec
                     : scenario == 1 ? (i % 100 == 0 ? 20 * kMin : 50)
                                     : 3 * kSec;
      t += step;
      int64_t jitter = scenario == 2 ? static_cast<int64_t>(Next(rng) % 60000) : 0;
      int64_t v = static_cast<int64_t>(Next(rng) % 1000);
      h.Observe(Ok(13, t - jitter, v));
      model.Add(t - jitter, v);
      if (i % 7 == 0) {
        // 20 s / 45 s: a few of the oldest trickle samples expire (the skip-a-prefix path).
        for (int64_t ahead :
             {int64_t{0}, 3 * kSec, 20 * kSec, 45 * kSec, 29 * kMin, 30 * kMin + 5, 31 * kMin}) {
          INFO("i " << i << " ahead " << ahead);
          std::optional<Percentiles> want = model.Get(t + ahead);
          std::optional<Percentiles> got = h.Get(13, t + ahead).latency_30m;
          REQUIRE(got.has_value() == want.has_value());
          if (want) {
            CHECK(got->p50 == want->p50);
            CHECK(got->p75 == want->p75);
            CHECK(got->p90 == want->p90);
            CHECK(got->p99 == want->p99);
          }
        }
      }
    }
  }
}

TEST_CASE("window counts match a naive count of every event, with jitter and long gaps") {
  struct E {
    int64_t t;
    bool failed;
  };
  std::vector<E> all;
  Health h;
  uint64_t rng = 77;
  int64_t t = kT0 + 123;  // not aligned
  int64_t newest = INT64_MIN;
  auto floor_div = [](int64_t a, int64_t b) { return a / b - (a % b != 0 && a < 0); };
  auto naive = [&](int64_t now, int64_t bucket_ms, int64_t width, int64_t& attempts,
                   int64_t& failures) {
    attempts = failures = 0;
    int64_t nb = floor_div(now, bucket_ms);
    for (const E& e : all) {
      int64_t b = floor_div(e.t, bucket_ms);
      if (b > nb - width && b <= nb) {
        ++attempts;
        failures += e.failed;
      }
    }
  };
  auto uptime = [](int64_t a, int64_t f) -> std::optional<double> {
    if (a == 0) return std::nullopt;
    return 100.0 * static_cast<double>(a - f) / static_cast<double>(a);
  };
  for (int i = 0; i < 3000; ++i) {
    uint64_t r = Next(rng);
    t += r % 50 == 0 ? static_cast<int64_t>(Next(rng) % (3 * 3600 * kSec))
                     : static_cast<int64_t>(r % 4000);
    int64_t at = t - static_cast<int64_t>(Next(rng) % (90 * kSec));  // finishes up to 90 s late
    bool failed = Next(rng) % 3 == 0;
    h.Observe(failed ? Fail(14, at, 502) : Ok(14, at));
    all.push_back({at, failed});
    newest = std::max(newest, at);
    if (i % 37 == 0) {
      for (int64_t ahead :
           {int64_t{0}, 15 * kSec, 4 * kMin, 29 * kMin, 6 * 3600 * kSec, kDay - kSec}) {
        int64_t now = newest + ahead;
        INFO("i " << i << " ahead " << ahead);
        EndpointHealth g = h.Get(14, now);
        int64_t a = 0, f = 0;
        naive(now, kSec, 30, a, f);
        CHECK(g.requests_30s == a);
        CHECK(g.failures_30s == f);
        CHECK(g.outage == (a >= 3 && 2 * f >= a));
        naive(now, 10 * kSec, 30, a, f);
        CHECK(g.uptime_5m == uptime(a, f));
        naive(now, 10 * kSec, 180, a, f);
        CHECK(g.uptime_30m == uptime(a, f));
        naive(now, 15 * kMin, 96, a, f);
        CHECK(g.uptime_1d == uptime(a, f));
      }
    }
  }
}
