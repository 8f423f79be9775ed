// catalog_json_tape.h: a read-only JSON document as one flat array of nodes pointing into the
// source text, for loading the catalog quickly at every worker isolate start.
//
// Why not a DOM here: when the core parsed with nlohmann/json, building its DOM (a std::map per
// object, a std::string per string) for the ~1 MB default catalog and freeing it again cost
// ~10 ms natively and ~30 ms in wasm, several times the work of reading the catalog itself (the
// core's own Json, json_value.h, has since replaced nlohmann at run time). The tape makes one allocation
// for all nodes, copies no strings (a string without escapes is a view of the text) and frees
// in one go. It validates as strictly as Json::parse (grammar, UTF-8, escapes, surrogate pairs)
// and enforces the same size and depth limits; parsing is recursive only up to that depth.
//
// Ownership: a tape borrows the text, which must outlive it and every JsonValue taken from it.
// Thread-safety: immutable after Parse; const use from several threads is fine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/base/status.h"
#include "switchyard/json/json.h"

namespace switchyard::internal {

class JsonTape;

// A handle to one value of a tape: cheap to copy, valid as long as the tape.
class JsonValue {
 public:
  enum class Kind : uint8_t { kNull, kFalse, kTrue, kNumber, kString, kArray, kObject };

  JsonValue(const JsonTape* tape, uint32_t index) : tape_(tape), index_(index) {}

  Kind kind() const;
  bool is_null() const { return kind() == Kind::kNull; }
  bool is_bool() const { return kind() == Kind::kFalse || kind() == Kind::kTrue; }
  bool is_number() const { return kind() == Kind::kNumber; }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_array() const { return kind() == Kind::kArray; }
  bool is_object() const { return kind() == Kind::kObject; }
  // nlohmann's names: "null", "boolean", "number", "string", "array", "object".
  const char* type_name() const;

  bool as_bool() const { return kind() == Kind::kTrue; }
  // The number exactly as written ("2.5", "-1", "1e-3").
  std::string_view number_text() const;
  // An integer lexeme (no fraction, no exponent) that fits int64; nullopt otherwise.
  std::optional<int64_t> as_int() const;
  // A string's decoded value (escapes resolved).
  std::string as_string() const;
  bool string_equals(std::string_view s) const;  // without decoding when there is no escape
  bool string_empty() const;

  // Arrays: element count; objects: member count.
  size_t size() const;
  // Objects: the first member named `key` (the catalog never repeats a key).
  std::optional<JsonValue> Find(std::string_view key) const;

  // Iteration. Arrays yield elements; objects yield (key, value) members.
  template <typename Fn>  // Fn(size_t index, JsonValue element) -> bool (false stops)
  bool ForEachElement(Fn&& fn) const;
  template <typename Fn>  // Fn(JsonValue key, JsonValue value) -> bool (false stops)
  bool ForEachMember(Fn&& fn) const;

 private:
  uint32_t end() const;  // index after this value's subtree
  const JsonTape* tape_;
  uint32_t index_;
};

class JsonTape {
 public:
  // kInvalidArgument on malformed JSON ("<what> is not valid JSON: ... at byte N"), kTooLarge
  // beyond `limits` (same messages and metadata as ParseJson).
  static Result<JsonTape> Parse(std::string_view text, const JsonLimits& limits,
                                std::string_view what);

  JsonValue root() const { return JsonValue(this, 0); }

 private:
  friend class JsonValue;
  friend class TapeParser;
  struct Node {
    JsonValue::Kind kind;
    bool escaped = false;  // strings: contains a backslash escape
    uint32_t end = 0;      // containers: index after the subtree; scalars: index + 1
    uint32_t count = 0;    // containers: elements or members
    uint32_t offset = 0;   // strings: first byte after the quote; numbers: the lexeme
    uint32_t length = 0;
  };
  std::string_view text_;
  std::vector<Node> nodes_;
};

inline JsonValue::Kind JsonValue::kind() const { return tape_->nodes_[index_].kind; }
inline uint32_t JsonValue::end() const { return tape_->nodes_[index_].end; }
inline size_t JsonValue::size() const {
  return is_array() || is_object() ? tape_->nodes_[index_].count : 0;
}

template <typename Fn>
bool JsonValue::ForEachElement(Fn&& fn) const {
  if (!is_array()) return true;
  uint32_t i = index_ + 1;
  for (size_t n = 0; n < tape_->nodes_[index_].count; ++n) {
    JsonValue element(tape_, i);
    if (!fn(n, element)) return false;
    i = element.end();
  }
  return true;
}

template <typename Fn>
bool JsonValue::ForEachMember(Fn&& fn) const {
  if (!is_object()) return true;
  uint32_t i = index_ + 1;
  for (size_t n = 0; n < tape_->nodes_[index_].count; ++n) {
    JsonValue key(tape_, i), value(tape_, i + 1);
    if (!fn(key, value)) return false;
    i = value.end();
  }
  return true;
}

}  // namespace switchyard::internal
