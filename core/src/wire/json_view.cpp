#include "wire/json_view.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace switchyard::wire {

namespace {

bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

// Bytes a string may contain without further checks: not a quote, backslash or control.
struct PlainTable {
  uint8_t c[256] = {};
  constexpr PlainTable() {
    for (int i = 0x20; i < 256; ++i) c[i] = i != '"' && i != '\\';
  }
};
constexpr PlainTable kPlain{};

// Recursive descent with an explicit depth bound (the recursion is what the bound protects).
class JsonValidator {
 public:
  JsonValidator(const char* end, int max_depth, JsonTape* tape)
      : end_(end), max_depth_(max_depth), tape_(tape) {}

  const char* Value(const char* p, int depth) {
    if (p >= end_) return nullptr;
    if (!tape_) return Dispatch(p, depth);
    uint32_t slot = Open(p);
    return Close(slot, Dispatch(p, depth));
  }

 private:
  uint32_t Open(const char* start) {
    tape_->entries_.push_back(JsonTape::Entry{static_cast<uint32_t>(start - tape_->base_), 0, 0});
    return static_cast<uint32_t>(tape_->entries_.size() - 1);
  }
  const char* Close(uint32_t slot, const char* end) {
    if (end) {
      JsonTape::Entry& e = tape_->entries_[slot];
      e.end = static_cast<uint32_t>(end - tape_->base_);
      e.next = static_cast<uint32_t>(tape_->entries_.size());
    }
    return end;
  }
  const char* Key(const char* p) {
    if (!tape_) return String(p);
    uint32_t slot = Open(p);
    return Close(slot, String(p));
  }
  const char* Dispatch(const char* p, int depth) {
    switch (*p) {
      case '{':
        return Object(p, depth + 1);
      case '[':
        return Array(p, depth + 1);
      case '"':
        return String(p);
      case 't':
        return Literal(p, "true");
      case 'f':
        return Literal(p, "false");
      case 'n':
        return Literal(p, "null");
      default:
        return Number(p);
    }
  }

  const char* Ws(const char* p) {
    while (p < end_ && IsWs(*p)) ++p;
    return p;
  }
  const char* Literal(const char* p, const char* word) {
    size_t n = std::strlen(word);
    if (static_cast<size_t>(end_ - p) < n || std::memcmp(p, word, n) != 0) return nullptr;
    return p + n;
  }
  const char* Number(const char* p) {
    if (p < end_ && *p == '-') ++p;
    if (p >= end_) return nullptr;
    if (*p == '0') {
      ++p;
    } else if (IsDigit(*p)) {
      while (p < end_ && IsDigit(*p)) ++p;
    } else {
      return nullptr;
    }
    if (p < end_ && *p == '.') {
      ++p;
      if (p >= end_ || !IsDigit(*p)) return nullptr;
      while (p < end_ && IsDigit(*p)) ++p;
    }
    if (p < end_ && (*p == 'e' || *p == 'E')) {
      ++p;
      if (p < end_ && (*p == '+' || *p == '-')) ++p;
      if (p >= end_ || !IsDigit(*p)) return nullptr;
      while (p < end_ && IsDigit(*p)) ++p;
    }
    return p;
  }
  const char* String(const char* p) {
    ++p;
    const char* const end = end_;
    while (p < end) {
      // The common case, plain text: four table lookups per branch.
      while (end - p >= 4 && (kPlain.c[static_cast<unsigned char>(p[0])] &
                              kPlain.c[static_cast<unsigned char>(p[1])] &
                              kPlain.c[static_cast<unsigned char>(p[2])] &
                              kPlain.c[static_cast<unsigned char>(p[3])])) {
        p += 4;
      }
      while (p < end && kPlain.c[static_cast<unsigned char>(*p)]) ++p;
      if (p >= end) return nullptr;
      unsigned char c = static_cast<unsigned char>(*p);
      if (c == '"') return p + 1;
      if (c < 0x20) return nullptr;
      if (c == '\\') {
        if (++p >= end_) return nullptr;
        switch (*p) {
          case '"':
          case '\\':
          case '/':
          case 'b':
          case 'f':
          case 'n':
          case 'r':
          case 't':
            ++p;
            break;
          case 'u':
            if (end_ - p < 5) return nullptr;
            for (int i = 1; i <= 4; ++i) {
              if (HexValue(p[i]) < 0) return nullptr;
            }
            p += 5;
            break;
          default:
            return nullptr;
        }
        continue;
      }
      ++p;
    }
    return nullptr;
  }
  const char* Object(const char* p, int depth) { return ObjectBody(p, depth); }
  const char* Array(const char* p, int depth) { return ArrayBody(p, depth); }
  const char* ObjectBody(const char* p, int depth) {
    if (depth > max_depth_) return nullptr;
    p = Ws(p + 1);
    if (p < end_ && *p == '}') return p + 1;
    while (true) {
      if (p >= end_ || *p != '"') return nullptr;
      p = Key(p);
      if (!p) return nullptr;
      p = Ws(p);
      if (p >= end_ || *p != ':') return nullptr;
      p = Value(Ws(p + 1), depth);
      if (!p) return nullptr;
      p = Ws(p);
      if (p >= end_) return nullptr;
      if (*p == '}') return p + 1;
      if (*p != ',') return nullptr;
      p = Ws(p + 1);
    }
  }
  const char* ArrayBody(const char* p, int depth) {
    if (depth > max_depth_) return nullptr;
    p = Ws(p + 1);
    if (p < end_ && *p == ']') return p + 1;
    while (true) {
      p = Value(p, depth);
      if (!p) return nullptr;
      p = Ws(p);
      if (p >= end_) return nullptr;
      if (*p == ']') return p + 1;
      if (*p != ',') return nullptr;
      p = Ws(p + 1);
    }
  }

