// Generation records: the GET /generation body, the lossless JSON form, host details with bad
// input, and rollups (render, export, pruning).
#include "test_support.h"

#include <vector>

#include "switchyard/json/json.h"
#include "switchyard/ledger/generation.h"
#include "switchyard/ledger/ledger.h"
#include "json_testing.h"

using namespace switchyard;

namespace {

GenerationRecord Sample() {
  GenerationRecord r;
  r.id = "gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG";
  r.model = "anthropic/claude-sonnet-4";
  r.provider_name = "Anthropic";
  r.latency_ms = 1250;
  r.generation_time_ms = 1200;
  r.streamed = true;
  r.finish_reason = "stop";
  r.native_finish_reason = "end_turn";
  r.provider_responses = {{"Amazon Bedrock", 529, 300, "overloaded"}, {"Anthropic", 200, 950, ""}};
  r.origin = "https://example.com/";
  r.http_referer = "https://example.com/";
  r.app_title = "Example";
  r.app_id = 12345;
  r.external_user = "user-123";
  r.session_id = "sess-1";
  r.key_hash = std::string(64, 'a');
  r.workspace_id = "ws_1";
  r.usage.prompt_tokens = 1200;
  r.usage.completion_tokens = 300;
  r.usage.cached_tokens = 1000;
  r.usage.reasoning_tokens = 120;
  r.usage.known = true;
  r.cost.charged = 5'400'000'000;  // $0.0054
  r.cost.upstream = 5'400'000'000;
  r.cost.cache_discount = 2'700'000'000;
  r.cost.list = 5'400'000'000;
  r.created_at_ms = DaysFromCivil(2026, 8, 1) * kMsPerDay + 3'600'000;
  return r;
}

// ---- the DOM renderers as they were before the records were written as text: the oracles the
// text forms are checked against (field by field, nlohmann-style DOM, sorted by Dump).

Json OracleInt(const std::optional<int64_t>& v) { return v ? Json(*v) : Json(nullptr); }
Json OracleStringOrNull(std::string_view s) {
  return s.empty() ? Json(nullptr) : Json(std::string(s));
}

Json OracleRenderGeneration(const GenerationRecord& r) {
  const Usage& u = r.usage;
  const bool cached = u.cached_tokens + u.cache_write_tokens + u.cache_write_1h_tokens > 0;
  Json responses = Json::array();
  for (const ProviderResponse& p : r.provider_responses) {
    responses.push_back({{"provider_name", p.provider_name},
                         {"status", p.status},
                         {"latency", OracleInt(p.latency_ms)},
                         {"error_type", OracleStringOrNull(p.error_type)}});
    if (!p.latency_ms) responses.back().erase("latency");
  }
  Json data = {
      {"id", r.id},
      {"model", r.model},
      {"provider_name", OracleStringOrNull(r.provider_name)},
      {"total_cost", UsdNumber(r.cost.charged)},
      {"usage", UsdNumber(r.cost.charged)},
      {"upstream_inference_cost", UsdNumber(r.cost.upstream)},
      {"cache_discount", cached ? Json(UsdNumber(r.cost.cache_discount)) : Json(nullptr)},
      {"is_byok", r.cost.is_byok},
      {"tokens_prompt", u.prompt_tokens},
      {"tokens_completion", u.completion_tokens},
      {"native_tokens_prompt", u.prompt_tokens},
      {"native_tokens_completion", u.completion_tokens},
      {"native_tokens_reasoning", u.reasoning_tokens},
      {"native_tokens_cached", u.cached_tokens},
      {"native_tokens_cache_write", u.cache_write_tokens},
      {"native_tokens_cache_write_1h", u.cache_write_1h_tokens},
      {"num_media_prompt", u.images},
      {"latency", OracleInt(r.latency_ms)},
      {"generation_time", OracleInt(r.generation_time_ms)},
      {"streamed", r.streamed},
      {"cancelled", r.cancelled},
      {"finish_reason", OracleStringOrNull(r.finish_reason)},
      {"native_finish_reason", OracleStringOrNull(r.native_finish_reason)},
      {"provider_responses", std::move(responses)},
      {"origin", r.origin},
      {"http_referer", OracleStringOrNull(r.http_referer)},
      {"app_id", OracleInt(r.app_id)},
      {"external_user", OracleStringOrNull(r.external_user)},
      {"session_id", OracleStringOrNull(r.session_id)},
      {"api_type", r.api_type.empty() ? "completions" : r.api_type},
      {"workspace_id", OracleStringOrNull(r.workspace_id)},
      {"created_at", FormatIsoUtc(r.created_at_ms)},
      {"cost_components", CostToJson(r.cost)},
      {"pricing_tier", r.tier_min_prompt_tokens > 0
                           ? Json{{"min_prompt_tokens", r.tier_min_prompt_tokens}}
                           : Json(nullptr)},
  };
  if (!u.known) data["tokens_estimated"] = true;
  return {{"data", std::move(data)}};
}

Json OracleGenerationToJson(const GenerationRecord& r) {
  Json responses = Json::array();
  for (const ProviderResponse& p : r.provider_responses) {
    responses.push_back({{"provider_name", p.provider_name},
                         {"status", p.status},
                         {"latency_ms", OracleInt(p.latency_ms)},
                         {"error_type", p.error_type}});
  }
  return {{"id", r.id},
          {"model", r.model},
          {"provider_name", r.provider_name},
          {"latency_ms", OracleInt(r.latency_ms)},
          {"generation_time_ms", OracleInt(r.generation_time_ms)},
          {"streamed", r.streamed},
          {"cancelled", r.cancelled},
          {"finish_reason", r.finish_reason},
          {"native_finish_reason", r.native_finish_reason},
          {"provider_responses", std::move(responses)},
          {"origin", r.origin},
          {"http_referer", r.http_referer},
          {"app_title", r.app_title},
          {"app_id", OracleInt(r.app_id)},
          {"external_user", r.external_user},
          {"session_id", r.session_id},
          {"api_type", r.api_type},
          {"key_hash", r.key_hash},
          {"workspace_id", r.workspace_id},
          {"usage", UsageToJson(r.usage)},
          {"cost", CostToJson(r.cost)},
          {"tier_min_prompt_tokens", r.tier_min_prompt_tokens},
          {"created_at_ms", r.created_at_ms}};
}

// Records that stress the writers: escapes in every string, extreme and negative amounts, every
// optional absent, estimated usage, a price tier, no responses.
std::vector<GenerationRecord> Hostile() {
  std::vector<GenerationRecord> out;
  GenerationRecord bare;
  bare.id = "gen-bare";
  out.push_back(bare);
  out.push_back(Sample());
  GenerationRecord e = Sample();
  const std::string nasty = std::string("q\"uote \\ back/slash\n\t\x01\x1f é €😀 ") +
                            "\xff\xc3(bad utf-8)" + std::string(1, '\0') + "end";
  for (std::string* s : {&e.id, &e.model, &e.provider_name, &e.finish_reason,
                         &e.native_finish_reason, &e.origin, &e.http_referer, &e.app_title,
                         &e.external_user, &e.session_id, &e.api_type, &e.key_hash,
                         &e.workspace_id}) {
    *s = nasty;
  }
  e.provider_responses = {{nasty, 502, std::nullopt, nasty}, {"", 0, 0, ""}, {"X", 200, 1, ""}};
  e.app_id = std::nullopt;
  e.latency_ms = 0;
  e.generation_time_ms = std::nullopt;
  e.usage.known = false;
  e.usage.cache_write_1h_tokens = 2;
  e.usage.images = 3;
  e.tier_min_prompt_tokens = 200'000;
  e.cost.cache_discount = -123'456'789;  // writes cost more than they saved
  e.cost.charged = INT64_MAX;
  e.cost.upstream = (int64_t{1} << 53) + 1;  // beyond a double's exact integers
  e.cost.prompt = 1;
  e.cost.is_byok = true;
  e.cost.insured = true;
  e.created_at_ms = 0;
  out.push_back(e);
  GenerationRecord zero = e;
  zero.cost = Cost{};
  zero.usage = Usage{};
  zero.provider_responses.clear();
  zero.tier_min_prompt_tokens = 0;
  zero.app_id = 0;
  out.push_back(zero);
  return out;
}

}  // namespace

