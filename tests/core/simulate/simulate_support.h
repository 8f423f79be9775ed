// Checks shared by the simulator suites (simulate_test, c_api_simulate_test).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "test_support.h"

#include "switchyard/json/json_value.h"
#include "switchyard/simulate/simulate.h"

namespace switchyard::testing {

inline int64_t Sum(const Json& array, size_t from = 0, size_t to = SIZE_MAX) {
  int64_t total = 0;
  for (size_t i = from; i < array.size() && i < to; ++i) total += array[i].get<int64_t>();
  return total;
}

inline const Json* ProviderRow(const Json& report, std::string_view slug) {
  for (const Json& row : report["providers"]) {
    if (row["provider"] == slug) return &row;
  }
  return nullptr;
}

// Every count in a report agrees with every other.
inline void CheckIdentities(const Json& r) {
  int64_t requests = r["requests"].get<int64_t>();
  CHECK(r["succeeded"].get<int64_t>() + r["failed"].get<int64_t>() == requests);
  int64_t attempts = 0, ok = 0, failed_attempts = 0, cost = 0;
  for (const Json& p : r["providers"]) {
    attempts += p["attempts"].get<int64_t>();
    ok += p["succeeded"].get<int64_t>();
    failed_attempts += p["failed"].get<int64_t>();
    cost += p["cost_picos"].get<int64_t>();
    CHECK(p["succeeded"].get<int64_t>() + p["failed"].get<int64_t>() == p["attempts"].get<int64_t>());
  }
  CHECK(attempts == r["attempts"].get<int64_t>());
  CHECK(ok == r["succeeded"].get<int64_t>());
  CHECK(cost == r["cost_picos"].get<int64_t>());
  int64_t failures = 0;
  for (const Json& f : r["failures"]) failures += f.get<int64_t>();
  CHECK(failures == failed_attempts);
  const Json& series = r["series"];
  CHECK(Sum(series["requests"]) == requests);
  CHECK(Sum(series["succeeded"]) == r["succeeded"].get<int64_t>());
  CHECK(Sum(series["failed"]) == r["failed"].get<int64_t>());
  CHECK(Sum(series["cost_picos"]) == r["cost_picos"].get<int64_t>());
  int64_t series_attempts = 0;
  for (const Json& p : series["providers"]) series_attempts += Sum(p["attempts"]);
  CHECK(series_attempts == attempts);
  int64_t class_requests = 0, class_cost = 0;
  for (const Json& c : r["classes"]) {
    class_requests += c["requests"].get<int64_t>();
    class_cost += c["cost_picos"].get<int64_t>();
  }
  CHECK(class_requests == requests);
  CHECK(class_cost == r["cost_picos"].get<int64_t>());
  CHECK(r["samples"].size() == std::min<size_t>(static_cast<size_t>(requests), kSimSamples));
}

}  // namespace switchyard::testing