  const char* end_;
  int max_depth_;
  JsonTape* tape_;
};

std::optional<JsonView> JsonView::Parse(std::string_view text, int max_depth, JsonTape* tape) {
  const char* begin = text.data();
  const char* end = begin + text.size();
  const char* p = SkipWs(begin, end);
  if (p >= end) return std::nullopt;
  if (tape) {
    tape->base_ = begin;
    tape->entries_.clear();
    if (text.size() >= UINT32_MAX) tape = nullptr;
  }
  JsonValidator validator(end, max_depth, tape);
  const char* value_end = validator.Value(p, 0);
  if (!value_end || SkipWs(value_end, end) != end) {
    if (tape) tape->entries_.clear();
    return std::nullopt;
  }
  if (tape) return JsonView(tape, 0);
  return JsonView(std::string_view(p, static_cast<size_t>(value_end - p)));
}

namespace {

// Byte classes for the skipping loops: 1 = quote or backslash (string scanning stops there),
// 2 = a bracket (container scanning stops there, together with quotes).
constexpr uint8_t kStringStop = 1, kContainerStop = 2;
struct ByteClasses {
  uint8_t c[256] = {};
  constexpr ByteClasses() {
    c[static_cast<uint8_t>('"')] = kStringStop | kContainerStop;
    c[static_cast<uint8_t>('\\')] = kStringStop;
    c[static_cast<uint8_t>('{')] = kContainerStop;
    c[static_cast<uint8_t>('[')] = kContainerStop;
    c[static_cast<uint8_t>('}')] = kContainerStop;
    c[static_cast<uint8_t>(']')] = kContainerStop;
  }
};
constexpr ByteClasses kClasses;

inline uint8_t Class(char ch) { return kClasses.c[static_cast<uint8_t>(ch)]; }

// p points just past an opening quote of validated text: returns just past the closing quote.
inline const char* SkipStringBody(const char* p, const char* end) {
  while (p < end) {
    while (p < end && !(Class(*p) & kStringStop)) ++p;
    if (p >= end) return end;
    if (*p == '"') return p + 1;
    p += 2;  // a backslash and the escaped character
  }
  return end;
}

}  // namespace

const char* JsonView::SkipValue(const char* p, const char* end) {
  if (p >= end) return end;
  char c = *p;
  if (c == '"') return SkipStringBody(p + 1, end);
  if (c == '{' || c == '[') {
    int depth = 0;
    while (p < end) {
      while (p < end && !(Class(*p) & kContainerStop)) ++p;
      if (p >= end) return end;
      char d = *p;
      if (d == '"') {
        p = SkipStringBody(p + 1, end);
        continue;
      }
      if (d == '{' || d == '[') {
        ++depth;
      } else if (--depth == 0) {
        return p + 1;
      }
      ++p;
    }
    return end;
  }
  while (p < end && *p != ',' && *p != '}' && *p != ']' && !IsWs(*p)) ++p;
  return p;
}

JsonView JsonView::Get(std::string_view key) const {
  JsonView found;
  ForEachMember([&](std::string_view k, JsonView v) {
    if (k == key) {
      found = v;
      return false;
    }
    return true;
  });
  return found;
}

JsonView JsonView::At(size_t index) const {
  JsonView found;
  size_t i = 0;
  ForEachElement([&](JsonView v) {
    if (i++ == index) {
      found = v;
      return false;
    }
    return true;
  });
  return found;
}

size_t JsonView::size() const {
  size_t n = 0;
  if (is_object()) ForEachMember([&](std::string_view, JsonView) { ++n; });
  if (is_array()) ForEachElement([&](JsonView) { ++n; });
  return n;
}

std::string_view JsonView::str() const {
  if (!is_string()) return {};
  return raw_.substr(1, raw_.size() - 2);
}

bool JsonView::StrEquals(std::string_view plain) const { return is_string() && str() == plain; }

std::string JsonView::Unescape() const {
  std::string out;
  std::string_view s = str();
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    char e = s[++i];
    switch (e) {
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        uint32_t cp = 0;
        for (int k = 1; k <= 4; ++k) cp = cp * 16 + static_cast<uint32_t>(HexValue(s[i + k]));
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < s.size() && s[i + 1] == '\\' &&
            s[i + 2] == 'u') {
          uint32_t lo = 0;
          bool hex = true;
          for (int k = 3; k <= 6; ++k) {
            int h = HexValue(s[i + k]);
            if (h < 0) hex = false;
            lo = lo * 16 + static_cast<uint32_t>(h < 0 ? 0 : h);
          }
          if (hex && lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
          cp = 0xFFFD;  // a lone surrogate has no UTF-8 form
        }
        AppendUtf8(out, cp);
        break;
      }
      default:
        out.push_back(e);
        break;  // \" \\ \/
    }
  }
  return out;
}

