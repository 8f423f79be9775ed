#!/usr/bin/env node
// soak.mjs: the edge worker under a long run of hostile traffic, with workerd's memory sampled.
//
//   node bench/soak.mjs [--requests 200000] [--concurrency 16] [--out bench/results/soak.md]
//
// One workerd (the local stack of `make run`: SQLite-backed Durable Objects in a temporary
// folder) in front of the sandbox provider fleet. Requests alternate buffered and streamed; each
// draws an upstream fault for its first provider from the mix below (a `[[sandbox:openai:...]]`
// directive, so the fallback providers stay healthy), and every 40th is a hostile client body.
// Deadlines are short so hung and stalled upstreams cost milliseconds, not minutes. workerd's
// resident memory (VmRSS, plus the peak VmHWM) is sampled every --sample requests. Memory must be
// flat after warm-up: the table states the growth from the first sample after warm-up (25% of the
// run) to the last. Not part of `make test` (it takes minutes); the committed table is the result.
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startStack } from '../scripts/run.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '200000' },
    concurrency: { type: 'string', default: '16' },
    sample: { type: 'string', default: '10000' },
    out: { type: 'string', default: join(ROOT, 'bench/results/soak.md') },
  },
});
const N = Number(args.requests);
const C = Number(args.concurrency);
const SAMPLE = Number(args.sample);

// Upstream faults on the first provider, by weight (the rest: none).
const FAULTS = [
  ['status:503', 6], ['status:429,retry_after:1', 4], ['status:500', 4], ['status:529', 2],
  ['error200', 3], ['malformed', 3], ['garbage', 2], ['html', 2], ['gzip', 3], ['echo', 2],
  ['reset', 2], ['cut:2', 3], ['hang', 1], ['stall:0,after:2', 1], ['drip:400', 1], ['huge:200000', 1],
];
const FAULT_WEIGHT = FAULTS.reduce((a, [, w]) => a + w, 0);
const NONE_WEIGHT = 60;
const HOSTILE = [
  '{"model": "openai/gpt-4o-mini", "messages": [', // truncated JSON
  '[1, 2, 3]',
  '{"model": 5, "messages": "hi"}',
  '{"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "x"}], "max_tokens": 99999999}',
  '{"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "x"}], "provider": {"only": ["nope"]}}',
  `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`,
];

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

const dir = await mkdtemp(join(tmpdir(), 'sy-soak-'));
const stack = await startStack({
  dataDir: join(dir, 'data'),
  bundleDir: join(dir, 'bundle'),
  sandbox: true,
  inheritEnv: false,
  env: {
    PATH: process.env.PATH ?? '',
    SWITCHYARD_CONNECT_TIMEOUT_MS: '400',
    SWITCHYARD_FIRST_TOKEN_TIMEOUT_MS: '800',
    SWITCHYARD_IDLE_TIMEOUT_MS: '400',
    SWITCHYARD_TOTAL_TIMEOUT_MS: '4000',
    SWITCHYARD_KEEPALIVE_MS: '1000',
  },
  fleetOptions: { record: false },
  logs: 'pipe',
});
const pid = stack.workerd.child.pid;
const url = `${stack.url}/api/v1/chat/completions`;
const headers = { authorization: `Bearer ${stack.demoKey}`, 'content-type': 'application/json' };
console.log(`soak: ${N} requests at concurrency ${C} against workerd pid ${pid} (${stack.url})`);

const draw = rng(20261206);
const statuses = new Map();
const faultsDrawn = new Map();
let transportErrors = 0;
let inBandErrors = 0;
let served = 0;
const samples = [];
const t0 = performance.now();
let next = 0;
let done = 0;

function pickFault() {
  let r = draw() * (FAULT_WEIGHT + NONE_WEIGHT);
  for (const [f, w] of FAULTS) {
    if (r < w) return f;
    r -= w;
  }
  return null;
}

async function one(i) {
  let body;
  let fault = null;
  if (i % 40 === 39) {
    body = HOSTILE[(i / 40 | 0) % HOSTILE.length];
    fault = 'hostile client';
  } else {
    fault = pickFault();
    const stream = i % 2 === 1;
    const directive = fault ? ` [[sandbox:openai:fault=${fault}]]` : '';
    body = JSON.stringify({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: `soak ${i % 97}${directive}` }],
      provider: { order: ['openai'] },
      max_tokens: 24,
      stream,
    });
  }
  faultsDrawn.set(fault ?? 'none', (faultsDrawn.get(fault ?? 'none') ?? 0) + 1);
  try {
    const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status === 200) {
      if (text.includes('"finish_reason":"error"')) inBandErrors++;
      else served++;
    }
  } catch {
    transportErrors++;
  }
}

async function lane() {
  while (next < N) {
    const i = next++;
    await one(i);
    done++;
    if (done % SAMPLE === 0) {
      const m = memoryOf(pid);
      const elapsed = (performance.now() - t0) / 1000;
      samples.push({ done, elapsed, ...m });
      console.log(`soak: ${done} requests, ${elapsed.toFixed(0)} s, workerd RSS ${m.rss.toFixed(1)} MB (peak ${m.hwm.toFixed(1)} MB)`);
    }
  }
}

try {
  await Promise.all(Array.from({ length: C }, lane));
} finally {
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
}

const elapsed = (performance.now() - t0) / 1000;
const warm = samples.find((s) => s.done >= N * 0.25) ?? samples[0];
const last = samples[samples.length - 1];
const growth = last.rss - warm.rss;
const lines = [
  '# Soak: the edge worker under hostile traffic',
  '',
  `\`node bench/soak.mjs --requests ${N} --concurrency ${C}\`, ${new Date().toISOString().slice(0, 10)}, ` +
    `${cpus().length} cores (load ${loadavg()[0].toFixed(1)} at the end), ${elapsed.toFixed(0)} s ` +
    `(${(N / elapsed).toFixed(0)} req/s). Half streamed; upstream faults on the first provider ` +
    `(${FAULTS.map(([f]) => `\`${f}\``).join(', ')}; ${((FAULT_WEIGHT / (FAULT_WEIGHT + NONE_WEIGHT)) * 100).toFixed(0)}% of requests), ` +
    'a hostile client body every 40th request; deadlines 400 ms connect/idle, 800 ms first token, 4 s total.',
  '',
  '| requests | elapsed (s) | workerd RSS (MB) | peak RSS (MB) |',
  '|---:|---:|---:|---:|',
  ...samples.map((s) => `| ${s.done} | ${s.elapsed.toFixed(0)} | ${s.rss.toFixed(1)} | ${s.hwm.toFixed(1)} |`),
  '',
  `RSS growth after warm-up (${warm.done} → ${last.done} requests): ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB ` +
    `(${((growth / warm.rss) * 100).toFixed(1)}%).`,
  '',
  '| client saw | count |',
  '|---|---:|',
  ...[...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `| HTTP ${s} | ${n} |`),
  `| of the 200s: served content | ${served} |`,
  `| of the 200s: in-band stream error | ${inBandErrors} |`,
  `| no response (transport error / 15 s client timeout) | ${transportErrors} |`,
  '',
  '| fault drawn | requests |',
  '|---|---:|',
  ...[...faultsDrawn.entries()].sort(([, a], [, b]) => b - a).map(([f, n]) => `| ${f} | ${n} |`),
  '',
];
mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(args.out, lines.join('\n'));
console.log(lines.join('\n'));
