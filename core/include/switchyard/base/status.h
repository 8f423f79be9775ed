// status.h: errors as values for the whole core.
//
// The base folder (core/src/base/, core/include/switchyard/base/) owns what every module speaks:
// Status, Result<T> and the one error body clients see. With the JSON folder it forms the `base`
// module, the bottom layer (a Status's metadata is a Json; parsing JSON returns a Result).
//
// The core is built with exceptions off, so every fallible function returns a `Status` or a
// `Result<T>`. A Status carries a `Code` (which maps to one HTTP status of the documented error
// shape), a human-readable message and optional metadata (the `error.metadata` object that
// clients see: `provider_name`, `raw`, `error_type`, the offending `field`, ...).
//
// Thread-safety: plain values; no shared state.
//
// Example:
//   Result<Request> r = ParseRequest(body);
//   if (!r.ok()) return ErrorBody(r.status());
//   SY_ASSIGN_OR_RETURN(Plan plan, planner.Plan(*r, ctx));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "switchyard/json/json_value.h"

namespace switchyard {


// Values are part of the C ABI (sy_status_t in c_api.h): never renumber.
enum class Code : int32_t {
  kOk = 0,
  kInvalidArgument = 1,  // 400: the request or its JSON is malformed or violates a rule
  kUnauthorized = 2,     // 401: missing, unknown, disabled or expired key
  kPaymentRequired = 3,  // 402: insufficient credits, limit or budget
  kForbidden = 4,        // 403: policy, guardrail or moderation refusal
  kNotFound = 5,         // 404: no such model, endpoint, route or record
  kTimeout = 6,          // 408: an upstream or client deadline passed
  kTooLarge = 7,         // 413: body, nesting or field beyond limits
  kRateLimited = 8,      // 429: too many requests (Retry-After in metadata)
  kUpstream = 9,         // 502: provider down or invalid provider response
  kUnavailable = 10,     // 503: temporarily unavailable (never from planning)
  kInternal = 11,        // 500: a bug in Switchyard
  kConflict = 12,        // 409: an idempotency id reused with different content
};

// The HTTP status the documented error shape uses for `code`.
int HttpStatus(Code code);
// A stable lower_snake name ("invalid_argument"), used in logs and the JS SwitchyardError.
const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message, Json metadata = nullptr)
      : code_(code), message_(std::move(message)), metadata_(std::move(metadata)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg, std::string_view field = {});
  static Status Unauthorized(std::string msg) { return {Code::kUnauthorized, std::move(msg)}; }
  static Status PaymentRequired(std::string msg) { return {Code::kPaymentRequired, std::move(msg)}; }
  static Status Forbidden(std::string msg) { return {Code::kForbidden, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status TooLarge(std::string msg) { return {Code::kTooLarge, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status Upstream(std::string msg) { return {Code::kUpstream, std::move(msg)}; }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }
  static Status Conflict(std::string msg) { return {Code::kConflict, std::move(msg)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  int http_status() const { return HttpStatus(code_); }
  const std::string& message() const { return message_; }
  const Json& metadata() const { return metadata_; }
  Json& mutable_metadata() { return metadata_; }

  // Adds `key: value` to the metadata object.
  Status&& With(std::string_view key, Json value) &&;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  Json metadata_;  // null or an object
};

// {"error":{"code":<http>,"message":...,"metadata":{...}}}: the one error shape clients see.
Json ErrorBody(const Status& status);

// Result<T>: a T or a non-OK Status. Must be checked before the value is read.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}              // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}      // NOLINT: implicit by design
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  Status take_status() { return std::move(status_); }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

#define SY_CONCAT_INNER_(a, b) a##b
#define SY_CONCAT_(a, b) SY_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function when `expr` is not OK.
#define SY_RETURN_IF_ERROR(expr)                 \
  do {                                           \
    ::switchyard::Status sy_status_ = (expr);    \
    if (!sy_status_.ok()) return sy_status_;     \
  } while (0)

// `SY_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from a Result or returns its Status.
#define SY_ASSIGN_OR_RETURN(lhs, expr) SY_ASSIGN_OR_RETURN_IMPL_(SY_CONCAT_(sy_result_, __LINE__), lhs, expr)
#define SY_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.take_status();        \
  lhs = std::move(tmp).value()

}  // namespace switchyard
