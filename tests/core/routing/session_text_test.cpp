// Session::NextText, the step the C ABI hands out: byte for byte Dump(Next(..)) at every step
// (twin sessions of one request, driven through the same reports, one read each way), an attempt
// step (written straight out) byte for byte the DOM it replaced, and the settle command it writes
// straight out for a served request (no DOM) is what the DOM would write: members in key order,
// "priced" exactly PricedUsageToJson's, the record's fields.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "switchyard/catalog/catalog.h"
#include "switchyard/json/json.h"
#include "switchyard/money/money.h"
#include "switchyard/request/request.h"
#include "switchyard/routing/session.h"
#include "switchyard/wire/wire.h"
#include "test_support.h"
#include "json_testing.h"

namespace switchyard::testing {
namespace {

Json J(std::string_view text) { return testing::JsonOf(text); }

constexpr int64_t kT0 = 1767225600000;

std::shared_ptr<const Catalog> SmallCatalog() {
  static std::shared_ptr<const Catalog> catalog = [] {
    Result<Catalog> c = Catalog::FromText(ReadFile("tests/fixtures/catalog/small.json"));
    REQUIRE(c.ok());
    return std::make_shared<const Catalog>(std::move(*c));
  }();
  return catalog;
}

// One session with its own Health and Stickiness (the twins must not hear of each other).
struct Twin {
  Health health;
  Stickiness stickiness;
  std::unique_ptr<Session> session;
  explicit Twin(const std::string& input) {
    Result<PlannedRequest> planned =
        PlanRequest(*SmallCatalog(), health, &stickiness, nullptr, J(input));
    INFO((planned.ok() ? std::string() : std::string(planned.status().message())));
    REQUIRE(planned.ok());
    Result<std::unique_ptr<Session>> s =
        Session::Create(SmallCatalog(), &health, &stickiness, std::move(*planned));
    REQUIRE(s.ok());
    session = std::move(*s);
  }
};

AttemptReport Head(int status, int64_t now_ms, const char* type = "application/json") {
  AttemptReport r;
  r.status = status;
  r.now_ms = now_ms;
  r.headers.emplace_back("content-type", type);
  return r;
}

AttemptReport Failure(const char* failure, int64_t now_ms) {
  AttemptReport r;
  r.failure = failure;
  r.now_ms = now_ms;
  if (std::string_view(failure) == "timeout") r.phase = "total";
  return r;
}

std::string Completion(const char* finish_reason) {
  return std::string(
             R"({"id":"up-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hello \"there\"\n"},"finish_reason":")") +
         finish_reason +
         R"("}],"usage":{"prompt_tokens":1200,"completion_tokens":7,"total_tokens":1207,"prompt_tokens_details":{"cached_tokens":300}}})";
}

std::string Stream() {
  return "data: {\"id\":\"u\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
         "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hel\"},"
         "\"finish_reason\":null}]}\n\n"
         "data: {\"id\":\"u\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
         "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"length\"}],"
         "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":2,\"total_tokens\":12}}\n\n"
         "data: [DONE]\n\n";
}

// A streamed attempt that serves: the head, the whole stream, its end.
void ServeStream(Session& s) {
  REQUIRE(s.OpenStream(Head(200, kT0 + 10, "text/event-stream")).ok());
  REQUIRE(s.Feed(Stream()).ok());
  AttemptReport end;
  end.now_ms = kT0 + 50;
  end.first_content_ms = kT0 + 20;
  REQUIRE(s.FinishStream(end).ok());
}

