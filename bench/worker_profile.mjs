#!/usr/bin/env node
// worker_profile.mjs: where the edge worker's CPU per request goes. Starts the sandbox fleet and
// the worker under workerd with its V8 inspector, warms up, then samples workerd's JS thread with
// the CPU profiler (Chrome DevTools protocol) while it serves requests, and prints the self time
// per request of each stage of the request (attributed by the innermost stage function on each
// sample's stack) plus workerd's whole process CPU per request from /proc.
//
//   node --experimental-websocket bench/worker_profile.mjs [--requests 2000] [--concurrency 32]
//        [--mode buffered|streamed|both] [--top 25] [--save profile.cpuprofile]
//
// The profile covers only what runs on V8's thread (JS, wasm, and workerd's native code called
// from them); workerd's own HTTP and I/O work outside JS shows as "(program)" or not at all, which
// is why the process CPU is printed next to it.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startStack } from '../scripts/run.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    mode: { type: 'string', default: 'both' },
    top: { type: 'string', default: '25' },
    save: { type: 'string' },
    // No inspector: only throughput and workerd's process CPU per request (A/B comparisons).
    'cpu-only': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
    // Print the stage table of a saved .cpuprofile (--requests: how many requests it covers).
    analyse: { type: 'string' },
  },
});
const PROFILE = !args['cpu-only'] && !args.analyse;
if (PROFILE && typeof WebSocket !== 'function') {
  console.error('run with node --experimental-websocket (Node 20) for the inspector connection');
  process.exit(2);
}
const N = Number(args.requests);
const C = Number(args.concurrency);

const freePort = () => new Promise((res, rej) => {
  const s = createServer();
  s.once('error', rej);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
});

function cpuSeconds(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

// ---- stages: the innermost of these on a sample's stack owns the sample -------------------------
// [stage, test(callFrame)]; order does not matter, the stack decides (innermost match wins).
const fn = (name) => (f) => f.functionName === name;
const STAGES = [
  ['auth', fn('authenticate')],
  ['body read', (f) => f.functionName === 'readBodyBytes' || f.functionName === 'readBodyText' || f.functionName === 'readJsonObjectText'],
  ['session open (plan)', fn('session')],
  ['lease reserve', fn('leaseReserve')],
  ['lease refill', (f) => f.functionName === 'leaseRefill' || f.functionName === 'refill'],
  ['next()', fn('next')],
  ['upstream fetch()', (f) => f.functionName === 'fetch' && !f.url],
  ['buffered read', fn('bufferedAttempt')],
  ['respond()', fn('respond')],
  ['stream loop', fn('streamedAttempt')],
  ['streamOpen()', fn('streamOpen')],
  ['streamFeed()', fn('streamFeed')],
  ['streamFinish()', fn('streamFinish')],
  ['attempt clock', fn('attemptClock')],
  ['client stream (emit/enqueue)', (f) => f.functionName === 'emit' || f.functionName === 'onBytes' || f.functionName === 'outBytes'],
  ['streamed() setup/response', fn('streamed')],
  ['buffered() / respondWith', (f) => f.functionName === 'buffered' || f.functionName === 'respondWith'],
  ['settle (isolate side)', (f) => ['account', 'leaseDone', 'settle', 'queueSettlement', 'sendSettlements', 'release', 'returnIdle', 'watchIdle'].includes(f.functionName)],
  ['health', (f) => f.functionName === 'maybeSync' || f.functionName === 'sync' || f.functionName === 'onObserved' || f.functionName === 'record'],
  ['account object (DO): settle batches, flush to SQLite', (f) => ['settleMany', '#flush', '#apply', '#persist', '#ledger', '#restore'].includes(f.functionName)],
  ['route/handler', (f) => f.functionName === 'route' || f.functionName === 'fetch' && f.lineNumber > 0 && /worker\.js$/.test(f.url ?? '') || f.functionName === 'withHeaders' || f.functionName === 'corsHeaders'],
  ['handleCompletion', fn('handleCompletion')],
];

function kindOf(f) {
  if (f.functionName.startsWith('(')) return null;
  if ((f.url ?? '').startsWith('wasm') || /^(wasm-function|js-to-wasm|wasm-to-js)/.test(f.functionName)) return 'wasm';
  if (!f.url) return 'native';
  return 'JS';
}

function analyse(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const dt = profile.timeDeltas;
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    const d = dt[i + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + d);
  }
  const stageUs = new Map(); // stage → {total, JS, wasm, native}
  const fnUs = new Map();
  let total = 0;
  for (const [id, us] of selfUs) {
    total += us;
    const leaf = nodes.get(id).callFrame;
    const kind = kindOf(leaf);
    let stage = kind === null ? leaf.functionName : null;
    if (!stage) {
      for (let at = id; at !== undefined; at = parent.get(at)) {
        const f = nodes.get(at).callFrame;
        const hit = STAGES.find(([, t]) => t(f));
        if (hit) { stage = hit[0]; break; }
      }
    }
    stage ??= 'other (runtime callbacks, promise jobs)';
    const row = stageUs.get(stage) ?? { total: 0, JS: 0, wasm: 0, native: 0 };
    row.total += us;
    if (kind) row[kind] += us;
    stageUs.set(stage, row);
    const name = `${leaf.functionName || '(anonymous)'}${kind === 'wasm' ? ' [wasm]' : ''} ${(leaf.url ?? '').split('/').pop()}:${leaf.lineNumber + 1}`;
    fnUs.set(name, (fnUs.get(name) ?? 0) + us);
  }
  return { stageUs, fnUs, total };
}

