// switchyard::Json against nlohmann/json on arbitrary bytes: both parsers must accept and reject
// the same inputs, accepted inputs must give the same values (number kinds included, doubles bit
// for bit) and the same dump() text, and our dump must parse back to the same value and text.
// Any disagreement traps. Allowed differences (see tests/core/base_json_value_test.cpp):
//  - ours refuses nesting deeper than 512 (nlohmann has no limit);
//  - nlohmann stops reading at a NUL byte after the value (ours: trailing garbage);
//  - a double nlohmann's Grisu2 writes longer or off by one digit: ours is the shortest correctly
//    rounded form, reading back to the same double.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "switchyard/json_value.h"

using switchyard::Json;
using Nl = nlohmann::json;

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

std::string NlDump(const Nl& j, int indent = -1) {
  return j.dump(indent, ' ', false, Nl::error_handler_t::replace);
}

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Same shape, kinds, values and member order.
bool SameValue(const Json& a, const Nl& b) {
  if (static_cast<int>(a.type()) != static_cast<int>(b.type())) return false;
  switch (b.type()) {
    case Nl::value_t::null: return true;
    case Nl::value_t::boolean: return a.get<bool>() == b.get<bool>();
    case Nl::value_t::number_integer: return a.get<int64_t>() == b.get<int64_t>();
    case Nl::value_t::number_unsigned: return a.get<uint64_t>() == b.get<uint64_t>();
    case Nl::value_t::number_float: return SameBits(a.get<double>(), b.get<double>());
    case Nl::value_t::string: return a.get_ref<const std::string&>() == b.get_ref<const std::string&>();
    case Nl::value_t::array: {
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < b.size(); ++i) {
        if (!SameValue(a[i], b[i])) return false;
      }
      return true;
    }
    case Nl::value_t::object: {
      if (a.size() != b.size()) return false;
      auto ia = a.begin();
      for (auto ib = b.begin(); ib != b.end(); ++ib, ++ia) {
        if (ia.key() != ib.key() || !SameValue(ia.value(), ib.value())) return false;
      }
      return true;
    }
    default: return false;
  }
}

int Depth(const Nl& j) {
  int deepest = 0;
  if (j.is_structured()) {
    for (const Nl& child : j) deepest = std::max(deepest, Depth(child));
    return deepest + 1;
  }
  return 0;
}

bool IsNumberStart(char c) { return c == '-' || (c >= '0' && c <= '9'); }

size_t TokenEnd(std::string_view s, size_t i) {
  if (s[i] == '"') {
    for (++i; i < s.size(); ++i) {
      if (s[i] == '\\') ++i;
      else if (s[i] == '"') return i + 1;
    }
    return s.size();
  }
  if (IsNumberStart(s[i])) {
    while (i < s.size() && (IsNumberStart(s[i]) || s[i] == '.' || s[i] == 'e' || s[i] == '+')) ++i;
    return i;
  }
  return i + 1;
}

// The same text, except doubles that nlohmann writes longer or with another last digit.
bool SameTextUpToDoubles(std::string_view ours, std::string_view theirs) {
  size_t i = 0, j = 0;
  while (i < ours.size() && j < theirs.size()) {
    size_t ei = TokenEnd(ours, i), ej = TokenEnd(theirs, j);
    std::string_view a = ours.substr(i, ei - i), b = theirs.substr(j, ej - j);
    if (a != b) {
      bool floats = IsNumberStart(a[0]) && IsNumberStart(b[0]) &&
                    a.find_first_of(".e") != a.npos && b.find_first_of(".e") != b.npos;
      if (!floats || a.size() > b.size()) return false;
      if (!SameBits(std::strtod(std::string(a).c_str(), nullptr),
                    std::strtod(std::string(b).c_str(), nullptr))) {
        return false;
      }
    }
    i = ei;
    j = ej;
  }
  return i == ours.size() && j == theirs.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  Json ours = Json::parse(text);
  Nl theirs = Nl::parse(text, nullptr, false);

  if (ours.is_discarded() != theirs.is_discarded()) {
    // Only ours may reject, and only for the two documented reasons.
    Check(ours.is_discarded());
    if (Depth(theirs) > 512) return 0;
    size_t nul = text.find('\0');
    Check(nul != std::string::npos);
    ours = Json::parse(std::string_view(text).substr(0, nul));
    Check(!ours.is_discarded());
  }
  if (ours.is_discarded()) return 0;

  Check(SameValue(ours, theirs));
  std::string mine = ours.dump();
  Check(SameTextUpToDoubles(mine, NlDump(theirs)));
  Check(SameTextUpToDoubles(ours.dump(2), NlDump(theirs, 2)));

  // Round trip: our text gives the same value and text again, with both parsers. (Kinds may
  // change once, as in nlohmann: "-0" is a signed integer that dumps as "0".)
  Json again = Json::parse(mine);
  Check(!again.is_discarded());
  Check(again == ours);
  Check(again.dump() == mine);
  Nl back = Nl::parse(mine, nullptr, false);
  Check(!back.is_discarded());
  Check(back == theirs);
  Check(SameValue(again, back));
  return 0;
}
