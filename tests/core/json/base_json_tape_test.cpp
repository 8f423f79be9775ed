// The lexer and the view (json_tape.h) against nlohmann/json, the oracle: the same texts accepted
// and refused (strict mode), the same content read through the view, on hand-picked and on
// mutated (mostly bad) input; and what lax mode lets through.
#include "test_support.h"

#include "json_oracle.h"
#include "switchyard/json/json_tape.h"

using namespace switchyard;
using json_oracle::Nl;

namespace {

// The view's reading of a document as an nlohmann value.
Nl ToNl(JsonView v) {
  if (v.is_null()) return nullptr;
  if (v.is_bool()) return *v.Bool();
  if (v.is_number()) return Nl::parse(v.raw());
  if (v.is_string()) return v.Unescape();
  if (v.is_array()) {
    Nl a = Nl::array();
    v.ForEachElement([&](JsonView e) { a.push_back(ToNl(e)); });
    CHECK(a.size() == v.size());
    return a;
  }
  Nl o = Nl::object();
  size_t n = 0;
  v.ForEachMember([&](JsonView k, JsonView e) {
    o[k.Unescape()] = ToNl(e);
    ++n;
  });
  CHECK(n == v.size());
  return o;
}

bool Accepts(std::string_view text) { return Nl::accept(text.begin(), text.end()); }

}  // namespace

TEST_CASE("JsonTape reads exactly what nlohmann reads") {
  const JsonLimits limits{1u << 20, 64};
  const char* valid[] = {"{}", "[]", " [ ] ", "0", "-0", "12", "-3.25", "1e5", "1E-5", "2.5e+3",
                         "true", "false", "null", R"("")", R"("plain")",
                         R"("a\"b\\c\/d\b\f\n\r\t")", R"("\u00e9\u4e2d\u0041")",
                         R"("\ud83d\ude00 smile")", "\"caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80\"",
                         R"({"a":[1,2,{"b":null}],"c":{"d":"e"},"":0})", "[[[[]]],{}]",
                         "{\n\t\"x\" :\r\n [ true , false ] }",
                         R"([9223372036854775807,-9223372036854775808])",
                         R"({"desc":"line\nbreak","n":18446744073709551616})",
                         "\xEF\xBB\xBF{\"bom\":1}"};
  for (const char* text : valid) {
    INFO(text);
    REQUIRE(Accepts(text));
    JsonTape tape;
    REQUIRE(tape.Parse(text, limits));
    CHECK(ToNl(tape.root()) == Nl::parse(text));
  }
  const char* invalid[] = {"", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\"}", "{\"a\" 1}",
                           "{a:1}", "[1 2]", "01", "-", "1.", ".5", "1e", "1e+", "+1", "tru",
                           "nul", "True", "\"abc", "\"a\\x\"", "\"\\u12\"", "\"\\u12G4\"",
                           "\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83d\\u0041\"", "\"tab\there\"",
                           "\"\xc3\"", "\"\xc0\x80\"", "\"\xed\xa0\x80\"", "\"\xf5\x80\x80\x80\"",
                           "\"\xff\"", "[1]x", "{} {}", "[\"a\"\"b\"]", "\"\\\"", "NaN", "[-]",
                           "1e999", "[-1.5e400]"};
  for (const char* text : invalid) {
    INFO(text);
    CHECK_FALSE(Accepts(text));  // the oracle agrees these are bad
    JsonTape tape;
    JsonParseError error;
    REQUIRE_FALSE(tape.Parse(text, limits, &error));
    Status s = error.ToStatus("test", limits, true);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(s.message().find(error.kind == JsonParseError::Kind::kNumberRange
                               ? "is a number too large to represent"
                               : "test is not valid JSON: ") != std::string::npos);
  }

  JsonTape tape;
  JsonParseError error;
  std::string deep = std::string(65, '[') + std::string(65, ']');
  REQUIRE_FALSE(tape.Parse(deep, limits, &error));
  CHECK(error.ToStatus("test", limits, true).code() == Code::kTooLarge);
  CHECK(tape.Parse(std::string(64, '[') + std::string(64, ']'), limits));
  REQUIRE_FALSE(tape.Parse("[1,2,3]", JsonLimits{4, 64}, &error));
  CHECK(error.ToStatus("test", JsonLimits{4, 64}, true).code() == Code::kTooLarge);
  CHECK(error.ToStatus("test", JsonLimits{4, 64}, true).message() ==
        "test is 7 bytes; the limit is 4");
}

