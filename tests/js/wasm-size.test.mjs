// The size budget of every shipped wasm module: at most 300 KB gzipped (level 9, as
// scripts/wasm-size.mjs measures for the README; the project's standard). A feature that pushes a build over it fails
// here, not first in a user's download.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { MODULES, SIMULATOR_BUILD, missing } from './wasm-builds.mjs';

const BUDGET = 300 * 1000;

for (const build of MODULES) {
  test(`${build.name}: within ${BUDGET / 1000} KB gzipped`, () => {
    const why = missing(build);
    if (why) assert.fail(why);
    const gz = gzipSync(readFileSync(build.wasm), { level: 9 }).length;
    assert.ok(gz <= BUDGET, `${build.wasm} is ${(gz / 1000).toFixed(1)} KB gzipped, over the budget by ${((gz - BUDGET) / 1000).toFixed(1)} KB`);
    // A module that suddenly shrank by half lost something (an export list, the catalog). The
    // simulator's module has no wire formats, sessions or ledger: it is ~135 KB.
    const floor = build === SIMULATOR_BUILD ? 100 * 1000 : BUDGET / 2;
    assert.ok(gz > floor, `${build.wasm} is only ${(gz / 1000).toFixed(1)} KB gzipped`);
  });
}
