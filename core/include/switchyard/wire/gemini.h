// wire/gemini.h: Google Gemini generateContent / streamGenerateContent?alt=sse.
//
// BuildUpstreamRequest (wire.h) maps a chat request to Gemini as follows:
//   - URL {base_url}/models/{upstream_model}:generateContent (streams:
//     :streamGenerateContent?alt=sse); key header x-goog-api-key;
//   - system/developer messages → systemInstruction (text joined with "\n\n"); user → role
//     "user", assistant → role "model"; text parts, images (data: URL → inlineData, other URLs →
//     fileData with a MIME type guessed from the extension, image/jpeg when unknown), PDF file
//     parts and input_audio → inlineData;
//   - assistant tool_calls → functionCall{id, name, args}; tool messages → functionResponse{id,
//     name (looked up from the matching tool call), response} in one user turn per run of tool
//     messages; a tool result that is a JSON object is sent as the response, anything else as
//     {"content": text};
//   - reasoning_details of format "google-gemini-v1" (reasoning.encrypted) come back as the
//     thoughtSignature of the first functionCall part (else the first part) of that turn;
//   - tools → functionDeclarations with SanitizeGeminiSchema'd parameters (omitted when the
//     schema has no properties, which Gemini rejects for OBJECT); tool_choice auto/required/
//     none/{function} → functionCallingConfig AUTO/ANY/NONE/ANY+allowedFunctionNames;
//   - generationConfig: maxOutputTokens, temperature, topP, topK, stopSequences, seed,
//     presencePenalty, frequencyPenalty; response_format json_object → responseMimeType
//     application/json, json_schema → plus responseSchema (sanitised);
//   - reasoning → thinkingConfig{thinkingBudget, includeThoughts = !exclude}: reasoning.max_tokens
//     when given; else the effort's share of max_tokens (ratios as for Anthropic, at least 128);
//     without max_tokens a fixed budget per effort (minimal 1024, low 2048, medium 8192, high
//     16384, xhigh 24576). An explicit "none"/enabled:false sends thinkingBudget 0.
// Responses: thought parts → reasoning, functionCall → tool_calls (ids from the provider, else
// "call_<generation id>_<n>"), thoughtSignature → reasoning_details (reasoning.encrypted,
// google-gemini-v1); usageMetadata: prompt = promptTokenCount (cached included) +
// toolUsePromptTokenCount, completion = candidatesTokenCount + thoughtsTokenCount, reasoning =
// thoughtsTokenCount; promptFeedback.blockReason without candidates is a content_filter error.
//
// Thread-safety: pure functions.
#pragma once

#include "switchyard/base/status.h"

namespace switchyard {

// A JSON Schema reduced to the OpenAPI subset Gemini accepts: keeps type (a type list becomes
// its first non-null type plus nullable), format (only date-time, enum, int32, int64, float,
// double), title, description, nullable, enum, items, properties, required, min/maxItems,
// min/maxProperties, min/maxLength, pattern, minimum, maximum, example, propertyOrdering, anyOf
// (oneOf becomes anyOf; allOf is merged); `const` becomes a one-value enum. Everything else
// ($schema, additionalProperties, $ref, $defs, default, examples, exclusiveMinimum, ...) is
// dropped.
Json SanitizeGeminiSchema(const Json& schema);

// The inverse of the request mapping, for round-trip tests and the simulator: a Gemini
// generateContent body → an OpenAI chat request (model left out).
Result<Json> GeminiToChat(const Json& request);

}  // namespace switchyard
