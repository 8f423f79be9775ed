// POST /embeddings through a Session: planning among embeddings models only (and chat never
// on one), the per-input context check, fallback after a 5xx, a Gemini endpoint skipped for
// token-id input (no call), pricing of prompt tokens only and the settle command.
#include <memory>
#include <string>

#include "switchyard/catalog/catalog.h"
#include "switchyard/json/json.h"
#include "switchyard/routing/session.h"
#include "switchyard/wire/embeddings.h"
#include "test_support.h"
#include "json_testing.h"

namespace switchyard::testing {
namespace {

Json J(std::string_view text) { return testing::JsonOf(text); }

std::string OpenAIBody(const std::string& vectors, const std::string& usage) {
  return R"({"object":"list","data":)" + vectors + R"(,"model":"x","usage":)" + usage + "}";
}


constexpr const char* kCatalog = R"({"format":"switchyard-catalog","version":1,"sources":[],
"providers":[
{"slug":"google","name":"Google AI Studio","wire":"gemini","base_url":"https://g.example/v1beta","api_key_env":"GEMINI_API_KEY","privacy_policy_url":null,"data_policy":{"training":false,"retains_prompts":true,"retention_days":null,"zdr":false},"max_tokens_param":"max_tokens"},
{"slug":"oa","name":"OA","wire":"openai","base_url":"https://oa.example/v1","api_key_env":"OA_API_KEY","privacy_policy_url":null,"data_policy":{"training":false,"retains_prompts":true,"retention_days":null,"zdr":false},"max_tokens_param":"max_tokens"},
{"slug":"ob","name":"OB","wire":"openai","base_url":"https://ob.example/v1","api_key_env":"OB_API_KEY","privacy_policy_url":null,"data_policy":{"training":false,"retains_prompts":true,"retention_days":null,"zdr":false},"max_tokens_param":"max_tokens"}
],
"models":[
{"id":"acme/chat","name":"Acme: Chat","created":1,"description":"","context_length":8192,"input_modalities":["text"],"output_modalities":["text"],"tokenizer":"Other","instruct_type":null,"supported_parameters":[],"is_moderated":false,"model_group":"other"},
{"id":"acme/embed","name":"Acme: Embed","created":1,"description":"","context_length":8,"input_modalities":["text"],"output_modalities":["embeddings"],"tokenizer":"Other","instruct_type":null,"supported_parameters":[],"is_moderated":false,"model_group":"other"}
],
"endpoints":[
{"model":"acme/chat","provider":"oa","upstream_model":"chat","context_length":8192,"pricing":{"prompt":"1","completion":"2"},"supported_parameters":[]},
{"model":"acme/embed","provider":"google","upstream_model":"g-embed","context_length":8,"pricing":{"prompt":"0.1","completion":"0"},"supported_parameters":[]},
{"model":"acme/embed","provider":"oa","upstream_model":"oa-embed","context_length":8,"pricing":{"prompt":"0.02","completion":"0"},"supported_parameters":[]},
{"model":"acme/embed","provider":"ob","upstream_model":"ob-embed","context_length":8,"pricing":{"prompt":"0.05","completion":"0"},"supported_parameters":[]}
]})";

struct Env {
  std::shared_ptr<const Catalog> catalog;
  Health health;
  Stickiness stickiness;
  Env() {
    Result<Catalog> c = Catalog::FromText(kCatalog);
    INFO((c.ok() ? std::string() : c.status().message()));
    REQUIRE(c.ok());
    catalog = std::make_shared<const Catalog>(std::move(*c));
  }
  Result<PlannedRequest> Plan(const std::string& request, const char* format = "embeddings",
                              const Json& host = Json::object()) {
    Json input = J(R"({"context":{"account_id":"acct"},"now_ms":1000,"seed":7,"generation_id":"gen-e"})");
    input["request"] = J(request);
    input["format"] = format;
    for (auto it = host.begin(); it != host.end(); ++it) input[it.key()] = *it;
    return PlanRequest(*catalog, health, &stickiness, nullptr, std::move(input));
  }
};

