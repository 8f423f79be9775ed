// Each built .wasm exports exactly the functions c_api.h declares (no more, no fewer), the
// binding knows the same list, and neither build imports a clock or a source of randomness.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { C_API_FUNCTIONS } from '../../js/src/binding.js';
import { WASI_PROVIDED } from '../../js/src/wasi.js';
import { BUILDS, headerFunctions, missing } from './wasm-builds.mjs';

const declared = headerFunctions();

test('c_api.h declares the C ABI', () => {
  assert.ok(declared.length >= 30, `only ${declared.length} SY_API declarations found`);
  assert.ok(declared.includes('sy_abi_version'));
});

test('the JS binding covers exactly the functions of c_api.h', () => {
  assert.deepEqual([...C_API_FUNCTIONS].sort(), [...declared].sort());
});

// Names that would mean the core reads time or draws randomness on its own.
const NONDETERMINISTIC = /clock|time|date|random|entropy|now/i;

for (const build of BUILDS) {
  test(`${build.name}: exports match c_api.h`, () => {
    const why = missing(build);
    if (why) assert.fail(why);
    const module = new WebAssembly.Module(readFileSync(build.wasm));
    const exports = WebAssembly.Module.exports(module);
    const functions = exports.filter((e) => e.name.startsWith('sy_'));
    for (const e of functions) assert.equal(e.kind, 'function', `${e.name} is a ${e.kind}`);
    const exported = new Set(functions.map((e) => e.name));
    const absent = declared.filter((n) => !exported.has(n));
    const extra = [...exported].filter((n) => !declared.includes(n));
    assert.deepEqual(absent, [], `declared in c_api.h but not exported: ${absent.join(', ')}`);
    assert.deepEqual(extra, [], `exported but not declared in c_api.h: ${extra.join(', ')}`);
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
