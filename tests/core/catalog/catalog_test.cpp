// Catalog loading, validation, prices, lookups and overlays. Render bodies are in
// catalog_render_test.cpp.
#include "test_support.h"

#include <functional>

#include "switchyard/catalog/catalog.h"
#include "switchyard/json/json.h"
#include "json_testing.h"

using namespace switchyard;
using switchyard::testing::ReadFile;

namespace {

Json SmallDoc() {
  auto doc = ParseJson(ReadFile("tests/fixtures/catalog/small.json"));
  REQUIRE(doc.ok());
  return *doc;
}

Catalog Small() {
  auto c = Catalog::FromJson(SmallDoc());
  INFO(c.status().message());
  REQUIRE(c.ok());
  return std::move(c).value();
}

// The endpoint index of (model, tag) in the small catalog, or -1.
int64_t IndexOf(const Catalog& c, std::string_view model, std::string_view tag) {
  const Endpoint* e = c.FindEndpoint(model, tag);
  return e ? static_cast<int64_t>(e->index) : -1;
}

// FromJson on a mutated copy of the small catalog must fail with 400 naming `path`.
void ExpectInvalid(const std::function<void(Json&)>& mutate, const std::string& path) {
  Json doc = SmallDoc();
  mutate(doc);
  auto c = Catalog::FromJson(doc);
  INFO("expected an error at " << path);
  REQUIRE_FALSE(c.ok());
  INFO(c.status().message());
  CHECK(c.status().code() == Code::kInvalidArgument);
  CHECK(c.status().http_status() == 400);
  REQUIRE(c.status().metadata().is_object());
  CHECK(testing::ValueOr(c.status().metadata(), "field", "") == path);
  CHECK(c.status().message().find(path) != std::string::npos);
}

}  // namespace