TEST_CASE("embeddings are planned among embeddings models only") {
  Env env;
  Result<PlannedRequest> chat_to_embed =
      env.Plan(R"({"model":"acme/embed","messages":[{"role":"user","content":"hi"}]})", "openai");
  REQUIRE_FALSE(chat_to_embed.ok());
  CHECK(chat_to_embed.status().http_status() == 400);
  CHECK(chat_to_embed.status().message().find("embeddings model") != std::string::npos);
  Result<PlannedRequest> embed_to_chat = env.Plan(R"({"model":"acme/chat","input":"hi"})");
  REQUIRE_FALSE(embed_to_chat.ok());
  CHECK(embed_to_chat.status().http_status() == 400);
  Result<PlannedRequest> ok = env.Plan(R"({"model":"acme/embed","input":"hi","provider":{"sort":"price"}})");
  REQUIRE(ok.ok());
  REQUIRE(ok->plan.attempts.size() == 3);
  CHECK(ok->plan.sticky_key.empty());
  CHECK(ok->host.client_format == ClientFormat::kEmbeddings);
  // The context is per input: 2048 short inputs fit an 8-token context; one long input does not.
  std::string batch = R"({"model":"acme/embed","input":[)";
  for (int i = 0; i < 2048; ++i) batch += i ? ",\"abcd\"" : "\"abcd\"";
  batch += "]}";
  Result<PlannedRequest> big = env.Plan(batch);
  REQUIRE(big.ok());
  CHECK(big->plan.estimated_prompt_tokens == 2048);
  Result<PlannedRequest> too_long = env.Plan(R"({"model":"acme/embed","input":["a","0123456789012345678901234567890123456789"]})");
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.status().http_status() == 400);
  // stream is refused with the field named.
  Result<PlannedRequest> streamed = env.Plan(R"({"model":"acme/embed","input":"x","stream":true})");
  REQUIRE_FALSE(streamed.ok());
  CHECK(streamed.status().metadata()["field"] == "stream");
}

TEST_CASE("an embeddings session falls back, skips Gemini for token ids, prices and settles") {
  Env env;
  Result<PlannedRequest> planned =
      env.Plan(R"({"model":"acme/embed","input":[[1,2,3],[4,5]],"provider":{"order":["google","ob","oa"]}})");
  REQUIRE(planned.ok());
  Result<std::unique_ptr<Session>> created =
      Session::Create(env.catalog, &env.health, &env.stickiness, std::move(*planned));
  REQUIRE(created.ok());
  Session& s = **created;
  // Google cannot take token ids: no call; OB is first.
  Result<Json> step = s.Next(1000, false);
  REQUIRE(step.ok());
  REQUIRE((*step)["step"] == "attempt");
  CHECK((*step)["provider"] == "ob");
  CHECK((*step)["request"]["url"] == "https://ob.example/v1/embeddings");
  CHECK((*step)["limits"]["max_response_bytes"] == kMaxEmbeddingsResponseBytes);
  Result<AttemptReport> head = ParseAttemptReport(J(R"({"status":500,"now_ms":1100})"), 0);
  REQUIRE(head.ok());
  REQUIRE(s.Respond(*head, R"({"error":{"message":"boom"}})").ok());
  step = s.Next(1100, false);
  REQUIRE(step.ok());
  REQUIRE((*step)["step"] == "attempt");
  CHECK((*step)["provider"] == "oa");
  head = ParseAttemptReport(J(R"({"status":200,"now_ms":1200})"), 0);
  const std::string answer = OpenAIBody(
      R"([{"object":"embedding","index":0,"embedding":[0.1,0.2]},{"object":"embedding","index":1,"embedding":[0.3,0.4]}])",
      R"({"prompt_tokens":5000000,"total_tokens":5000000})");
  Result<Json> done = s.Respond(*head, answer);
  REQUIRE(done.ok());
  CHECK((*done)["outcome"] == "done");
  step = s.Next(1200, false);
  REQUIRE(step.ok());
  REQUIRE((*step)["step"] == "respond");
  CHECK((*step)["status"] == 200);
  Json body = J((*step)["body"].get<std::string>());
  CHECK(body["id"] == "gen-e");
  CHECK(body["model"] == "acme/embed");
  CHECK(body["data"].size() == 2);
  CHECK((*step)["body"].get<std::string>().find("[0.3,0.4]") != std::string::npos);
  // 5,000,000 tokens at $0.02/M = $0.10, no completion.
  CHECK(body["usage"]["prompt_tokens"] == 5000000);
  CHECK(body["usage"]["cost"].get<double>() == 0.1);
  const Json& settle = (*step)["settle"];
  REQUIRE(settle.is_object());
  CHECK(settle["priced"]["cost"]["charged"] == "0.1");
  CHECK(settle["generation"]["provider_name"] == "OA");
  CHECK(settle["generation"]["provider_responses"].size() == 2);  // Google was never called
  CHECK(settle["generation"]["provider_responses"][0]["status"] == 502);  // the router's mapping of the 500
  CHECK(settle["generation"]["provider_responses"][0]["provider_name"] == "OB");
  CHECK(settle["generation"]["api_type"] == "embeddings");
}

