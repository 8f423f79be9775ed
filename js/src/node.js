// node.js: the package entry for Node ("node" export condition). Loads the Emscripten build
// from the package's dist/ folder (or from given bytes/paths) and binds it.
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
export async function load(options = {}) {
  let wasm = options.wasm ?? new URL('../dist/switchyard.wasm', import.meta.url);
  if (typeof wasm === 'string' || wasm instanceof URL) wasm = await readFile(wasm);
  const factory = options.factory ?? (await import('../dist/switchyard.mjs')).default;
  return bind(await instantiateEmscripten(factory, wasm));
}
