// Request direction: untrusted JSON through ParseJson, then as an Anthropic Messages request
// (AnthropicToChat), as a chat request into every request builder, and as a Gemini body
// (GeminiToChat). Every success must produce valid JSON. A valid chat request is also
// compressed (CompressToFit, to a budget taken from the input): the result must still be a
// valid request, within the budget unless nothing more can go, with its leading system
// messages and its last message kept, and built upstream like any other.
#include <cstdint>
#include <cstdlib>

#include "switchyard/json/json.h"
#include "switchyard/request/request.h"
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

  Result<Request> request = ParseRequestJson(*parsed);
  if (request.ok() && request->raw.contains("messages")) {
    const Json& before = request->raw["messages"];
    const int64_t budget = static_cast<int64_t>(size % 97) * 3;
    Json cut = CompressToFit(request->raw, budget);
    Result<Request> again = ParseRequestJson(cut);
    if (!again.ok()) std::abort();
    const Json& after = cut["messages"];
    if (after.empty() || after.size() > before.size()) std::abort();
    if (after[after.size() - 1]["role"] != before[before.size() - 1]["role"]) std::abort();
    for (size_t i = 0; i < before.size() && (before[i]["role"] == "system" || before[i]["role"] == "developer"); ++i) {
      if (i >= after.size() || after[i]["role"] != before[i]["role"]) std::abort();
    }
    // Over the budget only when every removable message is gone (system messages and the last).
    if (EstimatePromptTokens(cut) > budget) {
      size_t system = 0;
      while (system < after.size() && (after[system]["role"] == "system" || after[system]["role"] == "developer")) ++system;
      if (after.size() > system + 1 && !(after[system]["role"] == "assistant" && after[system].contains("tool_calls"))) std::abort();
    }
    BuildAll(cut, stream);
  }
  return 0;
}
