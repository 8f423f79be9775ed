// Request parsing and validation: the fixture files list every field's bad types and limits
// (tests/fixtures/requests/invalid.json) and valid requests with their typed fields
// (valid.json); the inline cases cover what a fixture cannot state directly.
#include "test_support.h"

#include "switchyard/json/json.h"
#include "switchyard/request/request.h"
#include "json_testing.h"

using namespace switchyard;
using switchyard::testing::ReadFile;

namespace {

Json Cutoffs(const PercentileCutoffs& c) {
  Json o = Json::object();
  if (c.p50) o["p50"] = *c.p50;
  if (c.p75) o["p75"] = *c.p75;
  if (c.p90) o["p90"] = *c.p90;
  if (c.p99) o["p99"] = *c.p99;
  return o;
}

Json OptPicos(const std::optional<Picos>& v) { return v ? Json(*v) : Json(nullptr); }

const char* ToolChoiceName(ToolChoice t) {
  switch (t) {
    case ToolChoice::kAbsent: return "";
    case ToolChoice::kNone: return "none";
    case ToolChoice::kAuto: return "auto";
    case ToolChoice::kRequired: return "required";
    case ToolChoice::kFunction: return "function";
  }
  return "";
}

// The typed fields of a Request as JSON, named like valid.json's "expect" keys.
Json Describe(const Request& r) {
  Json d;
  d["model"] = r.model;
  d["models"] = Json::array();
  d["ids"] = Json::array();
  d["variants"] = Json::array();
  for (const ModelRef& m : r.models) {
    d["models"].push_back(m.requested);
    d["ids"].push_back(m.id);
    d["variants"].push_back(m.variant == Variant::kNone ? "" : VariantName(m.variant));
  }
  d["preset"] = r.preset;
  d["stream"] = r.stream;
  d["max_tokens"] = r.max_tokens ? Json(*r.max_tokens) : Json(nullptr);
  d["has_tools"] = r.has_tools;
  d["tool_choice"] = ToolChoiceName(r.tool_choice);
  d["tool_choice_function"] = r.tool_choice_function;
  d["response_format"] = r.response_format;
  d["params"] = Json::array();
  for (size_t i = 0; i < static_cast<size_t>(Param::kCount); ++i) {
    if (r.params.test(i)) d["params"].push_back(ParamName(static_cast<Param>(i)));
  }
  const ProviderPreferences& p = r.provider;
  d["provider"] = {{"order", p.order},
                   {"only", p.only},
                   {"ignore", p.ignore},
                   {"allow_fallbacks", p.allow_fallbacks},
                   {"require_parameters", p.require_parameters},
                   {"data_collection_deny", p.data_collection_deny},
                   {"zdr", p.zdr},
                   {"quantizations", p.quantizations},
                   {"sort", SortByName(p.sort)},
                   {"sort_partition_none", p.sort_partition_none},
                   {"max_price",
                    {{"prompt", OptPicos(p.max_price.prompt)},
                     {"completion", OptPicos(p.max_price.completion)},
                     {"request", OptPicos(p.max_price.request)},
                     {"image", OptPicos(p.max_price.image)}}},
                   {"preferred_max_latency_ms", Cutoffs(p.preferred_max_latency_ms)},
                   {"preferred_min_throughput", Cutoffs(p.preferred_min_throughput)}};
  if (r.reasoning.present) {
    d["reasoning"] = {
        {"effort", r.reasoning.effort ? Json(ReasoningEffortName(*r.reasoning.effort)) : Json(nullptr)},
        {"max_tokens", r.reasoning.max_tokens ? Json(*r.reasoning.max_tokens) : Json(nullptr)},
        {"exclude", r.reasoning.exclude},
        {"enabled", r.reasoning.enabled ? Json(*r.reasoning.enabled) : Json(nullptr)}};
  } else {
    d["reasoning"] = nullptr;
  }
  d["session_id"] = r.session_id;
  d["user"] = r.user;
  d["metadata"] = Json::array();
  for (const auto& [k, v] : r.metadata) d["metadata"].push_back({k, v});
  d["transforms"] = r.transforms;
  d["estimated_prompt_tokens"] = r.estimated_prompt_tokens;
  return d;
}

// Every key of `expected` must equal the same key of `actual`; objects compare key by key
// (so a fixture states only what it is about).
void CheckSubset(const Json& expected, const Json& actual, const std::string& path) {
  if (expected.is_object() && actual.is_object()) {
    for (auto it = expected.begin(); it != expected.end(); ++it) {
      INFO(path + "." + it.key());
      auto found = actual.find(it.key());
      REQUIRE(found != actual.end());
      CheckSubset(*it, *found, path + "." + it.key());
    }
    return;
  }
  INFO(path << ": expected " << expected.dump() << ", got " << actual.dump());
  CHECK(expected == actual);
}

Result<Request> ParseCase(const Json& c, Json* presets_holder) {
  RequestOptions options;
  if (const Json* presets = FindObject(c, "presets")) {
    *presets_holder = *presets;
    options.presets = presets_holder;
  }
  if (auto h = FindString(c, "session_header")) options.session_header = *h;
  if (const Json* limits = FindObject(c, "limits")) {
    if (auto b = FindInt(*limits, "max_bytes")) options.limits.max_bytes = static_cast<size_t>(*b);
  }
  if (auto text = FindString(c, "text")) return ParseRequest(*text, options);
  return ParseRequest(Dump(c["body"]), options);
}

const std::string kUser = R"("messages":[{"role":"user","content":"Hi"}])";

}  // namespace

