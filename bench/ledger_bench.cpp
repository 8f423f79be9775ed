// ledger_bench: the cost of the money path of one request — reserve its worst case, then settle
// the actual usage (or release it) — through the typed C++ API and through JSON commands (text
// parsed, Ledger::Apply, result dumped: what sy_ledger_apply does). Self-timing with
// steady_clock, so the same file runs natively, under node (Emscripten) and under node:wasi.
//
// Each settle writes a generation record (model, provider, app) and updates the rollups, as in
// production. Time moves 1 ms per request and Expire() runs every 4096 requests inside the timed
// loop (idempotency window 10 s), so the numbers include the steady-state cost of forgetting
// closed reservations instead of a map that grows without bound.
//
// Output: one markdown table row per case: | case | iterations | ns/op (wall) | cpu ns/op |.
// Target (issue 4): reserve + settle ≤ 2 µs per pair in wasm through the C++ API.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#elif defined(__wasi__)
#include <wasi/api.h>
#endif
#include <string>
#include <vector>

#include "switchyard/catalog/catalog.h"
#include "switchyard/json/json.h"
#include "switchyard/ledger/ledger.h"

using namespace switchyard;

namespace {

using Clock = std::chrono::steady_clock;

volatile uint64_t g_sink = 0;
void Sink(uint64_t v) { g_sink = g_sink + v; }

double NsSince(Clock::time_point t0) {
  return static_cast<double>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
}

// Process CPU time, per op, of the last TimeIt: on a shared, oversubscribed machine the
// wall-clock figure includes time spent descheduled; this one does not. Natively std::clock();
// under node:wasi the WASI process CPU clock; Emscripten's clock() is wall time, so there it is
// node's process.cpuUsage() (all of node's threads: an upper bound).
double g_cpu_ns = 0;

#ifdef __EMSCRIPTEN__
EM_JS(double, CpuMicros, (), {
  const u = process.cpuUsage();
  return u.user + u.system;
});
double CpuNs() { return CpuMicros() * 1e3; }
#elif defined(__wasi__)
// wasi-libc hides clock() behind an emulation flag; ask the WASI clock directly.
double CpuNs() {
  __wasi_timestamp_t t = 0;
  if (__wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 1, &t) != 0) return 0;
  return static_cast<double>(t);
}
#else
double CpuNs() { return static_cast<double>(std::clock()) * 1e9 / CLOCKS_PER_SEC; }
#endif

// Warm-up until throughput is stable (two consecutive 50 ms windows within 3%, at least 200 ms,
// at most 5 s): V8 compiles the optimised tier in a background thread, which on a loaded
// machine can take far longer than a fixed warm-up. Then growing batches for ~300 ms.
template <typename Fn>
double TimeIt(Fn&& fn, uint64_t* iterations, uint64_t* next) {
  auto warm = Clock::now();
  uint64_t previous = 0;
  while (NsSince(warm) < 5e9) {
    auto window = Clock::now();
    uint64_t count = 0;
    while (NsSince(window) < 50e6) {
      for (int k = 0; k < 16; ++k) fn((*next)++);
      count += 16;
    }
    const double ratio = previous ? static_cast<double>(count) / static_cast<double>(previous) : 0;
    if (NsSince(warm) >= 200e6 && ratio > 0.97 && ratio < 1.03) break;
    previous = count;
  }
  uint64_t n = 64, total = 0;
  double elapsed_ns = 0;
  const double cpu0 = CpuNs();
  while (elapsed_ns < 300e6) {
    auto t0 = Clock::now();
    for (uint64_t i = 0; i < n; ++i) fn((*next)++);
    elapsed_ns += NsSince(t0);
    total += n;
    if (n < (1u << 16)) n *= 2;
  }
  g_cpu_ns = (CpuNs() - cpu0) / static_cast<double>(total);
  *iterations = total;
  return elapsed_ns / static_cast<double>(total);
}

// `ledger_bench [filter]` runs only the cases whose name contains `filter` (for profiling).
const char* g_filter = nullptr;
bool Wanted(const char* name) {
  return g_filter == nullptr || std::strstr(name, g_filter) != nullptr;
}

