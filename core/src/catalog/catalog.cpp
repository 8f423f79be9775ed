// catalog.cpp: building a Catalog from its JSON document (core/data/FORMAT.md) and from
// overlays, with every field validated and every error naming its JSON path.
//
// One code path serves both: CatalogBuilder reads an entry into a copy of the existing item
// (overlay: only the stated fields change) or into a fresh one (every required field must be
// there), and Finalize() derives everything that depends on more than one entry (model
// endpoint lists, defaulted prices, inherited data policies). Overlays run on a copy that
// replaces the catalog only when the whole overlay was valid.
//
// Documents are read through a JsonView over a JsonTape (json/json_tape.h), not a Json DOM: the
// default catalog (~1 MB) is loaded at every worker isolate start, and walking the tape copies
// only the strings kept. Json inputs (FromJson, overlays) are serialised and read the same way,
// so there is one reader and one set of rules.
#include <algorithm>
#include <initializer_list>

#include "switchyard/catalog/catalog.h"
#include "switchyard/json/json.h"

namespace switchyard {
namespace internal {
extern const std::string_view kDefaultCatalogJson;  // generated from core/data/catalog.json
}  // namespace internal

namespace {

// clang-format off
constexpr std::string_view kParamNames[] = {
    "max_tokens", "temperature", "top_p", "top_k", "min_p", "top_a", "stop", "seed",
    "frequency_penalty", "presence_penalty", "repetition_penalty", "logit_bias", "logprobs",
    "top_logprobs", "response_format", "structured_outputs", "tools", "tool_choice",
    "parallel_tool_calls", "reasoning", "include_reasoning", "web_search_options", "verbosity",
    "prediction"};
// clang-format on
static_assert(std::size(kParamNames) == static_cast<size_t>(Param::kCount));

constexpr std::string_view kQuantizations[] = {"int4", "int8", "fp4",  "fp6",    "fp8",
                                               "fp16", "bf16", "fp32", "unknown"};
constexpr std::string_view kModelGroups[] = {"anthropic", "openai", "google", "xai", "other"};

// A JSON path, formatted only when an error needs it (parsing the default catalog builds
// thousands of these and formats none).
struct Where {
  const Where* parent = nullptr;
  std::string_view key;
  int64_t index = -1;

  Where operator/(std::string_view k) const { return Where{this, k, -1}; }
  Where operator[](size_t i) const { return Where{this, {}, static_cast<int64_t>(i)}; }
  std::string str() const {
    std::string out = parent ? parent->str() : std::string();
    if (index >= 0) {
      out += "[" + std::to_string(index) + "]";
    } else if (!key.empty()) {
      if (!out.empty()) out += '.';
      out += key;
    }
    return out;
  }
};

Status Bad(const Where& where, std::string_view what) {
  std::string path = where.str();
  return Status::InvalidArgument("catalog: " + path + ": " + std::string(what), path);
}

using V = JsonView;

// An integer written as one (no fraction, no exponent) within int64.
std::optional<int64_t> IntegerLexeme(V v) {
  if (!v.is_number() || v.raw().find_first_of(".eE") != std::string_view::npos) return std::nullopt;
  return v.Int();
}

// Field readers. `out` is left untouched when the field is absent. A present field of the
// wrong type is always an error.
Status ReadString(const V& obj, std::string_view key, const Where& w, std::string* out,
                  bool required, bool allow_empty = false) {
  V v = obj.Get(key);
  if (!v) return required ? Bad(w / key, "is required") : Status::Ok();
  if (!v.is_string()) {
    Json got;
    Json::FromView(v, got, nullptr, false);  // a value the lexer accepted: cannot fail
    return Bad(w / key, TypeMismatch("a string", got));
  }
  if (v.str().empty() && !allow_empty) return Bad(w / key, "must not be empty");
  *out = v.Unescape();
  return Status::Ok();
}

// A string or null (null → empty).
Status ReadNullableString(const V& obj, std::string_view key, const Where& w, std::string* out) {
  V v = obj.Get(key);
  if (!v) return Status::Ok();
  if (v.is_null()) {
    out->clear();
    return Status::Ok();
  }
  if (!v.is_string()) return Bad(w / key, "must be a string or null");
  *out = v.Unescape();
  return Status::Ok();
}

Status ReadInt(const V& obj, std::string_view key, const Where& w, int64_t* out, bool required,
               int64_t min_value, bool allow_null = false) {
  V v = obj.Get(key);
  if (!v) return required ? Bad(w / key, "is required") : Status::Ok();
  if (v.is_null() && allow_null) {
    *out = 0;
    return Status::Ok();
  }
  std::optional<int64_t> n = IntegerLexeme(v);
  if (!n) return Bad(w / key, "must be an integer");
  if (*n < min_value) return Bad(w / key, "must be at least " + std::to_string(min_value));
  *out = *n;
  return Status::Ok();
}

Status ReadBool(const V& obj, std::string_view key, const Where& w, bool* out) {
  V v = obj.Get(key);
  if (!v) return Status::Ok();
  if (!v.is_bool()) return Bad(w / key, "must be true or false");
  *out = v.raw()[0] == 't';
  return Status::Ok();
}

Status ReadOptionalBool(const V& obj, std::string_view key, const Where& w,
                        std::optional<bool>* out) {
  V v = obj.Get(key);
  if (!v) return Status::Ok();
  if (v.is_null()) {
    out->reset();
    return Status::Ok();
  }
  if (!v.is_bool()) return Bad(w / key, "must be true, false or null");
  *out = v.raw()[0] == 't';
  return Status::Ok();
}

Status ReadStringList(const V& obj, std::string_view key, const Where& w,
                      std::vector<std::string>* out, bool non_empty) {
  V v = obj.Get(key);
  if (!v) return Status::Ok();
  if (!v.is_array()) return Bad(w / key, "must be an array of strings");
  if (non_empty && v.size() == 0) return Bad(w / key, "must not be empty");
  std::vector<std::string> list;
  list.reserve(v.size());
  Status status;
  size_t i = 0;
  v.ForEachElement([&](V item) {
    if (!item.is_string() || item.str().empty()) {
      status = Bad((w / key)[i], "must be a non-empty string");
      return false;
    }
    list.push_back(item.Unescape());
    ++i;
    return true;
  });
  SY_RETURN_IF_ERROR(status);
  *out = std::move(list);
  return Status::Ok();
}

bool IsSlugChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}
bool IsSlug(std::string_view s) {
  return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), IsSlugChar);
}
// "provider" or "provider/variant".
bool IsTag(std::string_view s) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return IsSlug(s);
  return IsSlug(s.substr(0, slash)) && IsSlug(s.substr(slash + 1));
}
// Model ids are "author/slug" style but may carry ':' or upper case; only whitespace, control
// characters and absurd lengths are refused.
bool IsModelId(std::string_view s) {
  if (s.empty() || s.size() > 256) return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  }
  return true;
}

