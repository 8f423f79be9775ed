// Each built .wasm exports exactly the functions of its C headers (no more, no fewer): the two
// router modules (the npm package's Emscripten one, the worker's WASI one) c_api.h, the
// simulator's module c_sim.h and the router calls a simulation needs. The binding knows the same
// lists, and no module imports a clock or a source of randomness.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { C_API_FUNCTIONS, C_SIM_FUNCTIONS, C_SIM_ROUTER_FUNCTIONS } from '../../js/src/binding.js';
import { WASI_PROVIDED } from '../../js/src/wasi.js';
import { MODULES, headerFunctions, missing } from './wasm-builds.mjs';

const declared = { 'c_api.h': headerFunctions('c_api.h'), 'c_sim.h': headerFunctions('c_sim.h') };

test('c_api.h declares the C ABI, c_sim.h the simulator', () => {
  assert.ok(declared['c_api.h'].length >= 30, `only ${declared['c_api.h'].length} SY_API declarations found`);
  assert.ok(declared['c_api.h'].includes('sy_abi_version'));
  assert.ok(declared['c_sim.h'].includes('sy_router_simulate'));
  const shared = declared['c_sim.h'].filter((n) => declared['c_api.h'].includes(n));
  assert.deepEqual(shared, [], 'a function belongs to one header');
});

test('the JS binding covers exactly the functions of c_api.h', () => {
  assert.deepEqual([...C_API_FUNCTIONS].sort(), [...declared['c_api.h']].sort());
});

test('the JS binding covers exactly the functions of c_sim.h', () => {
  assert.deepEqual([...C_SIM_FUNCTIONS].sort(), [...declared['c_sim.h']].sort());
});

test("the simulator module's router calls are c_api.h functions, and c_sim.h names them", () => {
  const unknown = C_SIM_ROUTER_FUNCTIONS.filter((n) => !declared['c_api.h'].includes(n));
  assert.deepEqual(unknown, [], 'not declared in c_api.h');
  const text = readFileSync(new URL('../../core/include/switchyard/c_api/c_sim.h', import.meta.url), 'utf8');
  for (const name of C_SIM_ROUTER_FUNCTIONS) assert.match(text, new RegExp(`\\b${name}\\b`), `c_sim.h does not list ${name}`);
});

// Names that would mean the core reads time or draws randomness on its own.
const NONDETERMINISTIC = /clock|time|date|random|entropy|now/i;

for (const build of MODULES) {
  test(`${build.name}: exports match ${build.headers.join(' + ')}${build.also ? ' + the router calls it needs' : ''}`, () => {
    const why = missing(build);
    if (why) assert.fail(why);
    const expected = [...(build.also ?? []), ...build.headers.flatMap((h) => declared[h])];
    const module = new WebAssembly.Module(readFileSync(build.wasm));
    const exports = WebAssembly.Module.exports(module);
    const functions = exports.filter((e) => e.name.startsWith('sy_'));
    for (const e of functions) assert.equal(e.kind, 'function', `${e.name} is a ${e.kind}`);
    const exported = new Set(functions.map((e) => e.name));
    const absent = expected.filter((n) => !exported.has(n));
    const extra = [...exported].filter((n) => !expected.includes(n));
    const headers = [...build.headers, ...(build.also ? ['its router calls'] : [])].join(' + ');
    assert.deepEqual(absent, [], `declared in ${headers} but not exported: ${absent.join(', ')}`);
    assert.deepEqual(extra, [], `exported but not declared in ${headers}: ${extra.join(', ')}`);
    assert.ok(exports.some((e) => e.name === 'memory' && e.kind === 'memory'), 'memory is not exported');
    if (build.name.startsWith('worker')) {
      assert.ok(exports.some((e) => e.name === '_initialize'), 'a WASI reactor exports _initialize');
    }
  });

  test(`${build.name}: imports no clock, no randomness, nothing unstubbed`, () => {
    const why = missing(build);
    if (why) assert.fail(why);
    const module = new WebAssembly.Module(readFileSync(build.wasm));
    const imports = WebAssembly.Module.imports(module);
    const suspicious = imports.filter((i) => NONDETERMINISTIC.test(i.name));
    assert.deepEqual(suspicious, [], 'the core must take time and seeds as inputs');
    if (build.name.startsWith('worker')) {
      for (const i of imports) {
        assert.equal(i.module, 'wasi_snapshot_preview1', `unexpected import module ${i.module}.${i.name}`);
        assert.ok(WASI_PROVIDED.includes(i.name), `WASI ${i.name} has no stub in js/src/wasi.js`);
      }
    }
  });
}
