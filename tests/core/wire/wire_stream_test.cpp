// The stream translator's contract with the host: the cost hook of the final chunk, CloseInput
// before pricing, no bytes before real content, and the buffered cost hook.
#include "switchyard/wire/sse.h"
#include "wire_fixture_support.h"
#include "json_testing.h"

namespace switchyard::testing {
namespace {

Json CaseNamed(const WireFixtures& f, const std::string& name) {
  for (const Json& c : f.manifest["cases"]) {
    if (testing::ValueOr(c, "name", "") == name) return c;
  }
  return Json();
}

TEST_CASE("stream: the final usage chunk carries the cost the host priced after CloseInput") {
  WireFixtures f = LoadFixtures("gemini");
  Json c = CaseNamed(f, "no_trailing_newline");  // the usage arrives in an event without a newline
  REQUIRE(c.is_object());
  auto w = MakeWorld(f, c);
  std::string body = ReadFile(f.Path(c["body"].get<std::string>()));
  auto t = StreamTranslator::Open(w->spec, 200, {}, 0);
  REQUIRE(t.ok());
  std::string out((*t)->Feed(body));
  CHECK((*t)->summary().usage.known == false);  // the last event is still pending
  (*t)->CloseInput();
  const Usage& usage = (*t)->summary().usage;
  REQUIRE(usage.known);
  CHECK(usage.prompt_tokens == 3);
  CHECK(usage.completion_tokens == 2);
  CHECK((*t)->Feed("data: ignored\n\n").empty());  // input is closed
  Json cost = {{"cost", 0.00042},
               {"is_byok", false},
               {"cost_details", {{"upstream_inference_cost", nullptr}}}};
  out += (*t)->Finish(false, "", &cost);
  // The bytes CloseInput produced (the last content chunk) come out of Finish, before the end.
  size_t bang = out.find("\"content\":\"!\"");
  size_t usage_at = out.find("\"choices\":[],\"usage\":");
  REQUIRE(bang != std::string::npos);
  REQUIRE(usage_at != std::string::npos);
  CHECK(bang < usage_at);
  std::string tail = out.substr(usage_at);
  CHECK(tail.find("\"cost\":0.00042") != std::string::npos);
  CHECK(tail.find("\"is_byok\":false") != std::string::npos);
  CHECK(out.size() >= kSseDone.size());
  CHECK(out.substr(out.size() - kSseDone.size()) == kSseDone);
  CHECK((*t)->summary().outcome == Outcome::kDone);
  CHECK((*t)->Finish(false, "", nullptr).empty());  // a second Finish adds nothing
}

TEST_CASE("stream: an Anthropic client gets the cost in message_delta usage") {
  WireFixtures f = LoadFixtures("openai");
  Json c = CaseNamed(f, "text_for_anthropic_client");
  auto w = MakeWorld(f, c);
  auto t = StreamTranslator::Open(w->spec, 200, {}, 0);
  REQUIRE(t.ok());
  std::string out((*t)->Feed(ReadFile(f.Path(c["body"].get<std::string>()))));
  Json cost = {{"cost", 1.5}};
  out += (*t)->Finish(false, "", &cost);
  size_t delta = out.find("event: message_delta");
  REQUIRE(delta != std::string::npos);
  CHECK(out.find("\"cost\":1.5", delta) != std::string::npos);
  CHECK(out.find("event: message_stop") > delta);
  CHECK(out.find("[DONE]") == std::string::npos);  // Anthropic streams end with message_stop
}

TEST_CASE("stream: nothing is emitted before real content, so an early error leaves no bytes") {
  WireFixtures f = LoadFixtures("anthropic");
  auto w = MakeWorld(f, Json{{"kind", "stream"}});
  auto t = StreamTranslator::Open(w->spec, 200, {}, 0);
  REQUIRE(t.ok());
  CHECK((*t)->Feed("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":"
                   "{\"input_tokens\":5,\"output_tokens\":1}}}\n\n")
            .empty());
  CHECK((*t)->Feed("event: ping\ndata: {\"type\":\"ping\"}\n\n").empty());
  CHECK(
      (*t)->Feed("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                 "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n")
          .empty());
  CHECK(!(*t)->summary().first_byte_emitted);
  CHECK(
      (*t)->Feed("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
                 "\"message\":\"slow down\"}}\n\n")
          .empty());
  const StreamSummary& s = (*t)->summary();
  CHECK(s.terminated);
  CHECK(s.outcome == Outcome::kRetry);
  CHECK(s.error_type == "rate_limit_exceeded");
  CHECK(s.error_status == 429);
  CHECK(testing::JsonOf(s.error_body)["error"]["code"] == 429);
  CHECK((*t)->Finish(false, "", nullptr).empty());
  Json j = (*t)->SummaryJson();
  CHECK(j["outcome"] == "retry");
  CHECK(j["first_byte_emitted"] == false);
}

TEST_CASE("stream: an abort after the provider finished is a normal end") {
  WireFixtures f = LoadFixtures("openai");
  Json c = CaseNamed(f, "text");
  auto w = MakeWorld(f, c);
  std::string body = ReadFile(f.Path(c["body"].get<std::string>()));
  body = body.substr(0, body.find("data: [DONE]"));  // finish and usage seen, [DONE] lost
  auto t = StreamTranslator::Open(w->spec, 200, {}, 0);
  REQUIRE(t.ok());
  std::string out((*t)->Feed(body));
  out += (*t)->Finish(true, "connection", nullptr);
  CHECK((*t)->summary().outcome == Outcome::kDone);
  CHECK(out.find("\"choices\":[],\"usage\"") != std::string::npos);
}

TEST_CASE("buffered: the cost hook merges into the client body's usage") {
  WireFixtures f = LoadFixtures("anthropic");
  Json c = CaseNamed(f, "tool_use");
  auto w = MakeWorld(f, c);
  AttemptResult r = TranslateResponse(w->spec, 200, {}, ReadFile(f.Path(c["body"].get<std::string>())), 0);
  REQUIRE(r.outcome == Outcome::kDone);
  Json cost = {{"cost", 0.0123}, {"is_byok", true}};
  Json body = testing::JsonOf(RenderClientBody(r, &cost));
  CHECK(body["usage"]["cost"] == 0.0123);
  CHECK(body["usage"]["is_byok"] == true);
  CHECK(body["usage"]["prompt_tokens"] == 2520);
  CHECK(RenderClientBody(r, nullptr) == r.client_body);
  // Taking the result (as the Session does, having asked for no client_body): the same bytes.
  AttemptSpec once = w->spec;
  once.client_body = false;
  AttemptResult taken = TranslateResponse(once, 200, {}, ReadFile(f.Path(c["body"].get<std::string>())), 0);
  CHECK(taken.client_body.empty());
  CHECK(RenderClientBody(AttemptResult(taken), &cost) == RenderClientBody(r, &cost));
  CHECK(RenderClientBody(AttemptResult(taken), nullptr) == r.client_body);
  CHECK(RenderClientBody(AttemptResult(r), &cost) == RenderClientBody(r, &cost));
  Json api = AttemptResultToJson(r, &cost);
  CHECK(api["body"]["usage"]["cost"] == 0.0123);
  CHECK(api["outcome"] == "done");
  // Failures are never priced.
  AttemptResult fail = TranslateResponse(w->spec, 529, {}, "{}", 0);
  CHECK(RenderClientBody(fail, &cost) == fail.client_body);
  AttemptResult fail_once = TranslateResponse(once, 529, {}, "{}", 0);
  CHECK(fail_once.client_body == fail.client_body);  // failures always carry it
  CHECK(RenderClientBody(std::move(fail_once), &cost) == fail.client_body);
  CHECK(fail.usage.requests == 0);
}

}  // namespace
}  // namespace switchyard::testing

namespace switchyard::testing {
namespace {

TEST_CASE("stream and buffered: invalid UTF-8 from a provider becomes U+FFFD, output stays valid") {
  WireFixtures f = LoadFixtures("openai");
  auto w = MakeWorld(f, Json{{"kind", "stream"}});
  auto t = StreamTranslator::Open(w->spec, 200, {}, 0);
  REQUIRE(t.ok());
  // "caf\xC3" + "\xA9" split across two chunks as two JSON strings: each half is invalid alone.
  std::string out((*t)->Feed(
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"caf\xC3\"}}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\xA9 ok \xE2\x82\xAC\"},"
      "\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"));
  out += (*t)->Finish(false, "", nullptr);
  CHECK(out.find("caf\\ufffd") != std::string::npos);
  CHECK(out.find("\\ufffd ok \xE2\x82\xAC") != std::string::npos);  // valid UTF-8 passes through
  SseParser parser;
  int events = 0;
  auto on = [&](const SseEvent& e) {
    ++events;
    if (e.data != "[DONE]") CHECK(testing::TryJson(e.data));
  };
  parser.Feed(out, on);
  parser.Finish(on);
  CHECK(events == 5);

  AttemptResult r =
      TranslateResponse(w->spec, 200, {},
                        "{\"choices\":[{\"message\":{\"content\":\"caf\xC3 \xF0\x9F\x98\x80\"},"
                        "\"finish_reason\":\"stop\"}]}",
                        0);
  REQUIRE(r.outcome == Outcome::kDone);
  CHECK(r.client_json["choices"][0]["message"]["content"] == "caf\xEF\xBF\xBD \xF0\x9F\x98\x80");
}

}  // namespace
}  // namespace switchyard::testing
