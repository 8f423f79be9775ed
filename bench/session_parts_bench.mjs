#!/usr/bin/env node
// session_parts_bench.mjs: what a session's last step costs the host for a large answer, with
// and without "parts" (session.h: the step's large strings after its JSON, not quoted in it).
// An embeddings answer of N × 3,072 floats (the WASI build under Node, as the worker runs it):
// the time of the final next() — the core writing the step and the binding reading it — and
// the JS memory it leaves behind (heap: strings; array buffers: bytes), alternating variants.
//
//   node --expose-gc bench/session_parts_bench.mjs [--inputs 512] [--rounds 4]
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { load } from '../js/src/workerd.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { inputs: { type: 'string', default: '512' }, rounds: { type: 'string', default: '4' } } });
const N = Number(args.inputs);
const D = 3072;
const sy = await load(readFileSync(join(ROOT, 'build/worker/wasm/worker/switchyard.wasm')));
const router = new sy.Router();
const data = Array.from({ length: N }, (_, i) => ({
  object: 'embedding', index: i, embedding: Array.from({ length: D }, (_, k) => Math.sin(i * 7 + k) * 0.123456789),
}));
const upstream = new TextEncoder().encode(JSON.stringify({ object: 'list', data, model: 'text-embedding-3-large', usage: { prompt_tokens: N * 4, total_tokens: N * 4 } }));
const mb = (n) => (n / 1048576).toFixed(1);

const variants = { 'settle "text" (the step\'s strings quoted in its JSON)': { settle: 'text' }, 'parts': { parts: true } };
const out = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let round = 0; round < Number(args.rounds); round++) {
  for (const [name, extra] of Object.entries(variants)) {
    const s = router.session({
      request: { model: 'openai/text-embedding-3-large', input: Array.from({ length: N }, (_, i) => `text ${i}`), provider: { only: ['openai'] } },
      format: 'embeddings', now_ms: 1000, seed: 1, context: { account_id: 'a' }, ...extra,
    });
    s.next({ now_ms: 1000 });
    s.respond({ status: 200, headers: { 'content-type': 'application/json' }, now_ms: 1100 }, upstream);
    globalThis.gc?.();
    const m0 = process.memoryUsage();
    const t0 = performance.now();
    const final = s.next({ now_ms: 1101 });
    const ms = performance.now() - t0;
    const m1 = process.memoryUsage();
    if (final.status !== 200) throw new Error(`${name}: status ${final.status}`);
    out[name].push({ ms, heap: m1.heapUsed - m0.heapUsed, buffers: m1.arrayBuffers - m0.arrayBuffers, body: final.body.length ?? final.body.byteLength });
    s.free();
  }
}
console.log(`Embeddings answer ${mb(upstream.length)} MiB (${N} × ${D} floats), ${args.rounds} rounds alternating; median per variant:\n`);
console.log('| variant | final next() ms | JS heap after, MiB | array buffers after, MiB |');
console.log('|---|---:|---:|---:|');
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const [name, rs] of Object.entries(out)) {
  console.log(`| ${name} | ${median(rs.map((r) => r.ms)).toFixed(1)} | ${mb(median(rs.map((r) => r.heap)))} | ${mb(median(rs.map((r) => r.buffers)))} |`);
}
console.log(`\nwasm memory: ${mb(sy.exports.memory.buffer.byteLength)} MiB (grown, never shrunk, over the run)`);
