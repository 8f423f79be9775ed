// health.cpp: rolling per-endpoint statistics, circuit breaker and cooldowns (see health.h).
//
// Counters live in three rings of fixed buckets (1 s, 10 s, 15 min). Each ring slot holds the
// *cumulative* count of attempts and failures up to and including its bucket (modulo 2^32), and
// slots are filled densely when the newest bucket advances, so any window sum is one subtraction:
// Get is O(1) however long the endpoint has been idle. An out-of-order event adds to its bucket
// and every newer slot (a few slots in practice, at most the ring).
//
// Samples (latency, throughput): the last 256 to arrive per metric, in a FIFO with a byte index
// sorted by value, so nearest-rank percentiles are array reads (see SampleSet).
//
// Snapshot format, version 1 (Export, Merge):
//   {"health":1, "bucket_ms":[1000,10000,900000],
//    "endpoints":[{"endpoint":3,
//      "buckets_1s":[bucket, attempts, failures, ...],   // flat triples, strictly ascending
//      "buckets_10s":[...], "buckets_15m":[...],          // bucket = floor(t_ms / size)
//      "latency":[t_ms, ms, ...], "throughput":[t_ms, tokens_per_s, ...],  // flat pairs by (t, v)
//      "breaker":{"open":bool,"failures":n,"open_until_ms":t,"open_ms":d,"changed_ms":t},
//      "cooldown_until_ms":t}]}
// Every member of an endpoint entry except "endpoint" is optional; unknown members are ignored.
// Arrays are flat because a JSON DOM spends its time per node: this halved Export and Merge
// (measured with nlohmann's DOM; the core's own Json keeps a node per value too).
#include "switchyard/health/health.h"

#include <algorithm>
#include <cmath>
#include <array>
#include <cstring>
#include <limits>
#include <string>
#include <tuple>
#include <utility>

#include "switchyard/json/json.h"

namespace switchyard {
namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::min();
constexpr int64_t kMinuteMs = 60 * 1000;
constexpr int64_t kDayMs = 24 * 60 * kMinuteMs;

constexpr int kOutageMinAttempts = 3;
constexpr int32_t kBreakerThreshold = 5;
constexpr int64_t kBreakerBaseMs = 30 * 1000;
constexpr int64_t kBreakerMaxMs = 5 * kMinuteMs;
constexpr int64_t kRateLimitCooldownMs = 5 * 1000;
constexpr int64_t kMaxRetryAfterMs = kDayMs;
constexpr int64_t kSampleWindowMs = 30 * kMinuteMs;
constexpr size_t kMaxSamples = 256;
// How far into the future a merged snapshot may reach (clock skew between isolates); anything
// beyond would advance the rings and wipe real data.
constexpr int64_t kFutureToleranceMs = 5 * kMinuteMs;
constexpr int64_t kMaxCount = 1'000'000'000;  // per bucket in a snapshot
constexpr int kSnapshotVersion = 1;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// ---- counters ------------------------------------------------------------------------------

struct Count {
  uint32_t attempts = 0, failures = 0;
};

// kWidth: the longest window in buckets; kSlack: how many buckets `now` may lag behind the
// newest event and still get exact sums (concurrent attempts finish out of order).
template <int64_t kBucketMs, int kWidth, int kSlack>
class Ring {
 public:
  static constexpr int64_t kBucket = kBucketMs;
  static constexpr int kSlots = kWidth + 1 + kSlack;

  static int64_t BucketOf(int64_t t_ms) { return FloorDiv(t_ms, kBucketMs); }

  // Adds to bucket `b`; a bucket too old for any window is dropped.
  void Add(int64_t b, uint32_t attempts, uint32_t failures) {
    if (!has_data_) {
      has_data_ = true;
      head_ = b;
      cum_.fill(Count{});
    } else if (b > head_) {
      Advance(b);
    } else if (b <= Oldest()) {
      // The oldest slot only serves as a window's lower bound; adding there changes no sum.
      return;
    }
    for (int64_t i = b; i <= head_; ++i) {
      Count& c = cum_[Slot(i)];
      c.attempts += attempts;  // unsigned: wraps, and differences stay exact
      c.failures += failures;
    }
  }

  // Sum over buckets (nb - width, nb].
  Count Window(int64_t nb, int width) const {
    if (!has_data_) return {};
    int64_t hi = std::min(nb, head_);
    int64_t lo = std::max(nb - width, Oldest());
    if (hi <= lo) return {};
    const Count& a = cum_[Slot(hi)];
    const Count& b = cum_[Slot(lo)];
    return {a.attempts - b.attempts, a.failures - b.failures};
  }

  // Calls f(bucket, count) for each non-empty bucket still in range at `now_bucket`, ascending.
  template <typename F>
  void ForEach(int64_t now_bucket, F&& f) const {
    if (!has_data_) return;
    int64_t from = std::max(Oldest() + 1, now_bucket - kSlots + 2);
    for (int64_t b = from; b <= head_; ++b) {
      const Count& cur = cum_[Slot(b)];
      const Count& prev = cum_[Slot(b - 1)];
      Count d{cur.attempts - prev.attempts, cur.failures - prev.failures};
      if (d.attempts != 0 || d.failures != 0) f(b, d);
    }
  }

