// The OpenAI Responses API as a client format: a POST /responses request becomes the chat request
// the router takes (tests/fixtures/wire/responses_in/), and answers from every upstream format
// (the openai / anthropic / gemini fixtures) come back as a `response` object or as the
// Responses event sequence, the streamed one equal to the buffered one (text, items, usage, cost)
// under any split of the upstream bytes. Golden outputs: tests/fixtures/wire/responses_out/.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "switchyard/wire/responses.h"
#include "wire_fixture_support.h"
#include "json_testing.h"

namespace switchyard::testing {
namespace {

const char* const kFormats[] = {"openai", "anthropic", "gemini"};

// The settings a client sent: what the response object echoes.
Json ClientRequest() {
  return testing::JsonOf(R"({"model":"x/y","instructions":"Be brief.","input":"Hi","max_output_tokens":500,
    "temperature":0.5,"metadata":{"trace":"t-1"},"user":"u-7",
    "tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}}],
    "reasoning":{"effort":"low"}})");
}

// A money-module cost object as the host passes it.
Json Cost() {
  return testing::JsonOf(R"({"cost":0.00123,"is_byok":false,"cost_details":{
    "upstream_inference_cost":0.00123,"upstream_inference_prompt_cost":0.001,
    "upstream_inference_completions_cost":0.00023}})");
}

struct Event {
  std::string name;
  Json data;
};

// Splits client SSE bytes into events, checking the framing every Responses client relies on.
std::vector<Event> ParseEvents(const std::string& bytes) {
  std::vector<Event> events;
  size_t at = 0;
  while (at < bytes.size()) {
    size_t end = bytes.find("\n\n", at);
    REQUIRE(end != std::string::npos);
    std::string block = bytes.substr(at, end - at);
    at = end + 2;
    REQUIRE(block.rfind("event: ", 0) == 0);
    size_t nl = block.find('\n');
    REQUIRE(nl != std::string::npos);
    Event e;
    e.name = block.substr(7, nl - 7);
    std::string data = block.substr(nl + 1);
    REQUIRE(data.rfind("data: ", 0) == 0);
    e.data = testing::JsonOf(data.substr(6));  // stops the run unless JSON
    CHECK(testing::ValueOr(e.data, "type", "") == e.name);  // the event line names the event
    events.push_back(std::move(e));
  }
  return events;
}

// What a client would rebuild from the deltas: text per item.
struct Rebuilt {
  std::map<std::string, std::string> text, refusal, summary, args;
  Json final_response;  // from the terminal event
  std::string terminal;
};

Rebuilt CheckSequence(const std::vector<Event>& events) {
  Rebuilt r;
  REQUIRE(events.size() >= 2);
  CHECK(events[0].name == "response.created");
  CHECK(events[1].name == "response.in_progress");
  CHECK(events[0].data["response"]["status"] == "in_progress");
  std::set<std::string> open_items;
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    INFO("event " << i << " " << e.name);
    CHECK(testing::ValueOr(e.data, "sequence_number", int64_t{-1}) == static_cast<int64_t>(i));
    std::string item = testing::ValueOr(e.data, "item_id", "");
    if (e.name == "response.output_item.added") {
      std::string id = testing::ValueOr(e.data["item"], "id", "");
      CHECK(open_items.insert(id).second);
    } else if (e.name == "response.output_item.done") {
      CHECK(open_items.erase(testing::ValueOr(e.data["item"], "id", "")) == 1);
    } else if (e.name == "response.output_text.delta") {
      CHECK(open_items.count(item) == 1);
      r.text[item] += testing::ValueOr(e.data, "delta", "");
    } else if (e.name == "response.output_text.done") {
      CHECK(testing::ValueOr(e.data, "text", "") == r.text[item]);
    } else if (e.name == "response.refusal.delta") {
      r.refusal[item] += testing::ValueOr(e.data, "delta", "");
    } else if (e.name == "response.reasoning_summary_text.delta") {
      r.summary[item] += testing::ValueOr(e.data, "delta", "");
    } else if (e.name == "response.reasoning_summary_text.done") {
      CHECK(testing::ValueOr(e.data, "text", "") == r.summary[item]);
    } else if (e.name == "response.function_call_arguments.delta") {
      CHECK(open_items.count(item) == 1);
      r.args[item] += testing::ValueOr(e.data, "delta", "");
    } else if (e.name == "response.function_call_arguments.done") {
      CHECK(testing::ValueOr(e.data, "arguments", "") == r.args[item]);
    }
    bool terminal = e.name == "response.completed" || e.name == "response.incomplete" ||
                    e.name == "response.failed";
    if (terminal) {
      CHECK(i + 1 == events.size());  // nothing after the end, and no [DONE]
      r.terminal = e.name;
      r.final_response = e.data["response"];
    }
  }
  if (r.terminal != "response.failed") CHECK(open_items.empty());
  return r;
}

