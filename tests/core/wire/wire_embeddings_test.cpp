// POST /embeddings in the core: the request's validation (a bad-input table), the upstream
// requests of both wire formats, response translation (numbers copied exactly, base64 from
// floats, garbage, error bodies, wrong counts and lengths, usage given or estimated) and the
// cost merged into the body. The whole life through a Session: routing/embeddings_session_test.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "switchyard/catalog/catalog.h"
#include "switchyard/json/json.h"
#include "switchyard/request/request.h"
#include "switchyard/wire/embeddings.h"
#include "switchyard/wire/wire.h"
#include "test_support.h"
#include "json_testing.h"

namespace switchyard::testing {
namespace {

Json J(std::string_view text) { return testing::JsonOf(text); }

// ---- request validation -----------------------------------------------------------------------

TEST_CASE("embeddings requests: valid shapes and their token estimates") {
  struct Case {
    const char* body;
    size_t count;
    bool tokens;
    int64_t estimate, largest;
  };
  const Case cases[] = {
      {R"({"model":"m","input":"hello world!"})", 1, false, 3, 3},
      {R"({"model":"m","input":["abcd","abcdefgh"]})", 2, false, 3, 2},
      {R"({"model":"m","input":[1,2,3]})", 1, true, 3, 3},
      {R"({"model":"m","input":[[1,2],[3,4,5,6]]})", 2, true, 6, 4},
      {R"({"model":"m","input":"x","encoding_format":"base64","dimensions":256,"user":"u","provider":{"only":["openai"]},"input_type":"query","stream":false})",
       1, false, 1, 1},
  };
  for (const Case& c : cases) {
    INFO(c.body);
    Result<Request> r = ParseEmbeddingsRequestJson(J(c.body));
    REQUIRE(r.ok());
    CHECK(r->kind == RequestKind::kEmbeddings);
    CHECK(r->embeddings.count == c.count);
    CHECK(r->embeddings.tokens == c.tokens);
    CHECK(r->estimated_prompt_tokens == c.estimate);
    CHECK(r->embeddings.largest_input_tokens == c.largest);
    CHECK(EstimateEmbeddingsTokens(r->raw) == c.estimate);
  }
  Result<Request> b = ParseEmbeddingsRequestJson(J(cases[4].body));
  REQUIRE(b.ok());
  CHECK(b->embeddings.base64);
  CHECK(b->embeddings.dimensions == std::optional<int64_t>(256));
  CHECK(b->provider.only == std::vector<std::string>{"openai"});
}

TEST_CASE("embeddings requests: bad input is a 400 naming the field") {
  std::string many = R"({"model":"m","input":[)";
  for (int i = 0; i < 2049; ++i) many += i ? ",\"a\"" : "\"a\"";
  many += "]}";
  struct Case {
    std::string body;
    const char* field;
  };
  const Case cases[] = {
      {R"([])", ""},
      {R"({"input":"x"})", "model"},
      {R"({"model":"m"})", "input"},
      {R"({"model":"m","input":null})", "input"},
      {R"({"model":"m","input":""})", "input"},
      {R"({"model":"m","input":[]})", "input"},
      {R"({"model":"m","input":42})", "input"},
      {R"({"model":"m","input":{"text":"x"}})", "input"},
      {R"({"model":"m","input":["a",""]})", "input[1]"},
      {R"({"model":"m","input":["a",3]})", "input[1]"},
      {R"({"model":"m","input":[1,"a"]})", "input[1]"},
      {R"({"model":"m","input":[1,-1]})", "input[1]"},
      {R"({"model":"m","input":[1,2.5]})", "input[1]"},
      {R"({"model":"m","input":[1,4294967296]})", "input[1]"},
      {R"({"model":"m","input":[[1],[]]})", "input[1]"},
      {R"({"model":"m","input":[[1],"a"]})", "input[1]"},
      {R"({"model":"m","input":[[1],[2,"x"]]})", "input[1][1]"},
      {R"({"model":"m","input":[{"content":[]}]})", "input[0]"},
      {many, "input"},
      {R"({"model":"m","input":"x","stream":true})", "stream"},
      {R"({"model":"m","input":"x","stream":"yes"})", "stream"},
      {R"({"model":"m","input":"x","encoding_format":"int8"})", "encoding_format"},
      {R"({"model":"m","input":"x","encoding_format":1})", "encoding_format"},
      {R"({"model":"m","input":"x","dimensions":0})", "dimensions"},
      {R"({"model":"m","input":"x","dimensions":"256"})", "dimensions"},
      {R"({"model":"m","input":"x","dimensions":1.5})", "dimensions"},
      {R"({"model":"m","input":"x","user":7})", "user"},
      {R"({"model":"m","input":"x","provider":{"sort":"fastest"}})", "provider.sort"},
      {R"({"model":"m","input":"x","input_type":3})", "input_type"},
  };
  for (const Case& c : cases) {
    INFO(c.body.substr(0, 120));
    Result<Request> r = ParseEmbeddingsRequestJson(J(c.body));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().http_status() == 400);
    const Json* field = FindString(r.status().metadata(), "field") ? Find(r.status().metadata(), "field") : nullptr;
    CHECK((field ? field->get<std::string>() : std::string()) == c.field);
  }
  // 2048 inputs are allowed.
  std::string limit = R"({"model":"m","input":[)";
  for (int i = 0; i < 2048; ++i) limit += i ? ",\"a\"" : "\"a\"";
  limit += "]}";
  CHECK(ParseEmbeddingsRequestJson(J(limit)).ok());
}

// ---- upstream requests ------------------------------------------------------------------------

struct World {
  Provider provider;
  Endpoint endpoint;
  Json request;
  AttemptSpec spec;
};

std::unique_ptr<World> MakeWorld(WireFormat wire, std::string_view request) {
  auto w = std::make_unique<World>();
  w->provider.slug = wire == WireFormat::kGemini ? "google" : "openai";
  w->provider.name = wire == WireFormat::kGemini ? "Google AI Studio" : "OpenAI";
  w->provider.wire = wire;
  w->provider.base_url = "https://up.example/v1";
  w->provider.api_key_env = "KEY";
  w->endpoint.upstream_model = wire == WireFormat::kGemini ? "gemini-embedding-001" : "text-embedding-3-small";
  w->request = J(request);
  w->spec.provider = &w->provider;
  w->spec.endpoint = &w->endpoint;
  w->spec.request = &w->request;
  w->spec.model_id = "openai/text-embedding-3-small";
  w->spec.generation_id = "gen-1";
  w->spec.client_format = ClientFormat::kEmbeddings;
  return w;
}

TEST_CASE("embeddings upstream request: OpenAI-compatible") {
  auto w = MakeWorld(WireFormat::kOpenAI,
                     R"({"model":"openai/text-embedding-3-small","input":["a","b"],"dimensions":64,"encoding_format":"base64","user":"alice","provider":{"sort":"price"}})");
  w->spec.user_salt = "acct";
  Result<UpstreamRequest> up = BuildUpstreamRequest(w->spec);
  REQUIRE(up.ok());
  CHECK(up->url == "https://up.example/v1/embeddings");
  CHECK(up->auth.header == "authorization");
  CHECK(up->auth.prefix == "Bearer ");
  Json body = J(up->body);
  CHECK(body["model"] == "text-embedding-3-small");
  CHECK(body["input"] == J(R"(["a","b"])"));
  CHECK(body["encoding_format"] == "float");  // base64 is made here, from floats
  CHECK(body["dimensions"] == 64);
  CHECK(body["user"] == HashUser("alice", "acct"));
  CHECK_FALSE(body.contains("provider"));
  // Token ids go as they are.
  auto t = MakeWorld(WireFormat::kOpenAI, R"({"model":"m","input":[[1,2],[3]]})");
  REQUIRE(BuildUpstreamRequest(t->spec).ok());
  CHECK(J(BuildUpstreamRequest(t->spec)->body)["input"] == J("[[1,2],[3]]"));
  CHECK_FALSE(J(BuildUpstreamRequest(t->spec)->body).contains("dimensions"));
}

TEST_CASE("embeddings upstream request: Gemini batchEmbedContents, text only") {
  auto w = MakeWorld(WireFormat::kGemini, R"({"model":"m","input":["a \"q\"","b"],"dimensions":8})");
  Result<UpstreamRequest> up = BuildUpstreamRequest(w->spec);
  REQUIRE(up.ok());
  CHECK(up->url == "https://up.example/v1/models/gemini-embedding-001:batchEmbedContents");
  CHECK(up->auth.header == "x-goog-api-key");
  CHECK(J(up->body) == J(R"({"requests":[
      {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"a \"q\""}]},"outputDimensionality":8},
      {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"b"}]},"outputDimensionality":8}]})"));
  for (const char* tokens : {R"({"model":"m","input":[1,2]})", R"({"model":"m","input":[[1],[2]]})"}) {
    auto t = MakeWorld(WireFormat::kGemini, tokens);
    Result<UpstreamRequest> bad = BuildUpstreamRequest(t->spec);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().http_status() == 400);
  }
  auto a = MakeWorld(WireFormat::kAnthropic, R"({"model":"m","input":"x"})");
  CHECK_FALSE(BuildUpstreamRequest(a->spec).ok());
}

