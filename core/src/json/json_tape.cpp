// json_tape.cpp: the lexer (JsonTape::Parse), its errors as Status, and JsonView.
#include "switchyard/json/json_tape.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "switchyard/json/json_text.h"

namespace switchyard {

namespace {

// Bytes a string may contain without a closer look: not a quote, backslash or control
// character; in strict mode not >= 0x80 either (those are checked as UTF-8).
struct PlainTable {
  uint8_t c[256] = {};
  constexpr explicit PlainTable(bool ascii_only) {
    for (int i = 0x20; i < (ascii_only ? 0x80 : 0x100); ++i) c[i] = i != '"' && i != '\\';
  }
};
constexpr PlainTable kPlainStrict(true), kPlainLax(false);

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string JsonPath(std::string_view base, std::string_view key) {
  std::string s(base);
  if (!s.empty() && !key.empty() && key[0] != '[') s += '.';
  return s.append(key);
}
std::string JsonPath(std::string_view base, size_t index) {
  return std::string(base) + '[' + std::to_string(index) + ']';
}

// Recursive descent bounded by max_depth (the recursion is what the bound protects).
class JsonLexer {
 public:
  JsonLexer(const JsonLimits& options, JsonTape* tape, JsonParseError* error)
      : options_(options), entries_(tape->entries_), error_(error),
        plain_(options.strict ? kPlainStrict.c : kPlainLax.c) {}

  bool Run(std::string_view text) {
    base_ = p_ = text.data();
    end_ = p_ + text.size();
    if (text.size() > options_.max_bytes || text.size() >= UINT32_MAX) {
      Fail(JsonParseError::Kind::kTooLarge, "");
      if (error_) error_->offset = text.size();  // the message states the size
      return false;
    }
    if (options_.strict && text.size() >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
    Ws();
    if (!Value(0)) return false;
    Ws();
    if (p_ != end_) return Syntax("unexpected text after the value");
    return true;
  }

 private:
  bool Fail(JsonParseError::Kind kind, const char* detail) {
    if (error_) {
      error_->kind = kind;
      error_->offset = static_cast<size_t>((p_ < end_ ? p_ : end_) - base_);
      error_->detail = detail;
    }
    return false;
  }
  bool Syntax(const char* detail) { return Fail(JsonParseError::Kind::kSyntax, detail); }

  void Ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  uint32_t Open() {
    entries_.push_back(JsonTape::Entry{static_cast<uint32_t>(p_ - base_), 0, 0, 0});
    return static_cast<uint32_t>(entries_.size() - 1);
  }
  bool Close(uint32_t slot) {
    JsonTape::Entry& e = entries_[slot];
    e.end = static_cast<uint32_t>(p_ - base_);
    e.next = static_cast<uint32_t>(entries_.size());
    return true;
  }

  bool Value(int depth) {
    if (p_ >= end_) return Syntax("unexpected end");
    uint32_t slot = Open();
    bool ok;
    switch (*p_) {
      case '{': ok = Container(slot, depth + 1, '}'); break;
      case '[': ok = Container(slot, depth + 1, ']'); break;
      case '"': ok = String(slot); break;
      case 't': ok = Literal("true", 4); break;
      case 'f': ok = Literal("false", 5); break;
      case 'n': ok = Literal("null", 4); break;
      default: ok = Number(); break;
    }
    return ok && Close(slot);
  }

  bool Digits() {  // one or more
    const char* start = p_;
    while (p_ < end_ && IsDigit(*p_)) ++p_;
    return p_ > start;
  }

  bool Literal(const char* word, size_t n) {
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) {
      return Syntax("invalid literal");
    }
    p_ += n;
    return true;
  }

  bool Number() {
    const char* start = p_;
    bool integer = true;
    if (*p_ == '-') ++p_;
    if (p_ >= end_ || !IsDigit(*p_)) return Syntax("invalid value");
    if (*p_ == '0') ++p_;  // no leading zeros
    else Digits();
    if (p_ < end_ && *p_ == '.') {
      integer = false;
      ++p_;
      if (!Digits()) return Syntax("invalid number");
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      integer = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!Digits()) return Syntax("invalid number");
    }
    // As nlohmann: a number a double cannot hold ("1e999") is refused, not infinity. Only
    // fractions, exponents and long integers need the (slower) check.
    size_t n = static_cast<size_t>(p_ - start);
    if (options_.strict && (!integer || n > 18)) {
      if (!std::isfinite(LexemeToDouble(std::string_view(start, n)))) {
        p_ = start;
        return Fail(JsonParseError::Kind::kNumberRange, "number out of range");
      }
    }
    return true;
  }

