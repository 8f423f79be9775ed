// The Switchyard edge worker: an OpenRouter-compatible router on Cloudflare Workers / workerd.
// This entry only wires the artifacts together; the worker itself is js/src/worker/
// ("switchyard/worker"). wrangler.jsonc (deploy) and scripts/run.mjs (local workerd) bundle it.

// The core: the WASI build, imported as a WebAssembly.Module (Workers may not compile wasm from
// bytes at run time). `make worker` builds it.
import wasm from '../../../build/worker/wasm/worker/switchyard.wasm';
// Which provider reads which key variable: the bundler keeps only this field of the catalog
// (the catalog itself is embedded in the wasm).
import { providers } from '../../../core/data/catalog.json';
import { createWorker } from 'switchyard/worker';

const worker = createWorker({ wasm, providers });

export default worker.handler;
export const AccountObject = worker.AccountObject;
export const HealthObject = worker.HealthObject;
