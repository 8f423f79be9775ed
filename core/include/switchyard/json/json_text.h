// json_text.h: JSON text at the byte level, once for the whole core (the lexer, the Json writer,
// the stream translators): UTF-8 validation and repair, `\u` decoding, string escaping, integers
// (doubles: decimal.h). Invalid UTF-8 is never passed on: AppendEscaped and ValidUtf8 replace
// each offending byte with U+FFFD, AppendRawUtf8 with the escape `\ufffd`. Pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace switchyard {

// Length of the valid UTF-8 sequence at p[0] (n >= 1 bytes available), or 0 (RFC 3629: no
// overlongs, no surrogates, nothing above U+10FFFF). ASCII is 1.
size_t Utf8SequenceLength(const unsigned char* p, size_t n);
// Whether `text` is valid UTF-8; if not, `*fixed` receives a copy with U+FFFD replacements.
bool ValidUtf8(std::string_view text, std::string* fixed);
// The value of four hex digits at p (4 bytes available), or -1.
int32_t Hex4(const char* p);

// The decoded contents of a JSON string (`raw`: the text between the quotes, already checked by
// the lexer). A `\u` surrogate without its pair becomes U+FFFD (the lax lexer lets one through;
// the strict one refuses it).
std::string Unescape(std::string_view raw);

// Appends `text` as the contents of a JSON string (no quotes): `"`, `\` and control characters
// escaped (\n, \t... or \u00XX), invalid UTF-8 replaced by U+FFFD, everything else copied.
void AppendEscaped(std::string& out, std::string_view text);
// As AppendEscaped, between quotes: a whole JSON string.
void AppendQuoted(std::string& out, std::string_view text);
// Appends raw JSON text (a string's escaped contents, or a whole value) with every byte sequence
// that is not valid UTF-8 replaced by the escape \ufffd, so client output is always valid UTF-8
// even when a provider splits a character across tokens.
void AppendRawUtf8(std::string& out, std::string_view raw);
// Appends JSON `raw` with the whitespace outside strings removed (for embedding a provider's
// object as an arguments string without re-serialising it).
void AppendMinified(std::string& out, std::string_view raw);

// A number lexeme the lexer accepted: an integer (no fraction, no exponent) that fits 64 bits as
// its sign and magnitude (IntegerLexeme: false otherwise), or any number as a double.
bool IntegerLexeme(std::string_view s, bool* negative, uint64_t* magnitude);
double LexemeToDouble(std::string_view s);

void AppendInt(std::string& out, int64_t value);
void AppendUnsigned(std::string& out, uint64_t value);

// A JSON object written straight out as text, member by member, for the hot renderers (money's
// cost and usage, the ledger's records and log, the session's settle step), where building a Json
// only to dump it cost more than the step. Members come in key order and keys are the core's own
// names (written unescaped), so the text is byte-identical to Dump of the same object built as a
// Json; every writer built on this has a test comparing the two.
class JsonObjectText {
 public:
  explicit JsonObjectText(std::string& out) : out_(out) { out_ += '{'; }
  std::string& Key(std::string_view key);  // `"key":`, after a comma if needed; append the value
  void String(std::string_view key, std::string_view value) { AppendQuoted(Key(key), value); }
  void StringOrNull(std::string_view key, std::string_view value);  // null when empty
  void Int(std::string_view key, int64_t value) { AppendInt(Key(key), value); }
  void Bool(std::string_view key, bool value) { Key(key) += value ? "true" : "false"; }
  void Double(std::string_view key, double value);
  void Null(std::string_view key) { Key(key) += "null"; }
  void Raw(std::string_view key, std::string_view json) { Key(key) += json; }  // a whole value
  // A nested object: write its members, then Close() it before the next member of this one.
  JsonObjectText Object(std::string_view key) { return JsonObjectText(Key(key)); }
  void Close() { out_ += '}'; }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace switchyard
