// wire/anthropic.h: Anthropic Messages, both directions.
//
// Upstream (a provider with WireFormat::kAnthropic) is handled by BuildUpstreamRequest,
// TranslateResponse and StreamTranslator in wire.h. The mapping rules, chosen where the
// Messages API needs a value the chat request may not have:
//   - all system (and developer) messages → `system`: a string joined with "\n\n" when every
//     one is a string, otherwise a list of text blocks (cache_control kept);
//   - max_tokens (required upstream): the request's max_completion_tokens / max_tokens, else the
//     endpoint's max_completion_tokens capped at kAnthropicDefaultMaxTokens (4096), else 4096;
//   - reasoning → thinking {type:"enabled", budget_tokens}: reasoning.max_tokens when given,
//     else max_tokens × ratio of the effort (minimal 0.1, low 0.2, medium 0.5 — also for
//     `enabled:true` without effort — high 0.8, xhigh 0.95), at least 1024 (the API minimum) and
//     at most 128000. When the budget does not fit below max_tokens, max_tokens becomes
//     budget + the requested max_tokens, so the answer keeps the room the client asked for.
//     With thinking on, temperature, top_k and top_p below 0.95 are dropped (the API rejects
//     them); a forced tool choice (required / a named function) turns thinking off instead,
//     because the API allows only auto/none with thinking;
//   - temperature is clamped to Anthropic's [0, 1];
//   - reasoning_details entries of format "anthropic-claude-v1" on assistant messages become
//     thinking / redacted_thinking blocks again (signatures must come back unchanged);
//   - `user` (hashed) → metadata.user_id; response_format, seed, penalties are not sent.
//
// Downstream (a client of POST /messages), any provider:
//   AnthropicToChat turns the client's Messages request into the chat request the planner and
//   the translators take; StreamTranslator / TranslateResponse with ClientFormat::kAnthropic
//   answer in Messages shape (ChatCompletionToAnthropic is that buffered conversion).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include "switchyard/base/status.h"

namespace switchyard {

inline constexpr int64_t kAnthropicDefaultMaxTokens = 4096;
inline constexpr int64_t kAnthropicMinThinkingBudget = 1024;
inline constexpr int64_t kAnthropicMaxThinkingBudget = 128000;

// An Anthropic Messages request (as sent to POST /messages) → an OpenAI chat request with router
// extensions. Kept: model, max_tokens, system, messages (text, image, document, tool_use,
// tool_result, thinking with signature), tools, tool_choice, stop_sequences, temperature, top_p,
// top_k, stream, metadata.user_id → user, thinking → reasoning; extensions `models`, `provider`,
// `session_id`, `user`, and `fallbacks:[{model}]` (at most 3, not together with `models`) →
// `models: [model, ...fallbacks]`. Errors: kInvalidArgument naming the offending field.
Result<Json> AnthropicToChat(const Json& request);

// A chat.completion (as the core renders it) → an Anthropic message: {id, type:"message",
// role, model, content[thinking/redacted_thinking, text, tool_use], stop_reason, stop_sequence,
// usage{input_tokens (uncached), cache_creation_input_tokens, cache_read_input_tokens,
// output_tokens}}.
Json ChatCompletionToAnthropic(const Json& completion);

// The Anthropic error shape {"type":"error","error":{"type","message"}} for a core Status (for
// errors a /messages client gets from the host itself: 401, 402, 404, ...).
Json AnthropicErrorBody(const Status& status);

}  // namespace switchyard
