// The planner's JSON inputs: the policy context (from the ledger/worker) and sy_router_plan's
// input document. Host-produced, but still validated: a malformed context must not widen policy.
#include <string>

#include "routing/planner_internal.h"

namespace switchyard {
using std::string;

Result<PolicyContext> ParsePolicyContext(const Json& c) {
  PolicyContext ctx;
  if (c.is_null()) return ctx;
  if (!c.is_object()) return FieldTypeError("context", "an object", c);
  JsonFields f(c, "context");
  SY_RETURN_IF_ERROR(f.String("account_id", &ctx.account_id));
  // null (or absent) = no restriction; an array = a ceiling.
  SY_RETURN_IF_ERROR(f.StringList("allowed_models", kMaxPolicyList, &ctx.allowed_models));
  SY_RETURN_IF_ERROR(f.StringList("allowed_providers", kMaxPolicyList, &ctx.allowed_providers));
  SY_RETURN_IF_ERROR(f.StringList("ignored_providers", kMaxPolicyList, &ctx.ignored_providers));
  SY_RETURN_IF_ERROR(f.StringList("byok_providers", kMaxPolicyList, &ctx.byok_providers));
  SY_RETURN_IF_ERROR(f.Bool("zdr", &ctx.zdr));
  std::string_view collection;
  SY_RETURN_IF_ERROR(f.String("data_collection", &collection));
  if (!collection.empty() && collection != "allow" && collection != "deny") {
    return f.Error("data_collection", "must be \"allow\" or \"deny\"");
  }
  ctx.data_collection_deny = collection == "deny";
  return ctx;
}

Result<PlanInput> ParsePlanInput(std::string_view text, const Json* presets, const JsonLimits& limits) {
  SY_ASSIGN_OR_RETURN(Json doc, ParseJson(text, limits, "plan input"));
  return ParsePlanInputJson(std::move(doc), presets);
}

Result<PlanInput> ParsePlanInputJson(Json input, const Json* presets, RequestKind kind) {
  if (!input.is_object()) return Status::InvalidArgument("plan input must be a JSON object");
  PlanInput out;

  SY_RETURN_IF_ERROR(JsonFields(input).Int("now_ms", 0, INT64_MAX, &out.now_ms));
  if (const Json* seed = Find(input, "seed"); seed && !seed->is_null()) {
    // An integer (JS numbers reach 2^53) or a decimal string for the full 64 bits.
    if (seed->is_number_unsigned()) {
      out.seed = seed->get<uint64_t>();
    } else if (seed->is_number_integer() && seed->get<int64_t>() >= 0) {
      out.seed = static_cast<uint64_t>(seed->get<int64_t>());
    } else if (seed->is_string() && !seed->get_ref<const string&>().empty() &&
               seed->get_ref<const string&>().size() <= 20) {
      uint64_t v = 0;
      for (char ch : seed->get_ref<const string&>()) {
        if (ch < '0' || ch > '9') return Status::InvalidArgument("seed must be a non-negative integer", "seed");
        uint64_t next = v * 10 + static_cast<uint64_t>(ch - '0');
        if (next / 10 != v) return Status::InvalidArgument("seed must fit in 64 bits", "seed");
        v = next;
      }
      out.seed = v;
    } else {
      return Status::InvalidArgument("seed must be a non-negative integer", "seed");
    }
  }

  // Both arms lvalues: the context is read where it is, not copied.
  const Json none;
  const Json* context = Find(input, "context");
  SY_ASSIGN_OR_RETURN(out.context, ParsePolicyContext(context ? *context : none));

  RequestOptions options;
  options.presets = presets;
  if (const Json* own = FindObject(input, "presets")) options.presets = own;
  string session;
  if (auto s = FindString(input, "session_id")) session = string(*s);
  options.session_header = session;

  auto it = input.find("request");
  if (it == input.end()) return Status::InvalidArgument("request is required", "request");
  Json request = std::move(*it);
  if (kind == RequestKind::kEmbeddings) {
    SY_ASSIGN_OR_RETURN(out.request, ParseEmbeddingsRequestJson(std::move(request), options));
  } else {
    SY_ASSIGN_OR_RETURN(out.request, ParseRequestJson(std::move(request), options));
  }
  return out;
}

}  // namespace switchyard
