// health.h: what the router has seen of each endpoint lately: latency, throughput, errors,
// outages, a circuit breaker and Retry-After cooldowns.
//
// The health module (core/src/health/) owns these statistics and nothing else. It knows endpoints
// only by catalog index, so it sits below the catalog, whose /endpoints rendering shows them.
//
// Health is a pure function of the events the host reports and the `now_ms` it passes: no clock
// of its own, no randomness, so a snapshot replayed anywhere gives the same answers. The worker
// keeps one per isolate and shares events, not snapshots (below).
//
// Rules (REFERENCE §3):
// - failures: 5xx, 429, 408, a timeout, a connection error, no response (status 0) and any other
//   non-2xx that is not a 4xx are provider-side failures. Other 4xx are the client's fault: they
//   are ignored entirely (no uptime, no breaker). See IsProviderFailure / IsClientError.
// - outage: in the last 30 s, at least 3 attempts and at least half of them failed with a
//   provider-side failure. Outage endpoints are tried last.
// - circuit breaker: 5 consecutive provider-side failures open the circuit for 30 s; then one
//   trial request is allowed (half-open); a success closes it, a failure reopens it for twice as
//   long (capped at 5 minutes). Results of attempts that end while the circuit is open do not
//   move the breaker, except a success of an attempt that started after it opened (known from
//   duration_ms): open endpoints are still tried last, as fallbacks, and such a success shows
//   the provider is back, so it closes the circuit like a successful trial. "One trial" needs to know when attempts
//   start: Lifecycle::Start calls NoteAttemptStart as each attempt is sent (session.h: the
//   Session hands the attempt to the host); the first one sent while half-open is the trial, and until an
//   outcome for the endpoint arrives (or kTrialTimeoutMs passes) the endpoint reads as
//   `trial_in_flight`, degraded, so other requests keep away from it instead of all piling onto a
//   provider that may still be down. (Without it, every request went there while the trial ran,
//   and one fast error among them reopened the circuit: the routing simulator showed it.) The
//   trial is this Health's own: it is neither exported nor merged.
// - Retry-After on a provider failure (or a 429 without one: 5 s) cools the endpoint down until
//   then; Retry-After is capped at a day.
// - latency = time to first token (or to the whole response when not streaming), successful
//   attempts only; throughput = output tokens per second after the first token, i.e.
//   output_tokens / (duration - latency) (non-streaming: / duration), rounded to an integer.
//
// Windows are aligned to fixed buckets (bucket = floor(t / size)): "last 30 s" is the current
// 1 s bucket and the 29 before it; 5 min and 30 min use 10 s buckets; 1 day uses 15 min buckets.
// An event at time t counts in a window of W at `now` iff floor(now/size) - floor(t/size) < W/size.
// Percentiles are nearest-rank over the (at most 256) most recent samples with
// now - 30 min < t. Events may arrive out of order; each lands in its own bucket while still in
// range. Memory per endpoint is fixed: ~15 KB while it has data; state is created lazily on the
// first event and freed by Prune once everything in it has expired.
//
// Sharing across isolates is by events: each isolate's Health observes its own attempts (the
// Session's `observed` events), the worker relays those events through one Durable Object, and
// each isolate observes the other isolates' events into its own Health (js/src/worker/health.js),
// so every event counts once everywhere. Export/Merge move whole snapshots (a combined view, a
// fresh router starting from another's): Merge is additive, so merging the same document twice
// counts it twice. Breaker states merge by
// "latest transition wins" (ties: the more restrictive), so a successful trial in one isolate
// can close the circuit everywhere; cooldowns merge by taking the later end.
//
// Thread-safety: not thread-safe; one Health per router handle. Get is const and allocation-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "switchyard/base/status.h"

