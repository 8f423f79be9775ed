// Round trips of the request direction: an OpenAI chat request built into an Anthropic or Gemini
// upstream body and read back (AnthropicToChat, GeminiToChat) keeps its messages, tools and tool
// results.
#include "switchyard/wire/anthropic.h"
#include "switchyard/wire/gemini.h"
#include "wire_fixture_support.h"
#include "json_testing.h"

namespace switchyard::testing {
namespace {

const char* const kChat = R"json({
  "model": "x/y",
  "messages": [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "developer", "content": "Prefer metric units."},
    {"role": "user", "content": [
      {"type": "text", "text": "What is the weather in these places?"},
      {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "low"}},
      {"type": "image_url", "image_url": {"url": "https://example.com/map.jpg"}}]},
    {"role": "assistant", "content": "Checking both.", "tool_calls": [
      {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\",\"days\":2}"}},
      {"id": "call_2", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "{\"temp_c\":21,\"sky\":\"clear\"}"},
    {"role": "tool", "tool_call_id": "call_2", "content": "Snowing, -3C"},
    {"role": "assistant", "content": "Paris is clear at 21C; Oslo is snowing."},
    {"role": "user", "content": "Thanks! And tomorrow?"},
    {"role": "assistant", "content": null, "tool_calls": [
      {"id": "call_3", "type": "function", "function": {"name": "get_forecast", "arguments": "{\"city\":\"Paris\",\"when\":\"tomorrow\"}"}}]},
    {"role": "tool", "tool_call_id": "call_3", "content": [{"type": "text", "text": "Rain"}]}
  ],
  "tools": [
    {"type": "function", "function": {"name": "get_weather", "description": "Current weather",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}, "required": ["city"]}}},
    {"type": "function", "function": {"name": "get_forecast",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "when": {"type": "string", "enum": ["today", "tomorrow"]}}}}}
  ],
  "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
  "max_tokens": 500,
  "temperature": 0.3,
  "top_p": 0.9,
  "stop": ["END"]
})json";

Json ParsedOrString(const std::string& s) {
  return testing::TryJson(s).value_or(Json(s));
}

// What must survive a round trip, in one comparable shape: system prompts joined (both formats
// keep one system prompt), image detail hints dropped (neither format has them), a lone text part
// equal to a plain string, empty assistant text equal to none, tool arguments and JSON tool results
// compared as JSON.
Json Normalise(const Json& chat) {
  Json out = Json::array();
  std::string system;
  for (const Json& m : chat["messages"]) {
    std::string role = testing::ValueOr(m, "role", "");
    const Json* content = Find(m, "content");
    if (role == "system" || role == "developer") {
      if (!system.empty()) system += "\n\n";
      for (const Json& part : content->is_array() ? *content : Json::array({*content})) {
        system += part.is_string() ? part.get<std::string>() : testing::ValueOr(part, "text", "");
      }
      continue;
    }
    Json n = {{"role", role}};
    if (role == "user") {
      Json parts = Json::array();
      if (content->is_string()) {
        parts.push_back({{"type", "text"}, {"text", *content}});
      } else {
        for (Json p : *content) {
          if (p.contains("image_url")) p["image_url"].erase("detail");
          parts.push_back(p);
        }
      }
      n["content"] = parts;
    } else if (role == "assistant") {
      std::string text = content && content->is_string() ? content->get<std::string>() : "";
      n["content"] = text.empty() ? Json() : Json(text);
      Json calls = Json::array();
      if (const Json* tc = FindArray(m, "tool_calls")) {
        for (const Json& c : *tc) {
          calls.push_back(
              {{"id", c["id"]},
               {"name", c["function"]["name"]},
               {"arguments", ParsedOrString(c["function"]["arguments"].get<std::string>())}});
        }
      }
      n["tool_calls"] = calls;
    } else if (role == "tool") {
      std::string text =
          content->is_string() ? content->get<std::string>() : testing::ValueOr((*content)[0], "text", "");
      n["tool_call_id"] = m["tool_call_id"];
      n["content"] = ParsedOrString(text);
    }
    out.push_back(n);
  }
  Json tools = Json::array();
  if (const Json* t = FindArray(chat, "tools")) {
    for (const Json& tool : *t) {
      tools.push_back({{"name", tool["function"]["name"]},
                       {"description", testing::ValueOr(tool["function"], "description", "")},
                       {"parameters", tool["function"]["parameters"]}});
    }
  }
  return Json{{"system", system},
              {"messages", out},
              {"tools", tools},
              {"tool_choice", testing::ValueOr(chat, "tool_choice", Json())}};
}

struct Upstream {
  Provider provider;
  Endpoint endpoint;
  Json request;
  Json body;
};

Upstream Build(WireFormat wire, const Json& request) {
  Upstream u;
  u.provider.slug = wire == WireFormat::kAnthropic ? "anthropic" : "google-ai-studio";
  u.provider.name = u.provider.slug;
  u.provider.wire = wire;
  u.provider.base_url = "https://example.test/v1";
  u.endpoint.upstream_model = "m";
  u.request = request;
  AttemptSpec spec;
  spec.provider = &u.provider;
  spec.endpoint = &u.endpoint;
  spec.request = &u.request;
  spec.model_id = "x/y";
  Result<UpstreamRequest> up = BuildUpstreamRequest(spec);
  REQUIRE(up.ok());
  u.body = testing::JsonOf(up->body);
  return u;
}

