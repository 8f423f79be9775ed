#!/usr/bin/env node
// run.mjs: Switchyard's edge worker on this machine (`make run`), and the pieces the worker
// tests and benchmark reuse to start the same stack on free ports.
//
//   node scripts/run.mjs            builds what is missing, starts the sandbox fleet (when no
//                                   provider key is set), workerd and the routing simulator's
//                                   page (examples/simulator/), prints the demo key and
//                                   examples; Ctrl-C stops everything it started.
//   node scripts/run.mjs --rebuild   the same, after an incremental build of the WASI core.
//   node scripts/run.mjs --build-only [--wasm-out <file>]
//                                   builds the WASI core if missing (and copies it), then exits:
//                                   the `build.command` of examples/worker/wrangler.jsonc.
//
// Environment: SWITCHYARD_PORT (8787), SWITCHYARD_DATA_DIR (.data: Durable Object storage and
// the generated demo/admin keys and BYOK secret), SWITCHYARD_DEMO_KEY, SWITCHYARD_ADMIN_KEY,
// SWITCHYARD_BYOK_SECRET (generated into the data dir when unset), SWITCHYARD_SIM_PORT (8788:
// the simulator page; it needs js/dist from `make js`), SWITCHYARD_SANDBOX=1
// (sandbox fleet even with provider keys set), and per provider <PROVIDER>_API_KEY /
// <PROVIDER>_BASE_URL (names from core/data/catalog.json).
//
// Nothing here decides anything about requests: the worker (js/src/worker/) does, under workerd,
// with the configuration this script writes (build/run/config.capnp).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const WASM_PATH = join(ROOT, 'build/worker/wasm/worker/switchyard.wasm');
export const ENTRY = join(ROOT, 'examples/worker/src/index.js');
export const WORKERD_BIN = join(ROOT, 'node_modules/workerd/bin/workerd');
// The compatibility date shared by workerd (run, tests) and wrangler.jsonc (deploy); not later
// than wrangler 4.40.0's own runtime, so `wrangler dev` accepts it too.
export const COMPATIBILITY_DATE = '2025-09-01';
const KEY_PREFIX = 'sk-sy-v1-';

// ---- catalog facts the host needs (which env variable holds which provider's key) ------------

let catalogProviders;
/** [{slug, wire, api_key_env}] from core/data/catalog.json. */
export function providers() {
  if (!catalogProviders) {
    const doc = JSON.parse(readFileSync(join(ROOT, 'core/data/catalog.json'), 'utf8'));
    catalogProviders = doc.providers.map(({ slug, wire, api_key_env }) => ({ slug, wire, api_key_env }));
    catalogProviders.endpoints = doc.endpoints.map(({ model, provider }) => ({ model, provider }));
  }
  return catalogProviders;
}

/** Env variable name for a provider's base URL override: OPENAI_BASE_URL, GITHUB_MODELS_BASE_URL. */
export const baseUrlEnv = (slug) => slug.toUpperCase().replace(/[^A-Z0-9]/g, '_') + '_BASE_URL';

/** Names of the provider key variables set (non-empty) in `env`. */
export function providerKeysIn(env) {
  return providers().filter((p) => p.api_key_env && env[p.api_key_env]).map((p) => p.api_key_env);
}

