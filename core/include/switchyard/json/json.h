// json.h: the core's JSON layer, and its rules for JSON from outside (requests, provider
// responses, host input).
//
// The JSON folder (core/src/json/, core/include/switchyard/json/) owns all of the core's JSON;
// every module reads and writes JSON through it:
//  - json_text.h: UTF-8 validation and repair, `\u` decoding, escaping, number writing;
//  - json_tape.h: the one lexer (JsonTape) and the lazy JsonView over it (stream events, catalog);
//  - json_value.h: the Json DOM, built from a tape, and its writer (Dump);
//  - this header: ParseJson for untrusted text (limits, errors naming the field), Find* lookups
//    that never abort on a wrong shape, and field readers that return a Status;
//  - decimal.h: exact decimal text of doubles.
// It builds into the `base` module together with status.h, since each needs the other (see
// core/CMakeLists.txt). nlohmann/json is not part of the core: the tests and the fuzz targets
// use it as the oracle.
//
// Parsing never throws or aborts: a syntax error is a Status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "switchyard/base/status.h"
#include "switchyard/json/json_tape.h"

namespace switchyard {

// Parses untrusted JSON text. Errors: kTooLarge (size or depth), kInvalidArgument (syntax; a
// number beyond a double, with its path as the field), with `what` naming the document in the
// message ("request body", "provider response"). A repeated key keeps its last value.
Result<Json> ParseJson(std::string_view text, const JsonLimits& limits = {},
                       std::string_view what = "JSON body");
// The host's own inputs and the client bodies they carry: as above, and a key repeated within
// one object is refused (naming it and where). A client's body spliced in as the member
// `body.field` has its failures stated in the body's own terms (`body.what`, paths from the
// body's top); an empty `body.field` splices nothing.
struct JsonBody {
  std::string_view field;  // "request"
  std::string_view what;   // "request body"
};
Result<Json> ParseJson(std::string_view text, const JsonLimits& limits, std::string_view what,
                       const JsonBody& body);

// An integer value (either kind) within int64, or nullopt (a double, out of range, not a number).
std::optional<int64_t> IntValue(const Json& value);
// Lookups that tolerate any shape: nullptr / nullopt when absent or of another type.
const Json* Find(const Json& object, std::string_view key);
const Json* FindObject(const Json& object, std::string_view key);
const Json* FindArray(const Json& object, std::string_view key);
std::optional<std::string_view> FindString(const Json& object, std::string_view key);
std::optional<int64_t> FindInt(const Json& object, std::string_view key);
std::optional<double> FindNumber(const Json& object, std::string_view key);
std::optional<bool> FindBool(const Json& object, std::string_view key);

// Field readers for host input: absent or null leaves *out as it is (an error when `required`);
// present with the wrong type or out of range is kInvalidArgument naming the field
// (metadata.field = key). Integers (ms, bytes, statuses) also accept a finite fraction,
// truncated toward zero: JS hosts time with performance.now().
Status ReadInt(const Json& object, std::string_view key, bool required, int64_t* out);
Status ReadBool(const Json& object, std::string_view key, bool* out);

// Compact serialisation that never aborts on invalid UTF-8 (replaces it with U+FFFD).
std::string Dump(const Json& value);

}  // namespace switchyard