// An attempt step as the session built it before it was written as text (a DOM, then Dump),
// from the plan, the catalog and the request: what NextText must write byte for byte. The
// health events are the step's own (HealthEventToJson's DOM either way); the limits the
// defaults (no input here gives any).
Json DomAttemptStep(const std::string& input, const Session& session, const Json& step) {
  const Catalog& catalog = *SmallCatalog();
  const Plan& plan = session.plan();
  const std::optional<int64_t> index = FindInt(step, "index");
  REQUIRE(index);
  REQUIRE(*index < static_cast<int64_t>(plan.attempts.size()));
  const Attempt& a = plan.attempts[static_cast<size_t>(*index)];
  const Endpoint& e = catalog.endpoint(a.endpoint);
  const Provider& p = catalog.provider_of(e);
  const Json in = J(input);
  const Json* request = FindObject(in, "request");
  REQUIRE(request);
  AttemptSpec spec = MakeAttemptSpec(catalog, e, *request);
  spec.stream = plan.stream;
  Result<UpstreamRequest> up = BuildUpstreamRequest(spec);
  REQUIRE(up.ok());
  const AttemptLimits l;
  const Json* observed = Find(step, "observed");
  REQUIRE(observed);
  return Json{{"step", "attempt"},
              {"index", *index},
              {"provider", p.slug},
              {"provider_name", p.name},
              {"model", catalog.model_of(e).id},
              {"byok", a.byok()},
              {"stream", plan.stream},
              {"request", UpstreamRequestToJson(*up)},
              {"limits", {{"head_ms", plan.stream ? l.connect_ms : l.first_token_ms},
                          {"first_byte_ms", l.first_token_ms},
                          {"idle_ms", l.idle_ms},
                          {"total_ms", l.total_ms},
                          {"max_response_bytes", l.max_response_bytes}}},
              {"observed", *observed}};
}

// Runs `drive` on both twins; at each step compares NextText with Dump(Next), and an attempt
// step with the DOM it replaced. Returns the steps.
std::vector<std::string> Compare(const std::string& input,
                                 const std::function<void(Session&, int step)>& report) {
  Twin dom(input);
  Twin text(input);
  std::vector<std::string> steps;
  for (int i = 0; i < 8; ++i) {
    const int64_t now = kT0 + 100 * i;
    Result<Json> a = dom.session->Next(now, false);
    Result<std::string> b = text.session->NextText(now, false);
    REQUIRE(a.ok() == b.ok());
    if (!a.ok()) break;
    const std::string expected = Dump(*a);
    INFO("step " << i);
    CHECK(*b == expected);
    steps.push_back(*b);
    const std::string kind(FindString(*a, "step").value_or(""));
    if (kind != "attempt") break;
    CHECK(*b == Dump(DomAttemptStep(input, *dom.session, *a)));
    report(*dom.session, i);
    report(*text.session, i);
  }
  return steps;
}

const char* kMessages = R"("messages":[{"role":"user","content":"hi"}])";

// The settle command of a last step: in key order and compact (a DOM's Dump of it is the same
// bytes), its priced usage as money's PricedUsageToJson writes it.
void CheckSettle(const std::string& step) {
  Json parsed = J(step);
  CHECK(Dump(parsed) == step);
  const Json& priced = parsed["settle"]["priced"];
  Result<PricedUsage> p = PricedUsageFromJson(priced);
  REQUIRE(p.ok());
  CHECK(Dump(PricedUsageToJson(*p)) == Dump(priced));
}

}  // namespace

TEST_CASE("NextText is Dump(Next) at every step of a buffered request, the settled last one too") {
  const std::string input =
      std::string(R"({"request":{"model":"openai/gpt-4o-mini",)") + kMessages +
      R"(,"provider":{"order":["openai","deepinfra"]}},"context":{"account_id":"acct"},)"
      R"("now_ms":1767225600000,"seed":7,"generation_id":"gen-\"q\"",)"
      R"("record":{"session_id":"s-1","origin":"https://app.example","app_title":"Tab\t\u00e9",)"
      R"("http_referer":"https://app.example/x","external_user":"u-9"}})";
  std::vector<std::string> steps = Compare(input, [](Session& s, int step) {
    if (step == 0) {
      REQUIRE(s.Respond(Head(503, kT0 + 40), R"({"error":{"message":"busy"}})").ok());
    } else {
      REQUIRE(s.Respond(Head(200, kT0 + 100 * step + 60), Completion("stop")).ok());
    }
  });
  REQUIRE(steps.size() == 3);
  CheckSettle(steps.back());
  Json last = J(steps.back());
  CHECK(last["step"] == "respond");
  std::vector<std::string> keys;
  for (auto it = last["settle"]["generation"].begin(); it != last["settle"]["generation"].end();
       ++it) {
    keys.push_back(it.key());
  }
  CHECK(keys == std::vector<std::string>{"app_title", "cancelled", "external_user", "finish_reason",
                                         "generation_time_ms", "http_referer", "latency_ms",
                                         "model", "native_finish_reason", "origin", "provider_name",
                                         "provider_responses", "session_id", "streamed"});
  CHECK(last["settle"]["id"] == "gen-\"q\"");
  CHECK(last["settle"]["finish_reason"] == "stop");
  CHECK(last["settle"]["generation"]["model"] == "openai/gpt-4o-mini");
  CHECK(last["settle"]["generation"]["latency_ms"] == 60);
  CHECK(last["settle"]["generation"]["session_id"] == "s-1");
  CHECK(last["settle"]["generation"]["app_title"] == "Tab\t\u00e9");
  CHECK(last["settle"]["priced"]["usage"]["cached_tokens"] == 300);
  CHECK(last["settle"]["generation"]["provider_responses"].size() == 2);
}

