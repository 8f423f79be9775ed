// json_tape.h: the core's one JSON lexer and the lazy view over what it records.
//
// JsonTape::Parse validates a whole document in one pass (grammar, escapes, nesting depth, size)
// and records one entry per value and per object key, in document order: its byte span and the
// index of the entry after its subtree. The Json DOM (json_value.h) is built from a tape;
// JsonView walks one without copying (the stream translators, the catalog loader): strings come
// back raw (still escaped, copied into JSON output as they are) or decoded.
// Two modes:
//  - strict (the default: requests, host input, the catalog): strings must be valid UTF-8 and a
//    `\u` surrogate must be paired, a number must fit a double ("1e999" is refused), and a
//    leading UTF-8 byte order mark is skipped, as nlohmann does;
//  - lax (provider stream events): invalid UTF-8 and lone surrogates are let through, since a
//    provider may split a character across tokens; writers repair them on output
//    (AppendRawUtf8, json_text.h).
//
// Ownership: a tape borrows the text, which must outlive it and every view taken from it; a view
// is valid until its tape is parsed again or destroyed. A reused tape (a stream decoder keeps
// one) allocates nothing once it has grown. Thread-safety: a value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "switchyard/base/status.h"

namespace switchyard {

// Untrusted text is refused beyond these (recursion is bounded by max_depth, so deep nesting
// cannot exhaust the wasm stack).
struct JsonLimits {
  size_t max_bytes = 16u << 20;  // 16 MiB: room for a few base64 images, not for abuse
  int max_depth = 64;            // deeper than any real chat request or provider response
  bool strict = true;            // see above
  // > 0: every container at this depth (the root is at 1) is validated and recorded as one
  // entry, its contents left off the tape: its size() counts them, folded() is true, and it
  // reads as empty (re-parse its raw() to walk it). A large document of small repeated parts (an
  // embeddings batch: 2,048 arrays of 3,072 numbers) then costs a tape of its outline, not ~16
  // bytes per number. 0: everything is recorded.
  int fold_depth = 0;
};

// Why a text was refused, and where.
struct JsonParseError {
  enum class Kind : uint8_t { kSyntax, kTooLarge, kTooDeep, kNumberRange, kDuplicateKey };
  Kind kind = Kind::kSyntax;
  size_t offset = 0;           // byte offset of the failure
  const char* detail = "";     // kSyntax: what was expected ("expected ':'")
  std::string path;            // kNumberRange, kDuplicateKey: "messages[2].content" ("" = top)
  std::string key;             // kDuplicateKey: the repeated name

  // The error as a Status: kTooLarge (size, depth) or kInvalidArgument, `what` naming the
  // document ("request body"). `with_offset` adds the syntax detail and byte offset to the
  // message (the catalog; request bodies keep the short message their clients see).
  Status ToStatus(std::string_view what, const JsonLimits& options, bool with_offset) const;
};

// A member's path: "provider" + "order" = "provider.order", "messages" + "[2].content" =
// "messages[2].content" (so a failure's path can also grow outwards), "stop" + 2 = "stop[2]".
std::string JsonPath(std::string_view base, std::string_view key);
std::string JsonPath(std::string_view base, size_t index);

class JsonView;

class JsonTape {
 public:
  // Validates `text` and records it; false (with *error when given) if it is not one JSON value
  // with optional surrounding whitespace.
  bool Parse(std::string_view text, const JsonLimits& options = {},
             JsonParseError* error = nullptr);
  JsonView root() const;  // the document (valid after a successful Parse)

 private:
  friend class JsonLexer;
  friend class JsonView;
  struct Entry {
    uint32_t begin, end;  // byte offsets of the value (a key or string: including its quotes)
    uint32_t next;        // index of the entry after this value and everything inside it
    uint32_t count;       // containers: members or elements; strings: 1 when escaped
  };
  const char* base_ = nullptr;
  std::vector<Entry> entries_;
};

// One value of a tape, or nothing (valid() false: a missing member, a wrong index). Cheap to copy.
class JsonView {
 public:
  JsonView() = default;

