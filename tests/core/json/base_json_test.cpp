#include "test_support.h"

#include "switchyard/base/status.h"
#include "switchyard/json/json.h"
#include "json_testing.h"

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
    CHECK(testing::ValueOr(r.status().metadata(), "field", std::string()) == c.field);
  }
  // Keys repeated in different objects, or differing only in case, are fine.
  CHECK(ParseJson(R"({"a":{"k":1},"b":{"k":2},"K":3,"k":4})", {}, "body", JsonBody{}).ok());
  // Without a JsonBody (provider responses): a repeated key keeps its last value.
  auto lenient = ParseJson(R"({"k":1,"k":2})");
  REQUIRE(lenient.ok());
  CHECK((*lenient)["k"] == 2);
}

TEST_CASE("ParseJson states a spliced client body's errors in the body's terms") {
  const JsonBody body{"request", "request body"};
  auto dup = ParseJson(R"({"request":{"messages":[{"role":"a","role":"b"}]},"now_ms":1})", {}, "plan input", body);
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.status().message() == R"(request body has the key "role" more than once in one object (messages[0]))");
  CHECK(testing::ValueOr(dup.status().metadata(), "field", std::string()) == "messages[0].role");
  auto top = ParseJson(R"({"request":{"model":"a","model":"b"}})", {}, "plan input", body);
  REQUIRE_FALSE(top.ok());
  CHECK(top.status().message() == R"(request body has the key "model" more than once in one object)");
  auto big = ParseJson(R"({"request":{"max_tokens":1e999}})", {}, "plan input", body);
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().message() == "max_tokens is a number too large to represent");
  CHECK(testing::ValueOr(big.status().metadata(), "field", std::string()) == "max_tokens");
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
  Json big = testing::JsonOf("{\"u\":18446744073709551615,\"m\":9223372036854775807,\"neg\":-5}");
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

namespace {
std::string Field(const Status& s) {
  return std::string(FindString(s.metadata(), "field").value_or("<none>"));
}
}  // namespace

TEST_CASE("JsonFields: absent or null leaves the output; a wrong type names the path") {
  Json doc = testing::JsonOf(R"({"b":true,"s":"hi","i":7,"f":2.5,"n":null,"list":["a","b"],
                            "bad":{"x":"y"}})");
  JsonFields f(doc, "provider");
  bool b = false;
  REQUIRE(f.Bool("b", &b).ok());
  CHECK(b);
  std::optional<bool> ob;
  REQUIRE(f.Bool("missing", &ob).ok());
  REQUIRE(f.Bool("n", &ob).ok());
  CHECK_FALSE(ob.has_value());
  int64_t i = 42;
  REQUIRE(f.Int("n", 0, 10, &i).ok());
  CHECK(i == 42);  // null = not given
  REQUIRE(f.Int("i", 0, 10, &i).ok());
  CHECK(i == 7);

  Status s = f.Int("f", 0, 10, &i);  // 2.5 is not an integer
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.message() == "provider.f must be an integer, not 2.5");
  CHECK(Field(s) == "provider.f");
  s = f.Bool("s", &b);
  CHECK(s.message() == "provider.s must be a boolean, not a string");
  std::string text;
  CHECK(f.String("b", &text).message() == "provider.b must be a string, not true");
  CHECK(f.Bool("n", &b).ok());  // null: not given
  CHECK(FieldTypeError("x", "an object", Json()).message() == "x must be an object, not null");
  std::string_view sv;
  s = f.String("bad", &sv);
  CHECK(s.message() == "provider.bad must be a string, not an object");
  REQUIRE(f.String("s", &sv).ok());
  CHECK(sv == "hi");
  s = f.String("s", &sv, 1);
  CHECK(s.message() == "provider.s must be a string of at most 1 bytes");

  CHECK(f.Required("i").ok());
  CHECK(f.Required("n").message() == "provider.n is required");
  CHECK(f.IsNull("n"));
  CHECK_FALSE(f.IsNull("missing"));
  CHECK(f.Get("n") == nullptr);
  CHECK(f.Get("i") != nullptr);

  // A non-object has no members: every reader leaves its output.
  Json five(5);
  JsonFields none(five);
  CHECK(none.Int("i", 0, 1, &i).ok());
  CHECK(i == 7);
}

