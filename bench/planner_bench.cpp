// planner_bench: the cost of one routing decision against the full default catalog, split into
// parsing the request, the decision itself and rendering the plan JSON (so JSON work is never
// hidden inside a "decision" number). Self-timing with steady_clock, no benchmark library, so
// the same file runs natively, under node (Emscripten) and under node:wasi.
//
// Output: one markdown table row per case: | case | iterations | ns/op median | ns/op best |.
// Targets (issue 2): plan of a typical request (a model with ~5 endpoints) ≤ 5 µs native,
// ≤ 15 µs wasm.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "switchyard/catalog/catalog.h"
#include "switchyard/health/health.h"
#include "switchyard/json/json.h"
#include "switchyard/request/request.h"
#include "switchyard/routing/planner.h"

using namespace switchyard;

namespace {

using Clock = std::chrono::steady_clock;

// Keeps the optimiser from discarding a result.
volatile uint64_t g_sink = 0;
void Sink(uint64_t v) { g_sink = g_sink + v; }

double NsSince(Clock::time_point t0) {
  return static_cast<double>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
}

struct Timing {
  double median_ns = 0, best_ns = 0;
  uint64_t iterations = 0;
};

// Runs `fn` for ~100 ms untimed (so V8 has tiered the wasm up from Liftoff to TurboFan, and
// caches are warm), then times batches of ~1 ms for ~200 ms. Per-batch ns/op are summarised
// by their median and minimum: on a shared machine the scheduler preempts some batches, which
// inflates a plain average but barely moves the median and not the best batch.
template <typename Fn>
Timing TimeIt(Fn&& fn) {
  auto warm = Clock::now();
  uint64_t i = 0;
  for (; NsSince(warm) < 100e6; ++i) fn(i);
  // Batch size from the warm-up rate: ~1 ms per batch.
  uint64_t batch = std::max<uint64_t>(1, static_cast<uint64_t>(static_cast<double>(i) / 100.0));
  std::vector<double> per_op;
  Timing t;
  auto start = Clock::now();
  while (NsSince(start) < 200e6 || per_op.size() < 5) {
    auto t0 = Clock::now();
    for (uint64_t k = 0; k < batch; ++k) fn(i + k);
    per_op.push_back(NsSince(t0) / static_cast<double>(batch));
    i += batch;
    t.iterations += batch;
  }
  std::sort(per_op.begin(), per_op.end());
  t.median_ns = per_op[per_op.size() / 2];
  t.best_ns = per_op.front();
  return t;
}

void Row(const std::string& name, const Timing& t) {
  std::printf("| %-50s | %9llu | %9.0f | %9.0f |\n", name.c_str(),
              static_cast<unsigned long long>(t.iterations), t.median_ns, t.best_ns);
  std::fflush(stdout);
}

// A typical chat request: a system prompt, a few turns, one tool, ~1.3 KB.
std::string TypicalRequest(const std::string& model, const std::string& extra = "") {
  std::string body = R"({"model":")" + model + R"(","messages":[)"
      R"({"role":"system","content":"You are a helpful assistant for a travel booking site. Answer briefly and ask for missing details."},)"
      R"({"role":"user","content":"I want to fly from Lisbon to Berlin next Friday, returning Sunday. What are my options?"},)"
      R"({"role":"assistant","content":"Sure. Do you prefer morning or evening flights, and how many travellers?"},)"
      R"({"role":"user","content":"Two adults, morning flights please, and we need one checked bag each."}],)"
      R"("tools":[{"type":"function","function":{"name":"search_flights","description":"Search flights between two airports",)"
      R"("parameters":{"type":"object","properties":{"from":{"type":"string"},"to":{"type":"string"},)"
      R"("date":{"type":"string","format":"date"},"adults":{"type":"integer"}},"required":["from","to","date"]}}}],)"
      R"("temperature":0.3,"max_tokens":1024,"stream":true,"user":"user-1234","session_id":"sess-abc")";
  if (!extra.empty()) body += "," + extra;
  return body + "}";
}

}  // namespace

