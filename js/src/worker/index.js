// index.js: Switchyard's edge worker — an OpenRouter-compatible router for Cloudflare Workers and
// workerd ("switchyard/worker"). The entry module imports the WASI build of the core as a
// WebAssembly.Module and hands it over:
//
//   import wasm from './switchyard.wasm';
//   import { providers } from './catalog.json';          // only this list is bundled
//   import { createWorker } from 'switchyard/worker';
//   const worker = createWorker({ wasm, providers });
//   export default worker.handler;
//   export const { AccountObject, HealthObject } = worker;
//
// Bindings: ACCOUNTS (AccountObject, SQLite-backed), HEALTH (HealthObject), and the variables
// of config.js. Routes live under /api/v1 (and /v1): see route() below; everything else is a 404
// in the documented error shape. Every response carries X-Generation-Id and CORS headers.
import { DurableObject } from 'cloudflare:workers';
import { makeAccountObject } from './account.js';
import * as api from './api.js';
import { Authenticator } from './auth.js';
import { clientErrorBody, handleCompletion, newGenerationId } from './chat.js';
import { HealthSync, makeHealthObject } from './health.js';
import { HttpError, commonHeaders, json, preflight, toHttpError, withHeaders } from './http.js';
import { callerToken, redactConsole, requestRedactor } from './redact.js';
import { Runtime } from './runtime.js';

export { readConfig, baseUrlEnv } from './config.js';
export { parseKey, newKey, sha256Hex } from './keys.js';

/**
 * @param {{wasm: WebAssembly.Module, providers: Array<{slug, wire, api_key_env}>}} options
 * @returns {{handler: ExportedHandler, AccountObject, HealthObject}}
 */
export function createWorker({ wasm, providers }) {
  if (!(wasm instanceof WebAssembly.Module)) throw new TypeError('createWorker: wasm must be the imported WebAssembly.Module of the WASI build');
  if (!Array.isArray(providers)) throw new TypeError('createWorker: providers must be the catalog\'s providers array');
  const runtime = new Runtime(wasm, providers);
  const services = { runtime, auth: new Authenticator(runtime), health: new HealthSync(runtime) };
  redactConsole(() => runtime.config);

  const handler = {
    async fetch(request, env, ctx) {
      const genId = newGenerationId();
      const headers = commonHeaders(request, genId);
      let format = 'openai';
      try {
        if (request.method === 'OPTIONS') return withHeaders(preflight(request), { 'x-generation-id': genId });
        const url = new URL(request.url);
        const path = url.pathname.replace(/\/+$/, '') || '/';
        if (path.endsWith('/messages')) format = 'anthropic';
        const response = await route(request, url, path, env, ctx, services, genId);
        return withHeaders(response, headers, true);
      } catch (e) {
        const err = toHttpError(e);
        // Errors may quote what they were given (a key, a provider's text): redacted, like logs.
        const redactor = requestRedactor(services.runtime.config ?? null, callerToken(request), null);
        if (err.status >= 500) console.error(redactor.text(`switchyard: ${request.method} ${request.url}: ${e && e.stack ? e.stack : e}`));
        const router = format === 'anthropic' ? await services.runtime.router(env).catch(() => null) : null;
        const body = redactor.value(clientErrorBody(router, format, err.status, err.message, err.metadata));
        return json(body, err.status, { ...headers, ...err.headers });
      }
    },
  };

  return {
    handler,
    AccountObject: makeAccountObject(runtime, DurableObject),
    HealthObject: makeHealthObject(DurableObject),
  };
}

const PREFIXES = ['/api/v1', '/v1'];

