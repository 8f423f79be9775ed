// Bodies of GET /models, /models/{id}/endpoints and /providers: golden files for the small
// test catalog, exact per-token price strings, filters, 404s, live stats, and the field
// names/types of a real OpenRouter /models snapshot.
#include <nlohmann/json.hpp>
#include "test_support.h"

#include <fstream>
#include <map>
#include <set>

#include "switchyard/catalog/catalog.h"
#include "switchyard/health/health.h"  // EndpointHealth: what the statistics callback returns
#include "switchyard/json/json.h"

using namespace switchyard;
using switchyard::testing::ReadFile;

namespace {

// nlohmann's type names, with "number" for all three number kinds.
std::string TypeName(const Json& j) {
  static const char* const kNames[] = {"null", "object", "array", "string", "boolean"};
  return j.is_number() ? "number" : kNames[static_cast<int>(j.type())];
}

Catalog Small() {
  auto c = Catalog::FromText(ReadFile("tests/fixtures/catalog/small.json"));
  INFO(c.status().message());
  REQUIRE(c.ok());
  return std::move(c).value();
}

Json Golden(const std::string& name) {
  auto j = ParseJson(ReadFile("tests/fixtures/catalog/" + name));
  INFO(name);
  REQUIRE(j.ok());
  return *j;
}

// Equality with a readable diff on failure (nlohmann's patch lists what differs).
void CheckSame(const Json& actual, const Json& expected) {
  INFO("diff (expected → actual): "
       << nlohmann::json::diff(nlohmann::json::parse(expected.dump()), nlohmann::json::parse(actual.dump())).dump());
  CHECK(actual == expected);
}

const Json* ModelEntry(const Json& body, std::string_view id) {
  for (const Json& m : body["data"]) {
    if (m["id"] == id) return &m;
  }
  return nullptr;
}

std::vector<std::string> Ids(const Json& body) {
  std::vector<std::string> ids;
  for (const Json& m : body["data"]) ids.push_back(m["id"].get<std::string>());
  return ids;
}

}  // namespace

TEST_CASE("GET /models matches the golden body") {
  Catalog c = Small();
  CheckSame(c.RenderModels({}), Golden("small-models.expected.json"));
}

TEST_CASE("GET /models/{id}/endpoints and /providers match the golden bodies") {
  Catalog c = Small();
  auto llama = c.RenderEndpoints("meta-llama/llama-3.3-70b-instruct");
  REQUIRE(llama.ok());
  CheckSame(*llama, Golden("small-endpoints-llama.expected.json"));
  auto mini = c.RenderEndpoints("openai/gpt-4o-mini");
  REQUIRE(mini.ok());
  CheckSame(*mini, Golden("small-endpoints-gpt-4o-mini.expected.json"));
  CheckSame(c.RenderProviders(), Golden("small-providers.expected.json"));
}

TEST_CASE("endpoints publish every price that can apply: the 1-hour write and the tiers") {
  Catalog c = Small();
  auto claude = c.RenderEndpoints("anthropic/claude-sonnet-4");
  REQUIRE(claude.ok());
  const Json& pricing = (*claude)["data"]["endpoints"][0]["pricing"];
  CHECK(pricing["input_cache_write"] == "0.00000375");
  CHECK(pricing["input_cache_write_1h"] == "0.000006");
  REQUIRE(pricing["tiers"].size() == 1);
  CHECK(pricing["tiers"][0]["min_prompt_tokens"] == 200000);
  CHECK(pricing["tiers"][0]["pricing"]["prompt"] == "0.000006");
  // The tier states no 1-hour price: it defaults to the tier's 5-minute one, and says so.
  CHECK(pricing["tiers"][0]["pricing"]["input_cache_write_1h"] == "0.0000075");
  // An endpoint without tiers or cache writes has neither key.
  auto mini = c.RenderEndpoints("openai/gpt-4o-mini");
  REQUIRE(mini.ok());
  CHECK_FALSE((*mini)["data"]["endpoints"][0]["pricing"].contains("tiers"));
  CHECK_FALSE((*mini)["data"]["endpoints"][0]["pricing"].contains("input_cache_write_1h"));
}

