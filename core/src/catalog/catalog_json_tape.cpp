// catalog_json_tape.cpp: the strict, allocation-light JSON reader behind Catalog::FromText.
#include "catalog/catalog_json_tape.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

namespace switchyard::internal {

using Kind = JsonValue::Kind;

class TapeParser {
 public:
  TapeParser(std::string_view text, const JsonLimits& limits, std::string_view what, JsonTape* tape)
      : s_(text), limits_(limits), what_(what), tape_(tape) {}

  Status Run() {
    // A rough upper bound on nodes is one per 6 bytes of catalog text; reserving avoids
    // regrowing a multi-megabyte vector while parsing.
    tape_->nodes_.reserve(s_.size() / 6 + 16);
    SY_RETURN_IF_ERROR(Value(0));
    SkipSpace();
    if (pos_ != s_.size()) return Syntax("unexpected text after the value");
    return Status::Ok();
  }

 private:
  Status Syntax(std::string_view what) const {
    return Status::InvalidArgument(std::string(what_) + " is not valid JSON: " + std::string(what) +
                                   " at byte " + std::to_string(pos_));
  }

  void SkipSpace() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
      ++pos_;
    }
  }

  uint32_t Push(Kind kind, uint32_t offset = 0, uint32_t length = 0) {
    uint32_t index = static_cast<uint32_t>(tape_->nodes_.size());
    tape_->nodes_.push_back(JsonTape::Node{kind, false, index + 1, 0, offset, length});
    return index;
  }

  Status Value(int depth) {
    SkipSpace();
    if (pos_ >= s_.size()) return Syntax("unexpected end");
    switch (s_[pos_]) {
      case '{':
        return Object(depth + 1);
      case '[':
        return Array(depth + 1);
      case '"':
        return String();
      case 't':
        return Literal("true", Kind::kTrue);
      case 'f':
        return Literal("false", Kind::kFalse);
      case 'n':
        return Literal("null", Kind::kNull);
      default:
        return Number();
    }
  }

  Status Deep() const {
    return Status::TooLarge(std::string(what_) + " nests deeper than " +
                            std::to_string(limits_.max_depth) + " levels")
        .With("limit_depth", limits_.max_depth);
  }

  Status Object(int depth) {
    if (depth > limits_.max_depth) return Deep();
    uint32_t index = Push(Kind::kObject);
    ++pos_;
    uint32_t count = 0;
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
    } else {
      while (true) {
        SkipSpace();
        if (pos_ >= s_.size() || s_[pos_] != '"') return Syntax("expected a member name");
        SY_RETURN_IF_ERROR(String());
        SkipSpace();
        if (pos_ >= s_.size() || s_[pos_] != ':') return Syntax("expected ':'");
        ++pos_;
        SY_RETURN_IF_ERROR(Value(depth));
        ++count;
        SkipSpace();
        if (pos_ >= s_.size()) return Syntax("unexpected end in an object");
        if (s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (s_[pos_] == '}') {
          ++pos_;
          break;
        }
        return Syntax("expected ',' or '}'");
      }
    }
    tape_->nodes_[index].count = count;
    tape_->nodes_[index].end = static_cast<uint32_t>(tape_->nodes_.size());
    return Status::Ok();
  }

  Status Array(int depth) {
    if (depth > limits_.max_depth) return Deep();
    uint32_t index = Push(Kind::kArray);
    ++pos_;
    uint32_t count = 0;
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
    } else {
      while (true) {
        SY_RETURN_IF_ERROR(Value(depth));
        ++count;
        SkipSpace();
        if (pos_ >= s_.size()) return Syntax("unexpected end in an array");
        if (s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (s_[pos_] == ']') {
          ++pos_;
          break;
        }
        return Syntax("expected ',' or ']'");
      }
    }
    tape_->nodes_[index].count = count;
    tape_->nodes_[index].end = static_cast<uint32_t>(tape_->nodes_.size());
    return Status::Ok();
  }

  Status Literal(std::string_view word, Kind kind) {
    if (s_.substr(pos_, word.size()) != word) return Syntax("invalid literal");
    pos_ += word.size();
    Push(kind);
    return Status::Ok();
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  Status Number() {
    size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    if (pos_ >= s_.size() || !IsDigit(s_[pos_])) return Syntax("invalid value");
    if (s_[pos_] == '0') {
      ++pos_;
    } else {
      while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (pos_ >= s_.size() || !IsDigit(s_[pos_])) return Syntax("invalid number");
      while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (pos_ >= s_.size() || !IsDigit(s_[pos_])) return Syntax("invalid number");
      while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
    }
    // Like nlohmann, refuse what a double cannot hold ("1e999"). Only fractions, exponents and
    // very long integers need the (rare, slower) check.
    std::string_view lexeme = s_.substr(start, pos_ - start);
    if (lexeme.size() > 18 || lexeme.find_first_of(".eE") != std::string_view::npos) {
      if (!std::isfinite(std::strtod(std::string(lexeme).c_str(), nullptr))) {
        return Syntax("number out of range");
      }
    }
    Push(Kind::kNumber, static_cast<uint32_t>(start), static_cast<uint32_t>(pos_ - start));
    return Status::Ok();
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Four hex digits at pos_ (after "\u"), or -1.
  int32_t Hex4() {
    if (pos_ + 4 > s_.size()) return -1;
    int32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      int h = Hex(s_[pos_ + k]);
      if (h < 0) return -1;
      v = v * 16 + h;
    }
    pos_ += 4;
    return v;
  }

  // One UTF-8 sequence starting at pos_ with a lead byte >= 0x80 (RFC 3629: no overlongs, no
  // surrogates, nothing above U+10FFFF).
  bool Utf8() {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(s_[pos_ + k]); };
    auto cont = [&](size_t k) { return pos_ + k < s_.size() && (byte(k) & 0xC0) == 0x80; };
    unsigned char b0 = byte(0);
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      if (!cont(1)) return false;
      pos_ += 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      if (!cont(1) || !cont(2)) return false;
      unsigned char b1 = byte(1);
      if ((b0 == 0xE0 && b1 < 0xA0) || (b0 == 0xED && b1 > 0x9F)) return false;
      pos_ += 3;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      if (!cont(1) || !cont(2) || !cont(3)) return false;
      unsigned char b1 = byte(1);
      if ((b0 == 0xF0 && b1 < 0x90) || (b0 == 0xF4 && b1 > 0x8F)) return false;
      pos_ += 4;
    } else {
      return false;
    }
    return true;
  }

  Status String() {
    ++pos_;  // the opening quote
    size_t start = pos_;
    bool escaped = false;
    while (true) {
      // Fast path: plain ASCII.
      while (pos_ < s_.size()) {
        unsigned char c = static_cast<unsigned char>(s_[pos_]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++pos_;
      }
      if (pos_ >= s_.size()) return Syntax("unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') break;
      if (c < 0x20) return Syntax("control character in a string");
      if (c >= 0x80) {
        if (!Utf8()) return Syntax("invalid UTF-8 in a string");
        continue;
      }
      // A backslash escape.
      escaped = true;
      ++pos_;
      if (pos_ >= s_.size()) return Syntax("unterminated string");
      char e = s_[pos_++];
      if (e == 'u') {
        int32_t cp = Hex4();
        if (cp < 0) return Syntax("invalid \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (s_.substr(pos_, 2) != "\\u") return Syntax("unpaired surrogate");
          pos_ += 2;
          int32_t low = Hex4();
          if (low < 0xDC00 || low > 0xDFFF) return Syntax("unpaired surrogate");
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return Syntax("unpaired surrogate");
        }
      } else if (!std::strchr("\"\\/bfnrt", e) || e == '\0') {
        return Syntax("invalid escape");
      }
    }
    uint32_t index =
        Push(Kind::kString, static_cast<uint32_t>(start), static_cast<uint32_t>(pos_ - start));
    tape_->nodes_[index].escaped = escaped;
    ++pos_;  // the closing quote
    return Status::Ok();
  }

  std::string_view s_;
  const JsonLimits& limits_;
  std::string_view what_;
  JsonTape* tape_;
  size_t pos_ = 0;
};

Result<JsonTape> JsonTape::Parse(std::string_view text, const JsonLimits& limits,
                                 std::string_view what) {
  if (text.size() > limits.max_bytes || text.size() >= UINT32_MAX) {
    return Status::TooLarge(std::string(what) + " is " + std::to_string(text.size()) +
                            " bytes; the limit is " + std::to_string(limits.max_bytes))
        .With("limit_bytes", limits.max_bytes);
  }
  JsonTape tape;
  tape.text_ = text;
  TapeParser parser(text, limits, what, &tape);
  SY_RETURN_IF_ERROR(parser.Run());
  return tape;
}

// ---- JsonValue ----------------------------------------------------------------------------

const char* JsonValue::type_name() const {
  switch (kind()) {
    case Kind::kNull:
      return "null";
    case Kind::kFalse:
    case Kind::kTrue:
      return "boolean";
    case Kind::kNumber:
      return "number";
    case Kind::kString:
      return "string";
    case Kind::kArray:
      return "array";
    case Kind::kObject:
      return "object";
  }
  return "null";
}

std::string_view JsonValue::number_text() const {
  if (!is_number()) return {};
  const auto& n = tape_->nodes_[index_];
  return tape_->text_.substr(n.offset, n.length);
}

std::optional<int64_t> JsonValue::as_int() const {
  std::string_view t = number_text();
  if (t.empty()) return std::nullopt;
  bool negative = t[0] == '-';
  if (negative) t.remove_prefix(1);
  if (t.empty() || t.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return std::nullopt;  // a fraction or an exponent
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
}

namespace {

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

uint32_t Hex4At(std::string_view s, size_t i) {
  uint32_t v = 0;
  for (size_t k = 0; k < 4; ++k) {
    char c = s[i + k];
    v = v * 16 + static_cast<uint32_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return v;
}

// Decodes a string the parser already validated.
std::string Unescape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    char e = raw[++i];
    switch (e) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        uint32_t cp = Hex4At(raw, i + 1);
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t low = Hex4At(raw, i + 3);
          i += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        AppendUtf8(out, cp);
        break;
      }
      default:
        out += e;
        break;  // '"', '\\', '/'
    }
  }
  return out;
}

}  // namespace

std::string JsonValue::as_string() const {
  if (!is_string()) return {};
  const auto& n = tape_->nodes_[index_];
  std::string_view raw = tape_->text_.substr(n.offset, n.length);
  return n.escaped ? Unescape(raw) : std::string(raw);
}

bool JsonValue::string_equals(std::string_view s) const {
  if (!is_string()) return false;
  const auto& n = tape_->nodes_[index_];
  std::string_view raw = tape_->text_.substr(n.offset, n.length);
  return n.escaped ? Unescape(raw) == s : raw == s;
}

bool JsonValue::string_empty() const { return is_string() && tape_->nodes_[index_].length == 0; }

std::optional<JsonValue> JsonValue::Find(std::string_view key) const {
  std::optional<JsonValue> found;
  ForEachMember([&](JsonValue k, JsonValue v) {
    if (!k.string_equals(key)) return true;
    found = v;
    return false;
  });
  return found;
}

}  // namespace switchyard::internal