// A price: a decimal string, or (hand-written overlays) a JSON number taken exactly as written.
Status ReadPrice(const V& v, const Where& w, bool per_million, std::optional<Picos>* out) {
  std::string text;
  if (v.is_string()) {
    text = v.Unescape();
  } else if (v.is_number()) {
    text = v.raw();  // exponents ("1e-3") are refused by the decimal parser
  } else {
    return Bad(w, "must be a decimal string");
  }
  Result<Picos> p = per_million ? ParsePerMillion(text) : ParseUsd(text);
  if (!p.ok()) return Bad(w, p.status().message());
  if (*p < 0) return Bad(w, "must not be negative");
  *out = *p;
  return Status::Ok();
}

// Overlays are written by hand, so a key this loader does not know there is refused rather than
// ignored ("promt" would otherwise leave the price unchanged). The generated catalog itself
// follows FORMAT.md: unknown keys are ignored, so the format can grow.
Status CheckKeys(const V& obj, const Where& w, std::initializer_list<std::string_view> known) {
  Status status;
  obj.ForEachMember([&](V key, V) {
    for (std::string_view k : known) {
      if (key.StrEquals(k)) return true;
    }
    status = Bad(w / key.Unescape(), "is not a known field");
    return false;
  });
  return status;
}

}  // namespace

constexpr const char* kWireChoices =
    "must be \"openai\", \"anthropic\", \"gemini\" or \"openai-responses\"";

// ---- names and slugs ----------------------------------------------------------------------

const char* WireFormatName(WireFormat wire) {
  switch (wire) {
    case WireFormat::kOpenAI:
      return "openai";
    case WireFormat::kAnthropic:
      return "anthropic";
    case WireFormat::kGemini:
      return "gemini";
    case WireFormat::kOpenAIResponses:
      return "openai-responses";
  }
  return "openai";
}

std::optional<WireFormat> ParseWireFormat(std::string_view name) {
  if (name == "openai") return WireFormat::kOpenAI;
  if (name == "anthropic") return WireFormat::kAnthropic;
  if (name == "gemini") return WireFormat::kGemini;
  if (name == "openai-responses") return WireFormat::kOpenAIResponses;
  return std::nullopt;
}

const char* ParamName(Param param) {
  size_t i = static_cast<size_t>(param);
  return i < std::size(kParamNames) ? kParamNames[i].data() : "";
}

std::optional<Param> ParseParam(std::string_view name) {
  for (size_t i = 0; i < std::size(kParamNames); ++i) {
    if (kParamNames[i] == name) return static_cast<Param>(i);
  }
  return std::nullopt;
}

std::string_view BaseSlug(std::string_view tag) { return tag.substr(0, tag.find('/')); }

bool SlugMatches(std::string_view wanted, std::string_view tag) {
  if (wanted.empty() || wanted.size() > tag.size()) return false;
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (lower(wanted[i]) != lower(tag[i])) return false;
  }
  // "deepinfra" selects "deepinfra/turbo"; "deepinfra/turbo" does not select "deepinfra".
  return wanted.size() == tag.size() ||
         (tag[wanted.size()] == '/' && wanted.find('/') == std::string_view::npos);
}

// ---- the builder ----------------------------------------------------------------------------

class CatalogBuilder {
 public:
  using PriceSpec = Catalog::PriceSpec;
  using EndpointSpec = Catalog::EndpointSpec;
  using ParamSets = std::vector<std::vector<std::string>>;

