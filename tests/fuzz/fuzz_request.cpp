// Request direction: untrusted JSON through ParseJson, then as an Anthropic Messages request
// (AnthropicToChat), as a chat request into every request builder, and as a Gemini body
// (GeminiToChat). Every success must produce valid JSON.
#include <cstdint>
#include <cstdlib>

#include "switchyard/json/json.h"
#include "switchyard/wire/anthropic.h"
#include "switchyard/wire/gemini.h"
#include "switchyard/wire/wire.h"
#include "json_testing.h"

using namespace switchyard;

namespace {

void BuildAll(const Json& request, bool stream) {
  for (WireFormat wire : {WireFormat::kOpenAI, WireFormat::kAnthropic, WireFormat::kGemini}) {
    Provider provider;
    provider.slug = "p";
    provider.name = "P";
    provider.wire = wire;
    provider.base_url = "https://p.test/v1";
    Endpoint endpoint;
    endpoint.upstream_model = "m";
    endpoint.max_completion_tokens = 8192;
    AttemptSpec spec;
    spec.provider = &provider;
    spec.endpoint = &endpoint;
    spec.request = &request;
    spec.stream = stream;
    spec.user_salt = "acct";
    Result<UpstreamRequest> up = BuildUpstreamRequest(spec);
    if (up.ok() && !testing::TryJson(up->body)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  JsonLimits limits;
  limits.max_bytes = 1u << 20;
  Result<Json> parsed = ParseJson(text, limits, "fuzz input");
  if (!parsed.ok()) return 0;
  bool stream = size % 2 == 0;
  BuildAll(*parsed, stream);
  Result<Json> chat = AnthropicToChat(*parsed);
  if (chat.ok()) BuildAll(*chat, stream);
  Result<Json> from_gemini = GeminiToChat(*parsed);
  if (from_gemini.ok()) BuildAll(*from_gemini, stream);
  (void)SanitizeGeminiSchema(*parsed);
  return 0;
}