TEST_CASE("invalid request fixtures: status and offending field") {
  auto doc = ParseJson(ReadFile("tests/fixtures/requests/invalid.json"));
  REQUIRE(doc.ok());
  REQUIRE(doc->is_array());
  CHECK(doc->size() >= 100);
  for (const Json& c : *doc) {
    std::string name = c["name"].get<std::string>();
    INFO("case: " << name);
    Json presets;
    Result<Request> r = ParseCase(c, &presets);
    REQUIRE_FALSE(r.ok());
    const Json& expect = c["expect"];
    CHECK(r.status().http_status() == expect["status"].get<int>());
    Json body = ErrorBody(r.status());
    CHECK(body["error"]["code"] == expect["status"]);
    CHECK_FALSE(r.status().message().empty());
    if (auto field = FindString(expect, "field")) {
      INFO("message: " << r.status().message() << " metadata: " << r.status().metadata().dump());
      REQUIRE(r.status().metadata().is_object());
      CHECK(FindString(r.status().metadata(), "field") == *field);
    }
    if (auto contains = FindString(expect, "message_contains")) {
      INFO("message: " << r.status().message());
      CHECK(r.status().message().find(*contains) != std::string::npos);
    }
  }
}

TEST_CASE("valid request fixtures: typed fields") {
  auto doc = ParseJson(ReadFile("tests/fixtures/requests/valid.json"));
  REQUIRE(doc.ok());
  REQUIRE(doc->is_array());
  for (const Json& c : *doc) {
    std::string name = c["name"].get<std::string>();
    INFO("case: " << name);
    Json presets;
    Result<Request> r = ParseCase(c, &presets);
    INFO(r.status().message());
    REQUIRE(r.ok());
    Json expect = c["expect"];
    Json raw_expect = expect.contains("raw") ? expect["raw"] : Json::object();
    expect.erase("raw");
    CheckSubset(expect, Describe(*r), name);
    CheckSubset(raw_expect, r->raw, name + ".raw");
  }
}

TEST_CASE("the raw JSON is kept for the wire translators") {
  auto r = ParseRequest(R"({"model":"a/b",)" + kUser + R"(,"tools":[{"type":"function","function":{"name":"f"}}],"x":1})");
  REQUIRE(r.ok());
  CHECK(r->raw["messages"][0]["content"] == "Hi");
  CHECK(r->raw["tools"][0]["function"]["name"] == "f");
  CHECK(r->raw["x"] == 1);
}

TEST_CASE("size and depth limits answer 413 before parsing") {
  RequestOptions options;
  options.limits.max_depth = 8;
  std::string deep = R"({"model":"a/b",)" + kUser + R"(,"metadata":{"a":[[[[[[[[1]]]]]]]]}})";
  auto r = ParseRequest(deep, options);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kTooLarge);

  // The default limits accept a realistic request and reject a 17 MiB one.
  std::string big = R"({"model":"a/b","messages":[{"role":"user","content":")" +
                    std::string(17u << 20, 'x') + R"("}]})";
  auto b = ParseRequest(big);
  REQUIRE_FALSE(b.ok());
  CHECK(b.status().http_status() == 413);
}