  // supported_parameters, given as a list or (base documents only) as "params": an index into
  // the document's parameter_sets. Absent: `out` is left as it is.
  static Status ReadParameters(const V& j, const Where& w, const ParamSets* sets,
                               std::vector<std::string>* out) {
    V index = j.Get("params");
    if (!index) return ReadStringList(j, "supported_parameters", w, out, false);
    if (j.Get("supported_parameters")) {
      return Bad(w / "params", "names a parameter set where supported_parameters is given too");
    }
    if (sets == nullptr || sets->empty()) {
      return Bad(w / "params", "is only valid in a catalog with parameter_sets");
    }
    int64_t i = -1;
    SY_RETURN_IF_ERROR(ReadInt(j, "params", w, &i, true, 0));
    if (static_cast<uint64_t>(i) >= sets->size()) {
      return Bad(w / "params", "is not an index of parameter_sets (" +
                                   std::to_string(sets->size()) + " sets)");
    }
    *out = (*sets)[static_cast<size_t>(i)];
    return Status::Ok();
  }

  static Status ParseDocument(Catalog& c, const V& doc) {
    Where root;
    if (!doc.is_object()) return Bad(root / "(document)", "must be a JSON object");
    V format = doc.Get("format");
    if (!format || !format.StrEquals("switchyard-catalog")) {
      return Bad(root / "format", "must be \"switchyard-catalog\"");
    }
    V version = doc.Get("version");
    if (!version || IntegerLexeme(version) != 1) {
      return Bad(root / "version", "must be 1 (the supported version)");
    }
    V providers = doc.Get("providers");
    V models = doc.Get("models");
    V endpoints = doc.Get("endpoints");
    // Optional: the distinct supported_parameters lists, which models and endpoints name by
    // index ("params") instead of repeating them.
    ParamSets sets;
    if (V list = doc.Get("parameter_sets")) {
      const Where ws = root / "parameter_sets";  // Where links to its parent: keep it alive
      if (!list.is_array()) return Bad(ws, "must be an array");
      sets.resize(list.size());
      Status status;
      size_t i = 0;
      list.ForEachElement([&](V item) {
        const Where wi = ws[i];
        status = item.is_array() ? Status::Ok() : Bad(wi, "must be an array of strings");
        if (status.ok()) {
          size_t k = 0;
          item.ForEachElement([&](V name) {
            status = name.is_string() ? Status::Ok() : Bad(wi[k], "must be a string");
            ++k;
            if (status.ok()) sets[i].push_back(name.Unescape());
            return status.ok();
          });
        }
        ++i;
        return status.ok();
      });
      SY_RETURN_IF_ERROR(status);
    }
    if (!providers || !providers.is_array()) return Bad(root / "providers", "must be an array");
    if (!models || !models.is_array()) return Bad(root / "models", "must be an array");
    if (!endpoints || !endpoints.is_array()) return Bad(root / "endpoints", "must be an array");

    c.providers_.reserve(providers.size());
    c.models_.reserve(models.size());
    c.endpoints_.reserve(endpoints.size());
    c.specs_.reserve(endpoints.size());
    c.model_by_id_.reserve(models.size());
    c.provider_by_slug_.reserve(providers.size());
    c.endpoint_by_key_.reserve(endpoints.size());

    SY_RETURN_IF_ERROR(Each(providers, root / "providers", [&](const V& j, const Where& w) {
      return UpsertProvider(c, j, w, /*overlay=*/false);
    }));
    SY_RETURN_IF_ERROR(Each(models, root / "models", [&](const V& j, const Where& w) {
      return UpsertModel(c, j, w, /*overlay=*/false, &sets);
    }));
    SY_RETURN_IF_ERROR(Each(endpoints, root / "endpoints", [&](const V& j, const Where& w) {
      return UpsertEndpoint(c, j, w, /*overlay=*/false, &sets);
    }));
    Finalize(c);
    return Status::Ok();
  }

