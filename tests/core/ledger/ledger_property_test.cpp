// Property test of the ledger: random interleavings (deterministic seeds, thousands of steps) of
// purchases, grants, refunds, reservations over many concurrent holds, settlements (with
// overruns and late settles), releases, expiries, limit resets as time crosses midnight / Monday
// / month ends, and retries that replay ids with the same or different content. After every step
// an independent model checks:
//   1. balance = purchases − fees + grants − refunds − settled spend, and usage = settled spend;
//   2. held = the sum of the model's open holds, on the account and on every budget;
//   3. per budget: spent in the current period + outstanding holds ≤ limit + the overruns
//      recorded in that period (the documented exception), and available ≥ −total overrun;
//   4. replays return the original result and change nothing; conflicting replays are 409;
//   5. at the end, expiring everything leaves held = 0 everywhere (no reservation leaks).
// A second run of the same seed exports and re-imports the ledger mid-run (and a third replays
// the operation log onto the midpoint snapshot); results and final state must be identical.
#include "test_support.h"

#include <map>
#include <memory>
#include <random>
#include <sstream>

#include "switchyard/catalog/catalog.h"
#include "switchyard/json/json.h"
#include "switchyard/ledger/ledger.h"
#include "json_testing.h"

using namespace switchyard;

namespace {

int64_t At(int64_t y, int m, int d, int hh = 0) {
  return DaysFromCivil(y, m, d) * kMsPerDay + hh * 3'600'000LL;
}

const std::string kKeyA = std::string(64, 'a');  // $2 daily limit
const std::string kKeyB = std::string(64, 'b');  // $5 weekly limit, BYOK counts
const std::string kKeyC = std::string(
    64, 'c');  // $3 monthly, workspace W ($4 daily) + guardrail G ($2.50 total, BYOK counts)
const std::string kKeyD = std::string(64, 'd');  // no limit

struct Meter {
  std::string name;
  std::string kind;  // key | workspace | guardrail
  Picos limit;
  LimitReset reset;
  bool include_byok;
};
const Meter kMeters[] = {
    {kKeyA, "key", 2 * kPicosPerUsd, LimitReset::kDaily, false},
    {kKeyB, "key", 5 * kPicosPerUsd, LimitReset::kWeekly, true},
    {kKeyC, "key", 3 * kPicosPerUsd, LimitReset::kMonthly, false},
    {"W", "workspace", 4 * kPicosPerUsd, LimitReset::kDaily, false},
    {"G", "guardrail", 25 * kPicosPerCent * 10, LimitReset::kNever, true},
};

std::vector<std::string> MetersOf(const std::string& key) {
  if (key == kKeyC) return {kKeyC, "W", "G"};
  if (key == kKeyD) return {};
  return {key};
}

struct Res {
  std::string id;
  std::string key;
  int64_t est = 0;
  std::optional<int64_t> max_tokens;
  int64_t ttl = 0;
  std::vector<Prices> prices;  // sized once: attempts point into it
  std::vector<AttemptPrices> attempts;
  Hold hold;
  enum State { kOpen, kSettled, kReleased, kExpired } state = kOpen;
  int64_t closed_at = 0;
  // The settlement as first applied, for replays.
  Usage usage;
  size_t attempt_used = 0;
  std::string finish;
  Settlement settlement;
};

struct Sim {
  explicit Sim(uint64_t seed) : rng(seed) {}

  Ledger ledger;
  std::mt19937_64 rng;
  int64_t now = At(2028, 2, 27, 20);  // crosses a leap day, a month end and a Monday early on
  Picos paid = 0, fees = 0, granted = 0, refunded = 0, spent = 0, overrun_total = 0;
  std::map<std::string, std::unique_ptr<Res>> res;
  std::vector<std::pair<std::string, std::pair<std::string, Picos>>>
      movements;                                                           // id → (kind, amount)
  std::map<std::string, std::vector<std::pair<int64_t, Picos>>> overruns;  // meter → (time, amount)
  std::vector<std::string> transcript;
  int counter = 0;
  int refusals = 0, settles = 0, overrun_settles = 0, late_settles = 0, replays = 0, conflicts = 0;

  uint64_t R(uint64_t n) { return rng() % n; }
  bool Chance(int percent) { return R(100) < static_cast<uint64_t>(percent); }