std::optional<int64_t> JsonView::Int() const {
  if (!is_number()) return std::nullopt;
  std::string_view s = raw_;
  bool plain = s.size() <= 18;
  for (size_t i = (s[0] == '-' ? 1 : 0); i < s.size() && plain; ++i) plain = IsDigit(s[i]);
  if (plain) {
    int64_t v = 0;
    for (size_t i = (s[0] == '-' ? 1 : 0); i < s.size(); ++i) v = v * 10 + (s[i] - '0');
    return s[0] == '-' ? -v : v;
  }
  char buf[64];
  if (s.size() >= sizeof(buf)) return std::nullopt;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  double d = std::strtod(buf, nullptr);
  if (!std::isfinite(d) || d != std::floor(d) || d < -9.2e18 || d > 9.2e18) return std::nullopt;
  return static_cast<int64_t>(d);
}

std::optional<bool> JsonView::Bool() const {
  if (!is_bool()) return std::nullopt;
  return raw_[0] == 't';
}

void AppendEscaped(std::string& out, std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default:
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(text.data() + start, text.size() - start);
}

void AppendMinified(std::string& out, std::string_view raw) {
  bool in_string = false, escaped = false;
  for (char c : raw) {
    if (in_string) {
      out.push_back(c);
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (IsWs(c)) continue;
    if (c == '"') in_string = true;
    out.push_back(c);
  }
}

void AppendInt(std::string& out, int64_t value) {
  char buf[24];
  char* p = buf + sizeof(buf);
  uint64_t u = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u);
  if (value < 0) *--p = '-';
  out.append(p, static_cast<size_t>(buf + sizeof(buf) - p));
}

namespace {

// Length of the valid UTF-8 sequence at p (n bytes available), or 0 (RFC 3629 table).
size_t Utf8Length(const unsigned char* p, size_t n) {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  auto cont = [&](size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < n && p[i] >= lo && p[i] <= hi;
  };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
  if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

// Copies `text` to `out`, replacing invalid sequences with `replacement`.
void CopyUtf8(std::string& out, std::string_view text, std::string_view replacement) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size(), start = 0, i = 0;
  while (i < n) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    size_t len = Utf8Length(p + i, n - i);
    if (len) {
      i += len;
      continue;
    }
    out.append(text.data() + start, i - start);
    out.append(replacement);
    start = ++i;
  }
  out.append(text.data() + start, n - start);
}

}  // namespace

void AppendRawUtf8(std::string& out, std::string_view raw) { CopyUtf8(out, raw, "\\ufffd"); }

bool ValidUtf8(std::string_view text, std::string* fixed) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = 0; i < text.size();) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    size_t len = Utf8Length(p + i, text.size() - i);
    if (!len) {
      fixed->clear();
      CopyUtf8(*fixed, text, "\xEF\xBF\xBD");
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace switchyard::wire