TEST_CASE("ParseRequestJson rejects non-objects and keeps the preset name") {
  auto r = ParseRequestJson(Json::array());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kInvalidArgument);

  Json presets = {{"p", {{"model", "x/y"}, {"max_tokens", 10}}}};
  RequestOptions options;
  options.presets = &presets;
  auto ok = ParseRequestJson(testing::JsonOf(R"({"preset":"p",)" + kUser + "}"), options);
  REQUIRE(ok.ok());
  CHECK(ok->preset == "p");
  CHECK(ok->model == "x/y");
  CHECK(ok->max_tokens == 10);

  // A preset that is not an object is treated as unknown (404), never merged.
  Json bad_presets = {{"p", "x/y"}};
  options.presets = &bad_presets;
  auto nf = ParseRequestJson(testing::JsonOf(R"({"preset":"p",)" + kUser + "}"), options);
  REQUIRE_FALSE(nf.ok());
  CHECK(nf.status().code() == Code::kNotFound);
}

TEST_CASE("conversation hash: first system and first other message only") {
  auto hash = [](const std::string& messages) {
    auto r = ParseRequest(R"({"model":"a/b","messages":)" + messages + "}");
    REQUIRE(r.ok());
    return r->conversation_hash;
  };
  uint64_t base = hash(R"([{"role":"system","content":"S"},{"role":"user","content":"U"}])");
  // Later turns do not change it (the same conversation).
  CHECK(base == hash(R"([{"role":"system","content":"S"},{"role":"user","content":"U"},
                         {"role":"assistant","content":"A"},{"role":"user","content":"U2"}])"));
  // Text parts hash like the same string.
  CHECK(base == hash(R"([{"role":"system","content":[{"type":"text","text":"S"}]},{"role":"user","content":"U"}])"));
  CHECK(base != hash(R"([{"role":"system","content":"S2"},{"role":"user","content":"U"}])"));
  CHECK(base != hash(R"([{"role":"system","content":"S"},{"role":"user","content":"U2"}])"));
  // Roles matter: system "S" + user "U" differs from user "S" + ... .
  CHECK(base != hash(R"([{"role":"user","content":"SU"}])"));
}

TEST_CASE("Fnv1a64 matches the published test vectors") {
  CHECK(Fnv1a64("") == 0xcbf29ce484222325ull);
  CHECK(Fnv1a64("a") == 0xaf63dc4c8601ec8cull);
  CHECK(Fnv1a64("foobar") == 0x85944171f73967e8ull);
}

TEST_CASE("token estimate: characters / 4 rounded up plus overheads") {
  Json r = testing::JsonOf(R"({"messages":[{"role":"user","content":"abcde"}]})");
  CHECK(EstimatePromptTokens(r) == kTokensReplyPriming + kTokensPerMessage + 2);
  r["messages"][0]["content"] = "abcd";
  CHECK(EstimatePromptTokens(r) == kTokensReplyPriming + kTokensPerMessage + 1);
  r["messages"][0]["content"] = "";
  CHECK(EstimatePromptTokens(r) == kTokensReplyPriming + kTokensPerMessage);
  // Tool definitions count as text.
  r["tools"] = testing::JsonOf(R"([{"type":"function","function":{"name":"abcd"}}])");
  // keys+values: type(4)+function(8)+function(8)+name(4)+abcd(4) = 28 → 7 tokens
  CHECK(EstimatePromptTokens(r) == kTokensReplyPriming + kTokensPerMessage + 7);
}

TEST_CASE("variant names and reasoning efforts round-trip") {
  for (auto e : {ReasoningEffort::kNone, ReasoningEffort::kMinimal, ReasoningEffort::kLow,
                 ReasoningEffort::kMedium, ReasoningEffort::kHigh, ReasoningEffort::kXHigh}) {
    CHECK(ParseReasoningEffort(ReasoningEffortName(e)) == e);
  }
  CHECK_FALSE(ParseReasoningEffort("max"));
  CHECK(std::string(SortByName(SortBy::kThroughput)) == "throughput");
}

