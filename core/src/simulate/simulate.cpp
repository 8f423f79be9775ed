// The routing simulator (simulate.h): scenario parsing, the event loop over the production
// planner / health / stickiness / cost code, and the report.
#include "switchyard/simulate/simulate.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <iterator>
#include <limits>
#include <queue>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "switchyard/health/health.h"
#include "switchyard/json/json.h"
#include "switchyard/money/money.h"
#include "switchyard/money/usage.h"
#include "switchyard/request/request.h"
#include "switchyard/routing/planner.h"
#include "switchyard/routing/session.h"
#include "switchyard/wire/wire.h"

namespace switchyard {

// ---- deterministic elementary functions ---------------------------------------------------------

namespace {

constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2, high bits (exact in 32 bits)
constexpr double kLn2Lo = 1.90821492927058770002e-10;  // ln 2 − kLn2Hi
constexpr double kLn2 = 0.69314718055994530942;
constexpr double kSqrtHalf = 0.70710678118654752440;

uint64_t Bits(double x) {
  uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}
double FromBits(uint64_t b) {
  double x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

}  // namespace

double SimLn(double x) {
  if (!(x > 0)) return x == 0 ? -std::numeric_limits<double>::infinity()
                              : std::numeric_limits<double>::quiet_NaN();
  if (x == std::numeric_limits<double>::infinity()) return x;
  int exponent = 0;
  if (x < 2.2250738585072014e-308) {  // subnormal: scale into the normal range first
    x *= 18014398509481984.0;          // 2^54
    exponent = -54;
  }
  uint64_t b = Bits(x);
  exponent += static_cast<int>((b >> 52) & 0x7ff) - 1023;
  double m = FromBits((b & 0x000fffffffffffffull) | 0x3ff0000000000000ull);  // [1, 2)
  if (m > 2 * kSqrtHalf) {  // keep m in [sqrt(1/2), sqrt(2)) so the series converges fast
    m *= 0.5;
    ++exponent;
  }
  // ln m = 2 atanh(s), s = (m − 1)/(m + 1), |s| < 0.1716: terms to s^29 reach 1e-22.
  double s = (m - 1) / (m + 1);
  double s2 = s * s;
  double term = s, sum = 0;
  for (int k = 1; k <= 29; k += 2) {
    sum += term / k;
    term *= s2;
  }
  return (exponent * kLn2Hi + 2 * sum) + exponent * kLn2Lo;
}

double SimExp(double x) {
  if (x != x) return x;
  if (x > 709.78) return std::numeric_limits<double>::infinity();
  if (x < -708.39) return 0;
  // x = k ln2 + r, |r| <= ln2 / 2; e^r by its Taylor series (terms to r^17 reach 1e-19).
  double kd = x / kLn2;
  int64_t k = static_cast<int64_t>(kd < 0 ? kd - 0.5 : kd + 0.5);
  double r = (x - static_cast<double>(k) * kLn2Hi) - static_cast<double>(k) * kLn2Lo;
  double term = 1, sum = 1;
  for (int n = 1; n <= 17; ++n) {
    term *= r / n;
    sum += term;
  }
  // Multiply by 2^k in two steps so that k = -1022 or 1023 never builds an out-of-range power.
  int64_t k1 = k / 2, k2 = k - k1;
  return sum * FromBits(static_cast<uint64_t>(k1 + 1023) << 52) *
         FromBits(static_cast<uint64_t>(k2 + 1023) << 52);
}

namespace {

// ---- random numbers: xoshiro256**, seeded by splitmix64 ----------------------------------------

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : s_) {
      seed += 0x9e3779b97f4a7c15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      word = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in (0, 1]: never 0, so its log is finite.
  double Unit() { return static_cast<double>((Next() >> 11) + 1) * 0x1.0p-53; }
  // Approximately standard normal (Irwin–Hall, 12 uniforms): bounded at ±6, enough for latency.
  double Normal() {
    double sum = 0;
    for (int i = 0; i < 12; ++i) sum += Unit();
    return sum - 6;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// ---- the scenario ------------------------------------------------------------------------------

// A failed attempt as the router classifies it (wire::ClassifyProviderError / TransportFailure):
// what Lifecycle reads of it besides the HTTP status.
struct SimError {
  Outcome outcome = Outcome::kRetry;
  int status = 502;  // the router's status for the attempt
  std::string error_type;
  bool model_fallback_eligible = false;
};

SimError SimErrorOf(ErrorClassification c) {
  return SimError{c.outcome, c.client_status, std::move(c.error_type), c.model_fallback_eligible};
}

struct Outage {
  int64_t start_ms = 0, end_ms = 0;
  int status = 503;
  std::string code;  // the provider's error code ("" none)
  SimError error;    // status + code classified as the router does (HTTP answers only)
};

struct Behaviour {
  double latency_ms = 500;
  double latency_jitter = 0.25;
  double tokens_per_s = 60;
  double error_rate = 0;
  double timeout_rate = 0;
  std::optional<int64_t> capacity_rps;
  int64_t retry_after_ms = 1000;
  std::vector<Outage> outages;
};

struct TrafficClass {
  std::string name;
  double rate_per_s = 0;
  Request request;
  std::optional<int64_t> prompt_tokens;
  int64_t completion_tokens = 200;
  int64_t conversations = 0;
  double cached_fraction = 0;  // of the prompt, read from the cache on a warm endpoint
};

struct Scenario {
  uint64_t seed = 1;
  int64_t start_ms = 1767225600000;  // 2026-01-01T00:00:00Z
  int64_t duration_ms = 0;
  int64_t bucket_ms = 0;
  int64_t timeout_ms = 60000;
  int64_t max_requests = kSimMaxRequests;
  PolicyContext context;
  std::vector<TrafficClass> traffic;
  Behaviour fallback;                       // "*"
  std::vector<Behaviour> by_provider;       // by catalog provider index
  std::vector<bool> provider_configured;
};

Result<Behaviour> ReadBehaviour(const Json& b, const Behaviour& base, std::string_view path,
                                int64_t duration_ms) {
  if (!b.is_object()) return FieldError(path, "must be an object");
  JsonFields f(b, std::string(path));
  SY_RETURN_IF_ERROR(f.OnlyKnown({"latency_ms", "latency_jitter", "tokens_per_s", "error_rate",
                                  "timeout_rate", "capacity_rps", "retry_after_ms", "outages"}));
  Behaviour out = base;
  SY_RETURN_IF_ERROR(f.Number("latency_ms", 0, 3'600'000, &out.latency_ms));
  SY_RETURN_IF_ERROR(f.Number("latency_jitter", 0, 3, &out.latency_jitter));
  SY_RETURN_IF_ERROR(f.Number("tokens_per_s", 0.001, 1e6, &out.tokens_per_s));
  SY_RETURN_IF_ERROR(f.Number("error_rate", 0, 1, &out.error_rate));
  SY_RETURN_IF_ERROR(f.Number("timeout_rate", 0, 1, &out.timeout_rate));
  if (out.error_rate + out.timeout_rate > 1) {
    return Status::InvalidArgument("error_rate + timeout_rate exceed 1 in " + std::string(path),
                                   f.Path("error_rate"));
  }
  if (const Json* cap = Find(b, "capacity_rps"); cap && cap->is_null()) out.capacity_rps.reset();
  SY_RETURN_IF_ERROR(f.Int("capacity_rps", 0, 10'000'000, &out.capacity_rps));
  SY_RETURN_IF_ERROR(f.Int("retry_after_ms", 0, 24LL * 3600 * 1000, &out.retry_after_ms));
  if (const Json* outages = f.Get("outages")) {
    std::string opath = f.Path("outages");
    if (!outages->is_array()) return FieldTypeError(opath, "an array", *outages);
    if (outages->size() > 100) return FieldError(opath, "has over 100 entries");
    out.outages.clear();
    for (size_t i = 0; i < outages->size(); ++i) {
      JsonFields o((*outages)[i], JsonPath(opath, i));
      if (!(*outages)[i].is_object()) return FieldError(o.path(), "must be an object");
      SY_RETURN_IF_ERROR(o.OnlyKnown({"start_ms", "end_ms", "status", "code"}));
      SY_RETURN_IF_ERROR(o.Required("start_ms"));
      SY_RETURN_IF_ERROR(o.Required("end_ms"));
      Outage outage;
      int64_t status = 503;
      SY_RETURN_IF_ERROR(o.Int("start_ms", 0, duration_ms, &outage.start_ms));
      SY_RETURN_IF_ERROR(o.Int("end_ms", 0, kSimMaxDurationMs, &outage.end_ms));
      SY_RETURN_IF_ERROR(o.Int("status", 0, 599, &status));
      if (outage.end_ms <= outage.start_ms) return o.Error("end_ms", "must be after start_ms");
      if (status != 0 && (status < 400 || status > 599))
        return o.Error("status", "must be 0 (connection refused) or 400..599");
      outage.status = static_cast<int>(status);
      if (o.Get("code")) {
        SY_RETURN_IF_ERROR(o.String("code", &outage.code, 64));
        if (status == 0 || status == 408)  // no answer arrives: nothing carries a code
          return o.Error("code", "needs an HTTP answer (a status other than 0 or 408)");
      }
      // The router's own classification of that answer: outcome, error_type and whether the
      // next `models` entry may follow (a 400 is the request's fault for every model; a 413 or a
      // "context_length_exceeded" / "content_filter" code may not be for the next one).
      if (status != 0 && status != 408)
        outage.error = SimErrorOf(ClassifyProviderError(outage.status, outage.code));
      out.outages.push_back(outage);
    }
  }
  return out;
}

Status Prefixed(Status status, std::string_view prefix) {
  if (status.metadata().is_object()) {
    if (auto field = FindString(status.metadata(), "field")) {
      std::string full = std::string(prefix) + "." + std::string(*field);
      Status out(status.code(), status.message(), status.metadata());
      out.mutable_metadata()["field"] = full;
      return out;
    }
  }
  return std::move(status).With("field", std::string(prefix));
}

Result<Scenario> ReadScenario(const Catalog& catalog, const Json& doc, const Json* presets) {
  if (!doc.is_object()) return Status::InvalidArgument("the scenario must be a JSON object");
  JsonFields f(doc);
  SY_RETURN_IF_ERROR(f.OnlyKnown({"seed", "start_ms", "duration_ms", "bucket_ms", "timeout_ms",
                                  "max_requests", "context", "traffic", "providers"}));
  Scenario s;
  if (const Json* seed = Find(doc, "seed")) {
    if (!seed->is_number_integer() || (!seed->is_number_unsigned() && seed->get<int64_t>() < 0))
      return Status::InvalidArgument("seed must be a non-negative integer", "seed");
    s.seed = seed->get<uint64_t>();
  }
  SY_RETURN_IF_ERROR(f.Int("start_ms", 0, 253402300799999, &s.start_ms));
  SY_RETURN_IF_ERROR(f.Required("duration_ms"));
  SY_RETURN_IF_ERROR(f.Int("duration_ms", 1, kSimMaxDurationMs, &s.duration_ms));
  s.bucket_ms = std::max<int64_t>(1, (s.duration_ms + 59) / 60);
  SY_RETURN_IF_ERROR(f.Int("bucket_ms", 1, kSimMaxDurationMs, &s.bucket_ms));
  if ((s.duration_ms + s.bucket_ms - 1) / s.bucket_ms > kSimMaxBuckets)
    return Status::InvalidArgument("bucket_ms gives more than 1000 buckets", "bucket_ms");
  SY_RETURN_IF_ERROR(f.Int("timeout_ms", 1, 3'600'000, &s.timeout_ms));
  SY_RETURN_IF_ERROR(f.Int("max_requests", 1, kSimMaxRequests, &s.max_requests));
  if (const Json* context = Find(doc, "context")) {
    // The planner's context reader ignores fields it does not know; a scenario refuses them
    // (a misspelt "ignored_provider" would otherwise simulate a different policy). Its own
    // errors already name "context.<field>".
    if (context->is_object()) {
      SY_RETURN_IF_ERROR(JsonFields(*context, "context")
                             .OnlyKnown(kPolicyContextFields, std::size(kPolicyContextFields)));
    }
    SY_ASSIGN_OR_RETURN(s.context, ParsePolicyContext(*context));
  }

  // Providers: "*" first, so the named ones start from it.
  s.by_provider.resize(catalog.providers().size());
  s.provider_configured.assign(catalog.providers().size(), false);
  const Json* providers = Find(doc, "providers");
  if (providers && !providers->is_object())
    return Status::InvalidArgument("providers must be an object", "providers");
  if (providers) {
    if (const Json* star = Find(*providers, "*")) {
      SY_ASSIGN_OR_RETURN(s.fallback, ReadBehaviour(*star, Behaviour{}, "providers.*", s.duration_ms));
    }
  }
  for (Behaviour& b : s.by_provider) b = s.fallback;
  if (providers) {
    for (auto it = providers->begin(); it != providers->end(); ++it) {
      if (it.key() == "*") continue;
      std::string path = "providers." + it.key();
      const Provider* p = catalog.FindProvider(it.key());
      if (p == nullptr)
        return Status::InvalidArgument("no provider \"" + it.key() + "\" in the catalog", path);
      SY_ASSIGN_OR_RETURN(s.by_provider[p->index],
                          ReadBehaviour(*it, s.fallback, path, s.duration_ms));
      s.provider_configured[p->index] = true;
    }
  }

  const Json* traffic = Find(doc, "traffic");
  if (!traffic || !traffic->is_array() || traffic->empty())
    return Status::InvalidArgument("traffic must be a non-empty array", "traffic");
  if (traffic->size() > kSimMaxClasses)
    return Status::InvalidArgument("traffic has more than 64 classes", "traffic");
  double expected = 0;
  for (size_t i = 0; i < traffic->size(); ++i) {
    const Json& t = (*traffic)[i];
    std::string path = JsonPath("traffic", i);
    if (!t.is_object()) return FieldError(path, "must be an object");
    JsonFields tf(t, path);
    SY_RETURN_IF_ERROR(tf.OnlyKnown({"name", "rate_per_s", "request", "prompt_tokens",
                                     "completion_tokens", "conversations", "cached_fraction"}));
    TrafficClass c;
    c.name = "class" + std::to_string(i);
    SY_RETURN_IF_ERROR(tf.String("name", &c.name, 64));
    SY_RETURN_IF_ERROR(tf.Required("rate_per_s"));
    SY_RETURN_IF_ERROR(tf.Number("rate_per_s", 0, 100000, &c.rate_per_s));
    if (!(c.rate_per_s > 0)) return tf.Error("rate_per_s", "must be above 0");
    SY_RETURN_IF_ERROR(tf.Int("prompt_tokens", 0, 100'000'000, &c.prompt_tokens));
    SY_RETURN_IF_ERROR(tf.Int("completion_tokens", 0, 10'000'000, &c.completion_tokens));
    SY_RETURN_IF_ERROR(tf.Int("conversations", 0, 1'000'000, &c.conversations));
    SY_RETURN_IF_ERROR(tf.Number("cached_fraction", 0, 1, &c.cached_fraction));
    const Json* request = Find(t, "request");
    if (!request || !request->is_object())
      return Status::InvalidArgument(path + ".request must be an object", path + ".request");
    RequestOptions options;
    options.presets = presets;
    Result<Request> parsed = ParseRequestJson(*request, options);
    if (!parsed.ok()) return Prefixed(parsed.take_status(), path + ".request");
    c.request = std::move(*parsed);
    expected += c.rate_per_s * (static_cast<double>(s.duration_ms) / 1000.0);
    s.traffic.push_back(std::move(c));
  }
  if (expected > static_cast<double>(s.max_requests)) {
    return Status(Code::kTooLarge,
                  "the scenario expects more requests than max_requests allows",
                  Json{{"expected_requests", static_cast<int64_t>(expected)},
                       {"max_requests", s.max_requests}});
  }
  return s;
}

// ---- the simulation ----------------------------------------------------------------------------

enum class SimResult : uint8_t { kOk, kHttp429, kHttp4xx, kHttp5xx, kTimeout, kConnection };

const char* ResultName(SimResult r) {
  switch (r) {
    case SimResult::kOk: return "ok";
    case SimResult::kHttp429: return "http_429";
    case SimResult::kHttp4xx: return "http_4xx";
    case SimResult::kHttp5xx: return "http_5xx";
    case SimResult::kTimeout: return "timeout";
    case SimResult::kConnection: return "connection";
  }
  return "connection";
}

struct SampleAttempt {
  uint32_t endpoint;
  int64_t start_ms, end_ms;
  int status;
  SimResult result;
};

struct Sample {
  int64_t t_ms = 0;
  uint32_t cls = 0;
  std::string outcome;
  std::string error;
  std::vector<SampleAttempt> attempts;
  Picos cost = 0;
};

// One request in flight. Slots are reused and never move (a deque), since the request's
// Lifecycle borrows the plan the slot owns.
struct InFlight {
  uint32_t cls = 0;
  int64_t arrive_us = 0;
  Plan plan;                       // the request's plan, owned for its life
  std::optional<Lifecycle> life;   // the production decisions over it (session.h)
  bool sticky = false;             // the class has conversations: stickiness applies
  int64_t prompt_tokens = 0;
  int32_t sample = -1;
  // The attempt running.
  uint32_t attempt = 0;            // index into plan.attempts
  int64_t start_us = 0;
  int status = 0;                  // the upstream's HTTP status, 0 when none arrived
  SimResult result = SimResult::kOk;
  const SimError* error = nullptr;  // how the router classifies it (not kOk)
  int64_t latency_ms = 0;
  int64_t retry_after_ms = 0;
};

struct Event {
  int64_t t_us;
  uint64_t seq;
  uint32_t kind;  // 0 arrival (id = class), 1 attempt end (id = slot)
  uint32_t id;
  bool operator>(const Event& o) const { return t_us != o.t_us ? t_us > o.t_us : seq > o.seq; }
};

struct Tally {
  int64_t attempts = 0, succeeded = 0, failed = 0, rate_limited = 0;
  Picos cost = 0;
  std::vector<int32_t> latencies;  // successful attempts, ms
};

struct ClassTally {
  int64_t requests = 0, succeeded = 0, failed = 0, fallbacks = 0, cache_hits = 0;
  Picos cost = 0;
  std::vector<int32_t> latencies;  // arrival → end of the successful attempt, ms
};

int32_t ClampMs(int64_t ms) {
  return static_cast<int32_t>(std::clamp<int64_t>(ms, 0, std::numeric_limits<int32_t>::max()));
}

// Nearest-rank percentile of a sorted vector.
int64_t Rank(const std::vector<int32_t>& sorted, int pct) {
  size_t n = sorted.size();
  size_t rank = (n * static_cast<size_t>(pct) + 99) / 100;
  return sorted[std::max<size_t>(rank, 1) - 1];
}

Json LatencyJson(std::vector<int32_t>& v, bool full) {
  if (v.empty()) return nullptr;
  std::sort(v.begin(), v.end());
  Json out = Json::object();
  out["p50"] = Rank(v, 50);
  if (full) out["p90"] = Rank(v, 90);
  out["p99"] = Rank(v, 99);
  if (full) out["max"] = static_cast<int64_t>(v.back());
  return out;
}

class Simulation {
 public:
  Simulation(const Catalog& catalog, Scenario scenario)
      : catalog_(catalog),
        s_(std::move(scenario)),
        arrival_rng_(s_.seed),
        routing_(s_.seed + 0x632be59bd9b4e019ull),
        outcomes_(s_.seed + 0x85157af5a0b2c3d1ull) {
    size_t buckets = static_cast<size_t>((s_.duration_ms + s_.bucket_ms - 1) / s_.bucket_ms);
    series_requests_.assign(buckets, 0);
    series_succeeded_.assign(buckets, 0);
    series_failed_.assign(buckets, 0);
    series_cost_.assign(buckets, 0);
    providers_.resize(catalog.providers().size());
    series_provider_attempts_.resize(catalog.providers().size());
    series_provider_failed_.resize(catalog.providers().size());
    classes_.resize(s_.traffic.size());
    window_.assign(catalog.providers().size(), {INT64_MIN, 0});
    // The simulator's own failures, classified once by the router's classification.
    error_500_ = SimErrorOf(ClassifyProviderError(500, ""));
    error_429_ = SimErrorOf(ClassifyProviderError(429, ""));
    for (auto [kind, error] : {std::pair{"timeout", &error_timeout_},
                               std::pair{"connection", &error_connection_}}) {
      AttemptResult r = TransportFailure(AttemptSpec{}, kind, "");
      *error = SimError{r.outcome, r.client_status, std::move(r.error_type),
                        r.model_fallback_eligible};
    }
  }

  Result<Json> Run() {
    end_us_ = s_.duration_ms * 1000;
    for (uint32_t c = 0; c < s_.traffic.size(); ++c) ScheduleArrival(c, 0);
    while (!queue_.empty()) {
      Event e = queue_.top();
      queue_.pop();
      ++events_;
      if (e.kind == 0) {
        Arrive(e.id, e.t_us);
        ScheduleArrival(e.id, e.t_us);
      } else {
        SY_RETURN_IF_ERROR(EndAttempt(e.id, e.t_us));
      }
    }
    return Report();
  }

 private:
  int64_t NowMs(int64_t t_us) const { return s_.start_ms + t_us / 1000; }
  size_t Bucket(int64_t t_us) const {
    int64_t b = t_us / 1000 / s_.bucket_ms;
    return static_cast<size_t>(std::min<int64_t>(b, static_cast<int64_t>(series_requests_.size()) - 1));
  }
  void Push(int64_t t_us, uint32_t kind, uint32_t id) { queue_.push({t_us, seq_++, kind, id}); }

  void ScheduleArrival(uint32_t cls, int64_t from_us) {
    if (arrivals_ >= hard_cap()) {
      truncated_ = true;
      return;
    }
    double gap_s = -SimLn(arrival_rng_.Unit()) / s_.traffic[cls].rate_per_s;
    double gap_us = std::min(gap_s * 1e6, static_cast<double>(end_us_) + 1);
    int64_t t = from_us + static_cast<int64_t>(gap_us);
    if (t >= end_us_) return;  // arrivals stop at duration_ms; attempts in flight finish
    ++arrivals_;
    Push(t, 0, cls);
  }
  // Poisson arrivals may exceed their expectation; this many are never exceeded.
  int64_t hard_cap() const { return s_.max_requests + s_.max_requests / 4 + 100; }

  uint32_t NewSlot() {
    if (!free_.empty()) {
      uint32_t slot = free_.back();
      free_.pop_back();
      return slot;
    }
    slots_.emplace_back();
    return static_cast<uint32_t>(slots_.size() - 1);
  }
  void Release(uint32_t slot) {
    // The plan's buffers stay with the slot until the next request's plan replaces them.
    slots_[slot].life.reset();
    free_.push_back(slot);
  }

  void Arrive(uint32_t cls, int64_t t_us) {
    TrafficClass& c = s_.traffic[cls];
    ClassTally& tally = classes_[cls];
    ++tally.requests;
    ++requests_;
    size_t bucket = Bucket(t_us);
    ++series_requests_[bucket];
    if (c.conversations > 0) {
      uint64_t conversation = arrival_rng_.Next() % static_cast<uint64_t>(c.conversations);
      c.request.session_id = "sim-" + std::to_string(cls) + "-" + std::to_string(conversation);
    }
    PlanOptions options;
    options.now_ms = NowMs(t_us);
    options.seed = routing_.Next();
    // conversations 0: every request is a conversation of its own, so stickiness never applies
    // (the one request template would otherwise make every request the same conversation).
    options.stickiness = c.conversations > 0 ? &stickiness_ : nullptr;
    Result<Plan> plan = MakePlan(catalog_, c.request, s_.context, health_, options);
    int32_t sample = -1;
    if (samples_.size() < kSimSamples) {
      samples_.emplace_back();
      samples_.back().t_ms = t_us / 1000;
      samples_.back().cls = cls;
      sample = static_cast<int32_t>(samples_.size() - 1);
    }
    if (!plan.ok() || plan->attempts.empty()) {
      ++no_route_;
      ++failed_;
      ++tally.failed;
      ++series_failed_[bucket];
      if (sample >= 0) {
        samples_[sample].outcome = "no_route";
        samples_[sample].error = plan.ok() ? "no attempts" : plan.status().message();
      }
      return;
    }
    uint32_t slot = NewSlot();
    InFlight& f = slots_[slot];
    f.cls = cls;
    f.arrive_us = t_us;
    f.sample = sample;
    f.sticky = c.conversations > 0;
    f.prompt_tokens = c.prompt_tokens.value_or(plan->estimated_prompt_tokens);
    f.plan = std::move(*plan);
    // The router's lifecycle decides every attempt from here: which runs next (plan order minus
    // skipped models), the half-open trial, what Health hears, stickiness on success.
    f.life.emplace(f.plan, &health_, f.sticky ? &stickiness_ : nullptr);
    std::optional<uint32_t> first = f.life->Next();
    StartAttempt(slot, *first, t_us);  // a plan with attempts has a first one
  }

  const Behaviour& BehaviourOf(uint32_t provider) const { return s_.by_provider[provider]; }

  // Draws the attempt's outcome from its provider's behaviour at its start and schedules its end.
  void StartAttempt(uint32_t slot, uint32_t attempt, int64_t t_us) {
    InFlight& f = slots_[slot];
    f.attempt = attempt;
    const uint32_t endpoint_index = f.plan.attempts[attempt].endpoint;
    const Endpoint& endpoint = catalog_.endpoint(endpoint_index);
    uint32_t provider = endpoint.provider;
    const Behaviour& b = BehaviourOf(provider);
    Tally& tally = providers_[provider];
    f.life->Start(attempt, NowMs(t_us));
    ++tally.attempts;
    ++attempts_;
    ++SeriesOf(series_provider_attempts_, provider)[Bucket(t_us)];

    int64_t rel_ms = t_us / 1000;
    f.start_us = t_us;
    f.retry_after_ms = 0;
    f.latency_ms = 0;
    f.error = nullptr;
    // A fast answer (outage, 429): a tenth of the median latency, at least 1 ms.
    int64_t fast_us = std::max<int64_t>(1000, static_cast<int64_t>(b.latency_ms * 100.0));
    int64_t duration_us = 0;
    const Outage* outage = nullptr;
    for (const Outage& o : b.outages) {
      if (rel_ms >= o.start_ms && rel_ms < o.end_ms) {
        outage = &o;
        break;
      }
    }
    if (outage) {
      f.status = outage->status;
      duration_us = fast_us;
      if (outage->status == 0) {
        f.result = SimResult::kConnection;
        f.error = &error_connection_;
      } else if (outage->status == 408) {  // hangs until the deadline: no answer arrives
        f.result = SimResult::kTimeout;
        f.status = 0;
        f.error = &error_timeout_;
        duration_us = s_.timeout_ms * 1000;
      } else {
        f.result = outage->status == 429 ? SimResult::kHttp429
                   : outage->status < 500 ? SimResult::kHttp4xx
                                          : SimResult::kHttp5xx;
        f.error = &outage->error;
      }
    } else if (b.capacity_rps && OverCapacity(provider, rel_ms, *b.capacity_rps)) {
      f.status = 429;
      f.result = SimResult::kHttp429;
      f.error = &error_429_;
      f.retry_after_ms = b.retry_after_ms;
      duration_us = fast_us;
    } else {
      double u = outcomes_.Unit();
      double ttft_ms = b.latency_ms * SimExp(b.latency_jitter * outcomes_.Normal());
      int64_t ttft_us = static_cast<int64_t>(std::min(ttft_ms * 1000.0, 4e15));
      if (u <= b.timeout_rate || ttft_us >= s_.timeout_ms * 1000) {
        f.status = 0;
        f.result = SimResult::kTimeout;
        f.error = &error_timeout_;
        duration_us = s_.timeout_ms * 1000;
      } else if (u <= b.timeout_rate + b.error_rate) {
        f.status = 500;
        f.result = SimResult::kHttp5xx;
        f.error = &error_500_;
        duration_us = ttft_us;
      } else {
        const TrafficClass& c = s_.traffic[f.cls];
        double gen_us = static_cast<double>(c.completion_tokens) * 1e6 / b.tokens_per_s;
        f.status = 200;
        f.result = SimResult::kOk;
        duration_us = ttft_us + static_cast<int64_t>(std::min(gen_us, 4e15));
        bool stream = c.request.stream;
        f.latency_ms = (stream ? ttft_us : duration_us) / 1000;
      }
    }
    Push(t_us + std::max<int64_t>(duration_us, 1), 1, slot);
  }

  // Whether the provider has already accepted capacity attempts in this second.
  bool OverCapacity(uint32_t provider, int64_t rel_ms, int64_t capacity) {
    auto& [second, count] = window_[provider];
    int64_t now_second = rel_ms / 1000;
    if (second != now_second) {
      second = now_second;
      count = 0;
    }
    if (count >= capacity) return true;
    ++count;
    return false;
  }

  // The attempt's drawn end as the classified outcome Lifecycle reads (the one the wire layer
  // makes from bytes in the router). Reuses one object: no allocation per attempt.
  const AttemptOutcome& OutcomeOf(const InFlight& f, int64_t t_us) {
    AttemptOutcome& o = outcome_;
    const bool ok = f.result == SimResult::kOk;
    o.outcome = ok ? Outcome::kDone : f.error->outcome;
    o.status = ok ? 200 : f.error->status;
    if (ok) o.error_type.clear();
    else o.error_type = f.error->error_type;
    o.model_fallback_eligible = !ok && f.error->model_fallback_eligible;
    o.http_status = f.status;
    o.timeout = f.result == SimResult::kTimeout;
    o.connection_error = f.result == SimResult::kConnection;
    o.latency_ms = ok ? f.latency_ms : -1;
    o.duration_ms = (t_us - f.start_us) / 1000;
    o.output_tokens = ok ? s_.traffic[f.cls].completion_tokens : 0;
    o.retry_after_ms = f.retry_after_ms;
    return o;
  }

  Status EndAttempt(uint32_t slot, int64_t t_us) {
    InFlight& f = slots_[slot];
    const Attempt& attempt = f.plan.attempts[f.attempt];
    uint32_t endpoint_index = attempt.endpoint;
    const Endpoint& endpoint = catalog_.endpoint(endpoint_index);
    const TrafficClass& c = s_.traffic[f.cls];
    Tally& tally = providers_[endpoint.provider];
    int64_t now_ms = NowMs(t_us);

    if (f.sample >= 0 && samples_[f.sample].attempts.size() < 16) {
      samples_[f.sample].attempts.push_back(
          {endpoint_index, f.start_us / 1000, t_us / 1000, f.status, f.result});
    }
    // A cache hit: the conversation's previous success was on this very endpoint, recently
    // enough for stickiness still to remember it (its idle limit stands in for the cache's).
    // Looked up before Lifecycle records this success.
    bool cache_hit = false;
    if (f.result == SimResult::kOk && f.sticky) {
      std::optional<uint32_t> warm = stickiness_.Lookup(f.plan.sticky_key, attempt.model, now_ms);
      cache_hit = warm && *warm == endpoint_index;
    }
    const AttemptOutcome& outcome = OutcomeOf(f, t_us);
    const Verdict verdict = f.life->End(f.attempt, outcome, now_ms);
    ClassTally& ctally = classes_[f.cls];
    size_t bucket = Bucket(f.arrive_us);
    const bool fell_back = f.life->attempts_made() > 1;

    if (f.result == SimResult::kOk) {  // kServed: the simulator's client never leaves
      Usage usage;
      usage.prompt_tokens = f.prompt_tokens;
      usage.completion_tokens = c.completion_tokens;
      const Prices& prices = catalog_.PricesFor(endpoint, f.prompt_tokens);
      if (cache_hit) {
        ++ctally.cache_hits;
        ++cache_hits_;
        if (prices.has_cache_read) {
          usage.cached_tokens = static_cast<int64_t>(
              static_cast<double>(f.prompt_tokens) * c.cached_fraction);
        }
      }
      Result<Cost> cost = ComputeCost(usage, prices, CostOptions{});
      if (!cost.ok()) return cost.take_status();
      Picos charged = cost->charged;
      if (__builtin_add_overflow(cost_, charged, &cost_))
        return Status(Code::kTooLarge, "the simulated spend exceeds the picodollar range");
      tally.cost += charged;
      ctally.cost += charged;
      series_cost_[bucket] += charged;
      ++tally.succeeded;
      tally.latencies.push_back(ClampMs(outcome.duration_ms));
      ++succeeded_;
      ++ctally.succeeded;
      ++series_succeeded_[bucket];
      if (fell_back) {
        ++fallbacks_;
        ++ctally.fallbacks;
      }
      ctally.latencies.push_back(ClampMs((t_us - f.arrive_us) / 1000));
      latencies_.push_back(ClampMs((t_us - f.arrive_us) / 1000));
      if (f.sample >= 0) {
        samples_[f.sample].outcome = "ok";
        samples_[f.sample].cost = charged;
      }
      Release(slot);
      return Status::Ok();
    }

    ++tally.failed;
    switch (f.result) {
      case SimResult::kHttp429: ++fail_429_; ++tally.rate_limited; break;
      case SimResult::kHttp4xx: ++fail_4xx_; break;
      case SimResult::kHttp5xx: ++fail_5xx_; break;
      case SimResult::kTimeout: ++fail_timeout_; break;
      case SimResult::kConnection: ++fail_connection_; break;
      case SimResult::kOk: break;
    }
    ++SeriesOf(series_provider_failed_, endpoint.provider)[Bucket(f.start_us)];
    if (verdict == Verdict::kNextAttempt) {
      std::optional<uint32_t> next = f.life->Next();
      StartAttempt(slot, *next, t_us);  // kNextAttempt: Lifecycle has one
      return Status::Ok();
    }
    ++failed_;
    ++ctally.failed;
    if (fell_back) {
      ++fallbacks_;
      ++ctally.fallbacks;
    }
    ++series_failed_[bucket];
    if (f.sample >= 0) {
      samples_[f.sample].outcome = "failed";
      samples_[f.sample].error =
          outcome.outcome != Outcome::kFail ? std::string("every attempt failed")
          : outcome.model_fallback_eligible
              ? f.error->error_type + ": no other model to try"
              : f.error->error_type + ": the request's own fault, not retried";
    }
    Release(slot);
    return Status::Ok();
  }

  // A per-provider series, sized to the buckets on first use.
  std::vector<int64_t>& SeriesOf(std::vector<std::vector<int64_t>>& series, uint32_t provider) {
    std::vector<int64_t>& v = series[provider];
    if (v.empty()) v.assign(series_requests_.size(), 0);
    return v;
  }

  // The fields a provider row and a class row share.
  static Json Outcomes(int64_t succeeded, int64_t failed, Picos cost, Json latency) {
    Json row = Json::object();
    row["succeeded"] = succeeded;
    row["failed"] = failed;
    row["cost_picos"] = cost;
    row["cost_usd"] = FormatUsd(cost);
    row["latency_ms"] = std::move(latency);
    return row;
  }

  static Json Counts(const std::vector<int64_t>& v) {
    Json out = Json::array();
    out.reserve(v.size());
    for (int64_t x : v) out.push_back(x);
    return out;
  }

  Json Report() {
    Json report = Json::object();
    report["requests"] = requests_;
    report["succeeded"] = succeeded_;
    report["failed"] = failed_;
    report["attempts"] = attempts_;
    report["fallbacks"] = fallbacks_;
    report["no_route"] = no_route_;
    report["cache_hits"] = cache_hits_;
    report["truncated"] = truncated_;
    report["cost_picos"] = cost_;
    report["cost_usd"] = FormatUsd(cost_);
    report["latency_ms"] = LatencyJson(latencies_, true);
    report["failures"] = Json{{"http_429", fail_429_},
                              {"http_4xx", fail_4xx_},
                              {"http_5xx", fail_5xx_},
                              {"timeout", fail_timeout_},
                              {"connection", fail_connection_}};

    std::vector<uint32_t> used;
    for (uint32_t p = 0; p < providers_.size(); ++p) {
      if (providers_[p].attempts > 0) used.push_back(p);
    }
    std::sort(used.begin(), used.end(), [&](uint32_t a, uint32_t b) {
      if (providers_[a].attempts != providers_[b].attempts)
        return providers_[a].attempts > providers_[b].attempts;
      return catalog_.provider(a).slug < catalog_.provider(b).slug;
    });
    Json providers = Json::array();
    Json series_providers = Json::object();
    for (uint32_t p : used) {
      Tally& t = providers_[p];
      const Provider& provider = catalog_.provider(p);
      Json row = Outcomes(t.succeeded, t.failed, t.cost, LatencyJson(t.latencies, false));
      row["provider"] = provider.slug;
      row["name"] = provider.name;
      row["attempts"] = t.attempts;
      row["rate_limited"] = t.rate_limited;
      row["share"] = succeeded_ > 0 ? static_cast<double>(t.succeeded) / static_cast<double>(succeeded_)
                                    : 0.0;
      providers.push_back(std::move(row));
      series_providers[provider.slug] =
          Json{{"attempts", Counts(SeriesOf(series_provider_attempts_, p))},
               {"failed", Counts(SeriesOf(series_provider_failed_, p))}};
    }
    report["providers"] = std::move(providers);

    Json classes = Json::array();
    for (size_t i = 0; i < classes_.size(); ++i) {
      ClassTally& t = classes_[i];
      Json row = Outcomes(t.succeeded, t.failed, t.cost, LatencyJson(t.latencies, true));
      row["name"] = s_.traffic[i].name;
      row["requests"] = t.requests;
      row["fallbacks"] = t.fallbacks;
      row["cache_hits"] = t.cache_hits;
      classes.push_back(std::move(row));
    }
    report["classes"] = std::move(classes);

    Json series = Json::object();
    series["bucket_ms"] = s_.bucket_ms;
    series["start_ms"] = int64_t{0};
    series["buckets"] = static_cast<int64_t>(series_requests_.size());
    series["requests"] = Counts(series_requests_);
    series["succeeded"] = Counts(series_succeeded_);
    series["failed"] = Counts(series_failed_);
    series["cost_picos"] = Counts(series_cost_);
    series["providers"] = std::move(series_providers);
    report["series"] = std::move(series);

    Json samples = Json::array();
    for (const Sample& sample : samples_) {
      Json row = Json::object();
      row["t_ms"] = sample.t_ms;
      row["class"] = s_.traffic[sample.cls].name;
      row["outcome"] = sample.outcome;  // every request has ended: the loop runs until no event is left
      if (!sample.error.empty()) row["error"] = sample.error;
      Json attempts = Json::array();
      for (const SampleAttempt& a : sample.attempts) {
        const Endpoint& e = catalog_.endpoint(a.endpoint);
        attempts.push_back(Json{{"provider", catalog_.provider_of(e).slug},
                                {"tag", e.tag},
                                {"model", catalog_.model_of(e).id},
                                {"start_ms", a.start_ms},
                                {"end_ms", a.end_ms},
                                {"status", a.status},
                                {"result", ResultName(a.result)}});
      }
      row["attempts"] = std::move(attempts);
      row["cost_picos"] = sample.cost;
      samples.push_back(std::move(row));
    }
    report["samples"] = std::move(samples);
    report["events"] = events_;
    return report;
  }

  const Catalog& catalog_;
  Scenario s_;
  // Three streams, so that two scenarios with the same seed and traffic see the same requests
  // (arrival times, conversations) and the same plan seeds even where their providers behave
  // differently: a policy comparison is then like for like.
  Rng arrival_rng_;  // inter-arrival gaps, conversation choice
  Rng routing_;   // one plan seed per request
  Rng outcomes_;  // attempt outcomes and latencies
  Health health_;
  Stickiness stickiness_{1u << 16};
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> queue_;
  uint64_t seq_ = 0;
  int64_t end_us_ = 0;
  int64_t arrivals_ = 0;
  bool truncated_ = false;
  std::deque<InFlight> slots_;  // stable addresses: each Lifecycle borrows its slot's plan
  std::vector<uint32_t> free_;
  std::vector<std::pair<int64_t, int64_t>> window_;  // per provider: (second, accepted attempts)

  int64_t requests_ = 0, succeeded_ = 0, failed_ = 0, attempts_ = 0, fallbacks_ = 0,
          no_route_ = 0, events_ = 0, cache_hits_ = 0;
  int64_t fail_429_ = 0, fail_4xx_ = 0, fail_5xx_ = 0, fail_timeout_ = 0, fail_connection_ = 0;
  SimError error_500_, error_429_, error_timeout_, error_connection_;
  AttemptOutcome outcome_;  // reused for every attempt's end
  Picos cost_ = 0;
  std::vector<int32_t> latencies_;
  std::vector<Tally> providers_;
  std::vector<ClassTally> classes_;
  std::vector<Sample> samples_;
  std::vector<int64_t> series_requests_, series_succeeded_, series_failed_, series_cost_;
  std::vector<std::vector<int64_t>> series_provider_attempts_;  // by provider index
  std::vector<std::vector<int64_t>> series_provider_failed_;
};

}  // namespace

Result<Json> Simulate(const Catalog& catalog, const Json& scenario, const Json* presets) {
  Result<Scenario> parsed = ReadScenario(catalog, scenario, presets);
  if (!parsed.ok()) return parsed.take_status();
  Simulation simulation(catalog, std::move(*parsed));
  return simulation.Run();
}

}  // namespace switchyard
