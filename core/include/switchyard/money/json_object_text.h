// json_object_text.h: a JSON object written straight out as text, member by member, for the
// core's hot renderers (money's cost and usage, the ledger's records and log, the session's settle
// command): building a Json DOM only to Dump it cost more than the rest of those steps.
//
// The caller gives the members in key order (as Dump writes a DOM: Json objects are sorted by
// key), so the text is byte-identical to Dump of the same object built as a Json; every writer
// built on this has a test comparing its text with the DOM form (or with Dump(ParseJson(text)),
// which re-sorts). Keys are written as given, unescaped: they are the core's own field names.
// Values go through json_text.h / decimal.h, the writer Dump itself uses.
//
// (It sits in money, the lowest module that writes such text, because json/ is another branch's
// work at the time of writing; it belongs with json/json_text.h.)
//
// Example:
//   std::string out;
//   JsonObjectText o(out);
//   o.String("id", id);
//   o.Int("now_ms", now_ms);
//   JsonObjectText cost = o.Object("cost");
//   ...
//   cost.Close();
//   o.Close();
#pragma once

#include <cstdint>
#include <string>
#include <string_view>


namespace switchyard {

class JsonObjectText {
 public:
  explicit JsonObjectText(std::string& out) : out_(out) { out_ += '{'; }

  // `"key":`, after a comma unless it is the first member: the value is the caller's to append.
  std::string& Key(std::string_view key);
  void String(std::string_view key, std::string_view value);
  void StringOrNull(std::string_view key, std::string_view value);  // null when empty
  void Int(std::string_view key, int64_t value);
  void Bool(std::string_view key, bool value);
  void Double(std::string_view key, double value);
  void Null(std::string_view key);
  // JSON text written elsewhere (a whole value).
  void Raw(std::string_view key, std::string_view json);
  // A nested object: write its members, then Close() it before the next member of this one.
  JsonObjectText Object(std::string_view key) { return JsonObjectText(Key(key)); }
  void Close() { out_ += '}'; }

  std::string& out() { return out_; }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace switchyard
