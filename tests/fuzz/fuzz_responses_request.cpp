// Responses requests (POST /responses): untrusted JSON through ResponsesToChat, the result into
// every request builder (the echo key must never reach a provider), and the same JSON read as a
// chat completion by ChatCompletionToResponses. Every success must produce valid JSON.
#include <cstdint>
#include <cstdlib>

#include "switchyard/json/json.h"
#include "switchyard/wire/responses.h"
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
    spec.client_format = ClientFormat::kResponses;
    Result<UpstreamRequest> up = BuildUpstreamRequest(spec);
    if (!up.ok()) continue;
    if (!testing::TryJson(up->body)) std::abort();
    if (up->body.find(kResponsesEchoKey) != std::string::npos) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  JsonLimits limits;
  limits.max_bytes = 1u << 20;
  Result<Json> parsed = ParseJson(text, limits, "fuzz input");
  if (!parsed.ok()) return 0;
  Result<Json> chat = ResponsesToChat(*parsed);
  if (chat.ok()) {
    if (!chat->is_object() || !chat->contains("messages")) std::abort();
    BuildAll(*chat, size % 2 == 0);
  } else if (chat.status().http_status() != 400) {
    std::abort();  // a bad request is the client's fault, never a crash or a 5xx
  }
  const Json* echo = chat.ok() ? Find(*chat, kResponsesEchoKey) : nullptr;
  Json response = ChatCompletionToResponses(*parsed, echo ? *echo : Json());
  if (!testing::TryJson(Dump(response))) std::abort();
  return 0;
}