TEST_CASE("prices are exact USD-per-token strings") {
  Catalog c = Small();
  Json models = c.RenderModels({});
  const Json* flash = ModelEntry(models, "google/gemini-2.5-flash");
  REQUIRE(flash != nullptr);
  CHECK((*flash)["pricing"]["completion"] == "0.0000025");          // 2.5 per million
  CHECK((*flash)["pricing"]["prompt"] == "0.0000003");              // 0.3 per million
  CHECK((*flash)["pricing"]["input_cache_read"] == "0.000000075");  // 0.075 per million
  CHECK((*flash)["pricing"]["image"] == "0.001238");                // per image, as stated
  CHECK_FALSE((*flash)["pricing"].contains("input_cache_write"));   // not stated: omitted

  const Json* claude = ModelEntry(models, "anthropic/claude-sonnet-4");
  REQUIRE(claude != nullptr);
  CHECK((*claude)["pricing"]["prompt"] == "0.000003");
  CHECK((*claude)["pricing"]["input_cache_write"] == "0.00000375");
  CHECK((*claude)["pricing"]["web_search"] == "0");

  // The cheapest paid endpoint represents the model (deepinfra/turbo, not the free fleet one).
  const Json* llama = ModelEntry(models, "meta-llama/llama-3.3-70b-instruct");
  REQUIRE(llama != nullptr);
  CHECK((*llama)["pricing"]["prompt"] == "0.00000013");
  CHECK((*llama)["pricing"]["completion"] == "0.00000039");
  // Only free endpoints: only the free entry, at zero prices.
  CHECK(ModelEntry(models, "acme/tiny") == nullptr);
  const Json* tiny = ModelEntry(models, "acme/tiny:free");
  REQUIRE(tiny != nullptr);
  CHECK((*tiny)["pricing"]["prompt"] == "0");

  // Every price string parses back to the exact picodollar amount.
  for (const Endpoint& e : c.endpoints()) {
    auto body = c.RenderEndpoints(c.model_of(e).id + (e.free ? ":free" : ""));
    REQUIRE(body.ok());
    for (const Json& row : (*body)["data"]["endpoints"]) {
      if (row["tag"] != e.tag) continue;
      auto prompt = ParseUsd(row["pricing"]["prompt"].get<std::string>());
      REQUIRE(prompt.ok());
      CHECK(*prompt == e.prices.prompt);
      auto completion = ParseUsd(row["pricing"]["completion"].get<std::string>());
      REQUIRE(completion.ok());
      CHECK(*completion == e.prices.completion);
    }
  }
}

