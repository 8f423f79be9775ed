// The ledger's money path: calendar math, budgets, movements, reserve / settle / release /
// expire. JSON commands live in ledger_commands.cpp, export/import and the log in
// ledger_state.cpp. Nothing here renders JSON on the reserve/settle path.
#include <algorithm>
#include <cstring>

#include "ledger/ledger_internal.h"
#include "switchyard/catalog/catalog.h"
#include "switchyard/ledger/ledger.h"

namespace switchyard {

// ---- calendar ----------------------------------------------------------------------------------

int64_t UtcDay(int64_t ms) {
  int64_t d = ms / kMsPerDay;
  if (ms % kMsPerDay < 0) --d;
  return d;
}

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms): exact for the
// proleptic Gregorian calendar, integers only.
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  CivilDate c;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = yoe + era * 400 + (c.month <= 2);
  return c;
}

int Weekday(int64_t days) {
  // 1970-01-01 was a Thursday (3 when Monday is 0).
  int64_t w = (days + 3) % 7;
  return static_cast<int>(w < 0 ? w + 7 : w);
}

namespace {

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

void Append2(std::string* out, int v) {
  out->push_back(static_cast<char>('0' + v / 10));
  out->push_back(static_cast<char>('0' + v % 10));
}

}  // namespace

std::string FormatUtcDate(int64_t days) {
  CivilDate c = CivilFromDays(days);
  std::string out;
  if (c.year < 0 || c.year > 9999) {
    out = std::to_string(c.year);
  } else {
    std::string y = std::to_string(c.year);
    out = std::string(4 - y.size(), '0') + y;
  }
  out.push_back('-');
  Append2(&out, c.month);
  out.push_back('-');
  Append2(&out, c.day);
  return out;
}

std::string FormatIsoUtc(int64_t ms) {
  int64_t day = UtcDay(ms);
  int64_t in_day = ms - day * kMsPerDay;
  std::string out = FormatUtcDate(day);
  out.push_back('T');
  Append2(&out, static_cast<int>(in_day / 3'600'000));
  out.push_back(':');
  Append2(&out, static_cast<int>(in_day / 60'000 % 60));
  out.push_back(':');
  Append2(&out, static_cast<int>(in_day / 1000 % 60));
  out.push_back('.');
  int millis = static_cast<int>(in_day % 1000);
  out.push_back(static_cast<char>('0' + millis / 100));
  Append2(&out, millis % 100);
  out.push_back('Z');
  return out;
}

Result<int64_t> ParseIsoUtc(std::string_view s) {
  auto bad = [&] {
    return Status::InvalidArgument("invalid UTC timestamp '" + std::string(s.substr(0, 40)) + "'");
  };
  size_t i = 0;
  auto digits = [&](int n, int64_t* out) {
    if (i + n > s.size()) return false;
    int64_t v = 0;
    for (int k = 0; k < n; ++k) {
      char c = s[i + k];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    i += n;
    *out = v;
    return true;
  };
  auto expect = [&](char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  };
  int64_t y, mo, d, h = 0, mi = 0, sec = 0, millis = 0;
  if (!digits(4, &y) || !expect('-') || !digits(2, &mo) || !expect('-') || !digits(2, &d)) {
    return bad();
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, static_cast<int>(mo))) return bad();
  int64_t offset_min = 0;
  if (i < s.size()) {
    if (!(expect('T') || expect(' ')) || !digits(2, &h) || !expect(':') || !digits(2, &mi)) {
      return bad();
    }
    if (expect(':')) {
      if (!digits(2, &sec)) return bad();
      if (expect('.')) {
        int n = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
          if (n < 3) millis = millis * 10 + (s[i] - '0');
          ++n;
          ++i;
        }
        if (n == 0) return bad();
        for (; n < 3; ++n) millis *= 10;
      }
    }
    if (h > 23 || mi > 59 || sec > 59) return bad();
    if (expect('Z') || expect('z')) {
      // UTC
    } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      int sign = s[i] == '-' ? -1 : 1;
      ++i;
      int64_t oh, om;
      if (!digits(2, &oh) || !expect(':') || !digits(2, &om) || oh > 23 || om > 59) return bad();
      offset_min = sign * (oh * 60 + om);
    }
    if (i != s.size()) return bad();
  }
  int64_t days = DaysFromCivil(y, static_cast<int>(mo), static_cast<int>(d));
  return days * kMsPerDay + ((h * 60 + mi - offset_min) * 60 + sec) * 1000 + millis;
}

Result<int64_t> ParseTimeJson(const Json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return v.get<int64_t>();
  if (v.is_string()) return ParseIsoUtc(v.get_ref<const std::string&>());
  return Status::InvalidArgument("time must be an ISO 8601 string or milliseconds");
}

// ---- periods and budgets
// -------------------------------------------------------------------------

const char* LimitResetName(LimitReset reset) {
  switch (reset) {
    case LimitReset::kDaily:
      return "daily";
    case LimitReset::kWeekly:
      return "weekly";
    case LimitReset::kMonthly:
      return "monthly";
    case LimitReset::kNever:
      break;
  }
  return nullptr;
}

