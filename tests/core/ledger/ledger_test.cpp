// Ledger behaviour, case by case: credits and fees, keys (auth, expiry, management), reserve /
// settle / release / expire with idempotent replays, 402 refusals with the affordable max_tokens,
// limits that reset at 00:00 UTC (midnight, Monday, month ends, leap years), workspaces and
// guardrails (lowest limit wins, policy context), records and rollups, export/import and the log.
#include "test_support.h"

#include "switchyard/catalog/catalog.h"
#include "switchyard/json/json.h"
#include "switchyard/ledger/ledger.h"
#include "json_testing.h"

using namespace switchyard;

namespace {

int64_t At(int64_t y, int m, int d, int hh = 0, int mm = 0, int ss = 0, int ms = 0) {
  return DaysFromCivil(y, m, d) * kMsPerDay + ((hh * 60 + mm) * 60 + ss) * 1000 + ms;
}
const int64_t kT0 = At(2026, 8, 1, 12);  // a Saturday noon

std::string Hash(char c) { return std::string(64, c); }
const std::string kKey = Hash('a');

Picos Usd(const char* s) { return *ParseUsd(s); }

Json Ok(Ledger& l, const Json& command, const Catalog* catalog = nullptr) {
  Result<Json> r = l.Apply(command, catalog);
  INFO(command.dump());
  if (!r.ok()) INFO(r.status().message());
  REQUIRE(r.ok());
  return *r;
}

Status Err(Ledger& l, const Json& command) {
  Result<Json> r = l.Apply(command);
  INFO(command.dump());
  REQUIRE_FALSE(r.ok());
  return r.status();
}

Prices MakePrices(const char* prompt, const char* completion, const char* request = "0") {
  Result<Prices> p =
      ParseInlinePrices({{"prompt", prompt}, {"completion", completion}, {"request", request}});
  REQUIRE(p.ok());
  return *p;
}

// A funded account with one inference key.
Ledger Funded(const char* paid = "100", Json key = Json::object()) {
  Ledger l;
  REQUIRE(l.Purchase("pay_1", Usd(paid), kT0 - 1000).ok());
  Json create = {{"op", "create_key"}, {"hash", kKey}, {"name", "main"}, {"now_ms", kT0 - 1000}};
  create.update(key);
  Ok(l, create);
  return l;
}

struct Call {
  Prices prices = MakePrices("1", "2");  // $1 / $2 per million
  AttemptPrices attempt{&prices, 0, 0, false};
  ReserveRequest req;
  Call(std::string_view id, int64_t now, std::optional<int64_t> max_tokens, int64_t est = 1000) {
    req.id = id;
    req.key_hash = kKey;
    req.now_ms = now;
    req.estimated_prompt_tokens = est;
    req.max_tokens = max_tokens;
    req.attempts = {&attempt, 1};
  }
};

Result<Settlement> SettleUsage(Ledger& l, std::string_view id, int64_t now, const Prices& p,
                               int64_t prompt, int64_t completion, const char* finish = "stop",
                               bool byok = false) {
  SettleRequest s;
  s.id = id;
  s.now_ms = now;
  s.prices = &p;
  s.usage.prompt_tokens = prompt;
  s.usage.completion_tokens = completion;
  s.options.finish_reason = finish;
  s.options.byok = byok;
  return l.Settle(s);
}

}  // namespace

// ---- calendar --------------------------------------------------------------------------------

TEST_CASE("civil-date math is exact across eras, leap years and negative days") {
  CHECK(DaysFromCivil(1970, 1, 1) == 0);
  CHECK(DaysFromCivil(2026, 8, 1) == 20666);
  CHECK(DaysFromCivil(2028, 2, 29) == 21243);
  CHECK(DaysFromCivil(2000, 2, 29) == 11016);
  CHECK(Weekday(DaysFromCivil(2026, 8, 3)) == 0);  // Monday
  CHECK(Weekday(DaysFromCivil(2026, 8, 2)) == 6);  // Sunday
  CHECK(Weekday(0) == 3);                          // 1970-01-01 was a Thursday
  CHECK(Weekday(-1) == 2);
  for (int64_t d = -800'000; d <= 800'000; d += 97) {
    CivilDate c = CivilFromDays(d);
    REQUIRE(DaysFromCivil(c.year, c.month, c.day) == d);
  }
  CHECK(CivilFromDays(DaysFromCivil(2100, 3, 1) - 1) == CivilDate{2100, 2, 28});  // not a leap year
  CHECK(CivilFromDays(DaysFromCivil(2400, 3, 1) - 1) == CivilDate{2400, 2, 29});  // is one
  CHECK(UtcDay(-1) == -1);
  CHECK(UtcDay(kMsPerDay - 1) == 0);
}

TEST_CASE("period starts: midnight, Monday, the 1st") {
  const int64_t sun = DaysFromCivil(2026, 8, 2);
  CHECK(PeriodStartDay(LimitReset::kDaily, sun) == sun);
  CHECK(PeriodStartDay(LimitReset::kWeekly, sun) == DaysFromCivil(2026, 7, 27));
  CHECK(PeriodStartDay(LimitReset::kWeekly, sun + 1) == sun + 1);
  CHECK(PeriodStartDay(LimitReset::kMonthly, DaysFromCivil(2028, 2, 29)) ==
        DaysFromCivil(2028, 2, 1));
  CHECK(PeriodStartDay(LimitReset::kMonthly, DaysFromCivil(2028, 3, 1)) ==
        DaysFromCivil(2028, 3, 1));
  CHECK(PeriodStartDay(LimitReset::kMonthly, DaysFromCivil(2026, 12, 31)) ==
        DaysFromCivil(2026, 12, 1));
  CHECK(PeriodStartDay(LimitReset::kNever, sun) == INT64_MIN);
}

TEST_CASE("ISO timestamps format and parse in UTC, and bad ones are rejected") {
  CHECK(FormatIsoUtc(At(2026, 8, 1, 9, 5, 7, 42)) == "2026-08-01T09:05:07.042Z");
  CHECK(FormatIsoUtc(0) == "1970-01-01T00:00:00.000Z");
  CHECK(FormatUtcDate(DaysFromCivil(2028, 2, 29)) == "2028-02-29");
  CHECK(*ParseIsoUtc("2027-12-31T23:59:59Z") == At(2027, 12, 31, 23, 59, 59));
  CHECK(*ParseIsoUtc("2027-12-31") == At(2027, 12, 31));
  CHECK(*ParseIsoUtc("2024-07-15T23:33:19.433273+00:00") == At(2024, 7, 15, 23, 33, 19, 433));
  CHECK(*ParseIsoUtc("2026-08-01T02:00:00+02:00") == At(2026, 8, 1));
  CHECK(*ParseIsoUtc("2026-08-01T00:30:00-01:00") == At(2026, 8, 1, 1, 30));
  CHECK(*ParseTimeJson(Json(12345)) == 12345);
  for (const char* bad :
       {"", "2026", "2026-13-01", "2026-02-30", "2027-02-29", "2026-08-01T24:00:00Z",
        "2026-08-01T12:60Z", "2026-08-01T12:00:00.Z", "2026-08-01T12:00:00Zjunk", "2026-8-1",
        "x026-08-01", "2026-08-01T12:00:00+2:00"}) {
    INFO(bad);
    CHECK_FALSE(ParseIsoUtc(bad).ok());
  }
  CHECK(ParseIsoUtc("2028-02-29T00:00:00Z").ok());
  CHECK_FALSE(ParseTimeJson(Json(1.5)).ok());
}

TEST_CASE("usage counters roll at period boundaries without a reset job") {
  UsageCounter c;
  c.Add(5, UtcPeriods::At(At(2026, 8, 2, 23, 59, 59, 999)));  // Sunday, last millisecond
  const UtcPeriods monday = UtcPeriods::At(At(2026, 8, 3));
  CHECK(c.In(LimitReset::kDaily, monday) == 0);
  CHECK(c.In(LimitReset::kWeekly, monday) == 0);
  CHECK(c.In(LimitReset::kMonthly, monday) == 5);
  CHECK(c.In(LimitReset::kNever, monday) == 5);
  c.Add(7, monday);
  CHECK(c.In(LimitReset::kDaily, monday) == 7);
  CHECK(c.total == 12);
  // Time going backwards: the amount counts in the total only.
  c.Add(100, UtcPeriods::At(At(2026, 8, 1)));
  CHECK(c.In(LimitReset::kDaily, monday) == 7);
  CHECK(c.total == 112);
}

// ---- credits -----------------------------------------------------------------------------------

