// json_text.cpp: UTF-8, escapes and scalar writers (json_text.h).
#include "switchyard/json/json_text.h"

#include <cmath>

#include "switchyard/json/decimal.h"

namespace switchyard {

size_t Utf8SequenceLength(const unsigned char* p, size_t n) {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  auto cont = [&](size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < n && p[i] >= lo && p[i] <= hi;
  };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;                 // no overlongs
  if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;           // no surrogates
  if (c >= 0xE1 && c <= 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;      // no overlongs
  if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;  // <= U+10FFFF
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

namespace {

// Where the first byte that starts no valid UTF-8 sequence is, from `i` on (npos: none).
size_t InvalidUtf8At(std::string_view text, size_t i) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  while (i < n) {
    while (i < n && p[i] < 0x80) ++i;  // ASCII, the common case
    if (i == n) break;
    size_t len = Utf8SequenceLength(p + i, n - i);
    if (len == 0) return i;
    i += len;
  }
  return std::string_view::npos;
}

// Copies `text` to `out`, replacing each byte that starts no valid sequence with `replacement`.
void CopyUtf8(std::string& out, std::string_view text, std::string_view replacement) {
  size_t start = 0;
  for (size_t bad; (bad = InvalidUtf8At(text, start)) != std::string_view::npos; start = bad + 1) {
    out.append(text.data() + start, bad - start);
    out.append(replacement);
  }
  out.append(text.data() + start, text.size() - start);
}

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

bool ValidUtf8(std::string_view text, std::string* fixed) {
  if (InvalidUtf8At(text, 0) == std::string_view::npos) return true;
  fixed->clear();
  CopyUtf8(*fixed, text, "\xEF\xBF\xBD");
  return false;
}

void AppendRawUtf8(std::string& out, std::string_view raw) { CopyUtf8(out, raw, "\\ufffd"); }

void AppendCodePoint(std::string& out, uint32_t cp) {
  if (cp < 0x80) return out.push_back(static_cast<char>(cp));
  static constexpr unsigned char kLead[] = {0, 0, 0xC0, 0xE0, 0xF0};
  int n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;  // bytes
  out += static_cast<char>(kLead[n] | cp >> (6 * (n - 1)));
  for (int k = n - 2; k >= 0; --k) out += static_cast<char>(0x80 | (cp >> (6 * k) & 0x3F));
}

int32_t Hex4(const char* p) {
  int32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    char c = p[i];
    int h = c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (h < 0) return -1;
    v = v << 4 | h;
  }
  return v;
}

void AppendUnescaped(std::string& out, std::string_view raw) {
  const char* p = raw.data();
  const char* end = p + raw.size();
  while (p < end) {
    const char* run = p;
    while (p < end && *p != '\\') ++p;
    out.append(run, static_cast<size_t>(p - run));
    if (end - p < 2) break;
    char e = p[1];
    p += 2;
    switch (e) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        int32_t cp = end - p >= 4 ? Hex4(p) : -1;
        if (cp < 0) break;  // the lexer refused it; nothing sensible to add
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
          int32_t low = Hex4(p + 2);
          if (low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            p += 6;
          }
        }
        AppendCodePoint(out, cp >= 0xD800 && cp <= 0xDFFF ? 0xFFFD : static_cast<uint32_t>(cp));
        break;
      }
      default: out += e; break;  // \" \\ \/
    }
  }
}

std::string Unescape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  AppendUnescaped(out, raw);
  return out;
}

void AppendEscaped(std::string& out, std::string_view text) {
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    const char* run = p;
    while (p < end) {
      unsigned char c = static_cast<unsigned char>(*p);
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
      ++p;
    }
    out.append(run, static_cast<size_t>(p - run));
    if (p >= end) break;
    unsigned char c = static_cast<unsigned char>(*p);
    if (c >= 0x80) {
      size_t n = Utf8SequenceLength(reinterpret_cast<const unsigned char*>(p),
                                    static_cast<size_t>(end - p));
      if (n) {
        out.append(p, n);
        p += n;
      } else {
        out.append("\xEF\xBF\xBD");
        ++p;
      }
      continue;
    }
    out += '\\';
    if (c == '"' || c == '\\') {
      out += static_cast<char>(c);
    } else if (c >= '\b' && c <= '\r' && c != '\v') {
      out += "btn?fr"[c - '\b'];
    } else {
      out += "u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
    ++p;
  }
}

void AppendQuoted(std::string& out, std::string_view text) {
  out += '"';
  AppendEscaped(out, text);
  out += '"';
}

void AppendMinified(std::string& out, std::string_view raw) {
  bool in_string = false, escaped = false;
  for (char c : raw) {
    if (in_string) {
      out.push_back(c);
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '"') in_string = true;
    out.push_back(c);
  }
}

void AppendUnsigned(std::string& out, uint64_t u) {
  char buf[24];
  char* e = buf + sizeof buf;
  char* p = e;
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u);
  out.append(p, static_cast<size_t>(e - p));
}

void AppendInt(std::string& out, int64_t value) {
  if (value < 0) out += '-';
  AppendUnsigned(out, value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value));
}

namespace {

// Shortest round-trip digits of |d| (> 0, finite) when they are at most 15: the smallest number
// of decimals `places` (0..15) such that N = |d| x 10^places is an integer N < 10^15 with
// N / 10^places == |d|. Both operands are exact doubles and IEEE division rounds once, so the
// comparison is exactly "strtod of N x 10^-places gives back d"; with 15 digits or fewer two
// decimals never share a double, so this is the one ShortestDigits finds, without its big
// integers. Prices, costs and latencies all take this path. false: use ShortestDigits.
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

void AppendDouble(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  if (d == 0) {
    out += std::signbit(d) ? "-0.0" : "0.0";
    return;
  }
  const bool negative = d < 0;
  std::string digits;
  int exponent = 0;
  if (!ShortestDigitsFast(negative ? -d : d, &digits, &exponent)) {
    ShortestDigits(d, &digits, &exponent);  // exact arithmetic (decimal.h), no printf
  }
  int k = static_cast<int>(digits.size());
  int n = exponent + 1;  // position of the decimal point relative to the digits
  if (negative) out += '-';
  if (k <= n && n <= 15) {
    out += digits;
    out.append(static_cast<size_t>(n - k), '0');
    out += ".0";
  } else if (0 < n && n <= 15) {
    out.append(digits, 0, static_cast<size_t>(n));
    out += '.';
    out.append(digits, static_cast<size_t>(n), std::string::npos);
  } else if (-4 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits, 1, std::string::npos);
    }
    int x = n - 1;
    out += 'e';
    out += x < 0 ? '-' : '+';
    x = x < 0 ? -x : x;
    if (x < 10) out += '0';
    AppendUnsigned(out, static_cast<uint64_t>(x));
  }
}

}  // namespace switchyard