// ---- build ------------------------------------------------------------------------------------

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: opts.quiet ? 'pipe' : 'inherit', encoding: 'utf8' });
  if (r.status !== 0) {
    const detail = opts.quiet ? `\n${r.stdout ?? ''}${r.stderr ?? ''}` : '';
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})${detail}`);
  }
}

/**
 * Builds the WASI core (build/worker/.../switchyard.wasm): configures build/worker if needed and
 * runs the (incremental) build when `rebuild` or when the module is missing. A failed rebuild
 * with an older module present keeps the older module, with a warning.
 */
export function ensureWasm({ quiet = false, rebuild = false } = {}) {
  const present = existsSync(WASM_PATH);
  if (present && !rebuild) return WASM_PATH;
  try {
    if (!existsSync(join(ROOT, 'build/worker/CMakeCache.txt'))) {
      if (!quiet) console.log('run: configuring the WASI core build (cmake --preset worker) ...');
      sh('cmake', ['--preset', 'worker'], { quiet: true });
    }
    if (!quiet && !present) console.log('run: building the WASI core ...');
    sh('cmake', ['--build', join(ROOT, 'build/worker'), '--target', 'switchyard_worker', '-j2'], { quiet: true });
  } catch (e) {
    if (!present) throw e;
    console.warn(`run: rebuilding the WASI core failed; using the existing ${WASM_PATH}\n${e.message.slice(-2000)}`);
  }
  if (!existsSync(WASM_PATH)) throw new Error(`the build did not produce ${WASM_PATH}`);
  return WASM_PATH;
}

/**
 * Bundles examples/worker/src/index.js (and js/src/worker/) with esbuild into `outDir`/worker.js
 * and copies the core next to it as switchyard.wasm, the module name the bundle imports.
 */
export async function bundle(outDir) {
  const { build } = await import('esbuild');
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [ENTRY],
    outfile: join(outDir, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'import'],
    alias: { 'switchyard/worker': join(ROOT, 'js/src/worker/index.js') },
    logLevel: 'error',
    plugins: [{
      // The core is a separate wasm module (Workers compile wasm only from modules): whatever
      // path the entry imports it by, the bundle imports "./switchyard.wasm".
      name: 'switchyard-wasm',
      setup(b) {
        b.onResolve({ filter: /\.wasm$/ }, () => ({ path: './switchyard.wasm', external: true }));
        b.onResolve({ filter: /^cloudflare:/ }, (a) => ({ path: a.path, external: true }));
      },
    }],
  });
  copyFileSync(ensureWasm(), join(outDir, 'switchyard.wasm'));
  return { dir: outDir, worker: join(outDir, 'worker.js'), wasm: join(outDir, 'switchyard.wasm') };
}

// ---- workerd config ---------------------------------------------------------------------------

const capnpString = (s) => JSON.stringify(String(s)); // capnp text strings use C-style escapes

/**
 * The workerd config (Cap'n Proto text). Every worker binding comes from the environment of the
 * workerd process (`fromEnvironment`), so no secret is written to disk: `bindings` lists names.
 * `isolates` > 1 adds more copies of the worker, each its own isolate on its own socket
 * ("http2", ...), sharing the first one's Durable Objects: what several Cloudflare isolates
 * serving one account look like (tests use it for health sharing).
 */
export function renderConfig({ address, dataDir, bindings, mainModule = 'worker.js', wasmModule = 'switchyard.wasm', isolates = 1 }) {
  const env = [...new Set(bindings)].sort().map(
    (name) => `    (name = ${capnpString(name)}, fromEnvironment = ${capnpString(name)}),`).join('\n');
  const modules = `  modules = [
    (name = ${capnpString(mainModule)}, esModule = embed ${capnpString(mainModule)}),
    (name = ${capnpString(wasmModule)}, wasm = embed ${capnpString(wasmModule)}),
  ],`;
  const extra = Array.from({ length: Math.max(0, isolates - 1) }, (_, i) => i + 2);
  const host = address.replace(/:\d+$/, '');
  return `# Generated by scripts/run.mjs: Switchyard's edge worker under workerd. Do not edit.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "switchyard", worker = .switchyard),
${extra.map((n) => `    (name = "switchyard${n}", worker = .switchyard${n}),`).join('\n')}
    # fetch() to providers: loopback for the sandbox fleet and local gateways, public with TLS.
    (name = "internet", network = (allow = ["public", "private", "local"],
                                   tlsOptions = (trustBrowserCas = true))),
    (name = "do-storage", disk = (path = ${capnpString(dataDir)}, writable = true)),
  ],
  sockets = [
    (name = "http", address = ${capnpString(address)}, http = (), service = "switchyard"),
${extra.map((n) => `    (name = "http${n}", address = ${capnpString(host + ':0')}, http = (), service = "switchyard${n}"),`).join('\n')}
  ],
);