  // Whether any bucket is still in range at `now_bucket`.
  bool Live(int64_t now_bucket) const { return has_data_ && head_ > now_bucket - kSlots + 1; }
  bool has_data() const { return has_data_; }
  // The oldest bucket still kept at `now_bucket` (Merge drops anything older).
  static int64_t FirstKept(int64_t now_bucket) { return now_bucket - kSlots + 2; }

 private:
  static size_t Slot(int64_t b) {
    int64_t m = b % kSlots;
    return static_cast<size_t>(m < 0 ? m + kSlots : m);
  }
  int64_t Oldest() const { return head_ - kSlots + 1; }
  void Advance(int64_t to) {
    Count c = cum_[Slot(head_)];
    for (int64_t i = std::max(head_ + 1, to - kSlots + 1); i <= to; ++i) cum_[Slot(i)] = c;
    head_ = to;
  }

  bool has_data_ = false;
  int64_t head_ = 0;                 // newest bucket
  std::array<Count, kSlots> cum_{};  // cumulative counts through each slot's bucket
};

using Ring1s = Ring<1000, 30, 10>;            // outage: 30 s
using Ring10s = Ring<10 * 1000, 180, 3>;      // 5 min (30) and 30 min (180)
using Ring15m = Ring<15 * kMinuteMs, 96, 1>;  // 1 day

struct Counters {
  Ring1s s1;
  Ring10s s10;
  Ring15m m15;

  void Add(int64_t t_ms, uint32_t attempts, uint32_t failures) {
    s1.Add(Ring1s::BucketOf(t_ms), attempts, failures);
    s10.Add(Ring10s::BucketOf(t_ms), attempts, failures);
    m15.Add(Ring15m::BucketOf(t_ms), attempts, failures);
  }
  // The longest ring outlives the others, so it alone says whether anything is left.
  bool Live(int64_t now_ms) const { return m15.Live(Ring15m::BucketOf(now_ms)); }
};

// ---- samples -------------------------------------------------------------------------------

struct Sample {
  int64_t t_ms = 0;
  int64_t value = 0;
};
bool ByValue(const Sample& a, const Sample& b) {
  return a.value != b.value ? a.value < b.value : a.t_ms < b.t_ms;
}
bool ByTime(const Sample& a, const Sample& b) {
  return a.t_ms != b.t_ms ? a.t_ms < b.t_ms : a.value < b.value;
}

// 1-based nearest rank of percentile p among n values.
size_t Rank(int p, size_t n) { return (static_cast<size_t>(p) * n + 99) / 100; }

// The last kMaxSamples samples to arrive (and within 30 min of the newest), indexed by value.
//
// ring_ is a FIFO in arrival order whose slots never move, so the other two arrays can be bytes:
// by_value_ lists slots sorted by (value, time), making a percentile one array read; min_q_ is a
// monotonic queue (the sliding-window minimum trick) whose front is the oldest time in the ring,
// which tells Get in O(1) whether every sample is still inside the window. Add costs two binary
// searches and two memmoves of at most 255 bytes.
class SampleSet {
  static_assert(kMaxSamples <= 256, "slots are bytes");

 public:
  void Add(Sample x) {
    newest_ = n_ ? std::max(newest_, x.t_ms) : x.t_ms;
    int64_t cutoff = newest_ - kSampleWindowMs;
    if (x.t_ms <= cutoff) return;
    while (n_ != 0 && (ring_[head_].t_ms <= cutoff || n_ == kMaxSamples)) PopFront();
    size_t slot = (head_ + n_) % kMaxSamples;
    ring_[slot] = x;
    // by_value_: insert after every sample that sorts before or equal to x.
    size_t pos = static_cast<size_t>(
        std::upper_bound(by_value_.begin(), by_value_.begin() + n_, x,
                         [&](const Sample& a, uint8_t b) { return ByValue(a, ring_[b]); }) -
        by_value_.begin());
    std::memmove(&by_value_[pos + 1], &by_value_[pos], n_ - pos);
    by_value_[pos] = static_cast<uint8_t>(slot);
    // min_q_: drop queued samples that are not older than x: they leave before x, never the min.
    while (qn_ != 0 && ring_[min_q_[(qhead_ + qn_ - 1) % kMaxSamples]].t_ms >= x.t_ms) --qn_;
    min_q_[(qhead_ + qn_) % kMaxSamples] = static_cast<uint8_t>(slot);
    ++qn_;
    ++n_;
  }

