// wire/openai.h: the OpenAI-compatible chat format (OpenAI, DeepSeek, Mistral, xAI, Groq,
// Together, Fireworks, DeepInfra, Cerebras, Nebius, Novita, OpenRouter as an upstream).
//
// Request shaping done by BuildUpstreamRequest (wire.h) for these providers:
//   - router-only fields are removed (IsRouterOnlyField), and so are `metadata` (unless the
//     endpoint lists "metadata") and message-level `reasoning`/`reasoning_details` and part-level
//     `cache_control`, which strict providers reject; `developer` messages become `system`
//     except for OpenAI itself;
//   - `model` = the endpoint's upstream model; max_tokens / max_completion_tokens is sent under
//     the name the provider expects (Provider::uses_max_completion_tokens);
//   - reasoning controls → `reasoning_effort` (xhigh is sent as high; a bare token budget maps to
//     the effort whose share of max_tokens is nearest below: ≥0.8 high, ≥0.5 medium, ≥0.2 low,
//     else minimal), only when the endpoint supports reasoning;
//   - sampling and tool parameters the endpoint does not list (Endpoint::params) are dropped; an
//     endpoint with no declared parameters keeps them all;
//   - `user` only hashed (AttemptSpec::hashed_user / HashUser); streams always ask for
//     stream_options.include_usage so usage arrives in the final chunk.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

namespace switchyard {

// Provider finish_reason → stop | length | tool_calls | content_filter | error ("" for "").
std::string_view NormalizeFinishReason(std::string_view native);

// Fields of a Switchyard chat request that never go to an OpenAI-compatible provider as they are
// (routing extensions, and `reasoning`, which is mapped to reasoning_effort).
bool IsRouterOnlyField(std::string_view field);

}  // namespace switchyard
