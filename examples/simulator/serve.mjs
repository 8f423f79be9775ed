#!/usr/bin/env node
// serve.mjs: a small static file server for the simulator page, with nothing but Node's http.
//
//   node examples/simulator/serve.mjs [--port 8788] [--host 127.0.0.1]
//   then open http://127.0.0.1:8788/   (`make run` starts it too, on SWITCHYARD_SIM_PORT)
//
// It serves four folders of the repository under their own paths, so the page's relative
// imports are the same as in the source tree (and any static server rooted at the repository
// would do as well):
//   /examples/simulator/   the page
//   /js/src/, /js/dist/    the npm package: its browser entry and the Emscripten build
//   /node_modules/uplot/dist/   the charting library
// Each folder is served by sirv (content types, HEAD, conditional requests, and no path that
// leaves its folder); everything else is a 404. .wasm goes out as application/wasm, which lets
// the browser compile it while it downloads (WebAssembly.instantiateStreaming).
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import sirv from 'sirv';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const PAGE_PATH = '/examples/simulator/';

// URL prefixes and the repository folders they map to (the same relative path).
const SERVED = ['examples/simulator/', 'examples/playground/', 'js/src/', 'js/dist/', 'node_modules/uplot/dist/'];
export const PLAYGROUND_PATH = '/examples/playground/';

// `playground`: what the playground page learns from /examples/playground/config.json (the
// sandbox fleet's URL, the local worker's URL and demo key), or null (404: real providers only).
function handler(root, playground) {
  const folders = SERVED.map((prefix) => [`/${prefix}`, sirv(join(root, prefix), {
    dev: true,  // read the files on each request: `make js` may rebuild js/dist while it runs
    dotfiles: false,
    setHeaders: (response) => {
      response.setHeader('x-content-type-options', 'nosniff');
      response.setHeader('cache-control', 'no-store');
    },
  })]);
  return (request, response) => {
    const send = (status, text, headers = {}) => {
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      response.end(request.method === 'HEAD' ? undefined : text);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return send(405, 'method not allowed\n', { allow: 'GET, HEAD' });
    }
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/' || path === '/examples/simulator') {
      return send(302, `see ${PAGE_PATH}\n`, { location: PAGE_PATH });
    }
    // NUL bytes and backslashes (raw or encoded) name no file here; refuse them before any
    // file-system call sees them.
    if (/%00|%5c|\\|\0/i.test(path)) return send(404, 'not found\n');
    if (path === `${PLAYGROUND_PATH}config.json`) {
      if (!playground) return send(404, 'not found\n');
      return send(200, JSON.stringify(playground), { 'content-type': 'application/json', 'cache-control': 'no-store' });
    }
    const folder = folders.find(([prefix]) => path.startsWith(prefix));
    if (!folder) return send(404, 'not found\n');
    const [prefix, serve] = folder;
    request.url = request.url.slice(prefix.length - 1);  // the path inside the folder, from "/"
    serve(request, response, () => send(404, 'not found\n'));
  };
}

/**
 * Starts the server; resolves with {url, port, server, close()} once it listens.
 * options: {port (0 = any free port; default 8788), host (default 127.0.0.1), root}
 */
export function startSimulatorServer({ port = 8788, host = '127.0.0.1', root = ROOT, playground = null } = {}) {
  const server = createServer(handler(root, playground));
  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const actual = server.address().port;
      const shown = host.includes(':') ? `[${host}]` : host;
      resolveStart({
        url: `http://${shown}:${actual}${PAGE_PATH}`,
        port: actual,
        server,
        close: () => new Promise((r) => {
          server.closeAllConnections?.();
          server.close(() => r());
        }),
      });
    });
  });
}

function argument(argv, name, fallback) {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const argv = process.argv.slice(2);
  const port = Number(argument(argv, '--port', process.env.SWITCHYARD_SIM_PORT ?? 8788));
  const host = argument(argv, '--host', '127.0.0.1');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: bad port ${port}`);
    process.exit(1);
  }
  const { url } = await startSimulatorServer({ port, host });
  console.log(`Switchyard routing simulator on ${url}  (Ctrl-C stops it)`);
}