Result<LimitReset> ParseLimitReset(const Json* v) {
  if (v == nullptr || v->is_null()) return LimitReset::kNever;
  if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    if (s == "daily") return LimitReset::kDaily;
    if (s == "weekly") return LimitReset::kWeekly;
    if (s == "monthly") return LimitReset::kMonthly;
  }
  return Status::InvalidArgument("limit_reset must be daily, weekly, monthly or null",
                                 "limit_reset");
}

int64_t PeriodStartDay(LimitReset reset, int64_t day) {
  switch (reset) {
    case LimitReset::kDaily:
      return day;
    case LimitReset::kWeekly:
      return day - Weekday(day);
    case LimitReset::kMonthly: {
      CivilDate c = CivilFromDays(day);
      return day - (c.day - 1);
    }
    case LimitReset::kNever:
      break;
  }
  return INT64_MIN;
}

UtcPeriods UtcPeriods::At(int64_t now_ms) {
  UtcPeriods p;
  p.day = UtcDay(now_ms);
  p.week = PeriodStartDay(LimitReset::kWeekly, p.day);
  p.month = PeriodStartDay(LimitReset::kMonthly, p.day);
  return p;
}

namespace {
// Counters saturate instead of wrapping: BYOK upstream spend is not bounded by the balance, and
// a wrapped counter would silently reopen a limit.
inline Picos SaturatingAdd(Picos a, Picos b) {
  Picos out;
  if (__builtin_add_overflow(a, b, &out)) return b > 0 ? INT64_MAX : INT64_MIN;
  return out;
}
inline void AddInPeriod(Picos amount, int64_t start, int64_t* stored, Picos* value) {
  if (start > *stored) {
    *stored = start;
    *value = amount;
  } else if (start == *stored) {
    *value = SaturatingAdd(*value, amount);
  }  // an earlier period than the one recorded: it is over, only the total counts it
}
inline Picos ReadInPeriod(int64_t start, int64_t stored, Picos value) {
  // A recorded period at or after `start` still counts (conservative when time goes back).
  return stored >= start ? value : 0;
}
}  // namespace

void UsageCounter::Add(Picos amount, const UtcPeriods& now) {
  total = SaturatingAdd(total, amount);
  AddInPeriod(amount, now.day, &day, &daily);
  AddInPeriod(amount, now.week, &week, &weekly);
  AddInPeriod(amount, now.month, &month, &monthly);
}

Picos UsageCounter::In(LimitReset period, const UtcPeriods& now) const {
  switch (period) {
    case LimitReset::kDaily:
      return ReadInPeriod(now.day, day, daily);
    case LimitReset::kWeekly:
      return ReadInPeriod(now.week, week, weekly);
    case LimitReset::kMonthly:
      return ReadInPeriod(now.month, month, monthly);
    case LimitReset::kNever:
      break;
  }
  return total;
}

Picos Budget::Spent(const UtcPeriods& now) const {
  return SaturatingAdd(usage.In(reset, now), include_byok ? byok.In(reset, now) : 0);
}

std::optional<Picos> Budget::Remaining(const UtcPeriods& now) const {
  if (!limit) return std::nullopt;
  return *limit - Spent(now);
}

bool Budget::Fits(Picos credits, Picos byok_amount, const UtcPeriods& now) const {
  if (!limit) return true;
  __int128 need = static_cast<__int128>(Spent(now)) + Outstanding() + credits +
                  (include_byok ? byok_amount : 0);
  return need <= *limit;
}

const char* MovementKindName(Movement::Kind kind) {
  switch (kind) {
    case Movement::Kind::kPurchase:
      return "purchase";
    case Movement::Kind::kGrant:
      return "grant";
    case Movement::Kind::kRefund:
      return "refund";
  }
  return "?";
}

// ---- ledger
// --------------------------------------------------------------------------------------

Ledger::Ledger(LedgerConfig config) : config_(config) {}

UtcPeriods Ledger::PeriodsAt(int64_t now_ms) const {
  // Requests arrive in bursts within one day: the civil-date math runs once per day.
  const int64_t day = UtcDay(now_ms);
  if (day != periods_cache_.day || !periods_cached_) {
    periods_cache_ = UtcPeriods::At(now_ms);
    periods_cached_ = true;
  }
  return periods_cache_;
}

int32_t Ledger::KeySlot(std::string_view key_hash) const {
  // Only the index prefix is parsed here; the full comparison below rejects anything else.
  std::optional<uint64_t> prefix = internal::KeyIndex(key_hash);
  if (!prefix) return -1;
  auto it = key_index_.find(*prefix);
  if (it == key_index_.end()) return -1;
  if (!internal::ConstantTimeEquals(keys_[it->second].hash, key_hash)) return -1;
  return static_cast<int32_t>(it->second);
}

const ApiKey* Ledger::FindKey(std::string_view key_hash) const {
  int32_t slot = KeySlot(key_hash);
  return slot < 0 || keys_[slot].deleted ? nullptr : &keys_[slot];
}

const Workspace* Ledger::FindWorkspace(std::string_view id) const {
  auto it = workspace_index_.find(id);
  return it == workspace_index_.end() || workspaces_[it->second].deleted ? nullptr
                                                                         : &workspaces_[it->second];
}

