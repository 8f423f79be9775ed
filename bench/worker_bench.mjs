#!/usr/bin/env node
// worker_bench.mjs: the latency the edge worker adds over calling the provider directly, and the
// same for @portkey-ai/gateway 1.15.2, measured side by side in one run against one upstream (the
// sandbox provider fleet in its own process).
//
//   node bench/worker_bench.mjs [--requests 3000] [--concurrent-requests 2000] [--out bench/results/worker.md]
//
// Targets, each sent the same ~700-byte OpenAI chat request:
//   direct   POST <fleet>/openai/v1/chat/completions
//   worker   POST <workerd>/api/v1/chat/completions  (model openai/gpt-4o-mini, provider.only openai,
//            demo key: authentication, plan, reservation, translation, health, settlement — the
//            whole request loop, with SQLite-backed Durable Objects on local disk)
//   portkey  POST <portkey>/v1/chat/completions       (x-portkey-provider: openai,
//            x-portkey-custom-host: <fleet>/openai/v1)
// Concurrency 1: requests rotate through the targets one at a time (direct, worker, portkey,
// direct, ...), so slow phases of this shared machine hit all three alike; the added latency at
// each percentile is that percentile of the target minus the same percentile of direct.
// Streamed requests are timed to the first content delta (TTFT). Concurrency 32: each target in
// turn runs a fixed number of requests with 32 in flight, twice, alternating; the better run
// counts (throughput, p50, p99).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { copyFile } from 'node:fs/promises';
import { COMPATIBILITY_DATE, startStack, startWorkerd } from '../scripts/run.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '3000' },
    'concurrent-requests': { type: 'string', default: '2000' },
    out: { type: 'string', default: join(ROOT, 'bench/results/worker.md') },
  },
});
const N1 = Number(args.requests);
const N32 = Number(args['concurrent-requests']);

const children = new Set();
const cleanup = () => { for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } } };
process.on('exit', cleanup);
process.on('SIGINT', () => { cleanup(); process.exit(130); });

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}

function startChild(cmd, argv, { env, ready }) {
  return new Promise((res, rej) => {
    const child = spawn(cmd, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    const timer = setTimeout(() => rej(new Error(`${argv.join(' ')}: not ready in 20 s\n${out}`)), 20_000);
    const check = (d) => {
      out += d;
      if (ready(out)) { clearTimeout(timer); res(child); }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', (d) => { out += d; });
    child.once('exit', (code) => { clearTimeout(timer); rej(new Error(`${argv.join(' ')} exited (${code})\n${out}`)); });
  });
}

async function waitHttp(url) {
  for (let i = 0; i < 200; i++) {
    try { await fetch(url); return; } catch { await new Promise((r) => setTimeout(r, 50)); }
  }
  throw new Error(`${url} never answered`);
}

// ---- the request --------------------------------------------------------------------------------

const MESSAGES = [
  { role: 'system', content: 'You are a concise assistant for a logistics company. Answer in one short paragraph, plain text, no lists. If you are unsure, say so and suggest what information would help.' },
  { role: 'user', content: 'A container left Rotterdam on Monday at 14:00 and travels at an average of 18 knots to New York, about 3,450 nautical miles away. Given typical port congestion this season, when should the consignee expect it, and what could delay it further?' },
];

function targets(fleetUrl, workerUrl, portkeyUrl, demoKey, floorUrl, floorReadUrl) {
  const base = { messages: MESSAGES, max_tokens: 64 };
  const floorBody = (stream) => JSON.stringify({ model: 'gpt-4o-mini', ...base, ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) });
  return {
    floor: { url: `${floorUrl}/`, headers: { 'content-type': 'application/json' }, body: floorBody },
    floor_read: { url: `${floorReadUrl}/`, headers: { 'content-type': 'application/json' }, body: floorBody },
    direct: {
      url: `${fleetUrl}/openai/v1/chat/completions`,
      headers: { authorization: 'Bearer sk-sandbox', 'content-type': 'application/json' },
      body: (stream) => JSON.stringify({ model: 'gpt-4o-mini', ...base, ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) }),
    },
    worker: {
      url: `${workerUrl}/api/v1/chat/completions`,
      headers: { authorization: `Bearer ${demoKey}`, 'content-type': 'application/json' },
      body: (stream) => JSON.stringify({ model: 'openai/gpt-4o-mini', ...base, provider: { only: ['openai'] }, ...(stream ? { stream: true } : {}) }),
    },
    portkey: {
      url: `${portkeyUrl}/v1/chat/completions`,
      headers: {
        authorization: 'Bearer sk-sandbox', 'content-type': 'application/json',
        'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${fleetUrl}/openai/v1`,
      },
      body: (stream) => JSON.stringify({ model: 'gpt-4o-mini', ...base, ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) }),
    },
  };
}

