// json_value.cpp: switchyard::Json — storage, lookups, the parser and the serialiser.
#include "switchyard/json/json_value.h"

#include "switchyard/json/decimal.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace switchyard {

// ---- construction and storage --------------------------------------------------------------------

Json::Json(value_t type) : type_(type) {
  v_.u = 0;
  switch (type) {
    case value_t::string: v_.s = new std::string(); break;
    case value_t::array: v_.a = new array_t(); break;
    case value_t::object: v_.o = new object_t(); break;
    case value_t::binary: type_ = value_t::null; break;  // not supported: null
    default: break;
  }
}

Json::Json(StringTag, std::string_view s) : type_(value_t::string) { v_.s = new std::string(s); }
Json::Json(StringTag, std::string&& s) : type_(value_t::string) { v_.s = new std::string(std::move(s)); }
Json::Json(array_t a) : type_(value_t::array) { v_.a = new array_t(std::move(a)); }

namespace {
bool IsPair(const Json& j) {
  const Json::array_t* a = j.array_ptr();
  return a && a->size() == 2 && (*a)[0].is_string();
}
}  // namespace

// The elements of an initializer list are temporaries made for the list (copies of what the
// braces named), so taking their contents instead of deep-copying them is safe: nothing else
// sees them, and they are destroyed, null, right after the constructor.
Json Json::Take(const Json& element) noexcept {
  Json j;
  j.type_ = element.type_;
  j.v_ = element.v_;
  element.type_ = value_t::null;
  element.v_.u = 0;
  return j;
}

Json::Json(std::initializer_list<Json> list) : Json() {
  bool object = list.size() > 0 && std::all_of(list.begin(), list.end(), IsPair);
  if (object) {
    *this = Json(value_t::object);
    v_.o->reserve(list.size());
    for (const Json& pair : list) {
      array_t& kv = *pair.v_.a;  // the pair's own array: a temporary of the list too
      SetMoved(std::move(*kv[0].v_.s), std::move(kv[1]));
    }
  } else {
    *this = Json(value_t::array);
    v_.a->reserve(list.size());
    for (const Json& item : list) v_.a->push_back(Take(item));
  }
}

Json Json::array(std::initializer_list<Json> items) {
  Json j(value_t::array);
  j.v_.a->reserve(items.size());
  for (const Json& item : items) j.v_.a->push_back(Take(item));
  return j;
}

Json Json::object(std::initializer_list<Json> members) {
  Json j(value_t::object);
  for (const Json& pair : members) {
    if (IsPair(pair)) j.SetMoved(std::move(*(*pair.v_.a)[0].v_.s), std::move((*pair.v_.a)[1]));
  }
  return j;
}

Json::Json(const Json& other) : type_(other.type_) {
  switch (type_) {
    case value_t::string: v_.s = new std::string(*other.v_.s); break;
    case value_t::array: v_.a = new array_t(*other.v_.a); break;
    case value_t::object: v_.o = new object_t(*other.v_.o); break;
    default: v_ = other.v_; break;
  }
}

Json& Json::operator=(const Json& other) {
  if (this != &other) *this = Json(other);
  return *this;
}

Json& Json::operator=(Json&& other) noexcept {
  if (this != &other) {
    Json old(std::move(*this));  // destroyed after the move: `other` may live inside *this
    type_ = other.type_;
    v_ = other.v_;
    other.type_ = value_t::null;
    other.v_.u = 0;
  }
  return *this;
}

void Json::Destroy() noexcept {
  switch (type_) {
    case value_t::string: delete v_.s; break;
    case value_t::array: delete v_.a; break;
    case value_t::object: delete v_.o; break;
    default: break;
  }
}

const Json& Json::Null() noexcept {
  static const Json null;
  return null;
}

const std::string& Json::EmptyString() noexcept {
  static const std::string empty;
  return empty;
}

const std::string& Json::StringRef() const noexcept {
  return type_ == value_t::string ? *v_.s : EmptyString();
}

double Json::AsDouble() const noexcept {
  switch (type_) {
    case value_t::number_integer: return static_cast<double>(v_.i);
    case value_t::number_unsigned: return static_cast<double>(v_.u);
    case value_t::number_float: return v_.d;
    default: return 0;
  }
}