  bool String(uint32_t slot) {
    ++p_;  // the opening quote
    const uint8_t* plain = plain_;
    while (true) {
      // The common case, plain text: four table lookups per branch.
      while (end_ - p_ >= 4 && (plain[static_cast<unsigned char>(p_[0])] &
                                plain[static_cast<unsigned char>(p_[1])] &
                                plain[static_cast<unsigned char>(p_[2])] &
                                plain[static_cast<unsigned char>(p_[3])])) {
        p_ += 4;
      }
      while (p_ < end_ && plain[static_cast<unsigned char>(*p_)]) ++p_;
      if (p_ >= end_) return Syntax("unterminated string");
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c >= 0x80) {  // strict mode only
        size_t n = Utf8SequenceLength(reinterpret_cast<const unsigned char*>(p_),
                                      static_cast<size_t>(end_ - p_));
        if (n == 0) return Syntax("invalid UTF-8 in a string");
        p_ += n;
        continue;
      }
      if (c < 0x20) return Syntax("control character in a string");
      entries_[slot].count = 1;  // escaped
      if (++p_ >= end_) return Syntax("unterminated string");
      char e = *p_++;
      if (e == 'u') {
        int32_t cp = end_ - p_ >= 4 ? Hex4(p_) : -1;
        if (cp < 0) return Syntax("invalid \\u escape");
        p_ += 4;
        if (!options_.strict) continue;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return Syntax("unpaired surrogate");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          int32_t low = end_ - p_ >= 6 && p_[0] == '\\' && p_[1] == 'u' ? Hex4(p_ + 2) : -1;
          if (low < 0xDC00 || low > 0xDFFF) return Syntax("unpaired surrogate");
          p_ += 6;
        }
      } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' &&
                 e != 'r' && e != 't') {
        --p_;
        return Syntax("invalid escape");
      }
    }
  }

  // An object ('}') or an array (']'): members or elements, each counted on the container.
  bool Container(uint32_t slot, int depth, char close) {
    if (depth > options_.max_depth) return Fail(JsonParseError::Kind::kTooDeep, "");
    ++p_;
    Ws();
    if (p_ < end_ && *p_ == close) return ++p_, true;
    // Folded: validated like any other, then its entries are dropped (the capacity they took
    // is reused by the next one).
    const bool fold = depth == options_.fold_depth;
    for (uint32_t count = 0;; ++p_, Ws()) {
      uint32_t key = 0;
      if (close == '}') {
        if (p_ >= end_ || *p_ != '"') return Syntax("expected a member name");
        key = Open();
        if (!String(key) || !Close(key)) return false;
        Ws();
        if (p_ >= end_ || *p_ != ':') return Syntax("expected ':'");
        ++p_;
        Ws();
      }
      if (!Value(depth)) {
        if (error_ && close == ']') error_->path = JsonPath(JsonPath("", count), error_->path);
        if (error_ && close == '}') {
          const JsonTape::Entry& k = entries_[key];
          error_->path = JsonPath(Unescape({base_ + k.begin + 1, k.end - k.begin - 2}), error_->path);
        }
        return false;
      }
      entries_[slot].count = ++count;
      Ws();
      if (p_ >= end_) return Syntax("unexpected end in a container");
      if (*p_ == close) {
        if (fold) entries_.resize(slot + 1);
        return ++p_, true;
      }
      if (*p_ != ',') return Syntax(close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
    }
  }

  const JsonLimits& options_;
  std::vector<JsonTape::Entry>& entries_;
  JsonParseError* error_;
  const uint8_t* plain_;
  const char* base_ = nullptr;
  const char* p_ = nullptr;
  const char* end_ = nullptr;
};

namespace {

// Entries to reserve for `text`: a guess for an ordinary document (one entry per 8 bytes), but
// for a large one at most what it can hold — every key and value but the root follows one of
// `[ { , :` — so a provider's 124 MiB embeddings answer (~20 bytes per number) reserves ~100 MiB
// of entries, not the 248 MiB the guess would, and the wasm memory it grows to stays that much
// lower. Counting is one pass over the text, cheaper than the parse that follows.
size_t EntriesFor(std::string_view text) {
  const size_t guess = text.size() / 8 + 16;
  if (text.size() < (1u << 20)) return guess;
  size_t most = 1;
  for (char c : text) most += c == ',' || c == ':' || c == '[' || c == '{';
  return most < guess ? most : guess;
}

}  // namespace

