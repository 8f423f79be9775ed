/* c_sim.h: the routing simulator's entry point, beside c_api.h.
 *
 * Exported by the simulator's own Emscripten module (js/dist/switchyard-sim.wasm, which the
 * simulator page loads through the package's loadSimulator()) and by native builds (the CLI's
 * `switchyard simulate`). The router module of the npm package and the edge worker's WASI module
 * do not simulate, so neither carries the simulator. The simulator module has, of c_api.h, only
 * what a simulation needs: sy_abi_version, sy_alloc, sy_free, sy_last_error, sy_router_new,
 * sy_router_free, sy_router_result and sy_router_overlay. The contract of c_api.h applies
 * (handles, status codes, result buffers). tests/js/exports.test.mjs checks each module's exports.
 */
#ifndef SWITCHYARD_C_SIM_H_
#define SWITCHYARD_C_SIM_H_

#include "switchyard/c_api/c_api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs a simulation scenario (the JSON document described in simulate.h) against the router's
 * catalog (overlays included) and presets, with its own fresh health and stickiness: the router's
 * live state is neither read nor changed. The report (simulate.h) goes to sy_router_result.
 * Errors: SY_INVALID_ARGUMENT naming the field, SY_TOO_LARGE beyond max_requests. */
SY_API(sy_router_simulate) sy_status_t sy_router_simulate(sy_router_t* router, const char* scenario,
                                                          size_t size);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif  /* SWITCHYARD_C_SIM_H_ */
