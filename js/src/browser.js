// browser.js: the package entry for browsers, web workers, Deno and bundlers ("browser" and
// "default" export conditions). Fetches the Emscripten build's .wasm next to this package's
// dist/switchyard.mjs (or from a URL or bytes the page gives) and binds it.
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
export async function load(options = {}) {
  let wasm = options.wasm ?? new URL('../dist/switchyard.wasm', import.meta.url);
  if (typeof wasm === 'string' || wasm instanceof URL) wasm = fetch(wasm, { credentials: 'same-origin' });
  const factory = options.factory ?? (await import('../dist/switchyard.mjs')).default;
  return bind(await instantiateEmscripten(factory, wasm));
}
