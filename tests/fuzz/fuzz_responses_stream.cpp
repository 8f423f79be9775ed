// The Responses client stream: any upstream format (the first byte picks it) translated into the
// Responses event sequence, differential: the client bytes for the whole input must equal those
// for the input fed in pieces; every event must be `event: <type>` + JSON data of that type, with
// sequence numbers 0, 1, 2, ... and nothing after a terminal event.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "switchyard/wire/responses.h"
#include "switchyard/wire/sse.h"
#include "switchyard/wire/wire.h"
#include "json_testing.h"

using namespace switchyard;

namespace {

std::string Run(const AttemptSpec& spec, const std::vector<std::string_view>& pieces,
                bool abort_at_end, StreamSummary* summary) {
  auto t = StreamTranslator::Open(spec, 200, {}, 0);
  if (!t.ok()) std::abort();
  std::string out;
  for (std::string_view p : pieces) {
    out += (*t)->Feed(p);
    if ((*t)->summary().terminated) break;
  }
  if (!abort_at_end) (*t)->CloseInput();
  Json cost = {{"cost", 0.5}, {"cost_details", {{"upstream_inference_prompt_cost", 0.25}}}};
  out += (*t)->Finish(abort_at_end, "timeout", &cost);
  *summary = (*t)->summary();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  uint8_t control = data[0];
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  Provider provider;
  provider.name = "P";
  provider.wire = (control & 3) == 1   ? WireFormat::kAnthropic
                  : (control & 3) == 2 ? WireFormat::kGemini
                                       : WireFormat::kOpenAI;
  Endpoint endpoint;
  Result<Json> request = ResponsesToChat(
      (control & 8) ? Json{{"model", "a/b"}, {"input", "x"}, {"reasoning", {{"exclude", true}}}}
                    : Json{{"model", "a/b"}, {"input", "x"}, {"instructions", "i"}});
  if (!request.ok()) std::abort();
  AttemptSpec spec;
  spec.provider = &provider;
  spec.endpoint = &endpoint;
  spec.request = &*request;
  spec.generation_id = "gen-fuzz";
  spec.model_id = "a/b";
  spec.client_format = ClientFormat::kResponses;
  bool abort_at_end = (control & 4) != 0;
  std::vector<std::string_view> pieces;
  uint32_t state = control * 2654435761u + 7;
  for (size_t i = 0; i < bytes.size();) {
    state = state * 1103515245u + 12345u;
    size_t len = std::min<size_t>((state >> 16) % 13, bytes.size() - i);
    pieces.push_back(bytes.substr(i, len));
    i += len;
  }
  StreamSummary whole_summary, split_summary;
  std::string whole = Run(spec, {bytes}, abort_at_end, &whole_summary);
  std::string split = Run(spec, pieces, abort_at_end, &split_summary);
  if (whole != split) std::abort();
  if (!(whole_summary.usage == split_summary.usage)) std::abort();
  if (!whole_summary.terminated) std::abort();
  if (!whole_summary.first_byte_emitted && !whole.empty()) std::abort();
  int64_t expected_seq = 0;
  bool ended = false;
  SseParser check;
  auto verify = [&](const SseEvent& e) {
    if (ended) std::abort();  // nothing after the terminal event
    Json j = testing::JsonOf(e.data);  // aborts on [DONE]: Responses have none
    if (!j.is_object()) std::abort();
    auto type = FindString(j, "type");
    if (!type || *type != e.event) std::abort();
    if (FindInt(j, "sequence_number") != std::optional<int64_t>(expected_seq++)) std::abort();
    if (*type == "response.completed" || *type == "response.incomplete" ||
        *type == "response.failed") {
      ended = true;
    }
  };
  check.Feed(whole, verify);
  check.Finish(verify);
  if (!whole.empty() && !ended) std::abort();  // a started stream always ends
  return 0;
}
