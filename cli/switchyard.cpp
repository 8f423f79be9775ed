// switchyard: the command-line host of the core, for operators and for trying routing policies.
//
//   switchyard plan [FILE|-] [--json] route a plan input (or the built-in sample) and explain it
//   switchyard models [--param P]   the GET /models body of the default catalog
//   switchyard endpoints MODEL_ID   the endpoints of one model
//   switchyard providers            the GET /providers body
//   switchyard simulate FILE|- [--json]  run a routing-simulator scenario (simulate.h): a
//                                   summary table, or the whole report with --json
//
// Like every host it does only I/O (files, stdout, the clock, a seed); the decisions are the
// core's.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>

#include "switchyard/catalog/catalog.h"
#include "switchyard/health/health.h"
#include "switchyard/json/json.h"
#include "switchyard/routing/planner.h"
#include "switchyard/simulate/simulate.h"

namespace sy = switchyard;

namespace {

// A member of the rendered plan or report: "" / 0 when absent or of another type.
std::string_view Str(const sy::Json& j, std::string_view key) {
  return sy::FindString(j, key).value_or("");
}
int64_t Num(const sy::Json& j, std::string_view key) {
  return static_cast<int64_t>(sy::FindNumber(j, key).value_or(0));
}

// A typical request: two fallback models, a data policy, a price cap and a tool.
constexpr const char* kSampleInput = R"({
  "request": {
    "model": "meta-llama/llama-3.3-70b-instruct",
    "models": ["meta-llama/llama-3.3-70b-instruct", "openai/gpt-4o-mini"],
    "messages": [
      {"role": "system", "content": "You are a terse assistant."},
      {"role": "user", "content": "What is the capital of France?"}
    ],
    "max_tokens": 256,
    "provider": {"data_collection": "deny", "max_price": {"prompt": 1, "completion": 2}}
  },
  "context": {"account_id": "demo", "zdr": false}
})";

int Fail(const sy::Status& status) {
  std::cerr << sy::Dump(sy::ErrorBody(status)) << "\n";
  return 1;
}

