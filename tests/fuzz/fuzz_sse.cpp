// Differential fuzzer of the SSE parser: the events of the whole input must equal the events of
// the same bytes fed in pieces (piece sizes taken from the input itself).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "switchyard/wire/sse.h"

namespace {

struct Ev {
  std::string event, data, id;
  int64_t retry;
  bool operator==(const Ev&) const = default;
};

std::vector<Ev> Run(const std::vector<std::string_view>& pieces) {
  switchyard::SseParser::Limits limits;
  limits.max_event_bytes = 4096;  // small, so the overflow path is reached too
  switchyard::SseParser parser(limits);
  std::vector<Ev> out;
  auto on = [&](const switchyard::SseEvent& e) {
    out.push_back(
        Ev{std::string(e.event), std::string(e.data), std::string(e.id), e.retry.value_or(-1)});
  };
  for (std::string_view p : pieces) parser.Feed(p, on);
  parser.Finish(on);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // First byte: split stride seed; the rest: the stream.
  uint32_t state = data[0] * 2654435761u + 1;
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<std::string_view> pieces;
  for (size_t i = 0; i < bytes.size();) {
    state = state * 1103515245u + 12345u;
    size_t len = (state >> 16) % 9;
    len = std::min(len, bytes.size() - i);
    pieces.push_back(bytes.substr(i, len));
    i += len;
  }
  std::vector<Ev> whole = Run({bytes});
  std::vector<Ev> split = Run(pieces);
  // With the overflow limit the parser stops at the same byte either way, so the events match.
  if (whole != split) std::abort();
  return 0;
}
