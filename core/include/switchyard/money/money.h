// money.h: exact amounts of US dollars and the cost of one generation. Never a float on a money
// path.
//
// The money module (core/src/money/) owns amounts (Picos) and their decimal text, prices (Prices,
// PriceTier: the catalog stores them, the ledger and the wire translators charge by them), token
// usage (usage.h) and the cost of one generation. Accounts and settlement are the ledger's.
//
// Unit: the picodollar (1e-12 USD), in int64. $0.01 per million tokens is 1e-8 USD per token =
// 10,000 picodollars per token, so every catalog price (at most 6 decimals per million tokens)
// is an exact integer per token, and int64 holds balances up to ~$9.2 million. Products of
// tokens and prices are formed in 128-bit integers before the one rounding step.
//
// Rounding rule (the only one): token × price, per-request and per-image fees are exact
// integers of picodollars, so a generation at list price is never rounded. A fraction applied
// to it (a provider discount, the 5% BYOK fee) is applied to the exact 128-bit total, and the
// result is rounded once, half-up (ties away from zero), to whole picodollars. Each reported
// amount (cost, upstream cost, cache discount) is derived from the exact value, never from
// another rounded amount, except upstream_inference_completions_cost which is upstream minus
// the prompt part so the two parts always add up. The error is ≤ 0.5 pUSD per generation, so
// a million generations drift by at most $0.0000005 from the exact sum (tests/core/money/money_test.cpp).
// Credit purchases are different: their fee is rounded half-up to whole cents, because card
// payments settle in cents.
//
// Thread-safety: pure functions on values.
//
// Example:
//   const Prices& p = catalog.PricesFor(endpoint, usage.prompt_tokens);   // long-context tier
//   SY_ASSIGN_OR_RETURN(Cost cost, ComputeCost(usage, p, {.byok = attempt.byok,
//                                                         .finish_reason = "stop"}));
//   WriteCostFields(cost, &usage_json);    // usage.cost, is_byok, cost_details
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/base/status.h"
#include "switchyard/money/usage.h"

