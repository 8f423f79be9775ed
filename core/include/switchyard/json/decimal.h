// json/decimal.h: doubles as exact decimal text, without libc's printf (whose floating-point
// formatter is ~7 KB of each wasm module gzipped). Used by the JSON writer for numbers its fast
// path cannot print, and by the money module to read prices sent as floats.
#pragma once

#include <string>
#include <string_view>

namespace switchyard {

// The shortest significant digits that read back (strtod) as |d|, and the decimal exponent of
// the first digit: 0.00125 → ("125", -3). `d` finite and non-zero.
void ShortestDigits(double d, std::string* digits, int* exponent);

// A decimal number in JSON syntax ("-1.5e-07", "3e+20", "12.5") in plain notation with at most
// `places` decimals, rounded half to even on its decimal digits ("0.00000015" for places >= 8).
// Text that is not such a number comes back unchanged (the caller's parser refuses it).
std::string PlainDecimal(std::string_view number, int places);

}  // namespace switchyard