  std::optional<Percentiles> Get(int64_t now_ms) const {
    int64_t cutoff = now_ms - kSampleWindowMs;
    if (n_ == 0 || newest_ <= cutoff) return std::nullopt;  // idle: all expired
    static constexpr int kP[4] = {50, 75, 90, 99};
    int64_t out[4];
    // Usually the expired samples are the first few to have arrived: skip exactly those.
    size_t e = 0;
    while (e < n_ && e <= kMaxSkip && ring_[(head_ + e) % kMaxSamples].t_ms <= cutoff) ++e;
    if (e <= kMaxSkip && OnlyPrefixExpired(e, cutoff)) {
      if (e == n_) return std::nullopt;
      size_t skip[kMaxSkip + 1];
      for (size_t i = 0; i < e; ++i) {  // insertion sort: e is tiny
        size_t pos = PositionOf((head_ + i) % kMaxSamples), j = i;
        for (; j > 0 && skip[j - 1] > pos; --j) skip[j] = skip[j - 1];
        skip[j] = pos;
      }
      for (int p = 0; p < 4; ++p) {
        size_t idx = Rank(kP[p], n_ - e) - 1;
        for (size_t i = 0; i < e; ++i) idx += skip[i] <= idx;  // ascending: idx only grows
        out[p] = ring_[by_value_[idx]].value;
      }
    } else {  // stragglers expired out of arrival order: count the live ones, walk to the ranks
      size_t live = 0;
      for (size_t i = 0; i < n_; ++i) live += ring_[by_value_[i]].t_ms > cutoff;
      if (live == 0) return std::nullopt;
      size_t seen = 0;
      int next = 0;
      for (size_t i = 0; i < n_ && next < 4; ++i) {
        const Sample& s = ring_[by_value_[i]];
        if (s.t_ms <= cutoff) continue;
        ++seen;
        while (next < 4 && seen == Rank(kP[next], live)) out[next++] = s.value;
      }
    }
    return Percentiles{out[0], out[1], out[2], out[3]};
  }

  // Live samples at now_ms ordered by (time, value): the snapshot order.
  std::vector<Sample> Live(int64_t now_ms) const {
    std::vector<Sample> v;
    for (size_t i = 0; i < n_; ++i) {
      const Sample& s = ring_[(head_ + i) % kMaxSamples];
      if (s.t_ms > now_ms - kSampleWindowMs) v.push_back(s);
    }
    std::sort(v.begin(), v.end(), ByTime);
    return v;
  }
  bool LiveAt(int64_t now_ms) const { return n_ != 0 && newest_ > now_ms - kSampleWindowMs; }

  // Replaces the contents with the newest kMaxSamples of (own live samples + more), by time:
  // merged data is re-bounded by age, not by the order it happened to arrive in.
  void MergeFrom(std::vector<Sample> more, int64_t now_ms) {
    std::vector<Sample> all = Live(now_ms);
    all.insert(all.end(), more.begin(), more.end());
    std::erase_if(all, [&](const Sample& s) { return s.t_ms <= now_ms - kSampleWindowMs; });
    std::sort(all.begin(), all.end(), ByTime);
    size_t skip = all.size() > kMaxSamples ? all.size() - kMaxSamples : 0;
    *this = SampleSet{};
    for (size_t i = skip; i < all.size(); ++i) Add(all[i]);
  }

 private:
  static constexpr size_t kMaxSkip = 8;

  // Whether every sample after the first `e` arrivals is live. min_q_ holds, in arrival order,
  // the samples older than everything after them, so the first entry past the prefix is the
  // oldest of the rest.
  bool OnlyPrefixExpired(size_t e, int64_t cutoff) const {
    for (size_t q = 0; q < qn_; ++q) {
      size_t slot = min_q_[(qhead_ + q) % kMaxSamples];
      if ((slot + kMaxSamples - head_) % kMaxSamples >= e) return ring_[slot].t_ms > cutoff;
    }
    return true;  // the rest is empty
  }

  // Index of `slot` in by_value_.
  size_t PositionOf(size_t slot) const {
    size_t pos = static_cast<size_t>(
        std::lower_bound(by_value_.begin(), by_value_.begin() + n_, ring_[slot],
                         [&](uint8_t a, const Sample& b) { return ByValue(ring_[a], b); }) -
        by_value_.begin());
    while (by_value_[pos] != slot) ++pos;  // among equal (value, time), find this very slot
    return pos;
  }

  void PopFront() {
    size_t pos = PositionOf(head_);
    std::memmove(&by_value_[pos], &by_value_[pos + 1], n_ - pos - 1);
    if (qn_ != 0 && min_q_[qhead_] == head_) {
      qhead_ = (qhead_ + 1) % kMaxSamples;
      --qn_;
    }
    head_ = (head_ + 1) % kMaxSamples;
    --n_;
  }

  std::array<Sample, kMaxSamples> ring_{};
  std::array<uint8_t, kMaxSamples> by_value_{};
  std::array<uint8_t, kMaxSamples> min_q_{};
  size_t head_ = 0, n_ = 0, qhead_ = 0, qn_ = 0;
  int64_t newest_ = 0;  // the latest sample time ever added (the expiry horizon)
};

// ---- breaker -------------------------------------------------------------------------------

struct Breaker {
  bool open = false;
  int32_t failures = 0;         // consecutive provider failures while closed
  int64_t open_until_ms = 0;    // when open: the trial is allowed from here on
  int64_t open_ms = 0;          // when open: the current open period (doubles on a failed trial)
  int64_t changed_ms = kNever;  // latest event time that changed anything; kNever = pristine

