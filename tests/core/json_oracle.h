// json_oracle.h: nlohmann/json as the reference for switchyard::Json, shared by the Catch2 suite
// (base_json_value_test.cpp) and the differential fuzz target (tests/fuzz/fuzz_json_value.cpp).
// Value comparison is exact (number kinds, doubles bit for bit, member order); text comparison
// allows the one documented difference: a double nlohmann's Grisu2 writes longer or with another
// last digit, where ours is the shortest correctly rounded form of the same double.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "switchyard/json/json_value.h"

namespace switchyard::json_oracle {

using Nl = nlohmann::json;

inline std::string NlDump(const Nl& j, int indent = -1) {
  return j.dump(indent, ' ', false, Nl::error_handler_t::replace);
}

inline bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Same shape, same number kinds, same values (doubles bit for bit: -0.0 is not 0.0), object
// members in the same order.
inline bool SameValue(const Json& a, const Nl& b) {
  if (static_cast<int>(a.type()) != static_cast<int>(b.type())) return false;
  switch (b.type()) {
    case Nl::value_t::null: return true;
    case Nl::value_t::boolean: return a.get<bool>() == b.get<bool>();
    case Nl::value_t::number_integer: return a.get<int64_t>() == b.get<int64_t>();
    case Nl::value_t::number_unsigned: return a.get<uint64_t>() == b.get<uint64_t>();
    case Nl::value_t::number_float: return SameBits(a.get<double>(), b.get<double>());
    case Nl::value_t::string: return a.get<std::string>() == b.get<std::string>();
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

// Our value as an nlohmann value of exactly the same kinds.
inline Nl ToNl(const Json& j) {
  switch (j.type()) {
    case Json::value_t::boolean: return Nl(j.get<bool>());
    case Json::value_t::number_integer: return Nl(j.get<int64_t>());
    case Json::value_t::number_unsigned: return Nl(j.get<uint64_t>());
    case Json::value_t::number_float: return Nl(j.get<double>());
    case Json::value_t::string: return Nl(j.get<std::string>());
    case Json::value_t::array: {
      Nl out = Nl::array();
      for (const Json& v : j) out.push_back(ToNl(v));
      return out;
    }
    case Json::value_t::object: {
      Nl out = Nl::object();
      for (auto it = j.begin(); it != j.end(); ++it) out[it.key()] = ToNl(it.value());
      return out;
    }
    default: return Nl();
  }
}

inline bool SameValue(const Json& a, const Json& b) { return SameValue(a, ToNl(b)); }

inline bool IsNumberStart(char c) { return c == '-' || (c >= '0' && c <= '9'); }

inline size_t TokenEnd(std::string_view s, size_t i) {
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

// `ours` and `theirs` (dumps of the same value) are the same text, except that a floating-point
// number may be written differently when nlohmann's Grisu2 misses the shortest correctly rounded
// form: then both must read back to the same double and ours must be no longer. Counts those.
inline bool SameTextUpToDoubles(std::string_view ours, std::string_view theirs,
                                int* double_diffs = nullptr) {
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
      if (double_diffs) ++*double_diffs;
    }
    i = ei;
    j = ej;
  }
  return i == ours.size() && j == theirs.size();
}

// Nesting depth of an nlohmann value (scalars 0).
inline int Depth(const Nl& j) {
  int deepest = 0;
  if (j.is_structured()) {
    for (const Nl& child : j) deepest = std::max(deepest, Depth(child));
    return deepest + 1;
  }
  return 0;
}

}  // namespace switchyard::json_oracle
