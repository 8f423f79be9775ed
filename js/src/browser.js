// browser.js: the package entry for browsers, web workers, Deno and bundlers ("browser" and
// "default" export conditions). Fetches an Emscripten module's .wasm next to this package's
// dist/*.mjs (or from a URL or bytes the page gives) and binds it: load() the router,
// loadSimulator() the routing simulator.
//
// Example:
//   import { load } from 'switchyard';
//   const sy = await load();                       // or load({ wasm: '/assets/switchyard.wasm' })
//   const router = new sy.Router();
import { bind } from './binding.js';
import { instantiateEmscripten } from './emscripten.js';

import { Switchyard as SwitchyardBase } from './client.js';

export { bind, ABI_VERSION, SwitchyardError as SwitchyardCoreError } from './binding.js';
export { SwitchyardError } from './client.js';

/**
 * The router with the user's own keys (client.js): `await Switchyard.create({keys, baseUrls?,
 * budget?, fetch?})`. `wasm` / `factory` options load the core as load() does.
 */
export class Switchyard extends SwitchyardBase {
  static loadCore(options = {}) {
    return load({ wasm: options.wasm, factory: options.factory });
  }
}

/**
 * @param {object} [options]
 * @param {string|URL|Response|Promise<Response>|BufferSource|WebAssembly.Module} [options.wasm]
 *   where the .wasm comes from (default: dist/switchyard.wasm beside this package).
 * @param {Function} [options.factory] the default export of a switchyard.mjs to use instead.
 */
export function load(options = {}) {
  return loadModule(options, new URL('../dist/switchyard.wasm', import.meta.url),
    () => import('../dist/switchyard.mjs'));
}

/**
 * The routing simulator's module (dist/switchyard-sim.wasm): a Router that simulates
 * (Router.simulate(scenario)) and takes overlays; its routing calls (plan, session, ledger...)
 * are load()'s and throw "unavailable" here. Options as load()'s, for this module's files.
 */
export function loadSimulator(options = {}) {
  return loadModule(options, new URL('../dist/switchyard-sim.wasm', import.meta.url),
    () => import('../dist/switchyard-sim.mjs'));
}

async function loadModule(options, packaged, glue) {
  let wasm = options.wasm ?? packaged;
  if (typeof wasm === 'string' || wasm instanceof URL) wasm = fetch(wasm, { credentials: 'same-origin' });
  const factory = options.factory ?? (await glue()).default;
  return bind(await instantiateEmscripten(factory, wasm));
}
