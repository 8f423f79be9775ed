// c_sim.cpp: sy_router_simulate (c_sim.h). A file of its own so that a build linking only
// c_api.h's functions (the WASI worker) never pulls the simulator in.
#include "switchyard/c_api/c_sim.h"

#include "c_api/handles.h"
#include "switchyard/simulate/simulate.h"

using switchyard::Json;

sy_status_t sy_router_simulate(sy_router_t* router, const char* scenario, size_t size) {
  using namespace switchyard::capi;
  if (router == nullptr) return NullHandle("sy_router_simulate");
  switchyard::Result<Json> parsed = ParseObject(scenario, size, "scenario", /*empty_ok=*/false);
  if (!parsed.ok()) return Fail(router->result, parsed.status());
  const RouterState& state = *router->state;
  const Json* presets = state.presets.is_object() ? &state.presets : nullptr;
  return Reply(router->result, switchyard::Simulate(*state.catalog, *parsed, presets));
}