// A response with what legitimately differs between a stream and its buffered twin made equal:
// function arguments compared as JSON (a provider's streamed fragments keep its spacing, the
// buffered object is re-serialised), and reasoning signatures the buffered Gemini answer does not
// carry.
Json Comparable(Json response) {
  for (Json& item : response["output"]) {
    if (testing::ValueOr(item, "type", "") == "function_call") {
      if (auto args = testing::TryJson(testing::ValueOr(item, "arguments", ""))) item["arguments"] = args->dump();
    }
    if (testing::ValueOr(item, "type", "") == "reasoning" && testing::ValueOr(item, "format", "") == "google-gemini-v1") {
      item.erase("encrypted_content");
      item.erase("format");
    }
  }
  return response;
}

// Runs a fixture case with a Responses client.
std::unique_ptr<CaseWorld> ResponsesWorld(const WireFixtures& f, Json c) {
  c["client_format"] = "responses";
  auto w = MakeWorld(f, c);
  Result<Json> chat = ResponsesToChat(ClientRequest());
  REQUIRE(chat.ok());
  // The upstream fixture's own request (its tools, reasoning settings) with the client's echo.
  (*chat)["messages"] = w->request["messages"];
  w->request[kResponsesEchoKey] = (*chat)[kResponsesEchoKey];
  return w;
}

std::string RunStreamWithCost(const AttemptSpec& spec, const Json& c,
                              const std::vector<std::string>& pieces, const Json* cost,
                              Usage* usage) {
  auto t = StreamTranslator::Open(spec, testing::ValueOr(c, "status", 200), CaseHeaders(c), 0);
  REQUIRE(t.ok());
  std::string out;
  for (const std::string& piece : pieces) {
    out += (*t)->Feed(piece);
    if ((*t)->summary().terminated) break;
  }
  bool aborted = testing::ValueOr(c, "aborted", false);
  if (!aborted) (*t)->CloseInput();
  out += (*t)->Finish(aborted, testing::ValueOr(c, "abort_reason", "connection"), cost);
  if (usage) *usage = (*t)->summary().usage;
  return out;
}

void ExpectGolden(const std::string& file, const std::string& actual) {
  if (UpdateFixtures()) {
    WriteFile(file, actual);
    return;
  }
  INFO("expectation file " << file);
  CHECK(actual == ReadFile(file));
}

TEST_CASE("responses in: fixtures of ResponsesToChat") {
  const std::string dir = "tests/fixtures/wire/responses_in/";
  Json manifest = ReadJsonFile(dir + "cases.json");
  const Json* cases = FindArray(manifest, "cases");
  REQUIRE(cases);
  REQUIRE(cases->size() >= 20);
  for (const Json& c : *cases) {
    std::string name = testing::ValueOr(c, "name", "");
    INFO(name);
    Json input = ReadJsonFile(dir + testing::ValueOr(c, "input", ""));
    REQUIRE(input.is_object());
    Result<Json> chat = ResponsesToChat(input);
    Json actual = chat.ok() ? *chat : Json{{"error", ResponsesErrorBody(chat.status())}};
    bool want_error = name.rfind("error_", 0) == 0;
    CHECK(chat.ok() == !want_error);
    if (!chat.ok()) {
      // A refusal names the field, in the OpenAI error shape, with status 400.
      CHECK(chat.status().http_status() == 400);
      CHECK(!FindString(actual["error"]["error"], "message").value_or("").empty());
    }
    std::string file = dir + testing::ValueOr(c, "expect", "");
    if (UpdateFixtures()) {
      WriteFile(file, actual.dump(2) + "\n");
    } else {
      CHECK(actual == ReadJsonFile(file));
    }
  }
}

