// The format-independent half of the wire module: the public entry points dispatch on the
// endpoint's wire format; usage, finish reasons, reasoning controls and user hashing live here
// so every format applies the same rules.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include "switchyard/wire/anthropic.h"
#include "switchyard/wire/responses.h"
#include "switchyard/wire/embeddings.h"
#include "wire/internal.h"
#include "wire/responses_internal.h"

namespace switchyard {

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kDone:
      return "done";
    case Outcome::kRetry:
      return "retry";
    case Outcome::kFail:
      return "fail";
  }
  return "fail";
}

std::optional<std::string_view> FindHeader(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < key.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(key[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) return std::string_view(value);
  }
  return std::nullopt;
}

// ---- SHA-256 (FIPS 180-4), only for HashUser -------------------------------------------------
namespace {

constexpr uint32_t kSha256K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

std::string Sha256Hex(std::string_view data) {
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::string msg(data);
  uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
  msg.push_back(static_cast<char>(0x80));
  while (msg.size() % 64 != 56) msg.push_back('\0');
  for (int i = 7; i >= 0; --i) msg.push_back(static_cast<char>((bits >> (i * 8)) & 0xff));
  for (size_t off = 0; off < msg.size(); off += 64) {
    uint32_t w[64];
    for (int i = 0; i < 16; ++i) {
      const unsigned char* p = reinterpret_cast<const unsigned char*>(msg.data() + off + i * 4);
      w[i] = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    }
    for (int i = 16; i < 64; ++i) {
      uint32_t s0 = Rotr(w[i - 15], 7) ^ Rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      uint32_t s1 = Rotr(w[i - 2], 17) ^ Rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      uint32_t s1 = Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25);
      uint32_t ch = (e & f) ^ (~e & g);
      uint32_t t1 = hh + s1 + ch + kSha256K[i] + w[i];
      uint32_t s0 = Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22);
      uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
      uint32_t t2 = s0 + maj;
      hh = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint32_t v : h) {
    for (int i = 7; i >= 0; --i) out.push_back(kHex[(v >> (i * 4)) & 15]);
  }
  return out;
}

}  // namespace

std::string HashUser(std::string_view user, std::string_view salt) {
  std::string input(salt);
  input.push_back('\n');
  input.append(user);
  return "u_" + Sha256Hex(input).substr(0, 32);
}

// ---- usage ------------------------------------------------------------------------------------

Json RenderUsage(const Usage& u) {
  return Json{{"prompt_tokens", u.prompt_tokens},
              {"completion_tokens", u.completion_tokens},
              {"total_tokens", u.total_tokens()},
              {"prompt_tokens_details",
               {{"cached_tokens", u.cached_tokens},
                {"cache_write_tokens", u.cache_write_tokens + u.cache_write_1h_tokens}}},
              {"completion_tokens_details", {{"reasoning_tokens", u.reasoning_tokens}}}};
}

Json UpstreamRequestToJson(const UpstreamRequest& request) {
  Json headers = Json::object();
  for (const auto& [name, value] : request.headers) headers[name] = value;
  return Json{{"method", request.method},
              {"url", request.url},
              {"headers", std::move(headers)},
              {"body", request.body},
              {"auth",
               {{"header", request.auth.header},
                {"prefix", request.auth.prefix},
                {"env", request.auth.env}}}};
}

void AppendUpstreamRequestJson(std::string& out, const UpstreamRequest& request, bool with_body) {
  JsonObjectText r(out);
  JsonObjectText auth = r.Object("auth");
  auth.String("env", request.auth.env);
  auth.String("header", request.auth.header);
  auth.String("prefix", request.auth.prefix);
  auth.Close();
  if (with_body) r.String("body", request.body);
  // The headers as a DOM object holds them: in name order, of a name given twice the last.
  std::vector<const std::pair<std::string, std::string>*> headers;
  headers.reserve(request.headers.size());
  for (const auto& h : request.headers) {
    auto at = std::lower_bound(headers.begin(), headers.end(), h.first,
                               [](const auto* a, const std::string& name) { return a->first < name; });
    if (at != headers.end() && (*at)->first == h.first) {
      *at = &h;
    } else {
      headers.insert(at, &h);
    }
  }
  std::string& h = r.Key("headers");
  h += '{';
  for (size_t i = 0; i < headers.size(); ++i) {
    if (i) h += ',';
    AppendQuoted(h, headers[i]->first);
    h += ':';
    AppendQuoted(h, headers[i]->second);
  }
  h += '}';
  r.String("method", request.method);
  r.String("url", request.url);
  r.Close();
}