TEST_CASE("GET /models filters") {
  Catalog c = Small();
  auto ids = [&](ModelsQuery q) { return Ids(c.RenderModels(q)); };
  using V = std::vector<std::string>;

  // Default: text output (every small-catalog model produces text), newest first.
  // A free entry follows its paid one (acme/tiny has only free endpoints: only its free entry).
  CHECK(ids({}) == V{"google/gemini-2.5-flash-image", "google/gemini-2.5-flash",
                     "anthropic/claude-sonnet-4", "meta-llama/llama-3.3-70b-instruct",
                     "meta-llama/llama-3.3-70b-instruct:free", "openai/gpt-4o-mini",
                     "acme/tiny:free"});

  ModelsQuery tools;
  tools.supported_parameters = {"tools"};
  CHECK(ids(tools) == V{"google/gemini-2.5-flash", "anthropic/claude-sonnet-4",
                        "meta-llama/llama-3.3-70b-instruct", "openai/gpt-4o-mini"});

  // All must be supported, by the union of the entry's endpoints: llama's paid entry has tools
  // (DeepInfra) but not seed, its free entry seed (the fleet) but not tools, so neither is
  // listed. A comma-separated element counts as a list.
  ModelsQuery tools_seed;
  tools_seed.supported_parameters = {"tools,seed"};
  CHECK(ids(tools_seed) == V{"google/gemini-2.5-flash", "openai/gpt-4o-mini"});
  ModelsQuery seed;
  seed.supported_parameters = {"seed"};
  CHECK(ids(seed) == V{"google/gemini-2.5-flash", "meta-llama/llama-3.3-70b-instruct:free",
                       "openai/gpt-4o-mini"});
  ModelsQuery unknown_param;
  unknown_param.supported_parameters = {"tools", "telepathy"};
  CHECK(ids(unknown_param).empty());

  ModelsQuery image_in;
  image_in.input_modalities = {"image"};
  CHECK(ids(image_in) == V{"google/gemini-2.5-flash-image", "google/gemini-2.5-flash",
                           "anthropic/claude-sonnet-4", "openai/gpt-4o-mini"});
  ModelsQuery audio_image_in;
  audio_image_in.input_modalities = {"audio", "image"};
  CHECK(ids(audio_image_in) == V{"google/gemini-2.5-flash"});

  ModelsQuery image_out;
  image_out.output_modalities = {"image"};
  CHECK(ids(image_out) == V{"google/gemini-2.5-flash-image"});
  ModelsQuery audio_out;
  audio_out.output_modalities = {"audio"};
  CHECK(ids(audio_out).empty());
  ModelsQuery all_out;
  all_out.output_modalities = {"all"};
  CHECK(ids(all_out).size() == 7);

  ModelsQuery combined;
  combined.supported_parameters = {"tools"};
  combined.input_modalities = {"file"};
  CHECK(ids(combined) ==
        V{"google/gemini-2.5-flash", "anthropic/claude-sonnet-4", "openai/gpt-4o-mini"});
}

TEST_CASE("disabled endpoints disappear from the bodies") {
  Catalog c = Small();
  auto overlay = ParseJson(R"({"disable":[{"provider":"fleet"},
                                          {"model":"openai/gpt-4o-mini","tag":"openai"}]})");
  REQUIRE(overlay.ok());
  REQUIRE(c.ApplyOverlay(*overlay).ok());

  Json models = c.RenderModels({});
  CHECK(ModelEntry(models, "acme/tiny:free") == nullptr);  // no enabled endpoint left
  CHECK(ModelEntry(models, "meta-llama/llama-3.3-70b-instruct:free") == nullptr);
  CHECK(ModelEntry(models, "meta-llama/llama-3.3-70b-instruct") != nullptr);
  auto tiny = c.RenderEndpoints("acme/tiny:free");
  REQUIRE_FALSE(tiny.ok());
  CHECK(tiny.status().code() == Code::kNotFound);

  // gpt-4o-mini is now shown at DeepInfra's prices, which state no cache price.
  const Json* mini = ModelEntry(models, "openai/gpt-4o-mini");
  REQUIRE(mini != nullptr);
  CHECK((*mini)["pricing"]["request"] == "0.0005");
  CHECK_FALSE((*mini)["pricing"].contains("input_cache_read"));
  CHECK((*mini)["top_provider"]["max_completion_tokens"] == 4096);

  // llama lost its only `seed` endpoint.
  const Json* llama = ModelEntry(models, "meta-llama/llama-3.3-70b-instruct");
  REQUIRE(llama != nullptr);
  CHECK((*llama)["supported_parameters"] == Json{"max_tokens", "temperature", "tools"});
  auto endpoints = c.RenderEndpoints("meta-llama/llama-3.3-70b-instruct");
  REQUIRE(endpoints.ok());
  CHECK((*endpoints)["data"]["endpoints"].size() == 2);
}

