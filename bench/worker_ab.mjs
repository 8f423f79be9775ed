#!/usr/bin/env node
// worker_ab.mjs: workerd's CPU per request for two (or more) checkouts of the worker, measured
// side by side: one workerd per checkout (each bundles its own js/src/worker), one sandbox fleet,
// and batches that alternate between them, so a loaded machine slows every variant alike. Prints
// per variant the median and minimum of workerd's process CPU per request over the batches, the
// ratio of the medians to the first variant, and the median of the per-round ratios (each round's
// batches run back to back, so a paired ratio cancels most of a shared machine's slow phases);
// and each variant's request latency (client-side, p50 / p90 / p99 over every measured request:
// at --concurrency 1 the latency a request sees, to compare with the first variant's).
//
//   node bench/worker_ab.mjs [--requests 600] [--rounds 6] [--concurrency 32] ROOT_A ROOT_B ...
//
// A ROOT is a checkout with node_modules and build/worker (a link to another checkout's is fine:
// the wasm is then the same for every variant, and only the JS differs).
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startFleet } from '../tests/sandbox/fleet.mjs';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    requests: { type: 'string', default: '600' },
    rounds: { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '32' },
  },
});
const N = Number(args.requests);
const C = Number(args.concurrency);
const roots = positionals.map((r) => resolve(r));
if (roots.length < 1) {
  console.error('usage: node bench/worker_ab.mjs [--requests N] [--rounds R] ROOT_A ROOT_B ...');
  process.exit(2);
}

function cpuSeconds(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

const MESSAGES = [
  { role: 'system', content: 'You are a concise assistant for a logistics company. Answer in one short paragraph, plain text, no lists. If you are unsure, say so and suggest what information would help.' },
  { role: 'user', content: 'A container left Rotterdam on Monday at 14:00 and travels at an average of 18 knots to New York, about 3,450 nautical miles away. Given typical port congestion this season, when should the consignee expect it, and what could delay it further?' },
];
const body = (stream) => JSON.stringify({ model: 'openai/gpt-4o-mini', messages: MESSAGES, max_tokens: 64, provider: { only: ['openai'] }, ...(stream ? { stream: true } : {}) });

const dir = await mkdtemp(join(tmpdir(), 'sy-ab-'));
const fleet = await startFleet({ port: 0, host: '127.0.0.1', record: false });
const stacks = [];
try {
  for (const [i, root] of roots.entries()) {
    const { startStack } = await import(pathToFileURL(join(root, 'scripts/run.mjs')).href);
    const stack = await startStack({
      dataDir: join(dir, `data-${i}`), bundleDir: join(dir, `bundle-${i}`), fleet, sandbox: true,
      inheritEnv: false, env: { PATH: process.env.PATH }, logs: 'pipe',
    });
    stacks.push({ root, stack, cpu: { buffered: [], streamed: [] }, ms: { buffered: [], streamed: [] } });
  }
  const once = async (s, stream, times) => {
    const t0 = performance.now();
    const res = await fetch(`${s.stack.url}/api/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${s.stack.demoKey}`, 'content-type': 'application/json' }, body: body(stream),
    });
    const text = await res.text();
    if (res.status !== 200 || (stream && !text.includes('[DONE]'))) throw new Error(`${s.root}: HTTP ${res.status} ${text.slice(0, 300)}`);
    times?.push(performance.now() - t0);
  };
  const batch = async (s, stream, n, times = null) => {
    let next = 0;
    const pid = s.stack.workerd.child.pid;
    const c0 = cpuSeconds(pid);
    await Promise.all(Array.from({ length: C }, async () => { while (next < n) { next++; await once(s, stream, times); } }));
    // Let the batch's settlements and lease returns finish before reading the clock.
    await new Promise((r) => setTimeout(r, 150));
    return ((cpuSeconds(pid) - c0) * 1e6) / n;
  };
  for (const s of stacks) { await batch(s, false, 300); await batch(s, true, 300); } // warm up
  const load0 = loadavg()[0];
  for (let round = 0; round < Number(args.rounds); round++) {
    for (const mode of ['buffered', 'streamed']) {
      for (const s of round % 2 ? [...stacks].reverse() : stacks) s.cpu[mode].push(await batch(s, mode === 'streamed', N, s.ms[mode]));
    }
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  console.log(`workerd process CPU µs per request, ${N} requests x ${args.rounds} rounds per variant at c=${C} (load ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)}):`);
  const pct = (xs, p) => { const a = [...xs].sort((x, y) => x - y); return a[Math.min(a.length - 1, Math.floor(p * a.length))]; };
  for (const mode of ['buffered', 'streamed']) {
    const base = med(stacks[0].cpu[mode]);
    for (const s of stacks) {
      const m = med(s.cpu[mode]);
      const paired = med(s.cpu[mode].map((x, i) => x / stacks[0].cpu[mode][i]));
      console.log(`  ${mode.padEnd(8)} ${s.root}: median ${m.toFixed(0)}, min ${Math.min(...s.cpu[mode]).toFixed(0)}, ${(m / base).toFixed(2)}x, paired ${paired.toFixed(3)}x`);
    }
  }
  console.log(`request latency, ms (client side, ${N * Number(args.rounds)} requests per variant at c=${C}), p50 / p90 / p99:`);
  for (const mode of ['buffered', 'streamed']) {
    for (const s of stacks) {
      const xs = s.ms[mode];
      console.log(`  ${mode.padEnd(8)} ${s.root}: ${pct(xs, 0.5).toFixed(2)} / ${pct(xs, 0.9).toFixed(2)} / ${pct(xs, 0.99).toFixed(2)}`);
    }
  }
} finally {
  for (const s of stacks) await s.stack.stop();
  await fleet.close();
  await rm(dir, { recursive: true, force: true });
}
