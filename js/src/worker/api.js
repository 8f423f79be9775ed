// api.js: the endpoints other than the two completion routes — the catalog reads (/models,
// /models/{id}/endpoints, /providers), the caller's own records (/key, /generation), the
// management API (/credits, /keys, /byok) and the operator API (/admin/...).
//
// Bodies come from the core (catalog rendering, the ledger's key/credit/generation renderings);
// this file authenticates, picks the account's Durable Object and maps {status, body} results to
// responses.
import { HttpError, json, readJsonObject } from './http.js';
import { isAccountId, keyLabel, newAccountId, newKey, secretEquals, sha256Hex, bearer } from './keys.js';
import { Authenticator } from './auth.js';
import { keyLabel as byokLabel, keyProblem, sealKey, secretId, secretProblem } from './byok.js';

const ADMIN_BODY_LIMIT = 64 * 1024;

/** A DO result {status, body} as a Response, or an HttpError for failures. */
function reply(r, okStatus = 200) {
  if (r.status === 200) return json(r.body, okStatus);
  const e = r.body?.error ?? {};
  throw new HttpError(r.status, e.message ?? 'error', e.metadata);
}

// ---- catalog -----------------------------------------------------------------------------------

// The catalog does not change while a router lives (the overlay is fixed by env), so rendered
// bodies are cached per router: GET /models renders hundreds of models.
const rendered = new WeakMap(); // router → Map(cache key → JSON text)

function cachedBody(router, key, render) {
  let m = rendered.get(router);
  if (!m) rendered.set(router, (m = new Map()));
  let text = m.get(key);
  if (text === undefined) {
    text = JSON.stringify(render());
    if (m.size < 256) m.set(key, text);
  }
  return new Response(text, { headers: { 'content-type': 'application/json' } });
}

function modelsQuery(url, names) {
  const q = {};
  for (const name of names) {
    const v = url.searchParams.get(name);
    if (v !== null && v !== '') q[name] = v;
  }
  return q;
}

/** ?offset= / ?limit=: a non-negative integer, or undefined when absent. */
function pageParam(url, name) {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return undefined;
  if (!/^\d{1,9}$/.test(v)) throw new HttpError(400, `${name} must be a non-negative integer`, { field: name });
  return Number(v);
}

/**
 * GET /models: the core's list ({data}) as OpenRouter pages it: {data, links: {next},
 * total_count}. Without ?offset= / ?limit= one page holds every model (links.next null); with
 * them (OpenRouter's SDK pages with limit), links.next names the following page.
 */
export async function listModels(url, env, services) {
  const router = await services.runtime.router(env);
  const q = modelsQuery(url, ['supported_parameters', 'input_modalities', 'output_modalities', 'category']);
  const offset = pageParam(url, 'offset') ?? 0;
  const limit = pageParam(url, 'limit');
  return cachedBody(router, `models:${JSON.stringify(q)}:${offset}:${limit}`, () => modelsPage(router.models(q).data, url, offset, limit));
}

/**
 * GET /models/user: GET /models as the caller's account policy narrows it (allowed models and
 * providers, ignored providers, zero retention, data collection): the entries a request of this
 * key can reach, each with at least one endpoint the policy admits. Same filters and paging.
 */
export async function listModelsForUser(request, url, env, services) {
  const caller = await services.auth.authenticate(request, env, 'any');
  const router = await services.runtime.router(env);
  const q = modelsQuery(url, ['supported_parameters', 'input_modalities', 'output_modalities', 'category']);
  const offset = pageParam(url, 'offset') ?? 0;
  const limit = pageParam(url, 'limit');
  return json(modelsPage(router.models({ ...q, context: caller.context ?? {} }).data, url, offset, limit));
}

/** One page of a models list as OpenRouter pages it: {data, links: {next}, total_count}. */
function modelsPage(all, url, offset, limit) {
  const end = limit === undefined ? all.length : Math.min(all.length, offset + limit);
  let next = null;
  if (end < all.length) {
    const u = new URL(url.pathname, 'http://x');
    for (const [k, v] of url.searchParams) if (k !== 'offset') u.searchParams.append(k, v);
    u.searchParams.set('offset', String(end));
    next = u.pathname + u.search;
  }
  const data = offset === 0 && end === all.length ? all : all.slice(offset, end);
  return { data, links: { next }, total_count: all.length };
}

