#!/usr/bin/env node
// worker_node_bench.mjs: the edge worker's own CPU per request (its JS and the core's wasm),
// without workerd, sockets or a provider: the worker bundle runs in this Node process with an
// in-process account object (its SQLite faked: nothing is stored) and a fetch that replays
// answers recorded once from the sandbox fleet (the streamed one in the fleet's 16 SSE chunks).
// What workerd itself costs per request (HTTP, fetch, streams to the socket, Durable Object RPC)
// is not here: bench/worker_bench.mjs measures the whole.
//
// Compares checkouts side by side in one process, batches interleaved, so a loaded machine
// slows every variant alike:
//
//   node bench/worker_node_bench.mjs [--requests 400] [--rounds 6] [--concurrency 32]
//        [--components] [--wasm] [ROOT ...]
//
// Each ROOT (default: this checkout) is a Switchyard checkout whose js/src/worker is bundled
// (esbuild) with examples' entry; the wasm is ROOT's build/worker module. Prints per variant the
// median and minimum CPU µs per request (process.cpuUsage over each batch), buffered and streamed.
// --components also times each call the account object makes into its ledger (the core's wasm),
// by command: calls per request, median µs per call and µs per request, per variant.
// --wasm times every call into the core's wasm exports (the isolate's and the account object's
// alike), by export, over buffered requests: calls per request, µs per request; what is left of
// the CPU per request is JS (ours and the runtime's).
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { join, resolve, dirname } from 'node:path';
import { tmpdir, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startFleet } from '../tests/sandbox/fleet.mjs';

const HERE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    requests: { type: 'string', default: '400' },
    rounds: { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '32' },
    components: { type: 'boolean', default: false },
    wasm: { type: 'boolean', default: false },
  },
});
const N = Number(args.requests);
const ROUNDS = Number(args.rounds);
const C = Number(args.concurrency);
const roots = (positionals.length ? positionals : [HERE]).map((r) => resolve(r));

const DEMO_KEY = 'sk-sy-v1-demo-0123456789abcdef0123456789abcdef';
const ADMIN_KEY = 'sy-admin-bench-0123456789abcdef';
const SANDBOX = 'http://sandbox.invalid';
const MESSAGES = [
  { role: 'system', content: 'You are a concise assistant for a logistics company. Answer in one short paragraph, plain text, no lists. If you are unsure, say so and suggest what information would help.' },
  { role: 'user', content: 'A container left Rotterdam on Monday at 14:00 and travels at an average of 18 knots to New York, about 3,450 nautical miles away. Given typical port congestion this season, when should the consignee expect it, and what could delay it further?' },
];
const requestBody = (stream) => JSON.stringify({ model: 'openai/gpt-4o-mini', messages: MESSAGES, max_tokens: 64, provider: { only: ['openai'] }, ...(stream ? { stream: true } : {}) });

// ---- the upstream's answers, recorded once --------------------------------------------------------
const fleet = await startFleet({ port: 0, host: '127.0.0.1', record: false });
const recorded = {};
for (const stream of [false, true]) {
  const r = await fetch(`${fleet.url}/openai/v1/chat/completions`, {
    method: 'POST', headers: { authorization: 'Bearer sk-sandbox', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES, max_tokens: 64, ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) }),
  });
  const text = await r.text();
  const headers = [...r.headers].filter(([k]) => !['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date'].includes(k));
  // The fleet writes one HTTP chunk per SSE event; replay them as separate chunks.
  const chunks = stream ? text.split(/(?<=\n\n)/).map((s) => new TextEncoder().encode(s)) : [new TextEncoder().encode(text)];
  recorded[stream ? 'streamed' : 'buffered'] = { status: r.status, headers, chunks };
}
await fleet.close();

globalThis.fetch = async (url, init = {}) => {
  const body = typeof init.body === 'string' ? init.body : '';
  const rec = recorded[body.includes('"stream":true') ? 'streamed' : 'buffered'];
  let i = 0;
  const stream = new ReadableStream({
    pull(c) {
      if (i < rec.chunks.length) c.enqueue(rec.chunks[i++]);
      else c.close();
    },
  });
  return new Response(stream, { status: rec.status, headers: rec.headers });
};

