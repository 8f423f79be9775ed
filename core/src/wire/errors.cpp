// Error classification: every way an attempt can fail ends up here, so the same provider answer
// gives the same outcome, status and error_type whether it came buffered, streamed or in-band.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "wire/internal.h"

namespace switchyard::wire {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// Phrases providers use for "the prompt does not fit" (OpenAI, Anthropic, Gemini, vLLM, Groq,
// Mistral, DeepSeek...). Matched on the lower-cased message and code.
bool LooksLikeContextLength(std::string_view code, std::string_view message) {
  if (code == "context_length_exceeded" || code == "string_above_max_length" ||
      code == "request_too_large") {
    return true;
  }
  static const char* const kPhrases[] = {
      "context length",    "context_length",       "maximum context",
      "context window",    "prompt is too long",   "too many tokens",
      "input is too long", "reduce the length",    "exceeds the maximum number of tokens",
      "input token count", "maximum input length", "too long for the model",
      "prompt too long",   "exceeds the context",
  };
  for (const char* phrase : kPhrases) {
    if (Contains(message, phrase)) return true;
  }
  return false;
}

bool LooksLikeContentFilter(std::string_view code) {
  return code == "content_filter" || code == "content_policy_violation" ||
         code == "content_filtered" || code == "moderation";
}

constexpr int64_t kMaxRetryAfterMs = 24LL * 3600 * 1000;

// A finite, non-negative delay in ms, rounded up and capped at a day. The cap is applied before
// the conversion: a provider's "1e300" must not become an out-of-range cast.
int64_t CappedCeilMs(double ms) {
  return ms >= static_cast<double>(kMaxRetryAfterMs) ? kMaxRetryAfterMs
                                                      : static_cast<int64_t>(std::ceil(ms));
}

// "37s", "1.5s" (protobuf Duration JSON) → ms, capped at a day.
int64_t DurationMs(std::string_view s) {
  if (s.size() < 2 || s.back() != 's' || s.size() > 24) return 0;
  std::string num(s.substr(0, s.size() - 1));
  char* end = nullptr;
  double v = std::strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size() || !std::isfinite(v) || v < 0) return 0;
  return CappedCeilMs(v * 1000.0);
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" and RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT"
// → unix ms, or -1.
int64_t ParseHttpDate(std::string_view s) {
  size_t comma = s.find(',');
  if (comma == std::string_view::npos) return -1;
  // After the weekday: day, month, year, hour, minute, second, zone, separated by spaces (and
  // by '-' and ':' inside the date and the time). No sscanf: it would bring libc's scanf in.
  std::string_view fields[7];
  size_t n = 0;
  const std::string_view rest = s.substr(comma + 1);
  for (size_t i = 0; i < rest.size();) {
    auto separator = [](char c) { return c == ' ' || c == '\t' || c == '-' || c == ':'; };
    while (i < rest.size() && separator(rest[i])) ++i;
    const size_t start = i;
    while (i < rest.size() && !separator(rest[i])) ++i;
    if (i == start) break;
    if (n == 7) return -1;
    fields[n++] = rest.substr(start, i - start);
  }
  if (n != 7) return -1;
  int number[6] = {0};  // day, -, year, hour, minute, second
  for (size_t f : {0, 2, 3, 4, 5}) {
    if (fields[f].empty() || fields[f].size() > 4) return -1;
    for (char c : fields[f]) {
      if (c < '0' || c > '9') return -1;
      number[f] = number[f] * 10 + (c - '0');
    }
  }
  int day = number[0], year = number[2], hh = number[3], mm = number[4], ss = number[5];
  if (fields[6] != "GMT") return -1;
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  unsigned month = 0;
  for (unsigned i = 0; i < 12; ++i) {
    if (fields[1] == kMonths[i]) month = i + 1;
  }
  if (!month || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || hh < 0 || mm < 0 ||
      ss < 0 || year < 0 || year > 9999) {
    return -1;
  }
  if (year < 100) year += year < 70 ? 2000 : 1900;  // RFC 850 two-digit years
  int64_t days = DaysFromCivil(year, month, static_cast<unsigned>(day));
  return ((days * 24 + hh) * 60 + mm) * 60000 + static_cast<int64_t>(ss) * 1000;
}

std::string StatusText(int status) {
  switch (status) {
    case 400:
      return "Bad request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not found";
    case 408:
      return "Request timeout";
    case 413:
      return "Request too large";
    case 429:
      return "Rate limited";
    case 500:
      return "Internal server error";
    case 502:
      return "Bad gateway";
    case 503:
      return "Service unavailable";
    case 504:
      return "Gateway timeout";
    case 529:
      return "Overloaded";
    default:
      return "HTTP " + std::to_string(status);
  }
}

}  // namespace

