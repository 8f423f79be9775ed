// examples/worker/wrangler.jsonc is valid for `wrangler deploy`: a dry run (offline) bundles the
// worker with its Durable Objects and the wasm core, and the bundle it would upload serves a chat
// completion under workerd.
// Run: node --test tests/js/worker-deploy.test.mjs
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, renderConfig, startWorkerd, workerBindings } from '../../scripts/run.mjs';
import { startFleet } from '../sandbox/fleet.mjs';
import { DEMO_KEY } from './worker-harness.mjs';

let dir;
let fleet;
let workerd;
after(async () => {
  await workerd?.stop();
  await fleet?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('wrangler deploy --dry-run', { timeout: 55_000 }, () => {
  test('bundles the worker, its Durable Objects and the core; the bundle serves requests', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sy-deploy-'));
    const out = join(dir, 'out');
    const { stdout, stderr } = await promisify(execFile)(
      join(ROOT, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', out],
      {
        cwd: join(ROOT, 'examples/worker'),
        env: { PATH: process.env.PATH, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), WRANGLER_SEND_METRICS: 'false', CI: '1' },
        timeout: 45_000,
      });
    const log = stdout + stderr;
    assert.match(log, /--dry-run: exiting now/);
    assert.match(log, /env\.ACCOUNTS \(AccountObject\)\s+Durable Object/);
    assert.match(log, /env\.HEALTH \(HealthObject\)\s+Durable Object/);

    const files = await readdir(out);
    const wasm = files.find((f) => f.endsWith('switchyard.wasm'));
    assert.ok(wasm, 'the core is uploaded as a wasm module');
    assert.ok(files.includes('index.js'));
    const index = await readFile(join(out, 'index.js'), 'utf8');
    assert.ok(index.includes(`from "./${wasm}"`), 'the bundle imports the core as a module');
    // Of the catalog (embedded in the wasm) only the provider list is bundled into the JS.
    assert.ok(index.includes('OPENAI_API_KEY'));
    assert.ok(!index.includes('GPT-4o-mini by OpenAI'), 'no model entries in the JS bundle');
    assert.ok(index.length < 400_000, `index.js is ${index.length} bytes`);

    // The very files wrangler would upload, under workerd with the sandbox fleet upstream.
    fleet = await startFleet({ port: 0 });
    const env = {
      PATH: process.env.PATH, SWITCHYARD_SANDBOX_URL: fleet.url, SWITCHYARD_DEMO_KEY: DEMO_KEY,
    };
    await mkdir(join(dir, 'data'), { recursive: true });
    const configPath = join(out, 'config.capnp');
    await writeFile(configPath, renderConfig({
      address: '127.0.0.1:0', dataDir: join(dir, 'data'), bindings: workerBindings(env),
      mainModule: 'index.js', wasmModule: wasm,
    }));
    workerd = await startWorkerd({ configPath, env, logs: 'pipe' });
    const r = await fetch(`http://127.0.0.1:${workerd.port}/api/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], provider: { only: ['openai'] } }),
    });
    assert.equal(r.status, 200, workerd.stderr());
    const body = await r.json();
    assert.equal(body.provider, 'OpenAI');
    assert.ok(body.usage.cost > 0);
  });
});
