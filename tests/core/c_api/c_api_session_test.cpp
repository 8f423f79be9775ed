// One request's life through the C ABI (sy_session_*), as every host drives it: the steps the
// session hands out, what each report leads to (fallback, the skip-model rule, no retry after
// client content, in-band errors, BYOK keys that are missing), what Health is told and what is
// settled. Natively and under node.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/c_api/c_api.h"
#include "switchyard/json/json.h"
#include "test_support.h"
#include "json_testing.h"

namespace {

using switchyard::Json;
using switchyard::testing::ReadFile;

Json AsJson(std::string_view text) {
  return switchyard::testing::JsonOf(text);
}

std::string Text(const char* data, size_t size) {
  return data == nullptr ? std::string() : std::string(data, size);
}

std::string SessionResult(const sy_session_t* s) {
  size_t size = 0;
  const char* data = sy_session_result(s, &size);
  return Text(data, size);
}

struct Router {
  sy_router_t* router = nullptr;
  Router() {
    std::string config = "{\"catalog\":" + ReadFile("tests/fixtures/catalog/small.json") + "}";
    REQUIRE(sy_router_new(config.data(), config.size(), &router) == SY_OK);
  }
  ~Router() { sy_router_free(router); }
  std::string Result() const {
    size_t size = 0;
    const char* data = sy_router_result(router, &size);
    return Text(data, size);
  }
};

const char* kMessages = R"("messages":[{"role":"user","content":"hi"}])";

std::string Completion(int completion_tokens = 5) {
  return R"({"id":"up-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":)" +
         std::to_string(completion_tokens) + R"(,"total_tokens":)" +
         std::to_string(10 + completion_tokens) + "}}";
}

std::string StreamBody() {
  return "data: {\"id\":\"u\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
         "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hel\"},"
         "\"finish_reason\":null}]}\n\n"
         "data: {\"id\":\"u\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
         "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}],"
         "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":2,\"total_tokens\":12}}\n\n"
         "data: [DONE]\n\n";
}

// A session of `request` (a chat body), with the host fields `extra` (",\"k\":v..." or "").
struct Session {
  sy_session_t* s = nullptr;
  Json plan;
  Session(Router& r, const std::string& request, const std::string& extra = "") {
    std::string input = R"({"request":)" + request +
                        R"(,"now_ms":1767225600000,"seed":7,"generation_id":"gen-test")" + extra + "}";
    sy_status_t status = sy_router_session(r.router, input.data(), input.size(), &s);
    INFO(r.Result());
    REQUIRE(status == SY_OK);
    plan = AsJson(SessionResult(s));
  }
  ~Session() { sy_session_free(s); }

  Json Next(int64_t now_ms, bool committed = false) {
    std::string in = "{\"now_ms\":" + std::to_string(now_ms) + (committed ? ",\"committed\":true}" : "}");
    sy_status_t status = sy_session_next(s, in.data(), in.size());
    INFO(SessionResult(s));
    REQUIRE(status == SY_OK);
    return AsJson(SessionResult(s));
  }
  Json Respond(const std::string& report, const std::string& body) {
    sy_status_t status = sy_session_respond(s, report.data(), report.size(), body.data(), body.size());
    INFO(SessionResult(s));
    REQUIRE(status == SY_OK);
    return AsJson(SessionResult(s));
  }
  void Open(const std::string& report) {
    sy_status_t status = sy_session_stream_open(s, report.data(), report.size());
    INFO(SessionResult(s));
    REQUIRE(status == SY_OK);
  }
  std::string Feed(std::string_view bytes) {
    REQUIRE(sy_session_stream_feed(s, bytes.data(), bytes.size()) == SY_OK);
    return SessionResult(s);
  }
  std::string Finish(const std::string& report) {
    sy_status_t status = sy_session_stream_finish(s, report.data(), report.size());
    INFO(SessionResult(s));
    REQUIRE(status == SY_OK);
    return SessionResult(s);
  }
};

std::string Head(int status, int64_t now_ms, const std::string& headers = "{}") {
  return "{\"status\":" + std::to_string(status) + ",\"headers\":" + headers +
         ",\"now_ms\":" + std::to_string(now_ms) + "}";
}

constexpr int64_t kT0 = 1767225600000;

}  // namespace

