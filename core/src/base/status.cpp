#include "switchyard/base/status.h"

namespace switchyard {

int HttpStatus(Code code) {
  switch (code) {
    case Code::kOk: return 200;
    case Code::kInvalidArgument: return 400;
    case Code::kUnauthorized: return 401;
    case Code::kPaymentRequired: return 402;
    case Code::kForbidden: return 403;
    case Code::kNotFound: return 404;
    case Code::kTimeout: return 408;
    case Code::kConflict: return 409;
    case Code::kTooLarge: return 413;
    case Code::kRateLimited: return 429;
    case Code::kUpstream: return 502;
    case Code::kUnavailable: return 503;
    case Code::kInternal: return 500;
  }
  return 500;
}

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kUnauthorized: return "unauthorized";
    case Code::kPaymentRequired: return "payment_required";
    case Code::kForbidden: return "forbidden";
    case Code::kNotFound: return "not_found";
    case Code::kTimeout: return "timeout";
    case Code::kConflict: return "conflict";
    case Code::kTooLarge: return "too_large";
    case Code::kRateLimited: return "rate_limited";
    case Code::kUpstream: return "upstream_error";
    case Code::kUnavailable: return "unavailable";
    case Code::kInternal: return "internal";
  }
  return "internal";
}

Status Status::InvalidArgument(std::string msg, std::string_view field) {
  Status s(Code::kInvalidArgument, std::move(msg));
  if (!field.empty()) s.metadata_ = Json{{"field", std::string(field)}};
  return s;
}

Status&& Status::With(std::string_view key, Json value) && {
  if (!metadata_.is_object()) metadata_ = Json::object();
  metadata_[std::string(key)] = std::move(value);
  return std::move(*this);
}

Json ErrorBody(const Status& status) {
  Json error = {{"code", status.http_status()}, {"message", status.message()}};
  if (status.metadata().is_object() && !status.metadata().empty()) {
    error["metadata"] = status.metadata();
  }
  return Json{{"error", std::move(error)}};
}

}  // namespace switchyard