TEST_CASE("the embedded default catalog loads") {
  std::string_view text = Catalog::DefaultJson();
  auto c = Catalog::Default();
  INFO(c.status().message());
  REQUIRE(c.ok());
  // The repository starts with a placeholder; once core/data/catalog.json is the generated one
  // (~1 MB) it must carry the well-known models.
  if (text.size() > 100000) {
    CHECK(c->models().size() > 100);
    CHECK(c->providers().size() > 10);
    CHECK(c->endpoints().size() > 500);
    const Model* mini = c->FindModel("openai/gpt-4o-mini");
    REQUIRE(mini != nullptr);
    CHECK_FALSE(mini->endpoints.empty());
    const Endpoint* e = c->FindEndpoint("openai/gpt-4o-mini", "openai");
    REQUIRE(e != nullptr);
    CHECK(e->prices.prompt == 150'000);  // $0.15 per million tokens
    CHECK(c->provider_of(*e).wire == WireFormat::kOpenAI);
    CHECK(c->provider_of(*e).uses_max_completion_tokens);
    CHECK(c->FindProvider("anthropic") != nullptr);
    CHECK(c->FindProvider("anthropic")->wire == WireFormat::kAnthropic);
    // Responses-only OpenAI models: the openai endpoint speaks the Responses API, the provider
    // (and its other endpoints) chat completions.
    const Endpoint* pro = c->FindEndpoint("openai/o3-pro", "openai");
    REQUIRE(pro != nullptr);
    CHECK(pro->wire == WireFormat::kOpenAIResponses);
    CHECK(WireOf(c->provider_of(*pro), *pro) == WireFormat::kOpenAIResponses);
    CHECK_FALSE(e->wire.has_value());
    CHECK(WireOf(c->provider_of(*e), *e) == WireFormat::kOpenAI);
  } else {
    WARN("core/data/catalog.json is still the placeholder (" << text.size() << " bytes)");
  }
  // Whatever its size: indexes match positions and every model lists its endpoints in order.
  for (size_t i = 0; i < c->endpoints().size(); ++i) CHECK(c->endpoint(i).index == i);
  size_t listed = 0;
  for (const Model& m : c->models()) {
    CHECK(std::is_sorted(m.endpoints.begin(), m.endpoints.end()));
    for (uint32_t e : m.endpoints) CHECK(c->endpoint(e).model == m.index);
    listed += m.endpoints.size();
  }
  CHECK(listed == c->endpoints().size());
}

TEST_CASE("lookups by id, slug and (model, tag)") {
  Catalog c = Small();
  CHECK(c.models().size() == 6);
  CHECK(c.providers().size() == 5);
  CHECK(c.endpoints().size() == 9);

  const Model* llama = c.FindModel("meta-llama/llama-3.3-70b-instruct");
  REQUIRE(llama != nullptr);
  CHECK(llama->endpoints == std::vector<uint32_t>{4, 5, 6});
  CHECK(llama->instruct_type == "llama3");
  CHECK(c.FindModel("meta-llama/llama-3.3-70b") == nullptr);
  CHECK(c.FindModel("META-LLAMA/llama-3.3-70b-instruct") == nullptr);  // ids are exact
  CHECK(c.FindModel("") == nullptr);

  CHECK(IndexOf(c, "meta-llama/llama-3.3-70b-instruct", "deepinfra/turbo") == 5);
  CHECK(IndexOf(c, "meta-llama/llama-3.3-70b-instruct", "deepinfra") == 4);
  CHECK(IndexOf(c, "openai/gpt-4o-mini", "deepinfra") == 8);
  CHECK(IndexOf(c, "openai/gpt-4o-mini", "deepinfra/turbo") == -1);
  CHECK(IndexOf(c, "nope/model", "openai") == -1);

  const Endpoint& turbo = c.endpoint(5);
  CHECK(turbo.tag == "deepinfra/turbo");
  CHECK(turbo.quantization == "fp8");
  CHECK(turbo.upstream_model == "meta-llama/Llama-3.3-70B-Instruct-Turbo");
  CHECK(c.provider_of(turbo).slug == "deepinfra");
  CHECK(c.model_of(turbo).id == "meta-llama/llama-3.3-70b-instruct");

  const Provider* deepinfra = c.FindProvider("deepinfra");
  REQUIRE(deepinfra != nullptr);
  CHECK(deepinfra->base_url == "https://api.deepinfra.com/v1/openai");  // trailing '/' dropped
  CHECK(deepinfra->privacy_policy_url.empty());
  CHECK_FALSE(deepinfra->uses_max_completion_tokens);
  CHECK(c.FindProvider("openai")->uses_max_completion_tokens);
  CHECK(c.FindProvider("fleet")->sandbox);
  CHECK_FALSE(c.FindProvider("openai")->sandbox);
  CHECK(c.FindProvider("google")->wire == WireFormat::kGemini);
  CHECK(c.FindProvider("Google") == nullptr);
}

TEST_CASE("capabilities become a ParamSet; unknown names stay as strings only") {
  Catalog c = Small();
  const Endpoint& claude = c.endpoint(1);
  CHECK(claude.params.test(static_cast<size_t>(Param::kTools)));
  CHECK(claude.params.test(static_cast<size_t>(Param::kTopK)));
  CHECK_FALSE(claude.params.test(static_cast<size_t>(Param::kSeed)));
  CHECK(c.endpoint(6).params.test(static_cast<size_t>(Param::kSeed)));

  for (size_t i = 0; i < static_cast<size_t>(Param::kCount); ++i) {
    Param p = static_cast<Param>(i);
    auto back = ParseParam(ParamName(p));
    REQUIRE(back.has_value());
    CHECK(*back == p);
  }
  CHECK(std::string(ParamName(Param::kMaxTokens)) == "max_tokens");
  CHECK(std::string(ParamName(Param::kWebSearchOptions)) == "web_search_options");
  CHECK_FALSE(ParseParam("max_completion_tokens").has_value());
  CHECK_FALSE(ParseParam("Tools").has_value());

  CHECK(std::string(WireFormatName(WireFormat::kAnthropic)) == "anthropic");
  CHECK(ParseWireFormat("gemini") == WireFormat::kGemini);
  CHECK_FALSE(ParseWireFormat("OpenAI").has_value());
  for (WireFormat w : {WireFormat::kOpenAI, WireFormat::kAnthropic, WireFormat::kGemini,
                       WireFormat::kOpenAIResponses}) {
    CHECK(ParseWireFormat(WireFormatName(w)) == w);
  }
  CHECK(std::string(WireFormatName(WireFormat::kOpenAIResponses)) == "openai-responses");
  CHECK_FALSE(ParseWireFormat("responses").has_value());
}

TEST_CASE("prices: exact picodollars and the documented defaults") {
  Catalog c = Small();
  // gpt-4o-mini on OpenAI states prompt, completion and cache read only.
  const Prices& mini = c.endpoint(7).prices;
  CHECK(mini.prompt == 150'000);
  CHECK(mini.completion == 600'000);
  CHECK(mini.cache_read == 75'000);
  CHECK(mini.has_cache_read);
  CHECK(mini.cache_write == 150'000);  // = prompt
  CHECK_FALSE(mini.has_cache_write);
  CHECK(mini.cache_write_1h == 150'000);  // = cache_write
  CHECK(mini.reasoning == 600'000);       // = completion
  CHECK(mini.request == 0);
  CHECK(mini.image == 0);

  // Without a cache-read price, cached tokens cost the prompt price.
  const Prices& di = c.endpoint(8).prices;
  CHECK(di.cache_read == 150'000);
  CHECK_FALSE(di.has_cache_read);
  CHECK(di.request == 500'000'000);  // $0.0005 per request

  const Prices& claude = c.endpoint(1).prices;
  CHECK(claude.prompt == 3'000'000);
  CHECK(claude.cache_read == 300'000);
  CHECK(claude.cache_write == 3'750'000);
  CHECK(claude.has_cache_write);
  CHECK(claude.cache_write_1h == 6'000'000);

  const Prices& flash = c.endpoint(2).prices;
  CHECK(flash.completion == 2'500'000);
  CHECK(flash.reasoning == 2'500'000);
  CHECK(flash.image == 1'238'000'000);  // $0.001238 per image

  CHECK(c.endpoint(0).free);
  CHECK(c.endpoint(6).free);
  CHECK_FALSE(c.endpoint(5).free);
}

TEST_CASE("PricesFor picks the long-context tier at its threshold") {
  Catalog c = Small();
  const Endpoint& claude = c.endpoint(1);
  REQUIRE(claude.tiers.size() == 1);
  CHECK(&c.PricesFor(claude, 0) == &claude.prices);
  CHECK(&c.PricesFor(claude, 199'999) == &claude.prices);
  const Prices& tier = c.PricesFor(claude, 200'000);
  CHECK(&tier == &claude.tiers[0].prices);
  CHECK(tier.prompt == 6'000'000);
  CHECK(tier.completion == 22'500'000);
  CHECK(tier.cache_read == 600'000);
  CHECK(tier.cache_write == 7'500'000);
  CHECK(tier.cache_write_1h == 7'500'000);  // the tier's own write price, not the base 1h price
  CHECK(tier.reasoning == 22'500'000);
  CHECK(tier.has_cache_read);
  CHECK(&c.PricesFor(claude, 5'000'000) == &claude.tiers[0].prices);
  // No tiers: always the base prices.
  CHECK(&c.PricesFor(c.endpoint(7), 1'000'000) == &c.endpoint(7).prices);
}

TEST_CASE("data policy: endpoint overrides, otherwise the provider's") {
  Catalog c = Small();
  const DataPolicy& inherit = c.endpoint(4).data_policy;  // DeepInfra: ZDR
  CHECK(inherit.zdr);
  CHECK_FALSE(inherit.training);
  CHECK_FALSE(inherit.retains_prompts);

  const DataPolicy& opted_in = c.endpoint(8).data_policy;  // zdr:false, training:true
  CHECK_FALSE(opted_in.zdr);
  CHECK(opted_in.training);

  const DataPolicy& fleet = c.endpoint(6).data_policy;  // fleet trains, but this one is ZDR
  CHECK(fleet.zdr);
  CHECK_FALSE(fleet.training);
  CHECK_FALSE(fleet.retains_prompts);
  CHECK(fleet.retention_days == 0);

  const DataPolicy& openai = c.endpoint(7).data_policy;
  CHECK_FALSE(openai.training);
  CHECK(openai.retains_prompts);
  CHECK(openai.retention_days == 30);
  CHECK(c.endpoint(0).data_policy.training);  // fleet default
  CHECK_FALSE(c.endpoint(0).data_policy.retention_days.has_value());
}

TEST_CASE("SlugMatches: a base slug selects its variants, never the reverse") {
  CHECK(SlugMatches("deepinfra", "deepinfra"));
  CHECK(SlugMatches("deepinfra", "deepinfra/turbo"));
  CHECK(SlugMatches("DeepInfra", "deepinfra/turbo"));
  CHECK(SlugMatches("deepinfra/TURBO", "deepinfra/turbo"));
  CHECK_FALSE(SlugMatches("deepinfra/turbo", "deepinfra"));
  CHECK_FALSE(SlugMatches("deepinfra/turbo", "deepinfra/fast"));
  CHECK_FALSE(SlugMatches("deep", "deepinfra"));
  CHECK_FALSE(SlugMatches("deepinfra", "deepinfra2"));
  CHECK_FALSE(SlugMatches("deepinfra-x", "deepinfra"));
  CHECK_FALSE(SlugMatches("", "deepinfra"));
  CHECK_FALSE(SlugMatches("openai", "azure/openai"));

  CHECK(BaseSlug("deepinfra/turbo") == "deepinfra");
  CHECK(BaseSlug("deepinfra") == "deepinfra");
  CHECK(BaseSlug("") == "");
}

TEST_CASE("validation: every bad input names its path") {
  // Document shape.
  ExpectInvalid([](Json& d) { d["format"] = "openrouter"; }, "format");
  ExpectInvalid([](Json& d) { d.erase("format"); }, "format");
  ExpectInvalid([](Json& d) { d["version"] = 2; }, "version");
  ExpectInvalid([](Json& d) { d["providers"] = Json::object(); }, "providers");
  ExpectInvalid([](Json& d) { d.erase("endpoints"); }, "endpoints");

  // Providers.
  ExpectInvalid([](Json& d) { d["providers"][0]["wire"] = "grpc"; }, "providers[0].wire");
  ExpectInvalid([](Json& d) { d["providers"][0].erase("wire"); }, "providers[0].wire");
  ExpectInvalid([](Json& d) { d["providers"][1].erase("base_url"); }, "providers[1].base_url");
  ExpectInvalid([](Json& d) { d["providers"][1]["base_url"] = "ftp://x.org"; },
                "providers[1].base_url");
  ExpectInvalid([](Json& d) { d["providers"][1]["base_url"] = "https://"; },
                "providers[1].base_url");
  ExpectInvalid([](Json& d) { d["providers"][1]["base_url"] = "https://a.b/v1?key=1"; },
                "providers[1].base_url");
  ExpectInvalid([](Json& d) { d["providers"][1]["slug"] = "anthropic"; }, "providers[1].slug");
  ExpectInvalid([](Json& d) { d["providers"][1]["slug"] = "Deep Infra"; }, "providers[1].slug");
  ExpectInvalid([](Json& d) { d["providers"][1]["slug"] = "deep/infra"; }, "providers[1].slug");
  ExpectInvalid([](Json& d) { d["providers"][2]["name"] = 7; }, "providers[2].name");
  ExpectInvalid([](Json& d) { d["providers"][2].erase("name"); }, "providers[2].name");
  ExpectInvalid([](Json& d) { d["providers"][0]["max_tokens_param"] = "max_new_tokens"; },
                "providers[0].max_tokens_param");
  ExpectInvalid([](Json& d) { d["providers"][0]["api_key_env"] = "my key"; },
                "providers[0].api_key_env");
  ExpectInvalid([](Json& d) { d["providers"][0]["api_key_env"] = 5; }, "providers[0].api_key_env");
  ExpectInvalid([](Json& d) { d["providers"][0]["data_policy"]["retention_days"] = -1; },
                "providers[0].data_policy.retention_days");
  ExpectInvalid([](Json& d) { d["providers"][0]["data_policy"]["zdr"] = "no"; },
                "providers[0].data_policy.zdr");
  ExpectInvalid([](Json& d) { d["providers"][0]["sandbox"] = 1; }, "providers[0].sandbox");
  ExpectInvalid([](Json& d) { d["providers"][3] = "google"; }, "providers[3]");

  // Models.
  ExpectInvalid([](Json& d) { d["models"][0].erase("name"); }, "models[0].name");
  ExpectInvalid([](Json& d) { d["models"][0]["id"] = "has space"; }, "models[0].id");
  // `<id>:free` is the free entry of model `<id>`, never a model of its own.
  ExpectInvalid([](Json& d) { d["models"][0]["id"] = "acme/tiny:free"; }, "models[0].id");
  ExpectInvalid([](Json& d) { d["models"][1]["id"] = "acme/tiny"; }, "models[1].id");
  ExpectInvalid([](Json& d) { d["models"][0]["context_length"] = -5; }, "models[0].context_length");
  ExpectInvalid([](Json& d) { d["models"][0]["context_length"] = 1.5; },
                "models[0].context_length");
  ExpectInvalid([](Json& d) { d["models"][0]["model_group"] = "meta"; }, "models[0].model_group");
  ExpectInvalid([](Json& d) { d["models"][2]["input_modalities"] = Json::array(); },
                "models[2].input_modalities");
  ExpectInvalid([](Json& d) { d["models"][2]["output_modalities"][0] = 3; },
                "models[2].output_modalities[0]");
  ExpectInvalid([](Json& d) { d["models"][2]["is_moderated"] = "yes"; }, "models[2].is_moderated");

  // Endpoints: references.
  ExpectInvalid([](Json& d) { d["endpoints"][3]["model"] = "google/gemini-9"; },
                "endpoints[3].model");
  ExpectInvalid([](Json& d) { d["endpoints"][3]["provider"] = "vertex"; }, "endpoints[3].provider");
  ExpectInvalid([](Json& d) { d["endpoints"][5]["tag"] = "deepinfra"; }, "endpoints[5].tag");
  ExpectInvalid([](Json& d) { d["endpoints"][0]["tag"] = "openai"; }, "endpoints[0].tag");
  ExpectInvalid([](Json& d) { d["endpoints"][5]["tag"] = "deepinfra/Turbo"; }, "endpoints[5].tag");
  ExpectInvalid([](Json& d) { d["endpoints"][5]["tag"] = "deepinfra/turbo/x"; },
                "endpoints[5].tag");
  ExpectInvalid([](Json& d) { d["endpoints"][2]["upstream_model"] = 5; },
                "endpoints[2].upstream_model");

  // Endpoints: limits.
  ExpectInvalid([](Json& d) { d["endpoints"][2]["context_length"] = -1; },
                "endpoints[2].context_length");
  ExpectInvalid([](Json& d) { d["endpoints"][2]["context_length"] = 0; },
                "endpoints[2].context_length");
  ExpectInvalid([](Json& d) { d["endpoints"][2]["max_completion_tokens"] = -1; },
                "endpoints[2].max_completion_tokens");
  ExpectInvalid([](Json& d) { d["endpoints"][2]["max_completion_tokens"] = "4096"; },
                "endpoints[2].max_completion_tokens");
  ExpectInvalid([](Json& d) { d["endpoints"][2]["quantization"] = "q4_k_m"; },
                "endpoints[2].quantization");

  // Endpoints: prices.
  for (Json bad : {Json("-1"), Json("abc"), Json("1e-3"), Json("0.0000001"), Json(""), Json(" 1"),
                   Json("1."), Json(true), Json(nullptr), Json(-2), Json(1e-9)}) {
    INFO("price " << bad.dump());
    ExpectInvalid([&](Json& d) { d["endpoints"][1]["pricing"]["prompt"] = bad; },
                  "endpoints[1].pricing.prompt");
  }
  ExpectInvalid([](Json& d) { d["endpoints"][1]["pricing"]["input_cache_read"] = "-0.3"; },
                "endpoints[1].pricing.input_cache_read");
  ExpectInvalid([](Json& d) { d["endpoints"][1]["pricing"]["request"] = "0.0000000000001"; },
                "endpoints[1].pricing.request");
  ExpectInvalid([](Json& d) { d["endpoints"][1]["pricing"].erase("completion"); },
                "endpoints[1].pricing.completion");
  ExpectInvalid([](Json& d) { d["endpoints"][1].erase("pricing"); }, "endpoints[1].pricing");
  ExpectInvalid([](Json& d) { d["endpoints"][1]["free"] = true; }, "endpoints[1].free");
  ExpectInvalid([](Json& d) { d["endpoints"][1]["zdr"] = "yes"; }, "endpoints[1].zdr");
  ExpectInvalid(
      [](Json& d) {
        d["endpoints"][1]["supported_parameters"] = {"tools", 1};
      },
      "endpoints[1].supported_parameters[1]");

  // Tiers.
  ExpectInvalid([](Json& d) { d["endpoints"][1]["tiers"][0]["min_prompt_tokens"] = 0; },
                "endpoints[1].tiers[0].min_prompt_tokens");
  ExpectInvalid(
      [](Json& d) {
        d["endpoints"][1]["tiers"].push_back(
            {{"min_prompt_tokens", 100000}, {"pricing", {{"prompt", "1"}}}});
      },
      "endpoints[1].tiers[1].min_prompt_tokens");
  ExpectInvalid([](Json& d) { d["endpoints"][1]["tiers"][0]["pricing"]["prompt"] = "x"; },
                "endpoints[1].tiers[0].pricing.prompt");
  ExpectInvalid([](Json& d) { d["endpoints"][1]["tiers"][0].erase("pricing"); },
                "endpoints[1].tiers[0].pricing");
}

TEST_CASE("a string field of another type is named with what came, in JsonFields' wording") {
  for (const auto& [value, got] : std::vector<std::pair<Json, std::string>>{
           {Json(5), "not 5"}, {Json(true), "not true"}, {Json::object(), "not an object"},
           {Json::array(), "not an array"}}) {
    Json doc = SmallDoc();
    doc["providers"][0]["name"] = value;
    auto c = Catalog::FromJson(doc);
    REQUIRE_FALSE(c.ok());
    INFO(c.status().message());
    CHECK(c.status().message().find("providers[0].name: must be a string, " + got) !=
          std::string::npos);
  }
}

TEST_CASE("left-out canonical_slug, tag and upstream_model take their documented defaults") {
  Json doc = SmallDoc();
  const std::string model = doc["endpoints"][2]["model"].get<std::string>();
  const std::string provider = doc["endpoints"][2]["provider"].get<std::string>();
  const std::string id = doc["models"][0]["id"].get<std::string>();
  doc["endpoints"][2].erase("upstream_model");
  doc["endpoints"][2].erase("tag");
  doc["models"][0].erase("canonical_slug");
  auto c = Catalog::FromJson(doc);
  INFO(c.status().message());
  REQUIRE(c.ok());
  const Endpoint* e = c->FindEndpoint(model, provider);
  REQUIRE(e != nullptr);
  CHECK(e->upstream_model == model);
  CHECK(e->tag == provider);
  REQUIRE(c->FindModel(id) != nullptr);
  CHECK(c->FindModel(id)->canonical_slug == id);
}

TEST_CASE("left-out max_completion_tokens, quantization, free, zdr and training take their defaults") {
  Json doc = SmallDoc();
  for (Json& e : doc["endpoints"]) {
    for (const char* k : {"max_completion_tokens", "quantization", "free", "zdr", "training"}) {
      e.erase(k);
    }
  }
  // One free endpoint (both token prices 0) and one that is not.
  doc["endpoints"][0]["pricing"] = Json{{"prompt", "0"}, {"completion", "0"}};
  auto c = Catalog::FromJson(doc);
  INFO(c.status().message());
  REQUIRE(c.ok());
  CHECK(c->endpoint(0).free);
  CHECK_FALSE(c->endpoint(1).free);
  for (size_t i = 0; i < c->endpoints().size(); ++i) {
    const Endpoint& e = c->endpoint(static_cast<uint32_t>(i));
    INFO(e.tag);
    CHECK(e.max_completion_tokens == 0);  // unknown: bounded by the context
    CHECK(e.quantization == "unknown");
    CHECK(e.free == (e.prices.prompt == 0 && e.prices.completion == 0));
    // zdr and training null: the provider's data policy.
    const DataPolicy& provider = c->provider_of(e).data_policy;
    CHECK(e.data_policy.zdr == provider.zdr);
    CHECK(e.data_policy.training == provider.training);
  }
}

TEST_CASE("parameter_sets: models and endpoints may name their supported_parameters by index") {
  Json doc = SmallDoc();
  auto inline_lists = Catalog::FromJson(doc);
  REQUIRE(inline_lists.ok());
  // Move every list into a table, as the generator does.
  Json sets = Json::array();
  auto index_of = [&](const Json& list) {
    for (size_t i = 0; i < sets.size(); ++i) {
      if (sets[i] == list) return static_cast<int64_t>(i);
    }
    sets.push_back(list);
    return static_cast<int64_t>(sets.size() - 1);
  };
  for (const char* section : {"models", "endpoints"}) {
    for (Json& x : doc[section]) {
      if (!x.contains("supported_parameters")) continue;
      Json list = x["supported_parameters"];
      x.erase("supported_parameters");
      x["params"] = index_of(list);
    }
  }
  REQUIRE(sets.size() > 0);
  doc["parameter_sets"] = sets;
  auto indexed = Catalog::FromJson(doc);
  INFO(indexed.status().message());
  REQUIRE(indexed.ok());
  REQUIRE(indexed->endpoints().size() == inline_lists->endpoints().size());
  for (size_t i = 0; i < indexed->endpoints().size(); ++i) {
    const uint32_t e = static_cast<uint32_t>(i);
    CHECK(indexed->endpoint(e).supported_parameters == inline_lists->endpoint(e).supported_parameters);
    CHECK(indexed->endpoint(e).params == inline_lists->endpoint(e).params);
  }
  for (size_t i = 0; i < indexed->models().size(); ++i) {
    CHECK(indexed->model(static_cast<uint32_t>(i)).supported_parameters ==
          inline_lists->model(static_cast<uint32_t>(i)).supported_parameters);
  }

  auto fails_at = [](Json d, const std::string& path) {
    auto c = Catalog::FromJson(d);
    REQUIRE_FALSE(c.ok());
    INFO(c.status().message());
    CHECK(c.status().code() == Code::kInvalidArgument);
    CHECK(testing::ValueOr(c.status().metadata(), "field", "") == path);
  };
  Json bad = doc;
  bad["endpoints"][0]["params"] = static_cast<int64_t>(sets.size());
  fails_at(bad, "endpoints[0].params");
  bad = doc;
  bad["endpoints"][0]["params"] = -1;
  fails_at(bad, "endpoints[0].params");
  bad = doc;
  bad["models"][0]["supported_parameters"] = Json::array({"tools"});
  fails_at(bad, "models[0].params");  // both given
  bad = doc;
  bad.erase("parameter_sets");
  fails_at(bad, "models[0].params");  // no table
  bad = doc;
  bad["parameter_sets"][0] = Json::array({1});
  fails_at(bad, "parameter_sets[0][0]");
  // Overlays list parameters; an index means nothing there.
  Catalog c = std::move(indexed).value();
  Status st = c.ApplyOverlayText(R"({"endpoints":[{"model":"acme/tiny","tag":"fleet","params":0}]})");
  CHECK_FALSE(st.ok());
}

TEST_CASE("unknown catalog keys are ignored, as FORMAT.md asks, so the format can grow") {
  Json doc = SmallDoc();
  doc["generated_by"] = "a newer script";
  doc["providers"][0]["status_page_url"] = "https://status.example";
  doc["models"][0]["knowledge_cutoff"] = "2025-01";
  doc["endpoints"][1]["pricing"]["audio"] = "40";
  doc["endpoints"][1]["uptime_hint"] = 99.9;
  auto c = Catalog::FromJson(doc);
  INFO(c.status().message());
  REQUIRE(c.ok());
  CHECK(c->endpoint(1).prices.prompt == 3'000'000);
}

TEST_CASE("prices may be plain JSON numbers in hand-written documents") {
  Json doc = SmallDoc();
  doc["endpoints"][1]["pricing"]["prompt"] = 2.5;
  doc["endpoints"][1]["pricing"]["completion"] = 10;
  auto c = Catalog::FromJson(doc);
  REQUIRE(c.ok());
  CHECK(c->endpoint(1).prices.prompt == 2'500'000);
  CHECK(c->endpoint(1).prices.completion == 10'000'000);
}

TEST_CASE("FromText rejects broken, oversized and deeply nested text") {
  auto broken = Catalog::FromText("{\"format\":");
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.status().code() == Code::kInvalidArgument);

  std::string deep =
      "{\"format\":\"switchyard-catalog\",\"version\":1,\"sources\":" + std::string(40, '[') +
      std::string(40, ']') + "}";
  auto nested = Catalog::FromText(deep);
  REQUIRE_FALSE(nested.ok());
  CHECK(nested.status().code() == Code::kTooLarge);

  auto not_object = Catalog::FromText("[]");
  REQUIRE_FALSE(not_object.ok());
  CHECK(not_object.status().code() == Code::kInvalidArgument);

  auto empty = Catalog::FromText(
      R"({"format":"switchyard-catalog","version":1,"providers":[],"models":[],"endpoints":[]})");
  REQUIRE(empty.ok());
  CHECK(empty->endpoints().empty());

  auto text = Catalog::FromText(ReadFile("tests/fixtures/catalog/small.json"));
  REQUIRE(text.ok());
  CHECK(text->endpoints().size() == 9);
}

// ---- overlays ------------------------------------------------------------------------------

namespace {

Status Apply(Catalog& c, const char* overlay_text) {
  auto overlay = ParseJson(overlay_text);
  REQUIRE(overlay.ok());
  return c.ApplyOverlay(*overlay);
}

// Everything observable about a catalog, for "nothing changed" checks.
std::string Fingerprint(const Catalog& c) {
  std::string out = Dump(c.RenderModels({})) + Dump(c.RenderProviders());
  for (const Provider& p : c.providers()) out += p.slug + "=" + p.base_url + ";";
  for (const Endpoint& e : c.endpoints()) {
    out += std::to_string(e.index) + e.tag + std::to_string(e.enabled) +
           std::to_string(e.prices.prompt) + std::to_string(e.prices.cache_read) +
           std::to_string(e.data_policy.zdr) + std::to_string(e.max_completion_tokens) + ";";
  }
  return out;
}

void ExpectOverlayInvalid(const char* overlay, const std::string& path) {
  Catalog c = Small();
  std::string before = Fingerprint(c);
  Status s = Apply(c, overlay);
  INFO(overlay);
  REQUIRE_FALSE(s.ok());
  INFO(s.message());
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(testing::ValueOr(s.metadata(), "field", "") == path);
  CHECK(Fingerprint(c) == before);
}

}  // namespace

TEST_CASE("overlay: base URL overrides") {
  Catalog c = Small();
  REQUIRE(Apply(c, R"({"base_urls":{"openai":"http://127.0.0.1:8790/openai/v1/",
                                      "anthropic":"http://127.0.0.1:8790/anthropic/v1"}})")
              .ok());
  CHECK(c.FindProvider("openai")->base_url == "http://127.0.0.1:8790/openai/v1");
  CHECK(c.FindProvider("anthropic")->base_url == "http://127.0.0.1:8790/anthropic/v1");
  CHECK(c.FindProvider("google")->base_url == "https://generativelanguage.googleapis.com/v1beta");
  // The rest of the provider is untouched.
  CHECK(c.FindProvider("openai")->uses_max_completion_tokens);
  CHECK(c.FindProvider("openai")->api_key_env == "OPENAI_API_KEY");

  ExpectOverlayInvalid(R"({"models":[{"id":"openai/gpt-4o-mini:free"}]})", "overlay.models[0].id");
  ExpectOverlayInvalid(R"({"base_urls":{"nope":"http://127.0.0.1:1/v1"}})",
                       "overlay.base_urls.nope");
  ExpectOverlayInvalid(R"({"base_urls":{"openai":"file:///etc/passwd"}})",
                       "overlay.base_urls.openai");
  ExpectOverlayInvalid(R"({"base_urls":{"openai":42}})", "overlay.base_urls.openai");
  ExpectOverlayInvalid(R"({"base_urls":["openai"]})", "overlay.base_urls");
}

TEST_CASE("overlay: disabling endpoints, models and providers") {
  Catalog c = Small();
  REQUIRE(Apply(c, R"({"disable":[{"model":"openai/gpt-4o-mini","tag":"openai"}]})").ok());
  const Endpoint* e = c.FindEndpoint("openai/gpt-4o-mini", "openai");
  REQUIRE(e != nullptr);  // still found, by design: indexes and health stay valid
  CHECK_FALSE(e->enabled);
  CHECK(c.FindEndpoint("openai/gpt-4o-mini", "deepinfra")->enabled);

  REQUIRE(Apply(c, R"({"disable":[{"provider":"fleet"}]})").ok());
  CHECK_FALSE(c.endpoint(0).enabled);
  CHECK_FALSE(c.endpoint(6).enabled);
  CHECK(c.endpoint(5).enabled);

  REQUIRE(Apply(c, R"({"disable":[{"model":"google/gemini-2.5-flash"}]})").ok());
  CHECK_FALSE(c.endpoint(2).enabled);
  CHECK(c.endpoint(3).enabled);

  // An endpoint entry can turn one back on.
  REQUIRE(Apply(c, R"({"endpoints":[{"model":"acme/tiny","tag":"fleet","enabled":true}]})").ok());
  CHECK(c.endpoint(0).enabled);

  ExpectOverlayInvalid(R"({"disable":[{"model":"openai/gpt-4o-mini","tag":"fleet"}]})",
                       "overlay.disable[0]");
  ExpectOverlayInvalid(R"({"disable":[{"provider":"nope"}]})", "overlay.disable[0].provider");
  ExpectOverlayInvalid(R"({"disable":[{"provider":"fleet","model":"acme/tiny"}]})",
                       "overlay.disable[0]");
  ExpectOverlayInvalid(R"({"disable":[{"model":"nope/x"}]})", "overlay.disable[0].model");
  ExpectOverlayInvalid(R"({"disable":[{}]})", "overlay.disable[0].model");
  ExpectOverlayInvalid(R"({"disable":["openai"]})", "overlay.disable[0]");
}

TEST_CASE("overlay: a provider disabled unless_byok stays usable with the account's own key") {
  Catalog c = Small();
  REQUIRE(Apply(c, R"({"disable":[{"provider":"fleet","unless_byok":true}]})").ok());
  CHECK_FALSE(c.endpoint(0).enabled);
  CHECK(c.endpoint(0).byok_only);
  CHECK_FALSE(c.endpoint(6).enabled);
  CHECK(c.endpoint(6).byok_only);
  CHECK(c.endpoint(5).enabled);
  CHECK_FALSE(c.endpoint(5).byok_only);  // another provider: untouched

  // A plain disable of the same endpoints wins, whichever comes first.
  Catalog after = Small();
  REQUIRE(Apply(after, R"({"disable":[{"provider":"fleet","unless_byok":true},{"model":"acme/tiny"}]})").ok());
  CHECK_FALSE(after.endpoint(0).enabled);
  CHECK_FALSE(after.endpoint(0).byok_only);
  Catalog before = Small();
  REQUIRE(Apply(before, R"({"disable":[{"provider":"fleet"},{"provider":"fleet","unless_byok":true}]})").ok());
  CHECK_FALSE(before.endpoint(0).byok_only);
  CHECK_FALSE(before.endpoint(6).byok_only);
  // unless_byok false is a plain disable.
  Catalog plain = Small();
  REQUIRE(Apply(plain, R"({"disable":[{"provider":"fleet","unless_byok":false}]})").ok());
  CHECK_FALSE(plain.endpoint(0).enabled);
  CHECK_FALSE(plain.endpoint(0).byok_only);

  ExpectOverlayInvalid(R"({"disable":[{"model":"acme/tiny","unless_byok":true}]})",
                       "overlay.disable[0].unless_byok");
  ExpectOverlayInvalid(R"({"disable":[{"provider":"fleet","unless_byok":"yes"}]})",
                       "overlay.disable[0].unless_byok");
}

TEST_CASE("overlay: price overrides re-derive defaulted prices") {
  Catalog c = Small();
  REQUIRE(Apply(c, R"({"prices":[
      {"model":"openai/gpt-4o-mini","tag":"openai","pricing":{"prompt":"0.2"}},
      {"model":"openai/gpt-4o-mini","tag":"deepinfra","pricing":{"prompt":"0.1","request":"0"}}]})")
              .ok());
  const Prices& openai = c.endpoint(7).prices;
  CHECK(openai.prompt == 200'000);
  CHECK(openai.completion == 600'000);   // unchanged
  CHECK(openai.cache_read == 75'000);    // stated, so it stays
  CHECK(openai.cache_write == 200'000);  // defaulted, so it follows the new prompt price
  const Prices& di = c.endpoint(8).prices;
  CHECK(di.prompt == 100'000);
  CHECK(di.cache_read == 100'000);
  CHECK(di.request == 0);

  // `free` is what the catalog states ("free": false here); zero prices alone do not make a
  // `:free` variant. Unstated, it follows the prices (see the overlay fixture test).
  REQUIRE(Apply(c, R"({"prices":[{"model":"openai/gpt-4o-mini","tag":"deepinfra",
                                   "pricing":{"prompt":"0","completion":"0"}}]})")
              .ok());
  CHECK(c.endpoint(8).prices.prompt == 0);
  CHECK_FALSE(c.endpoint(8).free);

  ExpectOverlayInvalid(R"({"prices":[{"model":"openai/gpt-4o-mini","tag":"openai",
                                       "pricing":{"prompt":"-1"}}]})",
                       "overlay.prices[0].pricing.prompt");
  ExpectOverlayInvalid(R"({"prices":[{"model":"openai/gpt-4o-mini","tag":"openai"}]})",
                       "overlay.prices[0].pricing");
  ExpectOverlayInvalid(R"({"prices":[{"model":"openai/gpt-4o-mini","tag":"nope",
                                       "pricing":{"prompt":"1"}}]})",
                       "overlay.prices[0]");
  // A free endpoint cannot be given a price without saying it is no longer free.
  ExpectOverlayInvalid(R"({"prices":[{"model":"acme/tiny","tag":"fleet",
                                       "pricing":{"prompt":"1"}}]})",
                       "overlay.prices[0].free");
}

