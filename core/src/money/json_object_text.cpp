#include "switchyard/money/json_object_text.h"

#include "switchyard/json/decimal.h"
#include "switchyard/json/json_text.h"

namespace switchyard {

std::string& JsonObjectText::Key(std::string_view key) {
  if (!first_) out_ += ',';
  first_ = false;
  out_ += '"';
  out_ += key;
  out_ += "\":";
  return out_;
}

void JsonObjectText::String(std::string_view key, std::string_view value) {
  AppendQuoted(Key(key), value);
}

void JsonObjectText::StringOrNull(std::string_view key, std::string_view value) {
  if (value.empty()) {
    Null(key);
  } else {
    String(key, value);
  }
}

void JsonObjectText::Int(std::string_view key, int64_t value) { AppendInt(Key(key), value); }

void JsonObjectText::Bool(std::string_view key, bool value) {
  Key(key) += value ? "true" : "false";
}

void JsonObjectText::Double(std::string_view key, double value) {
  AppendDouble(Key(key), value);
}

void JsonObjectText::Null(std::string_view key) { Key(key) += "null"; }

void JsonObjectText::Raw(std::string_view key, std::string_view json) { Key(key) += json; }

}  // namespace switchyard