TEST_CASE("responses in: stateless refusals name the field") {
  for (const char* field : {"store", "previous_response_id", "conversation", "background"}) {
    Json req = {{"model", "a/b"}, {"input", "Hi"}};
    req[field] = std::string(field) == "store" || std::string(field) == "background"
                     ? Json(true)
                     : Json("x_1");
    Result<Json> chat = ResponsesToChat(req);
    INFO(field);
    REQUIRE(!chat.ok());
    CHECK(chat.status().message().find(field) != std::string::npos);
    CHECK(chat.status().http_status() == 400);
  }
  // Explicitly off is fine.
  CHECK(ResponsesToChat(testing::JsonOf(R"({"model":"a/b","input":"Hi","store":false,
        "background":false,"previous_response_id":null})"))
            .ok());
  // Chat Completions parameters are refused, naming the Responses field meant.
  for (auto [field, instead] : {std::pair{"max_tokens", "max_output_tokens"},
                                {"max_completion_tokens", "max_output_tokens"},
                                {"messages", "input"},
                                {"response_format", "text.format"}}) {
    Json req = {{"model", "a/b"}, {"input", "Hi"}};
    req[field] = 16;
    Result<Json> chat = ResponsesToChat(req);
    INFO(field);
    REQUIRE(!chat.ok());
    CHECK(chat.status().message().find(instead) != std::string::npos);
    CHECK(chat.status().http_status() == 400);
  }
  // Hosted tools are named.
  Result<Json> hosted = ResponsesToChat(
      testing::JsonOf(R"({"model":"a/b","input":"Hi","tools":[{"type":"file_search"}]})"));
  REQUIRE(!hosted.ok());
  CHECK(hosted.status().message().find("file_search") != std::string::npos);
}

TEST_CASE("responses in: the echo key never goes upstream") {
  Result<Json> chat = ResponsesToChat(ClientRequest());
  REQUIRE(chat.ok());
  REQUIRE(chat->contains(kResponsesEchoKey));
  for (WireFormat wire : {WireFormat::kOpenAI, WireFormat::kAnthropic, WireFormat::kGemini,
                          WireFormat::kOpenAIResponses}) {
    Provider provider;
    provider.slug = "p";
    provider.name = "P";
    provider.wire = wire;
    provider.base_url = "https://example.test/v1";
    Endpoint endpoint;
    endpoint.upstream_model = "m";
    AttemptSpec spec;
    spec.provider = &provider;
    spec.endpoint = &endpoint;
    spec.request = &*chat;
    spec.model_id = "x/y";
    spec.client_format = ClientFormat::kResponses;
    Result<UpstreamRequest> up = BuildUpstreamRequest(spec);
    REQUIRE(up.ok());
    CHECK(up->body.find(kResponsesEchoKey) == std::string::npos);
    CHECK(up->body.find("t-1") == std::string::npos);  // metadata is not sent
  }
}

