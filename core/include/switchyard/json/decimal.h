// json/decimal.h: doubles as decimal text, without libc's printf (whose floating-point formatter
// is ~7 KB of each wasm module gzipped): the JSON writer's numbers, and the decimals the money
// module reads prices sent as floats from.
#pragma once

#include <string>

namespace switchyard {

// The shortest significant digits that read back (strtod) as |d|, and the decimal exponent of
// the first digit: 0.00125 → ("125", -3). `d` finite and non-zero.
void ShortestDigits(double d, std::string* digits, int* exponent);

// Appends the shortest decimal that reads back as `d`, in nlohmann's layout: plain notation for
// decimal exponents -4 < n <= 15 ("0.001", "123.45", "1e+16" beyond), ".0" after integral
// values, NaN and infinities as null.
void AppendDouble(std::string& out, double d);

// AppendDouble's text, except that where it would use an exponent ("1.5e-07") this is plain
// notation with at most `places` decimals, rounded half to even on the decimal digits
// ("0.00000015" for places >= 8, "0" for places < 7): the decimal a sender wrote, for an exact
// parser of plain decimals.
std::string PlainDecimal(double d, int places);

}  // namespace switchyard
