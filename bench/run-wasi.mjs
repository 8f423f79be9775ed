// Runs a WASI command module (a benchmark built by the `worker` preset) under node:wasi, with
// the repository mounted at /repo so it can read fixtures and the catalog.
// Usage: node bench/run-wasi.mjs build/worker/bench/planner_bench.wasm [args...]
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import path from 'node:path';
import process from 'node:process';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/run-wasi.mjs <module.wasm> [args...]');
  process.exit(2);
}
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: { SY_SOURCE_DIR: '/repo' },
                        preopens: { '/repo': root }, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
