// config.js: the worker's configuration, read from its environment (wrangler vars and secrets on
// Cloudflare; `fromEnvironment` bindings of the generated workerd config locally). Upstream URLs
// come only from here, never from a request.
//
//   <PROVIDER>_API_KEY        the provider's key (variable name from the catalog's api_key_env)
//   <PROVIDER>_BASE_URL       that provider's endpoints go to this URL (catalog overlay base_urls)
//   SWITCHYARD_CATALOG_OVERLAY  a catalog overlay (JSON): custom providers, prices, disables
//   SWITCHYARD_SANDBOX_URL    with no provider key set: every provider points at the sandbox fleet
//   SWITCHYARD_ADMIN_KEY      operator key for POST /api/v1/admin/credits
//   SWITCHYARD_DEMO_KEY       seeded into its account on first use, with SWITCHYARD_DEMO_CREDITS
//   SWITCHYARD_BYOK_SECRET    the secret users' own provider keys are encrypted under (byok.js);
//                             unset: the /byok endpoints answer 503, requests are unaffected
//   SWITCHYARD_MAX_BODY_BYTES, SWITCHYARD_MAX_RESPONSE_BYTES, SWITCHYARD_*_TIMEOUT_MS,
//   SWITCHYARD_KEEPALIVE_MS, SWITCHYARD_HEALTH_SYNC_MS, SWITCHYARD_LEDGER_FLUSH_MS
//                             limits and timings (defaults below)
//
// A provider is enabled when its key is set or its base URL is overridden (a self-hosted
// gateway may need no key); every other provider is disabled through the overlay, so the planner
// never picks an endpoint it cannot call. Pure: the same env gives the same config.

const DEFAULTS = {
  maxBodyBytes: 8 * 1024 * 1024,
  // A buffered upstream body (the core parses at most 16 MiB of JSON), and what a stream may
  // send before its first content byte.
  maxResponseBytes: 16 * 1024 * 1024,
  // Phase deadlines of every upstream attempt (chat.js):
  // until the response head of a streamed attempt — connection and queueing;
  connectTimeoutMs: 15_000,
  // until the first content byte of a stream, or the first byte of a buffered response (a
  // provider answers a buffered call once it has generated) — fallback is still possible;
  firstTokenTimeoutMs: 60_000,
  // the longest silence (no upstream bytes) once the body is flowing;
  idleTimeoutMs: 30_000,
  // the whole attempt, buffered or streamed.
  totalTimeoutMs: 300_000,
  // Receiving the client's request body (a slow upload is answered 408).
  bodyTimeoutMs: 60_000,
  // SSE keep-alive comment interval while waiting for the first token.
  keepaliveMs: 1_000,
  // How often an isolate pushes/pulls health through the HealthObject.
  healthSyncMs: 2_000,
  // How long request-path ledger operations may wait before they are committed (account.js).
  ledgerFlushMs: 100,
  demoCreditsUsd: '100',
};

/** Env variable of a provider's base URL override: OPENAI_BASE_URL, GITHUB_MODELS_BASE_URL. */
export const baseUrlEnv = (slug) => slug.toUpperCase().replace(/[^A-Z0-9]/g, '_') + '_BASE_URL';

const str = (v) => (typeof v === 'string' && v !== '' ? v : null);

function positiveInt(env, name, fallback, { zero = false } = {}) {
  const v = str(env[name]);
  if (v === null) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !zero)) {
    throw new Error(`${name} must be a ${zero ? 'non-negative' : 'positive'} number of milliseconds/bytes, got ${v}`);
  }
  return Math.floor(n);
}

function parseOverlay(text) {
  if (text === null) return {};
  let overlay;
  try {
    overlay = JSON.parse(text);
  } catch (e) {
    throw new Error(`SWITCHYARD_CATALOG_OVERLAY is not valid JSON: ${e.message}`);
  }
  if (overlay === null || typeof overlay !== 'object' || Array.isArray(overlay)) {
    throw new Error('SWITCHYARD_CATALOG_OVERLAY must be a JSON object');
  }
  return overlay;
}

/**
 * The worker's settings from `env`. `providers` is the catalog's [{slug, wire, api_key_env}]
 * (the entry module imports it from the catalog document; only that list is bundled).
 */