TEST_CASE("responses out: a chat completion becomes a response object") {
  Json completion = testing::JsonOf(R"({
    "id":"gen-1-abc","object":"chat.completion","created":1700000000,"model":"openai/gpt-4o",
    "provider":"OpenAI",
    "choices":[{"index":0,"finish_reason":"length","native_finish_reason":"length","message":{
      "role":"assistant","content":"Partial","reasoning":"Because.",
      "tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}}]}}],
    "usage":{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120,
             "prompt_tokens_details":{"cached_tokens":60,"cache_write_tokens":30},
             "completion_tokens_details":{"reasoning_tokens":5}}})");
  Result<Json> chat = ResponsesToChat(ClientRequest());
  REQUIRE(chat.ok());
  Json r = ChatCompletionToResponses(completion, (*chat)[kResponsesEchoKey]);
  CHECK(r["object"] == "response");
  CHECK(r["id"] == "gen-1-abc");
  CHECK(r["created_at"] == 1700000000);
  CHECK(r["status"] == "incomplete");
  CHECK(r["incomplete_details"] == testing::JsonOf(R"({"reason":"max_output_tokens"})"));
  CHECK(r["error"].is_null());
  CHECK(r["instructions"] == "Be brief.");
  CHECK(r["max_output_tokens"] == 500);
  CHECK(r["temperature"] == 0.5);
  CHECK(r["metadata"] == testing::JsonOf(R"({"trace":"t-1"})"));
  CHECK(r["tools"] == ClientRequest()["tools"]);
  CHECK(r["reasoning"]["effort"] == "low");
  CHECK(r["tool_choice"] == "auto");
  CHECK(r["parallel_tool_calls"] == true);
  CHECK(r["text"] == testing::JsonOf(R"({"format":{"type":"text"}})"));
  REQUIRE(r["output"].size() == 3);
  CHECK(r["output"][0] == testing::JsonOf(R"({"id":"rs_1-abc_0","type":"reasoning",
        "summary":[{"type":"summary_text","text":"Because."}]})"));
  CHECK(r["output"][1] == testing::JsonOf(R"({"id":"msg_1-abc","type":"message","status":"incomplete",
        "role":"assistant","content":[{"type":"output_text","text":"Partial","annotations":[]}]})"));
  CHECK(r["output"][2] == testing::JsonOf(R"({"id":"fc_1-abc_0","type":"function_call",
        "status":"completed","call_id":"call_1","name":"f","arguments":"{\"x\":1}"})"));
  CHECK(r["usage"] == testing::JsonOf(R"({"input_tokens":100,"input_tokens_details":{"cached_tokens":60,
        "cache_write_tokens":30},"output_tokens":20,"output_tokens_details":{"reasoning_tokens":5},
        "total_tokens":120})"));

  // A refusal is its own content part; content_filter is incomplete.
  Json refused = completion;
  refused["choices"][0]["finish_reason"] = "content_filter";
  refused["choices"][0]["message"] = testing::JsonOf(R"({"role":"assistant","content":null,"refusal":"No."})");
  Json rr = ChatCompletionToResponses(refused, Json());
  CHECK(rr["incomplete_details"]["reason"] == "content_filter");
  REQUIRE(rr["output"].size() == 1);
  CHECK(rr["output"][0]["content"] == testing::JsonOf(R"([{"type":"refusal","refusal":"No."}])"));
  // Defaults without an echo are the nullable fields a client validates.
  CHECK(rr["instructions"].is_null());
  CHECK(rr["tools"] == Json::array());
  CHECK(rr["temperature"].is_null());
  // Garbage in: still a well-formed response.
  Json empty = ChatCompletionToResponses(testing::JsonOf(R"({"choices":"x","usage":[]})"), Json());
  CHECK(empty["status"] == "completed");
  CHECK(empty["output"] == Json::array());
  CHECK(empty["usage"]["total_tokens"] == 0);
}

TEST_CASE("responses out: cost fields join the usage, with the input/output split") {
  Json completion = testing::JsonOf(R"({"id":"gen-2","created":1,"model":"m","choices":[{"index":0,
    "finish_reason":"stop","message":{"role":"assistant","content":"Hi"}}],
    "usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}})");
  AttemptResult r;
  r.outcome = Outcome::kDone;
  r.client_json = ChatCompletionToResponses(completion, Json());
  r.client_body = Dump(r.client_json);
  Json cost = Cost();
  Json body = testing::JsonOf(RenderClientBody(r, &cost));
  CHECK(body["usage"]["cost"] == 0.00123);
  CHECK(body["usage"]["is_byok"] == false);
  CHECK(body["usage"]["cost_details"]["upstream_inference_input_cost"] == 0.001);
  CHECK(body["usage"]["cost_details"]["upstream_inference_output_cost"] == 0.00023);
  CHECK(body["usage"]["cost_details"]["upstream_inference_prompt_cost"] == 0.001);
  CHECK(body["usage"]["input_tokens"] == 3);
}