TEST_CASE("a buffered request falls back past a failing endpoint and settles the one that served") {
  Router router;
  Session session(router, std::string(R"({"model":"openai/gpt-4o-mini",)") + kMessages +
                              R"(,"provider":{"order":["openai","deepinfra"]}})");
  REQUIRE(session.plan["attempts"].size() >= 2);

  INFO(session.plan["attempts"].dump());
  Json step = session.Next(kT0);
  REQUIRE(step["step"] == "attempt");
  REQUIRE(step["index"] == 0);
  REQUIRE(step["provider"] == "openai");
  REQUIRE(step["stream"] == false);
  REQUIRE(step["request"]["url"].get<std::string>().find("/chat/completions") != std::string::npos);
  REQUIRE(step["limits"]["head_ms"] == 60000);  // a buffered attempt: the first byte of its body
  Json r = session.Respond(Head(503, kT0 + 40), R"({"error":{"message":"busy"}})");
  REQUIRE(r["outcome"] == "retry");

  step = session.Next(kT0 + 41);
  REQUIRE(step["step"] == "attempt");
  REQUIRE(step["provider"] == "deepinfra");
  // The failure was told to Health as it ended: the upstream's 503.
  REQUIRE(step["observed"].size() == 1);
  REQUIRE(step["observed"][0]["http_status"] == 503);
  r = session.Respond(Head(200, kT0 + 141), Completion());
  REQUIRE(r["outcome"] == "done");

  step = session.Next(kT0 + 142);
  REQUIRE(step["step"] == "respond");
  REQUIRE(step["status"] == 200);
  Json body = AsJson(step["body"].get<std::string>());
  REQUIRE(body["id"] == "gen-test");
  REQUIRE(body["usage"]["cost"].is_number());
  REQUIRE(step["observed"].size() == 1);
  REQUIRE(step["observed"][0]["http_status"] == 200);
  const Json& settle = step["settle"];
  REQUIRE(settle["id"] == "gen-test");
  REQUIRE(settle["endpoint"] == session.plan["attempts"][1]["endpoint"]);
  REQUIRE(settle["priced"]["usage"]["completion_tokens"] == 5);
  const Json& responses = settle["generation"]["provider_responses"];
  REQUIRE(responses.size() == 2);
  REQUIRE(responses[0]["status"] == 502);  // the router's mapping of the upstream's 503
  REQUIRE(responses[0]["error_type"] == "provider_overloaded");
  REQUIRE(responses[0]["latency_ms"] == 40);
  REQUIRE(responses[1]["status"] == 200);
  REQUIRE(settle["generation"]["latency_ms"] == 100);

  // The session is over: no step follows but the final one, again.
  REQUIRE(session.Next(kT0 + 200)["step"] == "respond");
}

TEST_CASE("the skip-model rule: a request error of the first model moves on to the next model") {
  Router router;
  // gpt-4o-mini has two endpoints; a 413 (context length) from the first one is the request's
  // fault for this model, so its second endpoint is skipped and llama is tried.
  Session session(router, std::string(R"({"models":["openai/gpt-4o-mini","meta-llama/llama-3.3-70b-instruct"],)") +
                              kMessages + "}");
  Json step = session.Next(kT0);
  REQUIRE(step["model"] == "openai/gpt-4o-mini");
  session.Respond(Head(413, kT0 + 5), R"({"error":{"message":"prompt is too long"}})");
  step = session.Next(kT0 + 6);
  REQUIRE(step["step"] == "attempt");
  REQUIRE(step["model"] == "meta-llama/llama-3.3-70b-instruct");
  // A plain 400 is not eligible: the request ends there, with that error.
  session.Respond(Head(400, kT0 + 10), R"({"error":{"message":"bad field"}})");
  step = session.Next(kT0 + 11);
  REQUIRE(step["step"] == "respond");
  REQUIRE(step["status"] == 400);
  REQUIRE(step["settle"].is_null());
  // 4xx of the request's own making say nothing of the provider... but they are reported.
  REQUIRE(step["observed"].size() == 1);
  REQUIRE(step["observed"][0]["http_status"] == 400);
}