TEST_CASE("NextText is Dump(Next) for a served stream's end, a failure and an early leave") {
  const std::string base =
      std::string(R"({"context":{"account_id":"acct"},"now_ms":1767225600000,)") +
      R"("seed":3,"generation_id":"gen-s","request":{"model":"openai/gpt-4o-mini",)" + kMessages;
  SECTION("a served stream, no record fields") {
    std::vector<std::string> steps =
        Compare(base + R"(,"stream":true}})", [](Session& s, int) { ServeStream(s); });
    REQUIRE(steps.size() == 2);
    CheckSettle(steps.back());
    Json last = J(steps.back());
    CHECK(last["step"] == "end");
    CHECK(last["settle"]["finish_reason"] == "length");
    CHECK(last["settle"]["generation"]["streamed"] == true);
  }
  SECTION("every attempt fails: the last step carries no settlement") {
    std::vector<std::string> steps = Compare(base + "}}", [](Session& s, int) {
      REQUIRE(s.Respond(Failure("timeout", kT0 + 30), "").ok());
    });
    REQUIRE(steps.size() >= 2);
    CHECK(J(steps.back())["settle"].is_null());
  }
  SECTION("the client leaves during the attempt") {
    std::vector<std::string> steps = Compare(base + "}}", [](Session& s, int) {
      REQUIRE(s.Respond(Failure("cancelled", kT0 + 30), "").ok());
    });
    REQUIRE(steps.size() == 2);
    CHECK(J(steps.back())["status"] == 499);
  }
}

TEST_CASE(
    "\"settle\":\"text\": the command as its JSON text, and the amount it charges beside it") {
  const std::string request = std::string(R"({"model":"openai/gpt-4o-mini",)") + kMessages +
                              R"(,"provider":{"order":["openai","deepinfra"]})";
  for (const char* stream : {"", R"(,"stream":true)"}) {
    const std::string base =
        std::string(R"({"context":{"account_id":"acct"},"now_ms":1767225600000,)") +
        R"("seed":7,"generation_id":"gen-t","record":{"origin":"o\"x"},"request":)" + request +
        stream + "}";
    auto drive = [&](Session& s, int) {
      if (*stream) {
        ServeStream(s);
      } else {
        REQUIRE(s.Respond(Head(200, kT0 + 60), Completion("stop")).ok());
      }
    };
    std::vector<std::string> as_object = Compare(base + "}", drive);
    std::vector<std::string> as_text = Compare(base + R"(,"settle":"text"})", drive);
    REQUIRE(as_object.size() == 2);
    REQUIRE(as_text.size() == 2);
    CHECK(as_text[0] == as_object[0]);  // the attempt is the same
    Json object = J(as_object[1]);
    Json text = J(as_text[1]);
    CHECK(Dump(text) == as_text[1]);  // key order, compact
    REQUIRE(text["settle"].is_string());
    // The same command, as text; the same step otherwise, with "charged" added.
    CHECK(text["settle"].get<std::string>() == Dump(object["settle"]));
    CHECK(text["charged"] == object["settle"]["priced"]["cost"]["charged"]);
    text.erase("charged");
    text["settle"] = object["settle"];
    CHECK(Dump(text) == as_object[1]);
  }
  // A failure settles nothing: no "charged", "settle" null.
  Json failed = J(
      Compare(
          std::string(
              R"({"context":{"account_id":"acct"},"now_ms":1767225600000,"seed":7,"settle":"text","request":{"model":"openai/gpt-4o-mini",)") +
              kMessages + "}}",
          [](Session& s, int) { REQUIRE(s.Respond(Failure("timeout", kT0 + 30), "").ok()); })
          .back());
  CHECK(failed["settle"].is_null());
  CHECK(failed.find("charged") == failed.end());
}