  bool valid() const { return tape_ != nullptr; }
  explicit operator bool() const { return valid(); }
  // The value's text exactly as written ("" when not valid).
  std::string_view raw() const {
    if (!tape_) return {};
    const JsonTape::Entry& e = tape_->entries_[index_];
    return std::string_view(tape_->base_ + e.begin, e.end - e.begin);
  }

  bool is_object() const { return first() == '{'; }
  bool is_array() const { return first() == '['; }
  bool is_string() const { return first() == '"'; }
  bool is_null() const { return first() == 'n'; }
  bool is_bool() const { return first() == 't' || first() == 'f'; }
  bool is_number() const { char c = first(); return c == '-' || (c >= '0' && c <= '9'); }
  // A non-empty container whose contents are not on the tape (JsonLimits::fold_depth).
  bool folded() const {
    if (!is_object() && !is_array()) return false;
    const JsonTape::Entry& e = tape_->entries_[index_];
    return e.count != 0 && e.next == index_ + 1;
  }

  // Member `key` of an object (the first of a repeated key), or an invalid view.
  JsonView Get(std::string_view key) const;
  JsonView operator[](std::string_view key) const { return Get(key); }
  // Element `index` of an array, or an invalid view.
  JsonView At(size_t index) const;
  size_t size() const;  // members or elements; 0 for scalars

  // f(JsonView key, JsonView value) per member / f(JsonView element) per element; stops early
  // when f returns false (f may also return void).
  template <typename F>
  void ForEachMember(F&& f) const;
  template <typename F>
  void ForEachElement(F&& f) const;

  // A string's raw contents (still escaped, without quotes); "" for non-strings.
  std::string_view str() const {
    if (!is_string()) return {};
    const JsonTape::Entry& e = tape_->entries_[index_];
    return std::string_view(tape_->base_ + e.begin + 1, e.end - e.begin - 2);
  }
  // A string's decoded value (escapes resolved); "" for non-strings.
  std::string Unescape() const;
  bool StrEquals(std::string_view s) const;  // a string whose decoded value is `s`
  // An integral number (12, 12.0, 1.2e1) within int64, or nullopt.
  std::optional<int64_t> Int() const;
  std::optional<bool> Bool() const;

 private:
  friend class JsonTape;
  JsonView(const JsonTape* tape, uint32_t index) : tape_(tape), index_(index) {}
  char first() const { return tape_ ? tape_->base_[tape_->entries_[index_].begin] : '\0'; }
  bool escaped() const { return tape_->entries_[index_].count != 0; }
  // f(views...), or true when f returns nothing.
  template <typename F, typename... Views>
  static bool Continue(F& f, Views... views);
  const JsonTape* tape_ = nullptr;
  uint32_t index_ = 0;
};

inline JsonView JsonTape::root() const { return JsonView(this, 0); }

template <typename F, typename... Views>
bool JsonView::Continue(F& f, Views... views) {
  if constexpr (std::is_void_v<decltype(f(views...))>) return f(views...), true;
  else return f(views...);
}

template <typename F>
void JsonView::ForEachMember(F&& f) const {
  if (!is_object()) return;
  const auto& e = tape_->entries_;
  for (uint32_t k = index_ + 1; k < e[index_].next; k = e[k + 1].next) {
    if (!Continue(f, JsonView(tape_, k), JsonView(tape_, k + 1))) return;
  }
}

template <typename F>
void JsonView::ForEachElement(F&& f) const {
  if (!is_array()) return;
  const auto& e = tape_->entries_;
  for (uint32_t k = index_ + 1; k < e[index_].next; k = e[k].next) {
    if (!Continue(f, JsonView(tape_, k))) return;
  }
}

}  // namespace switchyard
