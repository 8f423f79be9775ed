// json/decimal.cpp: exact decimal expansion of a double with a small base-10^9 big integer.
#include "switchyard/json/decimal.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

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
  std::vector<uint32_t> n = {static_cast<uint32_t>(m % kBase)};
  if (m >= kBase) n.push_back(static_cast<uint32_t>(m / kBase % kBase));
  if (m >= static_cast<uint64_t>(kBase) * kBase) n.push_back(static_cast<uint32_t>(m / kBase / kBase));
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
  if (digits.size() <= keep) {
    size_t end = digits.find_last_not_of('0');
    return end == std::string::npos ? std::string() : digits.substr(0, end + 1);
  }
  std::string out = digits.substr(0, keep);
  const char next = digits[keep];
  const bool rest_zero = digits.find_first_not_of('0', keep + 1) == std::string::npos;
  const bool odd = !out.empty() && (out.back() - '0') % 2 == 1;
  const bool up = next > '5' || (next == '5' && (!rest_zero || odd));
  if (up) {
    size_t i = out.size();
    while (i > 0 && out[i - 1] == '9') out[--i] = '0';
    if (i == 0) {
      out.insert(out.begin(), '1');
      ++*exponent;
    } else {
      ++out[i - 1];
    }
  }
  size_t end = out.find_last_not_of('0');
  out.resize(end == std::string::npos ? 0 : end + 1);
  return out;
}

}  // namespace

void ShortestDigits(double d, std::string* digits, int* exponent) {
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

std::string PlainDecimal(std::string_view number, int places) {
  std::string_view s = number;
  bool negative = false;
  if (!s.empty() && s[0] == '-') negative = true, s.remove_prefix(1);
  std::string digits;
  int point = 0;  // digits before the decimal point
  bool seen_point = false;
  size_t i = 0;
  for (; i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'); ++i) {
    if (s[i] == '.') {
      if (seen_point) return std::string(number);
      seen_point = true;
      continue;
    }
    digits += s[i];
    if (!seen_point) ++point;
  }
  if (digits.empty()) return std::string(number);
  if (i < s.size()) {
    if (s[i] != 'e' && s[i] != 'E') return std::string(number);
    const std::string exp(s.substr(i + 1));
    char* end = nullptr;
    const long e = std::strtol(exp.c_str(), &end, 10);
    if (exp.empty() || *end != '\0' || e > 400 || e < -400) return std::string(number);
    point += static_cast<int>(e);
  }
  // Leading zeros off; then digits = integer part . fraction, with `point` digits before it.
  size_t lead = digits.find_first_not_of('0');
  if (lead == std::string::npos) return negative ? "-0" : "0";
  digits.erase(0, lead);
  point -= static_cast<int>(lead);
  // Keep the digits down to `places` decimals: `point + places` significant digits.
  const int keep = point + places;
  if (keep < 0) return negative ? "-0" : "0";
  int carry_point = point;
  std::string kept = RoundDigits(digits, static_cast<size_t>(keep), &carry_point);
  point = carry_point;
  if (kept.empty()) return negative ? "-0" : "0";
  std::string out = negative ? "-" : "";
  if (point <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-point), '0');
    out += kept;
  } else if (static_cast<size_t>(point) >= kept.size()) {
    out += kept;
    out.append(static_cast<size_t>(point) - kept.size(), '0');
  } else {
    out += kept.substr(0, static_cast<size_t>(point));
    out += '.';
    out += kept.substr(static_cast<size_t>(point));
  }
  return out;
}

}  // namespace switchyard