namespace {

void MergeCostInto(const Json& body, Json& usage, const Json& cost) {
  if (FindString(body, "object") == std::optional<std::string_view>("response")) {
    wire::MergeResponsesCost(usage, cost);  // a Responses usage names the cost split its way
    return;
  }
  if (!usage.is_object() || !cost.is_object()) return;
  for (auto it = cost.begin(); it != cost.end(); ++it) usage[it.key()] = it.value();
}

}  // namespace

std::string RenderClientBody(const AttemptResult& result, const Json* cost) {
  if (!cost || result.outcome != Outcome::kDone || !result.client_json.is_object()) {
    return result.client_body;
  }
  Json body = result.client_json;
  auto it = body.find("usage");
  if (it != body.end()) MergeCostInto(body, *it, *cost);
  return Dump(body);
}

std::string RenderClientBody(AttemptResult&& result, const Json* cost) {
  if (!cost || result.outcome != Outcome::kDone || !result.client_json.is_object()) {
    if (result.client_body.empty() && result.outcome == Outcome::kDone) return Dump(result.client_json);
    return std::move(result.client_body);
  }
  Json& body = result.client_json;
  auto it = body.find("usage");
  if (it != body.end()) MergeCostInto(body, *it, *cost);
  return Dump(body);
}

Json AttemptResultToJson(AttemptResult r, const Json* cost) {
  Json body = std::move(r.client_json);
  if (cost && r.outcome == Outcome::kDone && body.is_object()) {
    auto it = body.find("usage");
    if (it != body.end()) MergeCostInto(body, *it, *cost);
  }
  return Json{{"outcome", OutcomeName(r.outcome)},
              {"status", r.client_status},
              {"body", std::move(body)},
              {"usage", RenderUsage(r.usage)},
              {"usage_known", r.usage.known},
              {"finish_reason", r.finish_reason.empty() ? Json() : Json(r.finish_reason)},
              {"native_finish_reason",
               r.native_finish_reason.empty() ? Json() : Json(r.native_finish_reason)},
              {"error", r.error.ok() ? Json() : ErrorBody(r.error)},
              {"error_type", r.error_type.empty() ? Json() : Json(r.error_type)},
              {"retry_after_ms", r.retry_after_ms},
              {"model_fallback_eligible", r.model_fallback_eligible}};
}

// ---- dispatch ---------------------------------------------------------------------------------

