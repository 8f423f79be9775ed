// The Switchyard client (js/src/client.js) in headless Chromium, calling the sandbox provider
// fleet cross-origin (the page's server and the fleet listen on different ports; the fleet
// sends the CORS headers providers send):
//   1. the package's browser entry imported by a page: a streamed chat, a fallback after an
//      injected 500, an Anthropic-wire provider (whose direct-browser-access header must pass
//      the preflight), a budget refusal — and, from the browser's own network log, every key
//      went only to its provider's origin and path; a provider that sends no CORS headers fails
//      with an error that says so, and the request falls back;
//   2. a small app bundled with esbuild (--bundle --format=esm --platform=browser
//      --conditions=browser --loader:.wasm=file), importing 'switchyard' as an npm dependency,
//      loaded in the page: it streams a chat too.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import * as esbuild from 'esbuild';

import { startFleet } from '../sandbox/fleet.mjs';
import { ROOT, openBrowser } from './browser.mjs';

const KEYS = { groq: 'key-groq-in-page-0001', deepinfra: 'key-deepinfra-in-page-0002', anthropic: 'key-anthropic-in-page-0003' };
const LLAMA = 'meta-llama/llama-3.3-70b-instruct';

let browser;
let fleet;
let site; // the pages' own server: a document served from loopback may call loopback (Chromium's
          // local network access rules treat a page.route() document as public, and refuse it)
let bundleDir;
const requests = []; // every request the page made: {url, headers}

before(async () => {
  fleet = await startFleet({ port: 0, host: '127.0.0.1' });
  browser = await openBrowser();
  browser.page.on('request', (r) => requests.push({ url: r.url(), method: r.method(), headers: r.headers() }));

  // The bundled app: 'switchyard' resolved as an installed package (node_modules/switchyard → js/).
  bundleDir = mkdtempSync(join(tmpdir(), 'switchyard-bundle-'));
  mkdirSync(join(bundleDir, 'node_modules'));
  symlinkSync(join(ROOT, 'js'), join(bundleDir, 'node_modules', 'switchyard'));
  writeFileSync(join(bundleDir, 'app.js'), `
import { Switchyard, SwitchyardError } from 'switchyard';
import wasm from 'switchyard/switchyard.wasm';

export async function chat({ keys, baseUrls, prompt }) {
  const sy = await Switchyard.create({ keys, baseUrls, wasm });
  let text = '';
  let usage = null;
  const stream = await sy.chat.completions.create({ model: '${LLAMA}', stream: true, messages: [{ role: 'user', content: prompt }] });
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, usage, isError: new SwitchyardError(402, { error: { message: 'x' } }).status };
}
`);
  site = await serve({
    '/js/src/': join(ROOT, 'js/src'), '/js/dist/': join(ROOT, 'js/dist'), '/bundle/': join(bundleDir, 'out'),
  });
  await esbuild.build({
    entryPoints: [join(bundleDir, 'app.js')], bundle: true, format: 'esm', platform: 'browser',
    conditions: ['browser'], loader: { '.wasm': 'file' }, outdir: join(bundleDir, 'out'), logLevel: 'silent',
  });
});