const char* Json::type_name() const noexcept {
  switch (type_) {
    case value_t::null: return "null";
    case value_t::object: return "object";
    case value_t::array: return "array";
    case value_t::string: return "string";
    case value_t::boolean: return "boolean";
    case value_t::discarded: return "discarded";
    case value_t::binary: return "binary";
    default: return "number";
  }
}

// ---- containers ------------------------------------------------------------------------------------

size_t Json::size() const noexcept {
  switch (type_) {
    case value_t::null: return 0;
    case value_t::array: return v_.a->size();
    case value_t::object: return v_.o->size();
    default: return 1;
  }
}

bool Json::empty() const noexcept {
  switch (type_) {
    case value_t::null: return true;
    case value_t::array: return v_.a->empty();
    case value_t::object: return v_.o->empty();
    default: return false;
  }
}

void Json::clear() noexcept {
  switch (type_) {
    case value_t::string: v_.s->clear(); break;
    case value_t::array: v_.a->clear(); break;
    case value_t::object: v_.o->clear(); break;
    case value_t::boolean: v_.b = false; break;
    case value_t::number_integer: v_.i = 0; break;
    case value_t::number_unsigned: v_.u = 0; break;
    case value_t::number_float: v_.d = 0; break;
    default: break;
  }
}

void Json::reserve(size_t n) {
  if (type_ == value_t::null) *this = Json(value_t::array);
  if (type_ == value_t::array) v_.a->reserve(n);
  else if (type_ == value_t::object) v_.o->reserve(n);
}

namespace {
// First member whose key is not less than `key`.
template <typename Members>
auto LowerBound(Members& members, std::string_view key) {
  return std::lower_bound(members.begin(), members.end(), key,
                          [](const Json::member_t& m, std::string_view k) { return std::string_view(m.first) < k; });
}
}  // namespace

const Json* Json::Lookup(std::string_view key) const noexcept {
  if (type_ != value_t::object) return nullptr;
  auto it = LowerBound(*v_.o, key);
  return it != v_.o->end() && it->first == key ? &it->second : nullptr;
}

Json* Json::Lookup(std::string_view key) noexcept {
  return const_cast<Json*>(static_cast<const Json&>(*this).Lookup(key));
}

Json& Json::Set(std::string_view key, Json value) { return SetMoved(std::string(key), std::move(value)); }

Json& Json::SetMoved(std::string&& key, Json&& value) {
  if (type_ != value_t::object) *this = Json(value_t::object);
  object_t& members = *v_.o;
  // Members are usually added in key order: try the end first.
  if (members.empty() || std::string_view(members.back().first) < std::string_view(key)) {
    members.emplace_back(std::move(key), std::move(value));
    return members.back().second;
  }
  auto it = LowerBound(members, key);
  if (it != members.end() && it->first == key) {
    it->second = std::move(value);
    return it->second;
  }
  return members.emplace(it, std::move(key), std::move(value))->second;
}

Json& Json::operator[](std::string_view key) {
  if (type_ == value_t::object) {
    if (Json* found = Lookup(key)) return *found;
  }
  return Set(key, Json());
}

const Json& Json::operator[](std::string_view key) const {
  const Json* found = Lookup(key);
  return found ? *found : Null();
}

Json& Json::operator[](size_t index) {
  if (type_ != value_t::array) *this = Json(value_t::array);
  if (index >= v_.a->size()) v_.a->resize(index + 1);
  return (*v_.a)[index];
}

const Json& Json::operator[](size_t index) const {
  if (type_ != value_t::array || index >= v_.a->size()) return Null();
  return (*v_.a)[index];
}

size_t Json::erase(std::string_view key) {
  if (type_ != value_t::object) return 0;
  auto it = LowerBound(*v_.o, key);
  if (it == v_.o->end() || it->first != key) return 0;
  v_.o->erase(it);
  return 1;
}

void Json::update(const Json& other) {
  if (other.type_ != value_t::object) return;
  for (const member_t& m : *other.v_.o) Set(m.first, m.second);
}

void Json::push_back(Json value) {
  if (type_ != value_t::array) *this = Json(value_t::array);
  v_.a->push_back(std::move(value));
}