TEST_CASE("RenderGeneration has OpenRouter's fields and values") {
  Json body = RenderGeneration(Sample());
  REQUIRE(body.contains("data"));
  const Json& d = body["data"];
  for (const char* field : {"id",
                            "model",
                            "provider_name",
                            "total_cost",
                            "usage",
                            "upstream_inference_cost",
                            "cache_discount",
                            "is_byok",
                            "tokens_prompt",
                            "tokens_completion",
                            "native_tokens_prompt",
                            "native_tokens_completion",
                            "native_tokens_reasoning",
                            "native_tokens_cached",
                            "latency",
                            "generation_time",
                            "streamed",
                            "cancelled",
                            "finish_reason",
                            "native_finish_reason",
                            "provider_responses",
                            "origin",
                            "http_referer",
                            "app_id",
                            "external_user",
                            "session_id",
                            "api_type",
                            "workspace_id",
                            "created_at"}) {
    INFO(field);
    CHECK(d.contains(field));
  }
  CHECK(d["total_cost"].get<double>() == 0.0054);
  CHECK(d["usage"].get<double>() == 0.0054);
  CHECK(d["cache_discount"].get<double>() == 0.0027);
  CHECK(d["tokens_prompt"] == 1200);
  CHECK(d["native_tokens_cached"] == 1000);
  CHECK(d["native_tokens_reasoning"] == 120);
  CHECK(d["latency"] == 1250);
  CHECK(d["provider_responses"].size() == 2);
  CHECK(d["provider_responses"][0]["status"] == 529);
  CHECK(d["provider_responses"][1]["provider_name"] == "Anthropic");
  CHECK(d["created_at"] == "2026-08-01T01:00:00.000Z");
  CHECK(d["app_id"] == 12345);
  CHECK(d["api_type"] == "completions");  // the default: a chat completion

  GenerationRecord bare;
  bare.id = "gen-x";
  Json b = RenderGeneration(bare)["data"];
  CHECK(b["cache_discount"].is_null());  // no caching happened
  CHECK(b["finish_reason"].is_null());
  CHECK(b["latency"].is_null());
  CHECK(b["http_referer"].is_null());
  CHECK(b["workspace_id"].is_null());
}

