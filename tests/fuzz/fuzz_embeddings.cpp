// Embeddings responses (wire/embeddings.h): any bytes, as an OpenAI-compatible or a Gemini
// answer with any status, for requests of 1-4 inputs in float or base64 with or without
// `dimensions`, must give a classified result whose client body is valid JSON; a served answer
// must have one embedding per input, in index order, all of one length, each finite numbers
// (float) or whole float32s (base64), and non-negative usage.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "switchyard/json/json.h"
#include "switchyard/wire/embeddings.h"
#include "switchyard/wire/wire.h"
#include "json_testing.h"

using namespace switchyard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static const int kStatuses[] = {200, 200, 200, 200, 200, 400, 429, 500};
  const int status = kStatuses[data[0] & 7];
  const size_t count = 1 + ((data[0] >> 3) & 3);
  const bool base64 = data[1] & 1;
  const int64_t dims = (data[1] & 2) ? 1 + ((data[1] >> 2) & 7) : 0;
  std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);
  Json request = Json::object();
  request["model"] = "m";
  Json input = Json::array();
  for (size_t i = 0; i < count; ++i) input.push_back("text " + std::to_string(i));
  request["input"] = count == 1 && (data[1] & 64) ? Json("single") : input;
  if (base64) request["encoding_format"] = "base64";
  if (dims) request["dimensions"] = dims;
  for (WireFormat wire : {WireFormat::kOpenAI, WireFormat::kGemini}) {
    Provider provider;
    provider.name = "P";
    provider.wire = wire;
    Endpoint endpoint;
    AttemptSpec spec;
    spec.provider = &provider;
    spec.endpoint = &endpoint;
    spec.request = &request;
    spec.generation_id = "gen-fuzz";
    spec.client_format = ClientFormat::kEmbeddings;
    AttemptResult r = TranslateResponse(spec, status, {}, body, 1700000000000);
    Json cost = Json{{"cost", 0.5}};
    Json out = testing::JsonOf(RenderEmbeddingsBody(r, &cost));
    if (!out.is_object()) std::abort();
    if ((r.outcome == Outcome::kDone) != r.error.ok()) std::abort();
    if (r.usage.prompt_tokens < 0 || r.usage.completion_tokens != 0) std::abort();
    if (r.outcome != Outcome::kDone) continue;
    const Json* list = FindArray(out, "data");
    if (list == nullptr || list->size() != count) std::abort();
    size_t length = 0;
    for (size_t i = 0; i < count; ++i) {
      const Json& item = (*list)[i];
      if (FindInt(item, "index") != std::optional<int64_t>(static_cast<int64_t>(i))) std::abort();
      const Json* e = Find(item, "embedding");
      size_t n = 0;
      if (base64) {
        // Padded base64 of whole float32s: a multiple of 4 characters, never empty.
        if (e == nullptr || !e->is_string() || e->get_ref<const std::string&>().empty() ||
            e->get_ref<const std::string&>().size() % 4 != 0) {
          std::abort();
        }
        n = e->get_ref<const std::string&>().size() * 3 / 4;  // bytes, padding included
      } else {
        if (e == nullptr || !e->is_array() || e->empty()) std::abort();
        for (const Json& x : *e) {
          if (!x.is_number() || !std::isfinite(x.get<double>())) std::abort();
        }
        n = e->size();
      }
      if (i > 0 && n != length) std::abort();
      if (!base64 && dims && static_cast<int64_t>(n) != dims) std::abort();
      length = n;
    }
    if (!FindObject(out, "usage") || !FindNumber(*FindObject(out, "usage"), "cost")) std::abort();
  }
  return 0;
}