const switchyard :Workerd.Worker = (
  compatibilityDate = ${capnpString(COMPATIBILITY_DATE)},
${modules}
  durableObjectNamespaces = [
    (className = "AccountObject", uniqueKey = "switchyard-account-v1", enableSql = true),
    (className = "HealthObject", uniqueKey = "switchyard-health-v1", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "do-storage"),
  globalOutbound = "internet",
  bindings = [
    (name = "ACCOUNTS", durableObjectNamespace = "AccountObject"),
    (name = "HEALTH", durableObjectNamespace = "HealthObject"),
${env}
  ],
);
${extra.map((n) => `
const switchyard${n} :Workerd.Worker = (
  compatibilityDate = ${capnpString(COMPATIBILITY_DATE)},
${modules}
  globalOutbound = "internet",
  bindings = [
    (name = "ACCOUNTS", durableObjectNamespace = (className = "AccountObject", serviceName = "switchyard")),
    (name = "HEALTH", durableObjectNamespace = (className = "HealthObject", serviceName = "switchyard")),
${env}
  ],
);
`).join('')}`;
}

/** Names of every variable the worker reads (those present in `env` are bound). */
export function workerBindings(env) {
  const names = [
    'SWITCHYARD_ADMIN_KEY', 'SWITCHYARD_DEMO_KEY', 'SWITCHYARD_DEMO_CREDITS', 'SWITCHYARD_SANDBOX_URL',
    'SWITCHYARD_CATALOG_OVERLAY', 'SWITCHYARD_MAX_BODY_BYTES', 'SWITCHYARD_CONNECT_TIMEOUT_MS',
    'SWITCHYARD_FIRST_TOKEN_TIMEOUT_MS', 'SWITCHYARD_TOTAL_TIMEOUT_MS', 'SWITCHYARD_KEEPALIVE_MS',
    'SWITCHYARD_HEALTH_SYNC_MS', 'SWITCHYARD_LEDGER_FLUSH_MS', 'SWITCHYARD_BYOK_SECRET',
    'SWITCHYARD_IDLE_TIMEOUT_MS', 'SWITCHYARD_BODY_TIMEOUT_MS', 'SWITCHYARD_MAX_RESPONSE_BYTES', 'SWITCHYARD_LEASES',
  ];
  for (const p of providers()) {
    if (p.api_key_env) names.push(p.api_key_env);
    names.push(baseUrlEnv(p.slug));
  }
  return names.filter((n) => env[n] !== undefined && env[n] !== '');
}

/**
 * Starts workerd on `config` (a file in the bundle directory). Resolves once the socket listens,
 * with {port, child, stop()}. `env` is the complete environment of the workerd process.
 */
export function startWorkerd({ configPath, env, logs = 'inherit', verbose = false, inspector = null, sockets = 1 }) {
  return new Promise((resolveStart, reject) => {
    const args = ['serve', configPath, '--control-fd=3'];
    if (verbose) args.push('--verbose');
    // For profiling (Chrome DevTools protocol), e.g. inspector: "127.0.0.1:9229".
    if (inspector) args.push(`--inspector-addr=${inspector}`);
    const child = spawn(WORKERD_BIN, args, {
      cwd: dirname(configPath),
      env,
      stdio: ['ignore', logs, logs, 'pipe'],
    });
    let settled = false;
    let stderr = '';
    if (logs === 'pipe') {
      child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-8000); if (verbose) process.stderr.write(d); });
      child.stdout.on('data', (d) => { if (verbose) process.stdout.write(d); });
    }
    const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
    };
    let control = '';
    const ports = {};
    child.stdio[3].on('data', (d) => {
      control += d;
      for (;;) {
        const nl = control.indexOf('\n');
        if (nl < 0) break;
        const line = control.slice(0, nl);
        control = control.slice(nl + 1);
        let msg;
        try { msg = JSON.parse(line); } catch { continue; }
        if (msg.event === 'listen') ports[msg.socket] = msg.port;
        if (!settled && Object.keys(ports).length >= sockets && ports.http) {
          settled = true;
          resolveStart({ port: ports.http, ports, child, stop, exited, stderr: () => stderr });
        }
      }
    });
    child.once('error', (e) => { if (!settled) { settled = true; reject(e); } });
    exited.then(({ code, signal }) => {
      if (!settled) {
        settled = true;
        reject(new Error(`workerd exited (code ${code}, signal ${signal}) before listening\n${stderr}`));
      }
    });
  });
}

// ---- keys ---------------------------------------------------------------------------------------

export const newAccountId = () => 'a' + randomBytes(8).toString('hex');
export const newKey = (accountId) => `${KEY_PREFIX}${accountId}-${randomBytes(24).toString('hex')}`;
export const isKey = (s) => /^sk-sy-v1-[a-z0-9]{1,64}-[A-Za-z0-9]{16,128}$/.test(s);

/** The value of `name` in `file`, created with `make()` on first use. */
function persisted(file, make) {
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), created: false };
  const value = make();
  writeFileSync(file, value + '\n', { mode: 0o600 });
  return { value, created: true };
}

// ---- the whole local stack ----------------------------------------------------------------------

/**
 * Builds, bundles and starts the local stack: sandbox fleet (unless provider keys are given or
 * `sandbox` is false), workerd. Used by `make run`, the tests and the benchmark.
 *
 * options: {port (0 = any), host, dataDir, bundleDir, env (provider keys, base URLs, timeouts:
 * merged over process.env when inheritEnv), inheritEnv, fleet (a running fleet to use), fleetOptions,
 * sandbox (default: when no provider key), demoKey, adminKey, logs, verbose, processEnv}
 * processEnv: variables for the workerd process only, never bound to the worker and never read
 * for provider keys (e.g. LD_PRELOAD and SY_FAKE_CLOCK_FILE of the key-limit tests' fake clock).
 */
export async function startStack(options = {}) {
  const baseEnv = options.inheritEnv === false ? {} : { ...process.env };
  const env = { ...baseEnv, ...(options.env ?? {}) };
  const dataDir = resolve(options.dataDir ?? join(ROOT, '.data'));
  const bundleDir = resolve(options.bundleDir ?? join(ROOT, 'build/run'));
  mkdirSync(join(dataDir, 'durable-objects'), { recursive: true });

  const demo = options.demoKey
    ? { value: options.demoKey, created: false }
    : env.SWITCHYARD_DEMO_KEY
      ? { value: env.SWITCHYARD_DEMO_KEY, created: false }
      : persisted(join(dataDir, 'demo-key'), () => newKey('demo'));
  if (!isKey(demo.value)) {
    throw new Error(`SWITCHYARD_DEMO_KEY must look like sk-sy-v1-<account>-<secret> ` +
                    `(account: a-z 0-9; secret: 16+ letters/digits)`);
  }
  const admin = options.adminKey
    ? { value: options.adminKey }
    : env.SWITCHYARD_ADMIN_KEY
      ? { value: env.SWITCHYARD_ADMIN_KEY }
      : persisted(join(dataDir, 'admin-key'), () => 'sy-admin-' + randomBytes(24).toString('hex'));
  env.SWITCHYARD_DEMO_KEY = demo.value;
  env.SWITCHYARD_ADMIN_KEY = admin.value;

  let keys = providerKeysIn(env);
  // SWITCHYARD_SANDBOX=1 forces the offline demo even when provider keys are in the environment
  // (a GITHUB_TOKEN or HF_TOKEN set for other reasons would otherwise select real providers).
  const useSandbox = options.sandbox ?? (env.SWITCHYARD_SANDBOX === '1' || keys.length === 0);
  if (useSandbox && keys.length) {
    for (const k of keys) delete env[k];
    keys = [];
  }
  let fleet = options.fleet ?? null;
  let ownFleet = false;
  if (useSandbox && !fleet) {
    const { startFleet } = await import(pathToFileURL(join(ROOT, 'tests/sandbox/fleet.mjs')).href);
    fleet = await startFleet({ port: options.fleetPort ?? 0, host: '127.0.0.1', ...(options.fleetOptions ?? {}) });
    ownFleet = true;
  }
  if (useSandbox) env.SWITCHYARD_SANDBOX_URL = fleet.url;
  else delete env.SWITCHYARD_SANDBOX_URL;

  let workerd;
  try {
    const b = await bundle(bundleDir);
    const configPath = join(b.dir, 'config.capnp');
    writeFileSync(configPath, renderConfig({
      address: `${options.host ?? '127.0.0.1'}:${options.port ?? 0}`,
      dataDir: join(dataDir, 'durable-objects'),
      bindings: workerBindings(env),
      isolates: options.isolates ?? 1,
    }));
    workerd = await startWorkerd({
      configPath, env: { ...env, ...(options.processEnv ?? {}) }, logs: options.logs ?? 'pipe', verbose: options.verbose, inspector: options.inspector,
      sockets: options.isolates ?? 1,
    });
  } catch (e) {
    if (ownFleet) await fleet.close();
    throw e;
  }
  const url = `http://127.0.0.1:${workerd.port}`;
  const stop = async () => {
    await workerd.stop();
    if (ownFleet) await fleet.close();
  };
  const urls = Object.entries(workerd.ports).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([, port]) => `http://127.0.0.1:${port}`);
  return {
    url, urls, port: workerd.port, fleet, sandbox: useSandbox, providerKeys: keys,
    demoKey: demo.value, demoKeyCreated: demo.created, adminKey: admin.value,
    workerd, dataDir, stop,
  };
}

