// The planner's JSON inputs: the policy context (from the ledger/worker) and sy_router_plan's
// input document. Host-produced, but still validated: a malformed context must not widen policy.
#include <string>

#include "routing/planner_internal.h"

namespace switchyard {
namespace {

using std::string;

Status StringList(const Json& obj, std::string_view key, std::vector<string>* out) {
  const Json* v = Find(obj, key);
  string field = "context." + string(key);
  if (!v || v->is_null()) return Status::Ok();
  if (!v->is_array()) return Status::InvalidArgument(field + " must be an array of strings", field);
  out->clear();
  for (const Json& e : *v) {
    if (!e.is_string()) return Status::InvalidArgument(field + " must be an array of strings", field);
    out->push_back(e.get<string>());
  }
  return Status::Ok();
}

// null (or absent) = no restriction; an array = a ceiling.
Status OptionalList(const Json& obj, std::string_view key, std::optional<std::vector<string>>* out) {
  const Json* v = Find(obj, key);
  if (!v || v->is_null()) return Status::Ok();
  std::vector<string> list;
  SY_RETURN_IF_ERROR(StringList(obj, key, &list));
  *out = std::move(list);
  return Status::Ok();
}

}  // namespace

Result<PolicyContext> ParsePolicyContext(const Json& c) {
  PolicyContext ctx;
  if (c.is_null()) return ctx;
  if (!c.is_object()) return Status::InvalidArgument("context must be an object", "context");
  if (const Json* id = Find(c, "account_id"); id && !id->is_null()) {
    if (!id->is_string()) {
      return Status::InvalidArgument("context.account_id must be a string", "context.account_id");
    }
    ctx.account_id = id->get<string>();
  }
  SY_RETURN_IF_ERROR(OptionalList(c, "allowed_models", &ctx.allowed_models));
  SY_RETURN_IF_ERROR(OptionalList(c, "allowed_providers", &ctx.allowed_providers));
  SY_RETURN_IF_ERROR(StringList(c, "ignored_providers", &ctx.ignored_providers));
  SY_RETURN_IF_ERROR(StringList(c, "byok_providers", &ctx.byok_providers));
  if (const Json* z = Find(c, "zdr"); z && !z->is_null()) {
    if (!z->is_boolean()) return Status::InvalidArgument("context.zdr must be a boolean", "context.zdr");
    ctx.zdr = z->get<bool>();
  }
  if (const Json* d = Find(c, "data_collection"); d && !d->is_null()) {
    if (!d->is_string() || (*d != "allow" && *d != "deny")) {
      return Status::InvalidArgument("context.data_collection must be \"allow\" or \"deny\"",
                                     "context.data_collection");
    }
    ctx.data_collection_deny = *d == "deny";
  }
  return ctx;
}

Result<PlanInput> ParsePlanInput(std::string_view text, const Json* presets, const JsonLimits& limits) {
  SY_ASSIGN_OR_RETURN(Json doc, ParseJson(text, limits, "plan input"));
  return ParsePlanInputJson(std::move(doc), presets);
}

Result<PlanInput> ParsePlanInputJson(Json input, const Json* presets, RequestKind kind) {
  if (!input.is_object()) return Status::InvalidArgument("plan input must be a JSON object");
  PlanInput out;

  if (const Json* now = Find(input, "now_ms"); now && !now->is_null()) {
    auto v = FindInt(input, "now_ms");
    if (!v || *v < 0) return Status::InvalidArgument("now_ms must be a non-negative integer", "now_ms");
    out.now_ms = *v;
  }
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

  auto context = Find(input, "context");
  SY_ASSIGN_OR_RETURN(out.context, ParsePolicyContext(context ? *context : Json(nullptr)));

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