TEST_CASE("overlay: new providers, models and endpoints are appended; indexes stay stable") {
  Catalog c = Small();
  std::vector<std::string> before;
  for (const Endpoint& e : c.endpoints()) before.push_back(c.model_of(e).id + "|" + e.tag);

  Status s = Apply(c, R"({
    "providers":[{"slug":"myhost","name":"My Host","wire":"openai",
                  "base_url":"http://10.0.0.5:8000/v1","api_key_env":"MYHOST_KEY",
                  "data_policy":{"training":false,"retains_prompts":false,
                                 "retention_days":0,"zdr":true}}],
    "models":[{"id":"me/custom-7b","name":"Me: Custom 7B","context_length":32768}],
    "endpoints":[
      {"model":"me/custom-7b","provider":"myhost","upstream_model":"custom-7b",
       "context_length":32768,"pricing":{"prompt":"0.01","completion":"0.02"},
       "supported_parameters":["max_tokens","tools"]},
      {"model":"openai/gpt-4o-mini","provider":"myhost","tag":"myhost/cheap",
       "upstream_model":"gpt-4o-mini","context_length":128000,
       "pricing":{"prompt":"0.05","completion":"0.1"}}]})");
  INFO(s.message());
  REQUIRE(s.ok());

  REQUIRE(c.endpoints().size() == 11);
  for (size_t i = 0; i < before.size(); ++i) {
    CHECK(c.model_of(c.endpoint(i)).id + "|" + c.endpoint(i).tag == before[i]);
  }
  CHECK(IndexOf(c, "me/custom-7b", "myhost") == 9);
  CHECK(IndexOf(c, "openai/gpt-4o-mini", "myhost/cheap") == 10);
  CHECK(c.FindModel("openai/gpt-4o-mini")->endpoints == std::vector<uint32_t>{7, 8, 10});

  const Provider* p = c.FindProvider("myhost");
  REQUIRE(p != nullptr);
  CHECK(p->index == 5);
  CHECK(p->data_policy.zdr);

  const Model* m = c.FindModel("me/custom-7b");
  REQUIRE(m != nullptr);
  CHECK(m->index == 6);
  CHECK(m->canonical_slug == "me/custom-7b");
  CHECK(m->input_modalities == std::vector<std::string>{"text"});
  CHECK(m->model_group == "other");
  const Endpoint& custom = c.endpoint(9);
  CHECK(custom.prices.prompt == 10'000);
  CHECK(custom.quantization == "unknown");
  CHECK(custom.max_completion_tokens == 0);
  CHECK(custom.data_policy.zdr);
  CHECK(custom.params.test(static_cast<size_t>(Param::kTools)));
}