  auto Restrictiveness() const { return std::make_tuple(open, open_until_ms, open_ms, failures); }
  bool Pristine() const { return changed_ms == kNever; }

  // An attempt that ended at t (started at `started`, kNever when unknown). Returns whether the
  // state changed.
  bool OnOutcome(bool failure, int64_t t, int64_t started) {
    if (open) {
      if (t < open_until_ms) {
        // Ended while the circuit is open. Sent before it opened: says nothing new. A success of
        // one sent while it was open (a last-resort fallback: open endpoints are tried last)
        // shows the provider is back, as a successful trial would.
        if (failure || started == kNever || started < open_until_ms - open_ms) return false;
        *this = Breaker{};
        changed_ms = t;
        return true;
      }
      if (failure) {
        open_ms = std::min(open_ms * 2, kBreakerMaxMs);
        open_until_ms = t + open_ms;
        ++failures;
      } else {
        *this = Breaker{};
      }
    } else if (failure) {
      if (failures < std::numeric_limits<int32_t>::max()) ++failures;
      if (failures >= kBreakerThreshold) {
        open = true;
        open_ms = kBreakerBaseMs;
        open_until_ms = t + open_ms;
      }
    } else if (failures > 0) {
      failures = 0;
    } else {
      return false;
    }
    changed_ms = std::max(changed_ms, t);
    return true;
  }