/** GET /models/count: how many models GET /models lists for the same output_modalities. */
export async function countModels(url, env, services) {
  const router = await services.runtime.router(env);
  const q = modelsQuery(url, ['output_modalities']);
  return cachedBody(router, `count:${JSON.stringify(q)}`, () => ({ data: { count: router.models(q).data.length } }));
}

/**
 * GET /model/{author}/{slug}: one entry of GET /models ({data: <model>}), by id (`<id>:free` for a
 * free entry) or canonical slug; 404 when /models does not list it.
 */
export async function getModel(id, env, services) {
  const router = await services.runtime.router(env);
  const all = cachedModels(router);
  const found = all.find((m) => m.id === id) ?? all.find((m) => m.canonical_slug === id);
  if (!found) throw new HttpError(404, `model ${id.slice(0, 200)} not found`, { model: id.slice(0, 200) });
  return json({ data: found });
}

/** The unfiltered /models list of this router, computed once per catalog. */
function cachedModels(router) {
  let cache = modelsByRouter.get(router);
  if (!cache) modelsByRouter.set(router, (cache = router.models({}).data));
  return cache;
}
const modelsByRouter = new WeakMap();

/** GET /endpoints/zdr: every zero-data-retention endpoint. Not cached: it carries live health. */
export async function zdrEndpoints(env, services) {
  const router = await services.runtime.router(env);
  return json(router.zdrEndpoints(Date.now()));
}

export async function modelEndpoints(model, env, services) {
  const router = await services.runtime.router(env);
  // Not cached: it carries live health.
  return json(router.endpoints(model, Date.now()));
}

export async function listProviders(env, services) {
  const router = await services.runtime.router(env);
  return cachedBody(router, 'providers', () => router.providers());
}

// ---- the caller's own ----------------------------------------------------------------------------

// Fields of OpenRouter's /key and /generation schemas (its SDK requires them) that are constants
// for Switchyard, added here rather than by the core: they carry no data, the wasm builds have a
// size budget, and generation records stored before a field existed get it too. A value the
// core renders wins over these.
const KEY_INFO_CONSTANTS = Object.freeze({
  creator_user_id: null, // no users or organizations: keys belong to the account
  organization_id: null,
  allowed_data_regions: ['global'], // no regional routing: any endpoint of the catalog may serve
  free_model_daily_requests: { limit: 0, remaining: 0, used: 0 }, // no free-model quota is kept
  rate_limit: { requests: -1, interval: '', note: '' }, // legacy; OpenRouter's is -1 too
});
const GENERATION_CONSTANTS = Object.freeze({
  data_region: 'global',
  router: null,
  preset_id: null,
  service_tier: null,
  upstream_id: null,
  user_agent: null,
  moderation_latency: null,
  web_search_engine: null,
  num_search_results: null,
  num_fetches: null,
  num_media_completion: null,
  num_input_audio_prompt: null,
  native_tokens_completion_images: null,
});

function withConstants(r, constants) {
  if (r.status === 200 && r.body?.data) r.body.data = { ...constants, ...r.body.data };
  return r;
}

export async function keyInfo(request, env, services) {
  const caller = await services.auth.authenticate(request, env, 'any');
  return reply(withConstants(await caller.stub.keyInfo(caller.keyHash), KEY_INFO_CONSTANTS));
}

export async function generation(request, url, env, services) {
  const id = url.searchParams.get('id');
  if (!id) throw new HttpError(400, 'id (a generation id) is required', { field: 'id' });
  const caller = await services.auth.authenticate(request, env, 'any');
  return reply(withConstants(await caller.stub.generation(id), GENERATION_CONSTANTS));
}

// ---- management (management keys only) -----------------------------------------------------------

export async function credits(request, env, services) {
  const caller = await services.auth.authenticate(request, env, 'management');
  return reply(await caller.stub.credits());
}

const KEY_FIELDS = ['name', 'limit', 'limit_reset', 'include_byok_in_limit', 'expires_at', 'workspace_id', 'disabled'];

function keyFields(body, allowed = KEY_FIELDS) {
  const out = {};
  for (const f of allowed) if (body[f] !== undefined) out[f] = body[f];
  // Keys outside every workspace show workspace_id "" (a string, as OpenRouter's schema wants):
  // sent back, it means the same.
  if (out.workspace_id === '') out.workspace_id = null;
  return out;
}