TEST_CASE("GET /models/{id}/endpoints: lookup by id or canonical slug, 404 otherwise") {
  Catalog c = Small();
  auto by_id = c.RenderEndpoints("openai/gpt-4o-mini");
  auto by_canonical = c.RenderEndpoints("openai/gpt-4o-mini-2024-07-18");
  REQUIRE(by_id.ok());
  REQUIRE(by_canonical.ok());
  CHECK(*by_id == *by_canonical);
  // /models links to the canonical slug, and that link resolves.
  Json models = c.RenderModels({});
  for (const Json& m : models["data"]) {
    std::string link = m["links"]["details"].get<std::string>();
    std::string prefix = "/api/v1/models/", suffix = "/endpoints";
    REQUIRE(link.rfind(prefix, 0) == 0);
    std::string id = link.substr(prefix.size(), link.size() - prefix.size() - suffix.size());
    CHECK(c.RenderEndpoints(id).ok());
  }

  for (const char* unknown : {"openai/gpt-5-mega", "", "openai", "OPENAI/GPT-4O-MINI"}) {
    auto r = c.RenderEndpoints(unknown);
    INFO(unknown);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kNotFound);
    CHECK(r.status().http_status() == 404);
  }
}

TEST_CASE("the free variant is its own entry: /models and /models/{id}:free/endpoints") {
  Catalog c = Small();
  Json models = c.RenderModels({});
  // llama: the paid entry at DeepInfra's prices over its paid endpoints; the free entry at zero
  // over the fleet's, with its own name, context length, parameters and link.
  const Json* paid = ModelEntry(models, "meta-llama/llama-3.3-70b-instruct");
  const Json* free = ModelEntry(models, "meta-llama/llama-3.3-70b-instruct:free");
  REQUIRE(paid != nullptr);
  REQUIRE(free != nullptr);
  CHECK((*paid)["name"] == "Meta: Llama 3.3 70B Instruct");
  CHECK((*paid)["context_length"] == 131072);
  CHECK((*paid)["supported_parameters"] == Json{"max_tokens", "temperature", "tools"});
  CHECK((*free)["name"] == "Meta: Llama 3.3 70B Instruct (free)");
  CHECK((*free)["canonical_slug"] == "meta-llama/llama-3.3-70b-instruct");
  CHECK((*free)["context_length"] == 65536);
  CHECK((*free)["top_provider"]["max_completion_tokens"] == 8192);
  CHECK((*free)["supported_parameters"] == Json{"max_tokens", "seed"});
  for (const char* k : {"prompt", "completion", "request", "image", "internal_reasoning"}) {
    INFO(k);
    CHECK((*free)["pricing"][k] == "0");
  }
  CHECK((*free)["links"]["details"] == "/api/v1/models/meta-llama/llama-3.3-70b-instruct:free/endpoints");

  // Each entry's endpoints, by id or canonical slug.
  auto tags = [](const Json& body) {
    std::vector<std::string> out;
    for (const Json& e : body["data"]["endpoints"]) out.push_back(e["tag"].get<std::string>());
    return out;
  };
  auto paid_rows = c.RenderEndpoints("meta-llama/llama-3.3-70b-instruct");
  REQUIRE(paid_rows.ok());
  CHECK(tags(*paid_rows) == std::vector<std::string>{"deepinfra", "deepinfra/turbo"});
  auto free_rows = c.RenderEndpoints("meta-llama/llama-3.3-70b-instruct:free");
  REQUIRE(free_rows.ok());
  CHECK(tags(*free_rows) == std::vector<std::string>{"fleet"});
  CHECK((*free_rows)["data"]["id"] == "meta-llama/llama-3.3-70b-instruct:free");
  CHECK((*free_rows)["data"]["name"] == "Meta: Llama 3.3 70B Instruct (free)");
  const Json& row = (*free_rows)["data"]["endpoints"][0];
  CHECK(row["name"] == "Sandbox Fleet | meta-llama/llama-3.3-70b-instruct:free");
  CHECK(row["model_id"] == "meta-llama/llama-3.3-70b-instruct");
  CHECK(row["pricing"]["prompt"] == "0");
  CHECK(row["context_length"] == 65536);
  auto by_slug = c.RenderEndpoints("openai/gpt-4o-mini-2024-07-18:free");  // no free endpoint
  REQUIRE_FALSE(by_slug.ok());
  CHECK(by_slug.status().http_status() == 404);
  auto tiny_free = c.RenderEndpoints("acme/tiny:free");
  REQUIRE(tiny_free.ok());
  CHECK(tags(*tiny_free) == std::vector<std::string>{"fleet"});

  // A model whose endpoints are all free has no paid entry; the 404 names the free one.
  auto tiny = c.RenderEndpoints("acme/tiny");
  REQUIRE_FALSE(tiny.ok());
  CHECK(tiny.status().http_status() == 404);
  CHECK(tiny.status().message() == "No endpoints found for acme/tiny (its free endpoints: acme/tiny:free)");
  for (const char* bad : {":free", "acme/tiny:free:free", "acme/tiny:FREE"}) {
    INFO(bad);
    CHECK(c.RenderEndpoints(bad).status().http_status() == 404);
  }
}