TEST_CASE("a stream is served once content reached the client, and failures before it fall back") {
  Router router;
  Session session(router, std::string(R"({"model":"openai/gpt-4o-mini","stream":true,)") +
                              kMessages + R"(,"provider":{"order":["openai","deepinfra"]}})",
                  R"(,"limits":{"connect_ms":1500,"first_token_ms":2500,"idle_ms":700,"total_ms":9000})");
  Json step = session.Next(kT0);
  REQUIRE(step["stream"] == true);
  REQUIRE(step["limits"] == switchyard::testing::JsonOf(R"({"head_ms":1500,"first_byte_ms":2500,"idle_ms":700,"total_ms":9000,"max_response_bytes":16777216})"));
  // The first provider's head never came: the core words the deadline.
  session.Open(R"({"failure":"timeout","phase":"head","now_ms":1767225601500})");
  step = session.Next(kT0 + 1501);
  REQUIRE(step["provider"] == "deepinfra");
  REQUIRE(step["observed"][0]["timeout"] == true);
  REQUIRE(step["observed"][0]["http_status"] == 0);

  session.Open(Head(200, kT0 + 1600, R"({"content-type":"text/event-stream"})"));
  std::string body = StreamBody();
  std::string client = session.Feed(body.substr(0, 40));
  REQUIRE(sy_session_stream_ended(session.s) == 0);
  client += session.Feed(body.substr(40));
  REQUIRE(sy_session_stream_ended(session.s) == 1);  // [DONE]: nothing more to read
  REQUIRE(client.find("hel") != std::string::npos);
  client += session.Finish(R"({"now_ms":1767225602000,"first_content_ms":1767225601700})");
  REQUIRE(client.find("\"cost\"") != std::string::npos);  // the usage chunk carries the cost
  REQUIRE(client.find("data: [DONE]") != std::string::npos);

  step = session.Next(kT0 + 2001, /*committed=*/true);
  REQUIRE(step["step"] == "end");
  REQUIRE(step["tail"] == "");
  const Json& settle = step["settle"];
  REQUIRE(settle["priced"]["usage"]["completion_tokens"] == 2);
  REQUIRE(settle["generation"]["streamed"] == true);
  REQUIRE(settle["generation"]["latency_ms"] == 1700);           // from the request's start
  REQUIRE(settle["generation"]["generation_time_ms"] == 300);
  REQUIRE(settle["generation"]["provider_responses"][0]["error_type"] == "timeout");
  REQUIRE(settle["generation"]["provider_responses"][0]["status"] == 408);
}

TEST_CASE("a committed stream whose attempts all failed ends with an in-band error, not a retry") {
  Router router;
  Session session(router, std::string(R"({"model":"openai/gpt-4o-mini","stream":true,)") + kMessages +
                              R"(,"provider":{"order":["openai"],"allow_fallbacks":false}})");
  REQUIRE(session.plan["attempts"].size() == 1);
  session.Next(kT0);
  session.Open(Head(500, kT0 + 10));
  REQUIRE(session.Finish(R"({"now_ms":1767225600011})") == "");
  SECTION("committed: in-band") {
    Json step = session.Next(kT0 + 12, /*committed=*/true);
    REQUIRE(step["step"] == "end");
    std::string tail = step["tail"].get<std::string>();
    REQUIRE(tail.find("\"finish_reason\":\"error\"") != std::string::npos);
    REQUIRE(tail.find("data: [DONE]") != std::string::npos);
    REQUIRE(step["settle"].is_null());
  }
  SECTION("not committed: an HTTP error") {
    Json step = session.Next(kT0 + 12);
    REQUIRE(step["step"] == "respond");
    REQUIRE(step["status"] == 502);
    REQUIRE(AsJson(step["body"].get<std::string>())["error"]["code"] == 502);
  }
}

