// Key limit resets and key expiry through the edge worker, under real workerd with a fake clock.
//
// The ledger resets a key's limit at 00:00 UTC daily, on Mondays weekly and on the 1st monthly
// (REFERENCE §4), by the time the worker passes it (Date.now()). workerd has no clock control, so
// fakeclock.c is preloaded into the workerd process: its wall clock is the real time plus an
// offset read from a file this test rewrites, on every call, while the monotonic clock stays real,
// so timers and I/O timeouts keep working (why not libfaketime: see fakeclock.c). The fake time
// only ever moves forward,
// through fixed dates in 2030 (or, once the real clock nears 2030, the same dates 28 years on: the
// calendar repeats its weekdays every 28 years until 2100), one account per test.
//
// Every request is the same: "x" to openai/gpt-4o-mini on the provider openai ($0.15 / $0.60 per
// million tokens), which the sandbox answers with 5 prompt and 12 completion tokens, so each one
// costs exactly $0.00000795; with max_tokens 100 its hold is about $0.00006.
// Run: node --test tests/js/worker-limits.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_KEY, parseSse, picos, startWorker, until, user } from './worker-harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

const MODEL = 'openai/gpt-4o-mini';
const PROMPT_PRICE = 150_000n; // picodollars per token: $0.15 per million
const COMPLETION_PRICE = 600_000n; // $0.60 per million
const COST = 5n * PROMPT_PRICE + 12n * COMPLETION_PRICE; // 7 950 000 picodollars
// Room for one hold (100 completion tokens = $0.00006, plus the prompt estimate: at most the
// $0.000005 left over) and less than one COST more.
const HOLD_ROOM = 65_000_000n;
const GRANT = '1';

const usd = (p) => {
  const s = `${p / 10n ** 12n}.${(p % 10n ** 12n).toString().padStart(12, '0')}`;
  return s.replace(/\.?0+$/, '');
};

// The dates below are written for 2030; T() moves them by whole 28-year cycles (same weekdays,
// same leap years) past the real clock, which the fake one may only move ahead of.
const YEAR = 2030 + 28 * Math.max(0, Math.ceil((new Date().getUTCFullYear() + 1 - 2030) / 28));
const T = (iso) => iso.replace(/^2030/, String(YEAR));

let w;
let clock;

/** The workerd process's wall clock: real time + an offset in a file fakeclock.c re-reads. */
class FakeClock {
  constructor(file) {
    this.file = file;
    this.offsetMs = 0;
    this.write();
  }

  write() {
    // Atomic: fakeclock.c reads the file on every clock read and must never see it half written.
    writeFileSync(`${this.file}.tmp`, `${Math.round(this.offsetMs)}\n`);
    renameSync(`${this.file}.tmp`, this.file);
  }

  now() { return Date.now() + this.offsetMs; }

  /** Moves the worker's clock to `iso` (forward only: the ledger's periods assume that). */
  set(iso) {
    const target = Date.parse(iso);
    assert.ok(target > this.now(), `the fake clock only moves forward (to ${iso})`);
    this.offsetMs = target - Date.now();
    this.write();
  }
}

/** The one request every test makes, as {status, body, headers}. */
const ask = (key) => w.json('/chat/completions', {
  method: 'POST', key, body: { model: MODEL, messages: user('x'), max_tokens: 100, provider: { only: ['openai'] } },
});