TEST_CASE("GET /models/{id}/endpoints carries live stats from the callback") {
  Catalog c = Small();
  int calls = 0;
  EndpointStatsFn stats = [&](uint32_t index) -> std::optional<EndpointHealth> {
    ++calls;
    if (index != 5) return std::nullopt;  // only deepinfra/turbo has data
    EndpointHealth h;
    h.uptime_5m = 100.0;
    h.uptime_30m = 99.5;
    // uptime_1d unknown
    h.latency_30m = Percentiles{250, 300, 480, 850};
    h.throughput_30m = Percentiles{45, 38, 28, 15};
    return h;
  };
  auto body = c.RenderEndpoints("meta-llama/llama-3.3-70b-instruct", stats);
  REQUIRE(body.ok());
  CHECK(calls == 2);  // the paid entry's two endpoints (the fleet's is llama:free's)
  const Json& rows = (*body)["data"]["endpoints"];
  REQUIRE(rows.size() == 2);
  const Json& turbo = rows[1];
  REQUIRE(turbo["tag"] == "deepinfra/turbo");
  CHECK(turbo["uptime_last_5m"] == 100.0);
  CHECK(turbo["uptime_last_30m"] == 99.5);
  CHECK(turbo["uptime_last_1d"].is_null());
  CHECK(turbo["latency_last_30m"] == Json{{"p50", 250}, {"p75", 300}, {"p90", 480}, {"p99", 850}});
  CHECK(turbo["throughput_last_30m"]["p99"] == 15);
  CHECK(rows[0]["latency_last_30m"].is_null());
  CHECK(rows[0]["uptime_last_30m"].is_null());

  // The planner/worker form: a callable returning EndpointHealth directly (Health::Get's type).
  EndpointStatsFn direct = [](uint32_t) {
    EndpointHealth h;
    h.uptime_1d = 97.25;
    return h;
  };
  auto all = c.RenderEndpoints("openai/gpt-4o-mini", direct);
  REQUIRE(all.ok());
  for (const Json& row : (*all)["data"]["endpoints"]) {
    CHECK(row["uptime_last_1d"] == 97.25);
    CHECK(row["latency_last_30m"].is_null());
  }
}