// ---- response translation ---------------------------------------------------------------------

std::string OpenAIBody(const std::string& vectors, const std::string& usage = R"({"prompt_tokens":7,"total_tokens":7})") {
  return R"({"object":"list","data":)" + vectors + R"(,"model":"text-embedding-3-small","usage":)" + usage + "}";
}

TEST_CASE("embeddings response: numbers are copied exactly, in index order") {
  auto w = MakeWorld(WireFormat::kOpenAI, R"({"model":"m","input":["a","b"]})");
  // Forms a DOM would rewrite: exponents, trailing zeros, -0, many digits.
  const std::string body = OpenAIBody(
      R"([{"object":"embedding","index":1,"embedding":[1E+2, -0.0,0.10000000149011612]},
          {"object":"embedding","index":0,"embedding":[1e-5,0.500,-3]}])");
  AttemptResult r = TranslateResponse(w->spec, 200, {}, body, 0);
  REQUIRE(r.outcome == Outcome::kDone);
  CHECK(r.client_status == 200);
  CHECK(r.client_body ==
        R"({"id":"gen-1","object":"list","data":[{"object":"embedding","index":0,"embedding":[1e-5,0.500,-3]},)"
        R"({"object":"embedding","index":1,"embedding":[1E+2,-0.0,0.10000000149011612]}],)"
        R"("model":"openai/text-embedding-3-small","provider":"OpenAI","usage":{"prompt_tokens":7,"total_tokens":7}})");
  CHECK(r.usage.prompt_tokens == 7);
  CHECK(r.usage.completion_tokens == 0);
  CHECK(r.usage.known);
  CHECK(r.finish_reason == "stop");
  CHECK(J(r.client_body).is_object());
}

