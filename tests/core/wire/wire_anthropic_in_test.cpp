// Anthropic Messages in: a /messages request becomes the chat request the router takes
// (tests/fixtures/wire/anthropic_in/), and answers go back in Messages shape.
#include "switchyard/wire/anthropic.h"
#include "wire_fixture_support.h"
#include "json_testing.h"

namespace switchyard::testing {
namespace {

TEST_CASE("anthropic in: fixtures of AnthropicToChat") {
  const std::string dir = "tests/fixtures/wire/anthropic_in/";
  Json manifest = ReadJsonFile(dir + "cases.json");
  const Json* cases = FindArray(manifest, "cases");
  REQUIRE(cases);
  REQUIRE(cases->size() >= 8);
  for (const Json& c : *cases) {
    std::string name = testing::ValueOr(c, "name", "");
    INFO(name);
    Json input = ReadJsonFile(dir + testing::ValueOr(c, "input", ""));
    REQUIRE(input.is_object());
    Result<Json> chat = AnthropicToChat(input);
    Json actual = chat.ok() ? *chat : Json{{"error", ErrorBody(chat.status())}};
    // Error cases are named so, and must fail with a field.
    bool want_error = name.rfind("error_", 0) == 0;
    CHECK(chat.ok() == !want_error);
    std::string file = dir + testing::ValueOr(c, "expect", "");
    if (UpdateFixtures()) {
      WriteFile(file, actual.dump(2) + "\n");
    } else {
      CHECK(actual == ReadJsonFile(file));
    }
  }
}

TEST_CASE("anthropic in: error bodies use Anthropic's shape") {
  Json body = AnthropicErrorBody(Status::PaymentRequired("Insufficient credits"));
  CHECK(
      body ==
      testing::JsonOf(
          R"({"type":"error","error":{"type":"billing_error","message":"Insufficient credits"}})"));
  Status provider(Code::kUpstream, "Overloaded", Json{{"error_type", "provider_overloaded"}});
  CHECK(AnthropicErrorBody(provider)["error"]["type"] == "overloaded_error");
  CHECK(AnthropicErrorBody(Status::InvalidArgument("bad"))["error"]["type"] ==
        "invalid_request_error");
  CHECK(AnthropicErrorBody(Status::Unauthorized("no key"))["error"]["type"] ==
        "authentication_error");
}

TEST_CASE("anthropic in: a chat completion becomes a Messages answer") {
  Json completion = testing::JsonOf(R"({
    "id":"gen-1","object":"chat.completion","created":1,"model":"openai/gpt-4o","provider":"OpenAI",
    "choices":[{"index":0,"finish_reason":"length","native_finish_reason":"length","message":{
      "role":"assistant","content":"Partial answer","reasoning":"Because.",
      "tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}},
                    {"id":"call_2","type":"function","function":{"name":"g","arguments":"not json"}}]}}],
    "usage":{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120,
             "prompt_tokens_details":{"cached_tokens":60,"cache_write_tokens":30},
             "completion_tokens_details":{"reasoning_tokens":5},"cost":0.001,"is_byok":false}})");
  Json m = ChatCompletionToAnthropic(completion);
  CHECK(m["type"] == "message");
  CHECK(m["id"] == "gen-1");
  CHECK(m["stop_reason"] == "max_tokens");
  REQUIRE(m["content"].size() == 4);
  CHECK(m["content"][0] ==
        testing::JsonOf(R"({"type":"thinking","thinking":"Because.","signature":""})"));
  CHECK(m["content"][1] == testing::JsonOf(R"({"type":"text","text":"Partial answer"})"));
  CHECK(m["content"][2]["input"] == testing::JsonOf(R"({"x":1})"));
  CHECK(m["content"][3]["input"] == Json::object());  // unparsable arguments: an empty input
  // input_tokens excludes cache reads and writes (Anthropic's convention); cost travels along.
  CHECK(m["usage"] == testing::JsonOf(R"({"input_tokens":10,"cache_read_input_tokens":60,
        "cache_creation_input_tokens":30,"output_tokens":20,"cost":0.001,"is_byok":false})"));
  // Garbage in: still a well-formed message.
  Json empty = ChatCompletionToAnthropic(testing::JsonOf(R"({"choices":"x","usage":[]})"));
  CHECK(empty["content"] == Json::array());
  CHECK(empty["stop_reason"] == "end_turn");
}

TEST_CASE("anthropic in: a Messages request survives Anthropic → chat → Anthropic") {
  const std::string dir = "tests/fixtures/wire/anthropic_in/";
  Json input = ReadJsonFile(dir + "tools_images_results.json");
  Result<Json> chat = AnthropicToChat(input);
  REQUIRE(chat.ok());
  Provider provider;
  provider.slug = "anthropic";
  provider.name = "Anthropic";
  provider.wire = WireFormat::kAnthropic;
  provider.base_url = "https://api.anthropic.com/v1";
  Endpoint endpoint;
  endpoint.upstream_model = "claude-sonnet-4-20250514";
  AttemptSpec spec;
  spec.provider = &provider;
  spec.endpoint = &endpoint;
  spec.request = &*chat;
  spec.model_id = "anthropic/claude-sonnet-4";
  Result<UpstreamRequest> up = BuildUpstreamRequest(spec);
  REQUIRE(up.ok());
  Json body = testing::JsonOf(up->body);
  CHECK(body["system"] == input["system"]);
  CHECK(body["max_tokens"] == input["max_tokens"]);
  CHECK(body["stop_sequences"] == input["stop_sequences"]);
  CHECK(body["thinking"] == input["thinking"]);  // the budget comes back as it was
  CHECK(body["tool_choice"] == input["tool_choice"]);
  // Server tools are not routed; custom tools keep name, schema and cache_control.
  REQUIRE(body["tools"].size() == 2);
  CHECK(body["tools"][0] == input["tools"][0]);
  CHECK(body["tools"][1] == input["tools"][1]);
  REQUIRE(body["messages"].size() == 4);
  CHECK(body["messages"][0] == input["messages"][0]);
  CHECK(body["messages"][1] == input["messages"][1]);  // thinking, signature, tool_use intact
  // The user turn of tool results and text is split into tool results then text, which the
  // Messages API reads as the same turn.
  Json results = body["messages"][2]["content"];
  REQUIRE(results.size() == 2);
  CHECK(results[0] ==
        testing::JsonOf(R"({"type":"tool_result","tool_use_id":"toolu_1","content":"21C"})"));
  CHECK(results[1]["content"] == input["messages"][2]["content"][1]["content"]);
  CHECK(body["messages"][3]["content"] == testing::JsonOf(R"([{"type":"text","text":"Book it."}])"));
}

}  // namespace
}  // namespace switchyard::testing
