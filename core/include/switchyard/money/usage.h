// usage.h: token counts of one generation, normalised across wire formats.
//
// The wire translators produce a Usage from each provider's native fields (buffered or
// streamed, the same numbers either way); the money module prices it; responses render it in
// OpenRouter's shape. Conventions (REFERENCE §5): `prompt_tokens` INCLUDES cached reads and cache
// writes, as OpenAI and OpenRouter report it (Anthropic's native `input_tokens` excludes them;
// the Anthropic translator adds them back). `completion_tokens` includes reasoning tokens.
#pragma once

#include <cstdint>
#include <string>

#include "switchyard/base/status.h"

namespace switchyard {

struct Usage {
  int64_t prompt_tokens = 0;          // all input tokens, cached and cache-written included
  int64_t completion_tokens = 0;      // all output tokens, reasoning included
  int64_t cached_tokens = 0;          // input tokens read from the provider's prompt cache
  int64_t cache_write_tokens = 0;     // input tokens written to the cache (5-minute TTL)
  int64_t cache_write_1h_tokens = 0;  // input tokens written to the cache with a 1-hour TTL
  int64_t reasoning_tokens = 0;       // output tokens spent on reasoning
  int64_t images = 0;                 // input images billed per image
  int64_t requests = 1;               // billed requests (per-request fee)
  bool known = false;                 // the provider reported usage (false: estimated)

  int64_t total_tokens() const { return prompt_tokens + completion_tokens; }
  // Input tokens billed at the plain prompt price.
  int64_t uncached_prompt_tokens() const {
    int64_t n = prompt_tokens - cached_tokens - cache_write_tokens - cache_write_1h_tokens;
    return n < 0 ? 0 : n;
  }
  bool operator==(const Usage&) const = default;
};

// Every field of the struct plus total_tokens, as one JSON object: the lossless form used by
// stream summaries, generation records and tests (ParseUsageJson in money.h reads it back).
// Clients see usage in OpenRouter's shape instead (RenderUsage in wire/wire.h).
Json UsageToJson(const Usage& usage);
// The same object as JSON text, byte for byte Dump(UsageToJson(usage)) (one list of the fields
// writes both), appended to `out`: for renderers that write text, not a DOM.
void AppendUsageJson(std::string& out, const Usage& usage);

}  // namespace switchyard