const Guardrail* Ledger::FindGuardrail(std::string_view id) const {
  auto it = guardrail_index_.find(id);
  return it == guardrail_index_.end() || guardrails_[it->second].deleted ? nullptr
                                                                         : &guardrails_[it->second];
}

const GenerationRecord* Ledger::FindGeneration(std::string_view id) const {
  // Newest first: a lookup is usually for a generation that just finished.
  for (size_t i = ring_.size(); i-- > 0;) {
    const GenerationRecord& r = generation(i);
    if (r.id == id) return &r;
  }
  return nullptr;
}

Result<const ApiKey*> Ledger::Authenticate(std::string_view key_hash, KeyUse use,
                                           int64_t now_ms) const {
  int32_t slot = KeySlot(key_hash);
  if (slot < 0 || keys_[slot].deleted) return Status::Unauthorized("Invalid or unknown API key");
  const ApiKey& key = keys_[slot];
  if (key.disabled) return Status::Unauthorized("API key is disabled");
  if (key.expires_at_ms && now_ms >= *key.expires_at_ms) {
    return Status::Unauthorized("API key expired at " + FormatIsoUtc(*key.expires_at_ms));
  }
  if (use == KeyUse::kInference && key.management) {
    return Status::Forbidden("Management keys cannot be used for inference");
  }
  if (use == KeyUse::kManagement && !key.management) {
    return Status::Forbidden("This endpoint requires a management key");
  }
  return &key;
}

// ---- movements
// -----------------------------------------------------------------------------------

Result<Movement> Ledger::Purchase(std::string_view id, Picos paid, int64_t now_ms,
                                  std::string_view note) {
  return Move(Movement::Kind::kPurchase, id, paid, now_ms, note);
}
Result<Movement> Ledger::Grant(std::string_view id, Picos amount, int64_t now_ms,
                               std::string_view note) {
  return Move(Movement::Kind::kGrant, id, amount, now_ms, note);
}
Result<Movement> Ledger::Refund(std::string_view id, Picos amount, int64_t now_ms,
                                std::string_view note) {
  return Move(Movement::Kind::kRefund, id, amount, now_ms, note);
}

Result<Movement> Ledger::Move(Movement::Kind kind, std::string_view id, Picos amount,
                              int64_t now_ms, std::string_view note) {
  SY_RETURN_IF_ERROR(internal::CheckId(id, "id"));
  if (now_ms < 0) return Status::InvalidArgument("now_ms must not be negative", "now_ms");
  if (amount <= 0) return Status::InvalidArgument("amount must be positive", "amount");
  if (note.size() > 1024) return Status::TooLarge("note is longer than 1024 bytes");
  if (auto it = movement_index_.find(id); it != movement_index_.end()) {
    const Movement& m = movements_[it->second];
    if (m.kind != kind || m.amount != amount || m.note != note) {
      return Status::Conflict("idempotency id '" + std::string(id) +
                              "' was already used for a different " + MovementKindName(m.kind));
    }
    Movement replay = m;
    replay.replayed = true;
    return replay;
  }
  Movement m;
  m.kind = kind;
  m.id = std::string(id);
  m.amount = amount;
  m.at_ms = now_ms;
  m.note = std::string(note);
  constexpr __int128 kMax = INT64_MAX;
  switch (kind) {
    case Movement::Kind::kPurchase: {
      SY_ASSIGN_OR_RETURN(PurchaseSplit split, SplitPurchase(amount));
      if (paid_ + static_cast<__int128>(amount) > kMax) {
        return Status::InvalidArgument("purchase total out of range", "amount");
      }
      m.fee = split.fee;
      m.credited = split.credited;
      paid_ += amount;
      fees_ += split.fee;
      break;
    }
    case Movement::Kind::kGrant:
      if (granted_ + static_cast<__int128>(amount) > kMax ||
          static_cast<__int128>(total_credits()) + amount > kMax) {
        return Status::InvalidArgument("grant total out of range", "amount");
      }
      m.credited = amount;
      granted_ += amount;
      break;
    case Movement::Kind::kRefund:
      // Only money that is neither spent nor held can go back.
      if (amount > available()) {
        return Status::InvalidArgument("refund of $" + FormatUsd(amount) +
                                           " exceeds the available balance of $" +
                                           FormatUsd(std::max<Picos>(0, available())),
                                       "amount");
      }
      m.credited = -amount;
      refunded_ += amount;
      break;
  }
  movement_index_.emplace(m.id, static_cast<uint32_t>(movements_.size()));
  movements_.push_back(m);
  if (config_.journal && !replaying_) {
    Json cmd = {{"op", MovementKindName(kind)},
                {"id", m.id},
                {"amount", FormatUsd(amount)},
                {"now_ms", now_ms}};
    if (!note.empty()) cmd["note"] = m.note;
    JournalCommand(std::move(cmd));
  }
  return m;
}

// ---- holds
// ---------------------------------------------------------------------------------------

template <typename Fn>
void Ledger::ForEachBudget(const Reservation& r, Fn&& fn) {
  fn(keys_[r.key].budget);
  if (r.workspace >= 0) fn(workspaces_[r.workspace].budget);
  for (uint32_t g : r.guardrails) fn(guardrails_[g].budget);
}

