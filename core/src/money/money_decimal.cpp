// Exact decimal parsing and printing for money.h. Kept apart from the ledger arithmetic so that
// the catalog can read prices without pulling in the ledger.
#include <cstdio>
#include <cstdlib>

#include "switchyard/json/decimal.h"
#include "switchyard/json/json_text.h"
#include "switchyard/money/money.h"

namespace switchyard {
namespace {

// Parses "[-]digits[.digits]" into an integer scaled by 10^scale. Rejects exponents, signs
// other than a leading '-', empty parts, more than `scale` fractional digits, and overflow.
Result<Picos> ParseScaled(std::string_view text, int scale, std::string_view what) {
  auto bad = [&] {
    return Status::InvalidArgument("invalid " + std::string(what) + " '" +
                                   std::string(text.substr(0, 40)) + "'");
  };
  if (text.empty() || text.size() > 40) return bad();
  bool negative = false;
  size_t i = 0;
  if (text[0] == '-') { negative = true; i = 1; }
  __int128 value = 0;
  int int_digits = 0, frac_digits = 0;
  bool seen_dot = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (seen_dot) return bad();
      seen_dot = true;
      continue;
    }
    if (c < '0' || c > '9') return bad();
    if (seen_dot) {
      if (++frac_digits > scale) {
        if (c != '0') return bad();  // "0.1500000" is fine, "0.1500001" is not representable
        --frac_digits;
        continue;
      }
    } else {
      ++int_digits;
    }
    value = value * 10 + (c - '0');
    if (value > static_cast<__int128>(INT64_MAX)) return bad();
  }
  if (int_digits == 0 || (seen_dot && frac_digits == 0 && text.back() == '.')) return bad();
  for (int k = frac_digits; k < scale; ++k) {
    value *= 10;
    if (value > static_cast<__int128>(INT64_MAX)) return bad();
  }
  return static_cast<Picos>(negative ? -value : value);
}

// `amount` / 10^scale as a plain decimal, trailing zeros trimmed, appended to `out` (scale <= 18).
void AppendScaled(std::string& out, Picos amount, int scale) {
  const bool negative = amount < 0;
  // In 64 bits: |INT64_MIN| fits an unsigned 64-bit value.
  const uint64_t v = negative ? 0 - static_cast<uint64_t>(amount) : static_cast<uint64_t>(amount);
  uint64_t pow10 = 1;
  for (int k = 0; k < scale; ++k) pow10 *= 10;
  if (negative) out += '-';
  AppendUnsigned(out, v / pow10);
  uint64_t frac = v % pow10;
  if (frac == 0) return;
  char digits[18];
  int n = scale;
  for (int k = scale - 1; k >= 0; --k) {
    digits[k] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  while (n > 0 && digits[n - 1] == '0') --n;
  out += '.';
  out.append(digits, static_cast<size_t>(n));
}

std::string FormatScaled(Picos amount, int scale) {
  std::string out;
  AppendScaled(out, amount, scale);
  return out;
}

}  // namespace

Result<Picos> ParsePerMillion(std::string_view s) { return ParseScaled(s, 6, "price per million tokens"); }
Result<Picos> ParseUsd(std::string_view s) { return ParseScaled(s, 12, "USD amount"); }

Result<Picos> ParseUsdJson(const Json& value) {
  if (value.is_string()) return ParseUsd(value.get_ref<const std::string&>());
  if (value.is_number_integer() || value.is_number_unsigned()) {
    int64_t usd = value.get<int64_t>();
    if (usd > INT64_MAX / kPicosPerUsd || usd < -(INT64_MAX / kPicosPerUsd)) {
      return Status::InvalidArgument("USD amount out of range");
    }
    return usd * kPicosPerUsd;
  }
  if (value.is_number_float()) {
    // The shortest decimal that round-trips is the decimal the sender wrote: parse that exactly
    // instead of multiplying a binary float.
    return ParseUsd(PlainDecimal(value.get<double>(), 12));
  }
  return Status::InvalidArgument("USD amount must be a number or a decimal string");
}

Result<int64_t> ParseFractionPpm(const Json& value) {
  std::string text;
  if (value.is_string()) {
    text = value.get_ref<const std::string&>();
  } else if (value.is_number_integer() || value.is_number_unsigned()) {
    text = std::to_string(value.get<int64_t>());
  } else if (value.is_number_float()) {
    text = PlainDecimal(value.get<double>(), 6);  // the decimal the sender wrote
  } else {
    return Status::InvalidArgument("fraction must be a number or a decimal string");
  }
  Result<Picos> ppm = ParseScaled(text, 6, "fraction");
  if (!ppm.ok()) return ppm.take_status();
  if (*ppm < 0 || *ppm > kPpm) {
    return Status::InvalidArgument("fraction must be between 0 and 1, got '" + text + "'");
  }
  return *ppm;
}

std::string FormatUsd(Picos amount) { return FormatScaled(amount, 12); }
void AppendUsd(std::string& out, Picos amount) { AppendScaled(out, amount, 12); }
std::string FormatPerMillion(Picos per_token) { return FormatScaled(per_token, 6); }

double UsdNumber(Picos amount) {
  // Below 2^53 both operands are exact doubles and IEEE division rounds once, to the double
  // nearest the exact decimal. Above, the int64 → double conversion would round first, so
  // parse the exact decimal text instead (strtod rounds correctly; the core never sets a
  // locale, so '.' is the separator).
  constexpr Picos kExact = Picos{1} << 53;
  if (amount < kExact && amount > -kExact) {
    return static_cast<double>(amount) / static_cast<double>(kPicosPerUsd);
  }
  std::string text = FormatUsd(amount);
  return std::strtod(text.c_str(), nullptr);
}

}  // namespace switchyard