std::string TruncateRaw(std::string_view raw) {
  constexpr size_t kMax = 2048;
  if (raw.size() <= kMax) return std::string(raw);
  size_t cut = kMax;
  // Do not split a UTF-8 sequence: back up over continuation bytes.
  while (cut > 0 && (static_cast<unsigned char>(raw[cut]) & 0xC0) == 0x80) --cut;
  return std::string(raw.substr(0, cut));
}

int64_t RetryAfterMs(const Headers& headers, int64_t now_ms) {
  if (auto ms = FindHeader(headers, "retry-after-ms")) {
    std::string v(*ms);
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    if (end != v.c_str() && std::isfinite(d) && d >= 0) {
      return CappedCeilMs(d);
    }
  }
  if (auto ra = FindHeader(headers, "retry-after")) {
    std::string_view v = *ra;
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    if (!v.empty() && (std::isdigit(static_cast<unsigned char>(v[0])) != 0)) {
      std::string s(v);
      char* end = nullptr;
      double seconds = std::strtod(s.c_str(), &end);
      if (end == s.c_str() + s.size() && std::isfinite(seconds) && seconds >= 0) {
        return CappedCeilMs(seconds * 1000.0);
      }
      return 0;
    }
    int64_t at = ParseHttpDate(v);
    if (at >= 0) return std::clamp<int64_t>(at - now_ms, 0, kMaxRetryAfterMs);
  }
  return 0;
}

bool ExtractBodyError(const Json& body, ProviderError* out) {
  const Json* root = &body;
  if (body.is_array() && !body.empty() && body[0].is_object() && body[0].contains("error")) {
    root = &body[0];  // Gemini's JSON-array stream format
  }
  if (!root->is_object()) return false;
  const Json* error = Find(*root, "error");
  bool anthropic = FindString(*root, "type") == std::optional<std::string_view>("error");
  if (!error || error->is_null()) {
    if (!anthropic) return false;
  }
  if (error && error->is_string()) {
    out->message = error->get_ref<const std::string&>();
    return true;
  }
  if (!error || !error->is_object()) {
    out->message = "provider returned an error";
    return true;
  }
  if (auto m = FindString(*error, "message")) out->message = std::string(*m);
  // OpenAI: code (string) / type; Anthropic: type; Gemini: status (string) + numeric code.
  if (auto code = FindString(*error, "code")) out->code = Lower(*code);
  if (out->code.empty()) {
    if (auto status = FindString(*error, "status")) out->code = Lower(*status);
  }
  if (out->code.empty()) {
    if (auto type = FindString(*error, "type")) out->code = Lower(*type);
  }
  if (auto numeric = FindInt(*error, "code")) {
    if (*numeric >= 400 && *numeric <= 599 && out->status < 400)
      out->status = static_cast<int>(*numeric);
  }
  if (const Json* details = FindArray(*error, "details")) {
    for (const Json& d : *details) {
      if (auto delay = FindString(d, "retryDelay")) {
        int64_t ms = DurationMs(*delay);
        if (ms > 0 && out->retry_after_ms == 0) out->retry_after_ms = ms;
      }
    }
  }
  return true;
}

ProviderError ErrorFromResponse(int status, const Headers& headers, std::string_view body,
                                int64_t now_ms) {
  ProviderError e;
  e.status = status;
  e.raw = TruncateRaw(body);
  JsonLimits limits;
  limits.max_bytes = 1u << 20;
  Result<Json> parsed = ParseJson(body, limits, "provider error");
  if (parsed.ok()) ExtractBodyError(*parsed, &e);
  e.status = status;  // the HTTP status wins over a code inside the body
  int64_t header_ms = RetryAfterMs(headers, now_ms);
  if (header_ms > 0) e.retry_after_ms = header_ms;
  if (e.message.empty()) e.message = StatusText(status);
  return e;
}