TEST_CASE("overlay: partial updates of existing providers, models and endpoints") {
  Catalog c = Small();
  REQUIRE(Apply(c, R"({
    "providers":[{"slug":"deepinfra","data_policy":{"zdr":false,"retains_prompts":true}}],
    "models":[{"id":"acme/tiny","description":"Still tiny."}],
    "endpoints":[{"model":"meta-llama/llama-3.3-70b-instruct","tag":"deepinfra",
                  "max_completion_tokens":1000,"quantization":"fp8"}]})")
              .ok());
  // The provider's policy change reaches endpoints that inherit it, not overriding ones.
  CHECK_FALSE(c.endpoint(4).data_policy.zdr);
  CHECK(c.endpoint(4).data_policy.retains_prompts);
  CHECK_FALSE(c.endpoint(4).data_policy.training);  // not stated: kept
  CHECK(c.endpoint(6).data_policy.zdr);             // fleet endpoint's own override
  CHECK(c.FindProvider("deepinfra")->name == "DeepInfra");
  CHECK(c.FindModel("acme/tiny")->description == "Still tiny.");
  CHECK(c.FindModel("acme/tiny")->name == "Acme: Tiny");
  CHECK(c.endpoint(4).max_completion_tokens == 1000);
  CHECK(c.endpoint(4).quantization == "fp8");
  CHECK(c.endpoint(4).prices.prompt == 230'000);
  CHECK(c.endpoint(4).upstream_model == "meta-llama/Llama-3.3-70B-Instruct");
  CHECK(c.endpoints().size() == 9);
}

