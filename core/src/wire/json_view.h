// json_view.h (wire-internal): an allocation-free reader over JSON text, for the per-chunk
// stream path where building a JSON DOM for every provider chunk would cost more than the whole
// translation budget.
//
// JsonView::Parse validates a whole document once (grammar, string escapes, nesting depth);
// every accessor afterwards walks the validated text without re-checking. Given a JsonTape,
// Parse also records where every value starts and ends, and member iteration then hops from
// entry to entry instead of rescanning bytes. Views borrow the text (and the tape): they are
// valid only while those live and until the tape is reused. Strings come back *raw*: the escaped
// characters between the quotes, which can be copied into JSON output as they are, with no
// unescape/escape round.
//
// Thread-safety: values; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace switchyard::wire {

// An index of a validated document, recorded by Parse: one entry per value and per object key,
// in document order, each with its span and the entry that follows its subtree. With it, walking
// an object's members is a hop from entry to entry instead of a rescan of the bytes (the cost
// that dominates per-chunk stream translation). Owned by the caller and reused across documents
// (a decoder keeps one), so recording allocates nothing once it has grown.
class JsonTape {
 private:
  friend class JsonValidator;
  friend class JsonView;
  struct Entry {
    uint32_t begin, end;  // byte offsets of the value (a key: including its quotes)
    uint32_t next;        // index of the entry after this value and everything inside it
  };
  const char* base_ = nullptr;
  std::vector<Entry> entries_;
};

class JsonView {
 public:
  JsonView() = default;

  // The validated value spanning all of `text` (surrounding whitespace allowed), or nullopt.
  static std::optional<JsonView> Parse(std::string_view text, int max_depth = 64,
                                       JsonTape* tape = nullptr);

  bool valid() const { return !raw_.empty(); }
  explicit operator bool() const { return valid(); }
  std::string_view raw() const { return raw_; }

  bool is_object() const { return valid() && raw_[0] == '{'; }
  bool is_array() const { return valid() && raw_[0] == '['; }
  bool is_string() const { return valid() && raw_[0] == '"'; }
  bool is_null() const { return valid() && raw_[0] == 'n'; }
  bool is_bool() const { return valid() && (raw_[0] == 't' || raw_[0] == 'f'); }
  bool is_number() const {
    return valid() && (raw_[0] == '-' || (raw_[0] >= '0' && raw_[0] <= '9'));
  }

  // Member `key` of an object (keys compared raw; the first match wins), or an invalid view.
  JsonView Get(std::string_view key) const;
  JsonView operator[](std::string_view key) const { return Get(key); }
  // Element `index` of an array, or an invalid view.
  JsonView At(size_t index) const;

  // Calls f(std::string_view raw_key, JsonView value) per member; stops early when f returns
  // false (f may also return void).
  template <typename F>
  void ForEachMember(F&& f) const;
  template <typename F>
  void ForEachElement(F&& f) const;
  size_t size() const;  // members or elements; 0 for scalars

  // The raw (still escaped) contents of a string, without quotes; "" for non-strings.
  std::string_view str() const;
  // The decoded string (escapes resolved, \u surrogates joined); "" for non-strings.
  std::string Unescape() const;
  bool StrEquals(std::string_view plain) const;  // string equal to an escape-free literal
  std::optional<int64_t> Int() const;            // integral numbers (12, 12.0, 1.2e1) within int64
  std::optional<bool> Bool() const;

 private:
  explicit JsonView(std::string_view raw) : raw_(raw) {}
  JsonView(const JsonTape* tape, uint32_t entry)
      : raw_(tape->base_ + tape->entries_[entry].begin,
             tape->entries_[entry].end - tape->entries_[entry].begin),
        tape_(tape),
        entry_(entry) {}
  // Within validated text: the end of the value starting at `p`.
  static const char* SkipValue(const char* p, const char* end);
  static const char* SkipWs(const char* p, const char* end) {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
    return p;
  }
  friend class JsonValidator;
  std::string_view raw_;
  const JsonTape* tape_ = nullptr;  // the document's index, when Parse recorded one
  uint32_t entry_ = 0;              // this value's entry in it
};

template <typename F>
void JsonView::ForEachMember(F&& f) const {
  if (!is_object()) return;
  if (tape_) {
    const auto& e = tape_->entries_;
    for (uint32_t k = entry_ + 1; k < e[entry_].next;) {
      std::string_view key(tape_->base_ + e[k].begin + 1, e[k].end - e[k].begin - 2);
      JsonView value(tape_, k + 1);
      k = e[k + 1].next;
      if constexpr (std::is_same_v<decltype(f(key, value)), bool>) {
        if (!f(key, value)) return;
      } else {
        f(key, value);
      }
    }
    return;
  }
  const char* end = raw_.data() + raw_.size();
  const char* p = SkipWs(raw_.data() + 1, end);
  while (p < end && *p == '"') {
    const char* key_end = SkipValue(p, end);
    std::string_view key(p + 1, static_cast<size_t>(key_end - p - 2));
    p = SkipWs(key_end, end);
    p = SkipWs(p + 1, end);  // ':'
    const char* value_end = SkipValue(p, end);
    JsonView value(std::string_view(p, static_cast<size_t>(value_end - p)));
    if constexpr (std::is_same_v<decltype(f(key, value)), bool>) {
      if (!f(key, value)) return;
    } else {
      f(key, value);
    }
    p = SkipWs(value_end, end);
    if (p < end && *p == ',') p = SkipWs(p + 1, end);
  }
}

template <typename F>
void JsonView::ForEachElement(F&& f) const {
  if (!is_array()) return;
  if (tape_) {
    const auto& e = tape_->entries_;
    for (uint32_t k = entry_ + 1; k < e[entry_].next;) {
      JsonView value(tape_, k);
      k = e[k].next;
      if constexpr (std::is_same_v<decltype(f(value)), bool>) {
        if (!f(value)) return;
      } else {
        f(value);
      }
    }
    return;
  }
  const char* end = raw_.data() + raw_.size();
  const char* p = SkipWs(raw_.data() + 1, end);
  while (p < end && *p != ']') {
    const char* value_end = SkipValue(p, end);
    JsonView value(std::string_view(p, static_cast<size_t>(value_end - p)));
    if constexpr (std::is_same_v<decltype(f(value)), bool>) {
      if (!f(value)) return;
    } else {
      f(value);
    }
    p = SkipWs(value_end, end);
    if (p < end && *p == ',') p = SkipWs(p + 1, end);
  }
}

// Appends `text` JSON-escaped (without quotes). Control characters become \u00XX; bytes >= 0x80
// are copied (UTF-8 passes through).
void AppendEscaped(std::string& out, std::string_view text);
// Appends JSON `raw` with the whitespace outside strings removed (for embedding a provider's
// object as an arguments string without re-serialising it).
void AppendMinified(std::string& out, std::string_view raw);
// Appends a decimal integer.
void AppendInt(std::string& out, int64_t value);
// Appends raw JSON text (a string's escaped contents, or a whole value) with every byte sequence
// that is not valid UTF-8 replaced by the escape \ufffd, so client output is always valid UTF-8
// even when a provider splits a character across tokens.
void AppendRawUtf8(std::string& out, std::string_view raw);
// Whether `text` is valid UTF-8; if not, `*fixed` receives a copy with U+FFFD replacements.
bool ValidUtf8(std::string_view text, std::string* fixed);

}  // namespace switchyard::wire