/** Creates a key in `stub`'s account: the secret is made here and returned once. */
async function createKeyIn(stub, accountId, fields) {
  const key = newKey(accountId);
  const hash = await sha256Hex(key);
  const r = await stub.createKey({ ...fields, hash, label: keyLabel(key) }, accountId);
  if (r.status !== 200) return r;
  return { status: 200, body: { data: r.body.data ?? r.body, key } };
}

export async function keys(request, env, services, rest, config) {
  const caller = await services.auth.authenticate(request, env, 'management');
  const method = request.method;
  if (rest === '') {
    if (method === 'GET') {
      const url = new URL(request.url);
      return reply(await caller.stub.listKeys(url.searchParams.get('include_disabled') === 'true'));
    }
    if (method === 'POST') {
      const { value } = await readJsonObject(request, config.maxBodyBytes);
      if (typeof value.name !== 'string' || value.name === '') {
        throw new HttpError(400, 'name (a string) is required', { field: 'name' });
      }
      // A management key creates inference keys; management keys come from the operator.
      return reply(await createKeyIn(caller.stub, caller.accountId, keyFields(value)), 201);
    }
    throw new HttpError(405, `${method} is not allowed on /keys`);
  }
  const hash = decodeURIComponent(rest);
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new HttpError(404, `key ${hash} not found`);
  if (method === 'GET') return reply(await caller.stub.getKey(hash));
  if (method === 'PATCH') {
    const { value } = await readJsonObject(request, config.maxBodyBytes);
    const r = await caller.stub.updateKey(hash, keyFields(value));
    services.auth.forget(hash);
    return reply(r);
  }
  if (method === 'DELETE') {
    const r = await caller.stub.deleteKey(hash);
    services.auth.forget(hash);
    if (r.status !== 200) return reply(r);
    return json({ deleted: true });
  }
  throw new HttpError(405, `${method} is not allowed on /keys/{hash}`);
}

// ---- BYOK: the account's own provider keys (management keys; the operator per account) ------------

/**
 * GET /byok, PUT /byok/{provider} {"key"}, DELETE /byok/{provider} for the account whose object
 * is `stub`. The key is encrypted here (byok.js) before it goes to the object; listings show only
 * a label. Every change also sets the ledger policy's byok_providers (committed before the reply)
 * and drops this isolate's cached authentications of the account (other isolates: within 5 s).
 */
async function byokIn(request, services, config, stub, accountId, provider) {
  const problem = secretProblem(config.byokSecret);
  if (problem) throw new HttpError(503, problem);
  const method = request.method;
  if (provider === null) {
    const r = await stub.listByok();
    if (r.status !== 200) return reply(r);
    const kid = await secretId(config.byokSecret);
    return json({ data: r.body.data.map((e) => byokView(e, kid)) });
  }
  if (!config.providerSlugs.has(provider)) {
    throw new HttpError(400, `provider must be a provider slug of the catalog (GET /api/v1/providers); got ${JSON.stringify(provider.slice(0, 64))}`, { field: 'provider' });
  }
  if (method === 'PUT') {
    const { value } = await readJsonObject(request, BYOK_BODY_LIMIT);
    const why = keyProblem(value.key);
    if (why) throw new HttpError(400, why, { field: 'key' });
    const sealed = await sealKey(config.byokSecret, accountId, provider, value.key);
    const r = await stub.putByok(provider, sealed, byokLabel(value.key));
    services.auth.forgetAccount(accountId);
    if (r.status !== 200) return reply(r);
    return json({ data: byokView(r.body.data, sealed.kid) });
  }
  const r = await stub.deleteByok(provider);
  services.auth.forgetAccount(accountId);
  return reply(r);
}

const BYOK_BODY_LIMIT = 16 * 1024;

// An entry as the API shows it: `usable` is false for a key stored under a previous secret.
function byokView(e, kid) {
  return { provider: e.provider, label: e.label, created_at: e.created_at, updated_at: e.updated_at, usable: e.kid === kid };
}

/** /byok and /byok/{provider} (provider null for the collection), with a management key. */
export async function byok(request, env, services, config, provider) {
  const caller = await services.auth.authenticate(request, env, 'management');
  return byokIn(request, services, config, caller.stub, caller.accountId, provider);
}

