// json.h: the core's JSON layer for JSON from outside (requests, provider responses, host
// input): ParseJson with limits and errors naming the field, Find* lookups that never abort on a
// wrong shape, and JsonFields, the field readers every module uses. The folder's other units:
// json_text.h (UTF-8, escapes, integers), json_tape.h (the one lexer, the lazy JsonView),
// json_value.h (the Json DOM and its writer), decimal.h (doubles as decimal text). It builds
// into the `base` module with status.h, since each needs the other. nlohmann/json is not part of
// the core: the tests and fuzz targets use it as the oracle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "switchyard/base/status.h"
#include "switchyard/json/json_tape.h"

namespace switchyard {

// Parses untrusted JSON text. Errors: kTooLarge (size or depth), kInvalidArgument (syntax; a
// number beyond a double, with its path as the field), with `what` naming the document in the
// message ("request body", "provider response").
// With a JsonBody (the host's own inputs and the client bodies they carry), a key repeated
// within one object is refused (naming it and where), and a client's body spliced in as the
// member `body.field` has its failures stated in the body's own terms (`body.what`, paths from
// the body's top); an empty `body.field` splices nothing. Without one, the last value wins.
struct JsonBody {
  std::string_view field;  // "request"
  std::string_view what;   // "request body"
  bool reject_duplicate_keys = true;
};
Result<Json> ParseJson(std::string_view text, const JsonLimits& limits, std::string_view what,
                       const JsonBody& body);
inline Result<Json> ParseJson(std::string_view text, const JsonLimits& limits = {},
                              std::string_view what = "JSON body") {
  return ParseJson(text, limits, what, JsonBody{{}, {}, false});
}

// An integer value (either kind) within int64, or nullopt (a double, out of range, not a number).
std::optional<int64_t> IntValue(const Json& value);
// Lookups that tolerate any shape: nullptr / nullopt when absent or of another type.
inline const Json* Find(const Json& object, std::string_view key) { return object.Lookup(key); }
const Json* FindObject(const Json& object, std::string_view key);
const Json* FindArray(const Json& object, std::string_view key);
std::optional<std::string_view> FindString(const Json& object, std::string_view key);
std::optional<int64_t> FindInt(const Json& object, std::string_view key);
std::optional<double> FindNumber(const Json& object, std::string_view key);
std::optional<bool> FindBool(const Json& object, std::string_view key);

// ---- field readers ---------------------------------------------------------------------------
// Input documents (client requests, host commands, scenarios, stored state) are read member by
// member through a JsonFields, the one vocabulary every module uses. Each reader leaves *out as
// it is when the member is absent or null (null means "not given"), and refuses a present member
// of the wrong type or out of range with kInvalidArgument whose message starts with the member's
// path and whose metadata.field is that path ("provider.order[2]", "traffic[0].rate_per_s").

// kInvalidArgument "<path> <what>" naming `path`.
Status FieldError(std::string_view path, std::string_view what);
// "must be <expected>, not <got>": a number or boolean as written ("not 2.5", "not true"),
// anything else by its kind ("not a string", "not an object", "not null"); FieldTypeError
// prefixes the path.
std::string TypeMismatch(std::string_view expected, const Json& got);
Status FieldTypeError(std::string_view path, std::string_view expected, const Json& got);

// `now_ms`, the host's clock (ms since the epoch) that every host command acting at a time
// carries: required; an integer, or a fraction truncated.
Result<int64_t> ReadNowMs(const Json& input);

class JsonFields {
 public:
  // `object` need not be an object (then every member is absent); it must outlive the reader.
  explicit JsonFields(const Json& object, std::string path = {})
      : object_(object), path_(std::move(path)) {}
  JsonFields(Json&&, std::string = {}) = delete;  // would dangle

  const std::string& path() const { return path_; }
  std::string Path(std::string_view key) const { return JsonPath(path_, key); }
  const Json* Get(std::string_view key) const;  // the member if present and not null
  bool IsNull(std::string_view key) const;      // present and null (where null resets a value)
  Status Error(std::string_view key, std::string_view what) const {
    return FieldError(Path(key), what);
  }
  Status TypeError(std::string_view key, std::string_view expected, const Json& got) const {
    return FieldTypeError(Path(key), expected, got);
  }
  Status Required(std::string_view key) const;  // "<path> is required" unless Get(key)
  // "unknown field <path>" for the first member whose name is not in `known`.
  Status OnlyKnown(const std::string_view* known, size_t count) const;
  Status OnlyKnown(std::initializer_list<std::string_view> known) const {
    return OnlyKnown(known.begin(), known.size());
  }

  // Out is T or std::optional<T>.
  template <typename Out>
  Status Bool(std::string_view key, Out* out) const { return Assign(ReadBool(key), out); }
  // A string of at most `max_bytes`; a string_view points into the document.
  template <typename Out>
  Status String(std::string_view key, Out* out, size_t max_bytes = SIZE_MAX) const {
    return Assign(ReadString(key, max_bytes), out);
  }
  // An integer within [lo, hi] (12.0 is not an integer).
  template <typename Out>
  Status Int(std::string_view key, int64_t lo, int64_t hi, Out* out) const {
    return Assign(ReadInt(key, lo, hi, /*fraction=*/false), out);
  }
  // A time or duration (ms, s) within [lo, hi]: an integer, or a finite fraction truncated
  // toward zero (JS hosts time with performance.now()).
  template <typename Out>
  Status Time(std::string_view key, int64_t lo, int64_t hi, Out* out) const {
    return Assign(ReadInt(key, lo, hi, /*fraction=*/true), out);
  }
  template <typename Out>
  Status Number(std::string_view key, double lo, double hi, Out* out) const {
    return Assign(ReadNumber(key, lo, hi), out);
  }
  // An array of at most `max_items` non-empty strings of at most `max_bytes` each.
  template <typename Out>
  Status StringList(std::string_view key, size_t max_items, Out* out,
                    size_t max_bytes = SIZE_MAX) const {
    return Assign(ReadStringList(key, max_items, max_bytes), out);
  }

 private:
  template <typename T, typename Out>
  static Status Assign(Result<std::optional<T>> r, Out* out) {
    if (!r.ok()) return r.status();
    if (*r) *out = std::move(**r);
    return Status::Ok();
  }
  Result<std::optional<bool>> ReadBool(std::string_view key) const;
  Result<std::optional<std::string_view>> ReadString(std::string_view key, size_t max_bytes) const;
  Result<std::optional<int64_t>> ReadInt(std::string_view key, int64_t lo, int64_t hi,
                                         bool fraction) const;
  Result<std::optional<double>> ReadNumber(std::string_view key, double lo, double hi) const;
  Result<std::optional<std::vector<std::string>>> ReadStringList(std::string_view key,
                                                                 size_t max_items,
                                                                 size_t max_bytes) const;
  const Json& object_;
  std::string path_;
};

// Compact serialisation that never aborts on invalid UTF-8 (replaces it with U+FFFD).
inline std::string Dump(const Json& value) { return value.dump(); }

}  // namespace switchyard