namespace switchyard {

using Picos = int64_t;  // an amount in 1e-12 USD
inline constexpr Picos kPicosPerUsd = 1'000'000'000'000;
inline constexpr Picos kPicosPerCent = 10'000'000'000;
inline constexpr int64_t kPpm = 1'000'000;  // fractions are carried as parts per million

// Prices in picodollars: per token for token prices, per unit for request and image.
struct Prices {
  Picos prompt = 0;
  Picos completion = 0;
  Picos cache_read = 0;       // defaults to prompt when the catalog omits it
  Picos cache_write = 0;      // 5-minute cache write; defaults to prompt
  Picos cache_write_1h = 0;   // 1-hour cache write; defaults to cache_write
  Picos reasoning = 0;        // defaults to completion
  Picos request = 0;
  Picos image = 0;
  bool has_cache_read = false;   // the catalog states a cache-read price (prompt caching exists)
  bool has_cache_write = false;  // the catalog states a cache-write price
};

// Prices that apply when the prompt has at least `min_prompt_tokens` tokens.
struct PriceTier {
  int64_t min_prompt_tokens = 0;
  Prices prices;
};

// ---- decimal text ------------------------------------------------------------------------------

// "0.15" USD-per-million-tokens → picodollars per token (0.15e-6 USD = 150,000 pUSD). Accepts
// plain decimals with at most 6 fractional digits; anything else is kInvalidArgument.
Result<Picos> ParsePerMillion(std::string_view usd_per_million);
// "0.000003" USD → picodollars (at most 12 fractional digits).
Result<Picos> ParseUsd(std::string_view usd);
// A JSON number or decimal string in USD → picodollars (numbers are printed shortest-round-trip
// first, so 0.1 reads as exactly 0.1).
Result<Picos> ParseUsdJson(const Json& value);
// A fraction in [0, 1] as a JSON number or decimal string ("0.25", 0.05) → parts per million.
// More than 6 decimals, negatives and values above 1 are kInvalidArgument.
Result<int64_t> ParseFractionPpm(const Json& value);

// Picodollars → a plain decimal USD string, trailing zeros trimmed: 3000000 → "0.000003".
std::string FormatUsd(Picos amount);
// The same text appended to `out` (no allocation of its own): the text renderers' form.
void AppendUsd(std::string& out, Picos amount);
// Picodollars per token → USD per million tokens as a decimal string: 150000 → "0.15".
std::string FormatPerMillion(Picos per_token);
// Picodollars → a JSON number in USD (OpenRouter's numeric `cost` fields): the double nearest
// to the exact decimal. Display only; nothing reads it back into money.
double UsdNumber(Picos amount);

// ---- arithmetic --------------------------------------------------------------------------------

// numerator / denominator rounded half-up (ties away from zero); denominator > 0. kInvalidArgument
// when the quotient does not fit in int64.
Result<Picos> DivRoundHalfUp(__int128 numerator, __int128 denominator);
// amount × ppm / 1e6 rounded up (towards +inf): holds use it so a settled fee never exceeds them.
Picos MulPpmCeil(Picos amount, int64_t ppm);

// ---- cost of one generation --------------------------------------------------------------------

inline constexpr int64_t kByokFeePpm = 50'000;  // BYOK: 5% of what the call would have cost

struct CostOptions {
  bool byok = false;                   // served with the user's own provider key
  int64_t discount_ppm = 0;            // provider discount off list price, 0..1e6
  int64_t byok_fee_ppm = kByokFeePpm;  // a host may waive it (0), e.g. under a free volume
  std::string_view finish_reason;      // normalised; empty means null
};

// Every amount in picodollars. Components are at list price (exact, before any discount).
struct Cost {
  Picos prompt = 0;          // uncached prompt tokens × prompt price
  Picos cache_read = 0;      // cached tokens × cache-read price
  Picos cache_write = 0;     // 5-minute cache writes × cache-write price
  Picos cache_write_1h = 0;  // 1-hour cache writes × 1-hour cache-write price
  Picos completion = 0;      // non-reasoning completion tokens × completion price
  Picos reasoning = 0;       // reasoning tokens × reasoning price
  Picos request = 0;         // requests × per-request fee
  Picos image = 0;           // images × per-image price
  Picos list = 0;            // sum of the above

  // What the provider bills for this usage (list × (1 − discount), rounded once):
  // usage.cost_details.upstream_inference_cost. The prompt part holds input tokens, cache
  // reads/writes, images and the request fee; completions = upstream − prompt part.
  Picos upstream = 0;
  Picos upstream_prompt = 0;
  Picos upstream_completions = 0;
  // Charged to the account's credits (usage.cost, generation total_cost): `upstream` normally,
  // the BYOK fee (upstream × 5%, rounded once from the exact value) with a user key, and 0 when
  // zero-completion insurance applies.
  Picos charged = 0;
  // What prompt caching saved against billing every cached/written token at the prompt price
  // (negative when cache writes cost more than they saved), after discount.
  Picos cache_discount = 0;
  bool is_byok = false;
  bool insured = false;  // zero-completion insurance: nothing charged

