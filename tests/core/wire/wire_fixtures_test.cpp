// Golden fixtures of every wire format (tests/fixtures/wire/<format>/cases.json): upstream
// requests, buffered responses and raw SSE streams against their expected client output, usage and
// outcome; streams equal under every random split; streamed usage equal to the buffered twin's.
// SY_UPDATE_FIXTURES=1 rewrites the expectation files (review the diff before committing).
#include <map>
#include <string>

#include "wire_fixture_support.h"
#include "json_testing.h"

namespace switchyard::testing {
namespace {

const char* const kFormats[] = {"openai", "anthropic", "gemini", "responses"};

void Expect(const WireFixtures& f, const Json& c, const char* key, const Json& actual) {
  std::string file = f.Path(testing::ValueOr(c, key, std::string()));
  if (UpdateFixtures()) {
    WriteFile(file, actual.dump(2) + "\n");
    return;
  }
  Json expected = ReadJsonFile(file);
  INFO("expectation file " << file);
  CHECK(actual == expected);
  if (actual != expected) {
    INFO("actual: " << actual.dump(2));
    CHECK(false);
  }
}

void ExpectText(const WireFixtures& f, const Json& c, const char* key, const std::string& actual) {
  std::string file = f.Path(testing::ValueOr(c, key, std::string()));
  if (UpdateFixtures()) {
    WriteFile(file, actual);
    return;
  }
  INFO("expectation file " << file);
  CHECK(actual == ReadFile(file));
}

void RunFormat(const std::string& format) {
  WireFixtures f = LoadFixtures(format);
  REQUIRE(f.manifest.is_object());
  const Json* cases = FindArray(f.manifest, "cases");
  REQUIRE(cases);
  std::map<std::string, Usage> buffered;
  std::vector<std::pair<std::string, Usage>> streamed_twins;
  int requests = 0, responses = 0, streams = 0;
  for (const Json& c : *cases) {
    std::string kind = testing::ValueOr(c, "kind", ""), name = testing::ValueOr(c, "name", "");
    INFO(format << "/" << kind << "/" << name);
    auto w = MakeWorld(f, c);
    if (kind == "request") {
      ++requests;
      Result<UpstreamRequest> up = BuildUpstreamRequest(w->spec);
      if (up.ok()) {
        // The text the session's attempt step carries is the DOM's, byte for byte.
        std::string text;
        AppendUpstreamRequestJson(text, *up);
        CHECK(text == Dump(UpstreamRequestToJson(*up)));
      }
      Json actual = up.ok() ? CanonicalRequest(*up) : Json{{"error", ErrorBody(up.status())}};
      Expect(f, c, "expect", actual);
    } else if (kind == "response") {
      ++responses;
      std::string body = ReadFile(f.Path(testing::ValueOr(c, "body", "")));
      AttemptResult r = TranslateResponse(w->spec, testing::ValueOr(c, "status", 200), CaseHeaders(c), body,
                                          testing::ValueOr(c, "now_ms", int64_t{0}));
      Expect(f, c, "expect", CanonicalResult(r));
      buffered[name] = r.usage;
    } else if (kind == "stream") {
      ++streams;
      std::string body = ReadFile(f.Path(testing::ValueOr(c, "body", "")));
      REQUIRE(!body.empty());
      Json summary;
      Usage usage;
      std::string out = RunStream(w->spec, c, {body}, &summary, &usage);
      ExpectText(f, c, "expect", out);
      Expect(f, c, "summary", summary);
      if (auto twin = FindString(c, "twin")) streamed_twins.emplace_back(std::string(*twin), usage);
    } else {
      FAIL("unknown case kind " << kind);
    }
  }
  CHECK(requests > 0);
  CHECK(responses > 0);
  CHECK(streams > 0);
  for (const auto& [twin, usage] : streamed_twins) {
    INFO(format << ": stream usage equals buffered twin " << twin);
    REQUIRE(buffered.count(twin) == 1);
    CHECK(usage == buffered[twin]);
    CHECK(usage.known);
  }
}

TEST_CASE("wire fixtures: OpenAI-compatible") { RunFormat("openai"); }
TEST_CASE("wire fixtures: Anthropic Messages") { RunFormat("anthropic"); }
TEST_CASE("wire fixtures: Google Gemini") { RunFormat("gemini"); }
TEST_CASE("wire fixtures: OpenAI Responses") { RunFormat("responses"); }

TEST_CASE("wire fixtures: every random split of every stream gives byte-identical output") {
  for (const char* format : kFormats) {
    WireFixtures f = LoadFixtures(format);
    const Json* cases = FindArray(f.manifest, "cases");
    REQUIRE(cases);
    for (const Json& c : *cases) {
      if (testing::ValueOr(c, "kind", "") != "stream") continue;
      auto w = MakeWorld(f, c);
      std::string body = ReadFile(f.Path(testing::ValueOr(c, "body", "")));
      Json whole_summary;
      std::string whole = RunStream(w->spec, c, {body}, &whole_summary, nullptr);
      // Byte by byte once, then many seeded random splits.
      std::vector<std::string> bytes;
      for (char ch : body) bytes.emplace_back(1, ch);
      Json summary;
      INFO(format << "/" << testing::ValueOr(c, "name", ""));
      CHECK(RunStream(w->spec, c, bytes, &summary, nullptr) == whole);
      for (uint64_t seed = 1; seed <= 64; ++seed) {
        INFO("seed " << seed);
        std::string out = RunStream(w->spec, c, SplitRandomly(body, seed), &summary, nullptr);
        REQUIRE(out == whole);
        // The summary can differ only in what depends on chunking: nothing does.
        REQUIRE(summary == whole_summary);
      }
    }
  }
}

TEST_CASE("AppendUpstreamRequestJson is Dump(UpstreamRequestToJson): header order, repeats, escapes") {
  UpstreamRequest up;
  CHECK([&] { std::string t; AppendUpstreamRequestJson(t, up); return t; }() ==
        Dump(UpstreamRequestToJson(up)));  // every field empty
  up.method = "POST";
  up.url = "https://api.example/v1/chat?x=\"q\"&y=\u00e9";
  up.body = "{\"messages\":[{\"role\":\"user\",\"content\":\"tab\there \\ \xff\x01\"}]}";
  // Out of order, a name given twice (the last wins, as in an object), a name that needs escaping.
  up.headers = {{"x-b", "2"}, {"content-type", "application/json"}, {"accept", "text/event-stream"},
                {"x-b", "3\n"}, {"a\"q", "\xc3\xa9"}, {"X-Upper", ""}};
  up.auth = {"authorization", "Bearer ", "OPENAI_API_KEY"};
  std::string text;
  AppendUpstreamRequestJson(text, up);
  CHECK(text == Dump(UpstreamRequestToJson(up)));
  CHECK(Dump(JsonOf(text)) == text);
}

}  // namespace
}  // namespace switchyard::testing
