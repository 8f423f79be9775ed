// workerd.js: the package entry for Cloudflare Workers / workerd ("workerd" and "worker" export
// conditions). Workers may not compile wasm from bytes at run time, so the worker imports the
// WASI build as a module and hands it over:
//
//   import wasm from 'switchyard/switchyard-worker.wasm';   // a WebAssembly.Module
//   import { load } from 'switchyard';
//   const sy = await load(wasm);                             // once, at module scope
//   export default { async fetch(request, env) { const router = new sy.Router(); ... } };
//
// The same function instantiates the WASI build under Node for tests (bytes are accepted there).
import { bind } from './binding.js';
import { wasiImports } from './wasi.js';

export { bind, SwitchyardError, ABI_VERSION } from './binding.js';

/**
 * @param {WebAssembly.Module|BufferSource} [module] the WASI build (dist/switchyard-worker.wasm);
 *   without it the packaged file is fetched, which workerd forbids.
 */
export async function load(module) {
  if (module === undefined || module === null) {
    // Where compiling at run time is allowed (a browser Web Worker resolving the "worker"
    // condition), fetch the packaged build; in workerd, pass the imported module instead.
    const response = await fetch(new URL('../dist/switchyard-worker.wasm', import.meta.url));
    if (!response.ok) throw new Error(`switchyard: fetching the WASI build failed: HTTP ${response.status}`);
    module = await response.arrayBuffer();
  }
  if (!(module instanceof WebAssembly.Module)) module = await WebAssembly.compile(module);
  let memory = null;
  const instance = await WebAssembly.instantiate(module, wasiImports(module, () => memory));
  memory = instance.exports.memory;
  instance.exports._initialize();  // a reactor's static constructors, exactly once
  return bind(instance.exports);
}
