// json/decimal.h against libc's printf (the native build has it; the wasm modules no longer
// link it): the shortest round-trip digits of random doubles of every magnitude, and plain
// decimals of prices written in exponent form.
#include "test_support.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "switchyard/json/decimal.h"
#include "switchyard/json/json_value.h"
#include "json_testing.h"

using namespace switchyard;

namespace {

// printf's answer: the fewest "%.*e" digits that read back, as (digits, exponent).
void PrintfShortest(double d, std::string* digits, int* exponent) {
  char buf[64];
  for (int precision = 0; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision, std::fabs(d));
    if (precision == 17 || std::strtod(buf, nullptr) == std::fabs(d)) break;
  }
  digits->clear();
  const char* e = std::strchr(buf, 'e');
  for (const char* p = buf; p < e; ++p) {
    if (*p != '.') *digits += *p;
  }
  while (digits->size() > 1 && digits->back() == '0') digits->pop_back();
  *exponent = std::atoi(e + 1);
}

}  // namespace

TEST_CASE("ShortestDigits equals printf's shortest round trip, at every magnitude") {
  std::mt19937_64 rng(20261207);
  int checked = 0;
  auto check = [&](double d) {
    if (!std::isfinite(d) || d == 0) return;
    std::string ours, theirs;
    int e_ours = 0, e_theirs = 0;
    ShortestDigits(d, &ours, &e_ours);
    PrintfShortest(d, &theirs, &e_theirs);
    INFO(d);
    CHECK(ours == theirs);
    CHECK(e_ours == e_theirs);
    ++checked;
  };
  for (int i = 0; i < 20000; ++i) {  // random bit patterns: subnormals to 1e308
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    check(d);
  }
  for (double d : {5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.1, 0.3, 1e23,
                   9007199254740993.0, 123456789012345678.0, 1.0 / 3, 2.0 / 3, 5e-7, 0.000123}) {
    check(d);
  }
  CHECK(checked > 19000);
}

TEST_CASE("the JSON writer prints doubles the fast path cannot as before") {
  for (const char* text : {"1e+300", "-2.5e-300", "0.1", "1.2345678901234567e+20", "5e-324",
                           "3.0000000000000004", "1.2345678901234568e+17"}) {
    Json v = testing::JsonOf(text);
    REQUIRE(v.is_number_float());
    INFO(text);
    CHECK(v.dump() == text);
    CHECK(testing::JsonOf(v.dump()).get<double>() == v.get<double>());
  }
}

TEST_CASE("PlainDecimal writes the writer's exponent notation plainly, rounded at the places asked") {
  CHECK(PlainDecimal(3e-06, 12) == "0.000003");
  CHECK(PlainDecimal(1.5e-07, 12) == "0.00000015");
  CHECK(PlainDecimal(-2.5e+16, 12) == "-25000000000000000");
  CHECK(PlainDecimal(1.23456789e-10, 12) == "0.000000000123");   // rounded down
  CHECK(PlainDecimal(1.23456789e-09, 12) == "0.000000001235");   // rounded up
  CHECK(PlainDecimal(9.9999999e-07, 6) == "0.000001");           // carries into a new digit
  CHECK(PlainDecimal(4e-13, 12) == "0");
  CHECK(PlainDecimal(-4e-13, 12) == "-0");
  CHECK(PlainDecimal(4e-14, 12) == "0");                          // below the last place
  CHECK(PlainDecimal(6e-13, 12) == "0.000000000001");
  CHECK(PlainDecimal(2.5e-11, 11) == "0.00000000002");           // a tie: half to even
  CHECK(PlainDecimal(3.5e-11, 11) == "0.00000000004");
  CHECK(PlainDecimal(2.5e-12, 11) == "0");
  // Where the writer uses plain notation: its text, unrounded (the caller refuses too many
  // decimals).
  for (double d : {12.5, 3.0, -0.0, 0.0001234567890123, 123456789012345.0}) {
    std::string dumped = Json(d).dump();
    INFO(dumped);
    CHECK(PlainDecimal(d, 12) == dumped);
    CHECK(PlainDecimal(d, 2) == dumped);
  }
  // Against printf's %.12f for prices of every scale.
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5000; ++i) {
    const int mantissa = static_cast<int>(rng() % 999999) + 1;
    const int scale = static_cast<int>(rng() % 8) + 5;  // 1e-5 .. 1e-12 units
    char text[64], expected[64];
    std::snprintf(text, sizeof text, "%de-%d", mantissa, scale);
    std::snprintf(expected, sizeof expected, "%.12f", std::strtod(text, nullptr));
    // printf pads with zeros; ours stops at the last significant digit (the writer's integral
    // values end in ".0").
    std::string want = expected;
    while (want.back() == '0') want.pop_back();
    if (want.back() == '.') want += '0';
    INFO(text);
    CHECK(PlainDecimal(std::strtod(text, nullptr), 12) == want);
  }
}