void Ledger::AdjustHolds(const Reservation& r, int sign) {
  const Picos c = sign * r.hold.amount;
  const Picos b = sign * r.hold.byok_amount;
  held_ += c;
  ForEachBudget(r, [&](Budget& budget) {
    budget.held += c;
    budget.held_byok += b;
  });
}

const char* Ledger::FirstBreach(uint32_t key, Picos credits, Picos byok,
                                const UtcPeriods& now) const {
  // A negative balance fails this even for a zero hold: free models are refused too.
  if (static_cast<__int128>(available()) - credits < 0) return "credits";
  const ApiKey& k = keys_[key];
  if (!k.budget.Fits(credits, byok, now)) return "key_limit";
  const Workspace* ws =
      k.workspace >= 0 && !workspaces_[k.workspace].deleted ? &workspaces_[k.workspace] : nullptr;
  if (ws != nullptr && !ws->budget.Fits(credits, byok, now)) return "workspace_budget";
  auto guardrail_breach = [&](const std::vector<uint32_t>& slots) {
    for (uint32_t g : slots) {
      if (!guardrails_[g].deleted && !guardrails_[g].budget.Fits(credits, byok, now)) return true;
    }
    return false;
  };
  if (guardrail_breach(k.guardrails)) return "guardrail_budget";
  if (ws != nullptr && guardrail_breach(ws->guardrails)) return "guardrail_budget";
  return nullptr;
}

bool Ledger::FitsWithoutHolds(uint32_t key, Picos credits, Picos byok,
                              const UtcPeriods& now) const {
  if (static_cast<__int128>(balance()) - credits < 0) return false;
  auto fits = [&](const Budget& b) {
    if (!b.limit) return true;
    return static_cast<__int128>(b.Spent(now)) + credits + (b.include_byok ? byok : 0) <= *b.limit;
  };
  const ApiKey& k = keys_[key];
  if (!fits(k.budget)) return false;
  const Workspace* ws =
      k.workspace >= 0 && !workspaces_[k.workspace].deleted ? &workspaces_[k.workspace] : nullptr;
  if (ws != nullptr && !fits(ws->budget)) return false;
  for (uint32_t g : k.guardrails) {
    if (!guardrails_[g].deleted && !fits(guardrails_[g].budget)) return false;
  }
  if (ws != nullptr) {
    for (uint32_t g : ws->guardrails) {
      if (!guardrails_[g].deleted && !fits(guardrails_[g].budget)) return false;
    }
  }
  return true;
}

Status Ledger::Refusal(const char* breach, uint32_t key, Picos credits,
                       const UtcPeriods& now) const {
  std::string need = "$" + FormatUsd(credits);
  std::string message;
  if (std::strcmp(breach, "credits") == 0) {
    if (balance() < 0) {
      message = "Insufficient credits: the account balance is negative ($" + FormatUsd(balance()) +
                "). Add credits to continue, even for free models.";
    } else {
      message = "Insufficient credits. This request requires up to " + need + ", but only $" +
                FormatUsd(std::max<Picos>(0, available())) + " is available. Add credits.";
    }
  } else if (std::strcmp(breach, "key_limit") == 0) {
    const Budget& b = keys_[key].budget;
    const char* reset = LimitResetName(b.reset);
    message = std::string("Key limit exceeded") +
              (reset ? std::string(" (") + reset + " limit)" : "") +
              ": this request requires up to " + need + ", the key has $" +
              FormatUsd(std::max<Picos>(0, *b.Remaining(now) - b.Outstanding())) + " left.";
  } else if (std::strcmp(breach, "workspace_budget") == 0) {
    message = "Workspace budget exceeded: this request requires up to " + need + ".";
  } else {
    message = "Guardrail budget exceeded: this request requires up to " + need + ".";
  }
  return Status::PaymentRequired(std::move(message)).With("reason", breach);
}

namespace {

// Completion tokens the endpoint itself allows (INT64_MAX when it states no limit).
int64_t EndpointCap(const AttemptPrices& a, int64_t prompt) {
  int64_t cap = INT64_MAX;
  if (a.max_completion_tokens > 0) cap = a.max_completion_tokens;
  if (a.context_length > 0) cap = std::min(cap, std::max<int64_t>(0, a.context_length - prompt));
  return cap;
}

// Completion tokens an attempt can produce at most for this request.
int64_t CompletionCap(int64_t endpoint_cap, std::optional<int64_t> max_tokens, int64_t fallback) {
  if (max_tokens) return std::min(endpoint_cap, *max_tokens);
  return endpoint_cap == INT64_MAX ? fallback : endpoint_cap;
}

struct Worst {
  Picos credits = 0;
  Picos byok = 0;
};

// The worst case over the attempts if each produces at most min(n, its cap) tokens.
Worst WorstCase(std::span<const AttemptPrices> attempts, const int64_t* caps, int64_t prompt,
                int64_t images, int64_t n) {
  Worst w;
  for (size_t i = 0; i < attempts.size(); ++i) {
    const Prices& p = *attempts[i].prices;
    const int64_t tokens = std::min(n, caps[i]);
    __int128 list = static_cast<__int128>(prompt) * p.prompt +
                    static_cast<__int128>(tokens) * std::max(p.completion, p.reasoning) +
                    p.request + static_cast<__int128>(images) * p.image;
    Picos l = list > INT64_MAX ? INT64_MAX : static_cast<Picos>(list);
    Picos c = attempts[i].byok ? MulPpmCeil(l, kByokFeePpm) : l;
    w.credits = std::max(w.credits, c);
    if (attempts[i].byok) w.byok = std::max(w.byok, l);
  }
  return w;
}

uint64_t ReserveFingerprint(const ReserveRequest& r) {
  internal::Fingerprint f;
  f.Add(r.key_hash);
  f.Add(r.estimated_prompt_tokens);
  f.Add(r.max_tokens.has_value());
  f.Add(r.max_tokens.value_or(0));
  f.Add(r.images);
  for (const AttemptPrices& a : r.attempts) {
    f.Add(*a.prices);
    f.Add(a.context_length);
    f.Add(a.max_completion_tokens);
    f.Add(a.byok);
  }
  return f.value();
}

}  // namespace

