// The simulator's static server (examples/simulator/serve.mjs): what it serves, with which
// content types, and that no path leaves the four folders it serves.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { ROOT, startSimulatorServer } from '../../examples/simulator/serve.mjs';

let server;
before(async () => { server = await startSimulatorServer({ port: 0 }); });
after(async () => { await server?.close(); });

// A raw request: the path goes out exactly as written (fetch would normalise "..").
function get(path, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

// "text/html;charset=utf-8" and "text/html; charset=utf-8" are the same type.
const typeOf = (headers) => headers['content-type']?.replace(/;\s*/g, '; ');

test('the page, the package and the chart library, with their content types', async () => {
  const page = await get('/examples/simulator/');
  assert.equal(page.status, 200);
  assert.equal(typeOf(page.headers), 'text/html; charset=utf-8');
  assert.equal(page.body.toString(), readFileSync(join(ROOT, 'examples/simulator/index.html'), 'utf8'));
  for (const [path, type] of [
    ['/examples/simulator/simulator.js', 'text/javascript'],
    ['/examples/simulator/style.css', 'text/css'],
    ['/examples/simulator/scenario.json', 'application/json'],
    ['/js/src/browser.js', 'text/javascript'],
    ['/js/dist/switchyard.mjs', 'text/javascript'],
    ['/node_modules/uplot/dist/uPlot.esm.js', 'text/javascript'],
    ['/node_modules/uplot/dist/uPlot.min.css', 'text/css'],
  ]) {
    const r = await get(path);
    assert.equal(r.status, 200, path);
    assert.equal(typeOf(r.headers), type, path);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
  }
  const wasm = await get('/js/dist/switchyard.wasm?v=1');
  assert.equal(wasm.status, 200);
  assert.equal(typeOf(wasm.headers), 'application/wasm');
  assert.equal(Number(wasm.headers['content-length']), statSync(join(ROOT, 'js/dist/switchyard.wasm')).size);
  assert.ok(WebAssembly.validate(wasm.body));
});

test('redirects: the root and the page without its slash', async () => {
  for (const path of ['/', '/examples/simulator']) {
    const r = await get(path);
    assert.equal(r.status, 302, path);
    assert.equal(r.headers.location, '/examples/simulator/');
  }
});

test('nothing outside the served folders, however the path is spelled', async () => {
  const refused = [
    '/package.json', '/core/data/catalog.json', '/.data/demo-key', '/scripts/run.mjs',
    '/node_modules/playwright-core/package.json', '/node_modules/uplot/package.json',
    '/../package.json', '/js/src/../../package.json', '/examples/simulator/../../.data/demo-key',
    '/js/src/%2e%2e/%2e%2e/package.json', '/js/src/..%2f..%2fpackage.json', '/js/dist/%2E%2E%2F%2E%2E%2F.data%2Fdemo-key',
    '/js/src/..%5c..%5cpackage.json', '/js/src/browser.js%00.html', '/js/src/%E0%A4%A', '/js/srcx/browser.js',
    '/js/src/no-such-file.js', '//etc/passwd', '/js/src/worker/',
  ];
  for (const path of refused) {
    const r = await get(path);
    assert.equal(r.status, 404, `${path} answered ${r.status}`);
    assert.doesNotMatch(r.body.toString(), /"name"|sk-sy|devDependencies/);
  }
});

test('only GET and HEAD', async () => {
  const head = await get('/examples/simulator/index.html', 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  const post = await get('/examples/simulator/index.html', 'POST');
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
});
