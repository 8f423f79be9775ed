// The SSE parser: WHATWG line and field rules, and the same events for every split of the bytes.
#include <cstdint>
#include <string>
#include <vector>

#include "switchyard/wire/sse.h"
#include "test_support.h"

namespace switchyard {
namespace {

struct Ev {
  std::string event, data, id;
  int64_t retry = -1;
  bool operator==(const Ev&) const = default;
};

std::vector<Ev> ParseAll(const std::vector<std::string>& pieces, SseParser* parser = nullptr) {
  SseParser local;
  SseParser& p = parser ? *parser : local;
  std::vector<Ev> out;
  auto on = [&](const SseEvent& e) {
    out.push_back(
        Ev{std::string(e.event), std::string(e.data), std::string(e.id), e.retry ? *e.retry : -1});
  };
  for (const std::string& piece : pieces) p.Feed(piece, on);
  p.Finish(on);
  return out;
}

std::vector<Ev> ParseWhole(const std::string& text) { return ParseAll({text}); }

// Deterministic splits: a small LCG (the core has no randomness; tests bring their own seed).
std::vector<std::string> RandomSplit(const std::string& text, uint64_t seed) {
  std::vector<std::string> pieces;
  uint64_t state = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  size_t i = 0;
  while (i < text.size()) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    size_t len = 1 + static_cast<size_t>((state >> 33) % 7);
    if ((state >> 20) % 5 == 0) len = 0;  // empty feeds are legal too
    pieces.push_back(text.substr(i, len));
    i += len;
  }
  return pieces;
}

TEST_CASE("sse: fields, comments, multi-line data, ids and retry") {
  auto events = ParseWhole(
      ": keep-alive\n"
      "event: message_start\n"
      "data: {\"a\":1}\n"
      "\n"
      "data: line one\n"
      "data:line two\n"
      "data:  indented\n"
      "id: 42\n"
      "retry: 1500\n"
      "\n"
      "data\n"
      "\n"
      "event: only-a-name\n"
      "\n"
      "data: after\n"
      "\n");
  REQUIRE(events.size() == 4);
  CHECK(events[0] == Ev{"message_start", "{\"a\":1}", "", -1});
  CHECK(events[1] == Ev{"", "line one\nline two\n indented", "42", 1500});
  CHECK(events[2] == Ev{"", "", "42", -1});  // "data" without colon: an empty data line
  // An event with no data is not dispatched; its name does not leak into the next event.
  CHECK(events[3].event.empty());
  CHECK(events[3].data == "after");
}

TEST_CASE("sse: the id with a NUL is ignored and ids persist") {
  std::string text = std::string("id: one\ndata: a\n\nid: t\0wo\ndata: b\n\n", 34);
  auto events = ParseWhole(text);
  REQUIRE(events.size() == 2);
  CHECK(events[0].id == "one");
  CHECK(events[1].id == "one");
}

TEST_CASE("sse: CRLF, CR and LF line ends, split anywhere") {
  std::string lf = "event: e\ndata: x\ndata: y\n\ndata: z\n\n";
  std::string crlf = "event: e\r\ndata: x\r\ndata: y\r\n\r\ndata: z\r\n\r\n";
  std::string cr = "event: e\rdata: x\rdata: y\r\rdata: z\r\r";
  auto expected = ParseWhole(lf);
  REQUIRE(expected.size() == 2);
  CHECK(ParseWhole(crlf) == expected);
  CHECK(ParseWhole(cr) == expected);
  // A CR ending one feed and the LF starting the next are one line end, not two.
  CHECK(ParseAll({"data: x\r", "\ndata: y\r", "\n\r", "\n"}) ==
        std::vector<Ev>{{"", "x\ny", "", -1}});
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    CHECK(ParseAll(RandomSplit(crlf, seed)) == expected);
    CHECK(ParseAll(RandomSplit(cr, seed)) == expected);
  }
}

TEST_CASE("sse: BOM at the start, whole or split, is skipped once") {
  std::string bom = "\xEF\xBB\xBF";
  auto expected = std::vector<Ev>{{"", "x", "", -1}};
  CHECK(ParseWhole(bom + "data: x\n\n") == expected);
  CHECK(ParseAll({"\xEF", "\xBB",
                  "\xBF"
                  "data: x\n\n"}) == expected);
  // Only the first BOM is special: a second one makes the line an unknown field.
  CHECK(ParseWhole(bom + bom + "data: x\n\n").empty());
  // Bytes that begin like a BOM but are not one are content.
  CHECK(ParseAll({"\xEF", "data: x\n\n"}).empty());
}

TEST_CASE("sse: a last event without a trailing newline is delivered at Finish") {
  CHECK(ParseWhole("data: a\n\ndata: b") == std::vector<Ev>{{"", "a", "", -1}, {"", "b", "", -1}});
  CHECK(ParseWhole("data: a\n\ndata: b\n") ==
        std::vector<Ev>{{"", "a", "", -1}, {"", "b", "", -1}});
  CHECK(ParseWhole("data: [DONE]\r") == std::vector<Ev>{{"", "[DONE]", "", -1}});
  CHECK(ParseWhole("").empty());
  CHECK(ParseWhole(": only a comment").empty());
}

TEST_CASE("sse: events are identical for every random split of a long stream") {
  std::string text = "\xEF\xBB\xBF: ping\r\n";
  for (int i = 0; i < 40; ++i) {
    text += "event: content_block_delta\r\n";
    text += "data: {\"type\":\"content_block_delta\",\"index\":" + std::to_string(i) + "}\r\n\r\n";
    if (i % 7 == 0) text += ": keep-alive\n\n";
    if (i % 11 == 0) text += "data: multi\ndata: line\r\r";
  }
  text += "data: [DONE]";  // no newline at all
  auto expected = ParseWhole(text);
  REQUIRE(expected.size() == 40 + 4 + 1);
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    INFO("seed " << seed);
    REQUIRE(ParseAll(RandomSplit(text, seed)) == expected);
  }
  // Byte by byte.
  std::vector<std::string> bytes;
  for (char c : text) bytes.emplace_back(1, c);
  CHECK(ParseAll(bytes) == expected);
}

TEST_CASE("sse: lines beyond the limit stop the parser instead of growing without bound") {
  SseParser::Limits limits;
  limits.max_event_bytes = 64;
  SseParser parser(limits);
  std::vector<Ev> events;
  auto on = [&](const SseEvent& e) { events.push_back(Ev{"", std::string(e.data), "", -1}); };
  parser.Feed("data: ok\n\n", on);
  parser.Feed("data: " + std::string(100, 'x'), on);
  CHECK(parser.overflow());
  parser.Feed("\n\ndata: later\n\n", on);
  parser.Finish(on);
  CHECK(events.size() == 1);
  // Many data lines that together exceed the limit overflow too.
  SseParser joined(limits);
  for (int i = 0; i < 20; ++i) joined.Feed("data: 0123456789\n", on);
  CHECK(joined.overflow());
}

TEST_CASE("sse: comments are counted, and the writer helpers frame events") {
  SseParser parser;
  parser.Feed(": OPENROUTER PROCESSING\n\n: x\n", [](const SseEvent&) {});
  CHECK(parser.comments() == 2);
  std::string out;
  AppendSseData(out, "{\"a\":1}");
  AppendSseEvent(out, "message_stop", "{}");
  out += kSseDone;
  CHECK(out == "data: {\"a\":1}\n\nevent: message_stop\ndata: {}\n\ndata: [DONE]\n\n");
  CHECK(ParseWhole(out).size() == 3);
}

}  // namespace
}  // namespace switchyard