Result<Cost> internal::SettleCost(const SettleRequest& req, Picos spent) {
  Cost cost;
  if (req.priced != nullptr) {
    cost = req.priced->cost;
  } else {
    SY_ASSIGN_OR_RETURN(cost, ComputeCost(req.usage, *req.prices, req.options));
  }
  if (cost.charged < 0) return Status::InvalidArgument("a charge must not be negative");
  if (static_cast<__int128>(spent) + cost.charged > INT64_MAX) {
    return Status::InvalidArgument("total usage out of range");
  }
  return cost;
}

uint64_t internal::SettleFingerprint(const SettleRequest& r) {
  internal::Fingerprint f;
  if (r.priced != nullptr) {
    const Cost& c = r.priced->cost;
    for (Picos v : {c.prompt, c.cache_read, c.cache_write, c.cache_write_1h, c.completion,
                    c.reasoning, c.request, c.image, c.list, c.upstream, c.upstream_prompt,
                    c.charged, c.cache_discount, r.priced->tier_min_prompt_tokens}) {
      f.Add(v);
    }
    f.Add(c.is_byok);
    f.Add(c.insured);
  } else {
    f.Add(*r.prices);
  }
  const Usage& u = r.priced != nullptr ? r.priced->usage : r.usage;
  for (int64_t v : {u.prompt_tokens, u.completion_tokens, u.cached_tokens, u.cache_write_tokens,
                    u.cache_write_1h_tokens, u.reasoning_tokens, u.images, u.requests}) {
    f.Add(v);
  }
  f.Add(r.options.byok);
  f.Add(r.options.discount_ppm);
  f.Add(r.options.byok_fee_ppm);
  f.Add(r.options.finish_reason);
  return f.value();
}

namespace {

constexpr int64_t kMaxTokensBound = int64_t{1} << 40;  // far beyond any model, far below overflow

}  // namespace

Result<Hold> WorstCaseHold(const ReserveRequest& req, int64_t fallback_max_tokens) {
  if (req.attempts.empty())
    return Status::InvalidArgument("a reservation needs attempts", "attempts");
  if (req.estimated_prompt_tokens < 0 || req.estimated_prompt_tokens > kMaxTokensBound ||
      req.images < 0 || req.images > kMaxTokensBound ||
      (req.max_tokens && (*req.max_tokens < 0 || *req.max_tokens > kMaxTokensBound))) {
    return Status::InvalidArgument("token counts must be between 0 and 2^40");
  }
  std::vector<int64_t> caps(req.attempts.size());
  int64_t full = 0;
  for (size_t i = 0; i < req.attempts.size(); ++i) {
    const AttemptPrices& a = req.attempts[i];
    if (a.prices == nullptr) return Status::InvalidArgument("attempt without prices", "attempts");
    if (a.context_length < 0 || a.max_completion_tokens < 0) {
      return Status::InvalidArgument("endpoint limits must not be negative", "attempts");
    }
    caps[i] = CompletionCap(EndpointCap(a, req.estimated_prompt_tokens), req.max_tokens,
                            fallback_max_tokens);
    full = std::max(full, caps[i]);
  }
  const Worst worst =
      WorstCase(req.attempts, caps.data(), req.estimated_prompt_tokens, req.images, full);
  Hold hold;
  hold.amount = worst.credits;
  hold.byok_amount = worst.byok;
  hold.max_tokens = full;
  return hold;
}