Failure Classify(const AttemptContext& ctx, const ProviderError& e) {
  Failure f;
  f.raw = e.raw;
  f.retry_after_ms = e.retry_after_ms;
  std::string message = Lower(e.message);
  const std::string& code = e.code;
  const int s = e.status;
  auto set = [&](Outcome outcome, Code c, const char* type, bool fallback) {
    f.outcome = outcome;
    f.code = c;
    f.error_type = type;
    f.model_fallback_eligible = fallback;
  };
  if (!e.forced_type.empty()) {
    const std::string& t = e.forced_type;
    if (t == "timeout")
      set(Outcome::kRetry, Code::kTimeout, "timeout", true);
    else if (t == "content_filter")
      set(Outcome::kFail, Code::kForbidden, "content_filter", true);
    else if (t == "context_length_exceeded")
      set(Outcome::kFail, Code::kInvalidArgument, "context_length_exceeded", true);
    else
      set(Outcome::kRetry, Code::kUpstream, "", true);
    f.error_type = t;
  } else if (s == 401 || s == 403 || code == "authentication_error" || code == "permission_error" ||
             code == "invalid_api_key" || code == "unauthenticated" ||
             code == "permission_denied" || Contains(message, "api key not valid") ||
             Contains(message, "invalid api key") || Contains(message, "incorrect api key")) {
    // The router's key (or the user's BYOK key) was refused: another provider may work.
    Code c = Code::kUpstream;
    if (ctx.byok || ctx.browser)
      c = s == 403 || code == "permission_error" || code == "permission_denied"
              ? Code::kForbidden
              : Code::kUnauthorized;
    set(Outcome::kRetry, c, "authentication", true);
  } else if (s == 429 || code == "rate_limit_error" || code == "rate_limit_exceeded" ||
             code == "resource_exhausted" || code == "insufficient_quota" ||
             code == "too_many_requests") {
    set(Outcome::kRetry, Code::kRateLimited, "rate_limit_exceeded", true);
  } else if (s == 529 || s == 503 || code == "overloaded_error" || code == "unavailable" ||
             code == "overloaded") {
    set(Outcome::kRetry, Code::kUpstream, "provider_overloaded", true);
  } else if (s == 408 || s == 504 || code == "timeout" || code == "deadline_exceeded" ||
             code == "timeout_error") {
    set(Outcome::kRetry, Code::kTimeout, "timeout", true);
  } else if (s >= 500 || code == "api_error" || code == "internal" || code == "server_error") {
    set(Outcome::kRetry, Code::kUpstream, "server", true);
  } else if (s == 413 || LooksLikeContextLength(code, message)) {
    set(Outcome::kFail, Code::kInvalidArgument, "context_length_exceeded", true);
  } else if (LooksLikeContentFilter(code)) {
    set(Outcome::kFail, Code::kForbidden, "content_filter", true);
  } else if (s == 404 || code == "not_found_error" || code == "not_found" ||
             code == "model_not_found") {
    // The provider does not serve this model (any more): another endpoint might.
    set(Outcome::kRetry, Code::kNotFound, "model_not_found", true);
  } else if (s == 402 || code == "billing_error") {
    set(Outcome::kRetry, Code::kUpstream, "provider_billing", true);
  } else if (s >= 400) {
    set(Outcome::kFail, Code::kInvalidArgument, "invalid_request", false);
  } else if (code == "invalid_request_error" || code == "invalid_argument") {
    set(Outcome::kFail, Code::kInvalidArgument, "invalid_request", false);
  } else {
    // An in-band error without a status, or an unusable 2xx body.
    set(Outcome::kRetry, Code::kUpstream, "server", true);
  }
  f.message = e.message.empty() ? std::string("Provider returned an error") : e.message;
  return f;
}

Status FailureStatus(const AttemptContext& ctx, const Failure& f) {
  Json metadata = Json::object();
  metadata["provider_name"] = ctx.provider_name;
  metadata["raw"] = f.raw;
  metadata["error_type"] = f.error_type;
  return Status(f.code, f.message, std::move(metadata));
}

const char* AnthropicErrorType(std::string_view t) {
  if (t == "invalid_request" || t == "context_length_exceeded" || t == "invalid_response") {
    return t == "invalid_response" ? "api_error" : "invalid_request_error";
  }
  if (t == "authentication") return "authentication_error";
  if (t == "rate_limit_exceeded") return "rate_limit_error";
  if (t == "provider_overloaded") return "overloaded_error";
  if (t == "timeout") return "timeout_error";
  if (t == "content_filter") return "permission_error";
  if (t == "model_not_found") return "not_found_error";
  if (t == "provider_billing") return "billing_error";
  return "api_error";
}

Json FailureBody(const AttemptContext& ctx, const Failure& f) {
  if (ctx.client_format == ClientFormat::kAnthropic) {
    return Json{{"type", "error"},
                {"error", {{"type", AnthropicErrorType(f.error_type)}, {"message", f.message}}}};
  }
  return ErrorBody(FailureStatus(ctx, f));
}

}  // namespace switchyard::wire

namespace switchyard {

ErrorClassification ClassifyProviderError(int http_status, std::string_view code) {
  wire::ProviderError e;
  e.status = http_status;
  e.code = wire::Lower(code);  // as ExtractBodyError stores a body's code
  wire::Failure f = wire::Classify(wire::AttemptContext{}, e);
  ErrorClassification out;
  out.outcome = f.outcome;
  out.client_status = HttpStatus(f.code);
  out.error_type = std::move(f.error_type);
  out.model_fallback_eligible = f.model_fallback_eligible;
  return out;
}

}  // namespace switchyard
