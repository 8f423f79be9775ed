// Copies the wasm modules into js/dist/ (what the package ships) and prints their sizes: the
// router and the routing simulator (Emscripten), and the edge worker's (WASI).
//   node js/scripts/build.mjs
// Sources: $SWITCHYARD_BROWSER_BUILD (default build/browser/wasm/browser) and
// $SWITCHYARD_WORKER_BUILD (default build/worker/wasm/worker), relative to the repository root.
// Build them first: make browser worker (or the cmake commands in wasm/*/CMakeLists.txt).
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const jsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(jsDir, '..');
const browserDir = resolve(root, process.env.SWITCHYARD_BROWSER_BUILD ?? 'build/browser/wasm/browser');
const workerDir = resolve(root, process.env.SWITCHYARD_WORKER_BUILD ?? 'build/worker/wasm/worker');
const dist = join(jsDir, 'dist');

const files = [
  [join(browserDir, 'switchyard.mjs'), 'switchyard.mjs', 'cmake --build build/browser --target switchyard_browser'],
  [join(browserDir, 'switchyard.wasm'), 'switchyard.wasm', 'cmake --build build/browser --target switchyard_browser'],
  [join(browserDir, 'switchyard-sim.mjs'), 'switchyard-sim.mjs', 'cmake --build build/browser --target switchyard_simulator'],
  [join(browserDir, 'switchyard-sim.wasm'), 'switchyard-sim.wasm', 'cmake --build build/browser --target switchyard_simulator'],
  [join(workerDir, 'switchyard.wasm'), 'switchyard-worker.wasm', 'cmake --build build/worker --target switchyard_worker'],
];

await mkdir(dist, { recursive: true });
let missing = false;
for (const [from, to, how] of files) {
  try {
    await stat(from);
  } catch {
    console.error(`missing ${from}: build it with \`${how}\``);
    missing = true;
    continue;
  }
  await copyFile(from, join(dist, to));
  const bytes = await readFile(from);
  const gz = gzipSync(bytes, { level: 9 }).length;
  console.log(`${to.padEnd(24)} ${String(bytes.length).padStart(9)} B  ${String(gz).padStart(8)} B gzip`);
}
if (missing) process.exit(1);