bool ReadAll(const char* path, std::string* out) {
  if (std::strcmp(path, "-") == 0) {
    out->assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

int Plan(const sy::Catalog& catalog, int argc, char** argv) {
  std::string text = kSampleInput;
  bool sample = true;
  if (argc > 2) {
    if (!ReadAll(argv[2], &text)) {
      std::cerr << "switchyard: cannot read " << argv[2] << "\n";
      return 2;
    }
    sample = false;
  }
  auto parsed = sy::ParseJson(text, {}, "plan input");
  if (!parsed.ok()) return Fail(parsed.status());
  sy::Json input = std::move(*parsed);
  // The host supplies time and randomness when the input does not pin them.
  if (!input.contains("now_ms")) input["now_ms"] = NowMs();
  if (!input.contains("seed")) input["seed"] = std::random_device{}();
  auto plan_input = sy::ParsePlanInputJson(std::move(input));
  if (!plan_input.ok()) return Fail(plan_input.status());

  sy::Health health;
  sy::Stickiness stickiness;
  sy::PlanOptions options{plan_input->now_ms, plan_input->seed, &stickiness};
  auto plan = sy::MakePlan(catalog, plan_input->request, plan_input->context, health, options);
  if (!plan.ok()) return Fail(plan.status());

  if (sample) std::cout << "Sample request (pass a file or - for your own):\n" << kSampleInput << "\n\n";
  std::cout << "Decision: " << plan->attempts.size() << " attempt(s), in order\n";
  sy::Json rendered = sy::RenderPlan(catalog, *plan);
  for (const auto& a : rendered["attempts"]) {
    std::cout << "  " << Num(a, "index") + 1 << ". " << Str(a, "model") << " via "
              << Str(a, "provider_name") << " [" << Str(a, "tag") << "]  " << Str(a, "reason") << "\n";
  }
  std::cout << "\nExplanation:\n";
  for (const auto& entry : rendered["trace"]) {
    std::string who(Str(entry, "model"));
    if (sy::FindString(entry, "tag")) who += " [" + std::string(Str(entry, "tag")) + "]";
    std::cout << "  - " << Str(entry, "decision") << " " << who << ": " << Str(entry, "reason") << "\n";
  }
  if (argc > 3 && std::strcmp(argv[3], "--json") == 0) std::cout << "\nPlan JSON:\n" << rendered.dump(2) << "\n";
  return 0;
}

// Summary of a simulation report: totals, then one line per provider.
void PrintSummary(const sy::Json& r) {
  auto num = Num;
  int64_t requests = num(r, "requests");
  std::printf("requests %lld  succeeded %lld  failed %lld  (no route %lld)  attempts %lld  "
              "fallbacks %lld  cache hits %lld\n",
              static_cast<long long>(requests), static_cast<long long>(num(r, "succeeded")),
              static_cast<long long>(num(r, "failed")), static_cast<long long>(num(r, "no_route")),
              static_cast<long long>(num(r, "attempts")), static_cast<long long>(num(r, "fallbacks")),
              static_cast<long long>(num(r, "cache_hits")));
  std::printf("cost $%s", std::string(sy::FindString(r, "cost_usd").value_or("0")).c_str());
  if (const sy::Json* lat = sy::FindObject(r, "latency_ms")) {
    std::printf("  latency p50 %lld ms  p90 %lld ms  p99 %lld ms", static_cast<long long>(num(*lat, "p50")),
                static_cast<long long>(num(*lat, "p90")), static_cast<long long>(num(*lat, "p99")));
  }
  std::printf("\n\n%-24s %9s %9s %9s %9s %7s %14s\n", "provider", "attempts", "ok", "failed", "429",
              "share", "cost (USD)");
  if (const sy::Json* providers = sy::FindArray(r, "providers")) {
    for (const sy::Json& p : *providers) {
      std::printf("%-24s %9lld %9lld %9lld %9lld %6.1f%% %14s\n",
                  std::string(Str(p, "provider")).c_str(), static_cast<long long>(num(p, "attempts")),
                  static_cast<long long>(num(p, "succeeded")), static_cast<long long>(num(p, "failed")),
                  static_cast<long long>(num(p, "rate_limited")),
                  100.0 * sy::FindNumber(p, "share").value_or(0), std::string(Str(p, "cost_usd")).c_str());
    }
  }
}

int Simulate(const sy::Catalog& catalog, int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: switchyard simulate FILE|- [--json]\n";
    return 2;
  }
  std::string text;
  if (!ReadAll(argv[2], &text)) {
    std::cerr << "switchyard: cannot read " << argv[2] << "\n";
    return 1;
  }
  auto scenario = sy::ParseJson(text, {}, "scenario");
  if (!scenario.ok()) return Fail(scenario.status());
  auto report = sy::Simulate(catalog, *scenario);
  if (!report.ok()) return Fail(report.status());
  if (argc > 3 && std::strcmp(argv[3], "--json") == 0) {
    std::cout << report->dump(2) << "\n";
  } else {
    PrintSummary(*report);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const char* command = argc > 1 ? argv[1] : "plan";
  auto catalog = sy::Catalog::Default();
  if (!catalog.ok()) return Fail(catalog.status());

  if (std::strcmp(command, "plan") == 0) return Plan(*catalog, argc, argv);
  if (std::strcmp(command, "simulate") == 0) return Simulate(*catalog, argc, argv);
  if (std::strcmp(command, "models") == 0) {
    sy::ModelsQuery query;
    for (int i = 2; i + 1 < argc; i += 2) {
      if (std::strcmp(argv[i], "--param") == 0) query.supported_parameters.push_back(argv[i + 1]);
    }
    std::cout << catalog->RenderModels(query).dump(2) << "\n";
    return 0;
  }
  if (std::strcmp(command, "endpoints") == 0 && argc > 2) {
    auto body = catalog->RenderEndpoints(argv[2]);
    if (!body.ok()) return Fail(body.status());
    std::cout << body->dump(2) << "\n";
    return 0;
  }
  if (std::strcmp(command, "providers") == 0) {
    std::cout << catalog->RenderProviders().dump(2) << "\n";
    return 0;
  }
  std::cerr << "usage: switchyard plan [FILE|-] | models [--param P] | endpoints MODEL_ID | providers | "
               "simulate FILE|- [--json]\n";
  return 2;
}
