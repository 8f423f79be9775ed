// json_text.cpp: UTF-8, escapes, scalar writers and JsonObjectText (json_text.h).
#include "switchyard/json/json_text.h"

#include <cstdlib>

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

// Appends code point `cp` (<= U+10FFFF, not a surrogate) in UTF-8.
void AppendCodePoint(std::string& out, uint32_t cp) {
  if (cp < 0x80) return out.push_back(static_cast<char>(cp));
  static constexpr unsigned char kLead[] = {0, 0, 0xC0, 0xE0, 0xF0};
  int n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;  // bytes
  out += static_cast<char>(kLead[n] | cp >> (6 * (n - 1)));
  for (int k = n - 2; k >= 0; --k) out += static_cast<char>(0x80 | (cp >> (6 * k) & 0x3F));
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

std::string Unescape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
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
      out.append(n ? std::string_view(p, n) : std::string_view("\xEF\xBF\xBD"));  // U+FFFD
      p += n ? n : 1;
      continue;
    }
    out += '\\';
    if (c == '"' || c == '\\') out += static_cast<char>(c);
    else if (c >= '\b' && c <= '\r' && c != '\v') out += "btn?fr"[c - '\b'];
    else out.append("u00").append(1, kHex[c >> 4]).append(1, kHex[c & 0xF]);
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

bool IntegerLexeme(std::string_view s, bool* negative, uint64_t* magnitude) {
  *negative = !s.empty() && s[0] == '-';
  std::string_view digits = s.substr(*negative ? 1 : 0);
  *magnitude = 0;
  // 19 digits always fit; 20 fit up to UINT64_MAX (no leading zeros: compared as text).
  if (digits.size() > 20 || (digits.size() == 20 && digits > "18446744073709551615")) return false;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;  // a fraction or an exponent
    *magnitude = *magnitude * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

double LexemeToDouble(std::string_view s) { return std::strtod(std::string(s).c_str(), nullptr); }

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

std::string& JsonObjectText::Key(std::string_view key) {
  if (!first_) out_ += ',';
  first_ = false;
  return out_.append(1, '"').append(key).append("\":");
}

void JsonObjectText::StringOrNull(std::string_view key, std::string_view value) {
  if (value.empty()) Null(key);
  else String(key, value);
}

void JsonObjectText::Double(std::string_view key, double value) { AppendDouble(Key(key), value); }

}  // namespace switchyard