TEST_CASE("\"parts\":true: the large strings follow the step's JSON as bytes, listed in order") {
  const std::string request = std::string(R"({"model":"openai/gpt-4o-mini",)") + kMessages +
                              R"(,"provider":{"order":["openai","deepinfra"]})";
  // Reassembles a step with parts into the step without them: each listed field set to its bytes
  // as a string (the binding sets bytes; the text is the same).
  auto reassemble = [](const std::string& step) {
    const size_t nl = step.find('\n');
    REQUIRE(nl != std::string::npos);
    Json head = J(step.substr(0, nl));
    CHECK(Dump(head) == step.substr(0, nl));  // key order, compact: no raw newline inside
    REQUIRE(head["parts"].is_array());
    size_t at = nl + 1;
    for (const Json& part : head["parts"]) {
      const std::string field = part["field"].get<std::string>();
      const size_t bytes = static_cast<size_t>(part["bytes"].get<int64_t>());
      REQUIRE(at + bytes <= step.size());
      const std::string value = step.substr(at, bytes);
      at += bytes;
      if (field == "request.body") {
        CHECK(head["request"].find("body") == head["request"].end());
        head["request"]["body"] = value;
      } else {
        CHECK(head.find(field) == head.end());
        head[field] = value;
      }
    }
    CHECK(at == step.size());  // nothing after the last part
    head.erase("parts");
    return Dump(head);
  };
  for (const char* stream : {"", R"(,"stream":true)"}) {
    INFO("stream: " << (*stream ? "yes" : "no"));
    const std::string base =
        std::string(R"({"context":{"account_id":"acct"},"now_ms":1767225600000,)") +
        R"("seed":7,"generation_id":"gen-p","record":{"origin":"o\"x\n"},"request":)" + request +
        stream + "}";
    Twin text(base + R"(,"settle":"text"})");
    Twin parts(base + R"(,"parts":true})");  // implies "settle":"text"
    Twin dom(base + R"(,"parts":true})");
    for (int i = 0; i < 2; ++i) {
      const int64_t now = kT0 + 100 * i;
      Result<std::string> a = text.session->NextText(now, false);
      Result<std::string> b = parts.session->NextText(now, false);
      Result<Json> c = dom.session->Next(now, false);  // the DOM ignores parts
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      REQUIRE(c.ok());
      CHECK(Dump(*c) == *a);
      CHECK(*b != *a);
      CHECK(reassemble(*b) == *a);
      const std::vector<std::string> fields = [&] {
        std::vector<std::string> out;
        const Json head = J(b->substr(0, b->find('\n')));
        for (const Json& p : head["parts"]) out.push_back(p["field"].get<std::string>());
        return out;
      }();
      if (i == 0) {
        CHECK(fields == std::vector<std::string>{"request.body"});
        for (Twin* t : {&text, &parts, &dom}) {
          if (*stream) {
            ServeStream(*t->session);
          } else {
            REQUIRE(t->session->Respond(Head(200, kT0 + 60), Completion("stop")).ok());
          }
        }
      } else if (*stream) {
        CHECK(fields == std::vector<std::string>{"settle"});
      } else {
        CHECK(fields == std::vector<std::string>{"body", "settle"});
      }
    }
  }
  // A failure's last step has nothing to hand out as parts: plain JSON, no newline.
  Twin failed(std::string(R"({"context":{"account_id":"acct"},"now_ms":1767225600000,"seed":7,"parts":true,"request":{"model":"openai/gpt-4o-mini",)") +
              kMessages + "}}");
  std::string last;
  for (int i = 0; i < 8; ++i) {
    Result<std::string> step = failed.session->NextText(kT0 + 100 * i, false);
    REQUIRE(step.ok());
    last = *step;
    if (FindString(J(last.substr(0, last.find('\n'))), "step").value_or("") != "attempt") break;
    REQUIRE(failed.session->Respond(Failure("timeout", kT0 + 100 * i + 30), "").ok());
  }
  CHECK(last.find('\n') == std::string::npos);
  CHECK(J(last)["settle"].is_null());
  CHECK(J(last)["status"] == 408);  // every attempt timed out
}

