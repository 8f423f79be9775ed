// embeddings.cpp: the embeddings wire (embeddings.h). Requests are written as text; responses are
// read with the allocation-free JsonView (json_tape.h) and written as text, so the numbers go through
// untouched and a large batch never becomes a JSON tree.
#include "switchyard/wire/embeddings.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

#include "switchyard/json/json.h"
#include "switchyard/request/request.h"
#include "wire/internal.h"

namespace switchyard {
namespace {

using wire::AttemptContext;
using wire::ProviderError;

// What translation needs from the request.
struct EmbeddingsAsk {
  size_t count = 0;
  bool tokens = false;
  bool base64 = false;
  int64_t dimensions = 0;  // 0: not asked
};

EmbeddingsAsk ReadAsk(const Json& request) {
  EmbeddingsAsk ask;
  if (const Json* input = Find(request, "input")) {
    if (input->is_string()) {
      ask.count = 1;
    } else if (input->is_array() && !input->empty()) {
      const Json& first = (*input)[0];
      const bool ids = first.is_number_integer() || first.is_number_unsigned();
      ask.count = ids ? 1 : input->size();
      ask.tokens = ids || first.is_array();
    }
  }
  ask.base64 = FindString(request, "encoding_format").value_or("") == "base64";
  ask.dimensions = FindInt(request, "dimensions").value_or(0);
  return ask;
}

// The texts of a text input, in order.
std::vector<const std::string*> Texts(const Json& request) {
  std::vector<const std::string*> out;
  const Json* input = Find(request, "input");
  if (input == nullptr) return out;
  if (input->is_string()) {
    out.push_back(&input->get_ref<const std::string&>());
  } else if (input->is_array()) {
    for (const Json& item : *input) {
      if (item.is_string()) out.push_back(&item.get_ref<const std::string&>());
    }
  }
  return out;
}

void FillFailure(const AttemptContext& ctx, const ProviderError& e, AttemptResult* r) {
  wire::Failure f = wire::Classify(ctx, e);
  r->outcome = f.outcome;
  r->client_status = HttpStatus(f.code);
  r->error = wire::FailureStatus(ctx, f);
  r->error_type = f.error_type;
  r->retry_after_ms = f.retry_after_ms;
  r->model_fallback_eligible = f.model_fallback_eligible;
  r->client_json = wire::FailureBody(ctx, f);
  r->client_body = Dump(r->client_json);
  r->usage.requests = 0;  // nothing was generated
}

ProviderError Garbage(std::string_view body, std::string message) {
  ProviderError e;
  e.forced_type = "invalid_response";
  e.message = "Provider returned an invalid embeddings response: " + std::move(message);
  e.raw = wire::TruncateRaw(body);
  return e;
}

// One JSON number (validated grammar) as a float32, correctly rounded, or nullopt when it is
// not finite as a float32. Fast path (Clinger): up to 19 significant digits forming an integer
// m <= 2^53 and a power of ten |e| <= 22 make m * 10^e (or m / 10^-e) the correctly rounded
// double; rounding that double to float is the correctly rounded float unless the double sits
// exactly on a midpoint between two floats (then, and for every other number, strtof decides).
std::optional<float> ToFloat(std::string_view raw) {
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  size_t i = 0;
  const bool negative = i < raw.size() && raw[i] == '-';
  if (negative) ++i;
  uint64_t m = 0;
  int digits = 0, exp10 = 0;
  bool fast = true;
  auto digit = [&](char c, bool fraction) {
    if (m == 0 && c == '0') {  // leading zeros are not significant
      if (fraction) --exp10;
      return;
    }
    if (digits == 19) {
      fast = false;
      return;
    }
    m = m * 10 + static_cast<uint64_t>(c - '0');
    ++digits;
    if (fraction) --exp10;
  };
  for (; i < raw.size() && raw[i] >= '0' && raw[i] <= '9'; ++i) digit(raw[i], false);
  if (i < raw.size() && raw[i] == '.') {
    for (++i; i < raw.size() && raw[i] >= '0' && raw[i] <= '9'; ++i) digit(raw[i], true);
  }
  if (i < raw.size() && (raw[i] == 'e' || raw[i] == 'E')) {
    ++i;
    const bool neg_exp = i < raw.size() && raw[i] == '-';
    if (i < raw.size() && (raw[i] == '-' || raw[i] == '+')) ++i;
    int e = 0;
    for (; i < raw.size() && raw[i] >= '0' && raw[i] <= '9'; ++i) e = e < 10000 ? e * 10 + (raw[i] - '0') : e;
    exp10 += neg_exp ? -e : e;
  }
  if (fast && m <= (uint64_t{1} << 53) && exp10 >= -22 && exp10 <= 22) {
    double d = static_cast<double>(m);
    d = exp10 < 0 ? d / kPow10[-exp10] : d * kPow10[exp10];
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    // A float keeps 24 of the double's 53 significand bits: a midpoint has exactly the next bit
    // set and nothing below it (normal range; subnormal floats go to strtof).
    const bool midpoint = (bits & ((uint64_t{1} << 29) - 1)) == (uint64_t{1} << 28);
    if (!midpoint && (d == 0 || (d >= 0x1p-126 && d < 0x1p127))) {
      const float f = static_cast<float>(negative ? -d : d);
      if (std::isfinite(f)) return f;
    }
  }
  char small[64];
  std::string big;
  const char* text;
  if (raw.size() < sizeof small) {
    std::memcpy(small, raw.data(), raw.size());
    small[raw.size()] = '\0';
    text = small;
  } else {
    big.assign(raw);
    text = big.c_str();
  }
  float f = std::strtof(text, nullptr);
  if (!std::isfinite(f)) return std::nullopt;
  return f;
}

// Whether a JSON number is finite as a float32, without converting it: its decimal magnitude
// (integer digits + exponent, or the leading zeros of a fraction) is below float's 3.4e38.
// Conservative at the very edge (rejects 1e38 and above), which no embedding comes near.
bool FiniteAsFloat(std::string_view raw) {
  size_t i = raw.size() && raw[0] == '-' ? 1 : 0;
  int magnitude = 0;  // the position of the leading significant digit, as a power of ten + 1
  bool seen = false;
  for (; i < raw.size() && raw[i] >= '0' && raw[i] <= '9'; ++i) {
    if (raw[i] != '0') seen = true;
    if (seen) ++magnitude;
  }
  if (!seen && i < raw.size() && raw[i] == '.') {
    for (++i; i < raw.size() && raw[i] == '0'; ++i) --magnitude;
  }
  while (i < raw.size() && raw[i] != 'e' && raw[i] != 'E') ++i;
  if (i < raw.size()) {
    ++i;
    const bool neg = i < raw.size() && raw[i] == '-';
    if (i < raw.size() && (raw[i] == '-' || raw[i] == '+')) ++i;
    int e = 0;
    for (; i < raw.size() && raw[i] >= '0' && raw[i] <= '9'; ++i) e = e < 10000 ? e * 10 + (raw[i] - '0') : e;
    magnitude += neg ? -e : e;
  }
  return magnitude <= 38;
}

// Writes one embedding vector (a JSON array of numbers) to `out` in the client's encoding.
// Returns its length, or -1 (and sets *why) when it is not a non-empty array of finite numbers.
int64_t WriteVector(JsonView vec, bool base64, std::string* out, std::string* scratch,
                    std::string* why) {
  if (!vec.is_array()) {
    *why = "an embedding is not an array of numbers";
    return -1;
  }
  int64_t n = 0;
  bool ok = true;
  if (base64) {
    scratch->clear();
    vec.ForEachElement([&](JsonView x) {
      std::optional<float> f = x.is_number() ? ToFloat(x.raw()) : std::nullopt;
      if (!f) return ok = false;
      uint32_t bits;
      std::memcpy(&bits, &*f, 4);
      for (int k = 0; k < 4; ++k) scratch->push_back(static_cast<char>((bits >> (8 * k)) & 0xff));
      ++n;
      return true;
    });
    if (ok && n > 0) {
      out->push_back('"');
      AppendBase64(*out, *scratch);
      out->push_back('"');
    }
  } else {
    out->push_back('[');
    vec.ForEachElement([&](JsonView x) {
      // Finite: JSON has no Infinity, but 1e999 is grammatical and no float.
      if (!x.is_number() || !FiniteAsFloat(x.raw())) return ok = false;
      if (n > 0) out->push_back(',');
      out->append(x.raw());  // exactly as the provider wrote it
      ++n;
      return true;
    });
    out->push_back(']');
  }
  if (!ok || n == 0) {
    *why = n == 0 && ok ? "an embedding is empty" : "an embedding holds something other than a finite number";
    return -1;
  }
  return n;
}

}  // namespace

void AppendBase64(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size(), i = 0;
  out.reserve(out.size() + (n + 2) / 3 * 4);
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (i < n) {
    uint32_t v = uint32_t{p[i]} << 16;
    if (i + 1 < n) v |= uint32_t{p[i + 1]} << 8;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
}

Result<UpstreamRequest> BuildEmbeddingsRequest(const AttemptSpec& spec) {
  if (!spec.provider || !spec.endpoint || !spec.request) {
    return Status::Internal("attempt spec without provider, endpoint or request");
  }
  const Json& request = *spec.request;
  if (!request.is_object()) return Status::InvalidArgument("request is not an object");
  const Json* input = Find(request, "input");
  if (input == nullptr) return Status::InvalidArgument("input is required", "input");
  const Provider& p = *spec.provider;
  const EmbeddingsAsk ask = ReadAsk(request);
  UpstreamRequest up;
  up.method = "POST";
  up.headers.emplace_back("content-type", "application/json");
  up.auth.env = p.api_key_env;
  std::string& body = up.body;
  switch (p.wire) {
    case WireFormat::kOpenAI: {
      up.url = p.base_url + "/embeddings";
      up.auth.header = "authorization";
      up.auth.prefix = "Bearer ";
      body.reserve(64 + spec.endpoint->upstream_model.size());
      body += "{\"model\":";
      AppendQuoted(body, spec.endpoint->upstream_model);
      body += ",\"input\":";
      input->DumpTo(body);
      body += ",\"encoding_format\":\"float\"";
      if (ask.dimensions > 0) body += ",\"dimensions\":" + std::to_string(ask.dimensions);
      if (std::string user = wire::UpstreamUser(spec); !user.empty()) {
        body += ",\"user\":";
        AppendQuoted(body, user);
      }
      body += '}';
      return up;
    }
    case WireFormat::kGemini: {
      if (ask.tokens) {
        return Status::InvalidArgument(p.name + " cannot embed token-id input; send the text",
                                       "input");
      }
      up.url = p.base_url + "/models/" + spec.endpoint->upstream_model + ":batchEmbedContents";
      up.auth.header = "x-goog-api-key";
      Json model("models/" + spec.endpoint->upstream_model);
      body += "{\"requests\":[";
      bool first = true;
      for (const std::string* text : Texts(request)) {
        if (!first) body += ',';
        first = false;
        body += "{\"model\":";
        model.DumpTo(body);
        body += ",\"content\":{\"parts\":[{\"text\":";
        AppendQuoted(body, *text);
        body += "}]}";
        if (ask.dimensions > 0) body += ",\"outputDimensionality\":" + std::to_string(ask.dimensions);
        body += '}';
      }
      body += "]}";
      return up;
    }
    case WireFormat::kAnthropic:
    case WireFormat::kOpenAIResponses:  // an endpoint's override; no provider's own wire
      break;
  }
  return Status::InvalidArgument(p.name + " has no embeddings API", "model");
}

AttemptResult TranslateEmbeddingsResponse(const AttemptSpec& spec, int http_status,
                                          const Headers& headers, std::string_view body,
                                          int64_t now_ms) {
  AttemptResult r;
  if (!spec.provider || !spec.endpoint || !spec.request) {
    r.outcome = Outcome::kFail;
    r.client_status = 500;
    r.error = Status::Internal("attempt spec without provider, endpoint or request");
    r.client_json = ErrorBody(r.error);
    r.client_body = Dump(r.client_json);
    return r;
  }
  const AttemptContext ctx = wire::MakeContext(spec);
  if (http_status < 200 || http_status > 299) {
    FillFailure(ctx, wire::ErrorFromResponse(http_status, headers, body, now_ms), &r);
    return r;
  }
  if (static_cast<int64_t>(body.size()) > kMaxEmbeddingsResponseBytes) {
    FillFailure(ctx, Garbage({}, "larger than " + std::to_string(kMaxEmbeddingsResponseBytes) + " bytes"), &r);
    return r;
  }
  // The vectors (depth 4: {"data":[{"embedding":[...]}]}, {"embeddings":[{"values":[...]}]})
  // are folded: the tape holds the answer's outline, and each vector is read again on its own
  // below, so a batch's tape is not ~16 bytes per number (2,048 × 3,072: ~100 MiB).
  JsonTape tape;
  std::optional<JsonView> parsed = wire::ReadProviderJson(body, &tape, /*fold_depth=*/4);
  if (!parsed || !parsed->is_object()) {
    FillFailure(ctx, Garbage(body, "not a JSON object"), &r);
    return r;
  }
  const JsonView doc = *parsed;
  // An error inside a 200 (as some providers send): classified like any provider error.
  if (JsonView err = doc.Get("error"); err.valid() && !err.is_null()) {
    Result<Json> e = ParseJson(err.raw(), JsonLimits{}, "provider error");
    ProviderError in_band;
    if (e.ok() && wire::ExtractBodyError(Json{{"error", std::move(*e)}}, &in_band)) {
      in_band.raw = wire::TruncateRaw(body);
      if (in_band.retry_after_ms == 0) in_band.retry_after_ms = wire::RetryAfterMs(headers, now_ms);
      FillFailure(ctx, in_band, &r);
    } else {
      FillFailure(ctx, Garbage(body, "an unreadable error"), &r);
    }
    return r;
  }

  const EmbeddingsAsk ask = ReadAsk(*spec.request);
  // The vectors by input index.
  std::vector<JsonView> vectors(ask.count);
  std::string why;
  if (ctx.wire == WireFormat::kGemini) {
    JsonView list = doc.Get("embeddings");
    if (!list.is_array()) {
      FillFailure(ctx, Garbage(body, "no embeddings array"), &r);
      return r;
    }
    size_t i = 0;
    list.ForEachElement([&](JsonView item) {
      if (i < vectors.size()) vectors[i] = item.Get("values");
      ++i;
    });
    if (i != ask.count) why = std::to_string(i) + " embeddings for " + std::to_string(ask.count) + " inputs";
  } else {
    JsonView data = doc.Get("data");
    if (!data.is_array()) {
      FillFailure(ctx, Garbage(body, "no data array"), &r);
      return r;
    }
    size_t seen = 0;
    data.ForEachElement([&](JsonView item) {
      std::optional<int64_t> index = item.Get("index").Int();
      if (!index) index = static_cast<int64_t>(seen);  // positional when the provider omits it
      if (*index < 0 || static_cast<size_t>(*index) >= vectors.size()) {
        why = "index " + std::to_string(*index) + " out of range";
        return false;
      }
      if (vectors[*index].valid()) {
        why = "index " + std::to_string(*index) + " given twice";
        return false;
      }
      vectors[*index] = item.Get("embedding");
      if (!vectors[*index].valid()) vectors[*index] = item;  // refused below: not an array
      ++seen;
      return true;
    });
    if (why.empty() && seen != ask.count) {
      why = std::to_string(seen) + " embeddings for " + std::to_string(ask.count) + " inputs";
    }
  }
  if (!why.empty()) {
    FillFailure(ctx, Garbage(body, why), &r);
    return r;
  }

  // The client body, as text.
  std::string& out = r.client_body;
  // As large as the answer (numbers copied as written; base64 is a third of their text), and per
  // item what our own item's members may add to the provider's.
  out.reserve((ask.base64 ? body.size() / 3 : body.size()) + ask.count * 64 + kEmbeddingsBodyRoom);
  out += "{\"id\":";
  AppendQuoted(out, ctx.generation_id);
  out += ",\"object\":\"list\",\"data\":[";
  std::string scratch;
  JsonTape one;  // a folded vector, read again (valid: the whole answer parsed)
  int64_t dims = -1;
  for (size_t i = 0; i < vectors.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"object\":\"embedding\",\"index\":" + std::to_string(i) + ",\"embedding\":";
    JsonView vec = vectors[i];
    if (vec.folded()) vec = wire::ReadProviderJson(vec.raw(), &one).value_or(JsonView());
    int64_t n = WriteVector(vec, ask.base64, &out, &scratch, &why);
    if (n > 0 && dims >= 0 && n != dims) why = "embeddings of different lengths";
    if (n > 0 && ask.dimensions > 0 && n != ask.dimensions) {
      why = std::to_string(n) + " dimensions where " + std::to_string(ask.dimensions) + " were asked";
    }
    if (!why.empty()) {
      out.clear();
      out.shrink_to_fit();
      FillFailure(ctx, Garbage(body, why), &r);
      return r;
    }
    dims = n;
    out += '}';
  }
  Usage& u = r.usage;
  u.requests = 1;
  std::optional<int64_t> prompt;
  if (ctx.wire != WireFormat::kGemini) {
    JsonView usage = doc.Get("usage");
    prompt = usage.Get("prompt_tokens").Int();
    if (!prompt) prompt = usage.Get("total_tokens").Int();
  }
  if (prompt && *prompt >= 0) {
    u.prompt_tokens = *prompt;
    u.known = true;
  } else {
    u.prompt_tokens = EstimateEmbeddingsTokens(*spec.request);
    u.known = false;
  }
  out += "],\"model\":";
  AppendQuoted(out, ctx.model_id);
  out += ",\"provider\":";
  AppendQuoted(out, ctx.provider_name);
  out += ",\"usage\":{\"prompt_tokens\":" + std::to_string(u.prompt_tokens) +
         ",\"total_tokens\":" + std::to_string(u.prompt_tokens) + "}}";
  r.outcome = Outcome::kDone;
  r.client_status = 200;
  // A complete answer: "stop" (a null finish reason with no output tokens would be priced as
  // zero-completion insurance, i.e. free).
  r.finish_reason = "stop";
  r.client_json = Json();  // the body is the text: no tree of a large batch
  return r;
}

void MergeEmbeddingsCost(std::string* body, const Json* cost) {
  if (!body || !cost || !cost->is_object() || cost->empty() || body->size() < 2 ||
      body->compare(body->size() - 2, 2, "}}") != 0) {
    return;
  }
  // The usage object closes the body: its fields continue with the cost's.
  const std::string fields = Dump(*cost);
  body->resize(body->size() - 2);
  *body += ',';
  body->append(fields, 1, fields.size() - 2);
  *body += "}}";
}

std::string RenderEmbeddingsBody(const AttemptResult& result, const Json* cost) {
  std::string body = result.client_body;
  if (result.outcome == Outcome::kDone) MergeEmbeddingsCost(&body, cost);
  return body;
}

}  // namespace switchyard