TEST_CASE("purchases land net of the platform fee; movements are idempotent") {
  Ledger l;
  Json r = Ok(l, {{"op", "purchase"}, {"id", "pay_1"}, {"amount", "10"}, {"now_ms", kT0}});
  CHECK(r["fee"] == "0.8");  // $0.80 minimum, not 5.5% = $0.55
  CHECK(r["credited"] == "9.2");
  CHECK(r["replayed"] == false);
  CHECK(l.balance() == Usd("9.2"));
  // Same id, same content: the original result, nothing changes.
  Json again = Ok(l, {{"op", "purchase"}, {"id", "pay_1"}, {"amount", 10}, {"now_ms", kT0 + 5}});
  CHECK(again["replayed"] == true);
  CHECK(again["credited"] == "9.2");
  CHECK(l.balance() == Usd("9.2"));
  // Same id, different content: 409.
  Status conflict =
      Err(l, {{"op", "purchase"}, {"id", "pay_1"}, {"amount", "20"}, {"now_ms", kT0}});
  CHECK(conflict.code() == Code::kConflict);
  CHECK(conflict.http_status() == 409);
  CHECK(Err(l, {{"op", "grant"}, {"id", "pay_1"}, {"amount", "10"}, {"now_ms", kT0}}).code() ==
        Code::kConflict);

  Ok(l, {{"op", "purchase"}, {"id", "pay_2"}, {"amount", "100"}, {"now_ms", kT0}});
  CHECK(l.purchase_fees() == Usd("6.30"));  // 0.80 + 5.50
  Ok(l, {{"op", "grant"}, {"id", "promo"}, {"amount", "5"}, {"now_ms", kT0}, {"note", "welcome"}});
  Ok(l, {{"op", "refund"}, {"id", "rf_1"}, {"amount", "3.7"}, {"now_ms", kT0}});
  CHECK(l.total_credits() == Usd("110") - Usd("6.3") + Usd("5") - Usd("3.7"));
  CHECK(l.balance() == l.total_credits());
  Ok(l, {{"op", "create_key"},
         {"hash", Hash('c')},
         {"name", "admin"},
         {"management", true},
         {"now_ms", kT0}});
  Ok(l, {{"op", "create_key"}, {"hash", Hash('d')}, {"name", "user"}, {"now_ms", kT0}});
  CHECK(Ok(l, {{"op", "credits"}, {"key_hash", Hash('c')}, {"now_ms", kT0}})["data"].contains(
      "total_credits"));
  CHECK(Err(l, {{"op", "credits"}, {"key_hash", Hash('d')}, {"now_ms", kT0}}).code() ==
        Code::kForbidden);
  Json credits = Ok(l, {{"op", "credits"}});
  CHECK(credits["data"]["total_credits"].get<double>() == 105.0);
  CHECK(credits["data"]["total_usage"].get<double>() == 0.0);
  CHECK(Ok(l, {{"op", "movements"}})["data"].size() == 4);

  // Refunds cannot take money that is not available.
  CHECK(Err(l, {{"op", "refund"}, {"id", "rf_2"}, {"amount", "1000"}, {"now_ms", kT0}}).code() ==
        Code::kInvalidArgument);
  // Bad input.
  CHECK(Err(l, {{"op", "purchase"}, {"id", "p3"}, {"amount", "0.5"}, {"now_ms", kT0}}).code() ==
        Code::kInvalidArgument);
  CHECK(Err(l, {{"op", "purchase"}, {"id", "p3"}, {"amount", "-5"}, {"now_ms", kT0}}).code() ==
        Code::kInvalidArgument);
  CHECK(Err(l, {{"op", "purchase"}, {"id", "p3"}, {"amount", "abc"}, {"now_ms", kT0}}).code() ==
        Code::kInvalidArgument);
  CHECK(Err(l, {{"op", "purchase"}, {"id", "p3"}, {"amount", "10"}}).code() ==
        Code::kInvalidArgument);
  CHECK(Err(l, {{"op", "purchase"}, {"amount", "10"}, {"now_ms", kT0}}).code() ==
        Code::kInvalidArgument);
  CHECK(
      Err(l, {{"op", "purchase"}, {"id", std::string(300, 'x')}, {"amount", "10"}, {"now_ms", kT0}})
          .code() == Code::kInvalidArgument);
  CHECK(Err(l, {{"op", "grant"}, {"id", "g"}, {"amount", Json::array()}, {"now_ms", kT0}}).code() ==
        Code::kInvalidArgument);
}

TEST_CASE("malformed commands are 400, never a crash") {
  Ledger l;
  for (const char* bad :
       {R"([])", R"("x")", R"({})", R"({"op":3})", R"({"op":"nope"})", R"({"op":"hold","id":"x"})",
        R"({"op":"charge"})", R"({"op":"reserve","id":"r","key_hash":"k","now_ms":1})",
        R"({"op":"settle","id":"r","now_ms":1})",
        R"({"op":"settle","id":"r","now_ms":1,"usage":{}})", R"({"op":"release","now_ms":1})",
        R"({"op":"expire"})", R"({"op":"expire","now_ms":-5})", R"({"op":"rollup","by":"colour"})",
        R"({"op":"configure","settings":{"max_generations":-1}})",
        R"({"op":"configure","data_collection":"maybe"})",
        R"({"op":"configure","allowed_models":[1,2]})"}) {
    INFO(bad);
    Result<Json> r = l.Apply(testing::JsonOf(bad));
    CHECK_FALSE(r.ok());
    CHECK((r.status().code() == Code::kInvalidArgument || r.status().code() == Code::kNotFound));
  }
}

// ---- keys
// ----------------------------------------------------------------------------------------

TEST_CASE("keys: hashed identity, auth failures, management keys") {
  Ledger l = Funded();
  const int64_t now = kT0;
  CHECK(Err(l, {{"op", "create_key"}, {"hash", "ABC"}, {"name", "x"}, {"now_ms", now}}).code() ==
        Code::kInvalidArgument);
  CHECK(
      Err(l, {{"op", "create_key"}, {"hash", std::string(64, 'A')}, {"name", "x"}, {"now_ms", now}})
          .code() == Code::kInvalidArgument);  // lowercase hex only
  CHECK(Err(l, {{"op", "create_key"}, {"hash", Hash('b')}, {"now_ms", now}}).code() ==
        Code::kInvalidArgument);
  // Reusing a hash with other content is a conflict; the identical create is a replay.
  CHECK(Err(l, {{"op", "create_key"}, {"hash", kKey}, {"name", "other"}, {"now_ms", now}}).code() ==
        Code::kConflict);
  Json replay =
      Ok(l, {{"op", "create_key"}, {"hash", kKey}, {"name", "main"}, {"now_ms", now + 99}});
  CHECK(replay["replayed"] == true);

  CHECK(l.Authenticate(kKey, KeyUse::kInference, now).ok());
  CHECK(l.Authenticate(Hash('9'), KeyUse::kInference, now).status().code() == Code::kUnauthorized);
  CHECK(l.Authenticate("short", KeyUse::kInference, now).status().code() == Code::kUnauthorized);
  // A hash that shares the 64-bit index prefix but differs later is still unknown.
  std::string near = kKey;
  near[63] = 'b';
  CHECK(l.Authenticate(near, KeyUse::kInference, now).status().code() == Code::kUnauthorized);

  Ok(l, {{"op", "create_key"},
         {"hash", Hash('c')},
         {"name", "admin"},
         {"management", true},
         {"now_ms", now}});
  CHECK(l.Authenticate(Hash('c'), KeyUse::kInference, now).status().code() == Code::kForbidden);
  CHECK(l.Authenticate(Hash('c'), KeyUse::kManagement, now).ok());
  CHECK(l.Authenticate(kKey, KeyUse::kManagement, now).status().code() == Code::kForbidden);
  Json auth = Ok(
      l, {{"op", "authenticate"}, {"key_hash", Hash('c')}, {"use", "management"}, {"now_ms", now}});
  CHECK(auth["data"]["is_management_key"] == true);

  // Disabled.
  Ok(l, {{"op", "update_key"}, {"hash", kKey}, {"disabled", true}, {"now_ms", now}});
  CHECK(l.Authenticate(kKey, KeyUse::kInference, now).status().code() == Code::kUnauthorized);
  Ok(l, {{"op", "update_key"}, {"hash", kKey}, {"disabled", false}, {"now_ms", now}});
  CHECK(l.Authenticate(kKey, KeyUse::kInference, now).ok());

  // Expiry: valid until the instant, invalid from it on.
  const int64_t expiry = At(2026, 9, 1);
  Ok(l, {{"op", "update_key"},
         {"hash", kKey},
         {"expires_at", "2026-09-01T00:00:00Z"},
         {"now_ms", now}});
  CHECK(l.Authenticate(kKey, KeyUse::kInference, expiry - 1).ok());
  CHECK(l.Authenticate(kKey, KeyUse::kInference, expiry).status().code() == Code::kUnauthorized);
  CHECK(
      Err(l, {{"op", "update_key"}, {"hash", kKey}, {"expires_at", "2020-01-01"}, {"now_ms", now}})
          .code() == Code::kInvalidArgument);
  CHECK(Err(l, {{"op", "update_key"}, {"hash", kKey}, {"limit_reset", "hourly"}, {"now_ms", now}})
            .code() == Code::kInvalidArgument);
  CHECK(Err(l, {{"op", "update_key"}, {"hash", kKey}, {"limit", "-1"}, {"now_ms", now}}).code() ==
        Code::kInvalidArgument);
  CHECK(
      Err(l, {{"op", "update_key"}, {"hash", Hash('e')}, {"name", "x"}, {"now_ms", now}}).code() ==
      Code::kNotFound);
  CHECK(Err(l, {{"op", "update_key"}, {"hash", kKey}, {"workspace_id", "nope"}, {"now_ms", now}})
            .code() == Code::kNotFound);

  Json list = Ok(l, {{"op", "list_keys"}, {"now_ms", now}});
  CHECK(list["data"].size() == 2);
  Ok(l, {{"op", "delete_key"}, {"hash", Hash('c')}, {"now_ms", now}});
  CHECK(Ok(l, {{"op", "list_keys"}, {"now_ms", now}})["data"].size() == 1);
  CHECK(l.Authenticate(Hash('c'), KeyUse::kManagement, now).status().code() == Code::kUnauthorized);
  CHECK(Err(l, {{"op", "create_key"},
                {"hash", Hash('c')},
                {"name", "admin"},
                {"management", true},
                {"now_ms", now}})
            .code() == Code::kConflict);  // a deleted identity is never reused
}