TEST_CASE("content then a cut: no further attempt, the generated part is settled") {
  Router router;
  Session session(router, std::string(R"({"model":"openai/gpt-4o-mini","stream":true,)") +
                              kMessages + R"(,"provider":{"order":["openai","deepinfra"]}})");
  session.Next(kT0);
  session.Open(Head(200, kT0 + 5));
  std::string body = StreamBody();
  std::string client = session.Feed(body.substr(0, body.find("\n\n") + 2));
  REQUIRE_FALSE(client.empty());
  client += session.Finish(R"({"failure":"timeout","phase":"idle","now_ms":1767225600900,"first_content_ms":1767225600010})");
  REQUIRE(client.find("\"finish_reason\":\"error\"") != std::string::npos);
  Json step = session.Next(kT0 + 901, /*committed=*/true);
  REQUIRE(step["step"] == "end");
  REQUIRE(step["settle"].is_object());
  // Health hears of the cut (502), not of a provider that never answered.
  REQUIRE(step["observed"][0]["http_status"] == 502);
  REQUIRE(step["observed"][0]["timeout"] == true);
}

TEST_CASE("a BYOK key the host cannot supply: the next attempt runs, Health is not told") {
  Router router;
  Session session(router, std::string(R"({"model":"openai/gpt-4o-mini",)") + kMessages +
                              R"(,"provider":{"order":["openai","deepinfra"]}})");
  session.Next(kT0);
  Json r = session.Respond(R"({"failure":"unavailable","message":"no openai key is stored","now_ms":1767225600001})", "");
  REQUIRE(r["outcome"] == "retry");
  Json step = session.Next(kT0 + 2);
  REQUIRE(step["provider"] == "deepinfra");
  REQUIRE(step["observed"].empty());
  session.Respond(R"({"failure":"connection","message":"reset by peer","now_ms":1767225600003})", "");
  // Last attempts, each failing: the final error is the last one's.
  for (;;) {
    step = session.Next(kT0 + 4);
    if (step["step"] != "attempt") break;
    session.Respond(R"({"failure":"connection","message":"reset by peer","now_ms":1767225600005})", "");
  }
  REQUIRE(step["step"] == "respond");
  REQUIRE(step["status"] == 502);
  REQUIRE(AsJson(step["body"].get<std::string>())["error"]["message"] == "reset by peer");
}

TEST_CASE("a buffered attempt over its deadline: the core words the phase, 408 after the last") {
  Router router;
  Session session(router, std::string(R"({"model":"openai/gpt-4o-mini",)") + kMessages +
                              R"(,"provider":{"order":["openai"],"allow_fallbacks":false}})",
                  R"(,"limits":{"idle_ms":1234})");
  session.Next(kT0);
  session.Respond(R"({"failure":"timeout","phase":"idle","now_ms":1767225605000})", "");
  Json step = session.Next(kT0 + 5001);
  REQUIRE(step["status"] == 408);
  REQUIRE(AsJson(step["body"].get<std::string>())["error"]["message"] == "Provider sent nothing for 1234 ms");
}

TEST_CASE("/messages clients get Anthropic-shaped answers and errors") {
  Router router;
  std::string input = R"({"request":{"model":"openai/gpt-4o-mini","max_tokens":50,"messages":[{"role":"user","content":"hi"}],"provider":{"order":["openai"],"allow_fallbacks":false}},"format":"anthropic","now_ms":1767225600000,"seed":1})";
  sy_session_t* s = nullptr;
  REQUIRE(sy_router_session(router.router, input.data(), input.size(), &s) == SY_OK);
  std::string next = R"({"now_ms":1767225600000})";
  REQUIRE(sy_session_next(s, next.data(), next.size()) == SY_OK);
  std::string head = Head(429, kT0 + 3, R"({"retry-after":"7"})");
  std::string body = R"({"error":{"message":"slow down"}})";
  REQUIRE(sy_session_respond(s, head.data(), head.size(), body.data(), body.size()) == SY_OK);
  REQUIRE(sy_session_next(s, next.data(), next.size()) == SY_OK);
  Json step = AsJson(SessionResult(s));
  REQUIRE(step["status"] == 429);
  REQUIRE(step["headers"]["retry-after"] == "7");
  Json error = AsJson(step["body"].get<std::string>());
  REQUIRE(error["type"] == "error");
  REQUIRE(error["error"]["type"] == "rate_limit_error");
  sy_session_free(s);
}