after(async () => {
  await browser?.close();
  await new Promise((r) => (site ? site.server.close(r) : r()));
  await fleet?.close();
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

/** A static server for the test's pages: `folders` maps URL prefixes to directories. */
function serve(folders) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/favicon.ico') { res.writeHead(204); return res.end(); }
    if (path.endsWith('.html')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<!doctype html><title>switchyard client test</title>');
    }
    const hit = Object.entries(folders).find(([prefix]) => path.startsWith(prefix));
    const rel = hit && path.slice(hit[0].length);
    if (!hit || rel.split('/').includes('..')) { res.writeHead(404); return res.end(); }
    try {
      const body = readFileSync(join(hit[1], rel));
      res.writeHead(200, { 'content-type': TYPES[rel.slice(rel.lastIndexOf('.'))] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` })));
}

const base = (slug) => `${fleet.url}/${slug}/v1`;

test('the package in a page streams a chat from the fleet cross-origin, falls back, and keeps each key on its origin', async () => {
  const { page } = browser;
  const { origin } = site;
  assert.notEqual(new URL(fleet.url).origin, origin);
  await page.goto(`${origin}/client-test.html`);
  fleet.pushFault('groq', { status: 500 });
  const out = await page.evaluate(async ({ keys, baseUrls, model }) => {
    const { Switchyard, SwitchyardError } = await import('/js/src/browser.js');
    const sy = await Switchyard.create({ keys, baseUrls, budget: { limit_usd: '0.0005' } });
    const result = {};
    // Streamed, groq first (its 500 moves the request on before any byte).
    const stream = await sy.chat.completions.create({ model, stream: true, max_tokens: 100, provider: { order: ['groq', 'deepinfra'] }, messages: [{ role: 'user', content: 'hello from a page' }] });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    result.text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    result.provider = chunks[0].provider;
    result.usage = chunks.at(-1).usage;
    result.record = sy.generations.get(stream.generationId);
    // An Anthropic-wire provider from the page.
    const m = await sy.messages.create({ model: 'anthropic/claude-haiku-4.5', max_tokens: 50, messages: [{ role: 'user', content: 'hi claude' }] });
    result.message = { type: m.type, cost: m.usage.cost };
    // The budget: a worst case beyond it is refused before any call.
    try {
      await sy.chat.completions.create({ model, max_tokens: 5000, messages: [{ role: 'user', content: 'too dear' }] });
      result.refused = null;
    } catch (e) {
      result.refused = { isSwitchyardError: e instanceof SwitchyardError, status: e.status, code: e.code };
    }
    return result;
  }, { keys: KEYS, baseUrls: { groq: base('groq'), deepinfra: base('deepinfra'), anthropic: base('anthropic') }, model: LLAMA });

  assert.equal(out.provider, 'DeepInfra');
  assert.ok(out.text.split(' ').length >= 5, out.text);
  assert.ok(out.usage.cost > 0);
  assert.equal(out.record.total_cost, out.usage.cost);
  assert.deepEqual(out.record.provider_responses.map((p) => p.provider_name), ['Groq', 'DeepInfra']);
  assert.deepEqual(out.message.type, 'message');
  assert.ok(out.message.cost > 0);
  assert.deepEqual(out.refused, { isSwitchyardError: true, status: 402, code: 'payment_required' });

  // The browser's network log: each key only in requests to its own provider at the fleet's
  // origin; none to the page's origin or anywhere else.
  const upstream = requests.filter((r) => r.url.startsWith(fleet.url) && r.method === 'POST');
  assert.deepEqual(upstream.map((r) => new URL(r.url).pathname), ['/groq/v1/chat/completions', '/deepinfra/v1/chat/completions', '/anthropic/v1/messages']);
  for (const r of requests) {
    const text = `${r.url} ${JSON.stringify(r.headers)}`;
    for (const [slug, key] of Object.entries(KEYS)) {
      if (!text.includes(key)) continue;
      assert.ok(r.url.startsWith(`${fleet.url}/${slug}/`), `the ${slug} key went to ${r.url}`);
    }
  }
  assert.equal(upstream[0].headers.authorization, `Bearer ${KEYS.groq}`);
  assert.equal(upstream[2].headers['x-api-key'], KEYS.anthropic);
  assert.equal(upstream[2].headers['anthropic-dangerous-direct-browser-access'], 'true');
  // Chromium logs the injected 500 as a failed resource; nothing else went wrong.
  assert.deepEqual(browser.errors.filter((e) => !/status of 500 .*\/groq\/v1\/chat\/completions/.test(e)), []);
  browser.errors.length = 0;
});

test('a provider that refuses cross-origin calls fails as such, and the request falls back', async () => {
  const { page } = browser;
  // A provider that answers, but without CORS headers: the page cannot read it.
  const closed = createServer((req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(req.method === 'OPTIONS' ? 204 : 200, { 'content-type': 'application/json' }); res.end('{}'); });
  });
  await new Promise((r) => closed.listen(0, '127.0.0.1', r));
  try {
    await page.goto(`${site.origin}/client-test.html`);
    const out = await page.evaluate(async ({ keys, closedBase, deepinfraBase, model }) => {
      const { Switchyard } = await import('/js/src/browser.js');
      const sy = await Switchyard.create({ keys, baseUrls: { groq: closedBase, deepinfra: deepinfraBase } });
      const r = await sy.chat.completions.create({ model, provider: { order: ['groq', 'deepinfra'] }, messages: [{ role: 'user', content: 'cors' }] });
      const record = sy.generations.get(r.id);
      let only = null;
      try {
        await sy.chat.completions.create({ model, provider: { only: ['groq'] }, messages: [{ role: 'user', content: 'cors only' }] });
      } catch (e) {
        only = { status: e.status, message: e.message };
      }
      return { provider: r.provider, attempts: record.provider_responses.map((p) => [p.provider_name, p.status]), only };
    }, { keys: { groq: KEYS.groq, deepinfra: KEYS.deepinfra }, closedBase: `http://127.0.0.1:${closed.address().port}/v1`, deepinfraBase: base('deepinfra'), model: LLAMA });
    assert.equal(out.provider, 'DeepInfra');
    assert.equal(out.attempts[0][0], 'Groq');
    assert.ok(out.only && out.only.status >= 500, JSON.stringify(out.only));
    assert.match(out.only.message, /CORS/);
  } finally {
    closed.close();
    browser.errors.length = 0; // Chromium logs the refused reads
  }
});

test('a bundled app (esbuild, browser condition, .wasm as a file) streams a chat in the page', async () => {
  const { page } = browser;
  const { origin } = site;
  const files = readdirSync(join(bundleDir, 'out'));
  assert.ok(files.some((f) => f.endsWith('.wasm')), files.join(', '));
  await page.goto(`${origin}/bundle/index.html`);
  const before = requests.length;
  const r = await page.evaluate(async ({ keys, baseUrls }) => {
    const app = await import('/bundle/app.js');
    return app.chat({ keys, baseUrls, prompt: 'hello from a bundle' });
  }, { keys: { groq: KEYS.groq }, baseUrls: { groq: base('groq') } });
  assert.ok(r.text.length > 0);
  assert.ok(r.usage.cost > 0);
  assert.equal(r.isError, 402);
  const mine = requests.slice(before);
  assert.ok(mine.some((q) => /\/bundle\/switchyard-[A-Z0-9]+\.wasm$/.test(q.url)), 'the bundled .wasm was not fetched');
  assert.ok(!mine.some((q) => q.url.includes('/js/')), 'the bundle reached into the source tree');
  assert.deepEqual(browser.errors, []);
});