TEST_CASE("responses out: every upstream stream, as Responses events, equals its buffered twin") {
  int twins = 0, streams = 0;
  for (const char* format : kFormats) {
    WireFixtures f = LoadFixtures(format);
    const Json* cases = FindArray(f.manifest, "cases");
    REQUIRE(cases);
    std::map<std::string, Json> buffered;  // response case → the client body with cost
    std::map<std::string, Usage> buffered_usage;
    std::map<std::string, std::string> buffered_request;  // which request file the twin used
    for (const Json& c : *cases) {
      if (testing::ValueOr(c, "kind", "") != "response" || testing::ValueOr(c, "client_format", "") == "anthropic") continue;
      auto w = ResponsesWorld(f, c);
      std::string body = ReadFile(f.Path(testing::ValueOr(c, "body", "")));
      AttemptResult r = TranslateResponse(w->spec, testing::ValueOr(c, "status", 200), CaseHeaders(c), body, 0);
      Json cost = Cost();
      Json client = testing::JsonOf(RenderClientBody(r, &cost));  // stops the run unless JSON
      if (r.outcome == Outcome::kDone) {
        CHECK(client["object"] == "response");
      } else {
        CHECK(client.contains("error"));  // the OpenAI error shape
        CHECK(client["error"].contains("message"));
      }
      buffered[testing::ValueOr(c, "name", "")] = client;
      buffered_usage[testing::ValueOr(c, "name", "")] = r.usage;
      buffered_request[testing::ValueOr(c, "name", "")] = testing::ValueOr(c, "request", "");
    }
    for (const Json& c : *cases) {
      if (testing::ValueOr(c, "kind", "") != "stream" || testing::ValueOr(c, "client_format", "") == "anthropic") continue;
      std::string name = testing::ValueOr(c, "name", "");
      INFO(format << "/" << name);
      ++streams;
      auto w = ResponsesWorld(f, c);
      std::string body = ReadFile(f.Path(testing::ValueOr(c, "body", "")));
      Json cost = Cost();
      Usage usage;
      std::string whole = RunStreamWithCost(w->spec, c, {body}, &cost, &usage);
      for (uint64_t seed = 1; seed <= 24; ++seed) {
        INFO("seed " << seed);
        REQUIRE(RunStreamWithCost(w->spec, c, SplitRandomly(body, seed), &cost, nullptr) == whole);
      }
      if (whole.empty()) continue;  // failed before the first byte: the host falls back
      Rebuilt rebuilt = CheckSequence(ParseEvents(whole));
      Json final_response = rebuilt.final_response;
      // The items in the final response carry what the deltas said.
      for (const Json& item : final_response["output"]) {
        std::string id = testing::ValueOr(item, "id", "");
        if (item["type"] == "message") {
          for (const Json& part : item["content"]) {
            if (part["type"] == "output_text") CHECK(part["text"] == rebuilt.text[id]);
            if (part["type"] == "refusal") CHECK(part["refusal"] == rebuilt.refusal[id]);
          }
        } else if (item["type"] == "function_call") {
          CHECK(item["arguments"] == rebuilt.args[id]);
        } else if (item["type"] == "reasoning" && !item["summary"].empty()) {
          CHECK(item["summary"][0]["text"] == rebuilt.summary[id]);
        }
      }
      auto twin = FindString(c, "twin");
      if (!twin) continue;
      ++twins;
      REQUIRE(buffered.count(std::string(*twin)) == 1);
      const Json& expected = buffered[std::string(*twin)];
      CHECK(usage == buffered_usage[std::string(*twin)]);
      // Same usage and cost always; the same response when the request was the same (a stream
      // that excluded reasoning has its twin's usage, not its output).
      CHECK(final_response["usage"] == expected["usage"]);
      if (testing::ValueOr(c, "request", "") != buffered_request[std::string(*twin)]) continue;
      Json streamed = Comparable(final_response), want = Comparable(expected);
      CHECK(streamed["output"] == want["output"]);
      CHECK(streamed == want);
    }
  }
  CHECK(streams >= 20);
  CHECK(twins >= 10);
}

