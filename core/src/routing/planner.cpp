// The routing decision (REFERENCE §2–3): resolve models, filter each model's endpoints through
// policy and the request's requirements, then order the survivors. The hot path allocates only
// the plan's own vectors; no JSON is touched until RenderPlan.
#include "switchyard/routing/planner.h"

#include <algorithm>
#include <string>

#include "routing/planner_internal.h"

namespace switchyard {
namespace {

using std::string_view;

// splitmix64: a tiny, well-mixed PRNG whose output is identical in every build.
struct SplitMix64 {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

// High 64 bits of a 64×64 product, from 32-bit halves (no __int128 needed on wasm32).
uint64_t MulHi64(uint64_t a, uint64_t b) {
  uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32, b_lo = b & 0xffffffffu, b_hi = b >> 32;
  uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
  uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xffffffffu) + lo_hi;
  return hi_hi + (hi_lo >> 32) + (cross >> 32);
}

bool AnyMatches(const std::vector<std::string>& wanted, string_view tag) {
  for (const std::string& w : wanted) {
    if (SlugMatches(w, tag)) return true;
  }
  return false;
}

int OrderPosition(const std::vector<std::string>& order, string_view tag) {
  for (size_t i = 0; i < order.size() && i < 127; ++i) {
    if (SlugMatches(order[i], tag)) return static_cast<int>(i);
  }
  return -1;
}

bool EqualsIgnoreCase(string_view a, string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// One eligible endpoint and its ordering keys.
struct Candidate {
  uint32_t endpoint;
  uint32_t model;
  uint8_t candidate;      // index into Request::models
  uint8_t group;          // ordering group (a model, or 0 for partition "none")
  uint8_t byok;           // 0 = BYOK (first), 1 = not
  uint8_t degraded;       // 0 healthy, 1 degraded
  uint8_t sticky;         // 0 = sticky (first), 1 = not
  int8_t order_pos;       // provider.order position, -1 unlisted
  uint8_t steer;          // number of used capabilities it lacks (soft)
  uint8_t slow;           // misses a preferred latency/throughput cutoff (soft)
  uint64_t metric;        // the sort key (price, -throughput, latency)
  Picos price;            // prompt + completion per token (floored), for LB and ties
  uint16_t flags;
  uint32_t weight_ppm;
  SortBy sort;
};

// Everything before `metric`: equal prefixes form one load-balancing tier.
bool SamePrefix(const Candidate& a, const Candidate& b) {
  return a.group == b.group && a.byok == b.byok && a.degraded == b.degraded &&
         a.sticky == b.sticky && a.order_pos == b.order_pos && a.steer == b.steer &&
         a.slow == b.slow;
}

bool Before(const Candidate& a, const Candidate& b) {
  if (a.group != b.group) return a.group < b.group;
  if (a.byok != b.byok) return a.byok < b.byok;
  if (a.degraded != b.degraded) return a.degraded < b.degraded;
  if (a.sticky != b.sticky) return a.sticky < b.sticky;
  // Listed providers (0..n) before unlisted (-1).
  uint8_t pa = a.order_pos < 0 ? 255 : static_cast<uint8_t>(a.order_pos);
  uint8_t pb = b.order_pos < 0 ? 255 : static_cast<uint8_t>(b.order_pos);
  if (pa != pb) return pa < pb;
  if (a.steer != b.steer) return a.steer < b.steer;
  if (a.slow != b.slow) return a.slow < b.slow;
  if (a.metric != b.metric) return a.metric < b.metric;
  if (a.price != b.price) return a.price < b.price;
  return a.endpoint < b.endpoint;
}

// Percentile cutoffs against measured percentiles: latency must not exceed, throughput must
// reach. No data is no evidence: never penalised.
bool MissesMax(const PercentileCutoffs& c, const std::optional<Percentiles>& p) {
  if (!c.any() || !p) return false;
  return (c.p50 && p->p50 > *c.p50) || (c.p75 && p->p75 > *c.p75) ||
         (c.p90 && p->p90 > *c.p90) || (c.p99 && p->p99 > *c.p99);
}
bool MissesMin(const PercentileCutoffs& c, const std::optional<Percentiles>& p) {
  if (!c.any() || !p) return false;
  return (c.p50 && p->p50 < *c.p50) || (c.p75 && p->p75 < *c.p75) ||
         (c.p90 && p->p90 < *c.p90) || (c.p99 && p->p99 < *c.p99);
}

std::string Hex16(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<size_t>(i)] = kDigits[v & 15];
  return s;
}

// Capabilities the request uses that steer softly even without require_parameters.
ParamSet SteeringParams(const Request& r) {
  ParamSet s;
  if (r.has_tools) s.set(static_cast<size_t>(Param::kTools));
  if (r.tool_choice != ToolChoice::kAbsent && r.tool_choice != ToolChoice::kNone) {
    s.set(static_cast<size_t>(Param::kToolChoice));
  }
  if (r.response_format == "json_object" || r.response_format == "json_schema") {
    s.set(static_cast<size_t>(Param::kResponseFormat));
  }
  if (r.response_format == "json_schema") s.set(static_cast<size_t>(Param::kStructuredOutputs));
  return s;
}

struct Filters {
  const Request& req;
  const PolicyContext& ctx;
  bool zdr;
  bool deny;
  bool order_set;
  int64_t needed_tokens;
};

// Whether the account holds its own key (BYOK) for `provider`.
bool HasOwnKey(const PolicyContext& ctx, const Provider& provider) {
  for (const std::string& s : ctx.byok_providers) {
    if (EqualsIgnoreCase(s, provider.slug)) return true;
  }
  return false;
}

// The first rule that excludes `e`, or kEligible. Selection rules (which endpoints may serve at
// all: the catalog entry requested, operator, account policy, provider filters) come before the
// request's requirements, so an endpoint excluded by a requirement is one the request could have
// used: when nothing is left, any such exclusion makes it a 400 naming the requirement, otherwise
// a 404 (NoAttemptsError). Health never excludes: degraded endpoints are ordered last instead.
TraceReason Exclusion(const Catalog& catalog, const Filters& f, const Endpoint& e, Variant variant,
                      int64_t* a, int64_t* b) {
  const ProviderPreferences& p = f.req.provider;
  // First, because it decides which endpoints the requested entry has at all: `<id>:free` is
  // the free endpoints, every other name of the model the paid ones.
  if (variant == Variant::kFree) {
    if (!e.free) return TraceReason::kNotFree;
  } else if (e.free) {
    return TraceReason::kFreeVariantOnly;
  }
  if (!e.enabled && !(e.byok_only && HasOwnKey(f.ctx, catalog.provider_of(e)))) {
    return TraceReason::kDisabled;
  }
  if (f.ctx.allowed_providers && !AnyMatches(*f.ctx.allowed_providers, e.tag)) {
    return TraceReason::kNotAllowedByAccount;
  }
  if (AnyMatches(f.ctx.ignored_providers, e.tag)) return TraceReason::kIgnoredByAccount;
  if (!p.only.empty() && !AnyMatches(p.only, e.tag)) return TraceReason::kNotInOnly;
  if (AnyMatches(p.ignore, e.tag)) return TraceReason::kIgnored;
  if (!p.allow_fallbacks && f.order_set && !AnyMatches(p.order, e.tag)) {
    return TraceReason::kNotInOrder;
  }

  if (f.zdr && !e.data_policy.zdr) {
    *a = (f.req.provider.zdr ? 1 : 0) | (f.ctx.zdr ? 2 : 0);
    return TraceReason::kZdr;
  }
  if (f.deny && e.data_policy.training) {
    *a = (f.req.provider.data_collection_deny ? 1 : 0) | (f.ctx.data_collection_deny ? 2 : 0);
    return TraceReason::kDataCollection;
  }
  if (!p.quantizations.empty()) {
    string_view q = e.quantization.empty() ? string_view("unknown") : string_view(e.quantization);
    bool found = false;
    for (const std::string& want : p.quantizations) found = found || EqualsIgnoreCase(want, q);
    if (!found) return TraceReason::kQuantization;
  }
  if (p.max_price.any()) {
    const Prices& pr = catalog.PricesFor(e, f.req.estimated_prompt_tokens);
    const MaxPrice& m = p.max_price;
    if (m.prompt && pr.prompt > *m.prompt) {
      *a = pr.prompt, *b = *m.prompt;
      return TraceReason::kMaxPricePrompt;
    }
    if (m.completion && pr.completion > *m.completion) {
      *a = pr.completion, *b = *m.completion;
      return TraceReason::kMaxPriceCompletion;
    }
    if (m.request && pr.request > *m.request) {
      *a = pr.request, *b = *m.request;
      return TraceReason::kMaxPriceRequest;
    }
    if (m.image && pr.image > *m.image) {
      *a = pr.image, *b = *m.image;
      return TraceReason::kMaxPriceImage;
    }
  }
  if (p.require_parameters) {
    ParamSet missing = f.req.params & ~e.params;
    if (missing.any()) {
      *a = static_cast<int64_t>(missing.to_ullong());
      return TraceReason::kMissingParameters;
    }
  }
  if (f.req.max_tokens && e.max_completion_tokens > 0 && *f.req.max_tokens > e.max_completion_tokens) {
    *a = *f.req.max_tokens, *b = e.max_completion_tokens;
    return TraceReason::kMaxTokensTooLarge;
  }
  // With context compression the prompt is cut to fit (request.h FitContext).
  if (FitContext(f.req, f.needed_tokens, e.context_length) == ContextFit::kTooLong) {
    *a = f.needed_tokens, *b = e.context_length;
    return TraceReason::kContextTooSmall;
  }
  return TraceReason::kEligible;
}

// The weighted first choice of a load-balancing tier [begin, end): weight ∝ 1/price². Integer
// arithmetic only: a_i = floor(2^28 · p_min / p_i), w_i = a_i², so w ≤ 2^56 and a sum over up to
// 128 candidates fits in 64 bits; the draw is ⌊rand · total / 2^64⌋ (unbiased to 2^-64).
size_t WeightedDraw(Candidate* begin, Candidate* end, SplitMix64* rng, uint32_t* ppm) {
  size_t n = static_cast<size_t>(end - begin);
  Picos p_min = begin->price;
  for (Candidate* c = begin; c != end; ++c) p_min = std::min(p_min, c->price);
  uint64_t weights[128];
  uint64_t total = 0;
  for (size_t i = 0; i < n && i < 128; ++i) {
    uint64_t a = (static_cast<uint64_t>(p_min) << 28) / static_cast<uint64_t>(begin[i].price);
    weights[i] = a * a;
    total += weights[i];
  }
  if (n > 128) n = 128;
  uint64_t r = MulHi64(rng->Next(), total);
  size_t pick = n - 1;
  uint64_t acc = 0;
  for (size_t i = 0; i < n; ++i) {
    acc += weights[i];
    if (r < acc) {
      pick = i;
      break;
    }
  }
  // Display only (the share in the trace); the decision above is integer.
  *ppm = static_cast<uint32_t>(static_cast<double>(weights[pick]) / static_cast<double>(total) * 1e6 + 0.5);
  return pick;
}

Status UnsupportedVariant(const ModelRef& ref, size_t i) {
  std::string field = i == 0 ? "model" : "models";
  return Status::InvalidArgument("model variant \":" + ref.suffix + "\" (in \"" + ref.requested +
                                     "\") is not supported yet; supported variants are :free, "
                                     ":nitro and :floor",
                                 field);
}

// A model of the other kind than the request (an embeddings model named in a chat request, or a
// chat model in an embeddings request): 400, never routed.
bool IsEmbeddingsModel(const Model& m) {
  return std::find(m.output_modalities.begin(), m.output_modalities.end(), "embeddings") !=
         m.output_modalities.end();
}
Status WrongKind(const Request& req, const ModelRef& ref, size_t i) {
  std::string field = i == 0 ? "model" : "models";
  if (req.kind == RequestKind::kEmbeddings) {
    return Status::InvalidArgument("\"" + ref.requested + "\" is not an embeddings model", field);
  }
  return Status::InvalidArgument("\"" + ref.requested +
                                     "\" is an embeddings model: send it to POST /api/v1/embeddings",
                                 field);
}

}  // namespace

Result<Plan> MakePlan(const Catalog& catalog, const Request& req, const PolicyContext& ctx,
                      const Health& health, const PlanOptions& options) {
  const ProviderPreferences& pp = req.provider;
  Plan plan;
  plan.requested_model = req.model.empty() && !req.models.empty() ? req.models[0].requested : req.model;
  plan.requested_models.reserve(req.models.size());
  for (const ModelRef& m : req.models) plan.requested_models.push_back(m.requested);
  plan.estimated_prompt_tokens = req.estimated_prompt_tokens;
  plan.max_tokens = req.max_tokens;
  plan.stream = req.stream;
  plan.trace.reserve(16);

  Filters f{req, ctx, pp.zdr || ctx.zdr, pp.data_collection_deny || ctx.data_collection_deny,
            !pp.order.empty(),
            req.kind == RequestKind::kEmbeddings  // each input must fit the context on its own
                ? req.embeddings.largest_input_tokens
                : req.estimated_prompt_tokens + req.max_tokens.value_or(0)};

  // Stickiness does not apply when the caller fixed the order of providers (nor to embeddings:
  // there is no prompt cache to keep warm).
  if (!f.order_set && req.kind == RequestKind::kChat) {
    std::string conv = ctx.account_id;
    conv += '\x1f';
    if (!req.session_id.empty()) {
      conv += 's';
      conv += req.session_id;
    } else {
      conv += 'h';
      conv += Hex16(req.conversation_hash);
    }
    plan.sticky_key = "sk_" + Hex16(Fnv1a64(conv));
  }

  const ParamSet steer_params = SteeringParams(req);
  const bool large_max_tokens = req.max_tokens && *req.max_tokens > kLargeMaxTokens;
  const bool want_perf = pp.preferred_max_latency_ms.any() || pp.preferred_min_throughput.any();

  std::vector<Candidate> cands;
  cands.reserve(16);
  std::vector<SortBy> group_sort;  // per group
  group_sort.reserve(req.models.size());
  bool any_model = false;
  size_t group_count = 0;

  for (size_t ci = 0; ci < req.models.size() && ci < 255; ++ci) {
    const ModelRef& ref = req.models[ci];
    const uint8_t cand_index = static_cast<uint8_t>(ci);
    // The whole id first (a catalog model may carry a colon, though never a `:free` suffix),
    // then without the suffix.
    const Model* model = catalog.FindModel(ref.requested);
    Variant variant = Variant::kNone;
    if (!model && ref.variant != Variant::kNone) {
      model = catalog.FindModel(ref.id);
      variant = ref.variant;
      if (model && variant == Variant::kOther) return UnsupportedVariant(ref, ci);
    }
    if (!model) {
      plan.trace.push_back({kNoModel, kNoEndpoint, cand_index, TraceDecision::kExcluded,
                            TraceReason::kModelNotFound});
      continue;
    }
    if (IsEmbeddingsModel(*model) != (req.kind == RequestKind::kEmbeddings)) {
      return WrongKind(req, ref, ci);
    }
    if (ctx.allowed_models &&
        std::find(ctx.allowed_models->begin(), ctx.allowed_models->end(), model->id) ==
            ctx.allowed_models->end()) {
      plan.trace.push_back({model->index, kNoEndpoint, cand_index, TraceDecision::kExcluded,
                            TraceReason::kModelNotAllowed});
      continue;
    }
    any_model = true;
    if (model->endpoints.empty()) {
      plan.trace.push_back({model->index, kNoEndpoint, cand_index, TraceDecision::kExcluded,
                            TraceReason::kModelNoEndpoints});
      continue;
    }

    SortBy sort = pp.sort;
    if (sort == SortBy::kNone && variant == Variant::kNitro) sort = SortBy::kThroughput;
    if (sort == SortBy::kNone && variant == Variant::kFloor) sort = SortBy::kPrice;
    const uint8_t group = pp.sort_partition_none && pp.sort != SortBy::kNone
                              ? 0
                              : static_cast<uint8_t>(group_count);
    const size_t first = cands.size();

    for (uint32_t ei : model->endpoints) {
      const Endpoint& e = catalog.endpoint(ei);
      int64_t a = 0, b = 0;
      TraceReason why = Exclusion(catalog, f, e, variant, &a, &b);
      if (why != TraceReason::kEligible) {
        plan.trace.push_back({model->index, ei, cand_index, TraceDecision::kExcluded, why, a, b});
        continue;
      }
      plan.trace.push_back({model->index, ei, cand_index, TraceDecision::kIncluded,
                            TraceReason::kEligible});

      Candidate c{};
      c.endpoint = ei;
      c.model = model->index;
      c.candidate = cand_index;
      c.group = group;
      const Prices& pr = catalog.PricesFor(e, req.estimated_prompt_tokens);
      c.price = std::clamp<Picos>(pr.prompt + pr.completion, kFreePriceFloor, kMaxPlanningPrice);

      const bool byok = HasOwnKey(ctx, catalog.provider_of(e));
      c.byok = byok ? 0 : 1;
      if (byok) c.flags |= kAttemptByok;

      EndpointHealth h = health.Get(ei, options.now_ms);
      c.degraded = h.degraded() ? 1 : 0;
      if (h.degraded()) {
        c.flags |= kAttemptDegraded;
        int64_t bits = (h.outage ? 1 : 0) | (h.circuit_open ? 2 : 0) | (h.cooling_down ? 4 : 0);
        plan.trace.push_back({model->index, ei, cand_index, TraceDecision::kOrdered,
                              TraceReason::kOrderDegraded, bits});
      }
      c.sticky = 1;
      c.order_pos = static_cast<int8_t>(f.order_set ? OrderPosition(pp.order, e.tag) : -1);
      if (c.order_pos >= 0) c.flags |= kAttemptOrdered;

      ParamSet lacking = steer_params & ~e.params;
      c.steer = static_cast<uint8_t>(lacking.count());
      // A large max_tokens prefers endpoints known to produce that much.
      const bool unknown_limit = large_max_tokens && e.max_completion_tokens == 0;
      if (unknown_limit) ++c.steer;
      // Held only compressed (context compression): after every endpoint holding it whole.
      if (FitContext(req, f.needed_tokens, e.context_length) == ContextFit::kCompressed) {
        c.steer = static_cast<uint8_t>(std::min(255, c.steer + 64));
        plan.trace.push_back({model->index, ei, cand_index, TraceDecision::kOrdered,
                              TraceReason::kOrderCompressed, f.needed_tokens, e.context_length});
      }
      if (c.steer) c.flags |= kAttemptSteeredDown;
      if (lacking.any() || unknown_limit) {
        plan.trace.push_back({model->index, ei, cand_index, TraceDecision::kOrdered,
                              TraceReason::kOrderSteered, static_cast<int64_t>(lacking.to_ullong()),
                              unknown_limit ? *req.max_tokens : 0});
      }
      if (want_perf && (MissesMax(pp.preferred_max_latency_ms, h.latency_30m) ||
                        MissesMin(pp.preferred_min_throughput, h.throughput_30m))) {
        c.slow = 1;
        c.flags |= kAttemptSlow;
        plan.trace.push_back({model->index, ei, cand_index, TraceDecision::kOrdered,
                              TraceReason::kOrderSlow});
      }

      switch (sort) {
        case SortBy::kThroughput:
          c.metric = h.throughput_30m ? static_cast<uint64_t>(INT64_MAX - std::max<int64_t>(0, h.throughput_30m->p50))
                                      : UINT64_MAX;
          break;
        case SortBy::kLatency:
          c.metric = h.latency_30m ? static_cast<uint64_t>(std::max<int64_t>(0, h.latency_30m->p50)) : UINT64_MAX;
          break;
        default:
          c.metric = static_cast<uint64_t>(c.price);
          break;
      }
      cands.push_back(c);
    }

    // Prompt-cache stickiness: back to the endpoint that served this conversation, while it is
    // eligible, healthy and its cache reads are cheaper than fresh input.
    if (options.stickiness && !plan.sticky_key.empty()) {
      if (auto sticky = options.stickiness->Lookup(plan.sticky_key, model->index, options.now_ms)) {
        for (size_t k = first; k < cands.size(); ++k) {
          Candidate& c = cands[k];
          if (c.endpoint != *sticky || c.degraded) continue;
          const Prices& pr = catalog.endpoint(c.endpoint).prices;
          if (pr.has_cache_read && pr.cache_read < pr.prompt) {
            c.sticky = 0;
            c.flags |= kAttemptSticky;
            plan.trace.push_back({model->index, c.endpoint, cand_index, TraceDecision::kOrdered,
                                  TraceReason::kOrderSticky});
          }
        }
      }
    }
    if (cands.size() > first) {
      group_sort.push_back(sort);
      if (group == group_count) ++group_count;
    }
  }

  if (cands.empty()) {
    return NoAttemptsError(catalog, req, plan, any_model);
  }

  std::sort(cands.begin(), cands.end(), Before);

  // Order explanation per group, then load balancing of the first tier of each group.
  SplitMix64 rng{options.seed};
  for (size_t begin = 0; begin < cands.size();) {
    size_t end = begin;
    while (end < cands.size() && cands[end].group == cands[begin].group) ++end;
    const Candidate& head = cands[begin];
    const SortBy sort = head.group < group_sort.size() ? group_sort[head.group] : pp.sort;
    if (f.order_set) {
      plan.trace.push_back({head.model, kNoEndpoint, head.candidate, TraceDecision::kOrdered,
                            TraceReason::kOrderProviderOrder});
    }
    if (sort != SortBy::kNone) {
      plan.trace.push_back({head.model, kNoEndpoint, head.candidate, TraceDecision::kOrdered,
                            TraceReason::kOrderSorted, static_cast<int64_t>(sort),
                            pp.sort_partition_none && pp.sort != SortBy::kNone ? 1 : 0});
      for (size_t k = begin; k < end; ++k) {
        cands[k].flags |= kAttemptSorted;
        cands[k].sort = sort;
      }
    } else if (!f.order_set) {
      size_t tier_end = begin + 1;
      while (tier_end < end && SamePrefix(cands[tier_end], head)) ++tier_end;
      // A tier of one has nothing to balance: no draw, no PRNG step.
      uint32_t ppm = 1'000'000;
      if (tier_end - begin > 1) {
        size_t pick = begin + WeightedDraw(&cands[begin], &cands[begin] + (tier_end - begin), &rng, &ppm);
        std::rotate(cands.begin() + static_cast<ptrdiff_t>(begin), cands.begin() + static_cast<ptrdiff_t>(pick),
                    cands.begin() + static_cast<ptrdiff_t>(pick) + 1);
        cands[begin].flags |= kAttemptLoadBalanced;
        cands[begin].weight_ppm = ppm;
      }
      for (size_t k = begin + 1; k < end; ++k) cands[k].flags |= kAttemptPriceFallback;
      plan.trace.push_back({cands[begin].model, cands[begin].endpoint, cands[begin].candidate,
                            TraceDecision::kOrdered, TraceReason::kOrderLoadBalanced, ppm,
                            static_cast<int64_t>(tier_end - begin)});
    } else {
      for (size_t k = begin; k < end; ++k) {
        if (cands[k].order_pos < 0) cands[k].flags |= kAttemptPriceFallback;
      }
    }
    begin = end;
  }

  // allow_fallbacks:false without order: only the first choice of each group is tried.
  const bool first_only = !pp.allow_fallbacks && !f.order_set;
  plan.attempts.reserve(cands.size());
  uint32_t last_group = 0xffffffffu;
  for (const Candidate& c : cands) {
    if (first_only && c.group == last_group) {
      plan.trace.push_back({c.model, c.endpoint, c.candidate, TraceDecision::kExcluded,
                            TraceReason::kFallbackDisabled});
      continue;
    }
    last_group = c.group;
    if (c.byok == 0) {
      plan.trace.push_back({c.model, c.endpoint, c.candidate, TraceDecision::kOrdered,
                            TraceReason::kOrderByok});
    }
    Attempt at;
    at.endpoint = c.endpoint;
    at.model = c.model;
    at.flags = c.flags;
    at.candidate = c.candidate;
    at.order_pos = c.order_pos;
    at.weight_ppm = c.weight_ppm;
    at.sort = c.sort;
    plan.attempts.push_back(at);
  }
  return plan;
}

bool PolicyAdmits(const Catalog& catalog, const PolicyContext& context, const Endpoint& e) {
  if (context.allowed_models) {
    const std::string& id = catalog.model_of(e).id;
    if (std::find(context.allowed_models->begin(), context.allowed_models->end(), id) ==
        context.allowed_models->end()) {
      return false;
    }
  }
  if (context.allowed_providers && !AnyMatches(*context.allowed_providers, e.tag)) return false;
  if (AnyMatches(context.ignored_providers, e.tag)) return false;
  if (context.zdr && !e.data_policy.zdr) return false;
  if (context.data_collection_deny && e.data_policy.training) return false;
  return true;
}

}  // namespace switchyard
