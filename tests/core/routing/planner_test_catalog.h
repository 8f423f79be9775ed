// Small inline catalogs for the planner suites: each endpoint is one compact JSON object
// {"model","tag","prompt","completion", ...any endpoint field}; providers and models are made
// up from them (overridable), so a test states only what it is about.
#pragma once

#include <string>

#include "test_support.h"

#include "switchyard/catalog/catalog.h"
#include "switchyard/health/health.h"
#include "switchyard/json/json.h"
#include "switchyard/request/request.h"
#include "switchyard/routing/planner.h"
#include "json_testing.h"

namespace switchyard::testing {

// Expands compact endpoints into a catalog document (format: core/data/FORMAT.md).
// `providers`: {"slug": {fields to override, e.g. "data_policy": {...}}}.
inline Json TestCatalogDocument(const Json& endpoints, const Json& providers = Json::object()) {
  Json doc = {{"format", "switchyard-catalog"}, {"version", 1}, {"providers", Json::array()},
              {"models", Json::array()}, {"endpoints", Json::array()}};
  Json seen_providers = Json::object(), seen_models = Json::object();
  for (const Json& c : endpoints) {
    std::string tag = c["tag"].get<std::string>();
    std::string slug(BaseSlug(tag));
    std::string model = c["model"].get<std::string>();
    if (!seen_providers.contains(slug)) {
      Json p = {{"slug", slug},
                {"name", "Provider " + slug},
                {"wire", "openai"},
                {"base_url", "https://" + slug + ".example/v1"},
                {"data_policy", {{"training", false}, {"retains_prompts", false}, {"zdr", false}}}};
      if (const Json* o = FindObject(providers, slug)) p.update(*o);
      seen_providers[slug] = true;
      doc["providers"].push_back(p);
    }
    if (!seen_models.contains(model)) {
      seen_models[model] = true;
      doc["models"].push_back({{"id", model}, {"name", "Model " + model}, {"context_length", 1000000}});
    }
    Json e = {{"model", model},
              {"provider", slug},
              {"tag", tag},
              {"upstream_model", model.substr(model.find('/') + 1)},
              {"context_length", 128000},
              {"pricing", {{"prompt", testing::ValueOr(c, "prompt", "1")}, {"completion", testing::ValueOr(c, "completion", "0")}}}};
    for (auto it = c.begin(); it != c.end(); ++it) {
      const std::string& k = it.key();
      if (k == "prompt" || k == "completion" || k == "model" || k == "tag") continue;
      if (k == "input_cache_read") {
        e["pricing"]["input_cache_read"] = *it;
        continue;
      }
      e[k] = *it;
    }
    doc["endpoints"].push_back(e);
  }
  return doc;
}

inline Catalog TestCatalog(const Json& endpoints, const Json& providers = Json::object()) {
  auto c = Catalog::FromJson(TestCatalogDocument(endpoints, providers));
  INFO(c.status().message());
  REQUIRE(c.ok());
  return std::move(c).value();
}

struct PlanCall {
  Json context = Json::object();
  const Health* health = nullptr;
  const Stickiness* stickiness = nullptr;
  int64_t now_ms = 1'000'000'000;
  uint64_t seed = 1;
};

inline Result<Plan> PlanFor(const Catalog& catalog, const std::string& request_json,
                            const PlanCall& call = {}) {
  auto req = ParseRequest(request_json);
  INFO(req.status().message());
  REQUIRE(req.ok());
  auto ctx = ParsePolicyContext(call.context);
  REQUIRE(ctx.ok());
  Health empty;
  PlanOptions options;
  options.now_ms = call.now_ms;
  options.seed = call.seed;
  options.stickiness = call.stickiness;
  return MakePlan(catalog, *req, *ctx, call.health ? *call.health : empty, options);
}

// "model-id tag" of every attempt, in order; tags alone when every attempt has one model.
inline std::vector<std::string> Tags(const Catalog& catalog, const Plan& plan) {
  std::vector<std::string> out;
  for (const Attempt& a : plan.attempts) out.push_back(catalog.endpoint(a.endpoint).tag);
  return out;
}

inline std::vector<std::string> ModelTags(const Catalog& catalog, const Plan& plan) {
  std::vector<std::string> out;
  for (const Attempt& a : plan.attempts) {
    out.push_back(catalog.model(a.model).id + " " + catalog.endpoint(a.endpoint).tag);
  }
  return out;
}

// A request body for `model` with one user message and extra top-level fields.
inline std::string Req(const std::string& model, const std::string& extra = "") {
  std::string s = R"({"model":")" + model + R"(","messages":[{"role":"user","content":"Hello there!"}])";
  if (!extra.empty()) s += "," + extra;
  return s + "}";
}

// Three failures in a row inside 30 s: an outage.
inline void MakeOutage(Health& health, uint32_t endpoint, int64_t now_ms) {
  for (int i = 0; i < 3; ++i) {
    HealthEvent e;
    e.endpoint = endpoint;
    e.now_ms = now_ms - 1000 + i;
    e.http_status = 503;
    health.Observe(e);
  }
}

// Successful attempts with a given time to first token and output rate.
inline void MakeSpeed(Health& health, uint32_t endpoint, int64_t now_ms, int64_t latency_ms,
                      int64_t tokens_per_second) {
  for (int i = 0; i < 5; ++i) {
    HealthEvent e;
    e.endpoint = endpoint;
    e.now_ms = now_ms - 60'000 + i * 1000;
    e.http_status = 200;
    e.latency_ms = latency_ms;
    e.output_tokens = tokens_per_second * 2;
    e.duration_ms = latency_ms + 2000;
    health.Observe(e);
  }
}

}  // namespace switchyard::testing
