// Bad input everywhere: garbage and truncated bodies, every field of every fixture response and
// stream event replaced by values of the wrong type, huge and deeply nested JSON, random bytes
// into the stream translators, malformed chat requests into the request builders. Nothing may
// crash (the native-debug build runs this under ASan/UBSan), successes must be valid JSON with
// sane usage, and failures must be classified.
#include <algorithm>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "switchyard/wire/anthropic.h"
#include "switchyard/wire/gemini.h"
#include "switchyard/wire/sse.h"
#include "wire_fixture_support.h"
#include "json_testing.h"

namespace switchyard::testing {
namespace {

const char* const kFormats[] = {"openai", "anthropic", "gemini", "responses"};

std::vector<Json> WrongValues(bool few) {
  if (few) return {Json(), Json(-1), Json("x"), Json::array(), Json::object()};
  return {Json(),
          Json(0),
          Json(-1),
          Json(1e300),
          Json(true),
          Json("x"),
          Json::array(),
          Json::object(),
          Json(std::string(3000, 'z')),
          testing::JsonOf("[[[[{}]]]]")};
}

// Calls f(copy) for every copy of `doc` in which one node (object member or array element) is
// replaced by each wrong value.
// A node's address: object keys and array indices from the root.
using Path = std::vector<std::variant<std::string, size_t>>;

void CollectPaths(const Json& node, Path& at, std::vector<Path>& out) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      at.emplace_back(it.key());
      out.push_back(at);
      CollectPaths(*it, at, out);
      at.pop_back();
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) {
      at.emplace_back(i);
      out.push_back(at);
      CollectPaths(node[i], at, out);
      at.pop_back();
    }
  }
}

Json& NodeAt(Json& root, const Path& path) {
  Json* node = &root;
  for (const auto& step : path) {
    node = std::holds_alternative<size_t>(step) ? &(*node)[std::get<size_t>(step)]
                                                : &(*node)[std::get<std::string>(step)];
  }
  return *node;
}

template <typename F>
void ForEachMutation(const Json& doc, F&& f, bool few = false) {
  std::vector<Path> paths;
  Path at;
  CollectPaths(doc, at, paths);
  for (const Path& path : paths) {
    for (const Json& value : WrongValues(few)) {
      Json copy = doc;
      NodeAt(copy, path) = value;
      f(copy);
    }
  }
}

void CheckResult(const AttemptResult& r) {
  Json body = testing::JsonOf(r.client_body);  // stops the run unless JSON
  CHECK(r.usage.prompt_tokens >= 0);
  CHECK(r.usage.completion_tokens >= 0);
  CHECK(r.usage.uncached_prompt_tokens() >= 0);
  CHECK(r.usage.reasoning_tokens <= r.usage.completion_tokens);
  if (r.outcome == Outcome::kDone) {
    CHECK(r.client_status == 200);
    CHECK(r.error.ok());
  } else {
    CHECK(!r.error.ok());
    CHECK(!r.error_type.empty());
    CHECK(r.client_status >= 400);
  }
}