Result<Hold> Ledger::Reserve(const ReserveRequest& req) {
  SY_RETURN_IF_ERROR(internal::CheckId(req.id, "id"));
  if (req.now_ms < 0) return Status::InvalidArgument("now_ms must not be negative", "now_ms");
  if (req.ttl_ms < 0) return Status::InvalidArgument("ttl_ms must not be negative", "ttl_ms");
  if (req.attempts.empty())
    return Status::InvalidArgument("a reservation needs attempts", "attempts");
  if (req.estimated_prompt_tokens < 0 || req.estimated_prompt_tokens > kMaxTokensBound ||
      req.images < 0 || req.images > kMaxTokensBound ||
      (req.max_tokens && (*req.max_tokens < 0 || *req.max_tokens > kMaxTokensBound))) {
    return Status::InvalidArgument("token counts must be between 0 and 2^40");
  }
  for (const AttemptPrices& a : req.attempts) {
    if (a.prices == nullptr) return Status::InvalidArgument("attempt without prices", "attempts");
    if (a.context_length < 0 || a.max_completion_tokens < 0) {
      return Status::InvalidArgument("endpoint limits must not be negative", "attempts");
    }
  }
  const uint64_t fingerprint = ReserveFingerprint(req);
  const Reservation* existing = internal::FindReservation(active_, closed_, req.id);
  if (existing != nullptr) {
    if (existing->fingerprint != fingerprint) {
      return Status::Conflict("reservation id '" + std::string(req.id) +
                              "' was already used for a different request");
    }
    Hold replay = existing->hold;
    replay.replayed = true;
    return replay;
  }

  SY_ASSIGN_OR_RETURN(const ApiKey* key,
                      Authenticate(req.key_hash, KeyUse::kInference, req.now_ms));
  const uint32_t slot = static_cast<uint32_t>(key - keys_.data());

  constexpr size_t kInline = 8;
  int64_t inline_caps[2 * kInline];
  std::vector<int64_t> heap_caps;
  int64_t* caps = inline_caps;
  if (req.attempts.size() > kInline) {
    heap_caps.resize(2 * req.attempts.size());
    caps = heap_caps.data();
  }
  int64_t* endpoint_caps = caps + req.attempts.size();
  int64_t full = 0;
  for (size_t i = 0; i < req.attempts.size(); ++i) {
    endpoint_caps[i] = EndpointCap(req.attempts[i], req.estimated_prompt_tokens);
    caps[i] = CompletionCap(endpoint_caps[i], req.max_tokens, config_.fallback_max_tokens);
    full = std::max(full, caps[i]);
  }
  const UtcPeriods now = PeriodsAt(req.now_ms);
  const Worst worst = WorstCase(req.attempts, caps, req.estimated_prompt_tokens, req.images, full);
  const char* breach = FirstBreach(slot, worst.credits, worst.byok, now);
  if (breach == nullptr) {
    Hold hold;
    hold.amount = worst.credits;
    hold.byok_amount = worst.byok;
    hold.max_tokens = full;
    const int64_t ttl = req.ttl_ms > 0 ? req.ttl_ms : config_.reservation_ttl_ms;
    hold.expires_at_ms = req.now_ms > INT64_MAX - ttl ? INT64_MAX : req.now_ms + ttl;
    PlaceHold(req.id, slot, hold, req.now_ms, fingerprint);
    return hold;
  }

  // Refused. Find the largest max_tokens that would fit, to tell the client what it can
  // afford: fits(n) is exactly the hold of this request with max_tokens = n (each attempt capped
  // by its endpoint, no fallback), which grows with n, so a binary search is exact.
  auto fits = [&](int64_t n) {
    Worst w = WorstCase(req.attempts, endpoint_caps, req.estimated_prompt_tokens, req.images, n);
    return FirstBreach(slot, w.credits, w.byok, now) == nullptr;
  };
  int64_t affordable = -1;
  if (full > 0 && fits(0)) {
    int64_t lo = 0, hi = full - 1;  // fits(lo) holds, fits(full) does not
    while (lo < hi) {
      int64_t mid = lo + (hi - lo + 1) / 2;
      if (fits(mid))
        lo = mid;
      else
        hi = mid - 1;
    }
    affordable = lo;
  }
  const int64_t requested = req.max_tokens.value_or(full);
  // In flight: the request would fit if the holds of requests (and leases) in flight were
  // settled. That refusal is transient: OpenRouter's 402 in_flight_budget_exhausted.
  if (held_ > 0 && FitsWithoutHolds(slot, worst.credits, worst.byok, now)) {
    return Status::PaymentRequired(
               "In-flight budget exhausted: requests in flight already hold the remaining budget "
               "(" + std::string(breach) + "); this request requires up to $" +
               FormatUsd(worst.credits) + ". Retry when they finish.")
        .With("reason", "in_flight_budget_exhausted")
        .With("limit_source", "in_flight_budget")
        .With("limit", breach)
        .With("retry_after_seconds", 1)
        .With("requested_tokens", requested);
  }
  if (affordable >= 1) {
    return Status::PaymentRequired(
               "This request requires more credits, or fewer max_tokens. You requested up to " +
               std::to_string(requested) + " tokens, but can only afford " +
               std::to_string(affordable) + ".")
        .With("reason", breach)
        .With("requested_tokens", requested)
        .With("affordable_tokens", affordable);
  }
  return Refusal(breach, slot, worst.credits, now).With("requested_tokens", requested);
}

