// handles.cpp: what every c_api/*.cpp entry point shares (declared in handles.h): the result
// buffers' writing, the error of a failed constructor, reading the host's bytes.
#include <string>
#include <string_view>

#include "c_api/handles.h"
#include "switchyard/json/json.h"

using switchyard::Code;
using switchyard::Json;
using switchyard::Result;
using switchyard::Status;

// The C status values are switchyard::Code's; a renumbering must fail to compile.
static_assert(SY_OK == static_cast<int>(Code::kOk));
static_assert(SY_INVALID_ARGUMENT == static_cast<int>(Code::kInvalidArgument));
static_assert(SY_UNAUTHORIZED == static_cast<int>(Code::kUnauthorized));
static_assert(SY_PAYMENT_REQUIRED == static_cast<int>(Code::kPaymentRequired));
static_assert(SY_FORBIDDEN == static_cast<int>(Code::kForbidden));
static_assert(SY_NOT_FOUND == static_cast<int>(Code::kNotFound));
static_assert(SY_TIMEOUT == static_cast<int>(Code::kTimeout));
static_assert(SY_TOO_LARGE == static_cast<int>(Code::kTooLarge));
static_assert(SY_RATE_LIMITED == static_cast<int>(Code::kRateLimited));
static_assert(SY_UPSTREAM == static_cast<int>(Code::kUpstream));
static_assert(SY_UNAVAILABLE == static_cast<int>(Code::kUnavailable));
static_assert(SY_INTERNAL == static_cast<int>(Code::kInternal));
static_assert(SY_CONFLICT == static_cast<int>(Code::kConflict));
static_assert(sizeof(size_t) == sizeof(void*), "the JS binding reads size_t out-params as pointers");

// Shared with the other c_api/*.cpp files (declared in handles.h).
namespace switchyard::capi {

// The one piece of process-wide state the contract allows: the error of the last failed
// constructor or NULL-handle call (there is no handle to hold it). Read right away.
std::string& LastError() {
  static std::string* error = new std::string();  // never destroyed: no exit-time destructor
  return *error;
}

sy_status_t StatusCode(const Status& status) { return static_cast<sy_status_t>(status.code()); }

// Writes `status` as the documented error body {"error":{"code","message","metadata"}}.
sy_status_t Fail(std::string& out, const Status& status) {
  out = switchyard::Dump(switchyard::ErrorBody(status));
  return StatusCode(status);
}

sy_status_t Succeed(std::string& out, const Json& body) {
  out = switchyard::Dump(body);
  return SY_OK;
}

sy_status_t Reply(std::string& out, const Result<Json>& body) {
  return body.ok() ? Succeed(out, *body) : Fail(out, body.status());
}

sy_status_t NullHandle(const char* function) {
  return Fail(LastError(), Status::InvalidArgument(std::string(function) + ": handle is NULL"));
}

const char* ResultBuffer(const std::string* result, size_t* size) {
  if (result == nullptr) {
    if (size) *size = 0;
    return nullptr;
  }
  if (size) *size = result->size();
  return result->data();
}

// The host's bytes as text. (NULL, 0) is the empty input; (NULL, n > 0) is a host bug.
Result<std::string_view> InputText(const char* data, size_t size, std::string_view what) {
  if (data == nullptr && size != 0) {
    return Status::InvalidArgument(std::string(what) + " pointer is NULL with a non-zero size");
  }
  return std::string_view(data ? data : "", size);
}

// A JSON object from the host; the empty input is {} when `empty_ok`.
Result<Json> ParseObject(const char* data, size_t size, std::string_view what, bool empty_ok,
                         const JsonBody& body) {
  SY_ASSIGN_OR_RETURN(std::string_view text, InputText(data, size, what));
  if (text.empty()) {
    if (empty_ok) return Json::object();
    return Status::InvalidArgument(std::string(what) + " is empty; a JSON object is required");
  }
  SY_ASSIGN_OR_RETURN(Json value, switchyard::ParseJson(text, {}, what, body));
  if (!value.is_object()) {
    return Status::InvalidArgument(std::string(what) + " must be a JSON object");
  }
  return value;
}

}  // namespace switchyard::capi