TEST_CASE("embeddings response: base64 is little-endian float32 of the numbers") {
  auto w = MakeWorld(WireFormat::kOpenAI, R"({"model":"m","input":"a","encoding_format":"base64"})");
  AttemptResult r = TranslateResponse(
      w->spec, 200, {}, OpenAIBody(R"([{"object":"embedding","index":0,"embedding":[1.0,-2,0.1]}])"), 0);
  REQUIRE(r.outcome == Outcome::kDone);
  // 1.0f = 00 00 80 3f, -2.0f = 00 00 00 c0, 0.1f = cd cc cc 3d
  std::string expected;
  AppendBase64(expected, std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0\xcd\xcc\xcc\x3d", 12));
  CHECK(expected == "AACAPwAAAMDNzMw9");
  CHECK(J(r.client_body)["data"][0]["embedding"] == expected);
  // Padding.
  std::string one, two;
  AppendBase64(one, "a");
  AppendBase64(two, "ab");
  CHECK(one == "YQ==");
  CHECK(two == "YWI=");
}

TEST_CASE("embeddings response: base64 floats are correctly rounded (the fast path agrees with strtof)") {
  // Decimal texts of every kind: float32 values printed short and long, doubles with 17 digits,
  // exact float midpoints (round-half-even), exponents, tiny and large magnitudes.
  std::vector<std::string> texts = {"0", "-0.0", "1", "0.1", "1e-5", "1E+2", "3.4e37", "1e-40",
                                    "0.3333333432674408", "16777217", "16777219", "-2.5e-3",
                                    "1.00000005960464477539062500", "0.000000000000000000000000001",
                                    "123456789012345678901234567890e-30"};
  uint64_t x = 0x9e3779b97f4a7c15ull;
  char buf[64];
  for (int i = 0; i < 3000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    const double d = (static_cast<double>(x >> 11) / 9007199254740992.0 - 0.5) * ((i % 7) ? 2.0 : 1e-6);
    const float f = static_cast<float>(d);
    std::snprintf(buf, sizeof buf, i % 3 == 0 ? "%.17g" : i % 3 == 1 ? "%.9g" : "%.12e", i % 2 ? d : static_cast<double>(f));
    texts.push_back(buf);
    // The exact midpoint above f (as a double), a double-rounding trap.
    const double mid = (static_cast<double>(f) + static_cast<double>(std::nextafter(f, 2.0f))) / 2;
    std::snprintf(buf, sizeof buf, "%.17g", mid);
    texts.push_back(buf);
  }
  std::string vec = "[", expected_bytes;
  for (size_t i = 0; i < texts.size(); ++i) {
    vec += (i ? "," : "") + texts[i];
    const float f = std::strtof(texts[i].c_str(), nullptr);
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    for (int k = 0; k < 4; ++k) expected_bytes.push_back(static_cast<char>((bits >> (8 * k)) & 0xff));
  }
  vec += "]";
  auto w = MakeWorld(WireFormat::kOpenAI, R"({"model":"m","input":"a","encoding_format":"base64"})");
  AttemptResult r = TranslateResponse(
      w->spec, 200, {}, OpenAIBody(R"([{"object":"embedding","index":0,"embedding":)" + vec + "}]"), 0);
  REQUIRE(r.outcome == Outcome::kDone);
  std::string expected;
  AppendBase64(expected, expected_bytes);
  CHECK(J(r.client_body)["data"][0]["embedding"] == expected);
}

TEST_CASE("embeddings response: Gemini's values, usage estimated") {
  auto w = MakeWorld(WireFormat::kGemini, R"({"model":"m","input":["abcdefgh","abcd"]})");
  AttemptResult r = TranslateResponse(
      w->spec, 200, {}, R"({"embeddings":[{"values":[0.25,-1e-3]},{"values":[3,4]}]})", 0);
  REQUIRE(r.outcome == Outcome::kDone);
  Json body = J(r.client_body);
  CHECK(body["data"][0]["embedding"].dump() == "[0.25,-0.001]");
  CHECK(r.client_body.find("[0.25,-1e-3]") != std::string::npos);
  CHECK(body["data"][1]["index"] == 1);
  CHECK(body["provider"] == "Google AI Studio");
  CHECK(r.usage.prompt_tokens == 3);  // ceil(8/4) + ceil(4/4)
  CHECK_FALSE(r.usage.known);
  CHECK(body["usage"]["prompt_tokens"] == 3);
}

TEST_CASE("embeddings response: garbage, wrong counts and lengths are retried as invalid") {
  auto w = MakeWorld(WireFormat::kOpenAI, R"({"model":"m","input":["a","b"],"dimensions":2})");
  const std::string item0 = R"({"object":"embedding","index":0,"embedding":[1,2]})";
  const std::string item1 = R"({"object":"embedding","index":1,"embedding":[3,4]})";
  const std::string bodies[] = {
      "",
      "not json",
      "[]",
      R"({"data":{}})",
      R"({"object":"list"})",
      OpenAIBody("[" + item0 + "]"),                           // one for two inputs
      OpenAIBody("[" + item0 + "," + item1 + "," + item1 + "]"),  // three
      OpenAIBody("[" + item0 + "," + item0 + "]"),                // index twice
      OpenAIBody("[" + item0 + R"(,{"index":5,"embedding":[1,2]}])"),
      OpenAIBody("[" + item0 + R"(,{"index":-1,"embedding":[1,2]}])"),
      OpenAIBody("[" + item0 + R"(,{"index":1,"embedding":[1,2,3]}])"),  // not the dimensions asked
      OpenAIBody("[" + item0 + R"(,{"index":1,"embedding":[]}])"),
      OpenAIBody("[" + item0 + R"(,{"index":1,"embedding":[1,"2"]}])"),
      OpenAIBody("[" + item0 + R"(,{"index":1,"embedding":[1,null]}])"),
      OpenAIBody("[" + item0 + R"(,{"index":1,"embedding":[1,1e999]}])"),
      OpenAIBody("[" + item0 + R"(,{"index":1,"embedding":"AACAPw=="}])"),
      OpenAIBody("[" + item0 + R"(,{"index":1}])"),
      OpenAIBody("[" + item0 + "," + item1 + "]").substr(0, 60),  // truncated
  };
  for (const std::string& body : bodies) {
    INFO(body);
    AttemptResult r = TranslateResponse(w->spec, 200, {}, body, 0);
    CHECK(r.outcome == Outcome::kRetry);
    CHECK(r.error_type == "invalid_response");
    CHECK(r.client_status == 502);
    Json e = J(r.client_body);
    CHECK(e["error"]["code"] == 502);
    CHECK(r.usage.requests == 0);
  }
  // Vectors of different lengths without `dimensions`.
  auto d = MakeWorld(WireFormat::kOpenAI, R"({"model":"m","input":["a","b"]})");
  AttemptResult r = TranslateResponse(
      d->spec, 200, {}, OpenAIBody("[" + item0 + R"(,{"index":1,"embedding":[1]}])"), 0);
  CHECK(r.outcome == Outcome::kRetry);
  // Gemini: count.
  auto g = MakeWorld(WireFormat::kGemini, R"({"model":"m","input":["a","b"]})");
  CHECK(TranslateResponse(g->spec, 200, {}, R"({"embeddings":[{"values":[1]}]})", 0).outcome == Outcome::kRetry);
  CHECK(TranslateResponse(g->spec, 200, {}, R"({"embeddings":[{"values":[1]},{"vals":[1]}]})", 0).outcome == Outcome::kRetry);
}

TEST_CASE("embeddings response: provider errors are classified like chat's") {
  auto w = MakeWorld(WireFormat::kOpenAI, R"({"model":"m","input":"a"})");
  AttemptResult limited = TranslateResponse(
      w->spec, 429, {{"retry-after", "2"}}, R"({"error":{"message":"slow down sk-secret","type":"rate_limit"}})", 0);
  CHECK(limited.outcome == Outcome::kRetry);
  CHECK(limited.client_status == 429);
  CHECK(limited.retry_after_ms == 2000);
  AttemptResult down = TranslateResponse(w->spec, 503, {}, "<html>busy</html>", 0);
  CHECK(down.outcome == Outcome::kRetry);
  AttemptResult bad = TranslateResponse(
      w->spec, 400, {}, R"({"error":{"message":"This model's maximum context length is 8192 tokens","code":"context_length_exceeded"}})", 0);
  CHECK(bad.outcome == Outcome::kFail);
  CHECK(bad.client_status == 400);
  CHECK(J(bad.client_body)["error"]["metadata"]["provider_name"] == "OpenAI");
  // An error inside a 200.
  AttemptResult in_band = TranslateResponse(
      w->spec, 200, {}, R"({"error":{"message":"overloaded","code":503}})", 0);
  CHECK(in_band.outcome == Outcome::kRetry);
}

TEST_CASE("RenderEmbeddingsBody merges the cost into usage") {
  auto w = MakeWorld(WireFormat::kOpenAI, R"({"model":"m","input":"a"})");
  AttemptResult r = TranslateResponse(
      w->spec, 200, {}, OpenAIBody(R"([{"object":"embedding","index":0,"embedding":[0.5]}])"), 0);
  REQUIRE(r.outcome == Outcome::kDone);
  Json cost = J(R"({"cost":0.00000014,"is_byok":false,"cost_details":{"upstream_inference_cost":0.00000014}})");
  std::string text = RenderEmbeddingsBody(r, &cost);
  Json body = J(text);
  REQUIRE(body.is_object());
  CHECK(body["usage"]["prompt_tokens"] == 7);
  CHECK(body["usage"]["cost"] == cost["cost"]);
  CHECK(body["usage"]["cost_details"] == cost["cost_details"]);
  CHECK(text.find("\"embedding\":[0.5]") != std::string::npos);
  CHECK(RenderEmbeddingsBody(r, nullptr) == r.client_body);
}

}  // namespace
}  // namespace switchyard::testing