/** A model the printed examples can use: served by a configured provider. */
export function exampleModel(stack) {
  if (stack.sandbox) return 'openai/gpt-4o-mini';
  const keyed = new Set(providers().filter((p) => stack.providerKeys.includes(p.api_key_env)).map((p) => p.slug));
  const preferred = ['openai/gpt-4o-mini', 'anthropic/claude-3.5-haiku', 'google/gemini-2.5-flash'];
  const served = (m) => providers().endpoints.some((e) => e.model === m && keyed.has(e.provider));
  return preferred.find(served) ?? providers().endpoints.find((e) => keyed.has(e.provider))?.model;
}

// ---- main ---------------------------------------------------------------------------------------

async function main(argv) {
  if (argv.includes('--build-only')) {
    const wasm = ensureWasm();
    const i = argv.indexOf('--wasm-out');
    if (i >= 0 && argv[i + 1]) {
      mkdirSync(dirname(resolve(argv[i + 1])), { recursive: true });
      copyFileSync(wasm, resolve(argv[i + 1]));
    }
    return;
  }
  const port = Number(process.env.SWITCHYARD_PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad SWITCHYARD_PORT ${process.env.SWITCHYARD_PORT}`);
  const simPort = Number(process.env.SWITCHYARD_SIM_PORT ?? 8788);
  if (!Number.isInteger(simPort) || simPort < 0 || simPort > 65535) throw new Error(`bad SWITCHYARD_SIM_PORT ${process.env.SWITCHYARD_SIM_PORT}`);
  const dataDir = resolve(process.env.SWITCHYARD_DATA_DIR ?? join(ROOT, '.data'));
  // Built only if missing: `make worker` (or `node scripts/run.mjs --rebuild`) refreshes it.
  ensureWasm({ rebuild: argv.includes('--rebuild') });
  // The secret users' own provider keys are encrypted under: generated once, kept beside the
  // storage it protects (a new secret would make the stored keys unreadable).
  mkdirSync(dataDir, { recursive: true });
  const byokSecret = process.env.SWITCHYARD_BYOK_SECRET
    ? null
    : persisted(join(dataDir, 'byok-secret'), () => randomBytes(32).toString('hex'));
  const stack = await startStack({
    port, dataDir, logs: 'inherit',
    ...(byokSecret ? { env: { SWITCHYARD_BYOK_SECRET: byokSecret.value } } : {}),
    // Per port, so that two local instances (or a test beside a `make run`) never share files.
    bundleDir: join(ROOT, 'build/run', String(port)),
    fleetPort: process.env.SWITCHYARD_SANDBOX_PORT ? Number(process.env.SWITCHYARD_SANDBOX_PORT) : 0,
  });
  // Whatever ends this process (an error, process.exit), workerd must not outlive it.
  process.on('exit', () => { try { stack.workerd.child.kill('SIGKILL'); } catch { /* gone */ } });
  // The simulator page: a static server in this process (it stops with it). It runs the
  // Emscripten build in the browser, so it works without the router; a busy port costs only it.
  const simulator = await startSimulatorPage(simPort, {
    sandboxUrl: stack.sandbox ? stack.fleet.url : null, workerUrl: stack.url, demoKey: stack.demoKey,
  });
  let stopping = false;
  const shutdown = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\nrun: ${signal}: stopping workerd${stack.sandbox ? ', the sandbox fleet' : ''} and the simulator page`);
    await Promise.all([stack.stop(), simulator.server?.close()]);
    process.exit(0);
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));
  stack.workerd.exited.then(({ code, signal }) => {
    if (stopping) return;
    // Ctrl-C in a terminal signals the whole process group: workerd may see it first.
    if (signal === 'SIGINT' || signal === 'SIGTERM') return shutdown(signal);
    console.error(`run: workerd exited (code ${code}, signal ${signal})`);
    Promise.all([stack.stop(), simulator.server?.close()]).finally(() => process.exit(1));
  });

  const model = exampleModel(stack);
  const base = `${stack.url}/api/v1`;
  // One real request through the printed path, so a broken setup shows here, not in a user's curl.
  let check = '';
  try {
    const r = await fetch(`${base}/chat/completions`, {
      method: 'POST',
      signal: AbortSignal.timeout(15_000),
      headers: { authorization: `Bearer ${stack.demoKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 32 }),
    });
    const body = await r.json();
    // In sandbox mode every provider (the catalog's "OpenRouter" one too) is the local fleet.
    const who = `${body.model} via provider ${body.provider}${stack.sandbox ? ' (sandbox fleet)' : ''}`;
    check = r.ok ? `ok: ${who} answered "${body.choices?.[0]?.message?.content}" (cost $${body.usage?.cost})`
                 : `FAILED: HTTP ${r.status} ${JSON.stringify(body.error ?? body)}`;
  } catch (e) {
    check = `FAILED: ${e.message}`;
  }
  const upstream = stack.sandbox
    ? `sandbox provider fleet at ${stack.fleet.url} (no provider key in the environment)`
    : `real providers: ${stack.providerKeys.join(', ')}`;
  console.log(`
Switchyard edge worker (workerd) on ${stack.url}
  upstream:   ${upstream}
  storage:    ${join(stack.dataDir, 'durable-objects')}
  demo key:   ${stack.demoKey}${stack.demoKeyCreated ? '   (new; saved in ' + join(stack.dataDir, 'demo-key') + ')' : ''}
  admin key:  in ${process.env.SWITCHYARD_ADMIN_KEY ? 'SWITCHYARD_ADMIN_KEY' : join(stack.dataDir, 'admin-key')}
  BYOK:       users' provider keys encrypted under ${byokSecret ? join(stack.dataDir, 'byok-secret') : 'SWITCHYARD_BYOK_SECRET'} (PUT /api/v1/byok/<provider>)
  self-check: ${check}
  simulator:  ${simulator.line}
  playground: ${simulator.playground}

curl ${base}/chat/completions \\
  -H "Authorization: Bearer ${stack.demoKey}" \\
  -H "Content-Type: application/json" \\
  -d '{"model": "${model}", "messages": [{"role": "user", "content": "Hello!"}]}'

# the official openai package, from this repository's directory (its node_modules has it)
node --input-type=module -e '
import OpenAI from "openai";
const client = new OpenAI({ baseURL: "${base}", apiKey: "${stack.demoKey}" });
const stream = await client.chat.completions.create({
  model: "${model}", stream: true, messages: [{ role: "user", content: "Hello!" }] });
for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? "");
console.log();'

Ctrl-C stops workerd${stack.sandbox ? ', the sandbox fleet' : ''} and the simulator page.`);
}

/**
 * Starts the routing simulator's page (examples/simulator/serve.mjs) on `port`. Returns
 * {server, line}: server null when it could not start, and the line `make run` prints for it.
 */
async function startSimulatorPage(port, playground) {
  const { startSimulatorServer, PLAYGROUND_PATH } = await import(pathToFileURL(join(ROOT, 'examples/simulator/serve.mjs')).href);
  let server;
  try {
    server = await startSimulatorServer({ port, playground });
  } catch (e) {
    const line = `not started (${e.code ?? e.message}; set SWITCHYARD_SIM_PORT to another port)`;
    return { server: null, line, playground: line };
  }
  const dist = ['switchyard.mjs', 'switchyard.wasm', 'switchyard-sim.mjs', 'switchyard-sim.wasm'].filter((f) => !existsSync(join(ROOT, 'js/dist', f)));
  const note = dist.length ? `   (js/dist/${dist.join(', ')} missing: run make js)` : '';
  return {
    server,
    line: `${server.url}   (routing simulator, in the browser)${note}`,
    playground: `${new URL(PLAYGROUND_PATH, server.url)}   (chat through the router in the page: your keys, or the sandbox)${note}`,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`run: ${e.message}`);
    process.exit(1);
  });
}