void Json::push_back(member_t member) { Set(member.first, std::move(member.second)); }

void Json::push_back(std::initializer_list<Json> list) {
  if (type_ == value_t::object && list.size() == 2 && list.begin()->is_string()) {
    SetMoved(std::move(*list.begin()->v_.s), Take(*(list.begin() + 1)));
    return;
  }
  push_back(Json(list));
}

Json& Json::front() {
  if (type_ == value_t::array && !v_.a->empty()) return v_.a->front();
  if (type_ == value_t::object && !v_.o->empty()) return v_.o->front().second;
  return *this;
}
const Json& Json::front() const {
  if (type_ == value_t::array && !v_.a->empty()) return v_.a->front();
  if (type_ == value_t::object && !v_.o->empty()) return v_.o->front().second;
  return type_ == value_t::array || type_ == value_t::object ? Null() : *this;
}
Json& Json::back() {
  if (type_ == value_t::array && !v_.a->empty()) return v_.a->back();
  if (type_ == value_t::object && !v_.o->empty()) return v_.o->back().second;
  return *this;
}
const Json& Json::back() const {
  if (type_ == value_t::array && !v_.a->empty()) return v_.a->back();
  if (type_ == value_t::object && !v_.o->empty()) return v_.o->back().second;
  return type_ == value_t::array || type_ == value_t::object ? Null() : *this;
}

// ---- iteration -----------------------------------------------------------------------------------------

Json::iterator Json::begin() noexcept {
  if (type_ == value_t::array) return iterator(v_.a->data(), nullptr);
  if (type_ == value_t::object) return iterator(nullptr, v_.o->data());
  return iterator();
}
Json::iterator Json::end() noexcept {
  if (type_ == value_t::array) return iterator(v_.a->data() + v_.a->size(), nullptr);
  if (type_ == value_t::object) return iterator(nullptr, v_.o->data() + v_.o->size());
  return iterator();
}
Json::const_iterator Json::begin() const noexcept { return const_cast<Json*>(this)->begin(); }
Json::const_iterator Json::end() const noexcept { return const_cast<Json*>(this)->end(); }

Json::iterator Json::find(std::string_view key) {
  if (type_ != value_t::object) return end();
  auto it = LowerBound(*v_.o, key);
  if (it == v_.o->end() || it->first != key) return end();
  return iterator(nullptr, v_.o->data() + (it - v_.o->begin()));
}
Json::const_iterator Json::find(std::string_view key) const { return const_cast<Json*>(this)->find(key); }

// ---- equality ----------------------------------------------------------------------------------------

bool operator==(const Json& a, const Json& b) noexcept {
  using T = Json::value_t;
  if (a.is_number() && b.is_number() && a.type_ != b.type_) {
    // Across kinds, by value (as nlohmann): an integer against a double compares as doubles;
    // signed against unsigned compares exactly.
    if (a.is_number_float() || b.is_number_float()) return a.AsDouble() == b.AsDouble();
    const Json& s = a.type_ == T::number_integer ? a : b;
    const Json& u = a.type_ == T::number_integer ? b : a;
    return s.v_.i >= 0 && static_cast<uint64_t>(s.v_.i) == u.v_.u;
  }
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case T::null: return true;
    case T::discarded: return false;
    case T::boolean: return a.v_.b == b.v_.b;
    case T::number_integer: return a.v_.i == b.v_.i;
    case T::number_unsigned: return a.v_.u == b.v_.u;
    case T::number_float: return a.v_.d == b.v_.d;
    case T::string: return *a.v_.s == *b.v_.s;
    case T::array: return *a.v_.a == *b.v_.a;
    case T::object: return *a.v_.o == *b.v_.o;
    default: return false;
  }
}

// ---- parser -----------------------------------------------------------------------------------------------