TEST_CASE("JsonFields: ranges, times and lists say what they expect") {
  Json doc = testing::JsonOf(R"({"t":1.5,"big":12345678901234567890,"neg":-3,"x":0.5,
                            "list":["a","","c"],"ints":[1],"long":["a","b","c"]})");
  JsonFields f(doc);
  int64_t i = 0;
  CHECK(f.Int("neg", 0, 10, &i).message() == "neg must be between 0 and 10");
  Status s = f.Int("neg", 0, INT64_MAX, &i);
  CHECK(s.message() == "neg must be a non-negative integer");
  CHECK(f.Int("neg", 1, INT64_MAX, &i).message() == "neg must be a positive integer");
  CHECK(f.Int("big", INT64_MIN, INT64_MAX, &i).code() == Code::kInvalidArgument);  // above int64
  CHECK(f.Int("t", 0, 10, &i).message() == "t must be an integer, not 1.5");
  REQUIRE(f.Time("t", 0, 10, &i).ok());  // performance.now(): truncated
  CHECK(i == 1);
  CHECK(f.Time("neg", 0, 10, &i).message() == "neg must be between 0 and 10");
  CHECK_FALSE(f.Time("big", 0, INT64_MAX, &i).ok());
  double d = 0;
  CHECK(f.Number("x", -2, 2, &d).ok());
  CHECK(d == 0.5);
  CHECK(f.Number("neg", -2, 2, &d).message() == "neg must be between -2 and 2");
  CHECK(f.Number("x", 0.75, 1.5, &d).message() == "x must be between 0.75 and 1.5");
  CHECK(f.Number("neg", 0, std::numeric_limits<double>::infinity(), &d).message() ==
        "neg must be at least 0");

  std::vector<std::string> list{"kept"};
  s = f.StringList("list", 8, &list);
  CHECK(s.message() == "list[1] must not be empty");
  CHECK(Field(s) == "list[1]");
  CHECK(list == std::vector<std::string>{"kept"});  // nothing half-written
  s = f.StringList("ints", 8, &list);
  CHECK(s.message() == "ints[0] must be a string, not 1");
  CHECK(f.StringList("long", 2, &list).message() == "long has 3 entries; the limit is 2");
  CHECK(f.StringList("long", 3, &list, 0).message() == "long[0] must be at most 0 bytes");
  std::optional<std::vector<std::string>> maybe;
  REQUIRE(f.StringList("long", 3, &maybe).ok());
  CHECK(maybe == std::vector<std::string>{"a", "b", "c"});
  CHECK(f.StringList("t", 3, &maybe).message() == "t must be an array of strings, not 1.5");
}

TEST_CASE("JsonFields: unknown members, nested paths and the host's clock") {
  Json doc = testing::JsonOf(R"({"a":1,"b":{"c":[{"d":"x"}]}})");
  JsonFields f(doc);
  CHECK(f.OnlyKnown({"a", "b"}).ok());
  Status s = f.OnlyKnown({"a"});
  CHECK(s.message() == "unknown field b");
  CHECK(Field(s) == "b");
  JsonFields inner(doc["b"]["c"][0], JsonPath(JsonPath("b", "c"), size_t{0}));
  CHECK(inner.path() == "b.c[0]");
  int64_t i = 0;
  CHECK(inner.Int("d", 0, 1, &i).message() == "b.c[0].d must be an integer, not a string");
  CHECK(JsonPath("", "k") == "k");
  // A failure's path grows outwards through the same function: no dot before an index.
  CHECK(JsonPath("messages", "[2].content") == "messages[2].content");
  CHECK(JsonPath("[0]", "role") == "[0].role");
  CHECK(JsonPath("content", "") == "content");

  CHECK(ReadNowMs(testing::JsonOf(R"({"now_ms":1700000000000.75})")).value() == 1700000000000);
  CHECK(ReadNowMs(testing::JsonOf(R"({})")).status().message() == "now_ms is required");
  CHECK(ReadNowMs(testing::JsonOf(R"({"now_ms":-1})")).status().message() ==
        "now_ms must be a non-negative integer");
  CHECK(ReadNowMs(testing::JsonOf(R"({"now_ms":"soon"})")).status().message() ==
        "now_ms must be an integer, not a string");
}
