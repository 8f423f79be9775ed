// json_value.cpp: switchyard::Json — storage, lookups, building from a tape, the writer.
#include "switchyard/json/json_value.h"

#include <algorithm>
#include <cstdlib>

#include "switchyard/json/json_tape.h"
#include "switchyard/json/json_text.h"

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

// Null and scalars are their own front and back; an empty container gives null.
const Json& Json::front() const {
  if (type_ == value_t::array && !v_.a->empty()) return v_.a->front();
  if (type_ == value_t::object && !v_.o->empty()) return v_.o->front().second;
  return type_ == value_t::array || type_ == value_t::object ? Null() : *this;
}
const Json& Json::back() const {
  if (type_ == value_t::array && !v_.a->empty()) return v_.a->back();
  if (type_ == value_t::object && !v_.o->empty()) return v_.o->back().second;
  return type_ == value_t::array || type_ == value_t::object ? Null() : *this;
}
// Non-const: an empty container gives itself, never the shared null.
Json& Json::front() {
  return is_structured() && empty() ? *this : const_cast<Json&>(std::as_const(*this).front());
}
Json& Json::back() {
  return is_structured() && empty() ? *this : const_cast<Json&>(std::as_const(*this).back());
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

// ---- parsing: the DOM is built from the lexer's tape (json_tape.h) ------------------------------------------

class JsonBuilder {
 public:
  JsonBuilder(JsonParseError* error, bool reject_duplicates)
      : error_(error), reject_duplicates_(reject_duplicates) {}

  bool Build(JsonView v, Json& out) {
    switch (v.raw()[0]) {
      case '{': {
        out = Json(Json::value_t::object);
        out.v_.o->reserve(v.size());
        bool ok = true;
        v.ForEachMember([&](JsonView k, JsonView value) {
          std::string key = k.Unescape();
          if (reject_duplicates_ && out.Lookup(key) != nullptr) {
            if (error_) {
              error_->kind = JsonParseError::Kind::kDuplicateKey;
              error_->offset = static_cast<size_t>(k.raw().data() - v.raw().data());
              error_->key = key;
            }
            return ok = false;
          }
          Json member;
          if (!Build(value, member)) {
            if (error_) PrependPathKey(error_->path, key);
            return ok = false;
          }
          out.SetMoved(std::move(key), std::move(member));  // a repeated key keeps the last value
          return true;
        });
        return ok;
      }
      case '[': {
        out = Json(Json::value_t::array);
        Json::array_t& a = *out.v_.a;
        a.reserve(v.size());
        bool ok = true;
        v.ForEachElement([&](JsonView element) {
          a.emplace_back();
          if (Build(element, a.back())) return true;
          if (error_) PrependPathIndex(error_->path, a.size() - 1);
          return ok = false;
        });
        return ok;
      }
      case '"': out = Json(v.Unescape()); return true;
      case 't': out = Json(true); return true;
      case 'f': out = Json(false); return true;
      case 'n': out = Json(); return true;
      default: out = Number(v.raw()); return true;
    }
  }

 private:
  // A lexeme the strict lexer accepted: an integer that fits int64/uint64 keeps its kind, the
  // rest is a (finite) double.
  static Json Number(std::string_view s) {
    bool negative = s[0] == '-';
    if (s.find_first_of(".eE") == std::string_view::npos) {
      uint64_t magnitude = 0;
      bool fits = true;
      for (size_t i = negative ? 1 : 0; i < s.size(); ++i) {
        uint64_t digit = static_cast<uint64_t>(s[i] - '0');
        if (magnitude > (UINT64_MAX - digit) / 10) { fits = false; break; }
        magnitude = magnitude * 10 + digit;
      }
      if (fits && !negative) return Json(magnitude);
      if (fits && magnitude <= static_cast<uint64_t>(INT64_MAX) + 1) {
        return Json(static_cast<int64_t>(0 - magnitude));
      }
    }
    return Json(std::strtod(std::string(s).c_str(), nullptr));
  }

  JsonParseError* error_;
  bool reject_duplicates_;
};

bool Json::FromTape(const JsonTape& tape, Json* out, JsonParseError* error,
                    bool reject_duplicate_keys) {
  return JsonBuilder(error, reject_duplicate_keys).Build(tape.root(), *out);
}

Json Json::parse(std::string_view text, std::nullptr_t, bool) {
  JsonTape tape;
  JsonLimits options;
  options.max_bytes = SIZE_MAX;
  options.max_depth = 512;
  Json out;
  if (!tape.Parse(text, options) || !FromTape(tape, &out, nullptr, false)) {
    return Json(value_t::discarded);
  }
  return out;
}

// ---- serialiser -------------------------------------------------------------------------------------------

namespace {

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
    case T::number_integer: AppendInt(out, j.get<int64_t>()); return;
    case T::number_unsigned: AppendUnsigned(out, j.get<uint64_t>()); return;
    case T::number_float: AppendDouble(out, j.get<double>()); return;
    case T::string: AppendQuoted(out, j.get_ref<const std::string&>()); return;
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
        AppendQuoted(out, o[i].first);
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
