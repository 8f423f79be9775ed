// json_value.h: the core's JSON value (switchyard::Json), the slice of nlohmann/json's interface
// the core uses, out of line and with flat storage (nlohmann's inlined templates were most of
// each wasm module and of the worker's CPU per request). Tested against nlohmann in
// tests/core/json/base_json_value_test.cpp. Differences that matter:
//  - objects are vectors of (key, value) sorted by key: binary-search lookups, key-order
//    iteration and output, and inserting a member may move the others, so a reference to a
//    member must not be held across an insertion (j["b"] = j["a"] is wrong; j.Set("b", j["a"]));
//  - numbers are int64 (negative integers), uint64 (non-negative) or double, equal by value;
//  - dump() writes nlohmann's number format (shortest round trip, "1.0" for integral doubles,
//    NaN/Inf as null) and replaces invalid UTF-8 with U+FFFD;
//  - access nlohmann leaves undefined (get<std::string>() of a number, a const operator[] of a
//    missing key, back() of an empty array) gives an empty/null value instead of trapping.
// Thread-safety: a plain value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace switchyard {

class JsonTape;
class JsonView;
struct JsonParseError;

class Json {
  using member_t = std::pair<std::string, Json>;

 public:
  // nlohmann's names and order.
  enum class value_t : uint8_t {
    null, object, array, string, boolean, number_integer, number_unsigned, number_float
  };

  // ---- construction --------------------------------------------------------------------------
  Json() noexcept : type_(value_t::null) { v_.u = 0; }
  Json(std::nullptr_t) noexcept : Json() {}
  // Booleans, numbers and strings are constructor templates, as in nlohmann: a template is never
  // viable for a braced argument, so Json({"a"}) and Json({1.5}) are one-element arrays (the
  // initializer-list constructor) with every compiler. With plain Json(const char*) and
  // Json(double), clang (both wasm builds) picks those instead and makes "a" and 1.5.
  template <typename T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  Json(T x) noexcept {
    v_.u = 0;
    if constexpr (std::is_same_v<T, bool>) type_ = value_t::boolean, v_.b = x;
    else if constexpr (std::is_floating_point_v<T>) type_ = value_t::number_float, v_.d = x;
    else if constexpr (std::is_signed_v<T>) type_ = value_t::number_integer, v_.i = x;
    else type_ = value_t::number_unsigned, v_.u = x;
  }
  // std::string (moved from when an rvalue), then anything that converts to std::string_view
  // (string literals, const char* (null: ""), string_view).
  template <typename T, std::enable_if_t<std::is_same_v<std::decay_t<T>, std::string>, int> = 0>
  Json(T&& s) : Json(StringTag{}, std::forward<T>(s)) {}
  template <typename T, std::enable_if_t<!std::is_same_v<std::decay_t<T>, std::string> &&
                                             !std::is_same_v<T, std::nullptr_t> &&
                                             std::is_convertible_v<const T&, std::string_view>, int> = 0>
  Json(const T& s) : Json(StringTag{}, View(s)) {}
  // An array, except that a list whose every element is a two-element array starting with a
  // string is an object (nlohmann's rule): Json{{"a", 1}, {"b", 2}} is {"a":1,"b":2}.
  Json(std::initializer_list<Json> list);
  template <typename T, std::enable_if_t<std::is_constructible_v<Json, const T&>, int> = 0>
  Json(const std::vector<T>& items) : Json(value_t::array) {
    reserve(items.size());
    for (const T& item : items) push_back(Json(item));
  }

  static Json array(std::initializer_list<Json> items = {});
  static Json object(std::initializer_list<Json> members = {});  // each a {"key", value} pair

  Json(const Json& other);
  Json(Json&& other) noexcept : type_(other.type_), v_(other.v_) {
    other.type_ = value_t::null;
    other.v_.u = 0;
  }
  Json& operator=(const Json& other);
  Json& operator=(Json&& other) noexcept;
  ~Json() { if (type_ == value_t::string || type_ == value_t::array || type_ == value_t::object) Destroy(); }