  void Log(std::string line) { transcript.push_back(std::move(line)); }

  void Setup() {
    auto ok = [&](const Json& c) {
      Result<Json> r = ledger.Apply(c);
      INFO(c.dump() << " → " << (r.ok() ? "" : r.status().message()));
      REQUIRE(r.ok());
    };
    ok({{"op", "configure"}, {"settings", {{"journal", true}, {"max_generations", 200}}}});
    ok({{"op", "put_guardrail"},
        {"id", "G"},
        {"limit", "2.5"},
        {"include_byok_in_limit", true},
        {"now_ms", now}});
    ok({{"op", "put_workspace"},
        {"id", "W"},
        {"limit", "4"},
        {"limit_reset", "daily"},
        {"guardrails", {"G"}},
        {"now_ms", now}});
    ok({{"op", "create_key"},
        {"hash", kKeyA},
        {"name", "A"},
        {"limit", "2"},
        {"limit_reset", "daily"},
        {"now_ms", now}});
    ok({{"op", "create_key"},
        {"hash", kKeyB},
        {"name", "B"},
        {"limit", "5"},
        {"limit_reset", "weekly"},
        {"include_byok_in_limit", true},
        {"now_ms", now}});
    ok({{"op", "create_key"},
        {"hash", kKeyC},
        {"name", "C"},
        {"limit", "3"},
        {"limit_reset", "monthly"},
        {"workspace_id", "W"},
        {"now_ms", now}});
    ok({{"op", "create_key"}, {"hash", kKeyD}, {"name", "D"}, {"now_ms", now}});
    Purchase(2000);  // $20
  }

  // ---- operations ----------------------------------------------------------------------------

  void Purchase(int64_t cents) {
    std::string id = "pay-" + std::to_string(counter++);
    Result<Movement> m = ledger.Purchase(id, cents * kPicosPerCent, now);
    const int64_t fee_cents =
        std::max<int64_t>(80, (cents * 55 + 500) / 1000);  // 5.5% half-up, $0.80 min
    if (cents <= fee_cents) {
      REQUIRE_FALSE(m.ok());
      Log("purchase refused");
      return;
    }
    REQUIRE(m.ok());
    CHECK(m->fee == fee_cents * kPicosPerCent);
    paid += cents * kPicosPerCent;
    fees += fee_cents * kPicosPerCent;
    movements.push_back({id, {"purchase", cents * kPicosPerCent}});
    Log("purchase " + FormatUsd(m->credited));
  }

  void GrantOrRefund() {
    std::string id = "mv-" + std::to_string(counter++);
    const Picos amount = static_cast<Picos>(1 + R(300)) * kPicosPerCent;
    if (Chance(50)) {
      REQUIRE(ledger.Grant(id, amount, now).ok());
      granted += amount;
      movements.push_back({id, {"grant", amount}});
      Log("grant");
    } else {
      const Picos before = ledger.available();
      Result<Movement> m = ledger.Refund(id, amount, now);
      if (amount > before) {
        CHECK(m.status().code() == Code::kInvalidArgument);
        Log("refund refused");
      } else {
        REQUIRE(m.ok());
        refunded += amount;
        movements.push_back({id, {"refund", amount}});
        Log("refund");
      }
    }
  }

  Prices RandomPrices() {
    Prices p;
    p.prompt = static_cast<Picos>(R(4)) * 1'000'000 + static_cast<Picos>(R(1'000'000));  // < $4/M
    p.completion = p.prompt * static_cast<Picos>(1 + R(5));
    if (Chance(10)) p.prompt = p.completion = 0;  // free endpoint
    p.cache_read = p.prompt / 10;
    p.cache_write = p.prompt + p.prompt / 4;
    p.cache_write_1h = p.prompt * 2;
    p.reasoning = Chance(20) ? p.completion * 2 : p.completion;
    p.request = Chance(15) ? static_cast<Picos>(R(5)) * kPicosPerCent / 10 : 0;
    return p;
  }

