// Types of the package entry. The same `load` exists in every condition; its argument differs:
//   node / browser:   load({ wasm?, factory? })   (the Emscripten router module)
//   workerd / worker: load(module?)              (the WASI build, a WebAssembly.Module)
// node / browser also have loadSimulator({ wasm?, factory? }): the routing simulator's module.
export * from './binding.js';
export { SwitchyardError as SwitchyardCoreError } from './binding.js';
// node / browser: the router with the user's own keys (the workerd condition has none).
export { Switchyard, SwitchyardError } from './client.js';
export type * from './client.js';
import type { SwitchyardApi } from './binding.js';

export interface LoadOptions {
  /** The Emscripten build's .wasm: a URL or path, a fetch Response, bytes or a compiled module. */
  wasm?: string | URL | Response | Promise<Response> | BufferSource | WebAssembly.Module;
  /** The default export of a switchyard.mjs to use instead of the packaged one. */
  factory?: (overrides: object) => Promise<unknown>;
}

export declare function load(options?: LoadOptions | WebAssembly.Module | BufferSource): Promise<SwitchyardApi>;

/**
 * node / browser: the routing simulator's module (dist/switchyard-sim.wasm + .mjs): a Router
 * that simulates (Router.simulate) and takes overlays; its other calls throw "unavailable".
 */
export declare function loadSimulator(options?: LoadOptions): Promise<SwitchyardApi>;
