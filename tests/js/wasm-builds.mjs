// The wasm builds under test, found through SWITCHYARD_BROWSER_BUILD / SWITCHYARD_WORKER_BUILD
// (defaults: build/browser/wasm/browser and build/worker/wasm/worker, from the repository root).
// BUILDS are the two router modules (the npm package's and the edge worker's), which every
// binding test runs against; SIMULATOR_BUILD is the routing simulator's module.
// A missing build is a failure, never a skip: `make test` builds them before the JS suites.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { C_SIM_ROUTER_FUNCTIONS, SwitchyardError } from '../../js/src/binding.js';
import { load as loadEmscripten } from '../../js/src/node.js';
import { load as loadWasi } from '../../js/src/workerd.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const browserDir = resolve(ROOT, process.env.SWITCHYARD_BROWSER_BUILD ?? 'build/browser/wasm/browser');
const workerDir = resolve(ROOT, process.env.SWITCHYARD_WORKER_BUILD ?? 'build/worker/wasm/worker');

export const BUILDS = [
  {
    name: 'browser (Emscripten)',
    // The C headers whose SY_API functions this build exports, exactly.
    headers: ['c_api.h'],
    wasm: join(browserDir, 'switchyard.wasm'),
    files: [join(browserDir, 'switchyard.wasm'), join(browserDir, 'switchyard.mjs')],
    how: 'cmake --preset browser -B build/browser && cmake --build build/browser --target switchyard_browser',
    async load() {
      const factory = (await import(pathToFileURL(join(browserDir, 'switchyard.mjs')).href)).default;
      return loadEmscripten({ factory, wasm: readFileSync(this.wasm) });
    },
  },
  {
    name: 'worker (WASI)',
    headers: ['c_api.h'],
    wasm: join(workerDir, 'switchyard.wasm'),
    files: [join(workerDir, 'switchyard.wasm')],
    how: 'cmake --preset worker -B build/worker && cmake --build build/worker --target switchyard_worker',
    async load() {
      return loadWasi(new WebAssembly.Module(readFileSync(this.wasm)));
    },
  },
];

/** The routing simulator's module (Emscripten): a Router that simulates and does nothing else. */
export const SIMULATOR_BUILD = {
  name: 'simulator (Emscripten)',
  // c_sim.h, and of c_api.h only the router calls a simulation needs (binding.js's list).
  headers: ['c_sim.h'],
  also: C_SIM_ROUTER_FUNCTIONS,
  wasm: join(browserDir, 'switchyard-sim.wasm'),
  files: [join(browserDir, 'switchyard-sim.wasm'), join(browserDir, 'switchyard-sim.mjs')],
  how: 'cmake --preset browser -B build/browser && cmake --build build/browser --target switchyard_simulator',
  async load() {
    const factory = (await import(pathToFileURL(join(browserDir, 'switchyard-sim.mjs')).href)).default;
    return loadEmscripten({ factory, wasm: readFileSync(this.wasm) });
  },
};

/** Every shipped module: the router builds and the simulator's. */
export const MODULES = [...BUILDS, SIMULATOR_BUILD];

/** Why `build` cannot be tested (a clear message), or null when its files exist. */
export function missing(build) {
  const absent = build.files.filter((f) => !existsSync(f));
  if (absent.length === 0) return null;
  return `the ${build.name} build is missing (${absent.join(', ')}); build it with: ${build.how} ` +
    '(or point SWITCHYARD_BROWSER_BUILD / SWITCHYARD_WORKER_BUILD at it)';
}

/** The SY_API(sy_...) names declared in one public C header (default c_api.h), in order. */
export function headerFunctions(header = 'c_api.h') {
  const text = readFileSync(join(ROOT, 'core/include/switchyard/c_api', header), 'utf8');
  return [...new Set([...text.matchAll(/SY_API\((sy_[a-z0-9_]+)\)/g)].map((m) => m[1]))];
}

export function readFixture(relative) {
  return readFileSync(join(ROOT, relative), 'utf8');
}

/** Runs fn, which must throw a SwitchyardError with `code`; `check` looks at it further. */
export function expectError(fn, code, check) {
  let error;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected a SwitchyardError "${code}", nothing was thrown`);
  assert.ok(error instanceof SwitchyardError, `expected a SwitchyardError, got ${error}`);
  assert.equal(error.code, code, error.message);
  check?.(error);
  return error;
}