export function readConfig(env, providers) {
  const userOverlay = parseOverlay(str(env.SWITCHYARD_CATALOG_OVERLAY));
  // Providers an overlay adds are configured exactly like catalog ones.
  const known = new Map(providers.map((p) => [p.slug, p]));
  for (const p of Array.isArray(userOverlay.providers) ? userOverlay.providers : []) {
    if (p && typeof p.slug === 'string') {
      const prev = known.get(p.slug) ?? { slug: p.slug, wire: 'openai', api_key_env: null };
      known.set(p.slug, {
        slug: p.slug,
        wire: typeof p.wire === 'string' ? p.wire : prev.wire,
        api_key_env: typeof p.api_key_env === 'string' ? p.api_key_env : prev.api_key_env,
      });
    }
  }
  const all = [...known.values()];

  const sandboxUrl = str(env.SWITCHYARD_SANDBOX_URL)?.replace(/\/+$/, '') ?? null;
  const keyed = all.filter((p) => p.api_key_env && str(env[p.api_key_env]));
  const sandbox = sandboxUrl !== null && keyed.length === 0;

  const baseUrls = {};
  const enabled = new Set();
  if (sandbox) {
    for (const p of all) {
      baseUrls[p.slug] = `${sandboxUrl}/${p.slug}/${p.wire === 'gemini' ? 'v1beta' : 'v1'}`;
      enabled.add(p.slug);
    }
  } else {
    for (const p of keyed) enabled.add(p.slug);
  }
  Object.assign(baseUrls, userOverlay.base_urls ?? {});
  for (const p of all) {
    const url = str(env[baseUrlEnv(p.slug)]);
    if (url !== null) {
      baseUrls[p.slug] = url.replace(/\/+$/, '');
      enabled.add(p.slug);
    }
  }

  const disable = [...(Array.isArray(userOverlay.disable) ? userOverlay.disable : [])];
  // Providers the operator has no key or URL for: usable only by accounts with their own key (BYOK).
  for (const p of all) if (!enabled.has(p.slug)) disable.push({ provider: p.slug, unless_byok: true });
  const overlay = { ...userOverlay, base_urls: baseUrls, disable };

  /** The secret for an attempt whose request names `auth.env`; null = send no key. */
  const secretFor = (auth) => {
    if (!auth || !auth.header) return null;
    const v = auth.env ? str(env[auth.env]) : null;
    if (v !== null) return v;
    return sandbox ? 'sandbox' : null;
  };

  // Every secret the worker holds, for redaction (redact.js): provider keys of the catalog and
  // the overlay, any other *_API_KEY / *_SECRET / *_TOKEN variable, the operator's own keys, and
  // credentials inside a *_BASE_URL.
  const secrets = new Set();
  for (const p of all) if (p.api_key_env && str(env[p.api_key_env])) secrets.add(env[p.api_key_env]);
  for (const [name, v] of Object.entries(env)) {
    if (typeof v !== 'string' || v === '') continue;
    if (/(_API_KEY|_SECRET|_TOKEN|_ADMIN_KEY|_DEMO_KEY)$/.test(name)) secrets.add(v);
    // A base URL may carry credentials: https://user:password@host, ?key=...
    if (name.endsWith('_BASE_URL')) {
      try {
        const u = new URL(v);
        if (u.password) secrets.add(decodeURIComponent(u.password));
        for (const [k, q] of u.searchParams) if (/key|token|secret/i.test(k) && q) secrets.add(q);
      } catch { /* not a URL: the overlay check reports it */ }
    }
  }

  return {
    overlay,
    secrets: [...secrets],
    sandbox,
    sandboxUrl,
    enabledProviders: [...enabled].sort(),
    secretFor,
    // Every provider a key may be stored for (catalog + overlay), enabled or not.
    providerSlugs: new Set(all.map((p) => p.slug)),
    byokSecret: str(env.SWITCHYARD_BYOK_SECRET),
    adminKey: str(env.SWITCHYARD_ADMIN_KEY),
    demoKey: str(env.SWITCHYARD_DEMO_KEY),
    demoCreditsUsd: str(env.SWITCHYARD_DEMO_CREDITS) ?? DEFAULTS.demoCreditsUsd,
    maxBodyBytes: positiveInt(env, 'SWITCHYARD_MAX_BODY_BYTES', DEFAULTS.maxBodyBytes),
    maxResponseBytes: positiveInt(env, 'SWITCHYARD_MAX_RESPONSE_BYTES', DEFAULTS.maxResponseBytes),
    idleTimeoutMs: positiveInt(env, 'SWITCHYARD_IDLE_TIMEOUT_MS', DEFAULTS.idleTimeoutMs),
    bodyTimeoutMs: positiveInt(env, 'SWITCHYARD_BODY_TIMEOUT_MS', DEFAULTS.bodyTimeoutMs),
    connectTimeoutMs: positiveInt(env, 'SWITCHYARD_CONNECT_TIMEOUT_MS', DEFAULTS.connectTimeoutMs),
    firstTokenTimeoutMs: positiveInt(env, 'SWITCHYARD_FIRST_TOKEN_TIMEOUT_MS', DEFAULTS.firstTokenTimeoutMs),
    totalTimeoutMs: positiveInt(env, 'SWITCHYARD_TOTAL_TIMEOUT_MS', DEFAULTS.totalTimeoutMs),
    keepaliveMs: positiveInt(env, 'SWITCHYARD_KEEPALIVE_MS', DEFAULTS.keepaliveMs),
    healthSyncMs: positiveInt(env, 'SWITCHYARD_HEALTH_SYNC_MS', DEFAULTS.healthSyncMs),
    ledgerFlushMs: positiveInt(env, 'SWITCHYARD_LEDGER_FLUSH_MS', DEFAULTS.ledgerFlushMs, { zero: true }),
  };
}