TEST_CASE("/models entries have the field names and types of OpenRouter's") {
  const std::string snapshot_path =
      std::string(SY_SOURCE_DIR) + "/../shared/data/openrouter-models-2026-05.json";
  std::ifstream probe(snapshot_path);
  if (!probe.good()) {
    WARN("no OpenRouter snapshot at " << snapshot_path << "; skipped");
    return;
  }
  std::stringstream ss;
  ss << probe.rdbuf();
  auto real = ParseJson(ss.str(), JsonLimits{64u << 20, 64});
  REQUIRE(real.ok());
  REQUIRE((*real)["data"].is_array());
  const Json& real_models = (*real)["data"];
  REQUIRE(real_models.size() >= 20);

  // Key sets of the first entries; types seen per key path over all entries (a nullable field
  // such as instruct_type is a string only further down the list).
  std::map<std::string, std::set<std::string>> types;
  std::set<std::string> real_top_keys;
  for (auto it = real_models[0].begin(); it != real_models[0].end(); ++it) {
    real_top_keys.insert(it.key());
  }
  for (size_t i = 1; i < 20; ++i) {
    std::set<std::string> keys;
    for (auto it = real_models[i].begin(); it != real_models[i].end(); ++it) keys.insert(it.key());
    CHECK(keys == real_top_keys);  // the snapshot itself is uniform
  }
  for (const Json& m : real_models) {
    for (auto it = m.begin(); it != m.end(); ++it) {
      types[it.key()].insert(TypeName(it.value()));
      if (it.value().is_object() && it.key() != "pricing" && it.key() != "default_parameters") {
        for (auto jt = it.value().begin(); jt != it.value().end(); ++jt) {
          types[it.key() + "." + jt.key()].insert(TypeName(jt.value()));
        }
      }
    }
  }
  std::set<std::string> real_pricing_keys = {"request"};  // OpenRouter's live API has it
  for (const Json& m : real_models) {
    for (auto it = m["pricing"].begin(); it != m["pricing"].end(); ++it) {
      real_pricing_keys.insert(it.key());
    }
  }

  // Ours: the real default catalog when generated, else the small test catalog.
  auto def = Catalog::Default();
  REQUIRE(def.ok());
  Catalog c = def->models().empty() ? Small() : std::move(def).value();
  Json ours = c.RenderModels({});
  REQUIRE_FALSE(ours["data"].empty());
  for (const Json& m : ours["data"]) {
    INFO(m["id"]);
    std::set<std::string> our_top_keys;
    for (auto it = m.begin(); it != m.end(); ++it) our_top_keys.insert(it.key());
    CHECK(our_top_keys == real_top_keys);
    for (auto it = m.begin(); it != m.end(); ++it) {
      const std::string& key = it.key();
      INFO(key);
      if (key == "hugging_face_id" || key == "knowledge_cutoff" || key == "expiration_date") {
        CHECK(it.value().is_null());  // nullable strings there; unknown here
        continue;
      }
      std::string t = TypeName(it.value());
      CHECK(types[key].count(t) == 1);
      if (it.value().is_object() && key != "pricing" && key != "default_parameters") {
        std::set<std::string> real_sub, our_sub;
        for (const auto& [path, _] : types) {
          if (path.rfind(key + ".", 0) == 0) real_sub.insert(path.substr(key.size() + 1));
        }
        for (auto jt = it.value().begin(); jt != it.value().end(); ++jt) {
          our_sub.insert(jt.key());
          std::string st = TypeName(jt.value());
          INFO(key << "." << jt.key());
          CHECK(types[key + "." + jt.key()].count(st) == 1);
        }
        CHECK(our_sub == real_sub);
      }
    }
    for (auto it = m["pricing"].begin(); it != m["pricing"].end(); ++it) {
      INFO("pricing." << it.key());
      CHECK(real_pricing_keys.count(it.key()) == 1);
      CHECK(it.value().is_string());
    }
    CHECK(m["pricing"].contains("prompt"));
    CHECK(m["pricing"].contains("completion"));
  }
}

TEST_CASE("GET /endpoints/zdr lists exactly the enabled zero-retention endpoints, as each model lists them") {
  Catalog c = Small();
  Json body = c.RenderZdrEndpoints(EndpointStatsFn());
  std::multiset<std::string> listed;  // "<entry> <tag>"
  for (const Json& row : body["data"]) {
    std::string name = row["name"].get<std::string>();
    std::string entry = name.substr(name.find(" | ") + 3);
    listed.insert(entry + " " + row["tag"].get<std::string>());
    // The same object the model's own endpoint list shows.
    auto own = c.RenderEndpoints(entry);
    REQUIRE(own.ok());
    bool found = false;
    for (const Json& e : (*own)["data"]["endpoints"]) found = found || e == row;
    INFO(name);
    CHECK(found);
  }
  std::multiset<std::string> expected;
  for (const Endpoint& e : c.endpoints()) {
    if (e.enabled && e.data_policy.zdr) {
      expected.insert(c.model_of(e).id + (e.free ? ":free" : "") + " " + e.tag);
    }
  }
  CHECK(!expected.empty());  // the small catalog has zero-retention endpoints to list
  CHECK(listed == expected);
}
