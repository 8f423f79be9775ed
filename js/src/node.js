// node.js: the package entry for Node ("node" export condition). Loads an Emscripten module
// from the package's dist/ folder (or from given bytes/paths) and binds it: load() the router,
// loadSimulator() the routing simulator.
//
// Example:
//   import { load } from 'switchyard';
//   const sy = await load();
//   const router = new sy.Router();
//   const plan = router.plan({ request: { model: 'openai/gpt-4o', messages }, now_ms: Date.now(), seed: 1 });
import { readFile } from 'node:fs/promises';

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
 * @param {string|URL|BufferSource|WebAssembly.Module} [options.wasm] the .wasm of the
 *   Emscripten build: a path, a file: URL, its bytes or a compiled module (default: the
 *   package's dist/switchyard.wasm).
 * @param {Function} [options.factory] the default export of a switchyard.mjs to use instead of
 *   the package's (its .wasm must be given too).
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
  if (typeof wasm === 'string' || wasm instanceof URL) wasm = await readFile(wasm);
  const factory = options.factory ?? (await glue()).default;
  return bind(await instantiateEmscripten(factory, wasm));
}