Result<UpstreamRequest> BuildUpstreamRequest(const AttemptSpec& spec) {
  if (spec.client_format == ClientFormat::kEmbeddings) return BuildEmbeddingsRequest(spec);
  if (!spec.provider || !spec.endpoint || !spec.request) {
    return Status::Internal("attempt spec without provider, endpoint or request");
  }
  if (!spec.request->is_object()) return Status::InvalidArgument("request is not an object");
  const Provider& p = *spec.provider;
  UpstreamRequest up;
  up.method = "POST";
  up.headers.emplace_back("content-type", "application/json");
  up.auth.env = p.api_key_env;
  Result<Json> body = Json();
  const WireFormat wire = WireOf(p, *spec.endpoint);
  switch (wire) {
    case WireFormat::kOpenAI:
      SY_RETURN_IF_ERROR(wire::BuildOpenAIBody(spec, &up.body));
      up.url = p.base_url + "/chat/completions";
      up.auth.header = "authorization";
      up.auth.prefix = "Bearer ";
      if (spec.stream) up.headers.emplace_back("accept", "text/event-stream");
      break;
    case WireFormat::kAnthropic:
      body = wire::BuildAnthropicBody(spec);
      up.url = p.base_url + "/messages";
      up.headers.emplace_back("anthropic-version", "2023-06-01");
      if (spec.browser)
        up.headers.emplace_back("anthropic-dangerous-direct-browser-access", "true");
      if (spec.stream) up.headers.emplace_back("accept", "text/event-stream");
      up.auth.header = "x-api-key";
      break;
    case WireFormat::kGemini:
      body = wire::BuildGeminiBody(spec);
      up.url = p.base_url + "/models/" + spec.endpoint->upstream_model +
               (spec.stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
      if (spec.stream) up.headers.emplace_back("accept", "text/event-stream");
      up.auth.header = "x-goog-api-key";
      break;
    case WireFormat::kOpenAIResponses:
      body = wire::BuildResponsesBody(spec);
      up.url = p.base_url + "/responses";
      up.auth.header = "authorization";
      up.auth.prefix = "Bearer ";
      if (spec.stream) up.headers.emplace_back("accept", "text/event-stream");
      break;
  }
  if (!body.ok()) return body.take_status();
  if (wire != WireFormat::kOpenAI) {
    up.body.reserve(1024);
    body->DumpTo(up.body);
  }
  return up;
}

AttemptResult TranslateResponse(const AttemptSpec& spec, int http_status, const Headers& headers,
                                std::string_view body, int64_t now_ms) {
  if (spec.client_format == ClientFormat::kEmbeddings) {
    return TranslateEmbeddingsResponse(spec, http_status, headers, body, now_ms);
  }
  if (!spec.provider || !spec.endpoint) {
    AttemptResult r;
    r.outcome = Outcome::kFail;
    r.client_status = 500;
    r.error = Status::Internal("attempt spec without provider or endpoint");
    r.client_json = ErrorBody(r.error);
    r.client_body = Dump(r.client_json);
    return r;
  }
  return wire::TranslateWithContext(wire::MakeContext(spec), http_status, headers, body, now_ms);
}

AttemptResult TransportFailure(const AttemptSpec& spec, std::string_view kind,
                               std::string_view message) {
  AttemptResult r;
  wire::AttemptContext ctx;
  if (spec.provider && spec.endpoint) ctx = wire::MakeContext(spec);
  wire::ProviderError e;
  e.forced_type = kind == "timeout" ? "timeout" : "connection_error";
  e.message = message.empty()
                  ? (kind == "timeout" ? "Provider timed out" : "Provider connection failed")
                  : std::string(message);
  wire::Failure f = wire::Classify(ctx, e);
  r.outcome = f.outcome;
  r.client_status = HttpStatus(f.code);
  r.error = wire::FailureStatus(ctx, f);
  r.error_type = f.error_type;
  r.model_fallback_eligible = f.model_fallback_eligible;
  r.client_json = wire::FailureBody(ctx, f);
  r.client_body = Dump(r.client_json);
  r.usage.requests = 0;
  return r;
}

namespace wire {

std::optional<JsonView> ReadProviderJson(std::string_view text, JsonTape* tape, int fold_depth) {
  const JsonLimits lax{SIZE_MAX, 64, /*strict=*/false, fold_depth};
  if (!tape->Parse(text, lax)) return std::nullopt;
  return tape->root();
}


AttemptContext MakeContext(const AttemptSpec& spec) {
  AttemptContext ctx;
  ctx.provider = spec.provider;
  ctx.endpoint = spec.endpoint;
  ctx.wire = WireOf(*spec.provider, *spec.endpoint);
  ctx.provider_name = spec.provider->name;
  ctx.model_id = spec.model_id;
  ctx.generation_id = spec.generation_id;
  ctx.created = spec.created;
  ctx.client_format = spec.client_format;
  ctx.byok = spec.byok;
  ctx.browser = spec.browser;
  ctx.client_body = spec.client_body;
  if (spec.request) ctx.exclude_reasoning = ReadReasoning(*spec.request).exclude;
  if (spec.client_format == ClientFormat::kResponses && spec.request) {
    if (const Json* echo = Find(*spec.request, kResponsesEchoKey)) ctx.responses_echo = *echo;
  }
  return ctx;
}

namespace {

void FillFailure(const AttemptContext& ctx, const ProviderError& e, AttemptResult* r) {
  Failure f = Classify(ctx, e);
  r->outcome = f.outcome;
  r->client_status = HttpStatus(f.code);
  r->error = FailureStatus(ctx, f);
  r->error_type = f.error_type;
  r->retry_after_ms = f.retry_after_ms;
  r->model_fallback_eligible = f.model_fallback_eligible;
  r->client_json = FailureBody(ctx, f);
  r->client_body = Dump(r->client_json);
  r->usage.requests = 0;  // nothing was generated: no per-request fee
}

ProviderError InvalidResponse(std::string_view body, std::string message) {
  ProviderError e;
  e.forced_type = "invalid_response";
  e.message = std::move(message);
  e.raw = TruncateRaw(body);
  return e;
}

}  // namespace

AttemptResult TranslateWithContext(const AttemptContext& ctx, int http_status,
                                   const Headers& headers, std::string_view body, int64_t now_ms) {
  AttemptResult r;
  if (http_status < 200 || http_status > 299) {
    FillFailure(ctx, ErrorFromResponse(http_status, headers, body, now_ms), &r);
    return r;
  }
  JsonLimits limits;
  // Invalid UTF-8 (a character split across tokens) becomes U+FFFD, as in the stream path.
  std::string fixed;
  if (body.size() <= limits.max_bytes && !ValidUtf8(body, &fixed)) body = fixed;
  // One tape serves both readers: the DOM the translators edit and the view they scan.
  JsonTape tape;
  JsonParseError error;
  Json parsed;
  if (!tape.Parse(body, limits, &error) || !Json::FromView(tape.root(), parsed, &error, false)) {
    std::string why = error.ToStatus("provider response", limits, false).message();
    FillFailure(ctx, InvalidResponse(body, "Provider returned an invalid response: " + why), &r);
    return r;
  }
  ProviderError in_band;
  if (ExtractBodyError(parsed, &in_band)) {
    in_band.raw = TruncateRaw(body);
    if (in_band.retry_after_ms == 0) in_band.retry_after_ms = RetryAfterMs(headers, now_ms);
    FillFailure(ctx, in_band, &r);
    return r;
  }
  JsonView view = tape.root();
  Completion c;
  ProviderError e;
  bool ok = false;
  switch (ctx.wire) {
    case WireFormat::kOpenAI:
      ok = ParseOpenAIResponse(ctx, parsed, view, &c, &e);
      break;
    case WireFormat::kAnthropic:
      ok = ParseAnthropicResponse(ctx, parsed, view, &c, &e);
      break;
    case WireFormat::kGemini:
      ok = ParseGeminiResponse(ctx, parsed, view, &c, &e);
      break;
    case WireFormat::kOpenAIResponses:
      ok = ParseResponsesResponse(ctx, parsed, view, &c, &e);
      break;
  }
  if (!ok) {
    if (e.raw.empty()) e.raw = TruncateRaw(body);
    if (e.forced_type.empty() && e.status == 0 && e.code.empty())
      e.forced_type = "invalid_response";
    FillFailure(ctx, e, &r);
    return r;
  }
  if (ctx.exclude_reasoning) {
    c.message.erase("reasoning");
    c.message.erase("reasoning_details");
  }
  r.outcome = Outcome::kDone;
  r.client_status = 200;
  r.usage = c.usage;
  r.finish_reason = c.finish_reason;
  r.native_finish_reason = c.native_finish_reason;
  r.client_json = RenderCompletion(ctx, c);
  if (ctx.client_body) r.client_body = Dump(r.client_json);
  return r;
}

Json RenderCompletion(const AttemptContext& ctx, const Completion& c) {
  Json choice = {{"index", 0},
                 {"message", c.message},
                 {"finish_reason", c.finish_reason.empty() ? Json() : Json(c.finish_reason)},
                 {"native_finish_reason",
                  c.native_finish_reason.empty() ? Json() : Json(c.native_finish_reason)},
                 {"logprobs", nullptr}};
  Json completion = {{"id", ctx.generation_id},       {"object", "chat.completion"},
                     {"created", ctx.created},        {"model", ctx.model_id},
                     {"provider", ctx.provider_name}, {"choices", Json::array({std::move(choice)})},
                     {"system_fingerprint", nullptr},  // required by clients, nullable: we have none
                     {"usage", RenderUsage(c.usage)}};
  if (ctx.client_format == ClientFormat::kAnthropic) return ChatCompletionToAnthropic(completion);
  if (ctx.client_format == ClientFormat::kResponses) {
    return ChatCompletionToResponses(completion, ctx.responses_echo);
  }
  return completion;
}

// ---- requests ---------------------------------------------------------------------------------

ReasoningRequest ReadReasoning(const Json& request) {
  ReasoningRequest r;
  auto normalise = [](std::string_view effort) {
    std::string e(effort);
    for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (e == "max") e = "xhigh";
    if (e != "none" && e != "minimal" && e != "low" && e != "medium" && e != "high" &&
        e != "xhigh") {
      e = "medium";
    }
    return e;
  };
  if (const Json* obj = FindObject(request, "reasoning")) {
    auto effort = FindString(*obj, "effort");
    auto max_tokens = FindInt(*obj, "max_tokens");
    auto enabled = FindBool(*obj, "enabled");
    r.exclude = FindBool(*obj, "exclude").value_or(false);
    if ((effort && normalise(*effort) == "none") || enabled == std::optional<bool>(false)) {
      r.disabled = true;
      if (effort && normalise(*effort) == "none") r.effort = "none";
    } else if (effort || max_tokens || enabled == std::optional<bool>(true)) {
      r.enabled = true;
      if (effort) r.effort = normalise(*effort);
      if (max_tokens && *max_tokens > 0) r.max_tokens = max_tokens;
    }
  } else if (auto effort = FindString(request, "reasoning_effort")) {
    std::string e = normalise(*effort);
    if (e == "none") {
      r.disabled = true;
      r.effort = "none";
    } else {
      r.enabled = true;
      r.effort = e;
    }
  }
  if (FindBool(request, "include_reasoning") == std::optional<bool>(false)) r.exclude = true;
  return r;
}

double EffortRatio(std::string_view effort) {
  if (effort == "xhigh") return 0.95;
  if (effort == "high") return 0.8;
  if (effort == "low") return 0.2;
  if (effort == "minimal") return 0.1;
  return 0.5;  // medium, or enabled without an effort
}

std::optional<int64_t> RequestMaxTokens(const Json& request) {
  if (auto v = FindInt(request, "max_completion_tokens"); v && *v > 0) return v;
  if (auto v = FindInt(request, "max_tokens"); v && *v > 0) return v;
  return std::nullopt;
}

bool EndpointSupports(const Endpoint& endpoint, Param param) {
  if (endpoint.params.none()) return true;
  return endpoint.params.test(static_cast<size_t>(param));
}

std::string UpstreamUser(const AttemptSpec& spec) {
  if (!spec.hashed_user.empty()) return spec.hashed_user;
  auto user = FindString(*spec.request, "user");
  if (!user || user->empty() || spec.user_salt.empty()) return {};
  return HashUser(*user, spec.user_salt);
}

bool ParseDataUrl(std::string_view url, std::string* media_type, std::string* data) {
  if (url.substr(0, 5) != "data:") return false;
  size_t comma = url.find(',');
  if (comma == std::string_view::npos) return false;
  std::string_view meta = url.substr(5, comma - 5);
  constexpr std::string_view kBase64 = ";base64";
  if (meta.size() < kBase64.size() || meta.substr(meta.size() - kBase64.size()) != kBase64) {
    return false;
  }
  meta.remove_suffix(kBase64.size());
  size_t semi = meta.find(';');
  if (semi != std::string_view::npos) meta = meta.substr(0, semi);
  *media_type = meta.empty() ? "application/octet-stream" : std::string(meta);
  *data = std::string(url.substr(comma + 1));
  return true;
}

std::string ContentText(const Json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (content.is_array()) {
    for (const Json& part : content) {
      if (auto text = FindString(part, "text")) out.append(*text);
    }
  }
  return out;
}

// ---- usage extraction -------------------------------------------------------------------------

namespace {
int64_t NonNegative(JsonView v) {
  auto i = v.Int();
  return i && *i > 0 ? *i : 0;
}
}  // namespace

Usage OpenAIUsage(JsonView usage) {
  Usage u;
  if (!usage.is_object()) return u;
  JsonView prompt = usage["prompt_tokens"], completion = usage["completion_tokens"];
  u.known = prompt.is_number() || completion.is_number();
  u.prompt_tokens = NonNegative(prompt);
  u.completion_tokens = NonNegative(completion);
  JsonView pd = usage["prompt_tokens_details"];
  u.cached_tokens = NonNegative(pd["cached_tokens"]);
  if (u.cached_tokens == 0) u.cached_tokens = NonNegative(usage["prompt_cache_hit_tokens"]);
  u.cache_write_tokens = NonNegative(pd["cache_write_tokens"]);
  u.reasoning_tokens = NonNegative(usage["completion_tokens_details"]["reasoning_tokens"]);
  // Inconsistent reports must not make uncached input negative or reasoning exceed output.
  u.cached_tokens = std::min(u.cached_tokens, u.prompt_tokens);
  u.cache_write_tokens = std::min(u.cache_write_tokens, u.prompt_tokens - u.cached_tokens);
  u.reasoning_tokens = std::min(u.reasoning_tokens, u.completion_tokens);
  return u;
}

void ApplyAnthropicUsage(JsonView usage, Usage* u) {
  if (!usage.is_object()) return;
  int64_t input = u->uncached_prompt_tokens();
  int64_t read = u->cached_tokens;
  int64_t creation = u->cache_write_tokens + u->cache_write_1h_tokens;
  int64_t one_hour = u->cache_write_1h_tokens;
  bool any = false;
  if (JsonView v = usage["input_tokens"]; v.is_number()) input = NonNegative(v), any = true;
  if (JsonView v = usage["cache_read_input_tokens"]; v.is_number())
    read = NonNegative(v), any = true;
  JsonView detail = usage["cache_creation"];
  JsonView total = usage["cache_creation_input_tokens"];
  if (total.is_number()) creation = NonNegative(total), any = true;
  if (detail.is_object()) {
    int64_t five = NonNegative(detail["ephemeral_5m_input_tokens"]);
    one_hour = NonNegative(detail["ephemeral_1h_input_tokens"]);
    if (!total.is_number()) creation = five + one_hour;
    any = true;
  }
  one_hour = std::min(one_hour, creation);
  if (JsonView v = usage["output_tokens"]; v.is_number()) {
    u->completion_tokens = NonNegative(v);
    any = true;
  }
  u->prompt_tokens = input + read + creation;
  u->cached_tokens = read;
  u->cache_write_1h_tokens = one_hour;
  u->cache_write_tokens = creation - one_hour;
  if (any) u->known = true;
}

Usage ResponsesUsage(JsonView usage) {
  Usage u;
  if (!usage.is_object()) return u;
  JsonView input = usage["input_tokens"], output = usage["output_tokens"];
  u.known = input.is_number() || output.is_number();
  u.prompt_tokens = NonNegative(input);
  u.completion_tokens = NonNegative(output);
  // Reports that do not add up must not make uncached input negative or reasoning exceed output.
  u.cached_tokens =
      std::min(NonNegative(usage["input_tokens_details"]["cached_tokens"]), u.prompt_tokens);
  u.reasoning_tokens = std::min(NonNegative(usage["output_tokens_details"]["reasoning_tokens"]),
                                u.completion_tokens);
  return u;
}

Usage GeminiUsage(JsonView um) {
  Usage u;
  if (!um.is_object()) return u;
  // One pass: this runs on every streamed chunk (Gemini repeats the running totals each time).
  JsonView prompt, candidates, thoughts, cached, tool_use;
  um.ForEachMember([&](JsonView member, JsonView value) {
      std::string_view key = member.str();
    if (key == "promptTokenCount")
      prompt = value;
    else if (key == "candidatesTokenCount")
      candidates = value;
    else if (key == "thoughtsTokenCount")
      thoughts = value;
    else if (key == "cachedContentTokenCount")
      cached = value;
    else if (key == "toolUsePromptTokenCount")
      tool_use = value;
  });
  u.known = prompt.is_number() || candidates.is_number() || thoughts.is_number();
  // Tool-use prompt tokens (grounding, code execution) are billed as input.
  u.prompt_tokens = NonNegative(prompt) + NonNegative(tool_use);
  u.cached_tokens = std::min(NonNegative(cached), u.prompt_tokens);
  u.reasoning_tokens = NonNegative(thoughts);
  u.completion_tokens = NonNegative(candidates) + u.reasoning_tokens;
  return u;
}

// ---- finish reasons ---------------------------------------------------------------------------

std::string_view NormalizeOpenAIFinish(std::string_view n) {
  if (n.empty()) return {};
  if (n == "stop" || n == "eos" || n == "end_turn" || n == "stop_sequence") return "stop";
  if (n == "length" || n == "max_tokens" || n == "model_length") return "length";
  if (n == "tool_calls" || n == "function_call" || n == "tool_use") return "tool_calls";
  if (n == "content_filter" || n == "refusal" || n == "safety") return "content_filter";
  if (n == "error") return "error";
  return "stop";
}

std::string_view AnthropicStopToFinish(std::string_view s) {
  if (s == "max_tokens" || s == "model_context_window_exceeded") return "length";
  if (s == "tool_use") return "tool_calls";
  if (s == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn
}

std::string_view GeminiFinishToFinish(std::string_view s, bool has_tool_calls) {
  if (s == "MAX_TOKENS") return "length";
  if (s == "SAFETY" || s == "RECITATION" || s == "BLOCKLIST" || s == "PROHIBITED_CONTENT" ||
      s == "SPII" || s == "IMAGE_SAFETY" || s == "IMAGE_PROHIBITED_CONTENT" ||
      s == "IMAGE_RECITATION") {
    return "content_filter";
  }
  if (s == "MALFORMED_FUNCTION_CALL" || s == "UNEXPECTED_TOOL_CALL") return "error";
  return has_tool_calls ? "tool_calls" : "stop";  // STOP, LANGUAGE, OTHER, unspecified
}

std::string_view FinishToAnthropicStop(std::string_view finish, std::string_view native) {
  if (native == "end_turn" || native == "max_tokens" || native == "stop_sequence" ||
      native == "tool_use" || native == "pause_turn" || native == "refusal") {
    return native;
  }
  if (finish == "length") return "max_tokens";
  if (finish == "tool_calls") return "tool_use";
  if (finish == "content_filter") return "refusal";
  return "end_turn";
}

std::string SyntheticToolCallId(std::string_view generation_id, int index) {
  std::string id = "call_";
  id.append(generation_id);
  id.push_back('_');
  id.append(std::to_string(index));
  return id;
}

void SetAssistantMessage(bool any_text, const std::string& text, const std::string& reasoning,
                         Json details, Json tool_calls, Json* message) {
  Json& msg = *message;
  msg["role"] = "assistant";
  if (any_text)
    msg["content"] = text;
  else
    msg["content"] = tool_calls.empty() ? Json("") : Json();
  if (!reasoning.empty()) msg["reasoning"] = reasoning;
  if (!details.empty()) msg["reasoning_details"] = std::move(details);
  if (!tool_calls.empty()) msg["tool_calls"] = std::move(tool_calls);
}

void FailFromStreamError(std::string_view data, StreamSink& sink) {
  ProviderError e;
  Result<Json> j = ParseJson(data, {}, "stream error");
  if (j.ok()) ExtractBodyError(*j, &e);
  if (e.message.empty()) e.message = "Provider reported an error in the stream";
  e.raw = TruncateRaw(data);
  sink.Fail(std::move(e));
}

}  // namespace wire
}  // namespace switchyard