  void Reserve() {
    auto r = std::make_unique<Res>();
    r->id = "gen-" + std::to_string(counter++);
    const std::string* keys[] = {&kKeyA, &kKeyB, &kKeyC, &kKeyD};
    r->key = *keys[R(4)];
    r->est = static_cast<int64_t>(R(200'000));
    if (Chance(70)) r->max_tokens = static_cast<int64_t>(R(400'000));
    r->ttl = 60'000 * static_cast<int64_t>(1 + R(30));
    const size_t n = 1 + R(3);
    r->prices.resize(n);
    r->attempts.resize(n);
    for (size_t i = 0; i < n; ++i) {
      r->prices[i] = RandomPrices();
      r->attempts[i].prices = &r->prices[i];
      r->attempts[i].context_length = Chance(50) ? 128'000 + static_cast<int64_t>(R(900'000)) : 0;
      r->attempts[i].max_completion_tokens =
          Chance(50) ? 4096 + static_cast<int64_t>(R(60'000)) : 0;
      r->attempts[i].byok = Chance(25);
    }
    ReserveRequest req = Request(*r);
    const Picos held_before = ledger.held();
    const Picos usage_before = ledger.total_usage();
    Result<Hold> h = ledger.Reserve(req);
    if (!h.ok()) {
      const Code code = h.status().code();
      CHECK((code == Code::kPaymentRequired || code == Code::kUnauthorized));
      if (r->key != kKeyD || code != Code::kUnauthorized) CHECK(code == Code::kPaymentRequired);
      if (code == Code::kPaymentRequired) {
        ++refusals;
        // The suggested max_tokens must really fit.
        if (h.status().metadata().contains("affordable_tokens")) {
          Res probe = *r;
          probe.id += "-probe";
          probe.max_tokens = h.status().metadata()["affordable_tokens"].get<int64_t>();
          for (size_t i = 0; i < n; ++i) probe.attempts[i].prices = &probe.prices[i];
          Result<Hold> fits = ledger.Reserve(Request(probe));
          INFO("suggested " << probe.max_tokens.value_or(-1) << " after: " << h.status().message()
                            << " | probe: " << (fits.ok() ? "" : fits.status().message()));
          CHECK(fits.ok());
          if (fits.ok()) CHECK(*ledger.Release(probe.id, now) == fits->amount);
        }
      }
      CHECK(ledger.held() == held_before);
      CHECK(ledger.total_usage() == usage_before);
      Log("reserve refused " + std::to_string(static_cast<int>(code)));
      return;
    }
    CHECK_FALSE(h->replayed);
    CHECK(h->expires_at_ms == now + r->ttl);
    CHECK(ledger.held() == held_before + h->amount);
    r->hold = *h;
    Log("reserve " + r->id + " " + FormatUsd(h->amount) + " " + FormatUsd(h->byok_amount));
    res.emplace(r->id, std::move(r));
  }

  ReserveRequest Request(const Res& r) const {
    ReserveRequest req;
    req.id = r.id;
    req.key_hash = r.key;
    req.now_ms = now;
    req.ttl_ms = r.ttl;
    req.estimated_prompt_tokens = r.est;
    req.max_tokens = r.max_tokens;
    req.attempts = r.attempts;
    return req;
  }

  SettleRequest SettleReq(const Res& r) const {
    SettleRequest s;
    s.id = r.id;
    s.now_ms = now;
    s.prices = r.attempts[r.attempt_used].prices;
    s.usage = r.usage;
    s.options.byok = r.attempts[r.attempt_used].byok;
    s.options.finish_reason = r.finish;
    return s;
  }

  Res* PickOpen(bool include_expired) {
    std::vector<Res*> open;
    for (auto& [id, r] : res) {
      if (r->state == Res::kOpen || (include_expired && r->state == Res::kExpired))
        open.push_back(r.get());
    }
    return open.empty() ? nullptr : open[R(open.size())];
  }

  void Settle() {
    Res* r = PickOpen(/*include_expired=*/Chance(20));
    if (r == nullptr) return;
    r->attempt_used = R(r->attempts.size());
    const AttemptPrices& a = r->attempts[r->attempt_used];
    Usage& u = r->usage;
    u.prompt_tokens = std::max<int64_t>(0, r->est + static_cast<int64_t>(R(2000)) - 1000);
    const int64_t cap = std::min<int64_t>(r->hold.max_tokens, 1'000'000);
    // Mostly within the hold; sometimes the provider overruns max_tokens.
    u.completion_tokens =
        Chance(8) ? cap + 1 + static_cast<int64_t>(R(50'000))
                  : (cap > 0 ? static_cast<int64_t>(R(static_cast<uint64_t>(cap) + 1)) : 0);
    u.reasoning_tokens = u.completion_tokens / 3;
    u.cached_tokens = Chance(30) ? u.prompt_tokens / 2 : 0;
    r->finish = Chance(10) ? "" : (Chance(5) ? "error" : "stop");
    Result<Cost> expected = ComputeCost(u, *a.prices, {a.byok, 0, kByokFeePpm, r->finish});
    REQUIRE(expected.ok());

    SettleRequest s = SettleReq(*r);
    GenerationRecord record;
    if (Chance(30)) {
      record.model = "m/" + std::to_string(R(3));
      record.provider_name = "P" + std::to_string(R(2));
      s.record = &record;
    }
    const Picos held_before = ledger.held();
    Result<Settlement> st = ledger.Settle(s);
    REQUIRE(st.ok());
    CHECK_FALSE(st->replayed);
    CHECK(st->cost == *expected);
    const bool late = r->state == Res::kExpired;
    CHECK(st->late == late);
    const Picos hold = late ? 0 : r->hold.amount;
    const Picos byok_hold = late ? 0 : r->hold.byok_amount;
    CHECK(st->hold == hold);
    CHECK(ledger.held() == held_before - hold);
    CHECK(st->overrun == std::max<Picos>(0, st->cost.charged - hold));
    const Picos byok_spend = st->cost.is_byok ? st->cost.upstream : 0;
    CHECK(st->byok_overrun == std::max<Picos>(0, byok_spend - byok_hold));
    spent += st->cost.charged;
    overrun_total += st->overrun;
    for (const std::string& m : MetersOf(r->key)) {
      const Meter& meter = FindMeter(m);
      overruns[m].push_back({now, st->overrun + (meter.include_byok ? st->byok_overrun : 0)});
    }
    ++settles;
    if (st->overrun > 0) ++overrun_settles;
    if (late) ++late_settles;
    r->state = Res::kSettled;
    r->closed_at = now;
    r->settlement = *st;
    Log("settle " + r->id + " " + FormatUsd(st->cost.charged) + (late ? " late" : ""));
  }

  void Release() {
    Res* r = PickOpen(false);
    if (r == nullptr) return;
    const Picos held_before = ledger.held();
    Result<Picos> freed = ledger.Release(r->id, now);
    REQUIRE(freed.ok());
    CHECK(*freed == r->hold.amount);
    CHECK(ledger.held() == held_before - r->hold.amount);
    r->state = Res::kReleased;
    r->closed_at = now;
    Log("release " + r->id);
  }

  void Expire() {
    std::vector<std::string> expected;
    for (auto& [id, r] : res) {
      if (r->state == Res::kOpen && r->hold.expires_at_ms <= now) {
        expected.push_back(id);
        r->state = Res::kExpired;
        r->closed_at = now;
      }
    }
    std::vector<std::string> got = ledger.Expire(now);
    CHECK(got == expected);  // both sorted by id (std::map order)
    // The ledger forgets closed reservations after the idempotency window: so does the model.
    for (auto it = res.begin(); it != res.end();) {
      if (it->second->state != Res::kOpen &&
          it->second->closed_at <= now - ledger.config().idempotency_window_ms) {
        it = res.erase(it);
      } else {
        ++it;
      }
    }
    Log("expire " + std::to_string(got.size()));
  }

  // Retries: the same id with the same content must change nothing and return the original;
  // with different content, 409.
  void Replay() {
    const Picos held = ledger.held(), usage = ledger.total_usage(), balance = ledger.balance();
    const size_t open = ledger.open_reservations();
    auto unchanged = [&] {
      CHECK(ledger.held() == held);
      CHECK(ledger.total_usage() == usage);
      CHECK(ledger.balance() == balance);
      CHECK(ledger.open_reservations() == open);
    };
    const uint64_t kind = R(4);
    if (kind == 0 && !movements.empty()) {
      auto& [id, m] = movements[R(movements.size())];
      const bool conflict = Chance(30);
      const Picos amount = m.second + (conflict ? kPicosPerCent : 0);
      Result<Movement> r = m.first == "purchase" ? ledger.Purchase(id, amount, now)
                           : m.first == "grant"  ? ledger.Grant(id, amount, now)
                                                 : ledger.Refund(id, amount, now);
      if (conflict) {
        CHECK(r.status().code() == Code::kConflict);
        ++conflicts;
      } else {
        REQUIRE(r.ok());
        CHECK(r->replayed);
        ++replays;
      }
      unchanged();
      Log("replay movement");
      return;
    }
    if (res.empty()) return;
    auto it = res.begin();
    std::advance(it, static_cast<long>(R(res.size())));
    Res& r = *it->second;
    if (kind == 1) {  // reserve retry
      Result<Hold> h = ledger.Reserve(Request(r));
      REQUIRE(h.ok());
      CHECK(h->replayed);
      CHECK(*h == r.hold);
      ++replays;
      if (Chance(30)) {
        ReserveRequest other = Request(r);
        other.estimated_prompt_tokens += 1;
        CHECK(ledger.Reserve(other).status().code() == Code::kConflict);
        ++conflicts;
      }
    } else if (kind == 2) {  // settle retry (only of a settle that happened, or after a release)
      if (r.state == Res::kOpen || r.state == Res::kExpired) return;
      SettleRequest s = SettleReq(r);
      Result<Settlement> st = ledger.Settle(s);
      if (r.state == Res::kSettled) {
        REQUIRE(st.ok());
        CHECK(st->replayed);
        CHECK(st->cost == r.settlement.cost);
        CHECK(st->overrun == r.settlement.overrun);
        ++replays;
        s.usage.completion_tokens += 1;
        CHECK(ledger.Settle(s).status().code() == Code::kConflict);
        ++conflicts;
      } else {
        CHECK(st.status().code() == Code::kConflict);  // released: cannot be settled
        ++conflicts;
      }
    } else {  // release retry
      Result<Picos> freed = ledger.Release(r.id, now);
      if (r.state == Res::kSettled) {
        CHECK(freed.status().code() == Code::kConflict);
        ++conflicts;
      } else if (r.state == Res::kOpen) {
        // A first release, not a retry: do it properly.
        REQUIRE(freed.ok());
        r.state = Res::kReleased;
        r.closed_at = now;
        Log("release(retry path) " + r.id);
        return;
      } else {
        REQUIRE(freed.ok());
        CHECK(*freed == 0);
        ++replays;
      }
    }
    unchanged();
    Log("replay " + r.id);
  }

  void AdvanceTime() {
    const uint64_t k = R(10);
    if (k < 6)
      now += static_cast<int64_t>(1 + R(120'000));  // up to 2 minutes
    else if (k < 9)
      now += static_cast<int64_t>(R(3 * 3'600'000));  // up to 3 hours
    else
      now += static_cast<int64_t>(R(2 * kMsPerDay));  // up to 2 days
    Log("time " + std::to_string(now));
  }

  // ---- invariants ----------------------------------------------------------------------------

  const Meter& FindMeter(const std::string& name) const {
    for (const Meter& m : kMeters) {
      if (m.name == name) return m;
    }
    FAIL("unknown meter " << name);
    return kMeters[0];
  }

  const Budget& BudgetOf(const Meter& m) const {
    if (m.kind == "key") return ledger.FindKey(m.name)->budget;
    if (m.kind == "workspace") return ledger.FindWorkspace(m.name)->budget;
    return ledger.FindGuardrail(m.name)->budget;
  }

  void CheckInvariants() {
    // 1. Conservation.
    CHECK(ledger.total_credits() == paid - fees + granted - refunded);
    CHECK(ledger.total_usage() == spent);
    CHECK(ledger.balance() == paid - fees + granted - refunded - spent);
    CHECK(ledger.overrun() == overrun_total);
    // 2. Holds.
    Picos open_sum = 0;
    std::map<std::string, std::pair<Picos, Picos>> meter_holds;
    size_t open = 0;
    for (auto& [id, r] : res) {
      if (r->state != Res::kOpen) continue;
      ++open;
      open_sum += r->hold.amount;
      for (const std::string& m : MetersOf(r->key)) {
        meter_holds[m].first += r->hold.amount;
        meter_holds[m].second += r->hold.byok_amount;
      }
    }
    CHECK(ledger.held() == open_sum);
    CHECK(ledger.open_reservations() == open);
    // 3. Limits: spent + outstanding ≤ limit + overruns recorded in the current period.
    const UtcPeriods p = UtcPeriods::At(now);
    for (const Meter& m : kMeters) {
      const Budget& b = BudgetOf(m);
      CHECK(b.held == meter_holds[m.name].first);
      CHECK(b.held_byok == meter_holds[m.name].second);
      Picos allowance = 0;
      const int64_t period = PeriodStartDay(m.reset, p.day);
      for (auto [t, amount] : overruns[m.name]) {
        if (m.reset == LimitReset::kNever || PeriodStartDay(m.reset, UtcDay(t)) == period)
          allowance += amount;
      }
      INFO("meter " << m.kind << " " << m.name.substr(0, 4) << " at " << FormatIsoUtc(now));
      CHECK(b.Spent(p) + b.Outstanding() <= m.limit + allowance);
    }
    CHECK(ledger.available() + overrun_total >= 0);
  }

  void Run(int steps, int import_at, bool via_log) {
    Setup();
    Json base;
    for (int i = 0; i < steps; ++i) {
      if (i == import_at) {
        if (via_log) {
          // Snapshot now; at the end the log since then must rebuild the same ledger.
          ledger.TakeLog();
          base = ledger.Export();
        } else {
          Result<Ledger> copy = Ledger::FromState(testing::JsonOf(Dump(ledger.Export())));
          REQUIRE(copy.ok());
          ledger = std::move(copy).value();
        }
      }
      const uint64_t op = R(100);
      if (op < 4)
        Purchase(static_cast<int64_t>(50 + R(3000)));
      else if (op < 8)
        GrantOrRefund();
      else if (op < 45)
        Reserve();
      else if (op < 68)
        Settle();
      else if (op < 76)
        Release();
      else if (op < 88)
        Replay();
      else if (op < 97)
        AdvanceTime();
      else
        Expire();
      CheckInvariants();
    }
    if (via_log) {
      Json state = base;
      state["log"] = ledger.TakeLog();
      Result<Ledger> rebuilt = Ledger::FromState(testing::JsonOf(Dump(state)));
      REQUIRE(rebuilt.ok());
      CHECK(rebuilt->Export() == ledger.Export());
    }
    // 5. No leaks: once every hold is past its expiry, an expire frees them all.
    now += 366 * kMsPerDay;
    Expire();
    CheckInvariants();
    CHECK(ledger.held() == 0);
    CHECK(ledger.open_reservations() == 0);
    for (const Meter& m : kMeters) {
      CHECK(BudgetOf(m).held == 0);
      CHECK(BudgetOf(m).held_byok == 0);
    }
  }
};

}  // namespace

TEST_CASE("ledger properties hold over random interleavings (4 seeds × 3000 steps)") {
  for (uint64_t seed : {1u, 2u, 3u, 20260801u}) {
    INFO("seed " << seed);
    Sim sim(seed);
    sim.Run(3000, -1, false);
    // The run must have exercised what it claims to.
    CHECK(sim.settles > 200);
    CHECK(sim.refusals > 20);
    CHECK(sim.overrun_settles > 5);
    CHECK(sim.late_settles > 0);
    CHECK(sim.replays > 50);
    CHECK(sim.conflicts > 10);
    std::printf(
        "ledger_property_test seed %llu: %d settles (%d overrun, %d late), %d refusals, "
        "%d replays, %d conflicts, final balance $%s\n",
        static_cast<unsigned long long>(seed), sim.settles, sim.overrun_settles, sim.late_settles,
        sim.refusals, sim.replays, sim.conflicts, FormatUsd(sim.ledger.balance()).c_str());
  }
}

TEST_CASE("export/import mid-run gives identical results and identical final state") {
  for (uint64_t seed : {7u, 8u}) {
    INFO("seed " << seed);
    Sim straight(seed), imported(seed), logged(seed);
    straight.Run(2000, -1, false);
    imported.Run(2000, 1000, false);
    logged.Run(2000, 700, true);
    REQUIRE(straight.transcript.size() == imported.transcript.size());
    for (size_t i = 0; i < straight.transcript.size(); ++i) {
      INFO("step " << i);
      REQUIRE(straight.transcript[i] == imported.transcript[i]);
    }
    CHECK(straight.transcript == logged.transcript);
    CHECK(straight.ledger.Export() == imported.ledger.Export());
    CHECK(straight.ledger.Export() == logged.ledger.Export());
  }
}