void Row(const char* name, double ns, uint64_t iterations) {
  std::printf("| %-58s | %9llu | %9.0f | %9.0f |\n", name,
              static_cast<unsigned long long>(iterations), ns, g_cpu_ns);
  std::fflush(stdout);
}

// Writes `v` as `width` decimal digits at `at` (ids and times of fixed width: no allocation).
void Digits(char* at, uint64_t v, int width = 12) {
  for (int i = width - 1; i >= 0; --i, v /= 10) at[i] = static_cast<char>('0' + v % 10);
}

const std::string kKey = "3b4c5d6e7f80a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f607182930";
constexpr int64_t kT0 = 1'785'000'000'000;  // 2026-07-25

Ledger MakeLedger() {
  LedgerConfig config;
  config.idempotency_window_ms = 10'000;
  Ledger l(config);
  (void)l.Purchase("pay", 1'000'000 * kPicosPerUsd, kT0);
  (void)l.Apply({{"op", "put_workspace"},
                 {"id", "ws"},
                 {"limit", "900000"},
                 {"limit_reset", "monthly"},
                 {"now_ms", kT0}});
  (void)l.Apply({{"op", "create_key"},
                 {"hash", kKey},
                 {"name", "bench"},
                 {"limit", "500000"},
                 {"limit_reset", "daily"},
                 {"workspace_id", "ws"},
                 {"now_ms", kT0}});
  return l;
}

