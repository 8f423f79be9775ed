// simulate.h: the simulate module (core/src/simulate/) owns the routing simulator.
//
// A discrete-event simulation of traffic against simulated providers, decided by the production
// planner, request lifecycle (session.h), health (outage rule, circuit breaker, Retry-After
// cooldowns), prompt-cache stickiness and cost code: a team tries a routing policy here before it
// meets real traffic, and what the simulator says is what the router would do.
//
// Pure like the rest of the core: the scenario carries the seed and the start time, and the same
// (catalog, scenario) give the same report in every build (native, Emscripten, WASI). Random
// draws use private xoshiro256** generators, one stream each for arrivals, plan seeds and attempt
// outcomes: two scenarios with the same seed and traffic get the same requests at the same times
// however differently their providers behave, so comparing two policies is like for like; the few transcendental functions (log for
// exponential inter-arrival times, exp for log-normal latencies) are computed here from + - * /
// only, so no libm difference between builds can change a result.
//
// Scenario (JSON):
// {"seed": 1,                      // uint64, default 1
//  "start_ms": 1767225600000,      // simulated wall clock at t = 0 (unix ms), default 2026-01-01
//  "duration_ms": 600000,          // required: 1 ms .. 7 days of simulated time
//  "bucket_ms": 10000,             // time-series bucket, default: duration / 60 (at least 1 ms);
//                                  // at most 1,000 buckets
//  "timeout_ms": 60000,            // an attempt's deadline, default 60 s
//  "max_requests": 2000000,        // refuse (413) scenarios whose expected arrivals exceed it;
//                                  // default and ceiling 5,000,000
//  "context": {...},               // the policy context, as for sy_router_plan (optional)
//  "traffic": [                    // 1..64 classes, each a Poisson stream of requests
//    {"name": "chat",              // label in the report, default "class<i>"
//     "rate_per_s": 20,            // mean arrivals per second, > 0 and <= 100,000
//     "request": {...},            // an OpenAI chat request with the router's extensions (model,
//                                  // models, provider preferences, stream...), validated as the
//                                  // router validates it; its errors are the scenario's (400,
//                                  // metadata.field "traffic[i].request.<field>")
//     "prompt_tokens": 1000,       // billed input tokens per request (default: the planner's
//                                  // estimate of the request)
//     "completion_tokens": 300,    // output tokens of a successful generation (default 200)
//     "conversations": 0,          // > 0: each request belongs to one of N conversations
//                                  // (session ids), so prompt-cache stickiness applies; 0: every
//                                  // request is a new conversation (no stickiness)
//     "cached_fraction": 0}],      // 0..1: on a cache hit (the request went to the endpoint
//                                  // that served its conversation last, within the 10 minutes
//                                  // stickiness remembers it) this share of the prompt is billed
//                                  // at the endpoint's cache-read price, if it has one
//  "providers": {                  // behaviour by provider slug; "*" is the default for others
//    "*": {"latency_ms": 500,      // median time to first token (default 500)
//          "latency_jitter": 0.25, // sigma of the log-normal around it (0 .. 3, default 0.25)
//          "tokens_per_s": 60,     // output speed after the first token (default 60, > 0)
//          "error_rate": 0,        // chance an attempt ends in HTTP 500 (0 .. 1)
//          "timeout_rate": 0,      // chance an attempt hangs until timeout_ms (0 .. 1)
//          "capacity_rps": null,   // attempts per second the provider accepts; the rest get
//                                  // 429 with Retry-After retry_after_ms (null: unlimited)
//          "retry_after_ms": 1000, // (0: a 429 without Retry-After)
//          "outages": [{"start_ms": 60000, "end_ms": 120000, "status": 503}]}}}
//                                  // times relative to t = 0; status 503 by default, or 0
//                                  // (connection refused), 408 (hangs until timeout_ms), or any
//                                  // other 400..599 answer, with an optional "code": the
//                                  // provider's error code (error.code / error.type as a
//                                  // provider writes it, e.g. "context_length_exceeded",
//                                  // "content_filter"; not with 0 or 408). Each answer is
//                                  // classified by the router's own classification
//                                  // (ClassifyProviderError, wire.h): 429, 5xx, 401/403, 402 and
//                                  // 404 are retried on the next endpoint; a 400 (or another 4xx)
//                                  // is the request's fault: the request fails at once, with no
//                                  // other endpoint or model tried; a 413, or a 4xx whose code
//                                  // says context length or content filter, fails this model
//                                  // only: its remaining endpoints are skipped and the next
//                                  // `models` entry is tried (the skip-model rule). Health
//                                  // ignores 4xx answers other than 408/429, as in the router.
// Unknown fields anywhere are refused (400 naming the field), so a typo cannot silently
// simulate something else. A provider slug not in the catalog is refused too.
//
// One request's life: it arrives, the planner plans it with the simulated clock, the health seen
// so far and a seed drawn from the scenario's generator; then the router's own Lifecycle
// (session.h) runs it: the simulator only draws each attempt's outcome from its provider's
// behaviour at the time it starts (outage, capacity, timeout, error, else success after
// latency + completion_tokens / tokens_per_s) and hands it over as a classified AttemptOutcome.
// Lifecycle decides which attempt runs next (plan order; the skip-model rule; no attempt after a
// non-retryable failure), tells Health exactly as the router does (so outages open circuits, 429s
// cool endpoints down and later plans route around them) and records stickiness on success. A
// success costs ComputeCost(prompt_tokens, completion_tokens, the endpoint's prices) in
// picodollars. A failed attempt costs nothing; a request that Lifecycle gives up on (or that
// plans to no endpoint) fails.
// Not modelled: cache writes (a miss bills the whole prompt at the input price), reasoning
// tokens, BYOK fees, and provider load beyond capacity_rps (latency does not grow with load). Arrivals stop at duration_ms; attempts in flight then finish.
//
// Report (JSON):
// {"requests", "succeeded", "failed", "attempts", "fallbacks" (requests that needed more than
//  one attempt), "no_route" (requests the planner refused: no endpoint left), "cache_hits"
//  (successes on the endpoint that served the conversation last: see cached_fraction), "truncated" (true
//  when Poisson arrivals reached 1.25 × max_requests + 100 and the rest were not generated),
//  "cost_picos", "cost_usd" (string), "latency_ms": {"p50","p90","p99","max"} (arrival to end of
//  the successful attempt, successes only; null when none),
//  "failures": {"http_429", "http_4xx", "http_5xx", "timeout", "connection"} (failed attempts),
//  "providers": [{"provider" (slug), "name", "attempts", "succeeded", "failed", "rate_limited",
//                 "cost_picos", "cost_usd", "share" (fraction of successful requests it served),
//                 "latency_ms": {"p50","p99"}|null}], sorted by attempts, then slug,
//  "classes": [{"name", "requests", "succeeded", "failed", "fallbacks", "cache_hits", "cost_picos", "cost_usd",
//               "latency_ms": {"p50","p90","p99","max"}|null}],
//  "series": {"bucket_ms", "start_ms" (0), "buckets" (count),
//             "requests": [...], "succeeded": [...], "failed": [...], "cost_picos": [...],
//             "providers": {slug: {"attempts": [...], "failed": [...]}}},  // by arrival/attempt start
//  "samples": [{"t_ms", "class", "outcome": "ok"|"failed"|"no_route", "error"?,
//               "attempts": [{"provider", "tag", "model", "start_ms", "end_ms", "status", "result":
//               "ok"|"http_429"|"http_4xx"|"http_5xx"|"timeout"|"connection"}], "cost_picos"}],
//               // the first 50 requests, to see why they went where they went
//  "events": N}                    // discrete events processed
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "switchyard/base/status.h"
#include "switchyard/catalog/catalog.h"
#include "switchyard/json/json_value.h"

namespace switchyard {

inline constexpr int64_t kSimMaxDurationMs = 7LL * 24 * 3600 * 1000;
inline constexpr int64_t kSimMaxRequests = 5'000'000;
inline constexpr size_t kSimMaxClasses = 64;
inline constexpr int64_t kSimMaxBuckets = 1000;
inline constexpr size_t kSimSamples = 50;

// Runs a scenario (the document above) against `catalog` and returns the report. Errors: 400 for
// a malformed scenario (metadata.field names it), 413 when the expected number of requests
// exceeds max_requests.
// `presets`: the router's presets ({name: preset}) for requests that name one; nullptr = none.
Result<Json> Simulate(const Catalog& catalog, const Json& scenario, const Json* presets = nullptr);

// Deterministic elementary functions of the simulator (exposed for tests): natural log of
// x > 0 and e^x, from + - * / only, within a few ulp of libm.
double SimLn(double x);
double SimExp(double x);

}  // namespace switchyard