TEST_CASE("an embeddings session: every endpoint unable to take the input is a 400") {
  Env env;
  Result<PlannedRequest> planned =
      env.Plan(R"({"model":"acme/embed","input":[1,2],"provider":{"only":["google"]}})");
  REQUIRE(planned.ok());
  auto s = Session::Create(env.catalog, &env.health, &env.stickiness, std::move(*planned));
  REQUIRE(s.ok());
  Result<Json> step = (*s)->Next(1000, false);
  REQUIRE(step.ok());
  CHECK((*step)["step"] == "respond");
  CHECK((*step)["status"] == 400);
  CHECK((*step)["settle"].is_null());
  CHECK(J((*step)["body"].get<std::string>())["error"]["message"].get<std::string>().find("token-id") !=
        std::string::npos);
}

TEST_CASE("an embeddings batch past 1 MiB: its last step with parts is the step without them") {
  // The body of a large batch is not copied into the step: the step is written around it. Read
  // back, it must be exactly the body and settle command of the same session without parts.
  Env env;
  std::string inputs = "[", vectors = "[";
  for (int i = 0; i < 300; ++i) {
    inputs += std::string(i ? "," : "") + "\"t" + std::to_string(i) + "\"";
    vectors += std::string(i ? "," : "") + R"({"object":"embedding","index":)" + std::to_string(i) + R"(,"embedding":[)";
    for (int k = 0; k < 400; ++k) vectors += (k ? "," : "") + std::to_string(i * 1000 + k) + ".0625";
    vectors += "]}";
  }
  inputs += "]";
  vectors += "]";
  const std::string answer = OpenAIBody(vectors, R"({"prompt_tokens":900,"total_tokens":900})");
  REQUIRE(answer.size() > (1u << 20));
  const std::string request = R"({"model":"acme/embed","input":)" + inputs + R"(,"provider":{"only":["oa"]}})";
  std::string steps[2];
  for (int v = 0; v < 2; ++v) {
    Result<PlannedRequest> planned = env.Plan(request, "embeddings", v ? J(R"({"parts":true})") : J(R"({"settle":"text"})"));
    REQUIRE(planned.ok());
    auto s = Session::Create(env.catalog, &env.health, &env.stickiness, std::move(*planned));
    REQUIRE(s.ok());
    REQUIRE((*s)->NextText(1000, false).ok());
    Result<AttemptReport> head = ParseAttemptReport(J(R"({"status":200,"now_ms":1200})"), 0);
    REQUIRE(head.ok());
    REQUIRE((*s)->Respond(*head, answer).ok());
    Result<std::string> last = (*s)->NextText(1200, false);
    REQUIRE(last.ok());
    steps[v] = std::move(*last);
  }
  Json plain = J(steps[0]);
  const size_t newline = steps[1].find('\n');
  REQUIRE(newline != std::string::npos);
  Json head = J(std::string_view(steps[1]).substr(0, newline));
  REQUIRE(head["parts"].size() == 2);
  CHECK(head["parts"][0]["field"] == "body");
  CHECK(head["parts"][1]["field"] == "settle");
  const size_t body_bytes = head["parts"][0]["bytes"].get<size_t>();
  const size_t settle_bytes = head["parts"][1]["bytes"].get<size_t>();
  REQUIRE(steps[1].size() == newline + 1 + body_bytes + settle_bytes);
  const std::string body = steps[1].substr(newline + 1, body_bytes);
  CHECK(body == plain["body"].get<std::string>());
  CHECK(steps[1].substr(newline + 1 + body_bytes) == plain["settle"].get<std::string>());
  CHECK(J(body)["data"].size() == 300);
  CHECK(body.find("[299000.0625,299001.0625,") != std::string::npos);  // numbers as written
  CHECK(head["status"] == 200);
}

}  // namespace
}  // namespace switchyard::testing
