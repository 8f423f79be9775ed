// worker-harness.mjs: starts the edge worker under real workerd plus the sandbox provider fleet,
// on free loopback ports, for the tests/js/worker-*.test.mjs suites and bench/worker_bench.mjs.
// Each stack gets its own temporary directory (bundle, config, Durable Object storage) and is
// torn down by close(), also when the test process exits early.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startStack } from '../../scripts/run.mjs';
import { startFleet } from '../sandbox/fleet.mjs';

const live = new Set();
process.on('exit', () => {
  for (const s of live) {
    try { s.workerd.child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

export const ADMIN_KEY = 'sy-admin-test-0123456789abcdef';
export const DEMO_KEY = 'sk-sy-v1-demo-0123456789abcdef0123456789abcdef';

/**
 * Starts fleet + workerd. options.env: extra worker variables (timeouts, overlay, ...), or a
 * function of the running fleet returning them (for URLs that point at it);
 * options.processEnv: variables for the workerd process only, not the worker (LD_PRELOAD,
 * SY_FAKE_CLOCK_FILE: see worker-limits.test.mjs); options.fleetOptions: startFleet options. Returns the
 * stack plus helpers.
 */
export async function startWorker(options = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'sy-worker-'));
  const fleet = await startFleet({ port: 0, host: '127.0.0.1', ...(options.fleetOptions ?? {}) });
  let stack;
  try {
    stack = await startStack({
      dataDir: join(dir, 'data'),
      bundleDir: join(dir, 'bundle'),
      fleet,
      sandbox: options.sandbox ?? true,
      inheritEnv: false,
      env: { PATH: process.env.PATH ?? '', ...((typeof options.env === 'function' ? options.env(fleet) : options.env) ?? {}) },
      adminKey: ADMIN_KEY,
      demoKey: options.demoKey ?? DEMO_KEY,
      logs: 'pipe',
      verbose: Boolean(process.env.SY_WORKER_VERBOSE),
      isolates: options.isolates,
      processEnv: options.processEnv,
    });
  } catch (e) {
    await fleet.close();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  live.add(stack);
  // Everything workerd logs (the worker's console), for tests that inspect it.
  let logText = '';
  const keep = (d) => { logText += d; };
  stack.workerd.child.stdout?.on('data', keep);
  stack.workerd.child.stderr?.on('data', keep);
  const base = `${stack.url}/api/v1`;
  const api = {
    ...stack,
    base,
    fleet,
    dir,
    /** All of workerd's output so far (stdout and stderr). */
    logs: () => logText,
    async close() {
      live.delete(stack);
      await stack.stop();
      await fleet.close();
      await rm(dir, { recursive: true, force: true });
    },
    /** An OpenAI SDK client on the worker (no retries: the tests count requests). */
    openai(apiKey = stack.demoKey, opts = {}) {
      return new OpenAI({ apiKey, baseURL: base, maxRetries: 0, timeout: 20_000, logLevel: 'off', ...opts });
    },
    fetch(path, init = {}) {
      return fetch(base + path, init);
    },
    async json(path, { method = 'GET', key = stack.demoKey, body, headers = {} } = {}) {
      const res = await fetch(base + path, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let data;
      try { data = JSON.parse(text); } catch { data = text; }
      return { status: res.status, headers: res.headers, body: data };
    },
    /** A key made by the operator: {key, hash, account_id, data}. */
    async adminKey(fields = {}) {
      const r = await api.json('/admin/keys', { method: 'POST', key: ADMIN_KEY, body: fields });
      if (r.status !== 201) throw new Error(`admin/keys: ${r.status} ${JSON.stringify(r.body)}`);
      return { key: r.body.key, hash: r.body.data.hash, account_id: r.body.account_id, data: r.body.data };
    },
    async grant(accountId, amount, id = `grant-${Math.random().toString(36).slice(2)}`, kind = 'grant') {
      const r = await api.json('/admin/credits', { method: 'POST', key: ADMIN_KEY, body: { account_id: accountId, amount, kind, id } });
      if (r.status !== 200) throw new Error(`admin/credits: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async balance(accountId) {
      const r = await api.json(`/admin/accounts/${accountId}`, { key: ADMIN_KEY });
      if (r.status !== 200) throw new Error(`admin/accounts: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    /** GET /generation, retried briefly: settlement runs after the response (waitUntil). */
    async generation(id, key = stack.demoKey, tries = 40) {
      for (let i = 0; ; i++) {
        const r = await api.json(`/generation?id=${encodeURIComponent(id)}`, { key });
        if (r.status !== 404 || i >= tries) return r;
        await new Promise((res) => setTimeout(res, 50));
      }
    },
  };
  return api;
}

/** Polls `fn` every 20 ms until it returns something truthy (that value), or throws after `ms`. */
export async function until(fn, what, ms = 5000) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Parses an SSE body into events [{event, data, raw, comment}]. */
export function parseSse(text) {
  const out = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    if (!block.trim()) continue;
    const ev = {};
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith(':')) ev.comment = line.slice(1).trim();
      else if (line.startsWith('event: ')) ev.event = line.slice(7);
      else if (line.startsWith('data: ')) ev.raw = line.slice(6);
    }
    if (ev.raw !== undefined) {
      try { ev.data = JSON.parse(ev.raw); } catch { ev.data = undefined; }
    }
    out.push(ev);
  }
  return out;
}

export const user = (content) => [{ role: 'user', content }];

/** Exact USD decimal (string or number) → integer picodollars (BigInt). */
export function picos(usd) {
  const s = typeof usd === 'number' ? usd.toFixed(12) : String(usd);
  const neg = s.startsWith('-');
  const [i, f = ''] = (neg ? s.slice(1) : s).split('.');
  const v = BigInt(i || '0') * 10n ** 12n + BigInt((f + '000000000000').slice(0, 12));
  return neg ? -v : v;
}