TEST_CASE("context compression: middle messages go first, tool calls with their results, then the middle of a text") {
  auto text = [](char c, int tokens) { return std::string(static_cast<size_t>(tokens) * 4, c); };
  Json req = Json::object();
  req["model"] = "m/x";
  Json messages = Json::array();
  messages.push_back({{"role", "system"}, {"content", text('s', 100)}});
  messages.push_back({{"role", "user"}, {"content", text('a', 100)}});
  messages.push_back({{"role", "assistant"}, {"content", text('b', 100)}});
  messages.push_back({{"role", "user"}, {"content", text('c', 100)}});
  messages.push_back({{"role", "assistant"},
                      {"content", nullptr},
                      {"tool_calls", Json::array({{{"id", "t1"}, {"type", "function"},
                                                   {"function", {{"name", "f"}, {"arguments", text('d', 100)}}}}})}});
  messages.push_back({{"role", "tool"}, {"tool_call_id", "t1"}, {"content", text('e', 100)}});
  messages.push_back({{"role", "user"}, {"content", text('f', 100)}});
  messages.push_back({{"role", "assistant"}, {"content", text('g', 100)}});
  messages.push_back({{"role", "user"}, {"content", text('h', 100)}});
  req["messages"] = messages;
  const int64_t full = EstimatePromptTokens(req);
  auto firsts = [](const Json& r) {
    std::string s;
    for (const Json& m : r["messages"]) {
      const Json& c = m["content"];
      s += c.is_string() ? c.get<std::string>().substr(0, 1) : "T";
    }
    return s;
  };

  // Fits already: unchanged.
  CHECK(CompressToFit(req, full) == req);
  // One message's worth over: the middle one goes (units after the system message: a b c [T e]
  // f g h; the last, h, is kept; of the six removable ones c and [T e] are the middle: c first).
  Json one = CompressToFit(req, full - 10);
  CHECK(firsts(one) == "sabTefgh");
  CHECK(EstimatePromptTokens(one) <= full - 10);
  // More: outwards from the middle, alternating; the system message and the last turn stay.
  Json more = CompressToFit(req, full - 250);
  CHECK(EstimatePromptTokens(more) <= full - 250);
  CHECK(firsts(more) == "sabfgh");  // c, then the tool call with its result, together
  CHECK(firsts(CompressToFit(req, full - 330)) == "safgh");  // then b (alternating around the middle)
  for (const Json& m : more["messages"]) CHECK(m["role"] != "tool");  // no result without its call
  // Everything removable gone, and still too long: the middle of the longest text is cut.
  Json cut = CompressToFit(req, 180);
  CHECK(EstimatePromptTokens(cut) <= 180);
  REQUIRE(cut["messages"].size() == 2);
  CHECK(cut["messages"][0]["role"] == "system");
  CHECK(cut["messages"][1]["content"].get<std::string>().substr(0, 1) == "h");
  const std::string kept = cut["messages"][0]["content"].get<std::string>() + cut["messages"][1]["content"].get<std::string>();
  CHECK(kept.find("[…]") != std::string::npos);
  // The request's other members are untouched.
  CHECK(cut["model"] == "m/x");

  // Multi-byte text is cut at character boundaries (the result is valid UTF-8: it dumps and
  // parses back the same).
  Json wide = Json::object();
  std::string snow;
  for (int i = 0; i < 400; ++i) snow += "☃é";
  wide["messages"] = Json::array({{{"role", "user"}, {"content", snow}}});
  Json w = CompressToFit(wide, 60);
  CHECK(EstimatePromptTokens(w) <= 60);
  CHECK(switchyard::testing::JsonOf(Dump(w)) == w);

  // The mode: asked, the plugin, turned off, or the default.
  auto mode = [](const std::string& extra) {
    return ParseRequestJson(switchyard::testing::JsonOf(
        R"({"model":"m/x","messages":[{"role":"user","content":"hi"}])" + extra + "}"))->compression;
  };
  CHECK(mode("") == Compression::kDefault);
  CHECK(mode(R"(,"transforms":null)") == Compression::kDefault);
  CHECK(mode(R"(,"transforms":["middle-out"])") == Compression::kOn);
  CHECK(mode(R"(,"transforms":[])") == Compression::kOff);
  CHECK(mode(R"(,"plugins":[{"id":"web"},{"id":"context-compression"}])") == Compression::kOn);
  CHECK(mode(R"(,"plugins":[{"id":"web"}])") == Compression::kDefault);
}
