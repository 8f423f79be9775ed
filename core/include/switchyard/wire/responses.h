// wire/responses.h: the OpenAI Responses API as a CLIENT format (POST /responses).
//
// The router is stateless and routes every request as a chat request: ResponsesToChat maps the
// client's Responses request to the internal chat request before planning, and answers in the
// Responses shape come out of TranslateResponse / StreamTranslator with
// ClientFormat::kResponses (ChatCompletionToResponses is the buffered conversion; the streamed
// one emits the Responses event sequence, each event named by an SSE `event:` line and numbered
// by `sequence_number`, with no [DONE]).
//
// Request mapping (ResponsesToChat):
//   - instructions → a system message first; input (a string → one user message, or items):
//     messages (role user/assistant/system/developer; content a string or parts input_text /
//     input_image / input_file, output_text / refusal for assistant turns), function_call items
//     (→ the assistant message's tool_calls), function_call_output items (→ tool messages),
//     reasoning items (→ the next assistant message's reasoning and reasoning_details: summary
//     text, and `signature` / `encrypted_content` with their `format`, so a provider that signs
//     its thinking gets it back);
//   - tools (function tools only; any other type → 400 naming it), tool_choice (auto / none /
//     required / {type:function, name}), text.format (json_schema → response_format json_schema,
//     json_object, text), text.verbosity → verbosity, reasoning {effort} → reasoning,
//     max_output_tokens → max_tokens, temperature, top_p, top_k, parallel_tool_calls, user,
//     safety_identifier (→ user when no user), stream;
//   - router extensions pass through as on chat: models, provider, route, transforms, preset,
//     session_id, plugins, debug;
//   - stateless: store:true, previous_response_id, conversation, background:true → 400 naming
//     the field; metadata (string values) is accepted and echoed, never sent upstream.
//
// Output: the `response` object {id (the generation id), object:"response", created_at, status
// completed | incomplete (incomplete_details.reason max_output_tokens | content_filter), model,
// output [reasoning {summary}, message {content [output_text | refusal]}, function_call ...],
// usage {input_tokens, input_tokens_details{cached_tokens, cache_write_tokens}, output_tokens,
// output_tokens_details{reasoning_tokens}, total_tokens} + the cost fields, and the echoed
// request settings}. Item ids are derived from the generation id, so a streamed answer and a
// buffered one of the same generation carry the same ids.
//
// Thread-safety: pure functions.
#pragma once

#include "switchyard/base/status.h"
#include "switchyard/json/json.h"

namespace switchyard {

// A Responses request → the chat request (router extensions kept) plus, under the router-private
// key kResponsesEchoKey, the request settings the response object repeats. The planner and the
// wire builders never read that key; BuildUpstreamRequest does not send it. Errors:
// kInvalidArgument with the offending field's path ("input[2].content[0].type").
Result<Json> ResponsesToChat(const Json& request);

// The key ResponsesToChat stores the echoed settings under.
inline constexpr const char* kResponsesEchoKey = "responses_echo";

// A chat.completion (as the core renders it) → the Responses `response` object. `echo` is what
// ResponsesToChat stored (null: defaults).
Json ChatCompletionToResponses(const Json& completion, const Json& echo);

// The OpenAI error shape a Responses client gets for a core Status (the chat one: {"error":
// {"code","message","metadata"?}}), named for symmetry with AnthropicErrorBody.
Json ResponsesErrorBody(const Status& status);

}  // namespace switchyard
