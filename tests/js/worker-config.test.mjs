// The worker's configuration from env (js/src/worker/config.js) and its key helpers: which
// providers are enabled, where their endpoints go, which secret each attempt gets.
// Run: node --test tests/js/worker-config.test.mjs
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { baseUrlEnv, readConfig } from '../../js/src/worker/config.js';
import { keyLabel, newKey, parseKey, secretEquals, sha256Hex } from '../../js/src/worker/keys.js';

const { providers } = JSON.parse(readFileSync(new URL('../../core/data/catalog.json', import.meta.url), 'utf8'));
const disabled = (c) => new Set(c.overlay.disable.filter((d) => d.provider).map((d) => d.provider));

describe('readConfig', () => {
  test('sandbox mode: every provider points at the fleet, by wire', () => {
    const c = readConfig({ SWITCHYARD_SANDBOX_URL: 'http://127.0.0.1:9/' }, providers);
    assert.equal(c.sandbox, true);
    assert.equal(c.overlay.base_urls.openai, 'http://127.0.0.1:9/openai/v1');
    assert.equal(c.overlay.base_urls.anthropic, 'http://127.0.0.1:9/anthropic/v1');
    assert.equal(c.overlay.base_urls.google, 'http://127.0.0.1:9/google/v1beta');
    assert.equal(disabled(c).size, 0);
    assert.equal(c.secretFor({ header: 'authorization', env: 'OPENAI_API_KEY' }), 'sandbox');
  });

  test('real keys: only keyed providers are enabled; the sandbox is ignored', () => {
    const c = readConfig({ OPENAI_API_KEY: 'sk-real', SWITCHYARD_SANDBOX_URL: 'http://127.0.0.1:9' }, providers);
    assert.equal(c.sandbox, false);
    assert.deepEqual(c.enabledProviders, ['openai']);
    assert.ok(disabled(c).has('anthropic') && !disabled(c).has('openai'));
    assert.equal(c.overlay.base_urls.openai, undefined, 'the catalog URL stays');
    assert.equal(c.secretFor({ header: 'authorization', env: 'OPENAI_API_KEY' }), 'sk-real');
    assert.equal(c.secretFor({ header: 'x-api-key', env: 'ANTHROPIC_API_KEY' }), null);
  });

  test('<PROVIDER>_BASE_URL redirects a provider (and enables it, e.g. a keyless local gateway)', () => {
    const c = readConfig({ OPENAI_API_KEY: 'k', ANTHROPIC_BASE_URL: 'https://proxy.example/anthropic/v1/', GITHUB_MODELS_BASE_URL: 'http://gw' }, providers);
    assert.equal(c.overlay.base_urls.anthropic, 'https://proxy.example/anthropic/v1');
    assert.equal(c.overlay.base_urls['github-models'], 'http://gw');
    assert.deepEqual(c.enabledProviders, ['anthropic', 'github-models', 'openai']);
    assert.equal(baseUrlEnv('github-models'), 'GITHUB_MODELS_BASE_URL');
  });

  test('SWITCHYARD_CATALOG_OVERLAY: kept, merged, its new providers configured like the others', () => {
    const overlay = {
      providers: [{ slug: 'mylab', name: 'My Lab', wire: 'openai', base_url: 'https://lab.example/v1', api_key_env: 'MYLAB_KEY' }],
      disable: [{ model: 'openai/gpt-4o' }],
    };
    const without = readConfig({ OPENAI_API_KEY: 'k', SWITCHYARD_CATALOG_OVERLAY: JSON.stringify(overlay) }, providers);
    assert.ok(disabled(without).has('mylab'));
    assert.ok(without.overlay.disable.some((d) => d.model === 'openai/gpt-4o'));
    assert.equal(without.overlay.providers[0].slug, 'mylab');
    const withKey = readConfig({ MYLAB_KEY: 's', SWITCHYARD_CATALOG_OVERLAY: JSON.stringify(overlay) }, providers);
    assert.deepEqual(withKey.enabledProviders, ['mylab']);
    assert.throws(() => readConfig({ SWITCHYARD_CATALOG_OVERLAY: '{nope' }, providers), /not valid JSON/);
    assert.throws(() => readConfig({ SWITCHYARD_CATALOG_OVERLAY: '[]' }, providers), /object/);
  });

  test('limits and timings: defaults, overrides, bad values refused', () => {
    const d = readConfig({}, providers);
    assert.equal(d.maxBodyBytes, 8 * 1024 * 1024);
    assert.equal(d.ledgerFlushMs, 100);
    const c = readConfig({ SWITCHYARD_TOTAL_TIMEOUT_MS: '2500', SWITCHYARD_LEDGER_FLUSH_MS: '0' }, providers);
    assert.equal(c.totalTimeoutMs, 2500);
    assert.equal(c.ledgerFlushMs, 0);
    assert.throws(() => readConfig({ SWITCHYARD_TOTAL_TIMEOUT_MS: '0' }, providers), /positive/);
    assert.throws(() => readConfig({ SWITCHYARD_MAX_BODY_BYTES: 'lots' }, providers), /positive/);
    // The deadlines of issue 10: idle gap and request body, with their defaults.
    assert.equal(d.idleTimeoutMs, 30_000);
    assert.equal(d.bodyTimeoutMs, 60_000);
    assert.equal(d.maxResponseBytes, 16 * 1024 * 1024);
    assert.equal(readConfig({ SWITCHYARD_IDLE_TIMEOUT_MS: '700' }, providers).idleTimeoutMs, 700);
    assert.throws(() => readConfig({ SWITCHYARD_IDLE_TIMEOUT_MS: '-1' }, providers), /positive/);
  });

  test('secrets to redact: provider keys, operator keys, credentials in base URLs', () => {
    const c = readConfig({
      OPENAI_API_KEY: 'sk-openai-0123456789', SWITCHYARD_ADMIN_KEY: 'sy-admin-0123456789',
      SWITCHYARD_BYOK_SECRET: 'byok-secret-0123456789', HF_TOKEN: 'hf_0123456789abcdef',
      GROQ_BASE_URL: 'https://gw:p%40ss-0123456789@gateway.example/v1?api_key=q-0123456789',
      SWITCHYARD_TOTAL_TIMEOUT_MS: '2500',
    }, providers);
    assert.deepEqual(new Set(c.secrets), new Set(['sk-openai-0123456789', 'sy-admin-0123456789',
      'byok-secret-0123456789', 'hf_0123456789abcdef', 'p@ss-0123456789', 'q-0123456789']));
  });
});

describe('keys', () => {
  test('format, parsing, hashing, labels', async () => {
    const key = newKey('acct42');
    assert.deepEqual(parseKey(key)?.accountId, 'acct42');
    for (const bad of ['sk-or-v1-abc', 'sk-sy-v1-ACCT-0123456789abcdef01', 'sk-sy-v1-a-short', `${key}-x`, null, 42]) {
      assert.equal(parseKey(bad), null, String(bad));
    }
    const h = await sha256Hex(key);
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(h, await sha256Hex(key));
    assert.notEqual(h, await sha256Hex(newKey('acct42')));
    assert.match(keyLabel(key), /^sk-sy-v1-acct42-.{3}\.\.\..{3}$/);
    assert.equal(keyLabel(key).includes(parseKey(key).secret), false);
    assert.equal(await secretEquals('admin-secret', 'admin-secret'), true);
    assert.equal(await secretEquals('admin-secret', 'admin-secreT'), false);
    assert.equal(await secretEquals('admin-secret', undefined), false);
  });
});