TEST_CASE("GenerationToJson / GenerationFromJson round-trip losslessly") {
  GenerationRecord r = Sample();
  r.cost.is_byok = true;
  r.cost.cache_write_1h = 7;
  r.usage.cache_write_1h_tokens = 3;
  r.api_type = "embeddings";
  Result<GenerationRecord> back = GenerationFromJson(testing::JsonOf(Dump(GenerationToJson(r))));
  REQUIRE(back.ok());
  CHECK(*back == r);
  CHECK(RenderGeneration(*back)["data"]["api_type"] == "embeddings");
}

TEST_CASE("ReadGenerationDetails reads host fields and rejects bad types") {
  GenerationRecord r;
  REQUIRE(ReadGenerationDetails(testing::JsonOf(R"({"model":"m/x","provider_name":"X","latency":12.7,
      "generation_time_ms":30,"streamed":true,"cancelled":true,"x_title":"App",
      "provider_responses":[{"provider_name":"X","status":200,"latency":10}],"unknown":1})"),
                                &r)
              .ok());
  CHECK(r.model == "m/x");
  CHECK(r.latency_ms == 12);
  CHECK(r.generation_time_ms == 30);
  CHECK(r.cancelled);
  CHECK(r.app_title == "App");
  CHECK(r.app() == "App");
  CHECK(r.provider_responses.size() == 1);
  for (const char* bad :
       {R"([])", R"({"model":5})", R"({"latency":"fast"})", R"({"provider_responses":{}})",
        R"({"provider_responses":[1]})", R"({"session_id":["x"]})"}) {
    INFO(bad);
    GenerationRecord x;
    CHECK(ReadGenerationDetails(testing::JsonOf(bad), &x).code() != Code::kOk);
  }
  GenerationRecord big;
  Status too_long = ReadGenerationDetails(Json{{"origin", std::string(5000, 'o')}}, &big);
  CHECK(too_long.code() == Code::kInvalidArgument);
  CHECK(too_long.message() == "generation.origin must be a string of at most 4096 bytes");
  CHECK_FALSE(GenerationFromJson(testing::JsonOf(R"({"usage":{"prompt_tokens":-1}})")).ok());
  CHECK_FALSE(GenerationFromJson(testing::JsonOf(R"({"cost":{"charged":"x"}})")).ok());
}

