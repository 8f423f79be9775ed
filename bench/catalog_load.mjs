// Loading the embedded default catalog in the npm package: `new Router()` (parse + validate +
// index, no overlay), median of 9 after one warm-up, for both wasm builds, as a Markdown table.
// Run by scripts/bench.sh after `make js`; alone: node bench/catalog_load.mjs
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load as loadWorkerd } from '../js/src/workerd.js';
import { load as loadNode } from '../js/src/node.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const catalogBytes = readFileSync(join(ROOT, 'core/data/catalog.json')).length;

function median(sy) {
  new sy.Router({}).free();
  const t = [];
  for (let i = 0; i < 9; i++) {
    const a = performance.now();
    const r = new sy.Router({});
    t.push(performance.now() - a);
    r.free();
  }
  return t.sort((x, y) => x - y)[4];
}

const rows = [
  ['Emscripten (browser, Node)', median(await loadNode())],
  ['WASI (worker)', median(await loadWorkerd(readFileSync(join(ROOT, 'build/worker/wasm/worker/switchyard.wasm'))))],
];
console.log(`## Catalog load\n\n\`new Router()\` on the embedded default catalog (${(catalogBytes / 1024).toFixed(0)} KB of JSON), median of 9.\n`);
console.log('| build | ms |\n|---|---:|');
for (const [name, ms] of rows) console.log(`| ${name} | ${ms.toFixed(1)} |`);
console.log();
