// Buffered responses: any bytes, as any wire format's answer with any status, must give a
// classified result whose client body is valid JSON.
#include <cstdint>
#include <cstdlib>

#include "switchyard/json/json.h"
#include "switchyard/wire/wire.h"
#include "json_testing.h"

using namespace switchyard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static const int kStatuses[] = {200, 200, 200, 400, 401, 404, 408, 413, 429, 500, 503, 529};
  int status = kStatuses[data[0] % 12];
  Headers headers;
  if (data[1] & 1)
    headers.emplace_back("retry-after", std::string(reinterpret_cast<const char*>(data + 2),
                                                    std::min<size_t>(size - 2, 40)));
  std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);
  for (WireFormat wire : {WireFormat::kOpenAI, WireFormat::kAnthropic, WireFormat::kGemini,
                          WireFormat::kOpenAIResponses}) {
    Provider provider;
    provider.name = "P";
    provider.wire = wire;
    Endpoint endpoint;
    Json request = Json::object();
    AttemptSpec spec;
    spec.provider = &provider;
    spec.endpoint = &endpoint;
    spec.request = &request;
    spec.generation_id = "gen-fuzz";
    spec.client_format = (data[1] & 2) ? ClientFormat::kAnthropic : ClientFormat::kOpenAI;
    AttemptResult r = TranslateResponse(spec, status, headers, body, 1700000000000);
    if (!testing::TryJson(r.client_body)) std::abort();
    if ((r.outcome == Outcome::kDone) != r.error.ok()) std::abort();
    if (r.usage.prompt_tokens < 0 || r.usage.completion_tokens < 0) std::abort();
  }
  return 0;
}
