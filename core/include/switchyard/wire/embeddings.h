// wire/embeddings.h: one embeddings attempt on the wire (POST /embeddings, ClientFormat::
// kEmbeddings). BuildUpstreamRequest and TranslateResponse (wire.h) dispatch here when the
// spec's client_format is kEmbeddings; the functions are public for tests and the fuzz target.
//
// Upstream formats:
//   openai  POST {base_url}/embeddings {"model","input","encoding_format":"float","dimensions"?,
//           "user"?(hashed)} — the input as the client sent it (text or token ids);
//   gemini  POST {base_url}/models/{model}:batchEmbedContents {"requests":[{"model":
//           "models/{model}","content":{"parts":[{"text"}]},"outputDimensionality"?}]} — text
//           only: token-id input cannot be sent (kInvalidArgument, the session moves on);
//   anthropic has no embeddings API (kInvalidArgument).
// Upstream floats are always asked for; `encoding_format: "base64"` is produced here.
//
// The client body is OpenAI's list, with the generation id and the provider as OpenRouter adds
// them: {"id","object":"list","data":[{"object":"embedding","index":i,"embedding":[..]|"<b64>"}],
// "model","provider","usage":{"prompt_tokens","total_tokens"}} (cost fields merged into usage by
// RenderEmbeddingsBody). The body is written as text straight from the provider's text, never
// through a JSON DOM: every number is copied exactly as the provider wrote it, and a batch of
// 2048 × 3072 floats costs the size of the text, not millions of tree nodes. base64 is the
// little-endian float32 bytes of each number (parsed with correct rounding), as OpenAI sends it.
//
// A 2xx answer is usable only if it has exactly one embedding per input (OpenAI: each `index`
// once, in range), each a non-empty array of finite numbers, all of one length (the requested
// `dimensions` when given): anything else is garbage (retry, error_type invalid_response).
// Usage: the provider's usage.prompt_tokens when it gives one; otherwise (Gemini) the request's
// estimate with usage.known = false.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "switchyard/base/status.h"
#include "switchyard/wire/wire.h"

namespace switchyard {

// The largest upstream embeddings body translated (a 2048 × 3072 float batch is ~130 MB of text);
// the session raises a smaller host response limit to this for embeddings attempts.
inline constexpr int64_t kMaxEmbeddingsResponseBytes = int64_t{192} << 20;
// Room a translated client body keeps after its text (its capacity): the cost fields, then the
// session's final step (its JSON and settle command) are written around the body there, so a
// batch's body is never copied whole.
inline constexpr size_t kEmbeddingsBodyRoom = size_t{64} << 10;

Result<UpstreamRequest> BuildEmbeddingsRequest(const AttemptSpec& spec);

AttemptResult TranslateEmbeddingsResponse(const AttemptSpec& spec, int http_status,
                                          const Headers& headers, std::string_view body,
                                          int64_t now_ms);

// The client body of a translated embeddings answer with `cost` (the money module's cost
// fields) merged into its usage; a failure's body as it is.
std::string RenderEmbeddingsBody(const AttemptResult& result, const Json* cost);
// The same in place, on a served answer's client_body (a large batch is not copied).
void MergeEmbeddingsCost(std::string* body, const Json* cost);

// Standard base64 (with padding) of `bytes`, appended to `out`.
void AppendBase64(std::string& out, std::string_view bytes);

}  // namespace switchyard
