// Shared by the wire suites: reading the golden fixture manifests of tests/fixtures/wire/<format>/
// (format described in tests/fixtures/wire/FORMAT.md), building attempt specs from them, and
// rendering results canonically so they can be compared with (or, with SY_UPDATE_FIXTURES=1,
// written to) the expectation files.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "switchyard/catalog/catalog.h"
#include "switchyard/json/json.h"
#include "switchyard/wire/wire.h"
#include "test_support.h"
#include "json_testing.h"

namespace switchyard::testing {

inline bool UpdateFixtures() {
  const char* v = std::getenv("SY_UPDATE_FIXTURES");
  return v && *v && std::string(v) != "0";
}

inline void WriteFile(const std::string& relative, const std::string& text) {
  std::ofstream out(SourcePath(relative), std::ios::binary);
  out << text;
}

inline Json ReadJsonFile(const std::string& relative) {
  std::string text = ReadFile(relative);
  return testing::TryJson(text).value_or(Json());
}

// One wire format's fixtures: the provider/endpoint the cases run against, and the cases.
struct WireFixtures {
  std::string dir;  // tests/fixtures/wire/<format>
  Json manifest;
  std::string Path(const std::string& file) const { return dir + "/" + file; }
};

inline WireFixtures LoadFixtures(const std::string& format) {
  WireFixtures f;
  f.dir = "tests/fixtures/wire/" + format;
  f.manifest = ReadJsonFile(f.dir + "/cases.json");
  return f;
}

inline Json Merged(const Json& base, const Json* patch) {
  Json out = base;
  if (patch && patch->is_object()) {
    for (auto it = patch->begin(); it != patch->end(); ++it) out[it.key()] = it.value();
  }
  return out;
}

// The catalog entries and request a case runs with; owns what the AttemptSpec points to.
struct CaseWorld {
  Provider provider;
  Endpoint endpoint;
  Json request;
  AttemptSpec spec;
};

inline std::unique_ptr<CaseWorld> MakeWorld(const WireFixtures& f, const Json& c) {
  auto w = std::make_unique<CaseWorld>();
  Json p = Merged(testing::ValueOr(f.manifest, "provider", Json::object()), Find(c, "provider"));
  Json e = Merged(testing::ValueOr(f.manifest, "endpoint", Json::object()), Find(c, "endpoint"));
  w->provider.slug = testing::ValueOr(p, "slug", "");
  w->provider.name = testing::ValueOr(p, "name", "");
  w->provider.wire = ParseWireFormat(testing::ValueOr(p, "wire", "openai")).value_or(WireFormat::kOpenAI);
  w->provider.base_url = testing::ValueOr(p, "base_url", "");
  w->provider.api_key_env = testing::ValueOr(p, "api_key_env", "");
  w->provider.uses_max_completion_tokens = testing::ValueOr(p, "uses_max_completion_tokens", false);
  w->endpoint.upstream_model = testing::ValueOr(e, "upstream_model", "");
  w->endpoint.max_completion_tokens = testing::ValueOr(e, "max_completion_tokens", int64_t{0});
  if (auto wire = FindString(e, "wire")) w->endpoint.wire = ParseWireFormat(*wire);
  if (const Json* params = FindArray(e, "supported_parameters")) {
    for (const Json& name : *params) {
      if (!name.is_string()) continue;
      w->endpoint.supported_parameters.push_back(name.get<std::string>());
      if (auto param = ParseParam(name.get<std::string>())) {
        w->endpoint.params.set(static_cast<size_t>(*param));
      }
    }
  }
  if (auto r = FindString(c, "request")) {
    w->request = ReadJsonFile(f.Path(std::string(*r)));
  } else {
    w->request = Json{{"model", testing::ValueOr(f.manifest, "model_id", "")},
                      {"messages", Json::array({{{"role", "user"}, {"content", "Hi"}}})}};
  }
  Json s = Merged(testing::ValueOr(f.manifest, "spec", Json::object()), Find(c, "spec"));
  AttemptSpec& spec = w->spec;
  spec.provider = &w->provider;
  spec.endpoint = &w->endpoint;
  spec.model_id = testing::ValueOr(f.manifest, "model_id", "");
  spec.request = &w->request;
  spec.stream = testing::ValueOr(c, "stream", testing::ValueOr(c, "kind", "") == "stream");
  spec.generation_id = testing::ValueOr(s, "generation_id", "gen-fixture");
  spec.created = testing::ValueOr(s, "created", int64_t{0});
  spec.hashed_user = testing::ValueOr(s, "hashed_user", "");
  spec.user_salt = testing::ValueOr(s, "user_salt", "");
  spec.browser = testing::ValueOr(s, "browser", false);
  spec.byok = testing::ValueOr(s, "byok", false);
  std::string client_format = testing::ValueOr(c, "client_format", "openai");
  spec.client_format = client_format == "anthropic"   ? ClientFormat::kAnthropic
                       : client_format == "responses" ? ClientFormat::kResponses
                                                      : ClientFormat::kOpenAI;
  return w;
}

inline Headers CaseHeaders(const Json& c) {
  Headers h;
  if (const Json* headers = FindObject(c, "headers")) {
    for (auto it = headers->begin(); it != headers->end(); ++it) {
      if (it.value().is_string()) h.emplace_back(it.key(), it.value().get<std::string>());
    }
  }
  return h;
}

// A request expectation: the upstream request with its body parsed.
inline Json CanonicalRequest(const UpstreamRequest& up) {
  Json j = UpstreamRequestToJson(up);
  j["body"] = testing::TryJson(up.body).value_or(Json(up.body));
  return j;
}

inline Json CanonicalResult(const AttemptResult& r) {
  Json j = AttemptResultToJson(r, nullptr);
  j["usage_detail"] = UsageToJson(r.usage);
  return j;
}

// Feeds `body` in the given pieces and finishes; returns the client bytes.
inline std::string RunStream(const AttemptSpec& spec, const Json& c,
                             const std::vector<std::string>& pieces, Json* summary, Usage* usage) {
  auto t = StreamTranslator::Open(spec, testing::ValueOr(c, "status", 200), CaseHeaders(c),
                                  testing::ValueOr(c, "now_ms", int64_t{0}));
  if (!t.ok()) return "<open failed: " + t.status().message() + ">";
  std::string out;
  for (const std::string& piece : pieces) {
    out += (*t)->Feed(piece);
    if ((*t)->summary().terminated) break;
  }
  bool aborted = testing::ValueOr(c, "aborted", false);
  if (!aborted) (*t)->CloseInput();
  out += (*t)->Finish(aborted, testing::ValueOr(c, "abort_reason", "connection"), nullptr);
  if (summary) {
    *summary = (*t)->SummaryJson();
    (*summary)["usage_detail"] = UsageToJson((*t)->summary().usage);
  }
  if (usage) *usage = (*t)->summary().usage;
  return out;
}

// Deterministic random split (the core has no randomness; the tests bring a seed).
inline std::vector<std::string> SplitRandomly(const std::string& text, uint64_t seed) {
  std::vector<std::string> pieces;
  uint64_t state = seed * 0x9E3779B97F4A7C15ULL + 0xD1B54A32D192ED03ULL;
  size_t i = 0;
  while (i < text.size()) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    size_t len = static_cast<size_t>(state % 23);  // 0..22 bytes; empty feeds are legal
    if (state % 17 == 0) len = static_cast<size_t>(state % 400);
    pieces.push_back(text.substr(i, len));
    i += len;
  }
  return pieces;
}

}  // namespace switchyard::testing
