// Money: exact decimal parsing, the one rounding rule, the cost of a generation against golden
// fixtures (tests/fixtures/money/*.json, computed independently with exact rationals), the
// purchase fee, and the drift of a million rounded generation costs from the exact sum.
#include "test_support.h"

#include <cstdio>
#include <random>

#include "switchyard/json/json.h"
#include "switchyard/money/money.h"
#include "json_testing.h"

using namespace switchyard;
using switchyard::testing::ReadFile;

namespace {

Picos Usd(const char* text) {
  Result<Picos> r = ParseUsd(text);
  REQUIRE(r.ok());
  return *r;
}

// The "tiny helper" of the fixtures: native usage of each wire convention → Usage. (The wire
// translators own the real conversion; this one only reads the fields the fixtures use.)
Usage FromNative(const Json& native) {
  const std::string format = native["format"].get<std::string>();
  const Json& x = native["usage"];
  Usage u;
  u.known = true;
  auto get = [](const Json& o, const char* k) -> int64_t {
    return o.contains(k) ? o[k].get<int64_t>() : 0;
  };
  if (format == "openai") {
    u.prompt_tokens = get(x, "prompt_tokens");
    u.completion_tokens = get(x, "completion_tokens");
    if (x.contains("prompt_tokens_details"))
      u.cached_tokens = get(x["prompt_tokens_details"], "cached_tokens");
    if (x.contains("completion_tokens_details")) {
      u.reasoning_tokens = get(x["completion_tokens_details"], "reasoning_tokens");
    }
  } else if (format == "anthropic") {
    // input_tokens EXCLUDES cache reads and writes; Usage::prompt_tokens includes them.
    const int64_t read = get(x, "cache_read_input_tokens");
    const int64_t created = get(x, "cache_creation_input_tokens");
    int64_t h1 = 0, m5 = created;
    if (x.contains("cache_creation")) {
      h1 = get(x["cache_creation"], "ephemeral_1h_input_tokens");
      m5 = x["cache_creation"].contains("ephemeral_5m_input_tokens")
               ? get(x["cache_creation"], "ephemeral_5m_input_tokens")
               : created - h1;
    }
    u.prompt_tokens = get(x, "input_tokens") + read + m5 + h1;
    u.cached_tokens = read;
    u.cache_write_tokens = m5;
    u.cache_write_1h_tokens = h1;
    u.completion_tokens = get(x, "output_tokens");
  } else if (format == "gemini") {
    // promptTokenCount includes cached content; thoughts are separate from candidates.
    u.prompt_tokens = get(x, "promptTokenCount");
    u.cached_tokens = get(x, "cachedContentTokenCount");
    u.reasoning_tokens = get(x, "thoughtsTokenCount");
    u.completion_tokens = get(x, "candidatesTokenCount") + u.reasoning_tokens;
  } else {
    FAIL("unknown native format " << format);
  }
  return u;
}

}  // namespace

