// planner_internal.h: pieces shared by the planner's source files (not public API).
#pragma once

#include "switchyard/routing/planner.h"

namespace switchyard {

// The error for a plan with no attempts. Every reason to exclude is the client's or the
// operator's (degraded endpoints are not excluded, only ordered last), so it is never a 503,
// which clients retry:
//   404 when no model resolved, or the selection rules (the paid/free split, disabled
//       endpoints, account policy, provider.only / ignore / order without fallbacks) left
//       nothing; the message names unknown provider slugs in provider.only / provider.order
//       (metadata.field names the list) and, for a paid id whose endpoints are free, `<id>:free`
//       (metadata.field "model" or "models" when that split alone is to blame);
//   400 when some endpoint passed them and failed a requirement of the request or the account
//       (max_tokens, context length, max_price, quantizations, require_parameters, zdr,
//       data_collection); the message names each requirement with the closest value an
//       endpoint offers, and metadata.field the request field when one field is to blame.
// Metadata carries `reasons`: [{model, tag, reason}] for every exclusion in the trace.
Status NoAttemptsError(const Catalog& catalog, const Request& request, const Plan& plan,
                       bool any_model);

}  // namespace switchyard
