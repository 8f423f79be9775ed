// byok.js: users' own provider keys (BYOK) — validation, labels, and their encryption at rest.
//
// A stored key is encrypted in the worker, before it reaches the account's Durable Object, and
// decrypted in the worker that makes the provider call: the object (and its SQLite storage) only
// ever holds ciphertext. The cipher is AES-256-GCM (WebCrypto) under a key derived per account
// with HKDF-SHA-256 from the worker secret SWITCHYARD_BYOK_SECRET:
//
//   account key = HKDF-SHA-256(ikm = the secret, salt = "switchyard-byok-v1",
//                              info = "switchyard byok account <accountId>") → AES-256-GCM
//   ciphertext  = AES-GCM(account key, iv = 12 random bytes, aad = "<accountId>/<provider>")
//
// The associated data binds a ciphertext to its account and provider, so a row copied to another
// account or provider does not decrypt. Each row also carries `kid`, a fingerprint of the secret
// it was encrypted under (SHA-256 of a fixed prefix + the secret, first 16 hex digits): after the
// secret is rotated, the worker can tell "stored under an older secret: re-enter the key" from a
// damaged row without guessing.
//
// Pure functions over Web Crypto: the same code runs in workerd, Cloudflare and Node.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const HKDF_SALT = encoder.encode('switchyard-byok-v1');
export const MAX_KEY_CHARS = 4096;
// A secret shorter than this is refused (the BYOK endpoints answer 503 saying so).
export const MIN_SECRET_CHARS = 16;

/** The 503 message when BYOK is not configured (null when it is). */
export function secretProblem(secret) {
  if (secret === null || secret === undefined) {
    return 'BYOK is not enabled on this server: the operator must set the SWITCHYARD_BYOK_SECRET secret ' +
      '(for example `npx wrangler secret put SWITCHYARD_BYOK_SECRET` with the output of `openssl rand -hex 32`)';
  }
  if (secret.length < MIN_SECRET_CHARS) {
    return `BYOK is not enabled on this server: SWITCHYARD_BYOK_SECRET must be at least ${MIN_SECRET_CHARS} characters ` +
      '(for example the output of `openssl rand -hex 32`)';
  }
  return null;
}

/**
 * Why `key` cannot be stored (a message naming the field), or null. Keys go into an HTTP header,
 * so they must be printable ASCII, without leading or trailing spaces.
 */
export function keyProblem(key) {
  if (typeof key !== 'string' || key === '') return 'key (the provider API key, a non-empty string) is required';
  if (key.length > MAX_KEY_CHARS) return `key is ${key.length} characters; at most ${MAX_KEY_CHARS} are accepted`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'key must not contain control characters (newlines, tabs, ...)';
  if (!/^[\u0020-\u007e]+$/.test(key)) return 'key must be printable ASCII (it is sent in an HTTP header)';
  if (key.trim() !== key) return 'key must not start or end with spaces';
  return null;
}

/** "sk-...wxyz": enough to recognise a key; short keys show less. */
export function keyLabel(key) {
  if (key.length >= 16) return `${key.slice(0, 3)}...${key.slice(-4)}`;
  if (key.length >= 8) return `...${key.slice(-2)}`;
  return '...';
}

const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

// Derived keys, per secret and account: HKDF runs once per account and isolate.
const CACHE_MAX = 4096;
const derived = new Map(); // `${kid}\n${accountId}` → Promise<CryptoKey>
const kids = new Map(); // secret → Promise<kid>

/** The fingerprint of a secret stored beside each ciphertext (16 hex digits). */
export function secretId(secret) {
  let p = kids.get(secret);
  if (!p) {
    p = crypto.subtle.digest('SHA-256', encoder.encode(`switchyard-byok-kid\n${secret}`)).then((d) => hex(d).slice(0, 16));
    if (kids.size >= 8) kids.clear();
    kids.set(secret, p);
  }
  return p;
}

async function accountKey(secret, accountId) {
  const kid = await secretId(secret);
  const cacheKey = `${kid}\n${accountId}`;
  let p = derived.get(cacheKey);
  if (!p) {
    p = (async () => {
      const ikm = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveKey']);
      return crypto.subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: HKDF_SALT, info: encoder.encode(`switchyard byok account ${accountId}`) },
        ikm, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    })();
    p.catch(() => derived.delete(cacheKey));
    if (derived.size >= CACHE_MAX) derived.delete(derived.keys().next().value);
    derived.set(cacheKey, p);
  }
  return { kid, key: await p };
}

const aad = (accountId, provider) => encoder.encode(`${accountId}/${provider}`);

/** {kid, iv, ciphertext} (ArrayBuffers) of `plaintext` for the account's `provider`. */
export async function sealKey(secret, accountId, provider, plaintext) {
  const { kid, key } = await accountKey(secret, accountId);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: aad(accountId, provider) }, key, encoder.encode(plaintext));
  return { kid, iv: iv.buffer, ciphertext };
}

/** The message an attempt fails with when the stored key cannot be used. */
export function unusableMessage(provider, why) {
  return `your own ${provider} key (BYOK) ${why}; enter it again with PUT /api/v1/byok/${provider}`;
}

/**
 * Decrypts the rows the account object returned with authentication:
 * Map(provider → {key} | {error: message}). Never throws: a key that cannot be used fails only the
 * attempts that need it.
 */
export async function openKeys(secret, accountId, rows) {
  const out = new Map();
  if (!Array.isArray(rows) || rows.length === 0) return out;
  const problem = secretProblem(secret);
  if (problem) {
    for (const r of rows) out.set(r.provider, { error: `${problem}; your stored ${r.provider} key cannot be used until then` });
    return out;
  }
  let account;
  try {
    account = await accountKey(secret, accountId);
  } catch (e) {
    for (const r of rows) out.set(r.provider, { error: `the server could not derive the BYOK key: ${e?.message ?? e}` });
    return out;
  }
  await Promise.all(rows.map(async (r) => {
    if (r.kid !== account.kid) {
      out.set(r.provider, { error: unusableMessage(r.provider, 'was stored under a previous SWITCHYARD_BYOK_SECRET and can no longer be read') });
      return;
    }
    try {
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: new Uint8Array(r.iv), additionalData: aad(accountId, r.provider) }, account.key, r.ciphertext);
      out.set(r.provider, { key: decoder.decode(plain) });
    } catch {
      out.set(r.provider, { error: unusableMessage(r.provider, 'could not be decrypted') });
    }
  }));
  return out;
}