TEST_CASE("rollups aggregate by every dimension and UTC day, export canonically, prune") {
  Rollups rollups;
  GenerationRecord a = Sample();
  GenerationRecord b = Sample();
  b.model = "openai/gpt-4o";
  b.provider_name = "OpenAI";
  b.app_title.clear();  // attributed to the referer
  b.cost.is_byok = true;
  b.cost.charged = 270'000'000;
  GenerationRecord c = Sample();
  c.created_at_ms += kMsPerDay;  // next UTC day
  c.workspace_id.clear();
  for (const GenerationRecord* r : {&a, &b, &c}) rollups.Add(*r);
  const int64_t day = UtcDay(a.created_at_ms);
  CHECK(rollups.Get(RollupBy::kDay, "", day)->requests == 2);
  CHECK(rollups.Get(RollupBy::kDay, "", day)->cost == 5'400'000'000 + 270'000'000);
  CHECK(rollups.Get(RollupBy::kDay, "", day)->byok_upstream == 5'400'000'000);
  CHECK(rollups.Get(RollupBy::kModel, "openai/gpt-4o", day)->requests == 1);
  CHECK(rollups.Get(RollupBy::kProvider, "Anthropic", day + 1)->requests == 1);
  CHECK(rollups.Get(RollupBy::kApp, "Example", day)->requests == 1);
  CHECK(rollups.Get(RollupBy::kApp, "https://example.com/", day)->requests == 1);
  CHECK(rollups.Get(RollupBy::kWorkspace, "ws_1", day)->requests == 2);
  CHECK_FALSE(rollups.Get(RollupBy::kWorkspace, "ws_1", day + 1).has_value());
  CHECK(rollups.Get(RollupBy::kKey, a.key_hash, day)->cached_tokens == 2000);

  Json rendered = rollups.Render(RollupBy::kProvider, day, day);
  REQUIRE(rendered["data"].size() == 2);
  CHECK(rendered["data"][0]["provider"] == "Anthropic");
  CHECK(rendered["data"][0]["cost"] == "0.0054");
  CHECK(rendered["data"][1]["provider"] == "OpenAI");

  // Canonical export: the same totals built in another order export the same JSON.
  Rollups other;
  for (const GenerationRecord* r : {&c, &b, &a}) other.Add(*r);
  CHECK(other.ToJson() == rollups.ToJson());
  Result<Rollups> back = Rollups::FromJson(testing::JsonOf(Dump(rollups.ToJson())));
  REQUIRE(back.ok());
  CHECK(back->ToJson() == rollups.ToJson());
  Rollups copy = rollups;  // copies rebuild their own name index
  copy.Add(a);
  CHECK(copy.Get(RollupBy::kDay, "", day)->requests == 3);
  CHECK(rollups.Get(RollupBy::kDay, "", day)->requests == 2);
  CHECK_FALSE(Rollups::FromJson(testing::JsonOf(R"([{"by":"colour","day":1,"name":"x"}])")).ok());
  CHECK_FALSE(Rollups::FromJson(testing::JsonOf(R"({})")).ok());

  rollups.PruneBefore(day + 1);
  CHECK_FALSE(rollups.Get(RollupBy::kDay, "", day).has_value());
  CHECK(rollups.Get(RollupBy::kDay, "", day + 1)->requests == 1);
}

// ---- text forms ---------------------------------------------------------------------------------

TEST_CASE("the generation body as text is the former DOM, for hostile records") {
  for (const GenerationRecord& r : Hostile()) {
    INFO(r.id);
    std::string text = "[";
    AppendGenerationBody(text, r);
    REQUIRE(text[0] == '[');
    text.erase(0, 1);
    CHECK(text == Dump(OracleRenderGeneration(r)));
    CHECK(Dump(RenderGeneration(r)) == text);
    Result<Json> parsed = ParseJson(text);
    REQUIRE(parsed.ok());
    CHECK(Dump(*parsed) == text);  // canonical: members in key order
  }
}

TEST_CASE("the lossless record as text is the former DOM and reads back") {
  for (const GenerationRecord& r : Hostile()) {
    INFO(r.id);
    std::string text;
    AppendGenerationJson(text, r);
    CHECK(text == Dump(OracleGenerationToJson(r)));
    CHECK(Dump(GenerationToJson(r)) == text);
    Result<GenerationRecord> back = GenerationFromJson(testing::JsonOf(text));
    INFO(back.status().message());
    REQUIRE(back.ok());
    // Strings are stored as written, invalid UTF-8 repaired: compare through the text.
    std::string again;
    AppendGenerationJson(again, *back);
    CHECK(again == text);
  }
}

TEST_CASE("the log form of a record leaves out what the entry states, and reads back to it") {
  for (const GenerationRecord& r : Hostile()) {
    INFO(r.id);
    std::string text;
    AppendGenerationLogJson(text, r);
    Result<Json> parsed = ParseJson(text);
    REQUIRE(parsed.ok());
    CHECK(Dump(*parsed) == text);
    for (const char* gone : {"cost", "id", "created_at_ms", "key_hash", "workspace_id"}) {
      CHECK_FALSE(parsed->contains(gone));
    }
    Result<GenerationRecord> back = GenerationFromJson(*parsed);
    REQUIRE(back.ok());
    // What the ledger's replay fills in from the charge entry and the reservation.
    back->id = r.id;
    back->cost = r.cost;
    back->created_at_ms = r.created_at_ms;
    back->key_hash = r.key_hash;
    back->workspace_id = r.workspace_id;
    std::string full, expected;
    AppendGenerationJson(full, *back);
    AppendGenerationJson(expected, r);
    CHECK(full == expected);
  }
  // Defaults are left out; what is set stays.
  GenerationRecord bare;
  bare.model = "m/x";
  bare.provider_responses = {{"P", 200, std::nullopt, ""}};
  std::string text;
  AppendGenerationLogJson(text, bare);
  CHECK(text ==
        R"({"cancelled":false,"model":"m/x","provider_responses":[{"provider_name":"P","status":200}],)"
        R"("streamed":false,"usage":)" + Dump(UsageToJson(bare.usage)) + "}");
}