// A one-model catalog, so JSON commands can name attempts by endpoint index as the worker does.
const char* kCatalog = R"({"format":"switchyard-catalog","version":1,
  "providers":[{"slug":"anthropic","name":"Anthropic","wire":"anthropic","base_url":"https://api.anthropic.com/v1"},
               {"slug":"openai","name":"OpenAI","wire":"openai","base_url":"https://api.openai.com/v1"}],
  "models":[{"id":"anthropic/claude-sonnet-4","name":"Claude Sonnet 4","context_length":200000,
             "input_modalities":["text"],"output_modalities":["text"]}],
  "endpoints":[{"model":"anthropic/claude-sonnet-4","provider":"anthropic","tag":"anthropic","upstream_model":"claude-sonnet-4",
                "context_length":200000,"max_completion_tokens":64000,
                "pricing":{"prompt":"3","completion":"15","input_cache_read":"0.3","input_cache_write":"3.75"}},
               {"model":"anthropic/claude-sonnet-4","provider":"openai","tag":"openai","upstream_model":"x",
                "context_length":200000,"max_completion_tokens":32000,
                "pricing":{"prompt":"2.5","completion":"10"}}]})";

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) g_filter = argv[1];
  std::printf("| %-58s | %9s | %9s | %9s |\n", "case (ledger)", "iters", "ns/op", "cpu ns/op");
  std::printf("|%s|%s|%s|%s|\n", std::string(60, '-').c_str(), std::string(11, '-').c_str(),
              std::string(11, '-').c_str(), std::string(11, '-').c_str());

  Prices sonnet;
  sonnet.prompt = 3'000'000;
  sonnet.completion = 15'000'000;
  sonnet.cache_read = 300'000;
  sonnet.cache_write = sonnet.cache_write_1h = 3'750'000;
  sonnet.reasoning = sonnet.completion;
  Prices gpt = sonnet;
  gpt.prompt = 2'500'000;
  gpt.completion = gpt.reasoning = 10'000'000;
  AttemptPrices attempts[] = {{&sonnet, 200'000, 64'000, false}, {&gpt, 200'000, 32'000, false}};
  char id[] = "gen-000000000000";
  const std::string_view id_view(id, sizeof id - 1);

  // ---- C++ API ------------------------------------------------------------------------------
  if (Wanted("C++ reserve + settle (record, rollups, amortised expire)")) {
    Ledger ledger = MakeLedger();
    uint64_t iterations = 0, next = 0;
    double ns = TimeIt(
        [&](uint64_t i) {
          Digits(id + 4, i);
          const int64_t now = kT0 + static_cast<int64_t>(i);
          ReserveRequest r;
          r.id = id_view;
          r.key_hash = kKey;
          r.now_ms = now;
          r.estimated_prompt_tokens = 1200;
          r.max_tokens = 1000;
          r.attempts = attempts;
          Result<Hold> h = ledger.Reserve(r);
          GenerationRecord record;
          record.model = "anthropic/claude-sonnet-4";
          record.provider_name = "Anthropic";
          record.app_title = "Bench App";
          record.latency_ms = 420;
          record.streamed = true;
          SettleRequest s;
          s.id = id_view;
          s.now_ms = now;
          s.prices = &sonnet;
          s.usage.prompt_tokens = 1180;
          s.usage.cached_tokens = 1024;
          s.usage.completion_tokens = 345;
          s.options.finish_reason = "stop";
          s.record = &record;
          Result<Settlement> st = ledger.Settle(s);
          Sink(static_cast<uint64_t>(h->amount + st->cost.charged));
          if ((i & 4095) == 4095) Sink(ledger.Expire(now).size());
        },
        &iterations, &next);
    Row("C++ reserve + settle (record, rollups, amortised expire)", ns, iterations);
    if (ledger.held() != 0)
      std::printf("!! held after settles: %lld\n", static_cast<long long>(ledger.held()));
  }
  if (Wanted("C++ reserve + settle (bare record)")) {
    Ledger ledger = MakeLedger();
    uint64_t iterations = 0, next = 0;
    double ns = TimeIt(
        [&](uint64_t i) {
          Digits(id + 4, i);
          const int64_t now = kT0 + static_cast<int64_t>(i);
          ReserveRequest r;
          r.id = id_view;
          r.key_hash = kKey;
          r.now_ms = now;
          r.estimated_prompt_tokens = 1200;
          r.max_tokens = 1000;
          r.attempts = attempts;
          Result<Hold> h = ledger.Reserve(r);
          SettleRequest s;
          s.id = id_view;
          s.now_ms = now;
          s.prices = &sonnet;
          s.usage.prompt_tokens = 1180;
          s.usage.completion_tokens = 345;
          s.options.finish_reason = "stop";
          Result<Settlement> st = ledger.Settle(s);
          Sink(static_cast<uint64_t>(h->amount + st->cost.charged));
          if ((i & 4095) == 4095) Sink(ledger.Expire(now).size());
        },
        &iterations, &next);
    Row("C++ reserve + settle (bare record)", ns, iterations);
  }
  if (Wanted("C++ reserve + release")) {
    Ledger ledger = MakeLedger();
    uint64_t iterations = 0, next = 0;
    double ns = TimeIt(
        [&](uint64_t i) {
          Digits(id + 4, i);
          const int64_t now = kT0 + static_cast<int64_t>(i);
          ReserveRequest r;
          r.id = id_view;
          r.key_hash = kKey;
          r.now_ms = now;
          r.estimated_prompt_tokens = 1200;
          r.max_tokens = 1000;
          r.attempts = attempts;
          Result<Hold> h = ledger.Reserve(r);
          Result<Picos> freed = ledger.Release(id_view, now);
          Sink(static_cast<uint64_t>(h->amount + *freed));
          if ((i & 4095) == 4095) Sink(ledger.Expire(now).size());
        },
        &iterations, &next);
    Row("C++ reserve + release", ns, iterations);
  }
  if (Wanted("ComputeCost alone")) {
    Prices p = sonnet;
    Usage u;
    u.prompt_tokens = 1180;
    u.cached_tokens = 1024;
    u.completion_tokens = 345;
    uint64_t iterations = 0, next = 0;
    double ns = TimeIt(
        [&](uint64_t i) {
          u.completion_tokens = 300 + static_cast<int64_t>(i & 63);
          Result<Cost> c = ComputeCost(u, p, {false, 0, kByokFeePpm, "stop"});
          Sink(static_cast<uint64_t>(c->charged));
        },
        &iterations, &next);
    Row("ComputeCost alone", ns, iterations);
  }

  // ---- JSON commands (the sy_ledger_apply path) --------------------------------------------
  Result<Catalog> catalog = Catalog::FromText(kCatalog);
  if (!catalog.ok()) {
    std::printf("!! bench catalog rejected: %s\n", catalog.status().message().c_str());
    return 1;
  }
  struct Variant {
    const char* name;
    std::string reserve, settle;
  };
  const std::string attempts_by_index =
      R"([{"index":0,"endpoint":0,"byok":false},{"index":1,"endpoint":1,"byok":false}])";
  const std::string attempts_inline =
      R"([{"pricing":{"prompt":"3","completion":"15","input_cache_read":"0.3","input_cache_write":"3.75"},)"
      R"("context_length":200000,"max_completion_tokens":64000},)"
      R"({"pricing":{"prompt":"2.5","completion":"10"},"context_length":200000,"max_completion_tokens":32000}])";
  const std::string usage =
      R"("usage":{"prompt_tokens":1180,"completion_tokens":345,"total_tokens":1525,)"
      R"("prompt_tokens_details":{"cached_tokens":1024},"completion_tokens_details":{"reasoning_tokens":0}},)"
      R"("finish_reason":"stop","generation":{"model":"anthropic/claude-sonnet-4","provider_name":"Anthropic",)"
      R"("latency_ms":420,"generation_time_ms":1800,"streamed":true,"app_title":"Bench App",)"
      R"("http_referer":"https://bench.example","session_id":"s-1"})";
  Variant variants[] = {
      {"JSON reserve + settle (endpoint index + catalog)",
       R"({"op":"reserve","id":"gen-000000000000","key_hash":")" + kKey +
           R"(","now_ms":1000000000000,"estimated_prompt_tokens":1200,"max_tokens":1000,"attempts":)" +
           attempts_by_index + "}",
       R"({"op":"settle","id":"gen-000000000000","now_ms":1000000000000,"attempt":{"endpoint":0},)" +
           usage + "}"},
      {"JSON reserve + settle (inline prices)",
       R"({"op":"reserve","id":"gen-000000000000","key_hash":")" + kKey +
           R"(","now_ms":1000000000000,"estimated_prompt_tokens":1200,"max_tokens":1000,"attempts":)" +
           attempts_inline + "}",
       R"({"op":"settle","id":"gen-000000000000","now_ms":1000000000000,)"
       R"("pricing":{"prompt":"3","completion":"15","input_cache_read":"0.3","input_cache_write":"3.75"},)" +
           usage + "}"},
  };
  for (Variant& v : variants) {
    if (!Wanted(v.name)) continue;
    // Ids and now_ms are rewritten in place at fixed width (13-digit times: 2001–2286).
    const size_t reserve_id = v.reserve.find("gen-") + 4, settle_id = v.settle.find("gen-") + 4;
    const size_t reserve_now = v.reserve.find("\"now_ms\":") + 9,
                 settle_now = v.settle.find("\"now_ms\":") + 9;
    Ledger ledger = MakeLedger();
    uint64_t iterations = 0, next = 0, failures = 0;
    double ns = TimeIt(
        [&](uint64_t i) {
          const uint64_t now = static_cast<uint64_t>(kT0) + i;
          Digits(v.reserve.data() + reserve_id, i);
          Digits(v.reserve.data() + reserve_now, now, 13);
          Digits(v.settle.data() + settle_id, i);
          Digits(v.settle.data() + settle_now, now, 13);
          Result<Json> reserve = ParseJson(v.reserve);
          Result<Json> r = ledger.Apply(*reserve, &*catalog);
          std::string out = r.ok() ? Dump(*r) : Dump(ErrorBody(r.status()));
          Result<Json> settle = ParseJson(v.settle);
          Result<Json> s = ledger.Apply(*settle, &*catalog);
          std::string out2 = s.ok() ? Dump(*s) : Dump(ErrorBody(s.status()));
          failures += !r.ok() + !s.ok();
          Sink(out.size() + out2.size());
          if ((i & 4095) == 4095) Sink(ledger.Expire(static_cast<int64_t>(now)).size());
        },
        &iterations, &next);
    Row(v.name, ns, iterations);
    if (failures != 0)
      std::printf("!! %llu failed commands\n", static_cast<unsigned long long>(failures));
  }
  return static_cast<int>(g_sink & 0);
}