const decoder = new TextDecoder();

/** One request; returns ms to the whole response (buffered) or to the first content (streamed). */
async function once(t, stream) {
  const body = t.body(stream);
  const t0 = performance.now();
  const res = await fetch(t.url, { method: 'POST', headers: t.headers, body });
  if (!stream) {
    const text = await res.text();
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`${t.url}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return ms;
  }
  if (res.status !== 200) throw new Error(`${t.url}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  const reader = res.body.getReader();
  let seen = '';
  let ttft = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!ttft) {
      seen += decoder.decode(value, { stream: true });
      if (/"content":"[^"]/.test(seen)) ttft = performance.now() - t0;
    }
  }
  if (!ttft) throw new Error(`${t.url}: no content in the stream`);
  return ttft;
}

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), mean: s.reduce((a, b) => a + b, 0) / s.length };
};

async function rotate(ts, names, n, stream) {
  const lat = Object.fromEntries(names.map((k) => [k, []]));
  for (let i = 0; i < n; i++) {
    for (const k of names) lat[k].push(await once(ts[k], stream));
  }
  return Object.fromEntries(names.map((k) => [k, stats(lat[k])]));
}

// CPU seconds (user + system) a process has used so far, from /proc (Linux; null elsewhere).
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').slice(readFileSync(`/proc/${pid}/stat`, 'utf8').lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return null;
  }
}

