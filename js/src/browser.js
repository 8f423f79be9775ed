// browser.js: the package entry for browsers, web workers, Deno and bundlers ("browser" and
// "default" export conditions). Fetches an Emscripten module's .wasm next to this package's
// dist/*.mjs (or from a URL or bytes the page gives) and binds it: load() the router,
// loadSimulator() the routing simulator.
//
// Example:
//   import { load } from 'switchyard';
//   const sy = await load();                       // or load({ wasm: '/assets/switchyard.wasm' })
//   const router = new sy.Router();
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
export const { load, loadSimulator } = packagedLoaders((url) => fetch(url, { credentials: 'same-origin' }));
