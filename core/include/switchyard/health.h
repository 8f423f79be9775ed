// health.h: what the router has seen of each endpoint lately: latency, throughput, errors,
// outages, a circuit breaker and Retry-After cooldowns.
//
// Health is a pure function of the events the host reports and the `now_ms` it passes: no clock
// of its own, no randomness, so a snapshot replayed anywhere gives the same answers. The worker
// keeps one per isolate and shares snapshots through a Durable Object (Export/Merge).
//
// Rules (REFERENCE §3):
// - outage: in the last 30 s, at least 3 attempts and at least half of them failed with a
//   provider-side failure (5xx, 429, timeout, connection error). Outage endpoints are tried last.
// - circuit breaker: 5 consecutive provider-side failures open the circuit for 30 s; then one
//   trial request is allowed (half-open); a success closes it, a failure reopens it for twice as
//   long (capped at 5 minutes).
// - Retry-After (or a 429 without one: 5 s): the endpoint cools down until then.
// - latency = time to first token; throughput = output tokens per second after the first token.
//
// Thread-safety: not thread-safe; one Health per router handle.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "switchyard/status.h"

namespace switchyard {

struct HealthEvent {
  uint32_t endpoint = 0;       // Catalog endpoint index
  int64_t now_ms = 0;          // when the attempt ended
  int http_status = 200;       // 0 when no HTTP response arrived
  bool timeout = false;
  bool connection_error = false;
  int64_t latency_ms = -1;     // time to first token / to the response; -1 unknown
  int64_t duration_ms = -1;    // whole attempt; -1 unknown
  int64_t output_tokens = 0;
  int64_t retry_after_ms = 0;  // from the provider's Retry-After; 0 none
};

struct Percentiles {
  int64_t p50 = 0, p75 = 0, p90 = 0, p99 = 0;
};

struct EndpointHealth {
  bool outage = false;             // significant outage in the last 30 s
  bool circuit_open = false;       // breaker open (no trial allowed yet)
  bool cooling_down = false;       // inside a Retry-After window
  int64_t available_at_ms = 0;     // when it may be tried again (0 = now)
  int64_t requests_30s = 0, failures_30s = 0;
  std::optional<double> uptime_5m, uptime_30m, uptime_1d;   // percent; nullopt without data
  std::optional<Percentiles> latency_30m;                     // ms
  std::optional<Percentiles> throughput_30m;                  // tokens per second
  // Whether the planner should avoid this endpoint now (outage, open circuit or cooldown).
  bool degraded() const { return outage || circuit_open || cooling_down; }
};

class Health {
 public:
  void Observe(const HealthEvent& event);
  EndpointHealth Get(uint32_t endpoint, int64_t now_ms) const;

  // A serialisable copy (JSON) and the merge of another isolate's copy: counts add up, breaker
  // and cooldown take the most restrictive state. Invalid input is rejected without changes.
  Json Export(int64_t now_ms) const;
  Status Merge(const Json& snapshot, int64_t now_ms);

  // Drops data older than a day (the longest window). Observe calls it as it goes.
  void Prune(int64_t now_ms);

 private:
  struct State;
  std::vector<State> states_;  // by endpoint index, grown on demand
 public:
  Health();
  ~Health();
  Health(Health&&) noexcept;
  Health& operator=(Health&&) noexcept;
  Health(const Health&);
  Health& operator=(const Health&);
};

}  // namespace switchyard