// ---- --wasm: every wasm export call, timed by export ----------------------------------------------
// The core is instantiated lazily, during a variant's first batch: its instance's exports are
// wrapped then, and each call is booked to the variant whose batch is running (batches run one
// at a time).
let current = null;
if (args.wasm) {
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async (module, imports) => {
    const instance = await instantiate.call(WebAssembly, module, imports);
    if (!(module instanceof WebAssembly.Module)) return instance;
    const exports = {};
    const steps = new Set(); // sessions that took a step
    for (const [name, value] of Object.entries(instance.exports)) {
      if (typeof value !== 'function' || !name.startsWith('sy_')) { exports[name] = value; continue; }
      exports[name] = (...a) => {
        const v = current;
        if (!v?.recording) return value(...a);
        const t0 = performance.now();
        try {
          return value(...a);
        } finally {
          const us = (performance.now() - t0) * 1000;
          // A session's steps apart: its first next() (the attempt) and its last (the answer).
          let key = name;
          if (name === 'sy_session_next') {
            key = steps.has(a[0]) ? 'sy_session_next (final)' : 'sy_session_next (attempt)';
            steps.add(a[0]);
          } else if (name === 'sy_session_free') {
            steps.delete(a[0]);
          } else if (name === 'sy_ledger_apply') {
            // By command: its op, read from the input (sy_ledger_apply(ledger, router, ptr, len)).
            const text = new TextDecoder().decode(new Uint8Array(instance.exports.memory.buffer, a[2] >>> 0, Math.min(a[3], 4096)));
            key = `${name} ${/"op":"([a-z_]+)"/.exec(text)?.[1] ?? '?'}`;
          }
          const row = v.exports.get(key) ?? { n: 0, us: 0, each: [] };
          row.n++;
          row.us += us;
          row.each.push(us);
          v.exports.set(key, row);
        }
      };
    }
    return { exports };
  };
}

// ---- one worker per checkout, bundled ---------------------------------------------------------------
const { build } = await import('esbuild');
const dir = await mkdtemp(join(tmpdir(), 'sy-node-bench-'));

async function loadWorker(root, n) {
  const shim = join(dir, 'cloudflare-workers.mjs');
  await (await import('node:fs/promises')).writeFile(shim,
    'export class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }\n');
  const out = join(dir, `worker-${n}.mjs`);
  await build({
    stdin: {
      contents: `export { createWorker } from ${JSON.stringify(join(root, 'js/src/worker/index.js'))};`,
      resolveDir: root, loader: 'js',
    },
    outfile: out, bundle: true, format: 'esm', platform: 'neutral', target: 'es2022',
    mainFields: ['module', 'main'], conditions: ['workerd', 'worker', 'import'],
    alias: { 'cloudflare:workers': shim }, logLevel: 'error',
  });
  const { createWorker } = await import(pathToFileURL(out).href);
  const wasm = await WebAssembly.compile(await readFile(join(root, 'build/worker/wasm/worker/switchyard.wasm')));
  const { providers } = JSON.parse(await readFile(join(root, 'core/data/catalog.json'), 'utf8'));
  const worker = createWorker({ wasm, providers });

  // The account object in this process: RPC is a direct call; SQLite answers nothing.
  // (It remembers only that a snapshot exists, so the object snapshots as rarely as under workerd.)
  let snapshot = false;
  const rows = (r) => ({ toArray: () => r, one: () => r[0] ?? null, [Symbol.iterator]: function* () { yield* r; } });
  const sql = {
    exec(query) {
      if (/INTO ledger_state/.test(query)) snapshot = true;
      if (/^SELECT 1 FROM ledger_state/.test(query)) return rows(snapshot ? [{ 1: 1 }] : []);
      return rows([]);
    },
  };
  const objects = new Map();
  const env = {
    SWITCHYARD_DEMO_KEY: DEMO_KEY, SWITCHYARD_ADMIN_KEY: ADMIN_KEY, SWITCHYARD_SANDBOX_URL: SANDBOX,
    ACCOUNTS: {
      idFromName: (name) => ({ name, toString: () => name }),
      get(id) {
        let o = objects.get(id.name);
        if (!o) {
          o = new worker.AccountObject({ storage: { sql }, id }, env);
          objects.set(id.name, o);
        }
        return o;
      },
    },
  };
  return { handler: worker.handler, env, objects };
}

// ---- --components: the account object's ledger calls, timed by command ---------------------------
// Wraps apply/applyText of each account object's ledger (after the warm-up made them): each call
// runs synchronously in wasm, so its wall time on this thread is its CPU time (on a loaded
// machine, medians keep out the calls that were preempted).
function timeLedgerCalls(v) {
  v.calls = new Map(); // op → [µs]
  for (const o of v.objects.values()) {
    const ledger = o.ledger;
    if (!ledger || ledger.timed) continue;
    ledger.timed = true;
    for (const method of ['apply', 'applyText']) {
      const inner = ledger[method].bind(ledger);
      ledger[method] = (command, router) => {
        const op = typeof command === 'string' ? /"op":"([a-z_]+)"/.exec(command)?.[1] : command?.op;
        const t0 = performance.now();
        let result;
        try {
          result = inner(command, router);
          return result;
        } finally {
          if (v.recording && op === 'take_log' && typeof result === 'string') v.logBytes = (v.logBytes ?? 0) + result.length;
          const us = (performance.now() - t0) * 1000;
          if (v.recording) {
            if (!v.calls.has(op)) v.calls.set(op, []);
            v.calls.get(op).push(us);
          }
        }
      };
    }
  }
}

const variants = [];
for (const [i, root] of roots.entries()) variants.push({ root, ...(await loadWorker(root, i)) });

