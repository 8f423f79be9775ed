// simulate_bench: what one simulated request costs the routing simulator (plan against the full
// default catalog, draws, attempt events, health, cost, report), so a team knows how large a
// scenario the browser page can run. Self-timing like the other benchmarks: the same file runs
// natively, under node (Emscripten, the build the simulator page uses) and under node:wasi.
//
// Output: one markdown row per scenario: | case | requests | runs | ns per request (median) |
// ns per request (best) | simulated requests per second (median) |.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "switchyard/catalog/catalog.h"
#include "switchyard/json/json.h"
#include "switchyard/simulate/simulate.h"

using namespace switchyard;

namespace {

using Clock = std::chrono::steady_clock;

// Two traffic classes on real catalog models: price-sorted Llama with a provider outage and a
// rate-limited provider; an agent on GPT-4o mini with a Claude fallback, streamed, with
// conversations (stickiness). `rate` scales the first class.
std::string Scenario(int64_t duration_ms, int rate) {
  return R"({"seed": 7, "duration_ms": )" + std::to_string(duration_ms) + R"(,
    "traffic": [
      {"name": "summaries", "rate_per_s": )" + std::to_string(rate) + R"(,
       "prompt_tokens": 1200, "completion_tokens": 250,
       "request": {"model": "meta-llama/llama-3.3-70b-instruct",
                   "messages": [{"role": "user", "content": "Summarise this ticket."}],
                   "provider": {"only": ["deepinfra", "groq", "together", "novita"], "sort": "price"}}},
      {"name": "agent", "rate_per_s": 5, "prompt_tokens": 3000, "completion_tokens": 400,
       "conversations": 50,
       "request": {"model": "openai/gpt-4o-mini", "models": ["anthropic/claude-haiku-4.5"],
                   "stream": true,
                   "messages": [{"role": "system", "content": "You are a coding agent."},
                                {"role": "user", "content": "Fix the failing test."}]}}],
    "providers": {
      "*": {"latency_ms": 600, "tokens_per_s": 70, "error_rate": 0.005},
      "deepinfra": {"latency_ms": 450, "outages": [{"start_ms": 120000, "end_ms": 240000}]},
      "groq": {"latency_ms": 200, "tokens_per_s": 300, "capacity_rps": 8},
      "openai": {"error_rate": 0.02}}})";
}

void Case(const Catalog& catalog, const char* name, int64_t duration_ms, int rate, int min_runs) {
  Result<Json> scenario = ParseJson(Scenario(duration_ms, rate));
  if (!scenario.ok()) {
    std::printf("| %s | scenario does not parse |\n", name);
    return;
  }
  std::vector<double> per_request;
  int64_t requests = 0;
  auto start = Clock::now();
  for (int run = 0; run < min_runs || (Clock::now() - start < std::chrono::milliseconds(1500) &&
                                       run < 50);
       ++run) {
    auto t0 = Clock::now();
    Result<Json> report = Simulate(catalog, *scenario);
    double ns = static_cast<double>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
    if (!report.ok()) {
      std::printf("| %s | failed: %s |\n", name, report.status().message().c_str());
      return;
    }
    requests = (*report)["requests"].get<int64_t>();
    per_request.push_back(ns / static_cast<double>(std::max<int64_t>(requests, 1)));
  }
  std::sort(per_request.begin(), per_request.end());
  double median = per_request[per_request.size() / 2];
  std::printf("| %-46s | %9lld | %4zu | %8.0f | %8.0f | %10.0f |\n", name,
              static_cast<long long>(requests), per_request.size(), median, per_request.front(),
              1e9 / median);
  std::fflush(stdout);
}

}  // namespace

int main() {
  Result<Catalog> catalog = Catalog::Default();
  if (!catalog.ok()) {
    std::printf("default catalog failed to load: %s\n", catalog.status().message().c_str());
    return 1;
  }
  std::printf("| case (simulate, default catalog) | requests | runs | ns/request (median) | "
              "ns/request (best) | requests/s |\n|---|---:|---:|---:|---:|---:|\n");
  Case(*catalog, "10 min, 25 req/s (outage, 429s, conversations)", 600'000, 20, 3);
  Case(*catalog, "1 h, 205 req/s", 3'600'000, 200, 1);
  return 0;
}