  // ---- parsing and serialisation -------------------------------------------------------------
  // Text is parsed by ParseJson (json.h). This is the value a strict tape (json_tape.h) recorded
  // at `v`. With `reject_duplicate_keys`, a key repeated within one object is refused, naming it
  // and its object's path in `*error` (RFC 8259 leaves its meaning open: a router must not guess
  // which value a client meant); otherwise the last value wins, as in nlohmann.
  static bool FromView(JsonView v, Json& out, JsonParseError* error, bool reject_duplicate_keys);
  // indent < 0: compact, else one member or element a line, indented by `indent` spaces a level.
  // Invalid UTF-8 in strings becomes U+FFFD.
  std::string dump(int indent = -1) const;
  void DumpTo(std::string& out) const;  // compact, appended

  // ---- type ------------------------------------------------------------------------------------
  value_t type() const noexcept { return type_; }
  bool is_null() const noexcept { return type_ == value_t::null; }
  bool is_boolean() const noexcept { return type_ == value_t::boolean; }
  bool is_string() const noexcept { return type_ == value_t::string; }
  bool is_array() const noexcept { return type_ == value_t::array; }
  bool is_object() const noexcept { return type_ == value_t::object; }
  bool is_number() const noexcept { return is_number_integer() || type_ == value_t::number_float; }
  bool is_number_integer() const noexcept {
    return type_ == value_t::number_integer || type_ == value_t::number_unsigned;
  }
  bool is_number_unsigned() const noexcept { return type_ == value_t::number_unsigned; }
  bool is_number_float() const noexcept { return type_ == value_t::number_float; }

