// json/decimal.cpp: shortest and exact decimal digits of a double: a fast path for short
// decimals, else the exact expansion with a small base-10^9 big integer.
#include "switchyard/json/decimal.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "switchyard/json/json_text.h"

namespace switchyard {
namespace {

constexpr uint32_t kBase = 1000000000;  // 10^9 per limb, least significant first

void MulSmall(std::vector<uint32_t>& n, uint32_t factor) {
  uint64_t carry = 0;
  for (uint32_t& limb : n) {
    uint64_t v = static_cast<uint64_t>(limb) * factor + carry;
    limb = static_cast<uint32_t>(v % kBase);
    carry = v / kBase;
  }
  while (carry) {
    n.push_back(static_cast<uint32_t>(carry % kBase));
    carry /= kBase;
  }
}

std::string ToDecimal(const std::vector<uint32_t>& n) {
  std::string out = std::to_string(n.back());
  for (size_t i = n.size() - 1; i-- > 0;) {
    std::string limb = std::to_string(n[i]);
    out.append(9 - limb.size(), '0');
    out += limb;
  }
  return out;
}

// Every digit of |d| (no trailing zeros) and the exponent of the first: |d| = m x 2^e exactly,
// so it is m x 2^e (e >= 0) or m x 5^-e / 10^-e (e < 0), both integers times a power of ten.
void ExactDigits(double d, std::string* digits, int* exponent) {
  int e2 = 0;
  const double frac = std::frexp(std::fabs(d), &e2);  // |d| = frac x 2^e2, 0.5 <= frac < 1
  uint64_t m = static_cast<uint64_t>(std::ldexp(frac, 53));  // exact: 53 significant bits
  e2 -= 53;
  while (m % 2 == 0 && e2 < 0) m /= 2, ++e2;  // smaller numbers for the common case
  std::vector<uint32_t> n;
  for (uint64_t rest = m; rest > 0; rest /= kBase) n.push_back(static_cast<uint32_t>(rest % kBase));
  int shift = 0;  // decimal exponent of the integer's last digit
  for (; e2 >= 29; e2 -= 29) MulSmall(n, 1u << 29);
  if (e2 > 0) MulSmall(n, 1u << e2);
  for (; e2 <= -13; e2 += 13) MulSmall(n, 1220703125u), shift -= 13;  // 5^13
  for (; e2 < 0; ++e2) MulSmall(n, 5), --shift;
  std::string all = ToDecimal(n);
  size_t end = all.find_last_not_of('0') + 1;
  *exponent = static_cast<int>(all.size()) - 1 + shift;
  all.resize(end);
  *digits = std::move(all);
}

// `digits` rounded to `keep` digits, half to even; may carry into a new leading digit.
std::string RoundDigits(const std::string& digits, size_t keep, int* exponent) {
  std::string out = digits.substr(0, keep);
  if (digits.size() > keep) {
    const char next = digits[keep];
    const bool rest_zero = digits.find_first_not_of('0', keep + 1) == std::string::npos;
    const bool odd = !out.empty() && (out.back() - '0') % 2 == 1;
    if (next > '5' || (next == '5' && (!rest_zero || odd))) {
      size_t i = out.size();
      while (i > 0 && out[i - 1] == '9') out[--i] = '0';
      if (i == 0) out.insert(out.begin(), '1'), ++*exponent;
      else ++out[i - 1];
    }
  }
  out.resize(out.find_last_not_of('0') + 1);  // npos + 1 is 0: all zeros
  return out;
}

// Shortest round-trip digits of |d| (> 0, finite) when they are at most 15: the smallest number
// of decimals `places` (0..15) such that N = |d| x 10^places is an integer N < 10^15 with
// N / 10^places == |d|. Both operands are exact doubles and IEEE division rounds once, so the
// comparison is exactly "strtod of N x 10^-places gives back d"; with 15 digits or fewer two
// decimals never share a double, so this is the one the exact digits give, without big
// integers. Prices, costs and latencies all take this path. false: use the exact digits.
bool ShortestDigitsFast(double a, std::string* digits, int* exponent) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  if (!(a >= 1e-15 && a < 1e15)) return false;
  for (int places = 0; places <= 15; ++places) {
    const double scaled = a * kPow10[places];
    if (scaled >= 1e15) return false;
    const double n = std::nearbyint(scaled);
    if (n == 0 || n / kPow10[places] != a) continue;
    digits->clear();
    AppendUnsigned(*digits, static_cast<uint64_t>(n));
    *exponent = static_cast<int>(digits->size()) - 1 - places;
    while (digits->size() > 1 && digits->back() == '0') digits->pop_back();
    return true;
  }
  return false;
}

}  // namespace

void ShortestDigits(double d, std::string* digits, int* exponent) {
  if (ShortestDigitsFast(std::fabs(d), digits, exponent)) return;
  std::string exact;
  int e10 = 0;
  ExactDigits(d, &exact, &e10);
  const double target = std::fabs(d);
  for (size_t keep = 1; keep < 17 && keep < exact.size(); ++keep) {
    int e = e10;
    std::string candidate = RoundDigits(exact, keep, &e);
    std::string text = candidate.substr(0, 1) + "." + candidate.substr(1) + "e" + std::to_string(e);
    if (std::strtod(text.c_str(), nullptr) == target) {
      *digits = std::move(candidate);
      *exponent = e;
      return;
    }
  }
  int e = e10;
  *digits = RoundDigits(exact, 17, &e);  // 17 significant digits always read back
  *exponent = e;
}

namespace {

// `digits` with the decimal point after the first `point` of them, padded with zeros.
void AppendPlain(std::string& out, const std::string& digits, int point) {
  const size_t k = digits.size(), p = static_cast<size_t>(point > 0 ? point : -point);
  if (point <= 0) out.append("0.").append(p, '0').append(digits);
  else if (p >= k) out.append(digits).append(p - k, '0');
  else out.append(digits, 0, p).append(1, '.').append(digits, p, std::string::npos);
}

// AppendDouble's text; with `places` >= 0, PlainDecimal's.
void AppendDecimal(std::string& out, double d, int places) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  if (d == 0) {
    out += std::signbit(d) ? "-0.0" : "0.0";
    return;
  }
  if (d < 0) out += '-';
  std::string digits;
  int exponent = 0;
  ShortestDigits(d, &digits, &exponent);
  int n = exponent + 1;  // position of the decimal point relative to the digits
  if (-4 < n && n <= 15) {
    AppendPlain(out, digits, n);
    if (n >= static_cast<int>(digits.size())) out += ".0";
  } else if (places >= 0) {
    // Keep the digits down to `places` decimals: `n + places` significant digits.
    if (n + places >= 0) digits = RoundDigits(digits, static_cast<size_t>(n + places), &n);
    if (n + places < 0 || digits.empty()) out += '0';
    else AppendPlain(out, digits, n);
  } else {
    out += digits[0];
    if (digits.size() > 1) out.append(1, '.').append(digits, 1, std::string::npos);
    const int x = std::abs(n - 1);  // two digits at least: "1e+16", "1e-05"
    out.append(n - 1 < 0 ? "e-" : "e+").append(x < 10 ? "0" : "");
    AppendUnsigned(out, static_cast<uint64_t>(x));
  }
}

}  // namespace

void AppendDouble(std::string& out, double d) { AppendDecimal(out, d, -1); }

std::string PlainDecimal(double d, int places) {
  std::string out;
  AppendDecimal(out, d, places);
  return out;
}

}  // namespace switchyard