TEST_CASE("overlay: an endpoint's wire overrides its provider's, and null restores it") {
  Catalog c = Small();
  const Endpoint& e = c.endpoint(7);  // gpt-4o-mini on OpenAI
  REQUIRE_FALSE(e.wire.has_value());
  REQUIRE(Apply(c, R"({"endpoints":[{"model":"openai/gpt-4o-mini","tag":"openai",
                                      "wire":"openai-responses"}]})")
              .ok());
  CHECK(c.endpoint(7).wire == WireFormat::kOpenAIResponses);
  CHECK(WireOf(c.provider_of(c.endpoint(7)), c.endpoint(7)) == WireFormat::kOpenAIResponses);
  CHECK(c.provider_of(c.endpoint(7)).wire == WireFormat::kOpenAI);  // the provider is unchanged
  // A partial update that does not mention wire keeps it.
  REQUIRE(Apply(c, R"({"endpoints":[{"model":"openai/gpt-4o-mini","tag":"openai",
                                      "max_completion_tokens":100}]})")
              .ok());
  CHECK(c.endpoint(7).wire == WireFormat::kOpenAIResponses);
  REQUIRE(Apply(c, R"({"endpoints":[{"model":"openai/gpt-4o-mini","tag":"openai","wire":null}]})")
              .ok());
  CHECK_FALSE(c.endpoint(7).wire.has_value());
  // A provider may speak it too.
  REQUIRE(Apply(c, R"({"providers":[{"slug":"openai","wire":"openai-responses"}]})").ok());
  CHECK(WireOf(c.provider_of(c.endpoint(7)), c.endpoint(7)) == WireFormat::kOpenAIResponses);
  ExpectOverlayInvalid(
      R"({"endpoints":[{"model":"openai/gpt-4o-mini","tag":"openai","wire":"responses"}]})",
      "overlay.endpoints[0].wire");
  ExpectOverlayInvalid(R"({"endpoints":[{"model":"openai/gpt-4o-mini","tag":"openai","wire":3}]})",
                       "overlay.endpoints[0].wire");
}

