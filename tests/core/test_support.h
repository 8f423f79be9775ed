// Shared by the Catch2 suites: reading fixtures from the source tree (works natively and under
// Emscripten's NODERAWFS, where the working directory is the repository root).
#pragma once
#define CATCH_CONFIG_DISABLE_EXCEPTIONS
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "switchyard/json/json_value.h"

namespace switchyard {
// Catch2 prints values it compares or INFO()s through operator<<; the core has no <ostream>.
inline std::ostream& operator<<(std::ostream& os, const Json& j) { return os << j.dump(); }
}  // namespace switchyard

namespace switchyard::testing {

inline std::string SourcePath(const std::string& relative) {
  return std::string(SY_SOURCE_DIR) + "/" + relative;
}

// The file's bytes, or an empty string when it cannot be read (the calling test then fails on
// its own assertions rather than here).
inline std::string ReadFile(const std::string& relative) {
  std::ifstream in(SourcePath(relative), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace switchyard::testing