TEST_CASE("GET /key renders limits and usage like OpenRouter") {
  Ledger l = Funded("100", {{"label", "sk-sy-v1-aaa...aaa"},
                            {"limit", 10},
                            {"limit_reset", "daily"},
                            {"expires_at", "2027-12-31T23:59:59Z"}});
  Call call("gen-1", kT0, 1000);
  REQUIRE(l.Reserve(call.req).ok());
  REQUIRE(SettleUsage(l, "gen-1", kT0 + 10, call.prices, 1'000'000, 500'000).ok());  // $1 + $1
  Json body = Ok(l, {{"op", "key_info"}, {"key_hash", kKey}, {"now_ms", kT0 + 20}});
  const Json& d = body["data"];
  CHECK(d["label"] == "sk-sy-v1-aaa...aaa");
  CHECK(d["limit"].get<double>() == 10.0);
  CHECK(d["limit_remaining"].get<double>() == 8.0);
  CHECK(d["limit_reset"] == "daily");
  CHECK(d["include_byok_in_limit"] == false);
  CHECK(d["usage"].get<double>() == 2.0);
  CHECK(d["usage_daily"].get<double>() == 2.0);
  CHECK(d["usage_weekly"].get<double>() == 2.0);
  CHECK(d["usage_monthly"].get<double>() == 2.0);
  CHECK(d["byok_usage"].get<double>() == 0.0);
  CHECK(d["is_free_tier"] == false);
  CHECK(d["is_management_key"] == false);
  CHECK(d["expires_at"] == "2027-12-31T23:59:59.000Z");
  for (const char* field : {"byok_usage_daily", "byok_usage_weekly", "byok_usage_monthly"}) {
    CHECK(d.contains(field));
  }
  // Next UTC day: the daily figures are 0, the limit is whole again.
  Json tomorrow = Ok(l, {{"op", "key_info"}, {"key_hash", kKey}, {"now_ms", At(2026, 8, 2)}});
  CHECK(tomorrow["data"]["usage_daily"].get<double>() == 0.0);
  CHECK(tomorrow["data"]["limit_remaining"].get<double>() == 10.0);
  CHECK(tomorrow["data"]["usage_weekly"].get<double>() == 2.0);  // Sunday: same week
  Json monday = Ok(l, {{"op", "key_info"}, {"key_hash", kKey}, {"now_ms", At(2026, 8, 3)}});
  CHECK(monday["data"]["usage_weekly"].get<double>() == 0.0);
  CHECK(monday["data"]["usage_monthly"].get<double>() == 2.0);

  Ledger fresh;
  Ok(fresh, {{"op", "create_key"}, {"hash", kKey}, {"name", "k"}, {"now_ms", kT0}});
  CHECK(Ok(fresh,
           {{"op", "key_info"}, {"key_hash", kKey}, {"now_ms", kT0}})["data"]["is_free_tier"] ==
        true);
  CHECK(
      fresh.Apply({{"op", "key_info"}, {"key_hash", Hash('f')}, {"now_ms", kT0}}).status().code() ==
      Code::kUnauthorized);
}

// ---- reserve and settle
// ---------------------------------------------------------------------------

TEST_CASE("reserve holds the worst case; settle charges the actual cost and frees the rest") {
  Ledger l = Funded();  // $94.50 available
  Call call("gen-1", kT0, 1000);
  call.prices = MakePrices("1", "2", "0.001");  // + $0.001 per request
  Result<Hold> h = l.Reserve(call.req);
  REQUIRE(h.ok());
  // 1000 prompt × $1/M + 1000 completion × $2/M + $0.001 = $0.004
  CHECK(h->amount == Usd("0.004"));
  CHECK(h->max_tokens == 1000);
  CHECK(h->expires_at_ms == kT0 + l.config().reservation_ttl_ms);
  CHECK(l.held() == Usd("0.004"));
  CHECK(l.available() == Usd("94.5") - Usd("0.004"));
  CHECK(l.balance() == Usd("94.5"));

  Result<Settlement> s = SettleUsage(l, "gen-1", kT0 + 500, call.prices, 900, 100);
  REQUIRE(s.ok());
  CHECK(s->cost.charged == Usd("0.0021"));  // 900 × $1/M + 100 × $2/M + $0.001
  CHECK(s->hold == Usd("0.004"));
  CHECK(s->overrun == 0);
  CHECK(l.held() == 0);
  CHECK(l.total_usage() == Usd("0.0021"));
  CHECK(l.balance() == Usd("94.5") - Usd("0.0021"));
  CHECK(l.open_reservations() == 0);

  // Replays change nothing; conflicting replays are 409.
  Result<Hold> again = l.Reserve(call.req);
  REQUIRE(again.ok());
  CHECK(again->replayed);
  CHECK(*again == *h);
  CHECK(l.held() == 0);
  Result<Settlement> s2 = SettleUsage(l, "gen-1", kT0 + 900, call.prices, 900, 100);
  REQUIRE(s2.ok());
  CHECK(s2->replayed);
  CHECK(s2->cost == s->cost);
  CHECK(l.total_usage() == Usd("0.0021"));
  CHECK(SettleUsage(l, "gen-1", kT0 + 900, call.prices, 900, 101).status().code() ==
        Code::kConflict);
  call.req.max_tokens = 2000;
  CHECK(l.Reserve(call.req).status().code() == Code::kConflict);
  CHECK(l.Release("gen-1", kT0).status().code() == Code::kConflict);
  CHECK(SettleUsage(l, "gen-unknown", kT0, call.prices, 1, 1).status().code() == Code::kNotFound);
  CHECK(l.Release("gen-unknown", kT0).status().code() == Code::kNotFound);

  // The generation record carries the settled money.
  const GenerationRecord* rec = l.FindGeneration("gen-1");
  REQUIRE(rec != nullptr);
  CHECK(rec->cost.charged == Usd("0.0021"));
  CHECK(rec->key_hash == kKey);
  CHECK(rec->usage.prompt_tokens == 900);
  Json gen = Ok(l, {{"op", "generation"}, {"id", "gen-1"}});
  CHECK(gen["data"]["total_cost"].get<double>() == 0.0021);
  CHECK(gen["data"]["finish_reason"] == "stop");
  CHECK(l.Apply({{"op", "generation"}, {"id", "nope"}}).status().code() == Code::kNotFound);
}

TEST_CASE("release frees the hold; repeated release and settle-after-release behave") {
  Ledger l = Funded();
  Call call("gen-2", kT0, 500);
  REQUIRE(l.Reserve(call.req).ok());
  CHECK(l.held() > 0);
  Result<Picos> freed = l.Release("gen-2", kT0 + 1);
  REQUIRE(freed.ok());
  CHECK(*freed == Usd("0.002"));
  CHECK(l.held() == 0);
  CHECK(*l.Release("gen-2", kT0 + 2) == 0);  // no-op
  CHECK(l.held() == 0);
  CHECK(SettleUsage(l, "gen-2", kT0 + 3, call.prices, 10, 10).status().code() == Code::kConflict);
  CHECK(l.Reserve(call.req)->replayed);  // the id stays taken
  CHECK(l.held() == 0);
}

TEST_CASE("402: insufficient credits and the largest affordable max_tokens") {
  Ledger l;
  REQUIRE(l.Grant("g", Usd("0.01"), kT0).ok());  // one cent
  Ok(l, {{"op", "create_key"}, {"hash", kKey}, {"name", "k"}, {"now_ms", kT0}});
  Call call("gen-3", kT0, 100'000);  // 1000 × $1/M + 100k × $2/M = $0.201
  Result<Hold> h = l.Reserve(call.req);
  REQUIRE_FALSE(h.ok());
  CHECK(h.status().code() == Code::kPaymentRequired);
  CHECK(h.status().http_status() == 402);
  // $0.01 − $0.001 prompt = $0.009 → 4500 tokens at $2/M.
  CHECK(h.status().message() ==
        "This request requires more credits, or fewer max_tokens. You requested up to 100000 "
        "tokens, but can only afford 4500.");
  CHECK(h.status().metadata()["affordable_tokens"] == 4500);
  CHECK(h.status().metadata()["reason"] == "credits");
  Json body = ErrorBody(h.status());
  CHECK(body["error"]["code"] == 402);
  CHECK(l.held() == 0);
  // The suggestion is exact: 4500 fits, 4501 does not.
  call.req.max_tokens = 4501;
  CHECK_FALSE(l.Reserve(call.req).ok());
  call.req.max_tokens = 4500;
  CHECK(l.Reserve(call.req).ok());
  CHECK(l.available() == 0);

  // When not even the prompt fits: plain insufficient credits.
  Call big("gen-4", kT0, 10, 50'000);
  Result<Hold> h2 = l.Reserve(big.req);
  REQUIRE_FALSE(h2.ok());
  CHECK(h2.status().code() == Code::kPaymentRequired);
  CHECK(h2.status().message().rfind("Insufficient credits", 0) == 0);
}

TEST_CASE(
    "max_tokens absent: endpoint max_completion_tokens, else context − prompt, else fallback") {
  Ledger l = Funded();
  Call a("m1", kT0, std::nullopt, 1000);
  a.attempt.max_completion_tokens = 8192;
  a.attempt.context_length = 128'000;
  CHECK(l.Reserve(a.req)->max_tokens == 8192);
  Call b("m2", kT0, std::nullopt, 1000);
  b.attempt.context_length = 4096;
  CHECK(l.Reserve(b.req)->max_tokens == 3096);
  Call c("m3", kT0, std::nullopt, 5000);
  c.attempt.context_length = 4096;
  CHECK(l.Reserve(c.req)->max_tokens == 0);  // prompt already over context: prompt cost only
  Call d("m4", kT0, std::nullopt, 10);
  CHECK(l.Reserve(d.req)->max_tokens == l.config().fallback_max_tokens);
  // A max_tokens above what the endpoint can produce reserves only what it can produce.
  Call e("m5", kT0, 1'000'000, 1000);
  e.attempt.max_completion_tokens = 2048;
  CHECK(l.Reserve(e.req)->max_tokens == 2048);
}

TEST_CASE("the hold is the maximum over the plan's attempts") {
  Ledger l = Funded();
  Prices cheap = MakePrices("0.1", "0.4");
  Prices dear = MakePrices("3", "15", "0.002");
  Prices mid = MakePrices("1", "20");
  AttemptPrices attempts[] = {{&cheap, 0, 0, false}, {&dear, 0, 0, false}, {&mid, 0, 2000, false}};
  ReserveRequest r;
  r.id = "multi";
  r.key_hash = kKey;
  r.now_ms = kT0;
  r.estimated_prompt_tokens = 1000;
  r.max_tokens = 10'000;
  r.attempts = attempts;
  Result<Hold> h = l.Reserve(r);
  REQUIRE(h.ok());
  // dear: 0.003 + 0.15 + 0.002 = 0.155; mid capped at 2000: 0.001 + 0.04 = 0.041
  CHECK(h->amount == Usd("0.155"));
}

TEST_CASE("BYOK: credits hold and charge the 5% fee; include_byok_in_limit counts upstream") {
  Ledger l = Funded("100", {{"limit", "1"}, {"include_byok_in_limit", true}});
  Call call("byok-1", kT0, 10'000);
  call.attempt.byok = true;
  Result<Hold> h = l.Reserve(call.req);
  REQUIRE(h.ok());
  // list worst = 0.001 + 0.02 = 0.021 → fee hold 0.00105, BYOK hold 0.021
  CHECK(h->amount == Usd("0.00105"));
  CHECK(h->byok_amount == Usd("0.021"));
  const ApiKey* key = l.FindKey(kKey);
  CHECK(key->budget.held == Usd("0.00105"));
  CHECK(key->budget.held_byok == Usd("0.021"));
  Result<Settlement> s = SettleUsage(l, "byok-1", kT0 + 5, call.prices, 1000, 5000, "stop", true);
  REQUIRE(s.ok());
  CHECK(s->cost.is_byok);
  CHECK(s->cost.upstream == Usd("0.011"));
  CHECK(s->cost.charged == Usd("0.00055"));
  CHECK(l.total_usage() == Usd("0.00055"));
  Json info = Ok(l, {{"op", "key_info"}, {"key_hash", kKey}, {"now_ms", kT0 + 6}});
  CHECK(info["data"]["usage"].get<double>() == 0.00055);
  CHECK(info["data"]["byok_usage"].get<double>() == 0.011);
  CHECK(info["data"]["limit_remaining"].get<double>() == UsdNumber(Usd("1") - Usd("0.01155")));

  // The BYOK upstream worst case counts against a limit that includes BYOK...
  Call large("byok-2", kT0, 1'000'000);
  large.attempt.byok = true;  // list worst ≈ $2.001 > $1 limit, fee only $0.10
  Result<Hold> refused = l.Reserve(large.req);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().metadata()["reason"] == "key_limit");
  // ...but not against one that excludes it.
  Ok(l, {{"op", "update_key"}, {"hash", kKey}, {"include_byok_in_limit", false}, {"now_ms", kT0}});
  CHECK(l.Reserve(large.req).ok());
}

TEST_CASE("zero-completion insurance settles to nothing") {
  Ledger l = Funded();
  Call call("z", kT0, 100);
  REQUIRE(l.Reserve(call.req).ok());
  Result<Settlement> s = SettleUsage(l, "z", kT0 + 1, call.prices, 1000, 0, "");
  REQUIRE(s.ok());
  CHECK(s->cost.insured);
  CHECK(s->cost.charged == 0);
  CHECK(s->cost.upstream == Usd("0.001"));
  CHECK(l.total_usage() == 0);
  CHECK(l.held() == 0);
}

TEST_CASE("overrun: a settle above the hold charges the actual cost and records the excess") {
  Ledger l;
  REQUIRE(l.Grant("g", Usd("0.003"), kT0).ok());
  Ok(l,
     {{"op", "create_key"}, {"hash", kKey}, {"name", "k"}, {"limit", "0.0025"}, {"now_ms", kT0}});
  Call call("over", kT0, 500);  // hold 0.001 + 0.001 = 0.002
  REQUIRE(l.Reserve(call.req).ok());
  // The provider ignored max_tokens: 2000 completion tokens.
  Result<Settlement> s = SettleUsage(l, "over", kT0 + 1, call.prices, 1000, 2000);
  REQUIRE(s.ok());
  CHECK(s->cost.charged == Usd("0.005"));
  CHECK(s->overrun == Usd("0.003"));
  CHECK(l.overrun() == Usd("0.003"));
  CHECK(l.balance() == Usd("-0.002"));  // negative by exactly... the part not covered by credits
  CHECK(l.FindKey(kKey)->budget.usage.total == Usd("0.005"));  // limit passed by the overrun only

  // A negative balance refuses everything, free models included.
  Prices free_prices = MakePrices("0", "0");
  Call free_call("free", kT0 + 2, 100);
  free_call.prices = free_prices;
  Result<Hold> h = l.Reserve(free_call.req);
  REQUIRE_FALSE(h.ok());
  CHECK(h.status().code() == Code::kPaymentRequired);
  CHECK(h.status().message().find("negative") != std::string::npos);
  REQUIRE(l.Grant("g2", Usd("1"), kT0 + 3).ok());
  Ok(l, {{"op", "update_key"}, {"hash", kKey}, {"limit", nullptr}, {"now_ms", kT0 + 3}});
  CHECK(l.Reserve(free_call.req).ok());
}

TEST_CASE("holds expire; a late settle still charges, all of it as overrun") {
  Ledger l = Funded();
  Call call("late", kT0, 1000);
  call.req.ttl_ms = 60'000;
  REQUIRE(l.Reserve(call.req).ok());
  Call other("fresh", kT0 + 30'000, 1000);
  REQUIRE(l.Reserve(other.req).ok());
  CHECK(l.Expire(kT0 + 59'999).empty());
  std::vector<std::string> expired = l.Expire(kT0 + 60'000);
  CHECK(expired == std::vector<std::string>{"late"});
  CHECK(l.open_reservations() == 1);
  CHECK(l.held() == Usd("0.003"));
  CHECK(*l.Release("late", kT0 + 61'000) == 0);  // already free
  Result<Settlement> s = SettleUsage(l, "late", kT0 + 70'000, call.prices, 1000, 1000);
  REQUIRE(s.ok());
  CHECK(s->late);
  CHECK(s->hold == 0);
  CHECK(s->overrun == Usd("0.003"));
  CHECK(l.total_usage() == Usd("0.003"));
  CHECK(SettleUsage(l, "late", kT0 + 70'001, call.prices, 1000, 1000)->replayed);
  // Closed reservations are forgotten after the idempotency window; the open one expires too.
  l.Expire(kT0 + 70'000 + l.config().idempotency_window_ms);
  CHECK(l.open_reservations() == 0);
  CHECK(l.held() == 0);
  CHECK(SettleUsage(l, "late", kT0, call.prices, 1, 1).status().code() == Code::kNotFound);
}

TEST_CASE("at most max_closed_reservations closed reservations are kept, at every close") {
  Ledger l = Funded();
  Ok(l, {{"op", "configure"}, {"settings", {{"max_closed_reservations", 3}}}});
  Prices p = MakePrices("1", "2");
  for (int i = 0; i < 10; ++i) {
    std::string id = "r" + std::to_string(i);
    Call call(id, kT0 + i, 100);
    REQUIRE(l.Reserve(call.req).ok());
    REQUIRE(SettleUsage(l, id, kT0 + i, p, 100, 10).ok());
  }
  // No Expire ran: the cap held anyway, so snapshots stay small on a busy account.
  Json state = Ok(l, {{"op", "export"}});
  REQUIRE(state["snapshot"]["reservations"].is_array());
  CHECK(state["snapshot"]["reservations"].size() == 3);
  // The newest three still replay; the oldest are forgotten (a settle of one is unknown).
  CHECK(SettleUsage(l, "r9", kT0 + 20, p, 100, 10)->replayed);
  CHECK(SettleUsage(l, "r7", kT0 + 20, p, 100, 10)->replayed);
  CHECK(SettleUsage(l, "r0", kT0 + 20, p, 100, 10).status().code() == Code::kNotFound);
  // The cap survives export and import: the restored ledger keeps the same three.
  Result<Ledger> restored = Ledger::FromState(state);
  REQUIRE(restored.ok());
  CHECK(SettleUsage(*restored, "r8", kT0 + 30, p, 100, 10)->replayed);
}

// ---- limits across time
// ---------------------------------------------------------------------------

namespace {
// Spends exactly `usd` on the key at `now` (prompt-only at $1/M: usd × 1e6 tokens, stop).
Status Spend(Ledger& l, const std::string& id, int64_t now, int64_t micro_usd) {
  Call call(id, now, 0, micro_usd);
  Result<Hold> h = l.Reserve(call.req);
  if (!h.ok()) return h.status();
  Result<Settlement> s = SettleUsage(l, id, now, call.prices, micro_usd, 1);
  return s.ok() ? Status::Ok() : s.status();
}
}  // namespace

TEST_CASE("a daily limit resets at 00:00 UTC") {
  Ledger l = Funded("100", {{"limit", "1"}, {"limit_reset", "daily"}});
  const int64_t late = At(2026, 8, 1, 23, 59, 59, 999);
  REQUIRE(Spend(l, "d1", late - 1000, 999'990).ok());  // $0.99999 (+ 1 completion token at $2/M)
  Status refused = Spend(l, "d2", late, 10);
  CHECK(refused.code() == Code::kPaymentRequired);
  CHECK(refused.metadata()["reason"] == "key_limit");
  CHECK(refused.message().find("daily") != std::string::npos);
  CHECK(Spend(l, "d3", late + 1, 10).ok());  // 00:00:00.000 the next day
}

TEST_CASE("a weekly limit resets on Monday 00:00 UTC, not on Sunday") {
  Ledger l = Funded("100", {{"limit", "1"}, {"limit_reset", "weekly"}});
  REQUIRE(Spend(l, "w1", At(2026, 7, 27, 0, 0, 1), 999'990).ok());                         // Monday
  CHECK(Spend(l, "w2", At(2026, 8, 2, 23, 59, 59), 10).code() == Code::kPaymentRequired);  // Sunday
  CHECK(Spend(l, "w3", At(2026, 8, 3), 10).ok());  // next Monday
}

TEST_CASE("a monthly limit resets on the 1st, across month ends and leap days") {
  Ledger l = Funded("100", {{"limit", "1"}, {"limit_reset", "monthly"}});
  REQUIRE(Spend(l, "m1", At(2028, 2, 1), 999'990).ok());
  CHECK(Spend(l, "m2", At(2028, 2, 29, 23, 59, 59, 999), 10).code() ==
        Code::kPaymentRequired);  // leap day
  CHECK(Spend(l, "m3", At(2028, 3, 1), 10).ok());
  REQUIRE(Spend(l, "m4", At(2028, 12, 31, 12), 999'990).ok());
  CHECK(Spend(l, "m5", At(2028, 12, 31, 23, 59, 59, 999), 10).code() == Code::kPaymentRequired);
  CHECK(Spend(l, "m6", At(2029, 1, 1), 10).ok());  // new year
}

TEST_CASE("a hold taken before midnight still occupies the limit after it") {
  Ledger l = Funded("100", {{"limit", "1"}, {"limit_reset", "daily"}});
  Call open("span", At(2026, 8, 1, 23, 59), 0, 900'000);  // holds $0.90
  REQUIRE(l.Reserve(open.req).ok());
  // After midnight the daily usage is 0 but the open hold still counts, so spend stays ≤ limit.
  CHECK(Spend(l, "after", At(2026, 8, 2, 0, 1), 200'000).code() == Code::kPaymentRequired);
  REQUIRE(SettleUsage(l, "span", At(2026, 8, 2, 0, 2), open.prices, 900'000, 0, "stop").ok());
  CHECK(l.FindKey(kKey)->budget.Spent(UtcPeriods::At(At(2026, 8, 2, 0, 2))) == Usd("0.9"));
  CHECK(Spend(l, "after2", At(2026, 8, 2, 0, 3), 90'000).ok());
}

// ---- workspaces, guardrails, policy
// --------------------------------------------------------------

TEST_CASE("workspace and guardrail budgets: every limit applies, the lowest wins") {
  Ledger l;
  REQUIRE(l.Purchase("p", Usd("100"), kT0).ok());
  Ok(l, {{"op", "put_guardrail"},
         {"id", "gr_small"},
         {"limit_usd", "0.5"},
         {"reset_interval", "daily"},
         {"now_ms", kT0}});
  Ok(l, {{"op", "put_guardrail"},
         {"id", "gr_models"},
         {"allowed_models", {"openai/gpt-4o", "anthropic/claude-sonnet-4"}},
         {"allowed_providers", {"openai", "anthropic"}},
         {"enforce_zdr", true},
         {"now_ms", kT0}});
  Ok(l, {{"op", "put_workspace"},
         {"id", "ws_1"},
         {"name", "team"},
         {"limit", "2"},
         {"guardrails", {"gr_small"}},
         {"now_ms", kT0}});
  Ok(l, {{"op", "create_key"},
         {"hash", kKey},
         {"name", "k"},
         {"limit", "5"},
         {"workspace_id", "ws_1"},
         {"guardrails", {"gr_models"}},
         {"now_ms", kT0}});
  CHECK(Err(l,
            {{"op", "put_workspace"}, {"id", "ws_2"}, {"guardrails", {"missing"}}, {"now_ms", kT0}})
            .code() == Code::kNotFound);

  // The guardrail's $0.50/day is the lowest limit.
  Status s = Spend(l, "g1", kT0, 600'000);
  CHECK(s.code() == Code::kPaymentRequired);
  CHECK(s.metadata()["reason"] == "guardrail_budget");
  REQUIRE(Spend(l, "g2", kT0, 400'000).ok());
  CHECK(l.FindGuardrail("gr_small")->budget.usage.total == Usd("0.400002"));
  CHECK(l.FindWorkspace("ws_1")->budget.usage.total == Usd("0.400002"));
  // Lift the guardrail: now the workspace's $2 binds.
  Ok(l, {{"op", "put_guardrail"}, {"id", "gr_small"}, {"limit", nullptr}, {"now_ms", kT0}});
  Status ws = Spend(l, "g3", kT0, 1'700'000);
  CHECK(ws.metadata()["reason"] == "workspace_budget");
  REQUIRE(Spend(l, "g4", kT0, 1'500'000).ok());

  // Policy context: account ceiling ∩ guardrail lists, ZDR OR-ed.
  Ok(l, {{"op", "configure"},
         {"account_id", "acct_9"},
         {"allowed_providers", {"openai", "google"}},
         {"ignored_providers", {"deepinfra"}},
         {"data_collection", "deny"},
         {"byok_providers", {"openai"}}});
  Json ctx = Ok(l, {{"op", "policy"}, {"key_hash", kKey}, {"now_ms", kT0}});
  CHECK(ctx["account_id"] == "acct_9");
  CHECK(ctx["allowed_models"] == Json({"openai/gpt-4o", "anthropic/claude-sonnet-4"}));
  CHECK(ctx["allowed_providers"] == Json({"openai"}));
  CHECK(ctx["ignored_providers"] == Json({"deepinfra"}));
  CHECK(ctx["zdr"] == true);
  CHECK(ctx["data_collection"] == "deny");
  CHECK(ctx["byok_providers"] == Json({"openai"}));
  // A guardrail deleted stops applying; a key with none gets the account's policy.
  Ok(l, {{"op", "delete_guardrail"}, {"id", "gr_models"}});
  Json ctx2 = Ok(l, {{"op", "policy"}, {"key_hash", kKey}, {"now_ms", kT0}});
  CHECK(ctx2["allowed_models"].is_null());
  CHECK(ctx2["zdr"] == false);
  CHECK(Ok(l, {{"op", "list_guardrails"}})["data"].size() == 1);
  CHECK(Ok(l, {{"op", "get_workspace"}, {"id", "ws_1"}, {"now_ms", kT0}})["data"]["limit"]
            .get<double>() == 2.0);
}

TEST_CASE("the reserve command reads a plan and inline or catalog prices") {
  Ledger l = Funded();
  Json plan = {
      {"attempts",
       {{{"index", 0}, {"pricing", {{"prompt", "3"}, {"completion", "15"}}}, {"byok", false}},
        {{"index", 1},
         {"pricing", {{"prompt", "1"}, {"completion", "1"}}},
         {"tiers", {{{"min_prompt_tokens", 1000}, {"pricing", {{"completion", "100"}}}}}}}}},
      {"estimated_prompt_tokens", 1000},
      {"max_tokens", 100}};
  Json r = Ok(
      l, {{"op", "reserve"}, {"id", "gen-p"}, {"key_hash", kKey}, {"now_ms", kT0}, {"plan", plan}});
  // attempt 0: 0.003 + 0.0015 = 0.0045; attempt 1 (tier at 1000): 0.001 + 0.01 = 0.011
  CHECK(r["hold"] == "0.011");
  CHECK(r["max_tokens"] == 100);
  CHECK(r["replayed"] == false);
  Json again = Ok(l, {{"op", "reserve"},
                      {"id", "gen-p"},
                      {"key_hash", kKey},
                      {"now_ms", kT0 + 9},
                      {"plan", plan}});
  CHECK(again["replayed"] == true);

  Json s = Ok(l, {{"op", "settle"},
                  {"id", "gen-p"},
                  {"now_ms", kT0 + 100},
                  {"attempt", plan["attempts"][0]},
                  {"usage",
                   {{"prompt_tokens", 1000},
                    {"completion_tokens", 50},
                    {"prompt_tokens_details", {{"cached_tokens", 0}}}}},
                  {"finish_reason", "stop"},
                  {"generation",
                   {{"model", "anthropic/claude-sonnet-4"},
                    {"provider_name", "Anthropic"},
                    {"latency_ms", 250},
                    {"streamed", true},
                    {"app_title", "My App"},
                    {"http_referer", "https://example.com"},
                    {"session_id", "s1"}}}});
  CHECK(s["charged"] == "0.00375");
  CHECK(s["usage"]["cost"].get<double>() == 0.00375);
  CHECK(s["usage"]["is_byok"] == false);
  CHECK(s["usage"]["total_tokens"] == 1050);
  CHECK(s["replayed"] == false);
  Json gen = Ok(l, {{"op", "generation"}, {"id", "gen-p"}})["data"];
  CHECK(gen["model"] == "anthropic/claude-sonnet-4");
  CHECK(gen["provider_name"] == "Anthropic");
  CHECK(gen["streamed"] == true);
  CHECK(gen["latency"] == 250);
  CHECK(gen["session_id"] == "s1");

  // Endpoint indexes need the router's catalog.
  Status no_catalog = Err(l, {{"op", "reserve"},
                              {"id", "gen-q"},
                              {"key_hash", kKey},
                              {"now_ms", kT0},
                              {"attempts", {{{"endpoint", 0}}}},
                              {"estimated_prompt_tokens", 10}});
  CHECK(no_catalog.code() == Code::kInvalidArgument);
  CHECK(Err(l, {{"op", "reserve"},
                {"id", "gen-q"},
                {"key_hash", kKey},
                {"now_ms", kT0},
                {"attempts", Json::array()}})
            .code() == Code::kInvalidArgument);
  CHECK(Err(l, {{"op", "reserve"},
                {"id", "gen-q"},
                {"key_hash", kKey},
                {"now_ms", kT0},
                {"attempts", {{{"pricing", {{"prompt", "x"}}}}}}})
            .code() == Code::kInvalidArgument);
  CHECK(Err(l, {{"op", "reserve"},
                {"id", "gen-q"},
                {"key_hash", kKey},
                {"now_ms", kT0},
                {"max_tokens", -1},
                {"attempts", {{{"pricing", {{"prompt", "1"}}}}}}})
            .code() == Code::kInvalidArgument);
  CHECK(Err(l, {{"op", "reserve"},
                {"id", "gen-q"},
                {"key_hash", kKey},
                {"now_ms", kT0},
                {"attempts",
                 {{{"pricing", {{"prompt", "1"}}},
                   {"tiers", {{{"min_prompt_tokens", 0}, {"pricing", Json::object()}}}}}}}})
            .code() == Code::kInvalidArgument);
  CHECK(Err(l, {{"op", "settle"},
                {"id", "gen-p"},
                {"now_ms", kT0},
                {"pricing", {{"prompt", "1"}}},
                {"usage", {{"prompt_tokens", 1}}},
                {"discount", "2"}})
            .code() == Code::kInvalidArgument);
  CHECK(Err(l, {{"op", "settle"},
                {"id", "gen-p"},
                {"now_ms", kT0},
                {"pricing", {{"prompt", "1"}}},
                {"usage", {{"prompt_tokens", 1}}},
                {"finish_reason", 3}})
            .code() == Code::kInvalidArgument);
  CHECK(Err(l, {{"op", "settle"},
                {"id", "gen-p"},
                {"now_ms", kT0},
                {"pricing", {{"prompt", "1"}}},
                {"usage", {{"prompt_tokens", 1}}},
                {"generation", {{"model", 5}}}})
            .code() == Code::kInvalidArgument);
}

TEST_CASE("the reserve command resolves catalog endpoints and their long-context tiers") {
  // The catalog module's own small fixture; expectations are computed from its endpoint so a
  // price edit there does not break this test.
  Result<Json> doc = ParseJson(switchyard::testing::ReadFile("tests/fixtures/catalog/small.json"));
  REQUIRE(doc.ok());
  Result<Catalog> catalog = Catalog::FromJson(*doc);
  REQUIRE(catalog.ok());
  const Endpoint* e = catalog->FindEndpoint("anthropic/claude-sonnet-4", "anthropic");
  REQUIRE(e != nullptr);
  REQUIRE_FALSE(e->tiers.empty());
  const int64_t est = e->tiers[0].min_prompt_tokens + 50'000;  // inside the long-context tier
  const Prices& tier = catalog->PricesFor(*e, est);
  CHECK(tier.prompt == e->tiers[0].prices.prompt);
  int64_t cap = e->max_completion_tokens > 0 ? e->max_completion_tokens : INT64_MAX;
  if (e->context_length > 0) cap = std::min(cap, e->context_length - est);
  Ledger l = Funded("1000");
  Json r = Ok(l,
              {{"op", "reserve"},
               {"id", "c1"},
               {"key_hash", kKey},
               {"now_ms", kT0},
               {"attempts", {{{"endpoint", e->index}}}},
               {"estimated_prompt_tokens", est}},
              &*catalog);
  CHECK(r["max_tokens"] == cap);
  CHECK(r["hold"] == FormatUsd(est * tier.prompt + cap * std::max(tier.completion, tier.reasoning) +
                               tier.request));
  // The settle prices the ACTUAL prompt: below the tier, base prices apply.
  Json s = Ok(l,
              {{"op", "settle"},
               {"id", "c1"},
               {"now_ms", kT0 + 1},
               {"endpoint", e->index},
               {"usage", {{"prompt_tokens", 100'000}, {"completion_tokens", 1000}}},
               {"finish_reason", "stop"}},
              &*catalog);
  CHECK(s["charged"] ==
        FormatUsd(100'000 * e->prices.prompt + 1000 * e->prices.completion + e->prices.request));
  Json gen = Ok(l, {{"op", "generation"}, {"id", "c1"}})["data"];
  CHECK(gen["model"] == "anthropic/claude-sonnet-4");
  CHECK(gen["provider_name"] == catalog->provider_of(*e).name);
  CHECK(Err(l, {{"op", "reserve"},
                {"id", "c2"},
                {"key_hash", kKey},
                {"now_ms", kT0},
                {"attempts", {{{"endpoint", 100000}}}}})
            .code() == Code::kInvalidArgument);
}

// ---- records, rollups, state
// ---------------------------------------------------------------------

TEST_CASE("records are bounded to the last N; rollups count every generation") {
  Ledger l = Funded();
  Ok(l, {{"op", "configure"}, {"settings", {{"max_generations", 3}}}});
  for (int i = 0; i < 5; ++i) {
    std::string id = "gen-" + std::to_string(i);
    Call call(id, kT0 + i, 10);
    REQUIRE(l.Reserve(call.req).ok());
    GenerationRecord rec;
    rec.model = i % 2 ? "openai/gpt-4o" : "anthropic/claude-sonnet-4";
    rec.provider_name = i % 2 ? "OpenAI" : "Anthropic";
    rec.app_title = i < 2 ? "App A" : "";
    rec.http_referer = "https://b.example";
    SettleRequest s;
    s.id = id;
    s.now_ms = kT0 + i + (i == 4 ? kMsPerDay : 0);
    s.prices = &call.prices;
    s.usage.prompt_tokens = 1'000'000;
    s.usage.completion_tokens = 1;
    s.options.finish_reason = "stop";
    s.record = &rec;
    REQUIRE(l.Settle(s).ok());
  }
  CHECK(l.generation_count() == 3);
  CHECK(l.generation(0).id == "gen-2");  // oldest kept
  CHECK(l.generation(2).id == "gen-4");
  // Shrinking keeps the newest.
  Ok(l, {{"op", "configure"}, {"settings", {{"max_generations", 2}}}});
  CHECK(l.generation_count() == 2);
  CHECK(l.generation(0).id == "gen-3");
  CHECK(l.FindGeneration("gen-0") == nullptr);
  CHECK(l.FindGeneration("gen-4") != nullptr);
  const int64_t day = UtcDay(kT0);
  CHECK(l.rollups().Get(RollupBy::kDay, "", day)->requests == 4);
  CHECK(l.rollups().Get(RollupBy::kDay, "", day + 1)->requests == 1);
  CHECK(l.rollups().Get(RollupBy::kModel, "openai/gpt-4o", day)->requests == 2);
  CHECK(l.rollups().Get(RollupBy::kProvider, "Anthropic", day)->cost == 2 * Usd("1.000002"));
  CHECK(l.rollups().Get(RollupBy::kApp, "App A", day)->requests == 2);
  CHECK(l.rollups().Get(RollupBy::kApp, "https://b.example", day)->requests == 2);
  CHECK(l.rollups().Get(RollupBy::kKey, kKey, day)->requests == 4);
  Json by_model =
      Ok(l, {{"op", "rollup"}, {"by", "model"}, {"from", "2026-08-01"}, {"to", "2026-08-01"}});
  CHECK(by_model["data"].size() == 2);
  CHECK(by_model["data"][0]["model"] == "anthropic/claude-sonnet-4");
  CHECK(by_model["data"][0]["day"] == "2026-08-01");
  Json recent = Ok(l, {{"op", "generations"}, {"limit", 2}});
  CHECK(recent["data"].size() == 2);
  CHECK(recent["data"][0]["id"] == "gen-4");
  // Old days fall out of the rollups.
  l.Expire(kT0 + 40 * kMsPerDay);
  CHECK(!l.rollups().Get(RollupBy::kDay, "", day).has_value());
}

TEST_CASE("export → import gives identical state and identical behaviour") {
  Ledger a = Funded("50", {{"limit", "3"}, {"limit_reset", "weekly"}, {"label", "sk-x"}});
  Ok(a, {{"op", "put_guardrail"},
         {"id", "gr"},
         {"limit", "10"},
         {"allowed_models", {"m/a"}},
         {"now_ms", kT0}});
  Ok(a, {{"op", "put_workspace"},
         {"id", "ws"},
         {"limit", "20"},
         {"guardrails", {"gr"}},
         {"now_ms", kT0}});
  Ok(a, {{"op", "update_key"}, {"hash", kKey}, {"workspace_id", "ws"}, {"now_ms", kT0}});
  Call open("open-1", kT0, 1000);
  REQUIRE(a.Reserve(open.req).ok());
  Call done("done-1", kT0, 1000);
  REQUIRE(a.Reserve(done.req).ok());
  REQUIRE(SettleUsage(a, "done-1", kT0 + 1, done.prices, 500, 500).ok());
  Call rel("rel-1", kT0, 10);
  REQUIRE(a.Reserve(rel.req).ok());
  REQUIRE(a.Release("rel-1", kT0 + 2).ok());

  Json state = a.Export();
  Result<Ledger> b =
      Ledger::FromState(testing::JsonOf(Dump(state)));  // through text, as a host stores it
  REQUIRE(b.ok());
  CHECK(b->Export() == state);
  CHECK(b->balance() == a.balance());
  CHECK(b->held() == a.held());

  // The same future on both.
  for (Ledger* l : {&a, &*b}) {
    CHECK(SettleUsage(*l, "open-1", kT0 + 10, open.prices, 700, 300).ok());
    CHECK(SettleUsage(*l, "done-1", kT0 + 10, done.prices, 500, 500)->replayed);
    CHECK(*l->Release("rel-1", kT0 + 10) == 0);
    Call more("more", kT0 + 20, 100'000);
    CHECK(l->Reserve(more.req).ok());
  }
  CHECK(a.Export() == b->Export());

  // Corrupt state is refused, not half-loaded.
  Json bad = state;
  bad["snapshot"]["totals"]["held"] = "5";
  CHECK_FALSE(Ledger::FromState(bad).ok());
  Json bad2 = state;
  bad2["format"] = "other";
  CHECK_FALSE(Ledger::FromState(bad2).ok());
  Json bad3 = state;
  bad3["snapshot"]["reservations"][0]["key"] = Hash('0');
  CHECK_FALSE(Ledger::FromState(bad3).ok());
  CHECK(Ledger::FromState(Json()).ok());
  CHECK(Ledger::FromState(Json::object()).ok());
  CHECK_FALSE(Ledger::FromState(Json::array()).ok());
}

TEST_CASE("the operation log replays onto the snapshot it followed") {
  Ledger l;
  Ok(l, {{"op", "configure"}, {"settings", {{"journal", true}}}});
  Json base = l.Export();
  l.TakeLog();
  REQUIRE(l.Purchase("p", Usd("20"), kT0).ok());
  Ok(l, {{"op", "create_key"}, {"hash", kKey}, {"name", "k"}, {"limit", "5"}, {"now_ms", kT0}});
  Call c1("g1", kT0, 1000);
  REQUIRE(l.Reserve(c1.req).ok());
  Call c2("g2", kT0, 1000);
  c2.req.ttl_ms = 10;
  REQUIRE(l.Reserve(c2.req).ok());
  GenerationRecord rec;
  rec.model = "m/x";
  rec.provider_name = "X";
  SettleRequest s;
  s.id = "g1";
  s.now_ms = kT0 + 5;
  s.prices = &c1.prices;
  s.usage.prompt_tokens = 100;
  s.usage.completion_tokens = 100;
  s.options.finish_reason = "stop";
  s.record = &rec;
  REQUIRE(l.Settle(s).ok());
  l.Expire(kT0 + 100);
  REQUIRE(SettleUsage(l, "g2", kT0 + 200, c2.prices, 10, 10).ok());  // late
  Call c3("g3", kT0, 1000);
  REQUIRE(l.Reserve(c3.req).ok());
  REQUIRE(l.Release("g3", kT0 + 300).ok());

  Json log = l.TakeLog();
  // purchase, create_key, hold ×2, charge, expire, late charge, hold, release
  CHECK(log.size() == 9);
  Json state = base;
  state["log"] = log;
  Result<Ledger> replayed = Ledger::FromState(testing::JsonOf(Dump(state)));
  REQUIRE(replayed.ok());
  CHECK(replayed->Export() == l.Export());
  CHECK(l.TakeLog().empty());
}

// ---- results as text (ApplyText, the C ABI's form) -------------------------------------------

namespace {

Json ReserveCommand(const char* id, int64_t now) {
  return {{"op", "reserve"},       {"id", id},          {"key_hash", kKey},
          {"now_ms", now},         {"max_tokens", 500}, {"estimated_prompt_tokens", 1000},
          {"attempts", Json::array({Json{{"pricing", {{"prompt", "1"}, {"completion", "2"}}}}})}};
}

Json SettleCommandJson(const char* id, int64_t now, Json extra = Json::object()) {
  Json c = {{"op", "settle"},
            {"id", id},
            {"now_ms", now},
            {"usage", {{"prompt_tokens", 900}, {"completion_tokens", 77}, {"cached_tokens", 100}}},
            {"pricing", {{"prompt", "1"}, {"completion", "2"}, {"input_cache_read", "0.1"}}},
            {"finish_reason", "stop"},
            {"generation",
             {{"model", "m/\"x\""},
              {"provider_name", "X\n"},
              {"latency_ms", 12},
              {"streamed", true},
              {"app_title", "Ünïcode ✓"},
              {"provider_responses",
               Json::array({Json{{"provider_name", "Y"}, {"status", 502}, {"error_type", "server"}},
                            Json{{"provider_name", "X\n"}, {"status", 200}, {"latency_ms", 9}}})}}}};
  c.update(extra);
  return c;
}

}  // namespace

TEST_CASE("ApplyText answers each command as Dump(Apply) does, the hot ones written as text") {
  // Two ledgers in step: one answers through the DOM, the other as text.
  Ledger dom, text;
  const Json setup[] = {
      {{"op", "configure"}, {"settings", {{"journal", true}}}},
      {{"op", "purchase"}, {"id", "p1"}, {"amount", "50"}, {"now_ms", kT0}},
      {{"op", "put_workspace"}, {"id", "ws_1"}, {"name", "W"}, {"now_ms", kT0}},
      {{"op", "create_key"}, {"hash", kKey}, {"name", "k"}, {"workspace_id", "ws_1"},
       {"now_ms", kT0}},
  };
  std::vector<Json> commands(std::begin(setup), std::end(setup));
  commands.push_back(ReserveCommand("g1", kT0 + 1));
  commands.push_back(SettleCommandJson("g1", kT0 + 2));  // the amounts, as before
  commands.push_back(ReserveCommand("g2", kT0 + 3));
  commands.push_back(SettleCommandJson("g2", kT0 + 4, {{"reply", "generation"}}));
  commands.push_back(SettleCommandJson("g2", kT0 + 4, {{"reply", "generation"}}));  // replay
  commands.push_back(ReserveCommand("g3", kT0 + 5));
  commands.push_back(SettleCommandJson("g3", kT0 + 6, {{"reply", "none"}}));
  commands.push_back({{"op", "generation"}, {"id", "g1"}});
  commands.push_back({{"op", "generations"}, {"limit", 2}});
  commands.push_back({{"op", "balance"}});
  commands.push_back({{"op", "take_log"}});
  commands.push_back({{"op", "take_log"}});  // empty now
  for (const Json& c : commands) {
    INFO(c.dump());
    Result<Json> a = dom.Apply(c);
    Result<std::string> b = text.ApplyText(c);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(*b == Dump(*a));
  }
  // The replies: a record, {} for "none", the record again for a replay.
  Json body = Ok(dom, {{"op", "generation"}, {"id", "g2"}});
  CHECK(body["data"]["model"] == "m/\"x\"");
  CHECK(body["data"]["workspace_id"] == "ws_1");

  // A reply the ledger does not know is refused before anything is charged.
  const Picos before = text.balance();
  REQUIRE(text.ApplyText(ReserveCommand("g4", kT0 + 7)).ok());
  Result<std::string> bad = text.ApplyText(SettleCommandJson("g4", kT0 + 8, {{"reply", "all"}}));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Code::kInvalidArgument);
  CHECK(text.balance() == before);
  Result<Json> bad_dom = dom.Apply(SettleCommandJson("g4", kT0 + 8, {{"reply", 1}}));
  CHECK_FALSE(bad_dom.ok());
  // Errors are the same either way.
  CHECK(text.ApplyText({{"op", "generation"}, {"id", "nope"}}).status().code() ==
        Code::kNotFound);
  CHECK_FALSE(text.ApplyText(Json::array()).ok());
}

TEST_CASE("a charge's log entry states its cost once, and logs of either form replay") {
  Ledger l;
  Ok(l, {{"op", "configure"}, {"settings", {{"journal", true}}}});
  Json base = l.Export();
  (void)l.TakeLog();
  Ok(l, {{"op", "purchase"}, {"id", "p1"}, {"amount", "50"}, {"now_ms", kT0}});
  Ok(l, {{"op", "put_workspace"}, {"id", "ws_1"}, {"now_ms", kT0}});
  Ok(l, {{"op", "create_key"}, {"hash", kKey}, {"name", "k"}, {"workspace_id", "ws_1"},
         {"now_ms", kT0}});
  Ok(l, ReserveCommand("g1", kT0 + 1));
  Ok(l, SettleCommandJson("g1", kT0 + 2, {{"reply", "none"}}));
  Ok(l, ReserveCommand("g2", kT0 + 3));
  Ok(l, SettleCommandJson("g2", kT0 + 4));
  Result<std::string> text = l.ApplyText({{"op", "take_log"}});
  REQUIRE(text.ok());
  CHECK(Dump(testing::JsonOf(*text)) == *text);  // canonical: every entry's members in key order
  Json log = testing::JsonOf(*text)["log"];
  int charges = 0, holds = 0;
  for (const Json& e : log) {
    if (e["op"] == "hold") {
      ++holds;
      CHECK(e["key_hash"] == kKey);
      CHECK(e["amount"].is_string());
      CHECK(e["byok_amount"] == "0");
      CHECK(e["max_tokens"] == 500);
    }
    if (e["op"] != "charge") continue;
    ++charges;
    const GenerationRecord* kept = l.FindGeneration(e["id"].get<std::string>());
    REQUIRE(kept != nullptr);
    CHECK(Dump(e["cost"]) == Dump(CostToJson(kept->cost)));
    CHECK(e["now_ms"] == kept->created_at_ms);
    for (const char* gone : {"cost", "id", "created_at_ms", "key_hash", "workspace_id"}) {
      CHECK_FALSE(e["record"].contains(gone));
    }
    CHECK(e["record"]["model"] == "m/\"x\"");
  }
  CHECK(charges == 2);
  CHECK(holds == 2);

  // This log, and the same log as it was written before (each record whole, its cost again),
  // replay to the live ledger's state.
  Json old_log = log;
  for (Json& e : old_log) {
    if (e["op"] != "charge") continue;
    Json& r = e["record"];
    r["cost"] = e["cost"];
    r["id"] = e["id"];
    r["created_at_ms"] = e["now_ms"];
    r["key_hash"] = kKey;
    r["workspace_id"] = "ws_1";
  }
  for (const Json* entries : {&log, &old_log}) {
    Json state = base;
    state["log"] = *entries;
    Result<Ledger> replayed = Ledger::FromState(testing::JsonOf(Dump(state)));
    REQUIRE(replayed.ok());
    CHECK(Dump(replayed->Export()) == Dump(l.Export()));
  }
}
