// wire/responses_upstream.h: OpenAI's Responses API as an upstream wire format
// (WireFormat::kOpenAIResponses, "openai-responses" in the catalog), for the models OpenAI serves
// only there (o1-pro, o3-pro, the codex and deep-research models, gpt-5 pro...).
//
// Like every upstream format it is reached through BuildUpstreamRequest, TranslateResponse and
// StreamTranslator (wire.h); the client still speaks chat completions (or Anthropic Messages)
// and never sees that the provider spoke Responses. The endpoint's catalog `wire` (or its
// provider's) selects it: POST {base_url}/responses, Authorization: Bearer.
//
// Request mapping from the chat request:
//   - system/developer messages before the first other message → `instructions` (joined with
//     "\n\n"); later ones (or a conversation of nothing else) → developer message items, in place;
//   - user content: a string as it is; parts text → input_text, image_url → input_image
//     (detail kept), file → input_file (file_data data URL or file_id, filename);
//   - assistant text → a message item of output_text parts (refusal parts kept as refusal);
//     tool_calls → function_call items {call_id, name, arguments}; tool messages →
//     function_call_output {call_id, output: the content's text};
//   - tools → flattened function tools {type, name, description, parameters, strict}: `strict`
//     is sent false unless the chat tool says true, because Responses defaults it to true and
//     would reject schemas written for chat; tool_choice (a named function flattened to
//     {type:"function", name}) and parallel_tool_calls when the endpoint lists them;
//   - response_format → text.format (json_schema flattened, json_object, text); verbosity →
//     text.verbosity;
//   - reasoning (endpoint lists `reasoning`) → reasoning {effort, summary:"auto"} plus
//     include ["reasoning.encrypted_content"], the effort chosen as for chat (wire/openai.h);
//     effort "none" is sent without a summary;
//   - max_completion_tokens / max_tokens → max_output_tokens, at least kResponsesMinOutputTokens
//     (the API's minimum); temperature, top_p when the endpoint lists them; `user` only hashed;
//     store:false always (the router keeps no provider-side state); stream when streaming.
//   Parameters Responses has no place for (stop, seed, penalties, logit_bias, top_k...) are not
//   sent.
//
// Response mapping (buffered `response` object, or the stream's events):
//   output_text → content, refusal → refusal, reasoning summaries and reasoning_text parts →
//   reasoning (parts joined with "\n\n"), encrypted_content → reasoning_details entries
//   {type:"reasoning.encrypted", data, format:"openai-responses-v1", index}, function_call →
//   tool_calls (id = call_id); status completed → stop (tool_calls when the answer calls a tool),
//   incomplete → length (max_output_tokens, or any other reason) or content_filter;
//   status failed / an `error` event → classified like any provider error (wire/errors.cpp);
//   usage from ResponsesUsage, shared by both paths. A stream is complete at
//   response.completed or response.incomplete.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

namespace switchyard {

inline constexpr int64_t kResponsesMinOutputTokens = 16;
// The reasoning_details format of encrypted reasoning from this wire.
inline constexpr const char* kResponsesReasoningFormat = "openai-responses-v1";

}  // namespace switchyard