TEST_CASE("the session refuses calls out of order and bad reports, naming what is wrong") {
  Router router;
  Session session(router, std::string(R"({"model":"openai/gpt-4o-mini",)") + kMessages + "}");
  auto error_of = [&](sy_status_t status) {
    REQUIRE(status == SY_INVALID_ARGUMENT);
    return AsJson(SessionResult(session.s))["error"]["message"].get<std::string>();
  };
  std::string report = Head(200, kT0);
  // No attempt yet.
  REQUIRE(error_of(sy_session_respond(session.s, report.data(), report.size(), "", 0))
              .find("no buffered attempt") != std::string::npos);
  session.Next(kT0);
  std::string next = R"({"now_ms":1})";
  REQUIRE(error_of(sy_session_next(session.s, next.data(), next.size())).find("has not been reported") !=
          std::string::npos);
  for (std::string bad : {R"({"failure":"teapot","now_ms":1})", R"({"status":42,"now_ms":1})",
                          R"({"status":200})", R"({"failure":"timeout","phase":"lunch","now_ms":1})",
                          R"({"status":200,"headers":[["a"]],"now_ms":1})", "[1]"}) {
    INFO(bad);
    error_of(sy_session_respond(session.s, bad.data(), bad.size(), "", 0));
  }
  REQUIRE(error_of(sy_session_next(session.s, "{}", 2)).find("now_ms") != std::string::npos);
  // Still usable after refusals.
  REQUIRE(session.Respond(Head(200, kT0 + 9), Completion())["outcome"] == "done");
  // Bad host fields refuse the session itself.
  for (std::string extra : {R"(,"limits":{"idle_ms":0})", R"(,"limits":{"nap_ms":5})",
                            R"(,"record":{"origin":7})", R"(,"record":{"password":"x"})"}) {
    INFO(extra);
    std::string input = R"({"request":{"model":"openai/gpt-4o-mini",)" + std::string(kMessages) +
                        R"(},"now_ms":1)" + extra + "}";
    sy_session_t* s = nullptr;
    REQUIRE(sy_router_session(router.router, input.data(), input.size(), &s) == SY_INVALID_ARGUMENT);
    REQUIRE(s == nullptr);
    REQUIRE(AsJson(router.Result())["error"]["metadata"]["field"].get<std::string>().rfind(
                extra.substr(2, extra.find('"', 2) - 2), 0) == 0);
  }
  REQUIRE(sy_session_next(nullptr, "{}", 2) == SY_INVALID_ARGUMENT);
  REQUIRE(sy_session_stream_ended(nullptr) == 1);
  sy_session_free(nullptr);
}

TEST_CASE("a stream cut by a deadline before content: the core words the phase it missed") {
  Router router;
  Session session(router, std::string(R"({"model":"openai/gpt-4o-mini","stream":true,)") + kMessages +
                              R"(,"provider":{"order":["openai"],"allow_fallbacks":false}})",
                  R"(,"limits":{"first_token_ms":321})");
  session.Next(kT0);
  session.Open(Head(200, kT0 + 5));
  REQUIRE(session.Feed(": keep-alive\n\n").empty());
  REQUIRE(session.Finish(R"({"failure":"timeout","phase":"first_token","now_ms":1767225600330})").empty());
  Json step = session.Next(kT0 + 331);
  REQUIRE(step["step"] == "respond");
  REQUIRE(step["status"] == 408);
  REQUIRE(AsJson(step["body"].get<std::string>())["error"]["message"] == "Provider sent no content within 321 ms");
  // The stream reached the provider, which sent nothing useful in time: Health hears a timeout.
  REQUIRE(step["observed"][0]["timeout"] == true);
}

TEST_CASE("a client that leaves before any answer: nothing is settled, Health is not told") {
  Router router;
  Session session(router, std::string(R"({"model":"openai/gpt-4o-mini","stream":true,)") + kMessages + "}");
  session.Next(kT0);
  session.Open(R"({"failure":"cancelled","now_ms":1767225600100})");
  Json step = session.Next(kT0 + 101);
  REQUIRE(step["step"] == "end");
  REQUIRE(step["settle"].is_null());
  REQUIRE(step["observed"].empty());
}