  // The later transition wins, so a close seen anywhere propagates; equal times: the stricter.
  void MergeFrom(const Breaker& other) {
    if (other.Pristine()) return;
    if (Pristine() || other.changed_ms > changed_ms ||
        (other.changed_ms == changed_ms && other.Restrictiveness() > Restrictiveness())) {
      *this = other;
    }
  }
};

// ---- snapshot parsing ----------------------------------------------------------------------

struct ParsedBucket {
  int64_t bucket;
  uint32_t attempts, failures;
};

struct ParsedEndpoint {
  uint32_t endpoint = 0;
  std::vector<ParsedBucket> levels[3];
  std::vector<Sample> latency, throughput;
  std::optional<Breaker> breaker;
  std::optional<int64_t> cooldown_until_ms;
};

constexpr const char* kLevelKeys[3] = {"buckets_1s", "buckets_10s", "buckets_15m"};
constexpr int64_t kLevelBucketMs[3] = {Ring1s::kBucket, Ring10s::kBucket, Ring15m::kBucket};
constexpr int kLevelSlots[3] = {Ring1s::kSlots, Ring10s::kSlots, Ring15m::kSlots};

Status Bad(const std::string& path, const std::string& why) {
  return Status::InvalidArgument("health snapshot: " + path + " " + why, path);
}

std::string Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// "latency"/"throughput": a flat array [t_ms, value, t_ms, value, ...].
Result<std::vector<Sample>> ParseSamples(const Json& entry, const char* key,
                                         const std::string& path, int64_t now_ms) {
  std::vector<Sample> out;
  const Json* v = Find(entry, key);
  if (!v) return out;
  std::string p = path + "." + key;
  if (!v->is_array() || v->size() % 2 != 0) return Bad(p, "must be a flat array of [t, value]");
  if (v->size() > 2 * kMaxSamples) return Bad(p, "has more than 256 samples");
  out.reserve(v->size() / 2);
  for (size_t i = 0; i < v->size(); i += 2) {
    std::optional<int64_t> t = IntValue((*v)[i]), value = IntValue((*v)[i + 1]);
    if (!t || !value) return Bad(Index(p, i / 2), "must hold integers");
    if (*value < 0) return Bad(Index(p, i / 2), "has a negative value");
    if (*t > now_ms + kFutureToleranceMs) return Bad(Index(p, i / 2), "is in the future");
    out.push_back({*t, *value});
  }
  return out;
}

// "buckets_*": a flat array [bucket, attempts, failures, ...], strictly ascending buckets.
Status ParseBuckets(const Json& entry, int level, const std::string& path, int64_t now_ms,
                    std::vector<ParsedBucket>& out) {
  const Json* v = Find(entry, kLevelKeys[level]);
  if (!v) return Status::Ok();
  std::string p = path + "." + kLevelKeys[level];
  if (!v->is_array() || v->size() % 3 != 0) {
    return Bad(p, "must be a flat array of [bucket, attempts, failures]");
  }
  if (v->size() > 3 * static_cast<size_t>(kLevelSlots[level])) return Bad(p, "is too long");
  int64_t last_bucket = kNever;
  int64_t max_bucket = FloorDiv(now_ms + kFutureToleranceMs, kLevelBucketMs[level]);
  out.reserve(v->size() / 3);
  for (size_t i = 0; i < v->size(); i += 3) {
    std::optional<int64_t> bucket = IntValue((*v)[i]), attempts = IntValue((*v)[i + 1]),
                           failures = IntValue((*v)[i + 2]);
    if (!bucket || !attempts || !failures) return Bad(Index(p, i / 3), "must hold integers");
    if (*attempts < 0 || *attempts > kMaxCount || *failures < 0 || *failures > *attempts) {
      return Bad(Index(p, i / 3), "needs 0 <= failures <= attempts <= 1e9");
    }
    if (*bucket <= last_bucket) return Bad(Index(p, i / 3), "is not in ascending bucket order");
    if (*bucket > max_bucket) return Bad(Index(p, i / 3), "is in the future");
    last_bucket = *bucket;
    out.push_back({*bucket, static_cast<uint32_t>(*attempts), static_cast<uint32_t>(*failures)});
  }
  return Status::Ok();
}

Result<ParsedEndpoint> ParseEndpoint(const Json& entry, const std::string& path, int64_t now_ms) {
  ParsedEndpoint pe;
  if (!entry.is_object()) return Bad(path, "must be an object");
  const Json* idx = Find(entry, "endpoint");
  std::optional<int64_t> index = idx ? IntValue(*idx) : std::nullopt;
  if (!index || *index < 0 || *index >= static_cast<int64_t>(kMaxHealthEndpoints)) {
    return Bad(path + ".endpoint", "must be an endpoint index below 65536");
  }
  pe.endpoint = static_cast<uint32_t>(*index);
  for (int level = 0; level < 3; ++level) {
    SY_RETURN_IF_ERROR(ParseBuckets(entry, level, path, now_ms, pe.levels[level]));
  }
  SY_ASSIGN_OR_RETURN(pe.latency, ParseSamples(entry, "latency", path, now_ms));
  SY_ASSIGN_OR_RETURN(pe.throughput, ParseSamples(entry, "throughput", path, now_ms));
  if (const Json* b = Find(entry, "breaker")) {
    std::string p = path + ".breaker";
    if (!b->is_object()) return Bad(p, "must be an object");
    std::optional<bool> open = FindBool(*b, "open");
    // Plain out-parameters: GCC's -Wmaybe-uninitialized misfires on a row of optionals here.
    int64_t failures = 0, until = 0, open_ms = 0, changed = 0;
    auto get = [&](const char* key, int64_t& out) {
      const Json* v = Find(*b, key);
      std::optional<int64_t> i = v ? IntValue(*v) : std::nullopt;
      if (i) out = *i;
      return i.has_value();
    };
    bool complete = get("failures", failures) && get("open_until_ms", until) &&
                    get("open_ms", open_ms) && get("changed_ms", changed);
    if (!open || !complete) {
      return Bad(p, "needs open, failures, open_until_ms, open_ms and changed_ms");
    }
    if (failures < 0 || failures > std::numeric_limits<int32_t>::max()) {
      return Bad(p + ".failures", "is out of range");
    }
    if (open_ms < 0 || open_ms > kBreakerMaxMs) return Bad(p + ".open_ms", "is out of range");
    if (changed == kNever || changed > now_ms + kFutureToleranceMs) {
      return Bad(p + ".changed_ms", "is out of range");
    }
    if (until > now_ms + kFutureToleranceMs + kBreakerMaxMs) {
      return Bad(p + ".open_until_ms", "is too far in the future");
    }
    Breaker br;
    br.open = *open;
    br.failures = static_cast<int32_t>(failures);
    br.open_until_ms = until;
    br.open_ms = open_ms;
    br.changed_ms = changed;
    pe.breaker = br;
  }
  if (const Json* c = Find(entry, "cooldown_until_ms")) {
    std::optional<int64_t> until = IntValue(*c);
    if (!until || *until > now_ms + kFutureToleranceMs + kMaxRetryAfterMs) {
      return Bad(path + ".cooldown_until_ms", "must be an integer time at most a day ahead");
    }
    pe.cooldown_until_ms = *until;
  }
  return pe;
}

Result<std::vector<ParsedEndpoint>> ParseSnapshot(const Json& snapshot, int64_t now_ms) {
  if (!snapshot.is_object()) return Bad("snapshot", "must be an object");
  const Json* version = Find(snapshot, "health");
  if (!version || IntValue(*version) != kSnapshotVersion) return Bad("health", "must be 1");
  const Json* layout = Find(snapshot, "bucket_ms");
  if (!layout || !layout->is_array() || layout->size() != 3 ||
      IntValue((*layout)[0]) != kLevelBucketMs[0] || IntValue((*layout)[1]) != kLevelBucketMs[1] ||
      IntValue((*layout)[2]) != kLevelBucketMs[2]) {
    return Bad("bucket_ms", "must be [1000,10000,900000]");
  }
  const Json* endpoints = FindArray(snapshot, "endpoints");
  if (!endpoints) return Bad("endpoints", "must be an array");
  if (endpoints->size() > kMaxHealthEndpoints) return Bad("endpoints", "is too long");
  std::vector<ParsedEndpoint> out;
  out.reserve(endpoints->size());
  for (size_t i = 0; i < endpoints->size(); ++i) {
    SY_ASSIGN_OR_RETURN(
        ParsedEndpoint pe,
        ParseEndpoint((*endpoints)[i], "endpoints[" + std::to_string(i) + "]", now_ms));
    out.push_back(std::move(pe));
  }
  return out;
}

Json SnapshotShell() {
  return Json{{"health", kSnapshotVersion},
              {"bucket_ms", Json::array({Ring1s::kBucket, Ring10s::kBucket, Ring15m::kBucket})},
              {"endpoints", Json::array()}};
}

template <typename R>
Json BucketsJson(const R& ring, int64_t now_ms) {
  Json out = Json::array();
  ring.ForEach(R::BucketOf(now_ms), [&](int64_t b, Count c) {
    out.push_back(b);
    out.push_back(c.attempts);
    out.push_back(c.failures);
  });
  return out;
}

Json SamplesJson(const std::vector<Sample>& samples) {
  Json out = Json::array();
  for (const Sample& s : samples) {
    out.push_back(s.t_ms);
    out.push_back(s.value);
  }
  return out;
}

Json BreakerJson(const Breaker& b) {
  return Json{{"open", b.open},
              {"failures", b.failures},
              {"open_until_ms", b.open_until_ms},
              {"open_ms", b.open_ms},
              {"changed_ms", b.changed_ms}};
}

// Adds the non-empty parts to `entry`; returns whether anything was added.
bool AddCounts(Json& entry, const Counters& c, int64_t now_ms) {
  bool any = false;
  Json levels[3] = {BucketsJson(c.s1, now_ms), BucketsJson(c.s10, now_ms),
                    BucketsJson(c.m15, now_ms)};
  for (int i = 0; i < 3; ++i) {
    if (levels[i].empty()) continue;
    entry[kLevelKeys[i]] = std::move(levels[i]);
    any = true;
  }
  return any;
}

bool AddSamples(Json& entry, const char* key, std::vector<Sample> samples, int64_t now_ms) {
  std::erase_if(samples, [&](const Sample& s) { return s.t_ms <= now_ms - kSampleWindowMs; });
  if (samples.empty()) return false;
  std::sort(samples.begin(), samples.end(), ByTime);
  entry[key] = SamplesJson(samples);
  return true;
}

template <typename R>
void AddBuckets(R& ring, const std::vector<ParsedBucket>& buckets, int64_t now_ms) {
  int64_t first = R::FirstKept(R::BucketOf(now_ms));
  for (const ParsedBucket& b : buckets) {
    if (b.bucket >= first) ring.Add(b.bucket, b.attempts, b.failures);
  }
}

}  // namespace