  static Status ApplyOverlay(Catalog& c, const V& overlay) {
    Where root{nullptr, "overlay"};
    if (!overlay.is_object()) return Bad(root, "must be a JSON object");
    static constexpr std::string_view kSections[] = {"providers", "models", "endpoints",
                                                     "base_urls", "prices", "disable"};
    Status status;
    overlay.ForEachMember([&](V key, V) {
      std::string name = key.Unescape();
      if (std::find(std::begin(kSections), std::end(kSections), name) == std::end(kSections)) {
        // A misspelt section would otherwise be silently ignored.
        status = Bad(root / name,
                     "is not an overlay section (providers, models, endpoints, "
                     "base_urls, prices, disable)");
        return false;
      }
      return true;
    });
    SY_RETURN_IF_ERROR(status);
    auto section = [&](std::string_view key, auto&& fn) -> Status {
      V list = overlay.Get(key);
      if (!list) return Status::Ok();
      Where w = root / key;
      if (!list.is_array()) return Bad(w, "must be an array");
      return Each(list, w, fn);
    };

    SY_RETURN_IF_ERROR(section(
        "providers", [&](const V& j, const Where& w) { return UpsertProvider(c, j, w, true); }));
    SY_RETURN_IF_ERROR(
        section("models", [&](const V& j, const Where& w) { return UpsertModel(c, j, w, true); }));
    SY_RETURN_IF_ERROR(section(
        "endpoints", [&](const V& j, const Where& w) { return UpsertEndpoint(c, j, w, true); }));

    if (V urls = overlay.Get("base_urls")) {
      Where w = root / "base_urls";
      if (!urls.is_object()) return Bad(w, "must be an object of provider slug → URL");
      urls.ForEachMember([&](V key, V value) {
        std::string slug = key.Unescape();
        auto p = c.provider_by_slug_.find(std::string_view(slug));
        if (p == c.provider_by_slug_.end()) {
          status = Bad(w / slug, "unknown provider");
        } else if (!value.is_string()) {
          status = Bad(w / slug, "must be a URL string");
        } else {
          std::string url = value.Unescape();
          status = CheckBaseUrl(&url, w / slug);
          if (status.ok()) c.providers_[p->second].base_url = std::move(url);
        }
        return status.ok();
      });
      SY_RETURN_IF_ERROR(status);
    }

    SY_RETURN_IF_ERROR(section("prices", [&](const V& j, const Where& w) -> Status {
      SY_RETURN_IF_ERROR(CheckKeys(j, w, {"model", "tag", "pricing"}));
      SY_ASSIGN_OR_RETURN(uint32_t e, ExistingEndpoint(c, j, w));
      V pricing = j.Get("pricing");
      if (!pricing) return Bad(w / "pricing", "is required");
      SY_RETURN_IF_ERROR(ReadPriceSpec(pricing, w / "pricing", &c.specs_[e].pricing, true));
      return CheckFree(c.specs_[e], w);
    }));

    SY_RETURN_IF_ERROR(section("disable", [&](const V& j, const Where& w) -> Status {
      SY_RETURN_IF_ERROR(CheckKeys(j, w, {"model", "tag", "provider", "unless_byok"}));
      bool unless_byok = false;
      SY_RETURN_IF_ERROR(ReadBool(j, "unless_byok", w, &unless_byok));
      if (j.Get("provider")) {
        if (j.Get("model") || j.Get("tag")) {
          return Bad(w, "names either a provider or a model (and tag), not both");
        }
        std::string slug;
        SY_RETURN_IF_ERROR(ReadString(j, "provider", w, &slug, true));
        const Provider* p = c.FindProvider(slug);
        if (!p) return Bad(w / "provider", "unknown provider '" + slug + "'");
        for (Endpoint& e : c.endpoints_) {
          if (e.provider != p->index) continue;
          // Only what is enabled becomes usable with the account's own key; a plain disable wins.
          e.byok_only = unless_byok && (e.enabled || e.byok_only);
          e.enabled = false;
        }
        return Status::Ok();
      }
      if (unless_byok) return Bad(w / "unless_byok", "applies only to a provider");
      if (!j.Get("tag")) {  // a whole model
        std::string id;
        SY_RETURN_IF_ERROR(ReadString(j, "model", w, &id, true));
        const Model* m = c.FindModel(id);
        if (!m) return Bad(w / "model", "unknown model '" + id + "'");
        for (uint32_t e : m->endpoints) c.endpoints_[e].enabled = c.endpoints_[e].byok_only = false;
        return Status::Ok();
      }
      SY_ASSIGN_OR_RETURN(uint32_t e, ExistingEndpoint(c, j, w));
      c.endpoints_[e].enabled = c.endpoints_[e].byok_only = false;
      return Status::Ok();
    }));

    Finalize(c);
    return Status::Ok();
  }

 private:
  // Calls fn(element, path) for each element of an array, which must be an object.
  template <typename Fn>
  static Status Each(const V& list, const Where& w, Fn&& fn) {
    Status status;
    size_t i = 0;
    list.ForEachElement([&](V item) {
      status = item.is_object() ? fn(item, w[i]) : Bad(w[i], "must be an object");
      ++i;
      return status.ok();
    });
    return status;
  }

