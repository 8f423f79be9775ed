// money.h: exact amounts of US dollars. Never a float on a money path.
//
// Unit: the picodollar (1e-12 USD), in int64. $0.01 per million tokens is 1e-8 USD per token =
// 10,000 picodollars per token, so every catalog price (at most 6 decimals per million tokens)
// is an exact integer per token, and int64 holds balances up to ~$9.2 million. Products of
// tokens and prices are formed in 128-bit integers before the one rounding step.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "switchyard/status.h"

namespace switchyard {

using Picos = int64_t;  // an amount in 1e-12 USD
inline constexpr Picos kPicosPerUsd = 1'000'000'000'000;
inline constexpr Picos kPicosPerCent = 10'000'000'000;

// "0.15" USD-per-million-tokens → picodollars per token (0.15e-6 USD = 150,000 pUSD). Accepts
// plain decimals with at most 6 fractional digits; anything else is kInvalidArgument.
Result<Picos> ParsePerMillion(std::string_view usd_per_million);
// "0.000003" USD → picodollars (at most 12 fractional digits).
Result<Picos> ParseUsd(std::string_view usd);
// A JSON number or decimal string in USD → picodollars (numbers are printed shortest-round-trip
// first, so 0.1 reads as exactly 0.1).
Result<Picos> ParseUsdJson(const Json& value);

// Picodollars → a plain decimal USD string, trailing zeros trimmed: 3000000 → "0.000003".
std::string FormatUsd(Picos amount);
// Picodollars per token → USD per million tokens as a decimal string: 150000 → "0.15".
std::string FormatPerMillion(Picos per_token);
// Picodollars → a JSON number in USD (OpenRouter's numeric `cost` fields). Display only.
double UsdNumber(Picos amount);

}  // namespace switchyard