TEST_CASE("sy_router_error renders the host's own errors in the client's format") {
  Router router;
  auto render = [&](std::string input) {
    REQUIRE(sy_router_error(router.router, input.data(), input.size()) == SY_OK);
    return AsJson(router.Result());
  };
  Json a = render(R"({"format":"anthropic","status":402,"message":"Insufficient credits"})");
  REQUIRE(a["type"] == "error");
  REQUIRE(a["error"]["type"] == "billing_error");
  REQUIRE(a["error"]["message"] == "Insufficient credits");
  REQUIRE(render(R"({"format":"anthropic","status":529,"message":"x"})")["error"]["type"] == "overloaded_error");
  REQUIRE(render(R"({"format":"anthropic","status":413,"message":"x"})")["error"]["type"] == "request_too_large");
  REQUIRE(render(R"({"format":"anthropic","status":500,"message":"x"})")["error"]["type"] == "api_error");
  Json o = render(R"({"status":405,"message":"Method not allowed","metadata":{"allow":"POST"}})");
  REQUIRE(o["error"]["code"] == 405);
  REQUIRE(o["error"]["metadata"]["allow"] == "POST");
  for (std::string bad : {R"({"status":200,"message":"x"})", R"({"message":"x"})",
                          R"({"format":"xml","status":400})"}) {
    INFO(bad);
    REQUIRE(sy_router_error(router.router, bad.data(), bad.size()) == SY_INVALID_ARGUMENT);
  }
}

TEST_CASE("a provider that holds the stream open after [DONE] until a deadline: a normal end") {
  Router router;
  Session session(router, std::string(R"({"model":"openai/gpt-4o-mini","stream":true,)") + kMessages +
                              R"(,"provider":{"order":["openai"],"allow_fallbacks":false}})");
  session.Next(kT0);
  session.Open(Head(200, kT0 + 5));
  std::string client = session.Feed(StreamBody());
  REQUIRE(sy_session_stream_ended(session.s) == 1);
  client += session.Finish(R"({"failure":"timeout","phase":"idle","now_ms":1767225630000,"first_content_ms":1767225600010})");
  // The client's usage chunk carries the cost it is charged, and no error.
  REQUIRE(client.find("\"cost\"") != std::string::npos);
  REQUIRE(client.find("\"finish_reason\":\"error\"") == std::string::npos);
  Json step = session.Next(kT0 + 30001, /*committed=*/true);
  REQUIRE(step["settle"]["priced"]["usage"]["completion_tokens"] == 2);
  REQUIRE(step["observed"][0]["http_status"] == 200);
  REQUIRE(step["observed"][0]["timeout"] == false);
  // No stream is open any more: feeding is refused.
  REQUIRE(sy_session_stream_feed(session.s, "x", 1) == SY_INVALID_ARGUMENT);
}