  static Status CheckBaseUrl(std::string* url, const Where& w) {
    std::string_view u = *url;
    bool scheme = u.rfind("https://", 0) == 0 || u.rfind("http://", 0) == 0;
    size_t host_at = u.find("://") + 3;
    if (!scheme || u.size() <= host_at || u[host_at] == '/') {
      return Bad(w, "must be an http:// or https:// URL with a host");
    }
    for (char c : u) {
      if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f || c == '?' || c == '#') {
        return Bad(w, "must not contain whitespace, a query or a fragment");
      }
    }
    while (!url->empty() && url->back() == '/') url->pop_back();  // we append "/chat/..."
    return Status::Ok();
  }

  static Status ReadDataPolicy(const V& j, const Where& w, DataPolicy* dp, bool strict) {
    if (!j.is_object()) return Bad(w, "must be an object");
    if (strict) {
      SY_RETURN_IF_ERROR(CheckKeys(j, w, {"training", "retains_prompts", "retention_days", "zdr"}));
    }
    SY_RETURN_IF_ERROR(ReadBool(j, "training", w, &dp->training));
    SY_RETURN_IF_ERROR(ReadBool(j, "retains_prompts", w, &dp->retains_prompts));
    SY_RETURN_IF_ERROR(ReadBool(j, "zdr", w, &dp->zdr));
    if (V days = j.Get("retention_days")) {
      if (days.is_null()) {
        dp->retention_days.reset();
      } else {
        int64_t d = 0;
        SY_RETURN_IF_ERROR(ReadInt(j, "retention_days", w, &d, true, 0));
        if (d > 100000) return Bad(w / "retention_days", "is not a plausible number of days");
        dp->retention_days = static_cast<int>(d);
      }
    }
    return Status::Ok();
  }

  static Status UpsertProvider(Catalog& c, const V& j, const Where& w, bool overlay) {
    if (!j.is_object()) return Bad(w, "must be an object");
    if (overlay) {
      SY_RETURN_IF_ERROR(
          CheckKeys(j, w,
                    {"slug", "name", "wire", "base_url", "api_key_env", "privacy_policy_url",
                     "data_policy", "max_tokens_param", "sandbox"}));
    }
    std::string slug;
    SY_RETURN_IF_ERROR(ReadString(j, "slug", w, &slug, true));
    if (!IsSlug(slug)) {
      return Bad(w / "slug", "must be lower-case letters, digits, '-', '_' or '.' (no '/')");
    }
    auto existing = c.provider_by_slug_.find(std::string_view(slug));
    if (existing != c.provider_by_slug_.end() && !overlay) {
      return Bad(w / "slug", "duplicate provider '" + slug + "'");
    }
    const bool is_new = existing == c.provider_by_slug_.end();
    Provider p = is_new ? Provider{} : c.providers_[existing->second];
    p.slug = slug;

    SY_RETURN_IF_ERROR(ReadString(j, "name", w, &p.name, is_new));
    if (V wire = j.Get("wire")) {
      std::optional<WireFormat> f;
      if (wire.is_string()) f = ParseWireFormat(wire.Unescape());
      if (!f) return Bad(w / "wire", kWireChoices);
      p.wire = *f;
    } else if (is_new) {
      return Bad(w / "wire", "is required");
    }
    if (j.Get("base_url") || is_new) {
      SY_RETURN_IF_ERROR(ReadString(j, "base_url", w, &p.base_url, true));
      SY_RETURN_IF_ERROR(CheckBaseUrl(&p.base_url, w / "base_url"));
    }
    SY_RETURN_IF_ERROR(ReadNullableString(j, "api_key_env", w, &p.api_key_env));
    for (char ch : p.api_key_env) {
      if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_')) {
        return Bad(w / "api_key_env", "must be an environment variable name (A-Z, 0-9, _)");
      }
    }
    SY_RETURN_IF_ERROR(ReadNullableString(j, "privacy_policy_url", w, &p.privacy_policy_url));
    if (V dp = j.Get("data_policy")) {
      SY_RETURN_IF_ERROR(ReadDataPolicy(dp, w / "data_policy", &p.data_policy, overlay));
    }
    if (V mtp = j.Get("max_tokens_param")) {
      if (mtp.StrEquals("max_tokens")) {
        p.uses_max_completion_tokens = false;
      } else if (mtp.StrEquals("max_completion_tokens")) {
        p.uses_max_completion_tokens = true;
      } else {
        return Bad(w / "max_tokens_param", "must be \"max_tokens\" or \"max_completion_tokens\"");
      }
    }
    SY_RETURN_IF_ERROR(ReadBool(j, "sandbox", w, &p.sandbox));

    if (is_new) {
      p.index = static_cast<uint32_t>(c.providers_.size());
      c.provider_by_slug_.emplace(p.slug, p.index);
      c.providers_.push_back(std::move(p));
    } else {
      c.providers_[existing->second] = std::move(p);
    }
    return Status::Ok();
  }

  static Status UpsertModel(Catalog& c, const V& j, const Where& w, bool overlay,
                            const ParamSets* sets = nullptr) {
    if (!j.is_object()) return Bad(w, "must be an object");
    if (overlay) {
      SY_RETURN_IF_ERROR(
          CheckKeys(j, w,
                    {"id", "canonical_slug", "name", "created", "description", "context_length",
                     "input_modalities", "output_modalities", "tokenizer", "instruct_type",
                     "supported_parameters", "is_moderated", "model_group"}));
    }
    std::string id;
    SY_RETURN_IF_ERROR(ReadString(j, "id", w, &id, true));
    if (!IsModelId(id)) return Bad(w / "id", "must be 1-256 characters without whitespace");
    if (id.size() > 5 && std::string_view(id).substr(id.size() - 5) == ":free") {
      // `<id>:free` names the model's free endpoints (the planner and /models derive it).
      return Bad(w / "id", "must not end in \":free\"");
    }
    auto existing = c.model_by_id_.find(std::string_view(id));
    if (existing != c.model_by_id_.end() && !overlay) {
      return Bad(w / "id", "duplicate model '" + id + "'");
    }
    const bool is_new = existing == c.model_by_id_.end();
    Model m = is_new ? Model{} : c.models_[existing->second];
    if (is_new) {
      m.id = id;
      m.canonical_slug = id;
      m.input_modalities = {"text"};
      m.output_modalities = {"text"};
      m.tokenizer = "Other";
      std::string_view author = std::string_view(id).substr(0, id.find('/'));
      m.model_group = author == "anthropic" ? "anthropic"
                      : author == "openai"  ? "openai"
                      : author == "google"  ? "google"
                      : author == "x-ai"    ? "xai"
                                            : "other";
    }
    SY_RETURN_IF_ERROR(ReadString(j, "canonical_slug", w, &m.canonical_slug, false));
    SY_RETURN_IF_ERROR(ReadString(j, "name", w, &m.name, is_new));
    SY_RETURN_IF_ERROR(ReadInt(j, "created", w, &m.created, false, 0));
    SY_RETURN_IF_ERROR(ReadString(j, "description", w, &m.description, false, true));
    SY_RETURN_IF_ERROR(ReadInt(j, "context_length", w, &m.context_length, is_new, 1));
    SY_RETURN_IF_ERROR(ReadStringList(j, "input_modalities", w, &m.input_modalities, true));
    SY_RETURN_IF_ERROR(ReadStringList(j, "output_modalities", w, &m.output_modalities, true));
    SY_RETURN_IF_ERROR(ReadString(j, "tokenizer", w, &m.tokenizer, false));
    SY_RETURN_IF_ERROR(ReadNullableString(j, "instruct_type", w, &m.instruct_type));
    SY_RETURN_IF_ERROR(ReadParameters(j, w, sets, &m.supported_parameters));
    SY_RETURN_IF_ERROR(ReadBool(j, "is_moderated", w, &m.is_moderated));
    if (j.Get("model_group")) {
      SY_RETURN_IF_ERROR(ReadString(j, "model_group", w, &m.model_group, true));
      if (std::find(std::begin(kModelGroups), std::end(kModelGroups), m.model_group) ==
          std::end(kModelGroups)) {
        return Bad(w / "model_group", "must be anthropic, openai, google, xai or other");
      }
    }

    if (is_new) {
      m.index = static_cast<uint32_t>(c.models_.size());
      c.model_by_id_.emplace(m.id, m.index);
      c.models_.push_back(std::move(m));
    } else {
      c.models_[existing->second] = std::move(m);
    }
    return Status::Ok();
  }

  // `strict` (overlays): an unknown price key is an error; in the catalog it is ignored.
  static Status ReadPriceSpec(const V& j, const Where& w, PriceSpec* spec, bool strict) {
    if (!j.is_object()) return Bad(w, "must be an object of decimal strings");
    struct Field {
      std::string_view key;
      std::optional<Picos> PriceSpec::*member;
      bool per_million;
    };
    static constexpr Field kFields[] = {
        {"prompt", &PriceSpec::prompt, true},
        {"completion", &PriceSpec::completion, true},
        {"input_cache_read", &PriceSpec::cache_read, true},
        {"input_cache_write", &PriceSpec::cache_write, true},
        {"input_cache_write_1h", &PriceSpec::cache_write_1h, true},
        {"internal_reasoning", &PriceSpec::reasoning, true},
        {"request", &PriceSpec::request, false},
        {"image", &PriceSpec::image, false},
    };
    Status status;
    j.ForEachMember([&](V key, V value) {
      const Field* f = nullptr;
      for (const Field& candidate : kFields) {
        if (key.StrEquals(candidate.key)) f = &candidate;
      }
      if (!f) {
        if (strict) status = Bad(w / key.Unescape(), "is not a known price");
      } else {
        status = ReadPrice(value, w / f->key, f->per_million, &(spec->*f->member));
      }
      return status.ok();
    });
    return status;
  }

  // The endpoint an overlay entry {"model","tag"} names.
  static Result<uint32_t> ExistingEndpoint(const Catalog& c, const V& j, const Where& w) {
    std::string model, tag;
    SY_RETURN_IF_ERROR(ReadString(j, "model", w, &model, true));
    SY_RETURN_IF_ERROR(ReadString(j, "tag", w, &tag, true));
    const Endpoint* e = c.FindEndpoint(model, tag);
    if (!e) return Bad(w, "no endpoint '" + tag + "' for model '" + model + "'");
    return e->index;
  }

  static Status UpsertEndpoint(Catalog& c, const V& j, const Where& w, bool overlay,
                               const ParamSets* sets = nullptr) {
    if (!j.is_object()) return Bad(w, "must be an object");
    if (overlay) {
      SY_RETURN_IF_ERROR(CheckKeys(j, w,
                                   {"model", "provider", "tag", "upstream_model", "context_length",
                                    "max_completion_tokens", "quantization", "pricing", "tiers",
                                    "supported_parameters", "free", "zdr", "training", "enabled",
                                    "wire"}));
    }
    std::string model_id, provider_slug, tag;
    SY_RETURN_IF_ERROR(ReadString(j, "model", w, &model_id, true));
    const Model* model = c.FindModel(model_id);
    if (!model) return Bad(w / "model", "unknown model '" + model_id + "'");
    SY_RETURN_IF_ERROR(ReadString(j, "provider", w, &provider_slug, false));
    SY_RETURN_IF_ERROR(ReadString(j, "tag", w, &tag, false));
    if (tag.empty()) {
      if (provider_slug.empty()) return Bad(w / "provider", "is required");
      tag = provider_slug;
    }
    if (!IsTag(tag)) {
      return Bad(w / "tag", "must be \"provider\" or \"provider/variant\" in slug characters");
    }

    auto existing = c.endpoint_by_key_.find(Catalog::EndpointKeyView{model->index, tag});
    const bool is_new = existing == c.endpoint_by_key_.end();
    if (!is_new && !overlay) {
      return Bad(w / "tag", "duplicate endpoint '" + tag + "' for model '" + model_id +
                                "' (also endpoints[" + std::to_string(existing->second) + "])");
    }
    Endpoint e = is_new ? Endpoint{} : c.endpoints_[existing->second];
    EndpointSpec spec = is_new ? EndpointSpec{} : c.specs_[existing->second];

    if (is_new) {
      if (provider_slug.empty()) return Bad(w / "provider", "is required");
      const Provider* p = c.FindProvider(provider_slug);
      if (!p) return Bad(w / "provider", "unknown provider '" + provider_slug + "'");
      if (BaseSlug(tag) != p->slug) {
        return Bad(w / "tag",
                   "must be the provider slug '" + p->slug + "' or start with '" + p->slug + "/'");
      }
      e.model = model->index;
      e.provider = p->index;
      e.tag = tag;
      e.upstream_model = model_id;  // the default: the provider knows the model by its id
      e.quantization = "unknown";
    } else if (!provider_slug.empty() && provider_slug != c.providers_[e.provider].slug) {
      return Bad(w / "provider", "an existing endpoint cannot move to another provider");
    }

    SY_RETURN_IF_ERROR(ReadString(j, "upstream_model", w, &e.upstream_model, false));
    SY_RETURN_IF_ERROR(ReadInt(j, "context_length", w, &e.context_length, is_new, 1));
    SY_RETURN_IF_ERROR(ReadInt(j, "max_completion_tokens", w, &e.max_completion_tokens, false, 0,
                               /*allow_null=*/true));
    if (j.Get("quantization")) {
      SY_RETURN_IF_ERROR(ReadString(j, "quantization", w, &e.quantization, true));
      if (std::find(std::begin(kQuantizations), std::end(kQuantizations), e.quantization) ==
          std::end(kQuantizations)) {
        return Bad(w / "quantization",
                   "must be one of int4, int8, fp4, fp6, fp8, fp16, bf16, fp32, unknown");
      }
    }

    if (V pricing = j.Get("pricing")) {
      SY_RETURN_IF_ERROR(ReadPriceSpec(pricing, w / "pricing", &spec.pricing, overlay));
    } else if (is_new) {
      return Bad(w / "pricing", "is required");
    }
    if (!spec.pricing.prompt) return Bad(w / "pricing" / "prompt", "is required");
    if (!spec.pricing.completion) return Bad(w / "pricing" / "completion", "is required");

    if (V tiers = j.Get("tiers")) {
      Where wt = w / "tiers";
      if (!tiers.is_array()) return Bad(wt, "must be an array");
      spec.tiers.clear();
      SY_RETURN_IF_ERROR(Each(tiers, wt, [&](const V& t, const Where& wi) -> Status {
        int64_t min = 0;
        if (overlay) {
          SY_RETURN_IF_ERROR(CheckKeys(t, wi, {"min_prompt_tokens", "pricing"}));
        }
        SY_RETURN_IF_ERROR(ReadInt(t, "min_prompt_tokens", wi, &min, true, 1));
        if (!spec.tiers.empty() && min <= spec.tiers.back().first) {
          return Bad(wi / "min_prompt_tokens", "must be larger than the previous tier's");
        }
        V tp = t.Get("pricing");
        if (!tp) return Bad(wi / "pricing", "is required");
        PriceSpec ts;
        SY_RETURN_IF_ERROR(ReadPriceSpec(tp, wi / "pricing", &ts, overlay));
        spec.tiers.emplace_back(min, ts);
        return Status::Ok();
      }));
    }

    if (j.Get("supported_parameters") || j.Get("params")) {
      SY_RETURN_IF_ERROR(ReadParameters(j, w, sets, &e.supported_parameters));
      e.params.reset();
      for (const std::string& name : e.supported_parameters) {
        if (std::optional<Param> p = ParseParam(name)) e.params.set(static_cast<size_t>(*p));
      }
    }
    SY_RETURN_IF_ERROR(ReadOptionalBool(j, "free", w, &spec.free));
    SY_RETURN_IF_ERROR(ReadOptionalBool(j, "zdr", w, &spec.zdr));
    SY_RETURN_IF_ERROR(ReadOptionalBool(j, "training", w, &spec.training));
    SY_RETURN_IF_ERROR(ReadBool(j, "enabled", w, &e.enabled));
    SY_RETURN_IF_ERROR(CheckFree(spec, w));
    if (V wire = j.Get("wire")) {
      std::optional<WireFormat> f;
      if (wire.is_string()) f = ParseWireFormat(wire.Unescape());
      if (!wire.is_null() && !f) return Bad(w / "wire", kWireChoices);
      e.wire = f;  // null: back to the provider's
    }

    if (is_new) {
      e.index = static_cast<uint32_t>(c.endpoints_.size());
      c.endpoint_by_key_.emplace(Catalog::EndpointKey{e.model, e.tag}, e.index);
      c.endpoints_.push_back(std::move(e));
      c.specs_.push_back(std::move(spec));
    } else {
      uint32_t i = existing->second;
      c.endpoints_[i] = std::move(e);
      c.specs_[i] = std::move(spec);
    }
    return Status::Ok();
  }

  // Stated prices → effective prices (FORMAT.md defaults). Tier prices fall back to the base
  // prompt/completion/request/image when a tier leaves them out.
  static Prices Resolve(const PriceSpec& s, const Prices* base) {
    Prices p;
    p.prompt = s.prompt ? *s.prompt : (base ? base->prompt : 0);
    p.completion = s.completion ? *s.completion : (base ? base->completion : 0);
    p.has_cache_read = s.cache_read.has_value() || (base && base->has_cache_read);
    p.has_cache_write = s.cache_write.has_value() || (base && base->has_cache_write);
    p.cache_read = s.cache_read ? *s.cache_read : p.prompt;
    p.cache_write = s.cache_write ? *s.cache_write : p.prompt;
    p.cache_write_1h = s.cache_write_1h ? *s.cache_write_1h : p.cache_write;
    p.reasoning = s.reasoning ? *s.reasoning : p.completion;
    p.request = s.request ? *s.request : (base ? base->request : 0);
    p.image = s.image ? *s.image : (base ? base->image : 0);
    return p;
  }

  static Status CheckFree(const EndpointSpec& spec, const Where& w) {
    if (spec.free.value_or(false) &&
        (spec.pricing.prompt.value_or(0) != 0 || spec.pricing.completion.value_or(0) != 0)) {
      return Bad(w / "free", "is true but the prompt or completion price is not zero");
    }
    return Status::Ok();
  }

  static void Finalize(Catalog& c) {
    for (Model& m : c.models_) m.endpoints.clear();
    for (size_t i = 0; i < c.endpoints_.size(); ++i) {
      Endpoint& e = c.endpoints_[i];
      const EndpointSpec& spec = c.specs_[i];
      c.models_[e.model].endpoints.push_back(e.index);

      e.prices = Resolve(spec.pricing, nullptr);
      e.tiers.clear();
      for (const auto& [min, ts] : spec.tiers) e.tiers.push_back({min, Resolve(ts, &e.prices)});

      // CheckFree() already refused "free": true with a price.
      e.free = spec.free.value_or(e.prices.prompt == 0 && e.prices.completion == 0);

      e.data_policy = c.providers_[e.provider].data_policy;
      if (spec.training) e.data_policy.training = *spec.training;
      if (spec.zdr) {
        e.data_policy.zdr = *spec.zdr;
        if (*spec.zdr) {
          e.data_policy.retains_prompts = false;
          e.data_policy.retention_days = 0;
        }
      }
    }
    c.model_by_canonical_slug_.clear();
    for (const Model& m : c.models_) c.model_by_canonical_slug_.emplace(m.canonical_slug, m.index);
  }
};