TEST_CASE("robustness: garbage, truncated, empty and huge bodies are classified, never crash") {
  std::vector<std::string> bodies = {
      "",
      " ",
      "null",
      "0",
      "\"text\"",
      "[]",
      "{}",
      "[{}]",
      "{\"error\":null}",
      "{\"error\":5}",
      "{\"choices\":",
      "{\"type\":\"error\"}",
      "\xff\xfe\x00garbage",
      "<html>",
      "{\"a\":1}{\"b\":2}",
      std::string(1000, '['),
      std::string(200, '[') + std::string(200, ']'),
      "{\"candidates\":[null]}",
      "{\"content\":[null,1,\"x\"]}",
      "{\"choices\":[null]}",
      "{\"promptFeedback\":{\"blockReason\":7}}",
      "{\"error\":{\"code\":\"429\",\"details\":[{\"retryDelay\":\"-5s\"}]}}",
      "{\"error\":{\"details\":[{\"retryDelay\":\"99999999999999999999s\"}]}}",
      "{\"status\":\"completed\"}",
      "{\"status\":\"completed\",\"output\":{}}",
      "{\"status\":\"failed\",\"output\":[],\"error\":null}",
      "{\"status\":7,\"output\":[]}"};
  bodies.push_back(std::string(17u << 20, ' '));  // beyond the 16 MiB limit
  for (const char* format : kFormats) {
    WireFixtures f = LoadFixtures(format);
    auto w = MakeWorld(f, Json{{"kind", "response"}});
    for (int status : {200, 201, 204, 301, 400, 401, 403, 404, 408, 409, 413, 422, 429, 500, 503,
                       529, 0, -1, 999}) {
      for (const std::string& body : bodies) {
        INFO(format << " status " << status << " body " << body.substr(0, 40));
        AttemptResult r = TranslateResponse(w->spec, status, {}, body, 0);
        CheckResult(r);
        if (status >= 200 && status <= 299) CHECK(r.outcome != Outcome::kDone);
      }
    }
  }
}

TEST_CASE("robustness: wrong types in every field of every fixture response") {
  for (const char* format : kFormats) {
    WireFixtures f = LoadFixtures(format);
    for (const Json& c : f.manifest["cases"]) {
      if (testing::ValueOr(c, "kind", "") != "response" || testing::ValueOr(c, "status", 200) != 200) continue;
      Json body = testing::TryJson(ReadFile(f.Path(testing::ValueOr(c, "body", "")))).value_or(Json());
      if (!body.is_object()) continue;
      auto w = MakeWorld(f, c);
      INFO(format << "/" << testing::ValueOr(c, "name", ""));
      int runs = 0;
      ForEachMutation(body, [&](const Json& mutated) {
        AttemptResult r = TranslateResponse(w->spec, 200, {}, Dump(mutated), 0);
        CheckResult(r);
        ++runs;
      });
      CHECK(runs > 0);
    }
  }
}

TEST_CASE("robustness: wrong types in every field of every stream event") {
  for (const char* format : kFormats) {
    WireFixtures f = LoadFixtures(format);
    std::set<std::string> seen;
    for (const Json& c : f.manifest["cases"]) {
      if (testing::ValueOr(c, "kind", "") != "stream" || testing::ValueOr(c, "status", 200) != 200) continue;
      if (!seen.insert(testing::ValueOr(c, "body", "")).second) continue;  // one run per distinct stream
      std::string body = ReadFile(f.Path(testing::ValueOr(c, "body", "")));
      // Split into events, mutate one event at a time, and run the whole stream.
      std::vector<std::string> events;
      SseParser parser;
      std::vector<std::pair<std::string, std::string>> parsed;
      auto on = [&](const SseEvent& e) {
        parsed.emplace_back(std::string(e.event), std::string(e.data));
      };
      parser.Feed(body, on);
      parser.Finish(on);
      if (parsed.size() > 8) parsed.resize(8);  // enough shapes, bounded time
      auto w = MakeWorld(f, c);
      for (size_t i = 0; i < parsed.size(); ++i) {
        Json data = testing::TryJson(parsed[i].second).value_or(Json());
        if (!data.is_object()) continue;
        INFO(format << "/" << testing::ValueOr(c, "name", "") << " event " << i);
        ForEachMutation(
            data,
            [&](const Json& mutated) {
              std::string text;
              for (size_t k = 0; k < parsed.size(); ++k) {
                if (!parsed[k].first.empty()) text += "event: " + parsed[k].first + "\n";
                text += "data: " + (k == i ? Dump(mutated) : parsed[k].second) + "\n\n";
              }
              auto t = StreamTranslator::Open(w->spec, 200, {}, 0);
              std::string out(t.value()->Feed(text));
              t.value()->CloseInput();
              out += t.value()->Finish(false, "", nullptr);
              bool ok =
                  t.value()->summary().terminated && t.value()->summary().usage.prompt_tokens >= 0;
              // Client bytes are whole SSE events whose data is JSON (or [DONE]).
              SseParser check;
              auto verify = [&](const SseEvent& e) {
                if (e.data != "[DONE]" && !testing::TryJson(e.data))
                  ok = false;
              };
              check.Feed(out, verify);
              check.Finish(verify);
              if (!ok) FAIL_CHECK("bad stream output for " << Dump(mutated) << ": " << out);
            },
            /*few=*/true);
      }
    }
  }
}