TEST_CASE("round trip: OpenAI → Anthropic → OpenAI keeps messages, tools and tool results") {
  Json chat = testing::JsonOf(kChat);
  Upstream up = Build(WireFormat::kAnthropic, chat);
  Result<Json> back = AnthropicToChat(up.body);
  REQUIRE(back.ok());
  Json want = Normalise(chat), got = Normalise(*back);
  CHECK(got["system"] == want["system"]);
  REQUIRE(got["messages"].size() == want["messages"].size());
  for (size_t i = 0; i < want["messages"].size(); ++i) {
    INFO("message " << i);
    CHECK(got["messages"][i] == want["messages"][i]);
  }
  CHECK(got["tools"] == want["tools"]);
  CHECK(got["tool_choice"] == want["tool_choice"]);
  CHECK((*back)["max_tokens"] == 500);
  CHECK((*back)["stop"] == testing::JsonOf(R"(["END"])"));
  CHECK((*back)["temperature"] == 0.3);
}

TEST_CASE("round trip: OpenAI → Gemini → OpenAI keeps messages, tools and tool results") {
  Json chat = testing::JsonOf(kChat);
  Upstream up = Build(WireFormat::kGemini, chat);
  Result<Json> back = GeminiToChat(up.body);
  REQUIRE(back.ok());
  Json want = Normalise(chat), got = Normalise(*back);
  CHECK(got["system"] == want["system"]);
  REQUIRE(got["messages"].size() == want["messages"].size());
  for (size_t i = 0; i < want["messages"].size(); ++i) {
    INFO("message " << i);
    CHECK(got["messages"][i] == want["messages"][i]);
  }
  CHECK(got["tools"] == want["tools"]);
  CHECK(got["tool_choice"] == want["tool_choice"]);
  CHECK((*back)["max_tokens"] == 500);
  CHECK((*back)["stop"] == testing::JsonOf(R"(["END"])"));
}

TEST_CASE("round trip: provider signatures go back to the provider that made them") {
  Json chat = testing::JsonOf(R"({"messages":[
    {"role":"user","content":"q"},
    {"role":"assistant","content":"a","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}],
     "reasoning_details":[
       {"type":"reasoning.text","text":"think","signature":"SIG-A","format":"anthropic-claude-v1","index":0},
       {"type":"reasoning.encrypted","data":"SIG-G","format":"google-gemini-v1","index":1}]},
    {"role":"tool","tool_call_id":"c1","content":"r"}]})");
  Upstream a = Build(WireFormat::kAnthropic, chat);
  Json blocks = a.body["messages"][1]["content"];
  CHECK(blocks[0] == testing::JsonOf(R"({"type":"thinking","thinking":"think","signature":"SIG-A"})"));
  CHECK(a.body.dump().find("SIG-G") == std::string::npos);
  Upstream g = Build(WireFormat::kGemini, chat);
  Json parts = g.body["contents"][1]["parts"];
  CHECK(parts[1]["thoughtSignature"] == "SIG-G");  // on the function call part
  CHECK(g.body.dump().find("SIG-A") == std::string::npos);
  Result<Json> back = GeminiToChat(g.body);
  REQUIRE(back.ok());
  CHECK((*back)["messages"][1]["reasoning_details"][0]["data"] == "SIG-G");
}

TEST_CASE("Gemini turns alternate: messages of one role in a row join one turn") {
  // Gemini refuses two user (or model) turns in a row. They come from clients, from an assistant
  // message with nothing to send, from tool results before a user's words, and from context
  // compression taking messages out of the middle.
  Json chat = testing::JsonOf(R"({"model":"x/y","messages":[
    {"role":"system","content":"s"},
    {"role":"user","content":"one"},
    {"role":"user","content":[{"type":"text","text":"two"}]},
    {"role":"assistant","content":""},
    {"role":"user","content":"three"},
    {"role":"assistant","content":"a1"},
    {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"c1","content":"r1"},
    {"role":"user","content":"four"}]})");
  Upstream u = Build(WireFormat::kGemini, chat);
  const Json& contents = u.body["contents"];
  REQUIRE(contents.size() == 3);
  CHECK(contents[0]["role"] == "user");
  CHECK(contents[0]["parts"] == testing::JsonOf(R"([{"text":"one"},{"text":"two"},{"text":"three"}])"));
  CHECK(contents[1]["role"] == "model");
  REQUIRE(contents[1]["parts"].size() == 2);
  CHECK(contents[1]["parts"][0] == testing::JsonOf(R"({"text":"a1"})"));
  CHECK(contents[1]["parts"][1]["functionCall"]["name"] == "f");
  CHECK(contents[2]["role"] == "user");
  REQUIRE(contents[2]["parts"].size() == 2);
  CHECK(contents[2]["parts"][0]["functionResponse"]["id"] == "c1");
  CHECK(contents[2]["parts"][1] == testing::JsonOf(R"({"text":"four"})"));
  for (size_t i = 1; i < contents.size(); ++i) CHECK(contents[i]["role"] != contents[i - 1]["role"]);
}

}  // namespace
}  // namespace switchyard::testing