TEST_CASE("overlay: atomic, a bad entry anywhere changes nothing") {
  // Valid sections first, then one bad price: none of it may stick.
  ExpectOverlayInvalid(R"({
    "providers":[{"slug":"newp","name":"N","wire":"openai","base_url":"http://127.0.0.1:9/v1"}],
    "models":[{"id":"x/y","name":"X: Y","context_length":100}],
    "endpoints":[{"model":"x/y","provider":"newp","upstream_model":"y","context_length":100,
                  "pricing":{"prompt":"1","completion":"1"}}],
    "base_urls":{"openai":"http://127.0.0.1:8790/openai/v1"},
    "disable":[{"provider":"fleet"}, {"provider":"nope"}]})",
                       "overlay.disable[1].provider");
  ExpectOverlayInvalid(R"({"base_urls":{"openai":"http://127.0.0.1:8790/v1"},
                          "prices":[{"model":"acme/tiny","tag":"fleet",
                                     "pricing":{"prompt":"abc"}}]})",
                       "overlay.prices[0].pricing.prompt");

  // Overlays are hand-written: unknown fields are typos, refused rather than ignored.
  ExpectOverlayInvalid(
      R"({"prices":[{"model":"acme/tiny","tag":"fleet","pricing":{"promt":"0"}}]})",
      "overlay.prices[0].pricing.promt");
  ExpectOverlayInvalid(R"({"prices":[{"model":"acme/tiny","tag":"fleet","price":{}}]})",
                       "overlay.prices[0].price");
  ExpectOverlayInvalid(R"({"providers":[{"slug":"openai","baseurl":"http://127.0.0.1:1/v1"}]})",
                       "overlay.providers[0].baseurl");
  ExpectOverlayInvalid(R"({"providers":[{"slug":"openai","data_policy":{"zdr":true,"ttl":0}}]})",
                       "overlay.providers[0].data_policy.ttl");
  ExpectOverlayInvalid(R"({"models":[{"id":"acme/tiny","title":"Tiny"}]})",
                       "overlay.models[0].title");
  ExpectOverlayInvalid(R"({"endpoints":[{"model":"acme/tiny","tag":"fleet","disabled":true}]})",
                       "overlay.endpoints[0].disabled");
  ExpectOverlayInvalid(R"({"endpoints":[{"model":"anthropic/claude-sonnet-4","tag":"anthropic",
                            "tiers":[{"min_prompt_tokens":5,"x":1,
                                      "pricing":{"prompt":"1","completion":"1"}}]}]})",
                       "overlay.endpoints[0].tiers[0].x");
  ExpectOverlayInvalid(R"({"disable":[{"provider":"fleet","reason":"down"}]})",
                       "overlay.disable[0].reason");

  // Other overlay errors.
  ExpectOverlayInvalid(R"({"base_url":{"openai":"http://127.0.0.1:8790/v1"}})", "overlay.base_url");
  ExpectOverlayInvalid(R"({"endpoints":{}})", "overlay.endpoints");
  ExpectOverlayInvalid(R"({"providers":[{"slug":"newp","wire":"openai"}]})",
                       "overlay.providers[0].name");
  ExpectOverlayInvalid(R"({"providers":[{"slug":"openai","wire":"soap"}]})",
                       "overlay.providers[0].wire");
  ExpectOverlayInvalid(R"({"models":[{"id":"x/y","name":"X"}]})",
                       "overlay.models[0].context_length");
  ExpectOverlayInvalid(R"({"endpoints":[{"model":"acme/tiny","provider":"openai","upstream_model":[],
                            "context_length":10,"pricing":{"prompt":"1","completion":"1"}}]})",
                       "overlay.endpoints[0].upstream_model");
  ExpectOverlayInvalid(R"({"endpoints":[{"model":"acme/tiny","tag":"fleet","provider":"openai"}]})",
                       "overlay.endpoints[0].provider");
  ExpectOverlayInvalid(R"({"endpoints":[{"model":"acme/tiny","tag":"fleet",
                            "pricing":{"completion":"0.5"}}]})",
                       "overlay.endpoints[0].free");
  ExpectOverlayInvalid(R"({"endpoints":[{"model":"nope/x","tag":"fleet"}]})",
                       "overlay.endpoints[0].model");

  Catalog c = Small();
  Status s = c.ApplyOverlay(Json::array());
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(c.ApplyOverlay(Json::object()).ok());
}