  bool operator==(const Cost&) const = default;
};

// No charge when the completion has 0 output tokens and a null ("") or "error" finish reason.
bool ZeroCompletionInsured(const Usage& usage, std::string_view finish_reason);

// Prices one generation. Reasoning tokens (clamped to completion_tokens) are priced at the
// reasoning price, the rest of the completion at the completion price; uncached prompt tokens
// are Usage::uncached_prompt_tokens(). kInvalidArgument for negative counts, a discount outside
// [0, 1] or a total beyond int64.
Result<Cost> ComputeCost(const Usage& usage, const Prices& prices, const CostOptions& options = {});

// The long-context tier rule, for prices that do not come from a Catalog (inline command
// prices, fixtures): the last tier whose min_prompt_tokens <= prompt_tokens, else `base`.
// Catalog::PricesFor applies the same rule to catalog endpoints.
const Prices& PricesForPrompt(const Prices& base, const std::vector<PriceTier>& tiers,
                              int64_t prompt_tokens);

// Inline prices in the catalog's units: token prices as USD per million tokens
// {"prompt","completion","input_cache_read","input_cache_write","input_cache_write_1h",
// "internal_reasoning"}, "request" and "image" in USD per unit; decimal strings or numbers.
// Missing prices default as in catalog.h (cache read/write → prompt, 1-hour write → 5-minute
// write, reasoning → completion).
Result<Prices> ParseInlinePrices(const Json& pricing);

// Lossless JSON of a Cost: every amount an exact decimal USD string, plus is_byok and insured.
// CostFromJson reads it back (amounts as strings or numbers); a missing amount is an error.
Json CostToJson(const Cost& cost);
Result<Cost> CostFromJson(const Json& json);
// The same object as JSON text, byte for byte Dump(CostToJson(cost)) (one list of the fields
// writes both and reads them back), appended to `out`.
void AppendCostJson(std::string& out, const Cost& cost);

// ---- one priced usage --------------------------------------------------------------------------
//
// A generation's usage and cost, computed ONCE by the core when the attempt ends (at the serving
// endpoint's prices for the actual prompt size) and then carried unchanged: the client's
// usage.cost is rendered from it, the ledger settles it, the generation record and the rollups
// keep it. Nothing downstream re-prices a rendering of usage (OpenRouter's client-shaped usage
// merges 1-hour cache writes into cache_write_tokens, so re-pricing it loses the 1-hour price).
struct PricedUsage {
  Usage usage;
  Cost cost;
  // The long-context tier whose prices applied (its min_prompt_tokens, inclusive); 0: base prices.
  int64_t tier_min_prompt_tokens = 0;
  bool operator==(const PricedUsage&) const = default;
};

// {"usage": UsageToJson(usage), "cost": CostToJson(cost), "tier_min_prompt_tokens": n}.
Json PricedUsageToJson(const PricedUsage& priced);
// Its JSON text, byte for byte Dump(PricedUsageToJson(priced)), appended to `out`: the session's
// settle command and the ledger's renderers write it so.
void AppendPricedUsageJson(std::string& out, const PricedUsage& priced);
// The inverse, checked for internal consistency so a host cannot settle an impossible charge:
// token counts are non-negative; every component is non-negative; list is the sum of the
// components; upstream <= list; upstream_prompt + upstream_completions == upstream;
// 0 <= charged <= upstream, and 0 when insured. kInvalidArgument names the offending field.
Result<PricedUsage> PricedUsageFromJson(const Json& json);

// Writes OpenRouter's cost fields into a usage object: "cost" (number), "is_byok",
// "cost_details":{"upstream_inference_cost","upstream_inference_prompt_cost",
// "upstream_inference_completions_cost"} (numbers).
void WriteCostFields(const Cost& cost, Json* usage);

// OpenRouter's usage object for a generation: prompt_tokens, completion_tokens, total_tokens,
// prompt_tokens_details{cached_tokens, cache_write_tokens}, completion_tokens_details
// {reasoning_tokens}, plus the cost fields above.
Json RenderUsage(const Usage& usage, const Cost& cost);
// The inverse for host input: OpenRouter's nested shape, or the flat Usage field names
// (cached_tokens, cache_write_tokens, cache_write_1h_tokens, reasoning_tokens, images, requests);
// prompt_tokens_details.cache_write_1h_tokens is read too. Counts must be non-negative integers.
Result<Usage> ParseUsageJson(const Json& usage);

// ---- credit purchases --------------------------------------------------------------------------

inline constexpr int64_t kPurchaseFeePpm = 55'000;            // 5.5% platform fee
inline constexpr Picos kMinPurchaseFee = 80 * kPicosPerCent;  // ... at least $0.80

struct PurchaseSplit {
  Picos paid = 0;      // what the customer paid
  Picos fee = 0;       // max(5.5% of paid rounded half-up to the cent, $0.80)
  Picos credited = 0;  // paid − fee: what lands in the balance
};
// kInvalidArgument when `paid` is not positive or does not cover the minimum fee.
Result<PurchaseSplit> SplitPurchase(Picos paid);

}  // namespace switchyard
