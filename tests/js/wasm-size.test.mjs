// The size budget of both shipped wasm modules: at most 300 KB gzipped (level 9, as
// scripts/wasm-size.mjs measures for the README; the project's standard). A feature that pushes a build over it fails
// here, not first in a user's download.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { BUILDS, missing } from './wasm-builds.mjs';

const BUDGET = 300 * 1000;

for (const build of BUILDS) {
  test(`${build.name}: within ${BUDGET / 1000} KB gzipped`, () => {
    const why = missing(build);
    if (why) assert.fail(why);
    const gz = gzipSync(readFileSync(build.wasm), { level: 9 }).length;
    assert.ok(gz <= BUDGET, `${build.wasm} is ${(gz / 1000).toFixed(1)} KB gzipped, over the budget by ${((gz - BUDGET) / 1000).toFixed(1)} KB`);
    // A module that suddenly shrank by half lost something (an export list, the catalog).
    assert.ok(gz > BUDGET / 2, `${build.wasm} is only ${(gz / 1000).toFixed(1)} KB gzipped`);
  });
}