TEST_CASE("JsonTape reads documents past 1 MiB, whose entries it reserves by counting") {
  // Past 1 MiB the tape reserves at most one entry per `[ { , :` in the text (plus the root):
  // a dense array, an object of many members, long strings with few entries, and structural
  // characters inside strings (counted, never read as structure) all read as nlohmann reads them.
  std::string numbers = "[";
  for (int i = 0; i < 150000; ++i) numbers += (i ? "," : "") + std::to_string(i * 7 % 1000) + ".125";
  numbers += "]";
  std::string members = "{";
  for (int i = 0; i < 80000; ++i) members += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":[" + std::to_string(i) + "]";
  members += "}";
  const std::string strings = "[\"" + std::string(700000, 'x') + "\",\"" + std::string(700000, ',') +
                              "\",\"{[:\"]";
  for (const std::string* text : std::initializer_list<const std::string*>{&numbers, &members, &strings}) {
    REQUIRE(text->size() > (1u << 20));
    JsonTape tape;
    REQUIRE(tape.Parse(*text, JsonLimits{64u << 20, 64}));
    CHECK(ToNl(tape.root()) == Nl::parse(*text));
  }
  // Refused as before, past 1 MiB too.
  JsonTape tape;
  CHECK_FALSE(tape.Parse(numbers.substr(0, numbers.size() - 1), JsonLimits{64u << 20, 64}));
}

TEST_CASE("A folded tape records the outline; each folded part reads again as written") {
  const std::string text =
      R"({"a":[{"v":[1,2,{"x":[3]}],"w":{}},{"v":[]}],"b":{"c":{"d":[5],"e":"s"}},"n":7})";
  JsonTape tape;
  REQUIRE(tape.Parse(text, JsonLimits{1u << 20, 64, true, /*fold_depth=*/4}));
  JsonView root = tape.root();
  CHECK(ToNl(root["a"].At(0)["w"]) == Nl::object());  // depth 4, empty: nothing to fold
  CHECK_FALSE(root["a"].At(0)["w"].folded());
  CHECK(root["n"].Int() == 7);
  CHECK(root["b"]["c"]["e"].Unescape() == "s");
  JsonView v = root["a"].At(0)["v"];
  CHECK(v.folded());
  CHECK(v.is_array());
  CHECK(v.size() == 3);
  CHECK(v.raw() == R"([1,2,{"x":[3]}])");
  size_t seen = 0;
  v.ForEachElement([&](JsonView) { ++seen; });
  CHECK(seen == 0);                 // its elements are not on the tape
  CHECK_FALSE(v.At(0).valid());
  JsonView d = root["b"]["c"]["d"];
  CHECK(d.folded());
  CHECK(d.raw() == "[5]");
  CHECK(root["a"].At(1)["v"].size() == 0);
  CHECK_FALSE(root["a"].At(1)["v"].folded());
  CHECK_FALSE(root["a"].folded());  // shallower than the fold: recorded whole
  // Read again on its own, a folded part is what it was.
  JsonTape part;
  REQUIRE(part.Parse(v.raw()));
  CHECK(ToNl(part.root()) == Nl::parse(v.raw()));
  // The root folds too (depth 1): one entry.
  JsonTape whole;
  REQUIRE(whole.Parse(text, JsonLimits{1u << 20, 64, true, 1}));
  CHECK(whole.root().folded());
  CHECK(whole.root().size() == 3);
  CHECK_FALSE(whole.root()["n"].valid());
  // What is inside a folded part is validated all the same, and a failure names its path.
  JsonParseError error;
  CHECK_FALSE(tape.Parse(R"({"a":[{"v":[1,2,{"x":[3,]}]}]})", JsonLimits{1u << 20, 64, true, 4}, &error));
  JsonParseError unfolded;
  JsonTape plain;
  CHECK_FALSE(plain.Parse(R"({"a":[{"v":[1,2,{"x":[3,]}]}]})", JsonLimits{1u << 20, 64}, &unfolded));
  CHECK(error.offset == unfolded.offset);
  CHECK(error.kind == JsonParseError::Kind::kSyntax);
  CHECK_FALSE(tape.Parse(R"({"a":[{"v":[1e999]}]})", JsonLimits{1u << 20, 64, true, 4}, &error));
  CHECK(error.kind == JsonParseError::Kind::kNumberRange);
  CHECK(error.path == "a[0].v[0]");
}

