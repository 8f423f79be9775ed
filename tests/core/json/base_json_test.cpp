#include "test_support.h"

#include "switchyard/base/status.h"
#include "switchyard/json/json.h"

using namespace switchyard;

TEST_CASE("ParseJson accepts valid JSON and rejects garbage with 400") {
  auto ok = ParseJson(R"({"a":[1,2,{"b":"c"}]})");
  REQUIRE(ok.ok());
  CHECK((*ok)["a"][2]["b"] == "c");

  for (const char* bad : {"", "{", "{\"a\":}", "[1,2", "nul", "{\"a\":1}x", "\"\\x\""}) {
    auto r = ParseJson(bad);
    INFO(bad);
    CHECK_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    CHECK(r.status().http_status() == 400);
  }
}

TEST_CASE("ParseJson of host input refuses a repeated key and a number beyond a double, saying where") {
  struct Case {
    const char* text;
    const char* message;  // exact
    const char* field;
  };
  for (const Case& c : std::initializer_list<Case>{
           {R"({"model":"a","model":"b"})", R"(body has the key "model" more than once in one object)", "model"},
           {R"({"messages":[{"role":"user"},{"role":"user","role":"system"}]})",
            R"(body has the key "role" more than once in one object (messages[1]))", "messages[1].role"},
           {R"({"a":{"b":[1,[2,1e999]]}})", "a.b[1][1] is a number too large to represent", "a.b[1][1]"},
           {"-1e400", "body is a number too large to represent", ""},
           {R"({"a":[1,2,}]})", "body is not valid JSON", ""},
       }) {
    INFO(c.text);
    auto r = ParseJson(c.text, {}, "body", JsonBody{});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    CHECK(r.status().message() == c.message);
    CHECK(r.status().metadata().value("field", std::string()) == c.field);
  }
  // Keys repeated in different objects, or differing only in case, are fine.
  CHECK(ParseJson(R"({"a":{"k":1},"b":{"k":2},"K":3,"k":4})", {}, "body", JsonBody{}).ok());
  // Without a JsonBody (provider responses): a repeated key keeps its last value.
  auto lenient = ParseJson(R"({"k":1,"k":2})");
  REQUIRE(lenient.ok());
  CHECK((*lenient)["k"] == 2);
  // Json::parse stays nlohmann's: the last of a repeated key wins.
  CHECK(Json::parse(R"({"k":1,"k":2})")["k"] == 2);
}

TEST_CASE("ParseJson states a spliced client body's errors in the body's terms") {
  const JsonBody body{"request", "request body"};
  auto dup = ParseJson(R"({"request":{"messages":[{"role":"a","role":"b"}]},"now_ms":1})", {}, "plan input", body);
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.status().message() == R"(request body has the key "role" more than once in one object (messages[0]))");
  CHECK(dup.status().metadata().value("field", std::string()) == "messages[0].role");
  auto top = ParseJson(R"({"request":{"model":"a","model":"b"}})", {}, "plan input", body);
  REQUIRE_FALSE(top.ok());
  CHECK(top.status().message() == R"(request body has the key "model" more than once in one object)");
  auto big = ParseJson(R"({"request":{"max_tokens":1e999}})", {}, "plan input", body);
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().message() == "max_tokens is a number too large to represent");
  CHECK(big.status().metadata().value("field", std::string()) == "max_tokens");
  // Outside the body: the host document's own terms.
  auto host = ParseJson(R"({"request":{},"now_ms":1,"now_ms":2})", {}, "plan input", body);
  REQUIRE_FALSE(host.ok());
  CHECK(host.status().message() == R"(plan input has the key "now_ms" more than once in one object)");
  // A member merely starting with the body's name is not the body.
  auto other = ParseJson(R"({"requests":{"a":1,"a":2}})", {}, "plan input", body);
  REQUIRE_FALSE(other.ok());
  CHECK(other.status().message() == R"(plan input has the key "a" more than once in one object (requests))");
}

TEST_CASE("ParseJson enforces size and depth limits with 413") {
  JsonLimits limits;
  limits.max_bytes = 10;
  auto big = ParseJson(R"({"aaaaaaaaaa":1})", limits);
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().code() == Code::kTooLarge);

  std::string deep(100, '[');
  deep += std::string(100, ']');
  auto d = ParseJson(deep);
  REQUIRE_FALSE(d.ok());
  CHECK(d.status().http_status() == 413);

  // Brackets inside strings do not count towards depth.
  std::string in_string = "{\"s\":\"" + std::string(500, '[') + "\"}";
  CHECK(ParseJson(in_string).ok());
}

TEST_CASE("Find helpers tolerate wrong shapes") {
  Json j = {{"s", "x"}, {"n", 3}, {"f", 1.5}, {"b", true}, {"o", Json::object()}, {"a", Json::array()}};
  CHECK(FindString(j, "s") == std::string_view("x"));
  CHECK_FALSE(FindString(j, "n").has_value());
  CHECK(FindInt(j, "n") == 3);
  CHECK_FALSE(FindInt(j, "f").has_value());
  Json big = Json::parse("{\"u\":18446744073709551615,\"m\":9223372036854775807,\"neg\":-5}");
  CHECK_FALSE(FindInt(big, "u").has_value());  // above INT64_MAX: rejected, never wrapped
  CHECK(FindInt(big, "m") == INT64_MAX);
  CHECK(FindInt(big, "neg") == -5);
  CHECK(FindNumber(j, "f") == 1.5);
  CHECK(FindBool(j, "b") == true);
  CHECK(FindObject(j, "o") != nullptr);
  CHECK(FindArray(j, "o") == nullptr);
  CHECK(FindArray(j, "a") != nullptr);
  CHECK(Find(Json::array(), "x") == nullptr);
  CHECK(Find(j, "missing") == nullptr);
}

TEST_CASE("ErrorBody renders the documented error shape") {
  Status s = Status::InvalidArgument("messages must be an array", "messages");
  Json body = ErrorBody(s);
  CHECK(body["error"]["code"] == 400);
  CHECK(body["error"]["message"] == "messages must be an array");
  CHECK(body["error"]["metadata"]["field"] == "messages");
  Json plain = ErrorBody(Status::NotFound("no such model"));
  CHECK(plain["error"]["code"] == 404);
  CHECK_FALSE(plain["error"].contains("metadata"));
  Status with = Status::Upstream("provider failed").With("provider_name", "Groq");
  CHECK(ErrorBody(with)["error"]["metadata"]["provider_name"] == "Groq");
  CHECK(Dump(Json("\xff")) == "\"\xEF\xBF\xBD\"");
}
