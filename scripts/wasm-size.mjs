// Prints a Markdown table of each shipped .wasm's size, raw and gzipped (level 9).
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const builds = [
  ['router (Emscripten, npm package)', 'build/browser/wasm/browser/switchyard.wasm'],
  ['simulator (Emscripten, npm package)', 'build/browser/wasm/browser/switchyard-sim.wasm'],
  ['worker (WASI)', 'build/worker/wasm/worker/switchyard.wasm'],
];
console.log('## Wasm sizes\n\n| build | raw | gzipped | budget (gzipped) |\n|---|---:|---:|---:|');
for (const [name, file] of builds) {
  if (!existsSync(file)) { console.log(`| ${name} | not built | | 300 KB |`); continue; }
  const bytes = readFileSync(file);
  const gz = gzipSync(bytes, { level: 9 }).length;
  console.log(`| ${name} | ${(bytes.length / 1024).toFixed(1)} KiB | ${(gz / 1024).toFixed(1)} KiB | 300 KB |`);
}
