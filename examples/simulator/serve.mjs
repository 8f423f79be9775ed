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
// Everything else is a 404; paths are decoded and normalised before the check, so `..` and
// its encodings cannot leave those folders. .wasm goes out as application/wasm, which lets the
// browser compile it while it downloads (WebAssembly.instantiateStreaming).
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, posix, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const PAGE_PATH = '/examples/simulator/';

// URL prefixes and the repository folders they map to (the same relative path).
const SERVED = ['examples/simulator/', 'js/src/', 'js/dist/', 'node_modules/uplot/dist/'];

const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/**
 * The absolute file path a URL path names, or null when it names nothing servable.
 * `urlPath` is the raw request path (percent-encoded, without the query).
 */
export function resolvePath(urlPath, root = ROOT) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;  // malformed percent-encoding
  }
  if (decoded.includes('\0') || decoded.includes('\\') || !decoded.startsWith('/')) return null;
  const normal = posix.normalize(decoded);
  // A path that normalises differently was trying something ("/js/src/../../etc"): refuse it
  // rather than serve whatever it lands on.
  if (normal !== decoded || normal.split('/').includes('..')) return null;
  const relative = normal.slice(1);
  const prefix = SERVED.find((p) => relative.startsWith(p));
  if (!prefix) return null;
  const file = resolve(root, relative);
  const base = resolve(root, prefix);
  if (file !== base && !file.startsWith(base + sep)) return null;
  return file;
}

async function handle(request, response, root) {
  const headers = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };
  const send = (status, text, extra = {}) => {
    response.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8', ...extra });
    response.end(request.method === 'HEAD' ? undefined : text);
  };
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return send(405, 'method not allowed\n', { allow: 'GET, HEAD' });
  }
  const path = (request.url ?? '/').split('?')[0].split('#')[0];
  if (path === '/' || path === '/examples/simulator') {
    return send(302, `see ${PAGE_PATH}\n`, { location: PAGE_PATH });
  }
  let file = resolvePath(path, root);
  if (!file) return send(404, 'not found\n');
  let info;
  try {
    info = await stat(file);
    if (info.isDirectory()) {
      if (!path.endsWith('/')) return send(301, `see ${path}/\n`, { location: `${path}/` });
      file = join(file, 'index.html');
      info = await stat(file);
    }
    // A symbolic link must not lead out of the served folders either.
    const real = await realpath(file);
    const realRoot = await realpath(root);
    if (!SERVED.some((p) => real.startsWith(join(realRoot, p)))) return send(404, 'not found\n');
  } catch {
    return send(404, 'not found\n');
  }
  if (!info.isFile()) return send(404, 'not found\n');
  const type = MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  response.writeHead(200, { ...headers, 'content-type': type, 'content-length': info.size });
  if (request.method === 'HEAD') return response.end();
  createReadStream(file).on('error', () => response.destroy()).pipe(response);
}

/**
 * Starts the server; resolves with {url, port, server, close()} once it listens.
 * options: {port (0 = any free port; default 8788), host (default 127.0.0.1), root}
 */
export function startSimulatorServer({ port = 8788, host = '127.0.0.1', root = ROOT } = {}) {
  const server = createServer((request, response) => {
    handle(request, response, root).catch(() => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('internal error\n');
    });
  });
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