class JsonParser {
 public:
  explicit JsonParser(std::string_view text, Json::ParseError* error = nullptr,
                      bool reject_duplicates = false)
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()), err_(error),
        reject_duplicates_(reject_duplicates) {}

  Json Parse() {
    Json out;
    // A leading UTF-8 byte order mark is skipped, as nlohmann does (RFC 8259 8.1 allows it).
    if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
    SkipSpace();
    if (!Value(out, 0)) return Failed();
    SkipSpace();
    if (p_ != end_) return Failed();
    return out;
  }

 private:
  static constexpr int kMaxDepth = 512;

  Json Failed() {
    if (err_) err_->offset = static_cast<size_t>(std::min(p_, end_) - begin_);
    return Json(Json::value_t::discarded);
  }

  // Unwinding a failure: the path grows outwards, "content" → "[2].content" → "messages[2]...".
  void FailedIn(std::string_view key) {
    if (!err_) return;
    std::string& path = err_->path;
    if (!path.empty() && path[0] != '[') path.insert(path.begin(), '.');
    path.insert(0, key);
  }
  void FailedAt(size_t index) {
    if (!err_) return;
    std::string& path = err_->path;
    if (!path.empty() && path[0] != '[') path.insert(path.begin(), '.');
    path.insert(0, "[" + std::to_string(index) + "]");
  }

  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool Literal(const char* word, size_t n) {
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) return false;
    p_ += n;
    return true;
  }

  bool Value(Json& out, int depth) {
    if (p_ >= end_) return false;
    switch (*p_) {
      case '{': return Object(out, depth + 1);
      case '[': return Array(out, depth + 1);
      case '"': {
        std::string s;
        if (!String(s)) return false;
        out = Json(std::move(s));
        return true;
      }
      case 't': if (!Literal("true", 4)) return false; out = Json(true); return true;
      case 'f': if (!Literal("false", 5)) return false; out = Json(false); return true;
      case 'n': if (!Literal("null", 4)) return false; out = Json(); return true;
      default: return Number(out);
    }
  }

  bool Object(Json& out, int depth) {
    if (depth > kMaxDepth) return false;
    ++p_;  // {
    out = Json(Json::value_t::object);
    SkipSpace();
    if (p_ < end_ && *p_ == '}') { ++p_; return true; }
    std::string key;
    while (true) {
      SkipSpace();
      if (p_ >= end_ || *p_ != '"') return false;
      key.clear();
      if (!String(key)) return false;
      SkipSpace();
      if (p_ >= end_ || *p_ != ':') return false;
      ++p_;
      SkipSpace();
      if (reject_duplicates_ && err_ != nullptr && out.Lookup(key) != nullptr) {
        err_->kind = Json::ParseError::Kind::kDuplicateKey;
        err_->key = key;
        return false;
      }
      Json value;
      if (!Value(value, depth)) {
        FailedIn(key);
        return false;
      }
      out.Set(key, std::move(value));  // parse: a repeated key keeps the last value
      SkipSpace();
      if (p_ >= end_) return false;
      if (*p_ == ',') { ++p_; continue; }
      if (*p_ == '}') { ++p_; return true; }
      return false;
    }
  }

  bool Array(Json& out, int depth) {
    if (depth > kMaxDepth) return false;
    ++p_;  // [
    out = Json(Json::value_t::array);
    SkipSpace();
    if (p_ < end_ && *p_ == ']') { ++p_; return true; }
    while (true) {
      SkipSpace();
      out.v_.a->emplace_back();
      if (!Value(out.v_.a->back(), depth)) {
        FailedAt(out.v_.a->size() - 1);
        return false;
      }
      SkipSpace();
      if (p_ >= end_) return false;
      if (*p_ == ',') { ++p_; continue; }
      if (*p_ == ']') { ++p_; return true; }
      return false;
    }
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool Hex4(uint32_t& out) {
    if (end_ - p_ < 4) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      int h = Hex(p_[i]);
      if (h < 0) return false;
      out = out << 4 | static_cast<uint32_t>(h);
    }
    p_ += 4;
    return true;
  }

  static void AppendUtf8(std::string& s, uint32_t cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | cp >> 6);
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | cp >> 12);
      s += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | cp >> 18);
      s += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
      s += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0 (RFC 3629: no overlongs,
  // no surrogates, nothing above U+10FFFF).
  size_t Utf8Length(const char* p) const {
    auto b = [&](ptrdiff_t i) { return static_cast<unsigned char>(p[i]); };
    auto cont = [&](ptrdiff_t i) { return p + i < end_ && (b(i) & 0xC0) == 0x80; };
    unsigned char c = b(0);
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
      if (!cont(1) || !cont(2)) return 0;
      if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
      if (c == 0xED && b(1) > 0x9F) return 0;  // surrogate
      return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
      if (!cont(1) || !cont(2) || !cont(3)) return 0;
      if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
      if (c == 0xF4 && b(1) > 0x8F) return 0;  // above U+10FFFF
      return 4;
    }
    return 0;
  }

  bool String(std::string& s) {
    ++p_;  // "
    while (true) {
      // Copy the run of plain bytes in one go.
      const char* run = p_;
      while (p_ < end_) {
        unsigned char c = static_cast<unsigned char>(*p_);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++p_;
      }
      s.append(run, static_cast<size_t>(p_ - run));
      if (p_ >= end_) return false;
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') { ++p_; return true; }
      if (c < 0x20) return false;  // control characters must be escaped
      if (c >= 0x80) {
        size_t n = Utf8Length(p_);
        if (n == 0) return false;
        s.append(p_, n);
        p_ += n;
        continue;
      }
      // Escape.
      if (++p_ >= end_) return false;
      char e = *p_++;
      switch (e) {
        case '"': s += '"'; break;
        case '\\': s += '\\'; break;
        case '/': s += '/'; break;
        case 'b': s += '\b'; break;
        case 'f': s += '\f'; break;
        case 'n': s += '\n'; break;
        case 'r': s += '\r'; break;
        case 't': s += '\t'; break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a lone low surrogate
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
            p_ += 2;
            if (!Hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(s, cp);
          break;
        }
        default: return false;
      }
    }
  }

  bool Number(Json& out) {
    const char* start = p_;
    bool negative = false;
    if (*p_ == '-') { negative = true; ++p_; }
    if (p_ >= end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    } else {
      return false;
    }
    bool integer = true;
    if (p_ < end_ && *p_ == '.') {
      integer = false;
      ++p_;
      if (p_ >= end_ || *p_ < '0' || *p_ > '9') return false;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      integer = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ >= end_ || *p_ < '0' || *p_ > '9') return false;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (integer) {
      // Accumulate with overflow checks; an integer that does not fit becomes a double.
      uint64_t magnitude = 0;
      bool fits = true;
      for (const char* q = start + (negative ? 1 : 0); q < p_; ++q) {
        uint64_t digit = static_cast<uint64_t>(*q - '0');
        if (magnitude > (UINT64_MAX - digit) / 10) { fits = false; break; }
        magnitude = magnitude * 10 + digit;
      }
      if (fits && !negative) { out = Json(magnitude); return true; }
      if (fits && magnitude <= static_cast<uint64_t>(INT64_MAX) + 1) {
        out = Json(magnitude == static_cast<uint64_t>(INT64_MAX) + 1 ? INT64_MIN
                                                                     : -static_cast<int64_t>(magnitude));
        return true;
      }
    }
    // strtod needs a terminated string; numbers are short.
    char buffer[64];
    std::string long_text;
    size_t n = static_cast<size_t>(p_ - start);
    const char* text;
    if (n < sizeof buffer) {
      std::memcpy(buffer, start, n);
      buffer[n] = '\0';
      text = buffer;
    } else {
      long_text.assign(start, n);
      text = long_text.c_str();
    }
    double d = std::strtod(text, nullptr);
    if (!std::isfinite(d)) {  // as nlohmann: "1e999" is an overflow, not infinity
      if (err_) err_->kind = Json::ParseError::Kind::kNumberRange;
      return false;
    }
    out = Json(d);
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  Json::ParseError* err_;  // ParseStrict: why and where it failed
  bool reject_duplicates_;
};