// ---- Catalog ----------------------------------------------------------------------------

std::string_view Catalog::DefaultJson() { return internal::kDefaultCatalogJson; }

Result<Catalog> Catalog::Default() { return FromText(internal::kDefaultCatalogJson); }

Result<Catalog> Catalog::FromConfig(const Json& config) {
  const Json* document = Find(config, "catalog");
  if (document != nullptr && !document->is_null() && !document->is_object()) {
    return Status::InvalidArgument("catalog must be a catalog document (object) or null", "catalog");
  }
  SY_ASSIGN_OR_RETURN(Catalog catalog, document == nullptr || document->is_null()
                                           ? Default()
                                           : FromJson(*document));
  if (const Json* overlay = Find(config, "overlay"); overlay && !overlay->is_null()) {
    if (!overlay->is_object()) return Status::InvalidArgument("overlay must be an object", "overlay");
    SY_RETURN_IF_ERROR(catalog.ApplyOverlay(*overlay));
  }
  return catalog;
}

namespace {

// Catalogs are configuration, but a host may pass one from anywhere: bounded size, and the
// (shallow) format never nests deeper than 16.
JsonLimits CatalogLimits() {
  JsonLimits limits;
  limits.max_bytes = 64u << 20;
  limits.max_depth = 16;
  return limits;
}

}  // namespace