TEST_CASE("overlay fixture: a self-hosted provider behind the sandbox fleet") {
  Catalog c = Small();
  auto overlay = ParseJson(ReadFile("tests/fixtures/catalog/overlay-sandbox.json"));
  REQUIRE(overlay.ok());
  Status s = c.ApplyOverlay(*overlay);
  INFO(s.message());
  REQUIRE(s.ok());
  for (const Provider& p : c.providers()) {
    INFO(p.slug);
    CHECK(p.base_url.rfind("http://127.0.0.1:8790/", 0) == 0);
  }
  const Endpoint* local = c.FindEndpoint("meta-llama/llama-3.3-70b-instruct", "local");
  REQUIRE(local != nullptr);
  CHECK(local->index == 9);
  CHECK(c.provider_of(*local).sandbox);
  CHECK(c.provider_of(*local).data_policy.zdr);
  CHECK(local->prices.prompt == 0);
  CHECK(local->free);
  CHECK_FALSE(c.FindEndpoint("meta-llama/llama-3.3-70b-instruct", "deepinfra/turbo")->enabled);
  CHECK(c.FindEndpoint("anthropic/claude-sonnet-4", "anthropic")->prices.prompt == 2'500'000);
}

// ---- the JSON reader behind FromText (json/json_tape.h; its own differential suite is
// tests/core/json/base_json_tape_test.cpp) ----------------------------------------------------

TEST_CASE("catalog text errors name the byte") {
  auto c = Catalog::FromText("{\"format\":\"switchyard-catalog\",\"version\":1,]");
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == Code::kInvalidArgument);
  CHECK(c.status().message().find("catalog is not valid JSON") == 0);
  CHECK(c.status().message().find("expected a member name at byte 43") != std::string::npos);

  Catalog small = Small();
  Status s = small.ApplyOverlayText("{\"disable\":[}");
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.message().find("overlay is not valid JSON") == 0);
  CHECK(small.ApplyOverlayText(R"({"disable":[{"provider":"fleet"}]})").ok());
  CHECK_FALSE(small.endpoint(0).enabled);
}
