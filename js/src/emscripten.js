// emscripten.js: instantiates the package's Emscripten modules (dist/switchyard.mjs + .wasm, the
// router; dist/switchyard-sim.mjs + .wasm, the routing simulator) and binds them. Shared by the
// browser and Node entries, which differ only in how a URL's bytes are read.
//
// The glue's own loading is bypassed through the `instantiateWasm` hook: the loader chooses how
// the bytes arrive (fetch, fs, a precompiled WebAssembly.Module), which also sidesteps
// Emscripten 3.1.6 calling fetch() on file paths under Node. The glue still supplies its
// imports (heap growth, abort) and runs the static constructors before the promise resolves.

import { bind } from './binding.js';

// source: a WebAssembly.Module, a Response or a promise of one, or the bytes (BufferSource).
async function instantiate(source, imports) {
  source = await source;
  if (source instanceof WebAssembly.Module) {
    return { instance: await WebAssembly.instantiate(source, imports), module: source };
  }
  if (typeof Response === 'function' && source instanceof Response) {
    if (!source.ok) throw new Error(`switchyard: fetching the wasm failed: HTTP ${source.status} ${source.url}`);
    if (typeof WebAssembly.instantiateStreaming === 'function' &&
        source.headers.get('content-type')?.startsWith('application/wasm')) {
      return WebAssembly.instantiateStreaming(source, imports);
    }
    return WebAssembly.instantiate(await source.arrayBuffer(), imports);
  }
  return WebAssembly.instantiate(source, imports);
}

/**
 * @param factory the default export of switchyard.mjs (createSwitchyardModule)
 * @param source what instantiate() accepts
 * @returns the wasm instance's exports (sy_* functions and memory)
 */
export function instantiateEmscripten(factory, source) {
  return new Promise((resolve, reject) => {
    let exports = null;
    const overrides = {
      instantiateWasm(imports, receiveInstance) {
        instantiate(source, imports).then(({ instance, module }) => {
          exports = instance.exports;
          receiveInstance(instance, module);
        }, reject);
        return {};  // the exports arrive asynchronously
      },
      // An abort in the core also throws at the call site; this catches one during start-up.
      onAbort(what) { reject(new Error(`switchyard: the core aborted: ${what}`)); },
      print: (text) => console.log(text),
      printErr: (text) => console.error(text),
    };
    factory(overrides).then(() => {
      if (exports === null) reject(new Error('switchyard: the Emscripten module started without an instance'));
      else resolve(exports);
    }, reject);
  });
}

/**
 * The package's two loaders, load() (the router) and loadSimulator() (the routing simulator's
 * module: a Router that simulates and takes overlays; its routing calls throw "unavailable"),
 * for an entry that reads a URL with `read(url)` (fetch in browsers, the filesystem in Node).
 * Both take {wasm?, factory?}: where the .wasm comes from (a URL or path, a Response, bytes or a
 * compiled module; default: the package's dist/), and the default export of a matching .mjs.
 */
export function packagedLoaders(read) {
  async function loadModule(options, packaged, glue) {
    let wasm = options.wasm ?? packaged;
    if (typeof wasm === 'string' || wasm instanceof URL) wasm = await read(wasm);
    const factory = options.factory ?? (await glue()).default;
    return bind(await instantiateEmscripten(factory, wasm));
  }
  return {
    load: (options = {}) => loadModule(options, new URL('../dist/switchyard.wasm', import.meta.url),
      () => import('../dist/switchyard.mjs')),
    loadSimulator: (options = {}) => loadModule(options, new URL('../dist/switchyard-sim.wasm', import.meta.url),
      () => import('../dist/switchyard-sim.mjs')),
  };
}