Result<Catalog> Catalog::FromText(std::string_view text) {
  JsonTape tape;
  JsonParseError error;
  if (!tape.Parse(text, CatalogLimits(), &error)) return error.ToStatus("catalog", CatalogLimits(), true);
  Catalog c;
  SY_RETURN_IF_ERROR(CatalogBuilder::ParseDocument(c, tape.root()));
  return c;
}

Result<Catalog> Catalog::FromJson(const Json& document) { return FromText(Dump(document)); }

Status Catalog::ApplyOverlayText(std::string_view text) {
  JsonTape tape;
  JsonParseError error;
  if (!tape.Parse(text, CatalogLimits(), &error)) return error.ToStatus("overlay", CatalogLimits(), true);
  Catalog next = *this;
  SY_RETURN_IF_ERROR(CatalogBuilder::ApplyOverlay(next, tape.root()));
  *this = std::move(next);
  return Status::Ok();
}

Status Catalog::ApplyOverlay(const Json& overlay) { return ApplyOverlayText(Dump(overlay)); }

const Model* Catalog::FindModel(std::string_view id) const {
  auto it = model_by_id_.find(id);
  return it == model_by_id_.end() ? nullptr : &models_[it->second];
}

const Provider* Catalog::FindProvider(std::string_view slug) const {
  auto it = provider_by_slug_.find(slug);
  return it == provider_by_slug_.end() ? nullptr : &providers_[it->second];
}

const Endpoint* Catalog::FindEndpoint(std::string_view model_id, std::string_view tag) const {
  const Model* m = FindModel(model_id);
  if (!m) return nullptr;
  auto it = endpoint_by_key_.find(EndpointKeyView{m->index, tag});
  return it == endpoint_by_key_.end() ? nullptr : &endpoints_[it->second];
}

const Prices& Catalog::PricesFor(const Endpoint& e, int64_t prompt_tokens) const {
  const Prices* p = &e.prices;
  for (const PriceTier& t : e.tiers) {
    if (prompt_tokens < t.min_prompt_tokens) break;
    p = &t.prices;
  }
  return *p;
}

}  // namespace switchyard