TEST_CASE("robustness: random bytes into every stream translator") {
  uint64_t state = 42;
  auto next = [&]() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  };
  const std::string alphabet =
      "data: {}[]\":,\n\r event:error message_start content_block_delta 0123456789";
  for (const char* format : kFormats) {
    WireFixtures f = LoadFixtures(format);
    auto w = MakeWorld(f, Json{{"kind", "stream"}});
    for (int client = 0; client < 2; ++client) {
      w->spec.client_format = client ? ClientFormat::kAnthropic : ClientFormat::kOpenAI;
      for (int round = 0; round < 200; ++round) {
        std::string bytes;
        size_t n = next() % 400;
        for (size_t i = 0; i < n; ++i) {
          bytes.push_back(next() % 3 == 0 ? static_cast<char>(next() & 0xff)
                                          : alphabet[next() % alphabet.size()]);
        }
        auto t = StreamTranslator::Open(w->spec, 200, {}, 0);
        REQUIRE(t.ok());
        (*t)->Feed(bytes.substr(0, n / 2));
        (*t)->Feed(bytes.substr(n / 2));
        (*t)->CloseInput();
        (*t)->Finish(round % 5 == 0, "timeout", nullptr);
        CHECK((*t)->summary().terminated);
        // Feeding after the end is harmless.
        CHECK((*t)->Feed("data: {}\n\n").empty());
        CHECK((*t)->Finish(false, "", nullptr).empty());
      }
    }
  }
}

TEST_CASE("robustness: deep and huge stream events") {
  WireFixtures f = LoadFixtures("openai");
  auto w = MakeWorld(f, Json{{"kind", "stream"}});
  auto t = StreamTranslator::Open(w->spec, 200, {}, 0);
  REQUIRE(t.ok());
  (*t)->Feed("data: " + std::string(100000, '[') + "\n\n");
  CHECK((*t)->summary().terminated);
  CHECK((*t)->summary().error_type == "invalid_response");
  CHECK(!(*t)->summary().first_byte_emitted);
  // An event beyond the SSE limit ends the stream instead of growing memory.
  auto big = StreamTranslator::Open(w->spec, 200, {}, 0);
  REQUIRE(big.ok());
  std::string chunk(1u << 20, 'a');
  for (int i = 0; i < 18 && !(*big)->summary().terminated; ++i)
    (*big)->Feed(i == 0 ? "data: " + chunk : chunk);
  CHECK((*big)->summary().terminated);
}