int main() {
  auto catalog = Catalog::Default();
  if (!catalog.ok()) {
    std::printf("default catalog failed to load: %s\n", catalog.status().message().c_str());
    return 1;
  }
  const Catalog& cat = *catalog;

  // The typical model: ~5 endpoints. Picked by name when present, else the first with 5.
  std::string typical = "anthropic/claude-sonnet-4.5";
  const Model* tm = cat.FindModel(typical);
  if (!tm || tm->endpoints.size() < 3) {
    for (const Model& m : cat.models()) {
      if (m.endpoints.size() == 5) {
        typical = m.id;
        tm = &m;
        break;
      }
    }
  }
  // The widest model (worst case for one model).
  const Model* widest = &cat.models()[0];
  for (const Model& m : cat.models()) {
    if (m.endpoints.size() > widest->endpoints.size()) widest = &m;
  }
  std::vector<const Model*> fallback;
  for (const char* id : {"openai/gpt-4o", "openai/gpt-4o-mini", "meta-llama/llama-3.1-8b-instruct"}) {
    if (const Model* m = cat.FindModel(id)) fallback.push_back(m);
  }

  std::printf("planner_bench: default catalog %zu models, %zu endpoints; typical model %s (%zu "
              "endpoints), widest %s (%zu)\n\n",
              cat.models().size(), cat.endpoints().size(), typical.c_str(),
              tm ? tm->endpoints.size() : 0, widest->id.c_str(), widest->endpoints.size());
  std::printf("| case | iterations | ns/op (median) | ns/op (best) |\n|---|---:|---:|---:|\n");

  const std::string body = TypicalRequest(typical);
  PolicyContext ctx;
  ctx.account_id = "acct_bench";
  Health health;
  Stickiness stickiness;
  const int64_t now = 1'700'000'000'000;
  // Some health history so Get() does real work.
  for (uint32_t e : tm->endpoints) {
    for (int i = 0; i < 20; ++i) {
      HealthEvent ev;
      ev.endpoint = e;
      ev.now_ms = now - 600'000 + i * 20'000;
      ev.http_status = i % 10 == 0 ? 503 : 200;
      ev.latency_ms = 300 + i * 7;
      ev.duration_ms = 2000 + i * 13;
      ev.output_tokens = 200;
      health.Observe(ev);
    }
  }

  Timing t = TimeIt([&](uint64_t) {
    auto r = ParseJson(body);
    Sink(r.ok() ? r->size() : 0);
  });
  Row("baseline: JSON parse only (switchyard::Json, same body)", t);

  t = TimeIt([&](uint64_t) {
    auto r = ParseRequest(body);
    Sink(r.ok() ? r->estimated_prompt_tokens : 0);
  });
  Row("parse request (1.3 KB chat, tools, stream)", t);

  auto req = ParseRequest(body);
  if (!req.ok()) {
    std::printf("request failed to parse: %s\n", req.status().message().c_str());
    return 1;
  }
  PlanOptions options;
  options.now_ms = now;
  options.stickiness = &stickiness;

  t = TimeIt([&](uint64_t i) {
    options.seed = i;
    auto p = MakePlan(cat, *req, ctx, health, options);
    Sink(p.ok() ? p->attempts.size() : 0);
  });
  Row(("plan: typical model (" + std::to_string(tm->endpoints.size()) + " endpoints)"), t);

  auto sorted = ParseRequest(TypicalRequest(typical, R"("provider":{"sort":"throughput","ignore":["azure"]})"));
  t = TimeIt([&](uint64_t i) {
    options.seed = i;
    auto p = MakePlan(cat, *sorted, ctx, health, options);
    Sink(p.ok() ? p->attempts.size() : 0);
  });
  Row("plan: typical model, sort throughput + ignore", t);

  auto wide = ParseRequest(TypicalRequest(widest->id));
  t = TimeIt([&](uint64_t i) {
    options.seed = i;
    auto p = MakePlan(cat, *wide, ctx, health, options);
    Sink(p.ok() ? p->attempts.size() : 0);
  });
  Row(("plan: widest model (" + std::to_string(widest->endpoints.size()) + " endpoints)"), t);

  if (fallback.size() == 3) {
    auto multi = ParseRequest(TypicalRequest(fallback[0]->id, R"("models":[")" + fallback[1]->id +
                                                                   R"(",")" + fallback[2]->id + R"("])"));
    size_t total = 0;
    for (const Model* m : fallback) total += m->endpoints.size();
    t = TimeIt([&](uint64_t i) {
      options.seed = i;
      auto p = MakePlan(cat, *multi, ctx, health, options);
      Sink(p.ok() ? p->attempts.size() : 0);
    });
    Row(("plan: 3 fallback models (" + std::to_string(total) + " endpoints)"), t);
  }

  options.seed = 1;
  auto plan = MakePlan(cat, *req, ctx, health, options);
  if (!plan.ok()) {
    std::printf("plan failed: %s\n", plan.status().message().c_str());
    return 1;
  }
  t = TimeIt([&](uint64_t) {
    Json out = RenderPlan(cat, *plan);
    Sink(out.size());
  });
  Row("render plan JSON (typical)", t);

  t = TimeIt([&](uint64_t) {
    std::string s = Dump(RenderPlan(cat, *plan));
    Sink(s.size());
  });
  Row("render plan JSON + serialise (typical)", t);

  t = TimeIt([&](uint64_t) {
    std::string s = RenderPlanText(cat, *plan);
    Sink(s.size());
  });
  Row("render plan text directly (typical, same bytes)", t);

  const std::string input = R"({"request":)" + body +
                            R"(,"context":{"account_id":"acct_bench","allowed_models":null,"allowed_providers":null,)"
                            R"("ignored_providers":[],"zdr":false,"data_collection":"allow","byok_providers":[]},)"
                            R"("now_ms":1700000000000,"seed":7})";
  t = TimeIt([&](uint64_t i) {
    auto in = ParsePlanInput(input);
    if (!in.ok()) return;
    PlanOptions o;
    o.now_ms = in->now_ms;
    o.seed = in->seed + i;
    o.stickiness = &stickiness;
    auto p = MakePlan(cat, in->request, in->context, health, o);
    if (!p.ok()) return;
    Sink(RenderPlanText(cat, *p).size());
  });
  Row("end to end: plan input text to plan JSON text", t);
  return g_sink == 42 ? 1 : 0;
}
