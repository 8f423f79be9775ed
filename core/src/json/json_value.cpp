// json_value.cpp: switchyard::Json — storage, lookups, building from a tape, the writer.
#include "switchyard/json/json_value.h"

#include <algorithm>

#include "switchyard/json/decimal.h"
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
    default: break;
  }
}

Json::Json(StringTag, std::string_view s) : type_(value_t::string) { v_.s = new std::string(s); }
Json::Json(StringTag, std::string&& s) : type_(value_t::string) { v_.s = new std::string(std::move(s)); }

namespace {
bool IsPair(const Json& j) { return j.is_array() && j.size() == 2 && j[0].is_string(); }
}  // namespace

// The elements of an initializer list are temporaries made for the list (copies of what the
// braces named), so moving from them instead of deep-copying is safe: nothing else sees them,
// and they are destroyed, null, right after the constructor. The move changes only the mutable
// members, which a const object allows.
Json Json::Take(const Json& element) noexcept { return std::move(const_cast<Json&>(element)); }

// (Not written as object(list) / array(list): passing the list on costs every caller a copy of
// it in the wasm builds, ~15 KB gzipped in all.)
Json::Json(std::initializer_list<Json> list) : Json() {
  bool pairs = list.size() > 0 && std::all_of(list.begin(), list.end(), IsPair);
  *this = Json(pairs ? value_t::object : value_t::array);
  if (pairs) v_.o->reserve(list.size());
  else v_.a->reserve(list.size());
  for (const Json& item : list) {
    if (pairs) SetMoved(std::move(*(*item.v_.a)[0].v_.s), std::move((*item.v_.a)[1]));
    else v_.a->push_back(Take(item));
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
  j.v_.o->reserve(members.size());
  for (const Json& pair : members) {  // the pair's own array is a temporary of the list too
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
    std::swap(type_, other.type_);  // *this was left null
    std::swap(v_, other.v_);
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

// ---- containers ------------------------------------------------------------------------------------

size_t Json::size() const noexcept {
  switch (type_) {
    case value_t::null: return 0;
    case value_t::array: return v_.a->size();
    case value_t::object: return v_.o->size();
    default: return 1;
  }
}

bool Json::empty() const noexcept { return is_array() || is_object() ? size() == 0 : is_null(); }

void Json::reserve(size_t n) {
  if (type_ == value_t::null) *this = Json(value_t::array);
  if (type_ == value_t::array) v_.a->reserve(n);
}

namespace {
// First member whose key is not less than `key`.
template <typename Members>
auto LowerBound(Members& members, std::string_view key) {
  return std::lower_bound(members.begin(), members.end(), key,
                          [](const auto& m, std::string_view k) { return std::string_view(m.first) < k; });
}
}  // namespace

const Json* Json::Lookup(std::string_view key) const noexcept {
  if (type_ != value_t::object) return nullptr;
  auto it = LowerBound(*v_.o, key);
  return it != v_.o->end() && it->first == key ? &it->second : nullptr;
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
  const Json* found = std::as_const(*this).Lookup(key);
  return found ? const_cast<Json&>(*found) : Set(key, Json());
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
  if (!Lookup(key)) return 0;
  v_.o->erase(LowerBound(*v_.o, key));
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

// ---- iteration -----------------------------------------------------------------------------------------

Json::iterator Json::Range(size_t i) noexcept {
  if (type_ == value_t::array) return iterator(v_.a->data() + i, nullptr);
  if (type_ == value_t::object) return iterator(nullptr, v_.o->data() + i);
  return iterator();
}

Json::iterator Json::find(std::string_view key) {
  const Json* found = Lookup(key);
  return found ? Range(static_cast<size_t>(LowerBound(*v_.o, key) - v_.o->begin())) : end();
}

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

namespace {

// A number lexeme the strict lexer accepted: an integer that fits int64/uint64 keeps its kind,
// the rest is a (finite) double.
Json NumberValue(std::string_view s) {
  bool negative = false;
  uint64_t magnitude = 0;
  if (IntegerLexeme(s, &negative, &magnitude)) {
    if (!negative) return Json(magnitude);
    if (magnitude <= static_cast<uint64_t>(INT64_MAX) + 1) return Json(static_cast<int64_t>(0 - magnitude));
  }
  return Json(LexemeToDouble(s));
}

}  // namespace

bool Json::FromView(JsonView v, Json& out, JsonParseError* error, bool reject_duplicate_keys) {
  bool ok = true;
  switch (v.raw()[0]) {
    case '{':
      out = Json(value_t::object);
      out.v_.o->reserve(v.size());
      v.ForEachMember([&](JsonView k, JsonView value) {
        std::string key = k.Unescape();
        if (reject_duplicate_keys && out.Lookup(key) != nullptr) {
          if (error) {
            error->kind = JsonParseError::Kind::kDuplicateKey;
            error->offset = static_cast<size_t>(k.raw().data() - v.raw().data());
            error->key = key;
          }
          return ok = false;
        }
        Json member;
        if (!FromView(value, member, error, reject_duplicate_keys)) {
          if (error) error->path = JsonPath(key, error->path);
          return ok = false;
        }
        out.SetMoved(std::move(key), std::move(member));  // a repeated key keeps the last value
        return true;
      });
      return ok;
    case '[':
      out = Json(value_t::array);
      out.v_.a->reserve(v.size());
      v.ForEachElement([&](JsonView element) {
        array_t& a = *out.v_.a;
        a.emplace_back();
        if (FromView(element, a.back(), error, reject_duplicate_keys)) return true;
        if (error) error->path = JsonPath(JsonPath("", a.size() - 1), error->path);
        return ok = false;
      });
      return ok;
    case '"': out = Json(v.Unescape()); return true;
    case 't': out = Json(true); return true;
    case 'f': out = Json(false); return true;
    case 'n': out = Json(); return true;
    default: out = NumberValue(v.raw()); return true;
  }
}

// ---- serialiser -------------------------------------------------------------------------------------------

namespace {

void Newline(std::string& out, int indent, int level) {
  if (indent < 0) return;
  out += '\n';
  out.append(static_cast<size_t>(indent * level), ' ');
}

void Write(std::string& out, const Json& j, int indent, int level) {
  using T = Json::value_t;
  switch (j.type()) {
    case T::null: out += "null"; return;
    case T::boolean: out += j.get<bool>() ? "true" : "false"; return;
    case T::number_integer: AppendInt(out, j.get<int64_t>()); return;
    case T::number_unsigned: AppendUnsigned(out, j.get<uint64_t>()); return;
    case T::number_float: AppendDouble(out, j.get<double>()); return;
    case T::string: AppendQuoted(out, j.get_ref<const std::string&>()); return;
    case T::array:
    case T::object: {
      const bool object = j.is_object();
      out += object ? '{' : '[';
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (it != j.begin()) out += ',';
        Newline(out, indent, level + 1);
        if (object) {
          AppendQuoted(out, it.key());
          out += indent >= 0 ? ": " : ":";
        }
        Write(out, *it, indent, level + 1);
      }
      if (!j.empty()) Newline(out, indent, level);
      out += object ? '}' : ']';
      return;
    }
  }
}

}  // namespace

std::string Json::dump(int indent) const {
  std::string out;
  Write(out, *this, indent, 0);
  return out;
}

void Json::DumpTo(std::string& out) const { Write(out, *this, -1, 0); }

}  // namespace switchyard