  // ---- scalar access -------------------------------------------------------------------------
  // get<T>() for bool, integers, floating point and std::string. Numbers convert between the
  // three kinds with static_cast (a double out of an integer type's range saturates); any other
  // mismatch gives 0 / false / "" (callers check the type first).
  template <typename T>
  T get() const {
    if constexpr (std::is_same_v<T, bool>) {
      return type_ == value_t::boolean && v_.b;
    } else if constexpr (std::is_integral_v<T>) {
      if (type_ == value_t::number_integer) return static_cast<T>(v_.i);
      if (type_ == value_t::number_unsigned) return static_cast<T>(v_.u);
      if (type_ != value_t::number_float || !(v_.d == v_.d)) return 0;  // NaN: 0
      if (v_.d <= static_cast<double>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
      if (v_.d >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
      return static_cast<T>(v_.d);
    } else if constexpr (std::is_floating_point_v<T>) {
      return static_cast<T>(AsDouble());
    } else {
      static_assert(std::is_same_v<T, std::string>, "Json::get: unsupported type");
      return StringRef();
    }
  }
  template <typename Ref>
  Ref get_ref() const {
    static_assert(std::is_same_v<Ref, const std::string&>, "Json::get_ref: const std::string& only");
    return StringRef();
  }

  // ---- containers ----------------------------------------------------------------------------
  size_t size() const noexcept;   // null: 0, object/array: elements, others: 1
  bool empty() const noexcept;    // null: true, object/array: no elements, others: false
  void reserve(size_t n);         // arrays (null becomes an array)

  // Objects. The non-const operator[] turns null into an object and inserts a null member; the
  // const one returns a null for a missing key.
  Json& operator[](std::string_view key);
  const Json& operator[](std::string_view key) const;
  // Arrays. The non-const operator[] turns null into an array and grows it; the const one
  // returns a null past the end.
  Json& operator[](size_t index);
  const Json& operator[](size_t index) const;

  bool contains(std::string_view key) const { return Lookup(key) != nullptr; }
  size_t erase(std::string_view key);
  // Sets `key` (objects; null becomes an object). Faster than operator[] for a known-new key
  // appended in sorted order.
  Json& Set(std::string_view key, Json value);
  void update(const Json& other);  // objects: copies other's members over this one's

  void push_back(Json value);      // arrays (anything else becomes an array); objects use Set
  // An array's last element; anything else (an empty array included) is its own back().
  Json& back() { return type_ == value_t::array && !v_.a->empty() ? v_.a->back() : *this; }

  // ---- iteration -------------------------------------------------------------------------------
  // Over an array's elements or an object's values (in key order; key() names the member).
  // Null and scalars have no elements.
  template <bool Const>
  class Iter {
   public:
    using J = std::conditional_t<Const, const Json, Json>;
    using M = std::conditional_t<Const, const member_t, member_t>;
    using difference_type = std::ptrdiff_t;
    using value_type = Json;
    using pointer = J*;
    using reference = J&;
    using iterator_category = std::forward_iterator_tag;

    Iter() = default;
    Iter(J* a, M* m) : a_(a), m_(m) {}

    J& operator*() const { return m_ ? m_->second : *a_; }
    J* operator->() const { return &**this; }
    Iter& operator++() { if (m_) ++m_; else ++a_; return *this; }
    bool operator==(const Iter& o) const { return a_ == o.a_ && m_ == o.m_; }
    bool operator!=(const Iter& o) const { return !(*this == o); }
    // The member's key (objects); "" for array elements.
    const std::string& key() const { return m_ ? m_->first : EmptyString(); }
    J& value() const { return **this; }

   private:
    friend class Json;
    J* a_ = nullptr;
    M* m_ = nullptr;
  };
  using iterator = Iter<false>;
  using const_iterator = Iter<true>;

  iterator begin() noexcept { return Range(0); }
  iterator end() noexcept { return Range(size()); }
  const_iterator begin() const noexcept { return ConstIter(const_cast<Json*>(this)->begin()); }
  const_iterator end() const noexcept { return ConstIter(const_cast<Json*>(this)->end()); }
  iterator find(std::string_view key);  // end() when absent
  const_iterator find(std::string_view key) const { return ConstIter(const_cast<Json*>(this)->find(key)); }

  friend bool operator==(const Json& a, const Json& b) noexcept;
  // Comparisons with scalars and strings (j["n"] == 1, j["role"] == "user") without building a
  // temporary for the common cases.
  friend bool operator==(const Json& a, std::string_view s) noexcept {
    return a.type_ == value_t::string && *a.v_.s == s;
  }
  friend bool operator==(const Json& a, const char* s) noexcept { return a == std::string_view(s); }
  friend bool operator==(const Json& a, const std::string& s) noexcept { return a == std::string_view(s); }
  friend bool operator==(const Json& a, std::nullptr_t) noexcept { return a.is_null(); }
  template <typename T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  friend bool operator==(const Json& a, T b) noexcept { return a == Json(b); }

  // The member's value or nullptr (not an object, or no such key).
  const Json* Lookup(std::string_view key) const noexcept;

 private:
  using array_t = std::vector<Json>;
  using object_t = std::vector<member_t>;  // sorted by key, keys unique
  struct StringTag {};
  explicit Json(value_t type);  // the empty value of that type
  Json(StringTag, std::string_view s);
  Json(StringTag, std::string&& s);
  template <typename T>
  static std::string_view View(const T& s) noexcept {
    if constexpr (std::is_convertible_v<const T&, const char*>) {
      const char* p = s;
      return p ? std::string_view(p) : std::string_view();
    } else {
      return std::string_view(s);
    }
  }
  void Destroy() noexcept;
  // Moves out of an element of an initializer list (see type_).
  static Json Take(const Json& element) noexcept;
  Json& SetMoved(std::string&& key, Json&& value);
  iterator Range(size_t i) noexcept;  // iterator at element `i` (arrays, objects)
  static const_iterator ConstIter(iterator it) noexcept { return const_iterator(it.a_, it.m_); }
  double AsDouble() const noexcept;
  const std::string& StringRef() const noexcept;
  static const std::string& EmptyString() noexcept;
  static const Json& Null() noexcept;

  // Mutable only so that an initializer list's elements (const temporaries made for the list)
  // can be moved from instead of deep-copied: see Json::Take in json_value.cpp. No const member
  // function changes them.
  mutable value_t type_;
  mutable union {
    bool b;
    int64_t i;
    uint64_t u;
    double d;
    std::string* s;
    array_t* a;
    object_t* o;
  } v_;
};

}  // namespace switchyard
