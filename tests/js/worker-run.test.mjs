// `make run` (scripts/run.sh) offline: it starts the sandbox fleet and workerd, prints a demo key
// and a curl command that succeeds, stops everything on Ctrl-C (SIGINT), and keeps the Durable
// Object storage on disk so that a restart finds the same demo account.
// Run: node --test tests/js/worker-run.test.mjs
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { picos } from './worker-harness.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const children = new Set();
let dir;
process.on('exit', () => { for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } } });
after(async () => {
  // Gracefully (run.sh then stops workerd and the fleet), whatever state a failed test left.
  await Promise.all([...children].map((c) => stop(c)));
  if (dir) await rm(dir, { recursive: true, force: true });
});

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}

/** Starts scripts/run.sh; resolves with {child, out} once the banner is printed. */
function startRun(env) {
  return new Promise((res, rej) => {
    const child = spawn(join(ROOT, 'scripts/run.sh'), [], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    const timer = setTimeout(() => rej(new Error(`no banner within 30 s:\n${out}`)), 30_000);
    const onData = (d) => {
      out += d;
      if (out.includes('Ctrl-C stops')) { clearTimeout(timer); res({ child, out: () => out }); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => { out += d; });
    child.once('exit', (code) => { clearTimeout(timer); rej(new Error(`run.sh exited (${code}):\n${out}`)); });
  });
}

function stop(child) {
  return new Promise((res) => {
    const done = (code) => {
      children.delete(child);
      // A grandchild that outlived run.sh must not keep this process alive through the pipes.
      child.stdout.destroy();
      child.stderr.destroy();
      res(code);
    };
    if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode ?? child.signalCode);
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    child.once('exit', (code, signal) => { clearTimeout(timer); done(code ?? signal); });
    child.kill('SIGINT');
  });
}

/** Runs the printed curl command; without curl on the machine, the same request with fetch. */
async function runCurl(command) {
  const hasCurl = await promisify(execFile)('sh', ['-c', 'command -v curl']).then(() => true, () => false);
  if (hasCurl) {
    const { stdout } = await promisify(execFile)('sh', ['-c', command + ' --silent --show-error --fail-with-body']);
    return stdout;
  }
  const url = /^curl (\S+)/.exec(command)[1];
  const headers = Object.fromEntries([...command.matchAll(/-H "([^:]+): ([^"]*)"/g)].map((m) => [m[1], m[2]]));
  const data = /-d '([^']*)'/.exec(command)[1];
  const res = await fetch(url, { method: 'POST', headers, body: data });
  assert.equal(res.status, 200);
  return res.text();
}

const portOpen = (port) => fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false);

describe('make run (scripts/run.sh)', { timeout: 55_000 }, () => {
  test('offline: prints a working curl, stops on Ctrl-C, keeps its storage', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sy-run-'));
    const port = await freePort();
    let simPort = await freePort();
    while (simPort === port) simPort = await freePort();
    // A clean environment: no provider key, so the sandbox fleet is used.
    const env = {
      PATH: process.env.PATH, HOME: process.env.HOME ?? dir, SWITCHYARD_PORT: String(port),
      SWITCHYARD_SIM_PORT: String(simPort), SWITCHYARD_DATA_DIR: join(dir, 'data'),
    };

    const first = await startRun(env);
    const banner = first.out();
    assert.match(banner, /self-check: ok: \S+ via provider .+ \(sandbox fleet\) answered/);
    assert.match(banner, /sandbox provider fleet at http:\/\/127\.0\.0\.1:\d+/);
    const key = /demo key:\s+(sk-sy-v1-\S+)/.exec(banner)?.[1];
    assert.ok(key, 'the demo key is printed');
    const fleetPort = Number(/sandbox provider fleet at http:\/\/127\.0\.0\.1:(\d+)/.exec(banner)[1]);

    // The routing simulator's page, served with the package it runs.
    const simUrl = /simulator:\s+(http:\/\/\S+)/.exec(banner)?.[1];
    assert.equal(simUrl, `http://127.0.0.1:${simPort}/examples/simulator/`);
    const page = await fetch(simUrl);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Switchyard routing simulator/);
    const wasm = await fetch(new URL('/js/dist/switchyard.wasm', simUrl));
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    await wasm.arrayBuffer();

    // The printed curl command, run as printed.
    const curl = /^(curl [\s\S]*?)\n\n/m.exec(banner)?.[1];
    assert.ok(curl, 'a curl example is printed');
    const body = JSON.parse(await runCurl(curl));
    assert.equal(body.object, 'chat.completion');
    assert.match(body.choices[0].message.content, /\w+/);

    // Request-path ledger operations are committed within SWITCHYARD_LEDGER_FLUSH_MS (100 ms).
    await new Promise((r) => setTimeout(r, 400));
    const adminKey = (await readFile(join(dir, 'data', 'admin-key'), 'utf8')).trim();
    const balance = async () => (await fetch(`http://127.0.0.1:${port}/api/v1/admin/accounts/demo`, { headers: { authorization: `Bearer ${adminKey}` } })).json();
    const before = await balance();
    assert.equal(before.granted, '100');
    assert.equal(await stop(first.child), 0);
    assert.equal(await portOpen(port), false, 'workerd stopped');
    assert.equal(await portOpen(fleetPort), false, 'the sandbox fleet stopped');
    assert.equal(await portOpen(simPort), false, 'the simulator page stopped');

    // Restart on the same data directory: same demo key, and the account remembers its usage.
    const second = await startRun(env);
    try {
      assert.ok(second.out().includes(key), 'the saved demo key is reused');
      assert.ok(!second.out().includes('(new;'), 'not a new key');
      // The first run's generation, settled then, is read back from the on-disk Durable Object.
      const g = await fetch(`http://127.0.0.1:${port}/api/v1/generation?id=${body.id}`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(g.status, 200);
      assert.equal((await g.json()).data.id, body.id);
      // The whole ledger came back from snapshot + operation log, to the last digit; the only
      // change since is this run's own self-check request, charged what its banner printed.
      const selfCheck = /self-check: ok: .* \(cost \$([0-9.e-]+)\)/.exec(second.out())?.[1];
      assert.ok(selfCheck !== undefined, 'the self-check prints its cost');
      const restored = await balance();
      assert.equal(picos(restored.total_usage), picos(before.total_usage) + picos(Number(selfCheck)));
      for (const field of ['granted', 'total_credits', 'held', 'overrun', 'purchased', 'refunded']) {
        assert.equal(restored[field], before[field], field);
      }
    } finally {
      assert.equal(await stop(second.child), 0);
    }
  });
});
