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

import { packagedLoaders } from './emscripten.js';

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

/** load(options?) the router, loadSimulator(options?) the routing simulator (emscripten.js). */
export const { load, loadSimulator } = packagedLoaders((url) => readFile(url));