bool JsonTape::Parse(std::string_view text, const JsonLimits& options, JsonParseError* error) {
  if (error) *error = JsonParseError();
  base_ = text.data();
  entries_.clear();
  if (entries_.capacity() == 0) {
    // Folding: the outline and one folded part at a time, grown as needed.
    entries_.reserve(options.fold_depth > 0 ? std::min<size_t>(text.size() / 8 + 16, 4096)
                                            : EntriesFor(text));
  }
  if (JsonLexer(options, this, error).Run(text)) return true;
  entries_.clear();
  return false;
}

Status JsonParseError::ToStatus(std::string_view what, const JsonLimits& options,
                                bool with_offset) const {
  std::string doc(what);
  switch (kind) {
    case Kind::kTooLarge:
      return Status::TooLarge(doc + " is " + std::to_string(offset) + " bytes; the limit is " +
                              std::to_string(options.max_bytes))
          .With("limit_bytes", options.max_bytes);
    case Kind::kTooDeep:
      return Status::TooLarge(doc + " nests deeper than " + std::to_string(options.max_depth) +
                              " levels")
          .With("limit_depth", options.max_depth);
    case Kind::kDuplicateKey: {
      std::string field = path.empty() ? key : path + "." + key;
      return Status::InvalidArgument(doc + " has the key \"" + key +
                                         "\" more than once in one object" +
                                         (path.empty() ? "" : " (" + path + ")"),
                                     field)
          .With("key", key);
    }
    case Kind::kNumberRange:
      return Status::InvalidArgument((path.empty() ? doc : path) +
                                         " is a number too large to represent",
                                     path);
    case Kind::kSyntax:
      break;
  }
  if (!with_offset) return Status::InvalidArgument(doc + " is not valid JSON");
  return Status::InvalidArgument(doc + " is not valid JSON: " + detail + " at byte " +
                                 std::to_string(offset));
}

// ---- JsonView ------------------------------------------------------------------------------

// A direct walk over the keys (the catalog loader's and the stream readers' hottest call).
JsonView JsonView::Get(std::string_view key) const {
  if (!is_object()) return JsonView();
  const JsonTape::Entry* e = tape_->entries_.data();
  for (uint32_t k = index_ + 1, end = e[index_].next; k < end; k = e[k + 1].next) {
    std::string_view name(tape_->base_ + e[k].begin + 1, e[k].end - e[k].begin - 2);
    if (e[k].count ? switchyard::Unescape(name) == key : name == key) return JsonView(tape_, k + 1);
  }
  return JsonView();
}

JsonView JsonView::At(size_t index) const {
  if (!is_array() || index >= size() || folded()) return JsonView();
  uint32_t k = index_ + 1;
  while (index-- > 0) k = tape_->entries_[k].next;
  return JsonView(tape_, k);
}

size_t JsonView::size() const {
  return is_object() || is_array() ? tape_->entries_[index_].count : 0;
}

std::string JsonView::Unescape() const {
  return escaped() || !is_string() ? switchyard::Unescape(str()) : std::string(str());
}

bool JsonView::StrEquals(std::string_view s) const {
  if (!is_string()) return false;
  return escaped() ? switchyard::Unescape(str()) == s : str() == s;
}

std::optional<int64_t> JsonView::Int() const {
  if (!is_number()) return std::nullopt;
  bool negative = false;
  uint64_t v = 0;
  if (IntegerLexeme(raw(), &negative, &v)) {
    if (v > static_cast<uint64_t>(INT64_MAX) + (negative ? 1 : 0)) return std::nullopt;
    return negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  }
  // With a fraction or exponent: integral and within int64 (2^63 is exactly representable).
  const double d = LexemeToDouble(raw());
  if (!(d == std::floor(d)) || d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
    return std::nullopt;  // NaN and infinities included
  }
  return static_cast<int64_t>(d);
}

std::optional<bool> JsonView::Bool() const {
  if (!is_bool()) return std::nullopt;
  return first() == 't';
}

}  // namespace switchyard