function printStages(stageUs, fnUs, n, top) {
  const per = (us) => (us / n).toFixed(1).padStart(7);
  console.log('\n  total       JS     wasm   native  (µs per request, sampled) stage');
  for (const [k, v] of [...stageUs].sort((a, b) => b[1].total - a[1].total)) {
    if (k !== '(idle)') console.log(`${per(v.total)}  ${per(v.JS)}  ${per(v.wasm)}  ${per(v.native)}  ${k}`);
  }
  const sum = { JS: 0, wasm: 0, native: 0, other: 0 };
  for (const [k, v] of stageUs) {
    if (k === '(idle)') continue;
    sum.JS += v.JS; sum.wasm += v.wasm; sum.native += v.native; sum.other += v.total - v.JS - v.wasm - v.native;
  }
  console.log(`${per(sum.JS + sum.wasm + sum.native + sum.other)}  ${per(sum.JS)}  ${per(sum.wasm)}  ${per(sum.native)}  all (other: (program), GC ${per(sum.other)})`);
  console.log('\nµs/req  function (self)');
  for (const [k, v] of [...fnUs].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${per(v)}  ${k}`);
}

if (args.analyse) {
  const { stageUs, fnUs } = analyse(JSON.parse(readFileSync(args.analyse, 'utf8')));
  printStages(stageUs, fnUs, N, Number(args.top));
  process.exit(0);
}

// ---- the run ------------------------------------------------------------------------------------

const dir = await mkdtemp(join(tmpdir(), 'sy-prof-'));
const children = [];
let stack;
try {
  const fleetPort = await freePort();
  const fleet = spawn(process.execPath, ['tests/sandbox/cli.mjs', '--port', String(fleetPort), '--no-record'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(fleet);
  await new Promise((r) => fleet.stdout.once('data', r));
  const fleetUrl = `http://127.0.0.1:${fleetPort}`;
  const inspectorPort = await freePort();
  stack = await startStack({
    dataDir: join(dir, 'data'), bundleDir: join(dir, 'bundle'), fleet: { url: fleetUrl }, sandbox: true,
    inheritEnv: false, env: { PATH: process.env.PATH, ...(process.env.SWITCHYARD_LEASES ? { SWITCHYARD_LEASES: process.env.SWITCHYARD_LEASES } : {}) },
    logs: 'pipe', inspector: PROFILE ? `127.0.0.1:${inspectorPort}` : null,
  });
  const MESSAGES = [
    { role: 'system', content: 'You are a concise assistant for a logistics company. Answer in one short paragraph, plain text, no lists. If you are unsure, say so and suggest what information would help.' },
    { role: 'user', content: 'A container left Rotterdam on Monday at 14:00 and travels at an average of 18 knots to New York, about 3,450 nautical miles away. Given typical port congestion this season, when should the consignee expect it, and what could delay it further?' },
  ];
  const body = (stream) => JSON.stringify({ model: 'openai/gpt-4o-mini', messages: MESSAGES, max_tokens: 64, provider: { only: ['openai'] }, ...(stream ? { stream: true } : {}) });
  const headers = { authorization: `Bearer ${stack.demoKey}`, 'content-type': 'application/json' };
  const once = async (stream) => {
    const res = await fetch(`${stack.url}/api/v1/chat/completions`, { method: 'POST', headers, body: body(stream) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`);
    if (stream && !text.includes('[DONE]')) throw new Error(`stream without [DONE]: ${text.slice(-300)}`);
  };
  const load = async (n, c, stream) => {
    let next = 0;
    await Promise.all(Array.from({ length: c }, async () => { while (next < n) { next++; await once(stream); } }));
  };

  let send = null;
  let ws = null;
  if (PROFILE) {
    const list = await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json();
    const target = list.find((t) => /main|switchyard|worker/i.test(t.title ?? '') || /main/.test(t.webSocketDebuggerUrl)) ?? list[0];
    ws = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise((r, j) => { ws.onopen = r; ws.onerror = j; });
    let seq = 0;
    const pending = new Map();
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.id && pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id); }
    };
    send = (method, params = {}) => new Promise((r) => { const id = ++seq; pending.set(id, r); ws.send(JSON.stringify({ id, method, params })); });
    await send('Profiler.enable');
    await send('Profiler.setSamplingInterval', { interval: 100 });
  }

  const modes = args.mode === 'both' ? ['buffered', 'streamed'] : [args.mode];
  console.error(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (let round = 0; round < Number(args.rounds); round++) for (const mode of modes) {
    const stream = mode === 'streamed';
    await load(300, C, stream); // warm up
    if (PROFILE) await send('Profiler.start');
    const cpu0 = cpuSeconds(stack.workerd.child.pid);
    const t0 = performance.now();
    await load(N, C, stream);
    const wall = performance.now() - t0;
    const cpu1 = cpuSeconds(stack.workerd.child.pid);
    const head = `${mode}: ${N} requests at c=${C}, ${(N / (wall / 1000)).toFixed(0)} req/s; workerd process CPU ${((cpu1 - cpu0) * 1e6 / N).toFixed(0)} µs/request`;
    if (!PROFILE) {
      console.log(`${head}; load ${loadavg()[0].toFixed(2)}`);
      continue;
    }
    const { result } = await send('Profiler.stop');
    if (args.save) await writeFile(`${args.save.replace(/\.cpuprofile$/, '')}-${mode}.cpuprofile`, JSON.stringify(result.profile));
    const { stageUs, fnUs, total } = analyse(result.profile);
    const idle = stageUs.get('(idle)')?.total ?? 0;
    console.log(`\n## ${head}; V8 thread sampled busy ${((total - idle) / N).toFixed(0)} µs/request; load ${loadavg()[0].toFixed(2)}`);
    printStages(stageUs, fnUs, N, Number(args.top));
  }
  ws?.close();
} finally {
  await stack?.stop();
  for (const c of children) c.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
}