// ---- classification and event parsing -----------------------------------------------------

bool IsClientError(const HealthEvent& e) {
  return !e.timeout && !e.connection_error && e.http_status >= 400 && e.http_status < 500 &&
         e.http_status != 408 && e.http_status != 429;
}

bool IsProviderFailure(const HealthEvent& e) {
  if (e.timeout || e.connection_error) return true;
  if (e.http_status >= 200 && e.http_status < 300) return false;
  return !IsClientError(e);  // 5xx, 408, 429, no response (0), and nonsense (1xx, 3xx, >= 600)
}

Result<HealthEvent> ParseHealthEvent(const Json& event, size_t endpoint_count) {
  if (!event.is_object()) return Status::InvalidArgument("health event must be an object");
  // Times, durations and counts: JsonFields::Time (a fraction from performance.now() is
  // truncated; not for the endpoint, an index).
  constexpr int64_t kBig = int64_t{1} << 53;  // beyond any real time, duration or token count
  JsonFields f(event);
  HealthEvent e;
  SY_RETURN_IF_ERROR(f.Required("endpoint"));
  const Json* endpoint = f.Get("endpoint");
  if (!endpoint->is_number_integer()) return f.TypeError("endpoint", "an integer index", *endpoint);
  std::optional<int64_t> index = IntValue(*endpoint);
  const size_t count = std::min<size_t>(endpoint_count, kMaxHealthEndpoints);
  if (!index || *index < 0 || static_cast<uint64_t>(*index) >= count) {
    return Status::NotFound("endpoint " + Dump(*endpoint) + " is not in the catalog (" +
                            std::to_string(count) + " endpoints)")
        .With("field", "endpoint");
  }
  int64_t status = e.http_status;
  SY_RETURN_IF_ERROR(f.Required("now_ms"));
  SY_RETURN_IF_ERROR(f.Time("now_ms", -kBig, kBig, &e.now_ms));
  SY_RETURN_IF_ERROR(f.Int("http_status", 0, 999, &status));  // 0: no response
  SY_RETURN_IF_ERROR(f.Time("latency_ms", -1, kBig, &e.latency_ms));
  SY_RETURN_IF_ERROR(f.Time("duration_ms", -1, kBig, &e.duration_ms));
  SY_RETURN_IF_ERROR(f.Time("output_tokens", 0, kBig, &e.output_tokens));
  SY_RETURN_IF_ERROR(f.Time("retry_after_ms", 0, kBig, &e.retry_after_ms));
  SY_RETURN_IF_ERROR(f.Bool("timeout", &e.timeout));
  SY_RETURN_IF_ERROR(f.Bool("connection_error", &e.connection_error));
  e.endpoint = static_cast<uint32_t>(*index);
  e.http_status = static_cast<int>(status);
  return e;
}