Json Json::parse(std::string_view text, std::nullptr_t, bool) { return JsonParser(text).Parse(); }

Json Json::ParseStrict(std::string_view text, ParseError* error, bool reject_duplicate_keys) {
  ParseError ignored;
  ParseError* e = error ? error : &ignored;
  *e = ParseError();
  return JsonParser(text, e, reject_duplicate_keys).Parse();
}

// ---- serialiser -------------------------------------------------------------------------------------------

namespace {

void AppendEscaped(std::string& out, const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  const char* p = s.data();
  const char* end = p + s.size();
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
      // Valid UTF-8 is copied; anything else becomes U+FFFD, one per invalid byte.
      size_t n = 0;
      auto cont = [&](size_t i) { return p + i < end && (static_cast<unsigned char>(p[i]) & 0xC0) == 0x80; };
      unsigned char b1 = p + 1 < end ? static_cast<unsigned char>(p[1]) : 0;
      if (c >= 0xC2 && c <= 0xDF && cont(1)) n = 2;
      else if (c >= 0xE0 && c <= 0xEF && cont(1) && cont(2) && !(c == 0xE0 && b1 < 0xA0) && !(c == 0xED && b1 > 0x9F)) n = 3;
      else if (c >= 0xF0 && c <= 0xF4 && cont(1) && cont(2) && cont(3) && !(c == 0xF0 && b1 < 0x90) && !(c == 0xF4 && b1 > 0x8F)) n = 4;
      if (n) {
        out.append(p, n);
        p += n;
      } else {
        out.append("\xEF\xBF\xBD");
        ++p;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
        break;
    }
    ++p;
  }
  out += '"';
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

// Shortest round-trip digits of |d| (> 0, finite) when they are at most 15: the smallest number
// of decimals `places` (0..15) such that N = |d| x 10^places is an integer N < 10^15 with
// N / 10^places == |d|. Both operands are exact doubles and IEEE division rounds once, so the
// comparison is exactly "strtod of N x 10^-places gives back d"; with 15 digits or fewer two
// decimals never share a double, so this is the one the printf search below finds, without
// formatting. Prices, costs and latencies all take this path. false: use the search.
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

// The shortest decimal that reads back as `d`, in nlohmann's layout: plain notation for decimal
// exponents -4 < n <= 15 ("0.001", "123.45", "1e+16" beyond), ".0" after integral values.
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
    ShortestDigits(d, &digits, &exponent);  // exact arithmetic (json/decimal.h), no printf
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

void Newline(std::string& out, int indent, char c, int level) {
  out += '\n';
  out.append(static_cast<size_t>(indent * level), c);
}

void Write(std::string& out, const Json& j, int indent, char indent_char, int level) {
  using T = Json::value_t;
  switch (j.type()) {
    case T::null:
    case T::discarded:
    case T::binary: out += "null"; return;
    case T::boolean: out += j.get<bool>() ? "true" : "false"; return;
    case T::number_integer: {
      int64_t i = j.get<int64_t>();
      if (i < 0) {
        out += '-';
        AppendUnsigned(out, 0 - static_cast<uint64_t>(i));
      } else {
        AppendUnsigned(out, static_cast<uint64_t>(i));
      }
      return;
    }
    case T::number_unsigned: AppendUnsigned(out, j.get<uint64_t>()); return;
    case T::number_float: AppendDouble(out, j.get<double>()); return;
    case T::string: AppendEscaped(out, j.get_ref<const std::string&>()); return;
    case T::array: {
      const Json::array_t& a = *j.array_ptr();
      if (a.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t i = 0; i < a.size(); ++i) {
        if (i) out += ',';
        if (indent >= 0) Newline(out, indent, indent_char, level + 1);
        Write(out, a[i], indent, indent_char, level + 1);
      }
      if (indent >= 0) Newline(out, indent, indent_char, level);
      out += ']';
      return;
    }
    case T::object: {
      const Json::object_t& o = *j.object_ptr();
      if (o.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      for (size_t i = 0; i < o.size(); ++i) {
        if (i) out += ',';
        if (indent >= 0) Newline(out, indent, indent_char, level + 1);
        AppendEscaped(out, o[i].first);
        out += indent >= 0 ? ": " : ":";
        Write(out, o[i].second, indent, indent_char, level + 1);
      }
      if (indent >= 0) Newline(out, indent, indent_char, level);
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string Json::dump(int indent, char indent_char, bool, error_handler_t) const {
  std::string out;
  Write(out, *this, indent, indent_char, 0);
  return out;
}

void Json::DumpTo(std::string& out) const { Write(out, *this, -1, ' ', 0); }

}  // namespace switchyard