TEST_CASE("responses out: a streamed refusal and a length cut end as response.incomplete") {
  Provider provider;
  provider.slug = "openai";
  provider.name = "OpenAI";
  provider.wire = WireFormat::kOpenAI;
  Endpoint endpoint;
  Result<Json> request = ResponsesToChat(ClientRequest());
  REQUIRE(request.ok());
  AttemptSpec spec;
  spec.provider = &provider;
  spec.endpoint = &endpoint;
  spec.request = &*request;
  spec.model_id = "openai/gpt-4o";
  spec.generation_id = "gen-7";
  spec.created = 7;
  spec.stream = true;
  spec.client_format = ClientFormat::kResponses;
  auto chunk = [](const std::string& delta, const std::string& finish) {
    return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
           "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}\n\n";
  };
  std::string body = chunk(R"({"role":"assistant","content":"Par"})", "null") +
                     chunk(R"({"content":"tial"})", "null") +
                     chunk(R"({"refusal":"I can't"})", "null") +
                     chunk(R"({"refusal":" go on."})", "null") + chunk("{}", R"("length")") +
                     "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                     "\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":4,"
                     "\"completion_tokens\":6,\"total_tokens\":10}}\n\ndata: [DONE]\n\n";
  Json cost = Cost();
  Json c = {{"status", 200}, {"headers", {{"content-type", "text/event-stream"}}}};
  Usage usage;
  std::string out = RunStreamWithCost(spec, c, {body}, &cost, &usage);
  for (uint64_t seed = 1; seed <= 16; ++seed) {
    CHECK(RunStreamWithCost(spec, c, SplitRandomly(body, seed), &cost, nullptr) == out);
  }
  std::vector<Event> events = ParseEvents(out);
  Rebuilt r = CheckSequence(events);
  CHECK(r.terminal == "response.incomplete");
  CHECK(r.final_response["status"] == "incomplete");
  CHECK(r.final_response["incomplete_details"] == testing::JsonOf(R"({"reason":"max_output_tokens"})"));
  CHECK(r.final_response["completed_at"].is_null());
  CHECK(r.final_response["usage"]["output_tokens"] == 6);
  CHECK(r.final_response["usage"]["cost"] == 0.00123);
  REQUIRE(r.final_response["output"].size() == 1);
  const Json& message = r.final_response["output"][0];
  CHECK(message["status"] == "incomplete");
  CHECK(message["content"] == testing::JsonOf(R"([{"type":"output_text","text":"Partial","annotations":[]},
                                              {"type":"refusal","refusal":"I can't go on."}])"));
  CHECK(r.refusal["msg_7"] == "I can't go on.");
  bool refusal_done = false;
  for (const Event& e : events) {
    if (e.name == "response.refusal.done") {
      refusal_done = true;
      CHECK(e.data["refusal"] == "I can't go on.");
      CHECK(e.data["content_index"] == 1);
    }
  }
  CHECK(refusal_done);
}

TEST_CASE("responses out: golden event sequences and bodies") {
  const std::string out_dir = "tests/fixtures/wire/responses_out/";
  Json manifest = ReadJsonFile(out_dir + "cases.json");
  const Json* cases = FindArray(manifest, "cases");
  REQUIRE(cases);
  REQUIRE(cases->size() >= 6);
  for (const Json& g : *cases) {
    std::string format = testing::ValueOr(g, "format", ""), name = testing::ValueOr(g, "case", "");
    INFO(format << "/" << name);
    WireFixtures f = LoadFixtures(format);
    const Json* all = FindArray(f.manifest, "cases");
    REQUIRE(all);
    const Json* c = nullptr;
    for (const Json& x : *all) {
      if (testing::ValueOr(x, "name", "") == name && testing::ValueOr(x, "kind", "") == testing::ValueOr(g, "kind", "")) c = &x;
    }
    REQUIRE(c);
    auto w = ResponsesWorld(f, *c);
    std::string body = ReadFile(f.Path(testing::ValueOr(*c, "body", "")));
    Json cost = Cost();
    std::string actual;
    if (testing::ValueOr(g, "kind", "") == "stream") {
      actual = RunStreamWithCost(w->spec, *c, {body}, &cost, nullptr);
    } else {
      AttemptResult r = TranslateResponse(w->spec, testing::ValueOr(*c, "status", 200), CaseHeaders(*c), body, 0);
      actual = testing::JsonOf(RenderClientBody(r, &cost)).dump(2) + "\n";
    }
    ExpectGolden(out_dir + testing::ValueOr(g, "expect", ""), actual);
  }
}

TEST_CASE("responses out: a failure after the first byte is response.failed; before it, no bytes") {
  WireFixtures f = LoadFixtures("openai");
  const Json* cases = FindArray(f.manifest, "cases");
  REQUIRE(cases);
  bool after = false, before = false;
  for (const Json& c : *cases) {
    std::string name = testing::ValueOr(c, "name", "");
    if (testing::ValueOr(c, "kind", "") != "stream") continue;
    if (name != "error_after_content" && name != "error_before_content") continue;
    auto w = ResponsesWorld(f, c);
    std::string body = ReadFile(f.Path(testing::ValueOr(c, "body", "")));
    auto t = StreamTranslator::Open(w->spec, 200, CaseHeaders(c), 0);
    REQUIRE(t.ok());
    std::string out((*t)->Feed(body));
    (*t)->CloseInput();
    out += (*t)->Finish(false, "", nullptr);
    if (name == "error_after_content") {
      after = true;
      Rebuilt r = CheckSequence(ParseEvents(out));
      CHECK(r.terminal == "response.failed");
      CHECK(r.final_response["status"] == "failed");
      CHECK(r.final_response["error"]["code"] == "server_error");
      CHECK(!testing::ValueOr(r.final_response["error"], "message", "").empty());
      CHECK(out.find("[DONE]") == std::string::npos);
    } else {
      before = true;
      CHECK(out.empty());
      CHECK((*t)->summary().outcome != Outcome::kDone);
      Json error = testing::JsonOf((*t)->summary().error_body);
      CHECK(error["error"].contains("message"));  // the OpenAI error shape, for a fallback or the client
    }
  }
  CHECK(after);
  CHECK(before);
}

}  // namespace
}  // namespace switchyard::testing