Json EndpointHealthJson(const EndpointHealth& h) {
  auto opt = [](const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); };
  auto pct = [](const std::optional<Percentiles>& p) {
    if (!p) return Json(nullptr);
    return Json{{"p50", p->p50}, {"p75", p->p75}, {"p90", p->p90}, {"p99", p->p99}};
  };
  return Json{{"outage", h.outage},
              {"circuit_open", h.circuit_open},
              {"half_open", h.half_open},
              {"trial_in_flight", h.trial_in_flight},
              {"cooling_down", h.cooling_down},
              {"available_at_ms", h.available_at_ms},
              {"requests_30s", h.requests_30s},
              {"failures_30s", h.failures_30s},
              {"uptime_last_5m", opt(h.uptime_5m)},
              {"uptime_last_30m", opt(h.uptime_30m)},
              {"uptime_last_1d", opt(h.uptime_1d)},
              {"latency_last_30m", pct(h.latency_30m)},
              {"throughput_last_30m", pct(h.throughput_30m)}};
}

// ---- Health --------------------------------------------------------------------------------

struct Health::State {
  Counters counts;  // own and merged
  SampleSet latency, throughput;
  Breaker breaker;
  int64_t cooldown_until_ms = kNever;
  int64_t trial_since_ms = kNever;  // half-open: when the trial attempt was sent (local only)


  // Adds a validated snapshot entry (counts and samples additive; breaker and cooldown merged).
  void Apply(const ParsedEndpoint& pe, int64_t now_ms) {
    AddBuckets(counts.s1, pe.levels[0], now_ms);
    AddBuckets(counts.s10, pe.levels[1], now_ms);
    AddBuckets(counts.m15, pe.levels[2], now_ms);
    if (!pe.latency.empty()) latency.MergeFrom(pe.latency, now_ms);
    if (!pe.throughput.empty()) throughput.MergeFrom(pe.throughput, now_ms);
    if (pe.breaker) breaker.MergeFrom(*pe.breaker);
    if (pe.cooldown_until_ms && *pe.cooldown_until_ms > cooldown_until_ms) {
      cooldown_until_ms = *pe.cooldown_until_ms;
    }
  }

  bool Dead(int64_t now_ms) const {
    if (counts.Live(now_ms) || latency.LiveAt(now_ms) || throughput.LiveAt(now_ms)) return false;
    // A breaker that nobody has touched for a day (even one still waiting for its trial) is
    // stale news; forgetting it bounds memory for endpoints that left the catalog.
    if (!breaker.Pristine() && breaker.changed_ms > now_ms - kDayMs) return false;
    return cooldown_until_ms <= now_ms;
  }
};

Health::Health() = default;
Health::~Health() = default;
Health::Health(Health&&) noexcept = default;
Health& Health::operator=(Health&&) noexcept = default;
Health::Health(const Health& other) : last_prune_ms_(other.last_prune_ms_) {
  states_.reserve(other.states_.size());
  for (const auto& s : other.states_) {
    states_.push_back(s ? std::make_unique<State>(*s) : nullptr);
  }
}
Health& Health::operator=(const Health& other) {
  if (this != &other) *this = Health(other);
  return *this;
}

Health::State& Health::Mutable(uint32_t endpoint) {
  if (endpoint >= states_.size()) states_.resize(endpoint + 1);
  if (!states_[endpoint]) states_[endpoint] = std::make_unique<State>();
  return *states_[endpoint];
}

void Health::NoteAttemptStart(uint32_t endpoint, int64_t now_ms) {
  if (endpoint >= states_.size() || !states_[endpoint]) return;
  State& s = *states_[endpoint];
  if (!s.breaker.open || now_ms < s.breaker.open_until_ms) return;  // closed, or still open
  if (s.trial_since_ms != kNever && now_ms >= s.trial_since_ms &&
      now_ms - s.trial_since_ms < kTrialTimeoutMs) {
    return;  // the trial is already out
  }
  s.trial_since_ms = now_ms;
}

void Health::Observe(const HealthEvent& e) {
  // Any outcome ends a trial in flight, a client error too (it says nothing of the provider, and
  // the next attempt becomes the trial instead).
  if (e.endpoint < states_.size() && states_[e.endpoint]) states_[e.endpoint]->trial_since_ms = kNever;
  if (e.endpoint >= kMaxHealthEndpoints || IsClientError(e)) return;
  State& s = Mutable(e.endpoint);
  const bool failure = IsProviderFailure(e);
  s.counts.Add(e.now_ms, 1, failure ? 1 : 0);

  if (!failure && e.latency_ms >= 0) {
    Sample lat{e.now_ms, e.latency_ms};
    s.latency.Add(lat);
    // Generation time after the first token; a non-streamed response arrives all at once, so
    // its whole duration is the generation time.
    int64_t gen_ms = e.duration_ms > e.latency_ms    ? e.duration_ms - e.latency_ms
                     : e.duration_ms == e.latency_ms ? e.duration_ms
                                                     : 0;
    if (e.output_tokens > 0 && gen_ms > 0) {
      int64_t tokens = std::min<int64_t>(e.output_tokens, int64_t{1} << 40);
      Sample tp{e.now_ms, (tokens * 1000 + gen_ms / 2) / gen_ms};
      s.throughput.Add(tp);
    }
  }

  const int64_t started = e.duration_ms >= 0 ? e.now_ms - e.duration_ms : kNever;
  s.breaker.OnOutcome(failure, e.now_ms, started);

  if (failure && (e.retry_after_ms > 0 || e.http_status == 429)) {
    int64_t wait =
        e.retry_after_ms > 0 ? std::min(e.retry_after_ms, kMaxRetryAfterMs) : kRateLimitCooldownMs;
    s.cooldown_until_ms = std::max(s.cooldown_until_ms, e.now_ms + wait);
  }

  if (last_prune_ms_ == kNever || e.now_ms - last_prune_ms_ >= kPruneInterval) Prune(e.now_ms);
}

