/* c_sim.h: the routing simulator's entry point, beside c_api.h.
 *
 * Exported by the Emscripten build (the npm package, where the simulator page runs) and by
 * native builds (the CLI's `switchyard simulate`), not by the edge worker's WASI build: the
 * worker never simulates, and its module stays inside its size budget. The contract of c_api.h
 * applies (handles, status codes, result buffers). tests/js/exports.test.mjs checks that the
 * browser build exports c_api.h + c_sim.h and the worker build exactly c_api.h.
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
