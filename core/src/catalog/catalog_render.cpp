// catalog_render.cpp: the bodies of GET /models, /models/{id}/endpoints and /providers, in
// OpenRouter's shapes (field names and types checked against a real /models snapshot and the
// documented PublicEndpoint schema).
//
// Prices leave the core as USD-per-token decimal strings formatted exactly from integer
// picodollars (2.5 USD per million tokens is 2,500,000 pUSD per token → "0.0000025"); no
// double is involved. Live statistics come in through a callback: the host owns the health state
// (health.h, a module below this one), the catalog only renders it.
#include <algorithm>

#include "switchyard/catalog/catalog.h"
#include "switchyard/health/health.h"
#include "switchyard/json/json.h"
#include "switchyard/money/money.h"

namespace switchyard {
namespace {

// OpenRouter writes `modality` in this order ("text+image+file->text"), whatever the order of
// the lists; unknown modalities follow alphabetically.
constexpr std::string_view kModalityOrder[] = {"text", "image", "file", "audio", "video"};

size_t ModalityRank(std::string_view m) {
  for (size_t i = 0; i < std::size(kModalityOrder); ++i) {
    if (kModalityOrder[i] == m) return i;
  }
  return std::size(kModalityOrder);
}

std::string JoinModalities(const std::vector<std::string>& list) {
  std::vector<std::string_view> sorted(list.begin(), list.end());
  std::sort(sorted.begin(), sorted.end(), [](std::string_view a, std::string_view b) {
    size_t ra = ModalityRank(a), rb = ModalityRank(b);
    return ra != rb ? ra < rb : a < b;
  });
  std::string out;
  for (std::string_view m : sorted) {
    if (!out.empty()) out += '+';
    out += m;
  }
  return out;
}

Json Architecture(const Model& m) {
  return Json{
      {"modality", JoinModalities(m.input_modalities) + "->" + JoinModalities(m.output_modalities)},
      {"input_modalities", m.input_modalities},
      {"output_modalities", m.output_modalities},
      {"tokenizer", m.tokenizer},
      {"instruct_type", m.instruct_type.empty() ? Json(nullptr) : Json(m.instruct_type)},
  };
}

// Per-token (or per-unit) prices as OpenRouter's decimal strings. Cache prices appear only when
// the catalog states them, as OpenRouter omits them for models without prompt caching.
Json Pricing(const Prices& p) {
  Json o = {
      {"prompt", FormatUsd(p.prompt)},
      {"completion", FormatUsd(p.completion)},
      {"request", FormatUsd(p.request)},
      {"image", FormatUsd(p.image)},
      {"web_search", "0"},
      {"internal_reasoning", FormatUsd(p.reasoning)},
  };
  if (p.has_cache_read) o["input_cache_read"] = FormatUsd(p.cache_read);
  if (p.has_cache_write) o["input_cache_write"] = FormatUsd(p.cache_write);
  return o;
}

Json NullableCount(int64_t n) { return n > 0 ? Json(n) : Json(nullptr); }

// Query values as a flat list: elements may themselves be comma-separated.
std::vector<std::string_view> Flatten(const std::vector<std::string>& values) {
  std::vector<std::string_view> out;
  for (std::string_view v : values) {
    while (!v.empty()) {
      size_t comma = v.find(',');
      std::string_view item = v.substr(0, comma);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (!item.empty()) out.push_back(item);
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return out;
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

Json PercentilesJson(const std::optional<Percentiles>& p) {
  if (!p) return nullptr;
  return Json{{"p50", p->p50}, {"p75", p->p75}, {"p90", p->p90}, {"p99", p->p99}};
}

Json Number(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

}  // namespace

Json Catalog::RenderModels(const ModelsQuery& query) const {
  std::vector<std::string_view> want_params = Flatten(query.supported_parameters);
  std::vector<std::string_view> want_inputs = Flatten(query.input_modalities);
  std::vector<std::string_view> want_outputs = Flatten(query.output_modalities);
  if (want_outputs.empty()) want_outputs.push_back("text");  // OpenRouter's default
  bool any_output =
      std::find(want_outputs.begin(), want_outputs.end(), "all") != want_outputs.end();

  // Newest first, as OpenRouter lists them.
  std::vector<const Model*> order;
  order.reserve(models_.size());
  for (const Model& m : models_) order.push_back(&m);
  std::sort(order.begin(), order.end(), [](const Model* a, const Model* b) {
    return a->created != b->created ? a->created > b->created : a->id < b->id;
  });

  Json data = Json::array();
  std::vector<std::string_view> params;
  // Two entries per model, as on OpenRouter: `<id>` over its paid endpoints, then `<id>:free`
  // over its free ones (Endpoint::free), each listed when it has an enabled endpoint.
  for (size_t k = 0; k < 2 * order.size(); ++k) {
    const Model& m = *order[k / 2];
    const bool free_variant = k % 2 == 1;
    // The endpoint that represents the entry: the cheapest paid one; of the free ones, the one
    // with the longest context (the free entry's context length, as OpenRouter's is its own).
    const Endpoint* shown = nullptr;
    params.clear();
    for (uint32_t i : m.endpoints) {
      const Endpoint& e = endpoints_[i];
      if (!e.enabled || e.free != free_variant) continue;
      if (query.endpoint_filter && !query.endpoint_filter(e)) continue;
      if (!shown || (free_variant ? e.context_length > shown->context_length
                                  : e.prices.prompt + e.prices.completion <
                                        shown->prices.prompt + shown->prices.completion)) {
        shown = &e;
      }
      params.insert(params.end(), e.supported_parameters.begin(), e.supported_parameters.end());
    }
    if (!shown) continue;  // nothing to route to
    if (params.empty()) params.assign(m.supported_parameters.begin(), m.supported_parameters.end());
    std::sort(params.begin(), params.end());
    params.erase(std::unique(params.begin(), params.end()), params.end());

    bool ok = std::all_of(want_params.begin(), want_params.end(), [&](std::string_view p) {
      return std::binary_search(params.begin(), params.end(), p);
    });
    ok = ok && std::all_of(want_inputs.begin(), want_inputs.end(),
                           [&](std::string_view x) { return Contains(m.input_modalities, x); });
    ok = ok && (any_output ||
                std::any_of(want_outputs.begin(), want_outputs.end(),
                            [&](std::string_view x) { return Contains(m.output_modalities, x); }));
    if (!ok) continue;

    std::string id = m.id, name = m.name;
    if (free_variant) id += ":free", name += " (free)";
    Json supported = Json::array();
    for (std::string_view p : params) supported.push_back(std::string(p));
    data.push_back(Json{
        {"id", std::move(id)},
        {"canonical_slug", m.canonical_slug},
        {"hugging_face_id", nullptr},
        {"name", std::move(name)},
        {"created", m.created},
        {"description", m.description},
        {"context_length", free_variant ? shown->context_length : m.context_length},
        {"architecture", Architecture(m)},
        {"pricing", Pricing(shown->prices)},
        {"top_provider",
         {{"context_length", shown->context_length},
          {"max_completion_tokens", NullableCount(shown->max_completion_tokens)},
          {"is_moderated", m.is_moderated}}},
        {"per_request_limits", nullptr},
        {"supported_parameters", std::move(supported)},
        {"default_parameters", Json::object()},
        {"supported_voices", nullptr},
        {"knowledge_cutoff", nullptr},
        {"expiration_date", nullptr},
        {"links", {{"details", "/api/v1/models/" + m.canonical_slug + (free_variant ? ":free/endpoints" : "/endpoints")}}},
    });
  }
  // Paging (links, total_count) is the host's: the edge worker adds it (js/src/worker/api.js).
  return Json{{"data", std::move(data)}};
}

// One entry of an endpoints list (PublicEndpoint): `id` is the model entry it belongs to (`<id>`
// or `<id>:free`).
Json Catalog::RenderEndpoint(const Endpoint& e, const std::string& id, const Model& m,
                             const EndpointStatsFn& stats) const {
  const Provider& p = providers_[e.provider];
  std::optional<EndpointHealth> h;
  if (stats) h = stats(e.index);
  // Every price that can apply, so a client can recompute any charge: the 1-hour cache write
  // and the long-context tiers (each from its min_prompt_tokens, inclusive) besides the base.
  Json pricing = Pricing(e.prices);
  if (e.prices.has_cache_write) pricing["input_cache_write_1h"] = FormatUsd(e.prices.cache_write_1h);
  pricing["discount"] = 0;
  if (!e.tiers.empty()) {
    Json tiers = Json::array();
    for (const PriceTier& t : e.tiers) {
      Json tier_pricing = Pricing(t.prices);
      if (t.prices.has_cache_write) {
        tier_pricing["input_cache_write_1h"] = FormatUsd(t.prices.cache_write_1h);
      }
      tiers.push_back(Json{{"min_prompt_tokens", t.min_prompt_tokens},
                           {"pricing", std::move(tier_pricing)}});
    }
    pricing["tiers"] = std::move(tiers);
  }
  // Every tool_choice form (auto, none, required, a named function) is translated to each
  // wire format, so an endpoint that takes tool_choice takes all four.
  const bool tool_choice = Contains(e.supported_parameters, "tool_choice");
  Json out{
      {"name", p.name + " | " + id},
      {"model_id", m.canonical_slug},
      {"model_name", m.name},
      {"context_length", e.context_length},
      {"pricing", std::move(pricing)},
      {"provider_name", p.name},
      {"tag", e.tag},
      {"quantization", e.quantization},
      {"max_completion_tokens", NullableCount(e.max_completion_tokens)},
      {"max_prompt_tokens", nullptr},
      {"supported_parameters", e.supported_parameters},
      {"status", 0},
      {"uptime_last_5m", h ? Number(h->uptime_5m) : Json(nullptr)},
      {"uptime_last_30m", h ? Number(h->uptime_30m) : Json(nullptr)},
      {"uptime_last_1d", h ? Number(h->uptime_1d) : Json(nullptr)},
      {"latency_last_30m", h ? PercentilesJson(h->latency_30m) : Json(nullptr)},
      {"throughput_last_30m", h ? PercentilesJson(h->throughput_30m) : Json(nullptr)},
      // Caching without request markup: providers that bill cached input (a stated cache-read
      // price) other than Anthropic, whose caching needs explicit cache_control blocks.
      {"supports_implicit_caching", e.prices.has_cache_read && p.wire != WireFormat::kAnthropic},
  };
  Json& choices = out["supports_tool_choice"];
  for (const char* form : {"auto", "function", "none", "required"}) choices[form] = tool_choice;
  return out;
}

Result<Json> Catalog::RenderEndpoints(std::string_view model_id) const {
  return RenderEndpoints(model_id, EndpointStatsFn());
}

Result<Json> Catalog::RenderEndpoints(std::string_view model_id,
                                      const EndpointStatsFn& stats) const {
  // `<id>:free` (or `<canonical slug>:free`) lists the model's free endpoints, `<id>` its paid
  // ones: the entries /models lists and the planner routes. Catalog ids never end in ":free".
  constexpr std::string_view kFree = ":free";
  const bool free_variant = model_id.size() > kFree.size() &&
                            model_id.substr(model_id.size() - kFree.size()) == kFree;
  const std::string_view base = model_id.substr(0, model_id.size() - (free_variant ? kFree.size() : 0));
  const Model* m = FindModel(base);
  if (!m) {
    auto it = model_by_canonical_slug_.find(base);
    if (it != model_by_canonical_slug_.end()) m = &models_[it->second];
  }
  auto listed = [&](bool free) {
    return m && std::any_of(m->endpoints.begin(), m->endpoints.end(), [&](uint32_t i) {
             return endpoints_[i].enabled && endpoints_[i].free == free;
           });
  };
  // An entry whose endpoints are all disabled is not listed by /models either.
  if (!listed(free_variant)) {
    std::string message = "No endpoints found for " + std::string(model_id.substr(0, 200));
    if (!free_variant && listed(true)) message += " (its free endpoints: " + m->id + ":free)";
    return Status::NotFound(std::move(message));
  }
  std::string id = m->id, name = m->name;
  if (free_variant) id += ":free", name += " (free)";

  Json list = Json::array();
  for (uint32_t i : m->endpoints) {
    const Endpoint& e = endpoints_[i];
    if (!e.enabled || e.free != free_variant) continue;
    list.push_back(RenderEndpoint(e, id, *m, stats));
  }
  return Json{{"data",
               {{"id", std::move(id)},
                {"name", std::move(name)},
                {"created", m->created},
                {"description", m->description},
                {"architecture", Architecture(*m)},
                {"endpoints", std::move(list)}}}};
}

Json Catalog::RenderZdrEndpoints(const EndpointStatsFn& stats) const {
  // Every enabled endpoint whose data policy is zero retention, model by model in catalog
  // order, each named by the entry /models lists it under.
  Json list = Json::array();
  for (const Model& m : models_) {
    for (uint32_t i : m.endpoints) {
      const Endpoint& e = endpoints_[i];
      if (!e.enabled || !e.data_policy.zdr) continue;
      list.push_back(RenderEndpoint(e, e.free ? m.id + ":free" : m.id, m, stats));
    }
  }
  return Json{{"data", std::move(list)}};
}

Json Catalog::RenderProviders() const {
  Json data = Json::array();
  for (const Provider& p : providers_) {
    data.push_back(Json{
        {"name", p.name},
        {"slug", p.slug},
        {"privacy_policy_url",
         p.privacy_policy_url.empty() ? Json(nullptr) : Json(p.privacy_policy_url)},
        {"terms_of_service_url", nullptr},
        {"status_page_url", nullptr},
    });
  }
  return Json{{"data", std::move(data)}};
}

namespace {

// A list filter of GET /models: an array of strings, or one comma-separated string as it
// appears in the query string.
Status ReadStringList(const Json& object, std::string_view key, std::vector<std::string>* out) {
  const Json* v = Find(object, key);
  if (v != nullptr && v->is_string()) {
    std::string_view s = v->get_ref<const std::string&>();
    while (!s.empty()) {
      size_t comma = s.find(',');
      std::string_view item = s.substr(0, comma);
      if (!item.empty()) out->emplace_back(item);
      if (comma == std::string_view::npos) break;
      s.remove_prefix(comma + 1);
    }
    return Status::Ok();
  }
  return JsonFields(object).StringList(key, 256, out);
}

}  // namespace

Result<ModelsQuery> ParseModelsQuery(const Json& query) {
  ModelsQuery q;
  SY_RETURN_IF_ERROR(ReadStringList(query, "supported_parameters", &q.supported_parameters));
  SY_RETURN_IF_ERROR(ReadStringList(query, "input_modalities", &q.input_modalities));
  SY_RETURN_IF_ERROR(ReadStringList(query, "output_modalities", &q.output_modalities));
  if (const Json* c = Find(query, "category"); c && !c->is_null()) {
    if (!c->is_string()) return Status::InvalidArgument("category must be a string", "category");
    q.category = c->get<std::string>();
  }
  return q;
}

}  // namespace switchyard