TEST_CASE("/responses clients: a response object, Responses events, and the stateless refusals") {
  Router router;
  const std::string extra = R"(,"format":"responses")";
  SECTION("buffered: the response object carries the priced usage and cost as chat would") {
    Session session(router, R"({"model":"openai/gpt-4o-mini","instructions":"Be brief.","input":"hi","metadata":{"k":"v"},"provider":{"order":["openai"],"allow_fallbacks":false}})", extra);
    Json step = session.Next(kT0);
    REQUIRE(step["step"] == "attempt");
    Json upstream = AsJson(step["request"]["body"].get<std::string>());
    REQUIRE(upstream["messages"][0]["role"] == "system");
    REQUIRE(!upstream.contains("responses_echo"));
    REQUIRE(!upstream.contains("metadata"));
    session.Respond(Head(200, kT0 + 40), Completion());
    step = session.Next(kT0 + 41);
    REQUIRE(step["step"] == "respond");
    Json body = AsJson(step["body"].get<std::string>());
    REQUIRE(body["object"] == "response");
    REQUIRE(body["id"] == "gen-test");
    REQUIRE(body["instructions"] == "Be brief.");
    REQUIRE(body["metadata"]["k"] == "v");
    REQUIRE(body["output"][0]["content"][0]["text"] == "hello");
    REQUIRE(body["usage"]["input_tokens"] == 10);
    REQUIRE(body["usage"]["output_tokens"] == 5);
    // The cost is the settled one, in the client's usage and under both names of its split.
    const Json& priced = step["settle"]["priced"];
    REQUIRE(priced["usage"]["completion_tokens"] == 5);
    REQUIRE(body["usage"]["cost"].is_number());
    REQUIRE(body["usage"]["cost"].get<double>() > 0);
    REQUIRE(body["usage"]["cost_details"]["upstream_inference_input_cost"] ==
            body["usage"]["cost_details"]["upstream_inference_prompt_cost"]);
  }
  SECTION("streamed: Responses events ending in response.completed with the cost, no [DONE]") {
    Session session(router, R"({"model":"openai/gpt-4o-mini","stream":true,"input":"hi","provider":{"order":["openai"],"allow_fallbacks":false}})", extra);
    session.Next(kT0);
    session.Open(Head(200, kT0 + 10, R"({"content-type":"text/event-stream"})"));
    std::string client = session.Feed(StreamBody());
    client += session.Finish(R"({"now_ms":1767225600100,"first_content_ms":1767225600050})");
    REQUIRE(client.rfind("event: response.created\n", 0) == 0);
    REQUIRE(client.find("event: response.output_text.delta") != std::string::npos);
    REQUIRE(client.find("event: response.completed") != std::string::npos);
    REQUIRE(client.find("\"cost\"") != std::string::npos);
    REQUIRE(client.find("[DONE]") == std::string::npos);
  }
  SECTION("a committed stream whose attempts all failed: an error event, not a chat chunk") {
    Session session(router, R"({"model":"openai/gpt-4o-mini","stream":true,"input":"hi","provider":{"order":["openai"],"allow_fallbacks":false}})", extra);
    session.Next(kT0);
    session.Open(Head(500, kT0 + 10));
    REQUIRE(session.Finish(R"({"now_ms":1767225600011})") == "");
    Json step = session.Next(kT0 + 12, /*committed=*/true);
    REQUIRE(step["step"] == "end");
    std::string tail = step["tail"].get<std::string>();
    REQUIRE(tail.rfind("event: error\ndata: ", 0) == 0);
    Json event = AsJson(tail.substr(19));
    REQUIRE(event["type"] == "error");
    REQUIRE(event["sequence_number"] == 0);
    REQUIRE(event["code"] == "server_error");
    REQUIRE(!event["message"].get<std::string>().empty());
    REQUIRE(tail.find("[DONE]") == std::string::npos);
  }
  SECTION("stateless: store:true is refused before planning, naming the field") {
    std::string input = R"({"request":{"model":"openai/gpt-4o-mini","input":"hi","store":true},"format":"responses","now_ms":1767225600000,"seed":1})";
    sy_session_t* s = nullptr;
    REQUIRE(sy_router_session(router.router, input.data(), input.size(), &s) != SY_OK);
    Json error = AsJson(router.Result());
    INFO(error.dump());
    REQUIRE(error.dump().find("store") != std::string::npos);
    sy_session_free(s);
  }
}

TEST_CASE("\"plan\":\"brief\": the session's result is the reservation's fields of the whole plan") {
  Router router;
  for (const std::string request :
       {std::string(R"({"model":"openai/gpt-4o-mini",)") + kMessages +
            R"(,"provider":{"order":["openai","deepinfra"]}})",
        std::string(R"({"model":"openai/gpt-4o-mini","max_tokens":77,"stream":true,)") +
            kMessages + "}"}) {
    Session full(router, request);
    Session brief(router, request, R"(,"plan":"brief")");
    INFO(full.plan.dump());
    REQUIRE(full.plan["trace"].is_array());
    Json attempts = Json::array();
    for (const Json& a : full.plan["attempts"]) {
      attempts.push_back(Json{{"byok", a["byok"]}, {"endpoint", a["endpoint"]}});
    }
    const Json expected{{"attempts", attempts},
                        {"estimated_prompt_tokens", full.plan["estimated_prompt_tokens"]},
                        {"max_tokens", full.plan["max_tokens"]},
                        {"stream", full.plan["stream"]}};
    // Byte for byte what the whole plan's Json would dump with the other fields left out.
    CHECK(SessionResult(brief.s) == expected.dump());
    // Only the result differs: the same attempt, the same request.
    CHECK(brief.Next(kT0).dump() == full.Next(kT0).dump());
  }
  // "full" is the default, said out loud; anything else is refused, naming the field.
  Session full(router, std::string(R"({"model":"openai/gpt-4o-mini",)") + kMessages + "}",
               R"(,"plan":"full")");
  CHECK(full.plan["trace"].is_array());
  std::string input = std::string(R"({"request":{"model":"openai/gpt-4o-mini",)") + kMessages +
                      R"(},"now_ms":1767225600000,"seed":7,"plan":"short"})";
  sy_session_t* s = nullptr;
  CHECK(sy_router_session(router.router, input.data(), input.size(), &s) == SY_INVALID_ARGUMENT);
  CHECK(s == nullptr);
  CHECK(AsJson(router.Result())["error"]["metadata"]["field"] == "plan");
}