TEST_CASE("robustness: malformed chat requests into every request builder") {
  Json base = testing::JsonOf(R"({"model":"m","messages":[
      {"role":"system","content":"s"},
      {"role":"user","content":[{"type":"text","text":"t","cache_control":{"type":"ephemeral"}},
                                {"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}},
                                {"type":"file","file":{"file_data":"data:application/pdf;base64,AA=="}}]},
      {"role":"assistant","content":"a","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}}],
       "reasoning_details":[{"type":"reasoning.text","text":"r","signature":"s","format":"anthropic-claude-v1","index":0}]},
      {"role":"tool","tool_call_id":"c","content":"{\"ok\":true}"}],
    "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"x":{"type":["integer","null"]}}}}}],
    "tool_choice":{"type":"function","function":{"name":"f"}},"stop":["s"],"max_tokens":100,"temperature":0.5,
    "top_p":1,"top_k":3,"reasoning":{"effort":"high","max_tokens":5000,"exclude":false},"response_format":
    {"type":"json_schema","json_schema":{"schema":{"type":"object","properties":{"a":{"const":1}}}}},"user":"u",
    "parallel_tool_calls":false,"seed":1,"metadata":{"k":"v"}})");
  for (WireFormat wire : {WireFormat::kOpenAI, WireFormat::kAnthropic, WireFormat::kGemini,
                          WireFormat::kOpenAIResponses}) {
    Provider provider;
    provider.slug = "p";
    provider.wire = wire;
    provider.base_url = "https://p.test";
    Endpoint endpoint;
    endpoint.upstream_model = "m";
    endpoint.max_completion_tokens = 2000;
    int built = 0, rejected = 0;
    ForEachMutation(base, [&](const Json& request) {
      AttemptSpec spec;
      spec.provider = &provider;
      spec.endpoint = &endpoint;
      spec.request = &request;
      spec.user_salt = "salt";
      spec.stream = (built + rejected) % 2 == 0;
      Result<UpstreamRequest> up = BuildUpstreamRequest(spec);
      if (up.ok()) {
        ++built;
        CHECK(testing::TryJson(up->body));
      } else {
        ++rejected;
        CHECK(up.status().code() == Code::kInvalidArgument);
      }
    });
    CHECK(built > 0);
    CHECK(rejected > 0);
  }
  // The Anthropic-in parser and the Gemini inverse take any JSON without crashing.
  ForEachMutation(
      testing::JsonOf(ReadFile("tests/fixtures/wire/anthropic_in/tools_images_results.json")),
      [](const Json& request) { (void)AnthropicToChat(request); });
  ForEachMutation(
      testing::JsonOf(R"({"contents":[{"role":"model","parts":[{"text":"a","thoughtSignature":"s"},
      {"functionCall":{"name":"f","args":{"a":1},"id":"i"}}]},{"role":"user","parts":[{"functionResponse":
      {"id":"i","name":"f","response":{"content":"x"}}},{"inlineData":{"mimeType":"m","data":"d"}}]}],
      "systemInstruction":{"parts":[{"text":"s"}]},"tools":[{"functionDeclarations":[{"name":"f"}]}],
      "toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["f"]}},
      "generationConfig":{"maxOutputTokens":5,"thinkingConfig":{"thinkingBudget":0}}})"),
      [](const Json& request) { (void)GeminiToChat(request); });
  CHECK(SanitizeGeminiSchema(testing::JsonOf(std::string(60, '[') + std::string(60, ']'))).is_array());
}