async function one(v, stream, waits) {
  const ctx = { waitUntil: (p) => { waits.push(p); }, passThroughOnException() {} };
  const request = new Request('http://worker.local/api/v1/chat/completions', {
    method: 'POST', headers: { authorization: `Bearer ${DEMO_KEY}`, 'content-type': 'application/json' },
    body: requestBody(stream),
  });
  const res = await v.handler.fetch(request, v.env, ctx);
  const text = await res.text();
  if (res.status !== 200 || (stream && !text.includes('[DONE]'))) throw new Error(`${v.root}: HTTP ${res.status} ${text.slice(0, 300)}`);
}

async function batch(v, stream, n) {
  current = v;
  const waits = [];
  let next = 0;
  const t0 = process.cpuUsage();
  await Promise.all(Array.from({ length: C }, async () => { while (next < n) { next++; await one(v, stream, waits); } }));
  await Promise.all(waits);
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / n;
}

const results = new Map();
for (const v of variants) { await batch(v, false, 200); await batch(v, true, 200); } // warm up
if (args.wasm) {
  // Buffered requests only, each variant in turn: CPU per request and the wasm calls within it.
  for (const v of variants) { v.exports = new Map(); v.cpu = []; }
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of round % 2 ? [...variants].reverse() : variants) {
      v.recording = true;
      v.cpu.push(await batch(v, false, N));
      v.recording = false;
    }
  }
  console.log(`Wasm export calls per buffered request (${ROUNDS} × ${N} requests, concurrency ${C}; load ${loadavg()[0].toFixed(2)}):`);
  for (const v of variants) {
    const n = ROUNDS * N;
    const s = [...v.cpu].sort((a, b) => a - b);
    let total = 0;
    console.log(`  ${v.root}: CPU median ${s[s.length >> 1].toFixed(0)} µs/request`);
    for (const [name, row] of [...v.exports].sort((a, b) => b[1].us - a[1].us)) {
      total += row.us;
      // The median call too: on a loaded machine it keeps out the calls that were preempted.
      const each = row.each.sort((a, b) => a - b);
      if (row.us / n >= 0.5) console.log(`    ${name.padEnd(28)} ${(row.n / n).toFixed(2)} calls/request, ${(row.us / row.n).toFixed(1)} µs/call (median ${each[each.length >> 1].toFixed(1)}), ${(row.us / n).toFixed(1)} µs/request`);
    }
    console.log(`    ${'all wasm'.padEnd(28)} ${(total / n).toFixed(1)} µs/request`);
  }
  await rm(dir, { recursive: true, force: true });
  process.exit(0);
}
if (args.components) {
  for (const v of variants) timeLedgerCalls(v);
  // Buffered requests only, each variant in turn, ROUNDS × N requests, then the tables.
  const counted = new Map(variants.map((v) => [v, 0]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of round % 2 ? [...variants].reverse() : variants) {
      v.recording = true;
      await batch(v, false, N);
      v.recording = false;
      counted.set(v, counted.get(v) + N);
    }
  }
  console.log(`The account object's ledger calls per buffered request (${ROUNDS} × ${N} requests, concurrency ${C}; load ${loadavg()[0].toFixed(2)}):`);
  for (const v of variants) {
    const n = counted.get(v);
    let total = 0;
    console.log(`  ${v.root}:`);
    for (const [op, xs] of [...v.calls].sort((a, b) => a[0].localeCompare(b[0]))) {
      const s = [...xs].sort((a, b) => a - b);
      const sum = xs.reduce((a, b) => a + b, 0);
      total += sum;
      console.log(`    ${op.padEnd(14)} ${(xs.length / n).toFixed(3)} calls/request, median ${s[s.length >> 1].toFixed(1)} µs/call, ${(sum / n).toFixed(1)} µs/request`);
    }
    console.log(`    ${'all'.padEnd(14)} ${(total / n).toFixed(1)} µs/request`);
    if (v.logBytes) console.log(`    operation log: ${(v.logBytes / n).toFixed(0)} bytes/request`);
  }
  await rm(dir, { recursive: true, force: true });
  process.exit(0);
}
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of ['buffered', 'streamed']) {
    for (const v of round % 2 ? [...variants].reverse() : variants) {
      const us = await batch(v, mode === 'streamed', N);
      const key = `${v.root} ${mode}`;
      if (!results.has(key)) results.set(key, []);
      results.get(key).push(us);
    }
  }
}
console.log(`CPU µs per request in this Node process (${N} requests x ${ROUNDS} rounds per variant, concurrency ${C}; load ${loadavg()[0].toFixed(2)}):`);
for (const [key, xs] of results) {
  const s = [...xs].sort((a, b) => a - b);
  console.log(`  ${key}: median ${s[s.length >> 1].toFixed(0)}, min ${s[0].toFixed(0)}`);
}
await rm(dir, { recursive: true, force: true });
process.exit(0);