TEST_CASE("\"settle\":\"text\": sy_session_next's last step carries the settle command as text") {
  Router router;
  const std::string request = std::string(R"({"model":"openai/gpt-4o-mini",)") + kMessages + "}";
  Session object(router, request);
  Session text(router, request, R"(,"settle":"text","plan":"brief")");
  for (Session* s : {&object, &text}) {
    REQUIRE(s->Next(kT0)["step"] == "attempt");
    REQUIRE(s->Respond(Head(200, kT0 + 50), Completion())["outcome"] == "done");
  }
  Json a = object.Next(kT0 + 60);
  Json b = text.Next(kT0 + 60);
  REQUIRE(b["settle"].is_string());
  CHECK(AsJson(b["settle"].get<std::string>()) == a["settle"]);
  CHECK(b["charged"] == a["settle"]["priced"]["cost"]["charged"]);
  CHECK(b["body"] == a["body"]);
  // Anything but "object" or "text" is refused, naming the field.
  std::string input = std::string(R"({"request":)") + request +
                      R"(,"now_ms":1767225600000,"seed":7,"settle":"string"})";
  sy_session_t* s = nullptr;
  CHECK(sy_router_session(router.router, input.data(), input.size(), &s) == SY_INVALID_ARGUMENT);
  CHECK(s == nullptr);
  CHECK(AsJson(router.Result())["error"]["metadata"]["field"] == "settle");
}

TEST_CASE("\"parts\" must be a boolean; sy_session_next's result then carries bytes after the JSON") {
  Router router;
  const std::string request = std::string(R"({"model":"openai/gpt-4o-mini",)") + kMessages + "}";
  for (const char* bad : {R"("yes")", "1", "null"}) {
    std::string input = std::string(R"({"request":)") + request +
                        R"(,"now_ms":1767225600000,"seed":7,"parts":)" + bad + "}";
    sy_session_t* s = nullptr;
    const sy_status_t status = sy_router_session(router.router, input.data(), input.size(), &s);
    if (std::string_view(bad) == "null") {  // null: the default, as every optional field
      CHECK(status == SY_OK);
      sy_session_free(s);
      continue;
    }
    INFO(bad);
    CHECK(status == SY_INVALID_ARGUMENT);
    CHECK(s == nullptr);
    CHECK(AsJson(router.Result())["error"]["metadata"]["field"] == "parts");
  }
  Session parts(router, request, R"(,"parts":true)");
  std::string input = R"({"now_ms":1767225600000})";
  REQUIRE(sy_session_next(parts.s, input.data(), input.size()) == SY_OK);
  const std::string step = SessionResult(parts.s);
  const size_t nl = step.find('\n');
  REQUIRE(nl != std::string::npos);
  Json head = AsJson(step.substr(0, nl));
  REQUIRE(head["parts"].size() == 1);
  CHECK(head["parts"][0]["field"] == "request.body");
  CHECK(head["request"].find("body") == head["request"].end());
  // The upstream body itself, not quoted: JSON of its own.
  CHECK(AsJson(step.substr(nl + 1))["model"] == "gpt-4o-mini");
  CHECK(head["parts"][0]["bytes"] == step.size() - nl - 1);
}