EndpointHealth Health::Get(uint32_t endpoint, int64_t now_ms) const {
  EndpointHealth h;
  if (endpoint >= states_.size() || !states_[endpoint]) return h;
  const State& s = *states_[endpoint];

  Count c30s = s.counts.s1.Window(Ring1s::BucketOf(now_ms), 30);
  int64_t b10 = Ring10s::BucketOf(now_ms);
  Count c5m = s.counts.s10.Window(b10, 30);
  Count c30m = s.counts.s10.Window(b10, 180);
  Count c1d = s.counts.m15.Window(Ring15m::BucketOf(now_ms), 96);
  auto uptime = [](Count c) -> std::optional<double> {
    if (c.attempts == 0) return std::nullopt;
    return 100.0 * static_cast<double>(c.attempts - c.failures) / static_cast<double>(c.attempts);
  };
  h.requests_30s = c30s.attempts;
  h.failures_30s = c30s.failures;
  h.outage = h.requests_30s >= kOutageMinAttempts && 2 * h.failures_30s >= h.requests_30s;
  h.uptime_5m = uptime(c5m);
  h.uptime_30m = uptime(c30m);
  h.uptime_1d = uptime(c1d);
  h.latency_30m = s.latency.Get(now_ms);
  h.throughput_30m = s.throughput.Get(now_ms);

  h.circuit_open = s.breaker.open && now_ms < s.breaker.open_until_ms;
  h.half_open = s.breaker.open && !h.circuit_open;
  h.trial_in_flight = h.half_open && s.trial_since_ms != kNever && now_ms >= s.trial_since_ms &&
                      now_ms - s.trial_since_ms < kTrialTimeoutMs;
  h.cooling_down = s.cooldown_until_ms != kNever && now_ms < s.cooldown_until_ms;
  if (h.circuit_open) h.available_at_ms = s.breaker.open_until_ms;
  if (h.cooling_down) h.available_at_ms = std::max(h.available_at_ms, s.cooldown_until_ms);
  return h;
}

Json Health::Export(int64_t now_ms) const {
  Json out = SnapshotShell();
  Json& endpoints = out["endpoints"];
  for (size_t i = 0; i < states_.size(); ++i) {
    if (!states_[i]) continue;
    const State& s = *states_[i];
    Json entry = Json::object();
    bool any = AddCounts(entry, s.counts, now_ms);
    any |= AddSamples(entry, "latency", s.latency.Live(now_ms), now_ms);
    any |= AddSamples(entry, "throughput", s.throughput.Live(now_ms), now_ms);
    if (!s.breaker.Pristine()) {
      entry["breaker"] = BreakerJson(s.breaker);
      any = true;
    }
    if (s.cooldown_until_ms > now_ms) {
      entry["cooldown_until_ms"] = s.cooldown_until_ms;
      any = true;
    }
    if (!any) continue;
    entry["endpoint"] = i;
    endpoints.push_back(std::move(entry));
  }
  return out;
}

Status Health::Merge(const Json& snapshot, int64_t now_ms) {
  SY_ASSIGN_OR_RETURN(std::vector<ParsedEndpoint> parsed, ParseSnapshot(snapshot, now_ms));
  for (const ParsedEndpoint& pe : parsed) Mutable(pe.endpoint).Apply(pe, now_ms);
  return Status::Ok();
}

void Health::Prune(int64_t now_ms) {
  last_prune_ms_ = now_ms;
  for (auto& sp : states_) {
    if (sp && sp->Dead(now_ms)) sp.reset();
  }
  while (!states_.empty() && !states_.back()) states_.pop_back();
  if (states_.capacity() > 2 * states_.size() + 64) states_.shrink_to_fit();
}

size_t Health::MemoryBytes() const {
  size_t bytes = sizeof(Health) + states_.capacity() * sizeof(std::unique_ptr<State>);
  for (const auto& sp : states_) {
    if (!sp) continue;
    bytes += sizeof(State);
  }
  return bytes;
}

size_t Health::TrackedEndpoints() const {
  return static_cast<size_t>(
      std::count_if(states_.begin(), states_.end(), [](const auto& sp) { return sp != nullptr; }));
}

}  // namespace switchyard