/** A served request: checks its exact cost and waits until the ledger settled it. */
async function spend(k) {
  const r = await ask(k.key);
  assert.equal(r.status, 200, `served: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.usage.prompt_tokens, 5);
  assert.equal(r.body.usage.completion_tokens, 12);
  assert.equal(picos(r.body.usage.cost), COST);
  // Settlement runs after the response, at the time it runs: finish it before the clock moves.
  await settled(k.account_id);
  return r;
}

async function settled(accountId) {
  return until(async () => {
    const b = await w.balance(accountId);
    return b.open_reservations === 0 && b.held === '0' && b;
  }, 'settlement');
}

/**
 * The same request, refused for the key's limit: 402 in the documented shape, and the tokens it
 * says the key can still afford match what /key says is left (the hold: prompt estimate, at
 * most HOLD_ROOM - 100 completion tokens' worth, + max_tokens completion tokens).
 */
async function refused(k, remaining) {
  const r = await ask(k.key);
  assert.equal(r.status, 402, `refused: ${JSON.stringify(r.body)}`);
  // REFERENCE §5: {"error": {"code", "message", "metadata"}}; metadata.reason names the budget.
  assert.equal(r.body.error.code, 402);
  assert.match(r.body.error.message, /requires more credits, or fewer max_tokens\. You requested up to 100 tokens, but can only afford \d+\./);
  const { reason, requested_tokens: requested, affordable_tokens: affordable } = r.body.error.metadata;
  assert.equal(reason, 'key_limit');
  assert.equal(requested, 100);
  assert.ok(Number.isInteger(affordable) && affordable >= 1 && affordable < 100, `affordable ${affordable}`);
  const a = BigInt(affordable);
  assert.ok(a * COMPLETION_PRICE <= remaining && remaining < (a + 1n) * COMPLETION_PRICE + (HOLD_ROOM - 100n * COMPLETION_PRICE),
    `${affordable} tokens affordable with ${usd(remaining)} USD left`);
  assert.ok(r.headers.get('x-generation-id'), 'X-Generation-Id on every response');
  return r;
}

async function keyInfo(k) {
  const r = await w.json('/key', { key: k.key });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.data;
}

/** /key against the exact amounts: usage (total) and per period, the limit left. */
async function expectKey(k, { limit, total, daily, weekly, monthly, reset }) {
  const d = await keyInfo(k);
  assert.equal(d.limit_reset, reset);
  assert.equal(picos(d.limit), limit);
  assert.equal(picos(d.usage), total, 'usage: every spend, whatever the period');
  assert.equal(picos(d.usage_daily), daily, 'usage_daily');
  assert.equal(picos(d.usage_weekly), weekly, 'usage_weekly');
  assert.equal(picos(d.usage_monthly), monthly, 'usage_monthly');
  const spentInPeriod = { daily, weekly, monthly }[reset] ?? total;
  assert.equal(picos(d.limit_remaining), limit - spentInPeriod, 'limit_remaining');
  return d;
}

/** The account balances: what was granted minus exactly what the responses reported. */
async function expectLedger(k, requests) {
  const b = await settled(k.account_id);
  assert.equal(picos(b.total_usage), BigInt(requests) * COST);
  assert.equal(picos(b.balance), picos(GRANT) - BigInt(requests) * COST);
  assert.equal(b.held, '0');
}

/**
 * A funded account with one key whose limit is COST + HOLD_ROOM: the first request fits with
 * its hold, the second too (one COST spent), the third does not (its hold is more than the
 * HOLD_ROOM - COST left): two requests per period, the third gets 402.
 */
async function limitedKey(reset) {
  const limit = COST + HOLD_ROOM;
  const k = await w.adminKey({ name: `limit-${reset}`, limit: Number(usd(limit)), limit_reset: reset });
  await w.grant(k.account_id, GRANT);
  assert.equal(k.data.limit_reset, reset);
  return { ...k, limit };
}

describe('key limits reset at 00:00 UTC (fake clock under workerd)', { timeout: 60_000 }, () => {
  let dir;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sy-fakeclock-'));
    // The shim is built here, in ~0.1 s (the C compilers are build dependencies anyway).
    const shim = join(dir, 'fakeclock.so');
    try {
      execFileSync('cc', ['-shared', '-fPIC', '-O2', '-o', shim, join(HERE, 'fakeclock.c')], { stdio: 'pipe' });
    } catch (e) {
      throw new Error(`building tests/js/fakeclock.c with cc failed: ${e.stderr ?? e.message}`);
    }
    clock = new FakeClock(join(dir, 'clock'));
    w = await startWorker({
      env: { SWITCHYARD_KEEPALIVE_MS: '100' },
      processEnv: { LD_PRELOAD: shim, SY_FAKE_CLOCK_FILE: clock.file },
    });
  });
  after(async () => {
    await w?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the worker\'s Date.now() follows the fake clock; its timers still run on real time', async () => {
    const at = Date.parse(T('2030-04-09T10:00:00Z')); // a Tuesday
    clock.set(new Date(at).toISOString());
    const k = await w.adminKey({ name: 'clock' });
    await w.grant(k.account_id, GRANT);
    const r = await spend(k);
    const inWindow = (ms) => ms >= at && ms < at + 30_000;
    assert.ok(inWindow(r.body.created * 1000), `created ${new Date(r.body.created * 1000).toISOString()}`);
    const id = r.headers.get('x-generation-id');
    assert.ok(inWindow(Number(/^gen-(\d+)-/.exec(id)?.[1]) * 1000), id);
    const g = await w.generation(id, k.key);
    assert.equal(g.status, 200);
    assert.ok(inWindow(Date.parse(g.body.data.created_at)), g.body.data.created_at);

    // setInterval in the worker (keep-alive comments every 100 ms while the provider has not
    // answered for 450 ms): timers and timeouts run on the monotonic clock, which is not faked.
    const t0 = Date.now();
    const res = await w.fetch('/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${k.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, stream: true, messages: user('x [[sandbox:ttft=450]]'), provider: { only: ['openai'] } }),
    });
    const events = parseSse(await res.text());
    const elapsed = Date.now() - t0;
    const keepalives = events.filter((e) => e.comment !== undefined && e.raw === undefined).length;
    assert.ok(elapsed >= 400 && elapsed < 5000, `${elapsed} ms`);
    assert.ok(keepalives >= 2 && keepalives <= elapsed / 100 + 1, `${keepalives} keep-alive comments in ${elapsed} ms`);
    assert.ok(events.some((e) => e.data?.usage?.cost > 0), 'the stream ends with its usage');
    await settled(k.account_id);
  });

  test('daily: spent until 402, still refused at 23:59, served again after 00:00 UTC', async () => {
    clock.set(T('2030-04-09T23:50:00Z')); // Tuesday
    const k = await limitedKey('daily');
    const L = k.limit;
    const c = COST;
    await spend(k);
    await spend(k);
    await expectKey(k, { reset: 'daily', limit: L, total: 2n * c, daily: 2n * c, weekly: 2n * c, monthly: 2n * c });
    await refused(k, L - 2n * c);

    clock.set(T('2030-04-09T23:59:00Z'));
    await refused(k, L - 2n * c);
    await expectKey(k, { reset: 'daily', limit: L, total: 2n * c, daily: 2n * c, weekly: 2n * c, monthly: 2n * c });

    clock.set(T('2030-04-10T00:00:01Z')); // Wednesday
    await expectKey(k, { reset: 'daily', limit: L, total: 2n * c, daily: 0n, weekly: 2n * c, monthly: 2n * c });
    await spend(k);
    await expectKey(k, { reset: 'daily', limit: L, total: 3n * c, daily: c, weekly: 3n * c, monthly: 3n * c });
    // The new day's limit is the whole limit again, and only that.
    await spend(k);
    await refused(k, L - 2n * c);
    await expectKey(k, { reset: 'daily', limit: L, total: 4n * c, daily: 2n * c, weekly: 4n * c, monthly: 4n * c });
    await expectLedger(k, 4);
  });

  test('weekly: no reset at Wednesday 00:00 nor by Sunday 23:59, reset at Monday 00:00 UTC', async () => {
    clock.set(T('2030-04-16T10:00:00Z')); // Tuesday
    const k = await limitedKey('weekly');
    const L = k.limit;
    const c = COST;
    await spend(k);
    await spend(k);
    await refused(k, L - 2n * c);
    await expectKey(k, { reset: 'weekly', limit: L, total: 2n * c, daily: 2n * c, weekly: 2n * c, monthly: 2n * c });

    clock.set(T('2030-04-17T00:00:01Z')); // Wednesday: a new day, the same week
    await refused(k, L - 2n * c);
    await expectKey(k, { reset: 'weekly', limit: L, total: 2n * c, daily: 0n, weekly: 2n * c, monthly: 2n * c });

    clock.set(T('2030-04-21T23:59:00Z')); // Sunday
    await refused(k, L - 2n * c);
    await expectKey(k, { reset: 'weekly', limit: L, total: 2n * c, daily: 0n, weekly: 2n * c, monthly: 2n * c });

    clock.set(T('2030-04-22T00:00:01Z')); // Monday
    await expectKey(k, { reset: 'weekly', limit: L, total: 2n * c, daily: 0n, weekly: 0n, monthly: 2n * c });
    await spend(k);
    await expectKey(k, { reset: 'weekly', limit: L, total: 3n * c, daily: c, weekly: c, monthly: 3n * c });
    await expectLedger(k, 3);
  });

  test('monthly: no reset at a Monday 00:00 nor by the 30th 23:59, reset on the 1st 00:00 UTC', async () => {
    clock.set(T('2030-04-22T12:00:00Z')); // Monday
    const k = await limitedKey('monthly');
    const L = k.limit;
    const c = COST;
    await spend(k);
    await spend(k);
    await refused(k, L - 2n * c);

    clock.set(T('2030-04-29T00:00:01Z')); // the next Monday: a new week, the same month
    await refused(k, L - 2n * c);
    await expectKey(k, { reset: 'monthly', limit: L, total: 2n * c, daily: 0n, weekly: 0n, monthly: 2n * c });

    clock.set(T('2030-04-30T23:59:00Z'));
    await refused(k, L - 2n * c);

    clock.set(T('2030-05-01T00:00:01Z')); // Wednesday the 1st
    await expectKey(k, { reset: 'monthly', limit: L, total: 2n * c, daily: 0n, weekly: 0n, monthly: 0n });
    await spend(k);
    await expectKey(k, { reset: 'monthly', limit: L, total: 3n * c, daily: c, weekly: c, monthly: c });
    await expectLedger(k, 3);
  });

  test('limit_reset null: the limit never resets, across a day, a week and a month', async () => {
    clock.set(T('2030-05-01T12:00:00Z'));
    const k = await limitedKey(null);
    const L = k.limit;
    const c = COST;
    await spend(k);
    await spend(k);
    await refused(k, L - 2n * c);
    await expectKey(k, { reset: null, limit: L, total: 2n * c, daily: 2n * c, weekly: 2n * c, monthly: 2n * c });

    clock.set(T('2030-06-03T00:00:01Z')); // a Monday in June
    await refused(k, L - 2n * c);
    await expectKey(k, { reset: null, limit: L, total: 2n * c, daily: 0n, weekly: 0n, monthly: 0n });
    await expectLedger(k, 2);
  });

  test('expires_at: served before it, 401 after it (inference and /key)', async () => {
    clock.set(T('2030-06-03T11:50:00Z'));
    // Creation checks expires_at against the worker's (fake) clock.
    const past = await w.json('/admin/keys', { method: 'POST', key: ADMIN_KEY, body: { name: 'late', expires_at: T('2030-06-03T11:00:00Z') } });
    assert.equal(past.status, 400, JSON.stringify(past.body));
    assert.equal(past.body.error.code, 400);
    assert.match(past.body.error.message, /expires_at must be in the future/);

    const k = await w.adminKey({ name: 'expiring', expires_at: T('2030-06-03T12:00:00Z') });
    await w.grant(k.account_id, GRANT);
    assert.equal(Date.parse(k.data.expires_at), Date.parse(T('2030-06-03T12:00:00Z')));
    assert.equal((await keyInfo(k)).expires_at, k.data.expires_at);
    await spend(k);

    clock.set(T('2030-06-03T11:59:00Z'));
    await spend(k);

    clock.set(T('2030-06-03T12:00:30Z'));
    const r = await ask(k.key);
    assert.equal(r.status, 401, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 401);
    assert.match(r.body.error.message, new RegExp(`^API key expired at ${YEAR}-06-03T12:00:00`));
    const info = await w.json('/key', { key: k.key });
    assert.equal(info.status, 401);
    assert.match(info.body.error.message, new RegExp(`^API key expired at ${YEAR}-06-03T12:00:00`));
    await expectLedger(k, 2);
  });
});