void Ledger::PlaceHold(std::string_view id, uint32_t key, const Hold& hold, int64_t now_ms,
                       uint64_t fingerprint) {
  Reservation r;
  r.key = key;
  const ApiKey& k = keys_[key];
  r.workspace = k.workspace >= 0 && !workspaces_[k.workspace].deleted ? k.workspace : -1;
  // Every live guardrail of the key and its workspace, each once: the meters this hold sits on
  // are fixed now, so a later change to the key cannot make a release miss one.
  auto add_guardrails = [&](const std::vector<uint32_t>& slots) {
    for (uint32_t g : slots) {
      if (!guardrails_[g].deleted &&
          std::find(r.guardrails.begin(), r.guardrails.end(), g) == r.guardrails.end()) {
        r.guardrails.push_back(g);
      }
    }
  };
  add_guardrails(k.guardrails);
  if (r.workspace >= 0) add_guardrails(workspaces_[r.workspace].guardrails);
  r.hold = hold;
  r.hold.replayed = false;
  r.created_at_ms = now_ms;
  r.fingerprint = fingerprint;
  AdjustHolds(r, +1);
  active_.emplace(std::string(id), std::move(r));
  if (config_.journal && !replaying_) {
    JournalEntry e;
    e.kind = JournalEntry::Kind::kHold;
    e.id = std::string(id);
    e.key = key;
    e.hold = hold;
    e.now_ms = now_ms;
    e.fingerprint = fingerprint;
    journal_.push_back(std::move(e));
  }
}

// ---- settle, release, expire
// ---------------------------------------------------------------------

Result<Settlement> Ledger::Settle(const SettleRequest& req) {
  SY_RETURN_IF_ERROR(internal::CheckId(req.id, "id"));
  if (req.now_ms < 0) return Status::InvalidArgument("now_ms must not be negative", "now_ms");
  if (req.prices == nullptr && req.priced == nullptr) {
    return Status::InvalidArgument("settle needs the priced usage or the endpoint's prices");
  }
  const uint64_t fingerprint = internal::SettleFingerprint(req);
  auto open = active_.find(req.id);
  if (open == active_.end()) {
    auto it = closed_.find(req.id);
    if (it == closed_.end()) {
      return Status::NotFound("no reservation '" + std::string(req.id) + "' to settle");
    }
    const Reservation& r = it->second;
    if (r.state == Reservation::State::kSettled) {
      if (r.settle_fingerprint != fingerprint) {
        return Status::Conflict("reservation '" + std::string(req.id) +
                                "' was already settled with a different usage");
      }
      Settlement replay = r.settlement;
      replay.replayed = true;
      return replay;
    }
    if (r.state == Reservation::State::kReleased) {
      return Status::Conflict("reservation '" + std::string(req.id) +
                              "' was released; it cannot be settled");
    }
    // kExpired: the call happened after all; charge it (a late settle, all of it overrun).
  }
  SY_ASSIGN_OR_RETURN(Cost cost, internal::SettleCost(req, spent_));
  const Usage& usage = req.priced != nullptr ? req.priced->usage : req.usage;
  const int64_t tier = req.priced != nullptr ? req.priced->tier_min_prompt_tokens : 0;
  GenerationRecord bare;
  GenerationRecord* record = req.record != nullptr ? req.record : &bare;
  record->finish_reason = std::string(req.options.finish_reason);
  record->usage = usage;
  record->tier_min_prompt_tokens = tier;
  return Charge(req.id, open, req.now_ms, cost, fingerprint, record);
}

Settlement Ledger::Charge(std::string_view id, ReservationMap::iterator it, int64_t now_ms,
                          const Cost& cost, uint64_t fingerprint, GenerationRecord* record) {
  Reservation* r;
  if (it != active_.end()) {
    AdjustHolds(it->second, -1);
    r = &Close(active_.extract(it), now_ms);
  } else {
    r = &closed_.find(id)->second;  // kExpired (checked by the caller): it closes again, now
    UnlinkClosed(*r);
    r->closed_at_ms = now_ms;
    LinkClosed(*r);
  }
  const bool late = r->state == Reservation::State::kExpired;
  Settlement s;
  s.cost = cost;
  s.late = late;
  s.hold = late ? 0 : r->hold.amount;
  const Picos byok_hold = late ? 0 : r->hold.byok_amount;
  const Picos byok_spend = cost.is_byok ? cost.upstream : 0;
  s.overrun = std::max<Picos>(0, cost.charged - s.hold);
  s.byok_overrun = std::max<Picos>(0, byok_spend - byok_hold);

  spent_ += cost.charged;
  overrun_ += s.overrun;
  const UtcPeriods now = PeriodsAt(now_ms);
  ForEachBudget(*r, [&](Budget& b) {
    b.usage.Add(cost.charged, now);
    if (cost.is_byok) b.byok.Add(byok_spend, now);
  });
  r->state = Reservation::State::kSettled;
  r->closed_at_ms = now_ms;
  r->settle_fingerprint = fingerprint;
  r->settlement = s;

  // The record: host details in, money and identity filled here. Written straight into its
  // ring slot (copy-assignment reuses the storage of the record it replaces).
  GenerationRecord* slot = NextRecordSlot();
  if (slot == nullptr)
    slot = record;  // no records kept: fill the caller's for the rollups
  else
    *slot = *record;
  slot->id.assign(id);
  slot->key_hash.assign(keys_[r->key].hash);
  if (r->workspace >= 0)
    slot->workspace_id.assign(workspaces_[r->workspace].id);
  else
    slot->workspace_id.clear();
  slot->cost = cost;
  slot->created_at_ms = now_ms;
  rollups_.Add(*slot);
  if (config_.journal && !replaying_) {
    JournalEntry e;
    e.kind = JournalEntry::Kind::kCharge;
    e.id = std::string(id);
    e.now_ms = now_ms;
    e.fingerprint = fingerprint;
    e.cost = cost;
    e.record = *slot;
    journal_.push_back(std::move(e));
  }
  return s;
}

