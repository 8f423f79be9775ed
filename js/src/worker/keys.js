// keys.js: Switchyard API keys. A key is `sk-sy-v1-<accountId>-<secret>`: the account id routes the
// request to that account's Durable Object without any lookup table, the secret authenticates.
// Only the hex SHA-256 of the whole key is ever stored (the ledger compares hashes in constant
// time); the display label keeps a few characters of each end.
//
// Pure functions over Web Crypto: the same code runs in workerd, Cloudflare and Node.

export const KEY_PREFIX = 'sk-sy-v1-';
const KEY_RE = /^sk-sy-v1-([a-z0-9]{1,64})-([A-Za-z0-9]{16,128})$/;
const ACCOUNT_RE = /^[a-z0-9]{1,64}$/;

/** {accountId, secret} of a well-formed key, else null. */
export function parseKey(key) {
  if (typeof key !== 'string') return null;
  const m = KEY_RE.exec(key);
  return m ? { accountId: m[1], secret: m[2] } : null;
}

export const isAccountId = (id) => typeof id === 'string' && ACCOUNT_RE.test(id);

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const hex = (bytes) => {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]];
  return out;
};

export function randomHex(bytes) {
  return hex(crypto.getRandomValues(new Uint8Array(bytes)));
}

export const newAccountId = () => 'a' + randomHex(8);
export const newKey = (accountId) => `${KEY_PREFIX}${accountId}-${randomHex(24)}`;

/** Lowercase hex SHA-256 of a UTF-8 string. */
export async function sha256Hex(text) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return hex(new Uint8Array(digest));
}

/** "sk-sy-v1-demo-ab1...9f2": enough to recognise a key, useless to an attacker. */
export function keyLabel(key) {
  const p = parseKey(key);
  if (!p) return 'sk-sy-v1-...';
  return `${KEY_PREFIX}${p.accountId}-${p.secret.slice(0, 3)}...${p.secret.slice(-3)}`;
}

/**
 * Constant-time equality of two strings (compares their SHA-256 digests, so neither the
 * length nor the first differing byte shows in the timing).
 */
export async function secretEquals(a, b) {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const [x, y] = await Promise.all([a, b].map((s) => crypto.subtle.digest('SHA-256', new TextEncoder().encode(s))));
  const u = new Uint8Array(x);
  const v = new Uint8Array(y);
  let diff = 0;
  for (let i = 0; i < u.length; i++) diff |= u[i] ^ v[i];
  return diff === 0;
}

/** The bearer token of a request: `Authorization: Bearer`, or Anthropic's `x-api-key`. */
export function bearer(request) {
  const auth = request.headers.get('authorization');
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    return m ? m[1].trim() : null;
  }
  const x = request.headers.get('x-api-key');
  return x ? x.trim() : null;
}