TEST_CASE("decimal prices parse exactly and reject what they cannot represent") {
  CHECK(*ParsePerMillion("0.01") == 10'000);  // $0.01 / M tokens = 10,000 pUSD / token
  CHECK(*ParsePerMillion("0.000001") == 1);
  CHECK(*ParsePerMillion("3") == 3'000'000);
  CHECK(*ParsePerMillion("0.1500000") == 150'000);  // trailing zeros beyond the scale are fine
  CHECK(*ParseUsd("0.80") == 80 * kPicosPerCent);
  CHECK(*ParseUsd("-1.5") == -1'500'000'000'000);
  for (const char* bad : {"", "-", ".", "1.", ".5", "1e-6", "0x10", "1,5", " 1", "1 ", "+1",
                          "0.0000001", "1.2.3", "99999999999999999999", "abc"}) {
    INFO(bad);
    CHECK_FALSE(ParsePerMillion(bad).ok());
  }
  CHECK_FALSE(ParseUsd("0.0000000000001").ok());  // 13 decimals: below a picodollar
  CHECK(*ParseUsdJson(Json(0.1)) ==
        100'000'000'000);  // the decimal the sender wrote, not 0.1000000000000000055
  CHECK(*ParseUsdJson(Json(10)) == 10 * kPicosPerUsd);
  CHECK(*ParseUsdJson(Json("2.25")) == Usd("2.25"));
  CHECK_FALSE(ParseUsdJson(Json(true)).ok());
  CHECK_FALSE(ParseUsdJson(Json::array()).ok());
}

TEST_CASE("fractions parse to parts per million") {
  CHECK(*ParseFractionPpm(Json("0.25")) == 250'000);
  CHECK(*ParseFractionPpm(Json(0.05)) == 50'000);
  CHECK(*ParseFractionPpm(Json(1)) == kPpm);
  CHECK(*ParseFractionPpm(Json(0)) == 0);
  for (const Json& bad :
       {Json("1.5"), Json(-0.1), Json("0.0000001"), Json("x"), Json(nullptr), Json::object()}) {
    INFO(bad.dump());
    CHECK_FALSE(ParseFractionPpm(bad).ok());
  }
}

TEST_CASE("formatting is exact and round-trips") {
  CHECK(FormatUsd(3'000'000) == "0.000003");
  CHECK(FormatUsd(0) == "0");
  CHECK(FormatUsd(-1) == "-0.000000000001");
  CHECK(FormatUsd(kPicosPerUsd * 12 + 5 * kPicosPerCent) == "12.05");
  CHECK(FormatPerMillion(150'000) == "0.15");
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    Picos v = static_cast<Picos>(rng() >> 1) * (i % 2 ? 1 : -1);
    CHECK(*ParseUsd(FormatUsd(v)) == v);
  }
  // UsdNumber is the double nearest the exact decimal, also above 2^53 pUSD (~$9007).
  CHECK(UsdNumber(Usd("0.0075")) == 0.0075);
  CHECK(UsdNumber(Usd("123456.789012345678")) == 123456.789012345678);
  CHECK(UsdNumber(Usd("9000000.000000000001")) == 9000000.000000000001);
}

TEST_CASE("DivRoundHalfUp rounds ties away from zero, once") {
  CHECK(*DivRoundHalfUp(5, 10) == 1);
  CHECK(*DivRoundHalfUp(4, 10) == 0);
  CHECK(*DivRoundHalfUp(15, 10) == 2);
  CHECK(*DivRoundHalfUp(-5, 10) == -1);
  CHECK(*DivRoundHalfUp(-4, 10) == 0);
  CHECK(*DivRoundHalfUp(0, 7) == 0);
  CHECK(*DivRoundHalfUp(static_cast<__int128>(INT64_MAX) * 3, 3) == INT64_MAX);
  CHECK_FALSE(DivRoundHalfUp(static_cast<__int128>(INT64_MAX) * 2, 1).ok());
  CHECK_FALSE(DivRoundHalfUp(1, 0).ok());
  CHECK(MulPpmCeil(10, 50'000) == 1);  // 0.5 → 1 (holds round up)
  CHECK(MulPpmCeil(7, 50'000) == 1);   // 0.35 → 1
  CHECK(MulPpmCeil(20, 50'000) == 1);  // exact
  CHECK(MulPpmCeil(0, 50'000) == 0);
}

TEST_CASE("golden cost cases: every price component and provider convention") {
  const char* files[] = {"prompt_completion", "cache",    "reasoning",
                         "request_image",     "tiers",    "byok",
                         "insurance",         "discount", "providers"};
  int cases = 0;
  for (const char* name : files) {
    std::string text = ReadFile(std::string("tests/fixtures/money/") + name + ".json");
    Result<Json> doc = ParseJson(text);
    INFO(name);
    REQUIRE(doc.ok());
    for (const Json& c : (*doc)["cases"]) {
      INFO(c["name"].get<std::string>());
      Result<Prices> base = ParseInlinePrices(c["pricing"]);
      REQUIRE(base.ok());
      std::vector<PriceTier> tiers;
      if (c.contains("tiers")) {
        for (const Json& t : c["tiers"]) {
          Json merged = c["pricing"];
          merged.update(t["pricing"]);
          PriceTier tier;
          tier.min_prompt_tokens = t["min_prompt_tokens"].get<int64_t>();
          tier.prices = *ParseInlinePrices(merged);
          tiers.push_back(tier);
        }
      }
      Usage usage;
      if (c.contains("native")) {
        usage = FromNative(c["native"]);
      } else {
        Result<Usage> u = ParseUsageJson(c["usage"]);
        REQUIRE(u.ok());
        usage = *u;
      }
      CostOptions options;
      options.byok = testing::ValueOr(c, "byok", false);
      std::string finish =
          c["finish_reason"].is_string() ? c["finish_reason"].get<std::string>() : "";
      options.finish_reason = finish;
      if (c.contains("discount")) options.discount_ppm = *ParseFractionPpm(c["discount"]);
      const Prices& prices = PricesForPrompt(*base, tiers, usage.prompt_tokens);
      Result<Cost> cost = ComputeCost(usage, prices, options);
      REQUIRE(cost.ok());
      const Json& e = c["expect"];
      CHECK(FormatUsd(cost->charged) == e["cost"].get<std::string>());
      CHECK(FormatUsd(cost->upstream) == e["upstream_inference_cost"].get<std::string>());
      CHECK(FormatUsd(cost->upstream_prompt) ==
            e["upstream_inference_prompt_cost"].get<std::string>());
      CHECK(FormatUsd(cost->upstream_completions) ==
            e["upstream_inference_completions_cost"].get<std::string>());
      CHECK(FormatUsd(cost->cache_discount) == e["cache_discount"].get<std::string>());
      CHECK(FormatUsd(cost->list) == e["list"].get<std::string>());
      CHECK(cost->is_byok == e["is_byok"].get<bool>());
      CHECK(cost->insured == e["insured"].get<bool>());
      // The rendered usage carries the same amounts as numbers.
      Json rendered = RenderUsage(usage, *cost);
      CHECK(rendered["cost"].get<double>() == UsdNumber(cost->charged));
      CHECK(rendered["cost_details"]["upstream_inference_cost"].get<double>() ==
            UsdNumber(cost->upstream));
      CHECK(rendered["is_byok"] == options.byok);
      CHECK(rendered["prompt_tokens_details"]["cached_tokens"] == usage.cached_tokens);
      ++cases;
    }
  }
  CHECK(cases >= 40);
}

TEST_CASE("the three provider conventions normalise to one usage and one cost") {
  Result<Json> doc = ParseJson(ReadFile("tests/fixtures/money/providers.json"));
  REQUIRE(doc.ok());
  const Json& cases = (*doc)["cases"];
  Usage openai = FromNative(cases[0]["native"]);
  Usage anthropic = FromNative(cases[1]["native"]);
  Usage gemini = FromNative(cases[2]["native"]);
  CHECK(openai.prompt_tokens == anthropic.prompt_tokens);
  CHECK(openai.cached_tokens == anthropic.cached_tokens);
  CHECK(openai == gemini);
}

TEST_CASE("ComputeCost rejects impossible input") {
  Prices p;
  p.prompt = 1;
  Usage u;
  u.prompt_tokens = -1;
  CHECK(ComputeCost(u, p).status().code() == Code::kInvalidArgument);
  u.prompt_tokens = 10;
  CostOptions o;
  o.discount_ppm = kPpm + 1;
  CHECK_FALSE(ComputeCost(u, p, o).ok());
  // Beyond int64 picodollars ($9.2M in one generation) is refused, not wrapped.
  p.prompt = Usd("1");  // $1 per token
  u.prompt_tokens = int64_t{1} << 40;
  CHECK_FALSE(ComputeCost(u, p).ok());
  u.prompt_tokens = 1'000'000;
  CostOptions stop;
  stop.finish_reason = "stop";  // zero completion with a null finish would be insured (free)
  CHECK(ComputeCost(u, p, stop)->charged == 1'000'000 * kPicosPerUsd);
  CHECK(ComputeCost(u, p)->charged == 0);
}

TEST_CASE("ParseUsageJson reads OpenRouter's shape and the flat one, and rejects garbage") {
  Result<Usage> nested = ParseUsageJson(testing::JsonOf(
      R"({"prompt_tokens":100,"completion_tokens":20,"prompt_tokens_details":{"cached_tokens":30,
          "cache_write_tokens":50,"cache_write_1h_tokens":20},"completion_tokens_details":{"reasoning_tokens":5}})"));
  REQUIRE(nested.ok());
  CHECK(nested->cached_tokens == 30);
  CHECK(nested->cache_write_tokens == 30);  // OpenRouter's count includes the 1-hour writes
  CHECK(nested->cache_write_1h_tokens == 20);
  CHECK(nested->reasoning_tokens == 5);
  Result<Usage> flat = ParseUsageJson(testing::JsonOf(
      R"({"prompt_tokens":100,"completion_tokens":20,"cache_write_tokens":30,"cache_write_1h_tokens":20,"images":2})"));
  REQUIRE(flat.ok());
  CHECK(flat->cache_write_tokens == 30);
  CHECK(flat->images == 2);
  for (const char* bad :
       {R"([])", R"({"prompt_tokens":-1})", R"({"prompt_tokens":"10"})",
        R"({"completion_tokens":1.5})", R"({"prompt_tokens_details":{"cached_tokens":-3}})"}) {
    INFO(bad);
    CHECK_FALSE(ParseUsageJson(testing::JsonOf(bad)).ok());
  }
}

TEST_CASE("credit purchases: 5.5% fee rounded to the cent, $0.80 minimum") {
  auto split = [](const char* paid) { return *SplitPurchase(Usd(paid)); };
  CHECK(split("10").fee == Usd("0.80"));  // 5.5% would be $0.55
  CHECK(split("10").credited == Usd("9.20"));
  CHECK(split("14.54").fee == Usd("0.80"));  // 0.7997 → 0.80 (minimum anyway)
  CHECK(split("14.55").fee == Usd("0.80"));  // 0.80025 → 0.80
  CHECK(split("14.60").fee == Usd("0.80"));  // 0.803 → 0.80
  CHECK(split("14.64").fee == Usd("0.81"));  // 0.8052 → 0.81 (rounded to the cent)
  CHECK(split("100").fee == Usd("5.50"));
  CHECK(split("100").credited == Usd("94.50"));
  CHECK(split("33.33").fee == Usd("1.83"));  // 1.83315 → 1.83
  CHECK(split("33.37").fee == Usd("1.84"));  // 1.83535 → 1.84
  CHECK(split("1000000").fee == Usd("55000"));
  CHECK(split("0.81").credited == Usd("0.01"));
  CHECK_FALSE(SplitPurchase(Usd("0.80")).ok());  // would credit nothing
  CHECK_FALSE(SplitPurchase(Usd("0.5")).ok());
  CHECK_FALSE(SplitPurchase(0).ok());
  CHECK_FALSE(SplitPurchase(-Usd("10")).ok());
}

TEST_CASE("a million sub-cent generations: the rounded sum stays within N/2 pUSD of exact") {
  // BYOK fees and discounts are the only fractions; each is rounded once, so the sum of N
  // rounded costs differs from the exact rational sum by at most N × 0.5 pUSD. For N = 1e6 that
  // is $0.0000005: invisible at any displayed precision. Measured drift is printed.
  std::mt19937_64 rng(20260801);
  constexpr int kN = 1'000'000;
  __int128 exact_numerator = 0;  // Σ list × keep × fee, over a common denominator kPpm²
  __int128 rounded_byok = 0;
  __int128 exact_discount_numerator = 0;  // Σ list × keep, over kPpm
  __int128 rounded_discount = 0;
  Prices p;
  Usage u;
  CostOptions byok;
  byok.byok = true;
  byok.finish_reason = "stop";
  for (int i = 0; i < kN; ++i) {
    p.prompt = 1 + static_cast<Picos>(rng() % 200'000);  // ≤ $0.2 per M tokens
    p.completion = p.cache_read = p.cache_write = p.cache_write_1h = p.reasoning = p.prompt * 3;
    u.prompt_tokens = 1 + static_cast<int64_t>(rng() % 50);
    u.completion_tokens = 1 + static_cast<int64_t>(rng() % 20);
    byok.discount_ppm = static_cast<int64_t>(rng() % 400'000);
    Result<Cost> c = ComputeCost(u, p, byok);
    REQUIRE(c.ok());
    REQUIRE(c->charged < kPicosPerCent);  // every one is sub-cent
    const __int128 keep = kPpm - byok.discount_ppm;
    exact_numerator += static_cast<__int128>(c->list) * keep * kByokFeePpm;
    rounded_byok += c->charged;
    exact_discount_numerator += static_cast<__int128>(c->list) * keep;
    rounded_discount += c->upstream;
  }
  const __int128 den_byok = static_cast<__int128>(kPpm) * kPpm;
  const __int128 drift_byok = rounded_byok * den_byok - exact_numerator;  // × den
  const __int128 drift_discount = rounded_discount * kPpm - exact_discount_numerator;
  auto abs128 = [](__int128 v) { return v < 0 ? -v : v; };
  CHECK(abs128(drift_byok) * 2 <= static_cast<__int128>(kN) * den_byok);
  CHECK(abs128(drift_discount) * 2 <= static_cast<__int128>(kN) * kPpm);
  std::printf(
      "money_test: 1e6 rounded BYOK fees drift %.3f pUSD from exact (bound 500000); "
      "1e6 discounted costs drift %.3f pUSD\n",
      static_cast<double>(drift_byok) / static_cast<double>(den_byok),
      static_cast<double>(drift_discount) / static_cast<double>(kPpm));
}

// ---- text forms: one list of the fields writes the DOM and the text ---------------------------

namespace {

// The text a writer appends is Dump of the DOM form, it is canonical (re-parsing and dumping it
// gives the same bytes: members in key order), and it goes after what `out` already holds.
template <typename T, typename Append, typename ToJson>
void CheckTextIsDom(const T& value, Append append, ToJson to_json) {
  std::string text = "prefix:";
  append(text, value);
  REQUIRE(text.rfind("prefix:", 0) == 0);
  text.erase(0, 7);
  CHECK(text == Dump(to_json(value)));
  Result<Json> parsed = ParseJson(text);
  REQUIRE(parsed.ok());
  CHECK(Dump(*parsed) == text);
}

Cost CostOf(Picos base, bool flags) {
  Cost c;
  c.prompt = base;
  c.cache_read = base / 3;
  c.cache_write = base / 7;
  c.cache_write_1h = 1;
  c.completion = base * 2 / 5;
  c.reasoning = 0;
  c.request = 10'000'000'000;
  c.image = base / 11;
  c.list = c.prompt + c.cache_read + c.cache_write + c.cache_write_1h + c.completion +
           c.reasoning + c.request + c.image;
  c.upstream = c.list;
  c.upstream_prompt = c.list - c.completion;
  c.upstream_completions = c.completion;
  c.charged = flags ? 0 : c.upstream;
  c.cache_discount = -base / 13;  // cache writes may cost more than they saved
  c.is_byok = flags;
  c.insured = flags;
  return c;
}

}  // namespace

TEST_CASE("AppendCostJson is Dump(CostToJson): zero, tiny, big and negative amounts, both flags") {
  const Cost costs[] = {Cost{}, CostOf(1, false), CostOf(3'000'000, true),
                        CostOf(123'456'789'012'345, false), CostOf(INT64_MAX / 4, true)};
  for (const Cost& c : costs) {
    CheckTextIsDom(c, AppendCostJson, CostToJson);
    std::string text;
    AppendCostJson(text, c);
    Result<Cost> back = CostFromJson(testing::JsonOf(text));
    REQUIRE(back.ok());
    CHECK(*back == c);
  }
  // Every amount is extreme at once: INT64_MIN and INT64_MAX print exactly.
  Cost extreme;
  extreme.cache_discount = INT64_MIN;
  extreme.charged = INT64_MAX;
  CheckTextIsDom(extreme, AppendCostJson, CostToJson);
  std::string text;
  AppendCostJson(text, extreme);
  CHECK(text.find("\"cache_discount\":\"-9223372.036854775808\"") != std::string::npos);
  CHECK(text.find("\"charged\":\"9223372.036854775807\"") != std::string::npos);
}

TEST_CASE("CostFromJson still names a missing or malformed amount, and defaults the flags") {
  Json j = CostToJson(CostOf(5'000'000, true));
  j.erase("upstream_prompt");
  Result<Cost> missing = CostFromJson(j);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() == "cost.upstream_prompt is missing");
  j = CostToJson(CostOf(5'000'000, true));
  j["cache_read"] = "cheap";
  Result<Cost> bad = CostFromJson(j);
  REQUIRE_FALSE(bad.ok());
  CHECK(std::string(bad.status().message()).rfind("cost.cache_read: ", 0) == 0);
  j = CostToJson(CostOf(5'000'000, true));
  j.erase("is_byok");
  j.erase("insured");
  Result<Cost> flags = CostFromJson(j);
  REQUIRE(flags.ok());
  CHECK_FALSE(flags->is_byok);
  CHECK_FALSE(flags->insured);
}

TEST_CASE("AppendUsageJson is Dump(UsageToJson), AppendPricedUsageJson is Dump(PricedUsageToJson)") {
  Usage zero;
  Usage full;
  full.prompt_tokens = 1'000'000'000'000;
  full.completion_tokens = 7;
  full.cached_tokens = 5;
  full.cache_write_tokens = 3;
  full.cache_write_1h_tokens = 2;
  full.reasoning_tokens = 4;
  full.images = 9;
  full.requests = 0;
  full.known = true;
  Usage negative;  // not valid input, but the writers must still agree
  negative.prompt_tokens = -1;
  negative.completion_tokens = INT64_MIN + 1;
  for (const Usage& u : {zero, full, negative}) {
    CheckTextIsDom(u, AppendUsageJson, UsageToJson);
    PricedUsage p;
    p.usage = u;
    p.cost = CostOf(u.prompt_tokens > 0 ? 777'000 : 0, u.known);
    p.tier_min_prompt_tokens = u.known ? 200'000 : 0;
    CheckTextIsDom(p, AppendPricedUsageJson, PricedUsageToJson);
  }
}