namespace switchyard {

// Endpoint indexes at or above this are ignored by Observe and rejected by Merge (a garbage index
// must not allocate gigabytes).
inline constexpr uint32_t kMaxHealthEndpoints = 1u << 16;

struct HealthEvent {
  uint32_t endpoint = 0;  // Catalog endpoint index
  int64_t now_ms = 0;     // when the attempt ended
  int http_status = 200;  // 0 when no HTTP response arrived
  bool timeout = false;
  bool connection_error = false;
  int64_t latency_ms = -1;   // time to first token / to the response; -1 unknown
  int64_t duration_ms = -1;  // whole attempt; -1 unknown
  int64_t output_tokens = 0;
  int64_t retry_after_ms = 0;  // from the provider's Retry-After; 0 none
};

// Provider-side failure: counts against uptime, the outage rule and the breaker.
bool IsProviderFailure(const HealthEvent& event);
// A 4xx other than 408/429 with a response: the caller's fault, ignored by Health.
bool IsClientError(const HealthEvent& event);

// {"endpoint":i,"now_ms":N,"http_status":200,"timeout":false,"connection_error":false,
//  "latency_ms":N,"duration_ms":N,"output_tokens":N,"retry_after_ms":N}: endpoint and now_ms
// required, the rest optional; times and counts may be fractional (truncated: JS hosts time
// with performance.now()). kInvalidArgument names the offending field; an endpoint index that
// is not below `endpoint_count` (the catalog's endpoints) is kNotFound. The one parser of an
// event: sy_router_observe and the tests use it.
Result<HealthEvent> ParseHealthEvent(const Json& event,
                                     size_t endpoint_count = kMaxHealthEndpoints);

struct Percentiles {
  int64_t p50 = 0, p75 = 0, p90 = 0, p99 = 0;
  friend bool operator==(const Percentiles&, const Percentiles&) = default;
};

struct EndpointHealth {
  bool outage = false;          // significant outage in the last 30 s
  bool circuit_open = false;    // breaker open (no trial allowed yet)
  bool half_open = false;       // breaker waiting for its trial: one attempt may go
  bool cooling_down = false;    // inside a Retry-After window
  bool trial_in_flight = false; // half-open and its trial attempt was sent (NoteAttemptStart)
  int64_t available_at_ms = 0;  // when it may be tried again (0 = now)
  int64_t requests_30s = 0, failures_30s = 0;
  std::optional<double> uptime_5m, uptime_30m, uptime_1d;  // percent; nullopt without data
  std::optional<Percentiles> latency_30m;                  // ms
  std::optional<Percentiles> throughput_30m;               // tokens per second
  // Whether the planner should avoid this endpoint now (outage, open circuit or cooldown).
  bool degraded() const { return outage || circuit_open || cooling_down || trial_in_flight; }
};

// {"outage","circuit_open","half_open","trial_in_flight","cooling_down","available_at_ms","requests_30s",
//  "failures_30s","uptime_last_5m","uptime_last_30m","uptime_last_1d","latency_last_30m",
//  "throughput_last_30m"} with null for absent statistics (the names of GET .../endpoints).
Json EndpointHealthJson(const EndpointHealth& health);

class Health {
 public:
  // Records one attempt. Client errors (IsClientError) and endpoints >= kMaxHealthEndpoints are
  // ignored. Every kPruneInterval of event time it also runs Prune.
  void Observe(const HealthEvent& event);
  // An attempt is being sent to `endpoint` at now_ms. While its circuit is half-open and no trial
  // is in flight, this one becomes the trial (see the breaker rule above); otherwise nothing
  // happens (and nothing is allocated for an endpoint Health knows nothing about).
  void NoteAttemptStart(uint32_t endpoint, int64_t now_ms);
  // O(1), no allocation (the percentile fast path; only while a burst of samples is expiring
  // does it scan at most 256 samples). Unknown endpoints: a healthy default, nullopt stats.
  EndpointHealth Get(uint32_t endpoint, int64_t now_ms) const;

  // Snapshot document (format in health.cpp): {"health":1,"bucket_ms":[...],"endpoints":[...]}.
  // Export: everything this Health knows that still matters at now_ms (own and merged data).
  Json Export(int64_t now_ms) const;
  // Adds another snapshot's counts and samples (samples re-bounded to the newest 256), merges
  // breaker and cooldown states. Data outside every window at now_ms is dropped. Invalid input
  // (wrong shape, version or bucket layout, times beyond now + 5 min, over-long arrays) is
  // rejected with kInvalidArgument and nothing changes.
  Status Merge(const Json& snapshot, int64_t now_ms);

  // Frees endpoints whose data has all expired (older than a day, samples older than 30 min,
  // breaker closed and untouched for a day, cooldown over). Observe calls it as it goes.
  void Prune(int64_t now_ms);

  // Bytes held (the endpoint table plus per-endpoint state); for tests and metrics.
  size_t MemoryBytes() const;
  // Endpoints with state allocated.
  size_t TrackedEndpoints() const;

  static constexpr int64_t kPruneInterval = 15 * 60 * 1000;
  // A trial whose outcome never arrives (the host lost it) stops blocking after this long.
  static constexpr int64_t kTrialTimeoutMs = 60 * 1000;

 private:
  struct State;
  State& Mutable(uint32_t endpoint);
  std::vector<std::unique_ptr<State>> states_;  // by endpoint index, grown and filled on demand
  int64_t last_prune_ms_ = INT64_MIN;

 public:
  Health();
  ~Health();
  Health(Health&&) noexcept;
  Health& operator=(Health&&) noexcept;
  Health(const Health&);
  Health& operator=(const Health&);
};

}  // namespace switchyard