TEST_CASE("JsonTape agrees with nlohmann on mutated documents, mostly bad") {
  // Deterministic byte mutations of a real document: whatever nlohmann accepts the tape accepts
  // with the same content through the view, and the reverse; lax mode accepts at least as much.
  const std::string base = testing::ReadFile("tests/fixtures/catalog/small.json");
  REQUIRE_FALSE(base.empty());
  const char replacements[] = {'"', '\\', '{', '}', '[', ']', ',', ':', '0', 'e', '-', '.', ' ',
                               '\x01', '\x80', '\xC3', 'u', 'n', 'd', '8'};
  uint64_t state = 0x9E3779B97F4A7C15u;
  auto next = [&] { return state = state * 6364136223846793005u + 1442695040888963407u; };
  int accepted = 0, refused = 0;
  for (int round = 0; round < 600; ++round) {
    std::string text = base;
    int edits = 1 + static_cast<int>(next() >> 62);
    for (int k = 0; k < edits; ++k) {
      size_t at = (next() >> 20) % text.size();
      text[at] = replacements[(next() >> 33) % sizeof replacements];
    }
    INFO("round " << round);
    JsonTape tape, lax;
    bool ok = tape.Parse(text, JsonLimits{1u << 20, 64});
    REQUIRE(ok == Accepts(text));
    if (ok) {
      ++accepted;
      CHECK(ToNl(tape.root()) == Nl::parse(text));
    } else {
      ++refused;
    }
    if (ok) CHECK(lax.Parse(text, JsonLimits{1u << 20, 64, false}));
    // Folding never changes the verdict.
    JsonTape folded;
    CHECK(folded.Parse(text, JsonLimits{1u << 20, 64, true, 1 + round % 5}) == ok);
  }
  CHECK(accepted > 0);  // some mutations land inside strings and stay valid
  CHECK(refused > accepted);
}

TEST_CASE("Lax mode lets through what providers split, and nothing else") {
  const JsonLimits lax{1u << 20, 64, false};
  JsonTape tape;
  for (const char* text : {"\"\xc3\"", "\"\\ud83d\"", "\"\\ude00x\"", "[1e999]", "\"\xff\""}) {
    INFO(text);
    CHECK_FALSE(tape.Parse(text));
    CHECK(tape.Parse(text, lax));
  }
  for (const char* text : {"\"a\\x\"", "\"tab\there\"", "[1,]", "\"\\u12\"", "\xEF\xBB\xBF{}"}) {
    INFO(text);
    CHECK_FALSE(tape.Parse(text, lax));
  }
  REQUIRE(tape.Parse("\"\\ud83dx\"", lax));
  CHECK(tape.root().Unescape() == "\xEF\xBF\xBDx");
}

TEST_CASE("JsonView reads members, elements and numbers") {
  JsonTape tape;
  REQUIRE(tape.Parse(R"({"a":1,"b":[true,"x\n",null,2.0,-7,1e2,0.5,9223372036854775808],"a":2,"\u0063":"c"})"));
  JsonView root = tape.root();
  CHECK(root.size() == 4);
  CHECK(root["a"].Int() == 1);  // the first of a repeated key
  CHECK(root["c"].StrEquals("c"));  // an escaped key matches its decoded name
  CHECK_FALSE(root["missing"].valid());
  JsonView b = root["b"];
  CHECK(b.is_array());
  CHECK(b.At(0).Bool() == true);
  CHECK(b.At(1).str() == "x\\n");
  CHECK(b.At(1).Unescape() == "x\n");
  CHECK(b.At(2).is_null());
  CHECK(b.At(3).Int() == 2);
  CHECK(b.At(4).Int() == -7);
  CHECK(b.At(5).Int() == 100);
  CHECK_FALSE(b.At(6).Int());
  CHECK(b.At(6).raw() == "0.5");
  CHECK_FALSE(b.At(7).Int());  // beyond int64
  CHECK_FALSE(b.At(8).valid());
  CHECK(b.raw().substr(0, 6) == "[true,");
}
