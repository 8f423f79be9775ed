// planner_internal.h: pieces shared by the planner's source files (not public API).
#pragma once

#include "switchyard/planner.h"

namespace switchyard {

// The 404 or 503 for a plan with no attempts: 404 when no model resolved or policy removed
// every endpoint, 503 when some endpoint failed a requirement of the request. Metadata carries
// `reasons`: [{model, tag, reason}] from the trace.
Status NoAttemptsError(const Catalog& catalog, const Plan& plan, bool any_model,
                       bool any_requirement);

}  // namespace switchyard