/** /admin/accounts/{id}/byok[/{provider}]: the same for the operator. */
export async function adminByok(request, env, services, config, accountId, provider) {
  await requireAdmin(request, config);
  const stub = Authenticator.stub(env, requireAccount(accountId));
  try {
    return await byokIn(request, services, config, stub, accountId, provider);
  } catch (e) {
    if (e instanceof HttpError && e.status === 401) throw new HttpError(404, `account ${accountId} not found`);
    throw e;
  }
}

// ---- operator (SWITCHYARD_ADMIN_KEY) --------------------------------------------------------------

async function requireAdmin(request, config) {
  if (!config.adminKey) throw new HttpError(403, 'the admin API is disabled (SWITCHYARD_ADMIN_KEY is not set)');
  const token = bearer(request);
  if (!token || !(await secretEquals(token, config.adminKey))) throw new HttpError(401, 'Invalid admin key');
}

function requireAccount(id) {
  if (!isAccountId(id)) throw new HttpError(400, 'account_id must be 1-64 characters a-z, 0-9', { field: 'account_id' });
  return id;
}

/**
 * POST /admin/credits {account_id, amount, kind: grant|purchase|refund, id, note?}: a purchase
 * is what the customer paid (the platform fee is deducted), a grant is credited as is. `id`
 * makes it idempotent.
 */
export async function adminCredits(request, env, services, config) {
  await requireAdmin(request, config);
  const { value } = await readJsonObject(request, ADMIN_BODY_LIMIT);
  const accountId = requireAccount(value.account_id);
  const kind = value.kind ?? 'grant';
  if (!['grant', 'purchase', 'refund'].includes(kind)) throw new HttpError(400, 'kind must be grant, purchase or refund', { field: 'kind' });
  if (typeof value.id !== 'string' || value.id === '') throw new HttpError(400, 'id (an idempotency id) is required', { field: 'id' });
  if (value.amount === undefined) throw new HttpError(400, 'amount (USD) is required', { field: 'amount' });
  const stub = Authenticator.stub(env, accountId);
  return reply(await stub.movement(kind, value.id, value.amount, typeof value.note === 'string' ? value.note : undefined));
}

/**
 * POST /admin/keys {account_id?, name, management?, limit?, ...}: a key in an account (a new
 * account when account_id is absent). Returns {data, key, account_id}; the key is shown once.
 */
export async function adminKeys(request, env, services, config) {
  await requireAdmin(request, config);
  const { value } = await readJsonObject(request, ADMIN_BODY_LIMIT);
  const accountId = value.account_id === undefined ? newAccountId() : requireAccount(value.account_id);
  const fields = keyFields(value);
  if (fields.name === undefined) fields.name = value.management ? 'Management key' : 'API key';
  if (value.management === true) fields.management = true;
  const stub = Authenticator.stub(env, accountId);
  const r = await createKeyIn(stub, accountId, fields);
  if (r.status !== 200) return reply(r);
  return json({ ...r.body, account_id: accountId }, 201);
}

/** GET /admin/accounts/{id}: exact totals (balance, held, open reservations). */
export async function adminAccount(request, env, services, config, accountId) {
  await requireAdmin(request, config);
  const stub = Authenticator.stub(env, requireAccount(accountId));
  const r = await stub.balance();
  if (r.status === 401) throw new HttpError(404, `account ${accountId} not found`);
  return reply(r);
}

/**
 * PATCH /admin/accounts/{id}: account policy (allowed_models, allowed_providers, zdr, ...). Not
 * byok_providers: that follows the stored keys (/admin/accounts/{id}/byok).
 */
export async function adminConfigure(request, env, services, config, accountId) {
  await requireAdmin(request, config);
  const { value } = await readJsonObject(request, ADMIN_BODY_LIMIT);
  const stub = Authenticator.stub(env, requireAccount(accountId));
  if (value.byok_providers !== undefined) {
    // The stored keys are the only source of truth: a provider marked BYOK without a key would be
    // billed the BYOK fee while the operator's key paid the provider.
    throw new HttpError(400, 'byok_providers is set by storing keys: PUT /api/v1/admin/accounts/{id}/byok/{provider} ' +
      '(or PUT /api/v1/byok/{provider} with the account\'s management key) with {"key": "..."}, and DELETE to remove one',
    { field: 'byok_providers' });
  }
  const allowed = ['allowed_models', 'allowed_providers', 'ignored_providers', 'zdr', 'data_collection'];
  const fields = {};
  for (const f of allowed) if (value[f] !== undefined) fields[f] = value[f];
  return reply(await stub.configure(fields));
}