TEST_CASE("context compression: an attempt on a small context sends the prompt cut to fit, a larger one the whole") {
  const char* kTwo = R"({"format":"switchyard-catalog","version":1,"sources":[],
"providers":[
{"slug":"oa","name":"OA","wire":"openai","base_url":"https://oa.example/v1","api_key_env":"OA_API_KEY","privacy_policy_url":null,"data_policy":{"training":false,"retains_prompts":true,"retention_days":null,"zdr":false},"max_tokens_param":"max_tokens"},
{"slug":"ob","name":"OB","wire":"openai","base_url":"https://ob.example/v1","api_key_env":"OB_API_KEY","privacy_policy_url":null,"data_policy":{"training":false,"retains_prompts":true,"retention_days":null,"zdr":false},"max_tokens_param":"max_tokens"}
],
"models":[{"id":"acme/chat","name":"Acme: Chat","created":1,"description":"","context_length":100000,"input_modalities":["text"],"output_modalities":["text"],"tokenizer":"Other","instruct_type":null,"supported_parameters":[],"is_moderated":false,"model_group":"other"}],
"endpoints":[
{"model":"acme/chat","provider":"oa","upstream_model":"small","context_length":2000,"pricing":{"prompt":"1","completion":"2"},"supported_parameters":[]},
{"model":"acme/chat","provider":"ob","upstream_model":"big","context_length":100000,"pricing":{"prompt":"5","completion":"10"},"supported_parameters":[]}
]})";
  Result<Catalog> c = Catalog::FromText(kTwo);
  REQUIRE(c.ok());
  auto catalog = std::make_shared<const Catalog>(std::move(*c));
  // The small context first, by the client's order (else it would come after the one holding
  // the prompt whole: the planner's test).
  Json request = J(R"({"model":"acme/chat","max_tokens":100,"provider":{"order":["oa","ob"]}})");
  request["messages"] = Json::array();
  request["messages"].push_back({{"role", "system"}, {"content", "be brief"}});
  for (int i = 0; i < 30; ++i) {
    request["messages"].push_back({{"role", i % 2 ? "assistant" : "user"}, {"content", std::to_string(i) + std::string(400, 'x')}});
  }
  REQUIRE(EstimatePromptTokens(request) > 2000);
  REQUIRE(EstimatePromptTokens(request) + 100 <= 4000);  // half of it fits the small context
  Json input = J(R"({"context":{"account_id":"acct"},"now_ms":1767225600000,"seed":7,"generation_id":"gen-c"})");
  input["request"] = request;
  Health health;
  Stickiness stickiness;
  Result<PlannedRequest> planned = PlanRequest(*catalog, health, &stickiness, nullptr, input);
  REQUIRE(planned.ok());
  auto s = Session::Create(catalog, &health, &stickiness, std::move(*planned));
  REQUIRE(s.ok());
  Result<Json> first = (*s)->Next(kT0, false);
  REQUIRE(first.ok());
  REQUIRE((*first)["step"] == "attempt");
  CHECK((*first)["provider"] == "oa");
  Json sent = J((*first)["request"]["body"].get<std::string>());
  CHECK(sent["model"] == "small");
  CHECK(sent["messages"].size() < request["messages"].size());
  CHECK(EstimatePromptTokens(sent) <= (2000 - 100) * 9 / 10);  // a tenth left for the estimate's error
  CHECK(sent["messages"][0]["content"] == "be brief");                         // the system message
  CHECK(sent["messages"][1]["content"].get<std::string>().substr(0, 2) == "0x");  // the opening
  CHECK(sent["messages"].back()["content"].get<std::string>().substr(0, 2) == "29");  // the latest turn
  REQUIRE((*s)->Respond(Head(500, kT0 + 10), R"({"error":{"message":"boom"}})").ok());
  Result<Json> second = (*s)->Next(kT0 + 10, false);
  REQUIRE(second.ok());
  REQUIRE((*second)["step"] == "attempt");
  CHECK((*second)["provider"] == "ob");
  Json whole = J((*second)["request"]["body"].get<std::string>());
  CHECK(whole["messages"] == request["messages"]);  // the large context gets it all
}

}  // namespace switchyard::testing