async function concurrent(t, n, c, stream) {
  const lat = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: c }, async () => {
    while (next < n) {
      next++;
      lat.push(await once(t, stream));
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  return { ...stats(lat), rps: n / seconds };
}

// ---- main ---------------------------------------------------------------------------------------

const dir = await mkdtemp(join(tmpdir(), 'sy-bench-'));
const loadBefore = loadavg()[0];
let stack;
let floor;
let floorRead;
try {
  const fleetPort = await freePort();
  await startChild(process.execPath, ['tests/sandbox/cli.mjs', '--port', String(fleetPort), '--no-record'], {
    env: { PATH: process.env.PATH }, ready: (o) => o.includes('http://'),
  });
  const fleetUrl = `http://127.0.0.1:${fleetPort}`;

  stack = await startStack({
    dataDir: join(dir, 'data'), bundleDir: join(dir, 'bundle'), fleet: { url: fleetUrl }, sandbox: true,
    // SWITCHYARD_LEASES=0 in the bench's environment runs the worker without credit leases (a
    // comparison: every request then reserves at the account object).
    inheritEnv: false, env: { PATH: process.env.PATH, ...(process.env.SWITCHYARD_LEASES ? { SWITCHYARD_LEASES: process.env.SWITCHYARD_LEASES } : {}) }, logs: 'pipe',
  });

  const portkeyPort = await freePort();
  // Portkey 1.15.2 under Node appends headers to the upstream fetch() Response, whose headers
  // Node makes immutable, so every stream fails with "TypeError: immutable"; the shim re-wraps
  // fetch responses (one Response object per call) so that Portkey streams at all.
  await startChild(process.execPath, [
    '--import', join(ROOT, 'bench/worker_bench_portkey_shim.mjs'),
    'node_modules/@portkey-ai/gateway/build/start-server.js', `--port=${portkeyPort}`, '--headless',
  ], { env: { PATH: process.env.PATH, NODE_ENV: 'production' }, ready: (o) => o.includes('Ready for connections') });
  const portkeyUrl = `http://127.0.0.1:${portkeyPort}`;
  await waitHttp(portkeyUrl);

  // The runtime floors: a pass-through Worker under the same workerd binary (no routing work),
  // and the same Worker reading both bodies in JS (READ=1: what any router must read).
  const startFloor = async (name, read) => {
    const floorDir = join(dir, name);
    mkdirSync(floorDir, { recursive: true });
    await copyFile(join(ROOT, 'bench/workerd_passthrough.js'), join(floorDir, 'worker.js'));
    await writeFile(join(floorDir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "floor", worker = .floor), (name = "internet", network = (allow = ["private", "local"])) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "floor") ],
);
const floor :Workerd.Worker = (
  compatibilityDate = "${COMPATIBILITY_DATE}",
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  globalOutbound = "internet",
  bindings = [ (name = "UPSTREAM_URL", text = "${fleetUrl}/openai/v1/chat/completions"), (name = "READ", text = "${read ? '1' : '0'}") ],
);
`);
    return startWorkerd({ configPath: join(floorDir, 'config.capnp'), env: { PATH: process.env.PATH }, logs: 'pipe' });
  };
  floor = await startFloor('floor', false);
  floorRead = await startFloor('floor-read', true);
  const floorUrl = `http://127.0.0.1:${floor.port}`;
  const floorReadUrl = `http://127.0.0.1:${floorRead.port}`;

  const ts = targets(fleetUrl, stack.url, portkeyUrl, stack.demoKey, floorUrl, floorReadUrl);
  const names = ['direct', 'floor', 'floor_read', 'worker', 'portkey'];
  console.error('warming up ...');
  await rotate(ts, names, 200, false);
  await rotate(ts, names, 100, true);

  console.error(`concurrency 1: ${N1} requests per target, buffered ...`);
  const c1 = await rotate(ts, names, N1, false);
  console.error(`concurrency 1: ${N1} requests per target, streamed ...`);
  const c1s = await rotate(ts, names, N1, true);

  const c32 = {};
  const c32s = {};
  for (const [label, out, stream] of [['buffered', c32, false], ['streamed', c32s, true]]) {
    for (let round = 0; round < 2; round++) {
      for (const k of round === 0 ? names : [...names].reverse()) {
        console.error(`concurrency 32, ${label}: ${k}, round ${round + 1} ...`);
        const pid = { worker: stack.workerd.child.pid, floor: floor.child.pid, floor_read: floorRead.child.pid }[k] ?? null;
        const cpu0 = pid ? cpuSeconds(pid) : null;
        const r = await concurrent(ts[k], N32, 32, stream);
        const cpu1 = pid ? cpuSeconds(pid) : null;
        // workerd CPU per request (ms): its user + system time over the run / requests.
        if (cpu0 !== null && cpu1 !== null) r.cpuMs = ((cpu1 - cpu0) * 1000) / N32;
        if (!out[k] || r.rps > out[k].rps) out[k] = r;
      }
    }
  }

  const f = (x) => x.toFixed(2);
  const added = (r, k, p) => f(r[k][p] - r.direct[p]);
  const cpu = (r, k) => (r[k].cpuMs != null ? `${r[k].cpuMs.toFixed(2)} ms` : 'n/a');
  const lines = [];
  lines.push('# Edge worker: added latency over a direct call');
  lines.push('');
  lines.push(`Measured by \`node bench/worker_bench.mjs\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores ` +
    `(${cpus()[0]?.model?.trim() ?? 'unknown CPU'}), Node ${process.version}, workerd from npm. The machine was shared ` +
    `(1-minute load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end, on ${cpus().length} cores), ` +
    'so absolute numbers are inflated; compare the targets of this one run with each other.');
  lines.push('Upstream: the sandbox provider fleet (its own Node process, OpenAI wire, 12-token answer, no delay). ' +
    'Each request: a ~700 B chat request (system + user message, max_tokens 64). ' +
    '`worker` is the whole request loop under workerd: key check, plan, reservation in the account\'s ' +
    'SQLite Durable Object, upstream request/response translation, health, settlement. ' +
    '`portkey` is @portkey-ai/gateway 1.15.2 on Node with `x-portkey-provider: openai` and a custom host. ' +
    '`floor` is a pass-through Worker under the same workerd (bench/workerd_passthrough.js: request in, fetch() ' +
    'to the provider, its response out, no routing): what the runtime itself adds, the least any worker can add. ' +
    '`floor_read` is the same Worker reading both bodies in JS (READ=1): the client\'s JSON parsed, the provider\'s ' +
    'answer read whole and parsed, or its stream read chunk by chunk and each chunk enqueued from JS — what any ' +
    'router must do to route on the body, translate the answer and bill its usage, with no routing logic.');
  lines.push('');
  lines.push(`## Concurrency 1 (${N1} requests per target, interleaved), milliseconds`);
  lines.push('');
  lines.push('| | direct p50 | p90 | p99 | floor added p50 | p90 | p99 | worker p50 | p90 | p99 | **worker added p50** | **p90** | **p99** | portkey p50 | p90 | p99 | **portkey added p50** | **p90** | **p99** |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [label, r] of [['buffered (whole response)', c1], ['streamed (time to first token)', c1s]]) {
    lines.push(`| ${label} | ${f(r.direct.p50)} | ${f(r.direct.p90)} | ${f(r.direct.p99)} | ${added(r, 'floor', 'p50')} | ${added(r, 'floor', 'p90')} | ${added(r, 'floor', 'p99')} | ${f(r.worker.p50)} | ${f(r.worker.p90)} | ${f(r.worker.p99)} | **${added(r, 'worker', 'p50')}** | **${added(r, 'worker', 'p90')}** | **${added(r, 'worker', 'p99')}** | ${f(r.portkey.p50)} | ${f(r.portkey.p90)} | ${f(r.portkey.p99)} | **${added(r, 'portkey', 'p50')}** | **${added(r, 'portkey', 'p90')}** | **${added(r, 'portkey', 'p99')}** |`);
  }
  lines.push('');
  lines.push(`## Concurrency 32 (${N32} requests per target, best of 2 runs)`);
  lines.push('');
  lines.push('| | direct req/s | p50 ms | p99 ms | floor req/s | worker req/s | p50 ms | p99 ms | added p99 ms | portkey req/s | p50 ms | p99 ms | added p99 ms |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [label, r] of [['buffered', c32], ['streamed (TTFT)', c32s]]) {
    lines.push(`| ${label} | ${r.direct.rps.toFixed(0)} | ${f(r.direct.p50)} | ${f(r.direct.p99)} | ${r.floor.rps.toFixed(0)} | ${r.worker.rps.toFixed(0)} | ${f(r.worker.p50)} | ${f(r.worker.p99)} | ${added(r, 'worker', 'p99')} | ${r.portkey.rps.toFixed(0)} | ${f(r.portkey.p50)} | ${f(r.portkey.p99)} | ${added(r, 'portkey', 'p99')} |`);
  }
  lines.push('');
  lines.push('## The two runtime floors');
  lines.push('');
  lines.push('| | floor added p50 / p99 at c=1 (ms) | floor_read added p50 / p99 | c=32 req/s floor / floor_read | workerd CPU per request, floor / floor_read (c=32) |');
  lines.push('|---|---|---|---|---|');
  for (const [label, a, b] of [['buffered', c1, c32], ['streamed (TTFT)', c1s, c32s]]) {
    lines.push(`| ${label} | ${added(a, 'floor', 'p50')} / ${added(a, 'floor', 'p99')} | ${added(a, 'floor_read', 'p50')} / ${added(a, 'floor_read', 'p99')} | ${b.floor.rps.toFixed(0)} / ${b.floor_read.rps.toFixed(0)} | ${cpu(b, 'floor')} / ${cpu(b, 'floor_read')} |`);
  }
  lines.push('');
  lines.push('## Against the targets (issue 16), this run');
  lines.push('');
  const over = (r, p, floorName = 'floor') => r.worker[p] - r[floorName][p];
  const pct = (a, b) => `${((100 * a) / b).toFixed(0)}%`;
  lines.push('| target | buffered | streamed | met? |');
  lines.push('|---|---|---|---|');
  const met = (b) => (b ? 'yes' : 'no');
  lines.push(`| worker over the floor at c=1, p50 ≤ 0.25 ms | ${f(over(c1, 'p50'))} ms | ${f(over(c1s, 'p50'))} ms | ${met(over(c1, 'p50') <= 0.25 && over(c1s, 'p50') <= 0.25)} |`);
  lines.push(`| worker over the floor at c=1, p99 ≤ 0.5 ms | ${f(over(c1, 'p99'))} ms | ${f(over(c1s, 'p99'))} ms | ${met(over(c1, 'p99') <= 0.5 && over(c1s, 'p99') <= 0.5)} |`);
  lines.push(`| c=32 throughput ≥ 75% of the floor | ${pct(c32.worker.rps, c32.floor.rps)} | ${pct(c32s.worker.rps, c32s.floor.rps)} | ${met(c32.worker.rps >= 0.75 * c32.floor.rps && c32s.worker.rps >= 0.75 * c32s.floor.rps)} |`);
  lines.push(`| c=32 throughput ≥ 2× Portkey | ${(c32.worker.rps / c32.portkey.rps).toFixed(2)}× | ${(c32s.worker.rps / c32s.portkey.rps).toFixed(2)}× | ${met(c32.worker.rps >= 2 * c32.portkey.rps && c32s.worker.rps >= 2 * c32s.portkey.rps)} |`);
  lines.push(`| workerd CPU per buffered request ≤ 0.4 ms (c=32 run: process CPU / requests) | worker ${cpu(c32, 'worker')}, floor ${cpu(c32, 'floor')} | worker ${cpu(c32s, 'worker')}, floor ${cpu(c32s, 'floor')} | ${met(c32.worker.cpuMs != null && c32.worker.cpuMs <= 0.4)} |`);
  lines.push('');
  lines.push('The same measures over the reading floor (`floor_read`), for context; the targets above are the issue\'s:');
  lines.push('');
  lines.push('| | buffered | streamed |');
  lines.push('|---|---|---|');
  lines.push(`| worker over floor_read at c=1, p50 / p99 | ${f(over(c1, 'p50', 'floor_read'))} / ${f(over(c1, 'p99', 'floor_read'))} ms | ${f(over(c1s, 'p50', 'floor_read'))} / ${f(over(c1s, 'p99', 'floor_read'))} ms |`);
  lines.push(`| c=32 throughput, of floor_read's | ${pct(c32.worker.rps, c32.floor_read.rps)} | ${pct(c32s.worker.rps, c32s.floor_read.rps)} |`);
  lines.push(`| workerd CPU per request over floor_read's (c=32) | ${c32.worker.cpuMs != null && c32.floor_read.cpuMs != null ? f(c32.worker.cpuMs - c32.floor_read.cpuMs) : 'n/a'} ms | ${c32s.worker.cpuMs != null && c32s.floor_read.cpuMs != null ? f(c32s.worker.cpuMs - c32s.floor_read.cpuMs) : 'n/a'} ms |`);
  lines.push('');
  lines.push('Notes:');
  lines.push('- All processes (client, fleet, workerd, Portkey) share the same cores, so at concurrency 32 ' +
    'throughput is bounded by the machine, not by any one target; the direct row is the ceiling. ' +
    'workerd runs the worker and both Durable Objects on one thread; Portkey is one Node process.');
  lines.push('- Portkey 1.15.2 on Node fails every streamed request (`TypeError: immutable`: it appends ' +
    'headers to the Response that `fetch()` returned). The benchmark loads `bench/worker_bench_portkey_shim.mjs` ' +
    'into its process, which re-wraps each upstream response so that Portkey streams at all. Its streamed ' +
    'answers then arrive as one chunk some 20-30 ms after the request, so its TTFT is close to its whole-stream time.');
  lines.push('- The worker commits request-path ledger operations in batches (SWITCHYARD_LEDGER_FLUSH_MS, 100 ms): ' +
    'a SQLite commit per request would put a disk flush on every request\'s critical path.');
  const md = lines.join('\n') + '\n';
  await writeFile(args.out, md);
  process.stdout.write(md);
} finally {
  await stack?.stop();
  await floor?.stop();
  await floorRead?.stop();
  cleanup();
  await rm(dir, { recursive: true, force: true });
}