TEST_CASE("robustness: Retry-After forms") {
  Headers h = {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}};
  const int64_t at = 1445412480000;  // that date in unix ms
  AttemptSpec spec;
  Provider p;
  Endpoint e;
  p.name = "P";
  spec.provider = &p;
  spec.endpoint = &e;
  auto retry_after = [&](const Headers& headers, int64_t now) {
    return TranslateResponse(spec, 429, headers, "{}", now).retry_after_ms;
  };
  CHECK(retry_after(h, at - 5000) == 5000);
  CHECK(retry_after(h, at + 5000) == 0);  // in the past: retry now
  CHECK(retry_after({{"retry-after", "Wednesday, 21-Oct-15 07:28:00 GMT"}}, at - 1000) == 1000);
  CHECK(retry_after({{"retry-after", "120"}}, 0) == 120000);
  CHECK(retry_after({{"retry-after", "0.5"}}, 0) == 500);
  CHECK(retry_after({{"retry-after", "soon"}}, 0) == 0);
  CHECK(retry_after({{"retry-after", "-3"}}, 0) == 0);
  CHECK(retry_after({{"retry-after", "99999999999"}}, 0) == 24LL * 3600 * 1000);  // capped at a day
  // Beyond any integer: capped before the conversion (the fuzzer found these overflowing).
  CHECK(retry_after({{"retry-after", std::string(130, '3')}}, 0) == 24LL * 3600 * 1000);
  CHECK(retry_after({{"retry-after", "1e300"}}, 0) == 24LL * 3600 * 1000);
  CHECK(retry_after({{"retry-after-ms", "1e300"}}, 0) == 24LL * 3600 * 1000);
  CHECK(retry_after({{"retry-after-ms", "86399999.5"}}, 0) == 24LL * 3600 * 1000);
  CHECK(retry_after({{"retry-after-ms", "1.5"}}, 0) == 2);
  CHECK(TranslateResponse(spec, 429, {}, R"({"error":{"details":[{"retryDelay":"1e300s"}]}})", 0)
            .retry_after_ms == 24LL * 3600 * 1000);
  CHECK(TranslateResponse(spec, 429, {}, R"({"error":{"details":[{"retryDelay":"2.5s"}]}})", 0)
            .retry_after_ms == 2500);
  CHECK(retry_after({{"retry-after-ms", "250"}, {"retry-after", "9"}}, 0) == 250);
  CHECK(retry_after({{"retry-after", "Wed, 21 Oct 2015 07:28:00 PST"}}, 0) == 0);
  // Malformed dates are no date (so no wait), never a misread one.
  for (const char* bad : {"Wed, 21 Oct 2015 07:28 GMT", "Wed, 21 Oct 2015 07:28:00 GMT extra",
                          "Wed, 21 Oct 2015 07:2x:00 GMT", "Wed, 21 Sept 2015 07:28:00 GMT",
                          "Wed, 21 Oct 20155 07:28:00 GMT", "Wed, 32 Oct 2015 07:28:00 GMT",
                          "Wed, 21 Oct 2015 24:28:00 GMT", "Wed, +1 Oct 2015 07:28:00 GMT",
                          "Wed,", "Wed 21 Oct 2015 07:28:00 GMT"}) {
    INFO(bad);
    CHECK(retry_after({{"retry-after", bad}}, 0) == 0);
  }
  CHECK(retry_after({{"retry-after", "Wed,  21 Oct 2015\t07:28:00 GMT"}}, at - 3000) == 3000);
}

TEST_CASE("robustness: HashUser is SHA-256 based, salted and stable") {
  CHECK(HashUser("alice@example.com", "acct_1") == "u_847bce87081aa3f192c0a0a0e344ec0c");
  CHECK(HashUser("alice@example.com", "acct_2") != HashUser("alice@example.com", "acct_1"));
  CHECK(HashUser(std::string(1000, 'x'), "s").size() == 34);
}

TEST_CASE("robustness: transport failures") {
  WireFixtures f = LoadFixtures("openai");
  auto w = MakeWorld(f, Json{{"kind", "response"}});
  AttemptResult timeout = TransportFailure(w->spec, "timeout", "");
  CHECK(timeout.outcome == Outcome::kRetry);
  CHECK(timeout.client_status == 408);
  CHECK(timeout.error_type == "timeout");
  AttemptResult conn = TransportFailure(w->spec, "connection", "ECONNRESET");
  CHECK(conn.outcome == Outcome::kRetry);
  CHECK(conn.client_status == 502);
  CHECK(conn.error_type == "connection_error");
  CHECK(conn.error.message() == "ECONNRESET");
  AttemptSpec empty;
  CHECK(TransportFailure(empty, "timeout", "").outcome == Outcome::kRetry);
  CHECK(TranslateResponse(empty, 200, {}, "{}", 0).client_status == 500);
  CHECK(!BuildUpstreamRequest(empty).ok());
  CHECK(!StreamTranslator::Open(empty, 200, {}, 0).ok());
}

}  // namespace
}  // namespace switchyard::testing