GenerationRecord* Ledger::NextRecordSlot() {
  if (config_.max_generations == 0) return nullptr;
  if (ring_.size() < config_.max_generations) {
    ring_.emplace_back();
    return &ring_.back();
  }
  GenerationRecord* slot = &ring_[ring_head_];
  ring_head_ = (ring_head_ + 1) % ring_.size();
  return slot;
}

void Ledger::ResizeRing(size_t capacity) {
  // Linearise oldest-first, keep the newest `capacity`.
  std::vector<GenerationRecord> ordered;
  const size_t n = ring_.size();
  const size_t keep = std::min(n, capacity);
  ordered.reserve(keep);
  for (size_t i = n - keep; i < n; ++i) ordered.push_back(std::move(ring_[(ring_head_ + i) % n]));
  ring_ = std::move(ordered);
  ring_head_ = 0;
}

Result<Picos> Ledger::Release(std::string_view id, int64_t now_ms) {
  SY_RETURN_IF_ERROR(internal::CheckId(id, "id"));
  auto it = active_.find(id);
  if (it == active_.end()) {
    auto jt = closed_.find(id);
    if (jt == closed_.end()) return Status::NotFound("no reservation '" + std::string(id) + "'");
    if (jt->second.state == Reservation::State::kSettled) {
      return Status::Conflict("reservation '" + std::string(id) + "' was already settled");
    }
    return Picos{0};  // released or expired already: nothing changes
  }
  const Picos freed = it->second.hold.amount;
  AdjustHolds(it->second, -1);
  Close(active_.extract(it), now_ms).state = Reservation::State::kReleased;
  if (config_.journal && !replaying_) {
    JournalCommand({{"op", "release"}, {"id", std::string(id)}, {"now_ms", now_ms}});
  }
  return freed;
}

std::vector<std::string> Ledger::Expire(int64_t now_ms) {
  std::vector<std::string> expired;
  for (const auto& [id, r] : active_) {
    if (r.hold.expires_at_ms <= now_ms) expired.push_back(id);
  }
  std::sort(expired.begin(), expired.end());
  for (const std::string& id : expired) {
    auto node = active_.extract(id);
    AdjustHolds(node.mapped(), -1);
    Close(std::move(node), now_ms).state = Reservation::State::kExpired;
  }
  // Forget closed reservations in closing order: those past the idempotency window, then the
  // oldest beyond the cap. O(forgotten), never a scan of the whole map. (If time went backwards
  // between closings, a later-closed entry with an older time waits for the one before it.)
  while (closed_oldest_ != nullptr &&
         closed_oldest_->closed_at_ms <= now_ms - config_.idempotency_window_ms) {
    ForgetOldestClosed();
  }
  while (closed_.size() > config_.max_closed_reservations) ForgetOldestClosed();
  rollups_.PruneBefore(UtcDay(now_ms) - config_.rollup_days + 1);
  if (config_.journal && !replaying_) JournalCommand({{"op", "expire"}, {"now_ms", now_ms}});
  return expired;
}

Ledger::Reservation& Ledger::Close(ReservationMap::node_type node, int64_t now_ms) {
  // Moving the node, not the value: no allocation, the id string travels with it.
  auto inserted = closed_.insert(std::move(node));
  Reservation& r = inserted.position->second;
  r.id = &inserted.position->first;
  r.closed_at_ms = now_ms;
  LinkClosed(r);
  // The cap holds at every close, not only at the next Expire: a busy account closes thousands
  // of reservations a minute, and each would otherwise sit in memory and in every snapshot.
  // (r is the newest, and the cap is at least 1, so r stays.)
  while (closed_.size() > config_.max_closed_reservations) ForgetOldestClosed();
  return r;
}

void Ledger::LinkClosed(Reservation& r) {
  r.close_seq = next_close_seq_++;
  r.older = closed_newest_;
  r.newer = nullptr;
  if (closed_newest_ != nullptr) closed_newest_->newer = &r;
  closed_newest_ = &r;
  if (closed_oldest_ == nullptr) closed_oldest_ = &r;
}

void Ledger::UnlinkClosed(Reservation& r) {
  if (r.older != nullptr)
    r.older->newer = r.newer;
  else
    closed_oldest_ = r.newer;
  if (r.newer != nullptr)
    r.newer->older = r.older;
  else
    closed_newest_ = r.older;
  r.older = r.newer = nullptr;
}

void Ledger::ForgetOldestClosed() {
  Reservation* r = closed_oldest_;
  const std::string* id = r->id;
  UnlinkClosed(*r);
  closed_.erase(closed_.find(*id));
}

void Ledger::JournalCommand(Json command) {
  JournalEntry e;
  e.kind = JournalEntry::Kind::kCommand;
  e.command = std::move(command);
  journal_.push_back(std::move(e));
}

}  // namespace switchyard