async function route(request, url, fullPath, env, ctx, services, genId) {
  const prefix = PREFIXES.find((p) => fullPath === p || fullPath.startsWith(p + '/'));
  if (!prefix) throw notFound(request, fullPath);
  const path = fullPath.slice(prefix.length) || '/';
  const method = request.method;
  const config = services.runtime.settings(env);

  if (path === '/chat/completions') {
    allow(method, ['POST'], path);
    return handleCompletion(request, env, ctx, services, genId, 'openai');
  }
  if (path === '/messages') {
    allow(method, ['POST'], path);
    return handleCompletion(request, env, ctx, services, genId, 'anthropic');
  }
  if (path === '/responses') {
    allow(method, ['POST'], path);
    return handleCompletion(request, env, ctx, services, genId, 'responses');
  }
  if (path === '/embeddings') {
    allow(method, ['POST'], path);
    return handleCompletion(request, env, ctx, services, genId, 'embeddings');
  }
  if (path === '/embeddings/models') {
    // The @openrouter/sdk's embeddings.listModels: GET /models of the embeddings models.
    allow(method, ['GET'], path);
    const only = new URL(url);
    only.searchParams.set('output_modalities', 'embeddings');
    return api.listModels(only, env, services);
  }
  if (path === '/models') {
    allow(method, ['GET'], path);
    return api.listModels(url, env, services);
  }
  if (path === '/models/user') {
    allow(method, ['GET'], path);
    return api.listModelsForUser(request, url, env, services);
  }
  if (path === '/models/count') {
    allow(method, ['GET'], path);
    return api.countModels(url, env, services);
  }
  const endpoints = /^\/models\/(.+)\/endpoints$/.exec(path);
  if (endpoints) {
    allow(method, ['GET'], path);
    return api.modelEndpoints(decodeURIComponent(endpoints[1]), env, services);
  }
  const model = /^\/model\/([^/]+\/[^/]+)$/.exec(path);
  if (model) {
    allow(method, ['GET'], path);
    return api.getModel(decodeURIComponent(model[1]), env, services);
  }
  if (path === '/endpoints/zdr') {
    allow(method, ['GET'], path);
    return api.zdrEndpoints(env, services);
  }
  if (path === '/providers') {
    allow(method, ['GET'], path);
    return api.listProviders(env, services);
  }
  if (path === '/generation') {
    allow(method, ['GET'], path);
    return api.generation(request, url, env, services);
  }
  if (path === '/key' || path === '/auth/key') {
    allow(method, ['GET'], path);
    return api.keyInfo(request, env, services);
  }
  if (path === '/credits') {
    allow(method, ['GET'], path);
    return api.credits(request, env, services);
  }
  if (path === '/keys' || path.startsWith('/keys/')) {
    return api.keys(request, env, services, path === '/keys' ? '' : path.slice('/keys/'.length), config);
  }
  if (path === '/byok') {
    allow(method, ['GET'], path);
    return api.byok(request, env, services, config, null);
  }
  const byok = /^\/byok\/([^/]+)$/.exec(path);
  if (byok) {
    allow(method, ['PUT', 'DELETE'], path);
    return api.byok(request, env, services, config, decodeSegment(byok[1]));
  }
  if (path === '/admin/credits') {
    allow(method, ['POST'], path);
    return api.adminCredits(request, env, services, config);
  }
  if (path === '/admin/keys') {
    allow(method, ['POST'], path);
    return api.adminKeys(request, env, services, config);
  }
  const account = /^\/admin\/accounts\/([^/]+)$/.exec(path);
  if (account) {
    allow(method, ['GET', 'PATCH'], path);
    return method === 'GET'
      ? api.adminAccount(request, env, services, config, account[1])
      : api.adminConfigure(request, env, services, config, account[1]);
  }
  const accountByok = /^\/admin\/accounts\/([^/]+)\/byok(?:\/([^/]+))?$/.exec(path);
  if (accountByok) {
    allow(method, accountByok[2] === undefined ? ['GET'] : ['PUT', 'DELETE'], path);
    return api.adminByok(request, env, services, config, accountByok[1],
      accountByok[2] === undefined ? null : decodeSegment(accountByok[2]));
  }
  throw notFound(request, fullPath);
}

/** A path segment, percent-decoded when well-formed (else as is: the handler then rejects it). */
function decodeSegment(s) {
  try { return decodeURIComponent(s); } catch { return s; }
}

function allow(method, methods, path) {
  if (!methods.includes(method)) {
    throw new HttpError(405, `${method} is not allowed on ${path}`, undefined, { allow: methods.join(', ') });
  }
}

function notFound(request, path) {
  return new HttpError(404, `Not found: ${request.method} ${path}`);
}
