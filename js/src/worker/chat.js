// chat.js: POST /chat/completions and POST /messages (REFERENCE §3, §5): the worker's part of a
// request. The request's life itself — attempts, deadlines, fallback, what the client sees, what
// health hears, what is settled — is the core's Session, driven by the shared host loop
// (../loop.js) exactly as any other host drives it:
//
//   authenticate → open a Session (the core plans) → reserve (on this isolate's credit lease
//   when one covers the worst case, else at the account Durable Object; 402 on refusal; see
//   "credit leases" at the end) → runSession (fetch, timers, the secrets of each attempt) → answer → settle what the
//   core says was generated (or release the hold) after the response, through ctx.waitUntil.
//
// What is the worker's and stays here: authentication, the account object (reserve, batched
// settlement, release), ctx.waitUntil, the secrets (operator keys from the configuration, the
// account's own BYOK keys), keep-alive timing, sharing the health events the core observed with
// the other isolates (health.js), and redaction: the core never sees a secret, but what it hands
// back may quote one a provider echoed, so every error body, in-band error and settle command
// passes through the request's Redactor (redact.js) before it leaves.
//
// Streams: the response head is held back until the first client bytes, or until the first
// keep-alive comment is due (`: OPENROUTER PROCESSING` every keepaliveMs while no content has
// gone out), whichever comes first; the loop tells the Session whether the head was committed, so
// a failure after it arrives in-band. A client that disconnects aborts the attempt in flight
// (the loop reports it "cancelled"); what was generated is settled.
import { runSession } from '../loop.js';
import { HttpError, carriesCommonHeaders, commonHeaders, errorBody, readJsonObjectText, toHttpError } from './http.js';
import { randomHex } from './keys.js';
import { callerToken, mayCarryError, requestRedactor } from './redact.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const KEEPALIVE = encoder.encode(': OPENROUTER PROCESSING\n\n');
const JSON_HEADERS = { 'content-type': 'application/json' };

export const newGenerationId = (now = Date.now()) => `gen-${Math.floor(now / 1000)}-${randomHex(10)}`;

function randomSeed() {
  const [hi, lo] = crypto.getRandomValues(new Uint32Array(2));
  return (hi & 0x1fffff) * 2 ** 32 + lo; // 53 bits: exact as a JSON number
}

// ---- client-format errors of the worker's own ---------------------------------------------------

/**
 * An error body in the client's format for the worker's own errors (authentication, the body,
 * the reservation, an unknown route): the documented shape, or for /messages Anthropic's,
 * rendered by the core (sy_router_error) like every provider failure. Without a router (it
 * failed to load) the documented shape.
 */
export function clientErrorBody(router, format, status, message, metadata) {
  if (format === 'anthropic' && router && status >= 400 && status <= 599) {
    try {
      return router.errorBody(format, status, message, metadata);
    } catch {
      // fall through to the documented shape
    }
  }
  return errorBody(status, message, metadata);
}

function errorOf(body) {
  if (body && body.error && typeof body.error === 'object') return body.error;
  return { code: 502, message: 'provider error' };
}

// ---- one request ----------------------------------------------------------------------------

/**
 * Handles POST /chat/completions (format "openai") or /messages (format "anthropic").
 * `services`: {runtime, auth, health}. Returns a Response; never throws for client errors.
 */
export async function handleCompletion(request, env, ctx, services, genId, format) {
  const { runtime } = services;
  const config = runtime.settings(env);
  const caller = await services.auth.authenticate(request, env, 'inference');
  // Not parsed here: the core reads the body once (and the record's user and session from it).
  const text = await readJsonObjectText(request, config.maxBodyBytes, config.bodyTimeoutMs);
  const router = await runtime.router(env);

  const now = Date.now();
  const sessionHeader = request.headers.get('x-session-id');
  const host = {
    context: caller.context, now_ms: now, seed: randomSeed(), format,
    // The session's result: only the plan's attempts (endpoint, byok) and token counts, what
    // the reservation below reads (the trace, reasons and names are neither rendered nor parsed).
    plan: 'brief',
    // The settle command as the core's JSON text (passed on to the account object as it is,
    // never parsed here), with the amount it charges beside it for the lease book.
    settle: 'text',
    // The steps' large strings apart from their JSON (the upstream body, a served answer, the
    // settle command): handed to fetch, the client and the account object without being quoted
    // by the core or unescaped by JSON.parse; past 16 KB as bytes, never decoded (binding.js).
    parts: true,
    generation_id: genId, created: Math.floor(now / 1000),
    limits: {
      connect_ms: config.connectTimeoutMs, first_token_ms: config.firstTokenTimeoutMs,
      idle_ms: config.idleTimeoutMs, total_ms: config.totalTimeoutMs,
      max_response_bytes: config.maxResponseBytes,
    },
    // Generation record fields, stored as given (absent ones stay null in /generation).
    record: presentOnly({
      origin: request.headers.get('origin'),
      http_referer: request.headers.get('http-referer'),
      app_title: request.headers.get('x-title'),
    }),
  };
  // The body's own session_id wins over the header (the core decides).
  if (sessionHeader) host.session_id = sessionHeader;
  let session;
  try {
    // The body goes to the core as the client sent it, spliced in rather than re-serialised.
    session = router.session(`{"request":${text},${JSON.stringify(host).slice(1)}`);
  } catch (e) {
    // The host's part is JSON.stringify's, so a document the core cannot read is the body's
    // fault even where the core cannot tell (text after the body's object, a body cut short).
    if (e?.name === 'SwitchyardError' && /^plan input is not valid JSON/.test(e.message)) {
      throw new HttpError(400, 'request body is not valid JSON (cut short, or text after its object)');
    }
    throw toHttpError(e);
  }

  const p = session.plan;
  const job = {
    env, ctx, config, services, router, session, format, genId, caller,
    redact: requestRedactor(config, callerToken(request), caller.byok),
    // What index.js adds to every response, given at construction instead (no header sets).
    common: commonHeaders(request, genId),
  };

  const reservation = {
    id: genId,
    key_hash: caller.keyHash,
    estimated_prompt_tokens: p.estimated_prompt_tokens,
    ...(p.max_tokens != null ? { max_tokens: p.max_tokens } : {}),
    attempts: p.attempts.map((a) => ({ endpoint: a.endpoint, byok: a.byok })),
  };
  // The isolate's lease first (no round trip); the account object when no lease covers it.
  const local = leaseReserve(job, reservation, now);
  job.lease = local.lease;
  let hold = { status: 200 };
  try {
    if (!job.lease) hold = await caller.stub.reserve(JSON.stringify(reservation), local.trims);
  } catch (e) {
    session.free();
    throw e;
  }
  // Served (locally or by the account): ask for the next lease if the book runs low. After the
  // account's answer, so a request's own reservation never waits behind its isolate's lease.
  if (hold.status === 200) leaseRefill(job, now);
  if (hold.status !== 200) {
    session.free();
    if (hold.status === 401 || hold.status === 403) services.auth.forget(caller.keyHash);
    const e = errorOf(hold.body);
    throw new HttpError(hold.status, e.message, e.metadata);
  }

  return p.stream === true ? streamed(job) : buffered(job);
}

function presentOnly(fields) {
  const out = {};
  for (const [k, v] of Object.entries(fields)) if (typeof v === 'string' && v !== '') out[k] = v;
  return out;
}

// ---- the host loop, as the worker runs it -----------------------------------------------------

/** What the worker hands the loop: fetch, the secrets, where health events go. */
function loopHost(job) {
  return {
    fetch: (url, init) => fetch(url, init),
    secretFor: (step) => secretFor(job, step),
    onObserved(events) {
      // The core told this isolate's router already; the other isolates hear through health.js.
      const health = job.services.health;
      if (health) for (const e of events) health.record(e);
    },
  };
}

/**
 * The secret of an attempt: the operator's key its `auth` names, or for a BYOK attempt (billed
 * only the BYOK fee) the account's own key for that provider. A BYOK attempt whose key is
 * missing or unreadable is unavailable: it never falls back to the operator's key (the core
 * moves on to the next attempt, or tells the client why).
 */
function secretFor(job, step) {
  if (step.byok) {
    const own = job.caller.byok?.get(step.provider);
    if (!own || typeof own.key !== 'string') {
      return {
        unavailable: own?.error ??
          `no ${step.provider} key is stored for this account (BYOK); store it with PUT /api/v1/byok/${step.provider}`,
      };
    }
    return own.key;
  }
  return job.config.secretFor(step.request.auth);
}

/** Client SSE bytes, with secrets redacted when they may carry an error event. */
function outBytes(job, bytes) {
  return bytes.length && mayCarryError(bytes) ? job.redact.bytes(bytes) : bytes;
}

/** The Response of a final "respond" step; an error body is redacted (it may quote a provider). */
function respondWith(job, final) {
  const text = final.status >= 400 ? job.redact.text(final.body) : final.body;
  return carriesCommonHeaders(new Response(text, {
    status: final.status, headers: { ...(final.headers ?? JSON_HEADERS), ...job.common },
  }));
}

/**
 * After the response: settle what the core says was generated, or release the hold. Returns
 * what is still pending (a promise), or null when nothing is.
 */
function account(job, final) {
  if (job.lease) return leaseDone(job, final?.settle ?? null, final?.charged);
  const done = final?.settle ? settle(job, final.settle) : release(job);
  const book = leaseBooks.get(job.caller.accountId);
  return book ? Promise.all([done, watchIdle(job, book)]) : done;
}

// ---- buffered -----------------------------------------------------------------------------------

async function buffered(job) {
  let final;
  try {
    final = await runSession(job.session, loopHost(job));
  } catch (e) {
    job.ctx.waitUntil(release(job));
    throw e;
  } finally {
    job.session.free();
  }
  // Most leased requests leave nothing pending (their settlement joined another request's
  // batch): no waitUntil then.
  const pending = account(job, final);
  if (pending) job.ctx.waitUntil(pending);
  job.services.health?.maybeSync(job.env, job.ctx, job.router);
  return respondWith(job, final);
}

// ---- streamed -----------------------------------------------------------------------------------

async function streamed(job) {
  let decide;
  const decision = new Promise((r) => { decide = r; });
  let committed = false; // the client has the response head
  let content = false;   // client bytes (not keep-alives) went out
  const client = new AbortController();
  const out = clientStream(() => client.abort());
  const emit = (bytes) => {
    if (!committed) { committed = true; decide('stream'); }
    out.write(bytes);
  };
  const keepalive = setInterval(() => { if (!content) emit(KEEPALIVE); }, job.config.keepaliveMs);

  const run = (async () => {
    let final = null;
    let failure = null;
    try {
      final = await runSession(job.session, {
        ...loopHost(job),
        signal: client.signal,
        committed: () => committed,
        onBytes(bytes) {
          content = true;
          emit(outBytes(job, bytes));
        },
      });
    } catch (e) {
      failure = e; // the core refused or trapped: nothing it could render
    } finally {
      clearInterval(keepalive);
      job.session.free();
    }

    if (final?.step === 'respond' && !committed) {
      committed = true;
      decide(respondWith(job, final));
    } else {
      if (failure) {
        console.error(job.redact.text(`switchyard: ${job.genId} failed: ${failure && failure.stack ? failure.stack : failure}`));
        if (!committed) {
          committed = true;
          const he = toHttpError(failure);
          decide(new Response(JSON.stringify(job.redact.value(clientErrorBody(job.router, job.format, he.status, he.message, he.metadata))),
            { status: he.status, headers: JSON_HEADERS }));
        }
      }
      // A served stream whose upstream sent no content still gets its 200 and end.
      if (!committed) emit(EMPTY);
      out.close();
    }
    await account(job, final);
    job.services.health?.maybeSync(job.env, job.ctx, job.router);
  })();
  job.ctx.waitUntil(run.catch(() => {}));

  const d = await decision;
  if (d !== 'stream') return d;
  return carriesCommonHeaders(new Response(out.readable, {
    status: 200,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no', ...job.common },
  }));
}

const EMPTY = new Uint8Array(0);

/**
 * The client's body: {readable, write(bytes), close()}; `gone()` runs once if the client
 * disconnects. (An IdentityTransformStream measured no cheaper under workerd: what a chunk
 * costs is the runtime's turn to move it, whichever stream carries it.)
 */
function clientStream(gone) {
  let left = false;
  let controller;
  const leave = () => {
    if (left) return;
    left = true;
    gone();
  };
  const readable = new ReadableStream({
    start(c) { controller = c; },
    cancel() { leave(); },
  });
  return {
    readable,
    write(bytes) {
      if (left) return;
      try { controller.enqueue(bytes); } catch { left = true; }
    },
    close() { try { controller.close(); } catch { /* client gone */ } },
  };
}


// ---- money --------------------------------------------------------------------------------------

// Settling and releasing run after the response: a timer turn first lets the response go out
// before the Durable Object round trip and its ledger work take the isolate's thread.
const afterResponse = () => new Promise((resolve) => setTimeout(resolve, 0));

// Settlements of one account leave the isolate in batches: a Durable Object round trip costs
// more than the ledger work of a settlement, so under load one call carries the settlements of
// every request of the account that finished within SETTLE_BATCH_MS (at most SETTLE_BATCH_MAX;
// a full batch takes no more, the next settlement opens another).
//
// workerd ties a Durable Object stub, a timer and a promise's continuations to the request that
// made them. So the request that opens a batch sends it (its timer, its stub) and keeps itself
// alive until the call is answered (its waitUntil holds the batch); the requests that join only
// add their command and finish at once: nothing of theirs waits on another request's I/O. The
// account object settles each command on its own (settleMany) and logs what it refused.
const SETTLE_BATCH_MS = 4;
const SETTLE_BATCH_MAX = 64;
const settleBatches = new Map(); // accountId → the open batch {items: [[id, command]]}

/**
 * Queues one settlement. The batch's sender gets a promise that ends when the batch did; a
 * request that joined an open batch gets null (nothing of its own is pending).
 */
function queueSettlement(caller, id, command, on) {
  const item = on ? [id, command, on] : [id, command];
  const open = settleBatches.get(caller.accountId);
  if (open) {
    open.items.push(item);
    // Full: closed to newcomers. Only its opener may send it (its stub, its request), which its
    // timer does within SETTLE_BATCH_MS.
    if (open.items.length >= SETTLE_BATCH_MAX) settleBatches.delete(caller.accountId);
    return null;
  }
  const batch = { items: [item] };
  settleBatches.set(caller.accountId, batch);
  return new Promise((resolve) => {
    setTimeout(() => {
      if (settleBatches.get(caller.accountId) === batch) settleBatches.delete(caller.accountId);
      sendSettlements(caller.stub, batch.items).finally(resolve);
    }, SETTLE_BATCH_MS);
  });
}

async function sendSettlements(stub, items) {
  try {
    const results = await stub.settleMany(items);
    items.forEach(([id], i) => {
      const r = results[i];
      if (!r || r.status !== 200) console.error(`switchyard: settle ${id} failed: ${JSON.stringify(r?.body ?? null)}`);
    });
  } catch (e) {
    // The holds stay until their TTL (the charges are lost, never doubled): log every id.
    console.error(`switchyard: settling ${items.length} generation(s) failed (${items.map(([id]) => id).join(', ')}): ${e.message}`);
  }
}

/**
 * The settle command as JSON text, redacted: the core's text (the session's "settle":"text") or
 * an object's.
 */
function settleText(job, command) {
  if (command instanceof Uint8Array) return job.redact.jsonText(decoder.decode(command));
  return typeof command === 'string' ? job.redact.jsonText(command) : job.redact.json(command);
}

/** Settles one generation: the core's settle command, redacted, in the account's next batch. */
function settle(job, command) {
  // `priced` is the usage and cost the core computed once for this generation — the very value
  // behind the client's usage.cost — so the ledger charges what the client was told.
  return queueSettlement(job.caller, job.genId, settleText(job, command));
}

async function release(job) {
  if (job.lease) return leaseDone(job, null);
  await afterResponse();
  try {
    const r = await job.caller.stub.release(job.genId);
    if (r.status !== 200) console.error(job.redact.text(`switchyard: release ${job.genId} failed: ${JSON.stringify(r.body)}`));
  } catch (e) {
    console.error(job.redact.text(`switchyard: release ${job.genId} failed: ${e.message}`));
  }
}

// ---- credit leases --------------------------------------------------------------------------------
// The isolate's side of leases (ledger.h "credit leases"): a lease book per account — a core
// Ledger used only for its LeaseBook, so the arithmetic is the core's — from which each request's
// worst case is held locally, with no round trip. The account object granted each lease as one
// hold on the key, so what the book lends is already reserved in the account's ledger.
// Settlements still go to the account object (in the settle batches, naming the lease: its hold
// pays for them), so /credits, /key and /generation stay exact; a release costs no round trip.
// A lease is used until use_until (its expiry less the longest a request may run, so every
// request on it settles before it expires); the book returns it once it is past that, or spent,
// and its requests have ended. An isolate that is evicted never returns its leases: the account
// object releases them at their expiry. Refills are asked ahead of need, in the background of
// the request that notices the book running low, sized from the demand the book observed.
const LEASE_USE_MS = 10_000;
const LEASE_MARGIN_MS = 5_000;
const LEASE_IDLE_MS = 1_000;
const LEASE_SWEEP_MS = 250;
const LEASE_WATCH_ROUNDS = 20;
const LEASE_CHECK_MS = 25;
// accountId → {ledger, generation, pending: Set<keyHash>, satisfied: Map<keyHash, when the book
// last wanted nothing>}
const leaseBooks = new Map();

function leaseBook(job) {
  const { runtime } = job.services;
  const sy = runtime.core;
  if (!sy || sy.broken) return null;
  let book = leaseBooks.get(job.caller.accountId);
  if (book && (book.generation !== runtime.generation || book.ledger.freed)) book = null;
  if (!book) {
    book = { ledger: new sy.Ledger(), generation: runtime.generation, pending: new Set(), satisfied: new Map() };
    leaseBooks.set(job.caller.accountId, book);
  }
  return book;
}

/**
 * Holds the request's worst case on a lease of this isolate → {lease} (its id), or {lease: null,
 * trims}: no lease covers it, and what the key's leases had left goes back to the account with
 * the request's own reservation (trims), so no fragment of a lease stands in its way.
 */
function leaseReserve(job, reservation, now) {
  const none = { lease: null, trims: null };
  if (job.env?.SWITCHYARD_LEASES === '0') return none; // leases off (comparisons, tests)
  let book;
  try {
    book = leaseBook(job);
  } catch {
    return none;
  }
  if (!book) return none;
  book.uses = (book.uses ?? 0) + 1;
  let out = none;
  try {
    out = { lease: book.ledger.apply({ op: 'book_reserve', now_ms: now, ...reservation }, job.router).lease, trims: null };
  } catch {
    // No lease covers it (or the book cannot price it): the account object decides.
    try {
      const { trims } = book.ledger.apply({ op: 'book_trim', key_hash: reservation.key_hash });
      if (trims.length) out = { lease: null, trims };
    } catch { /* nothing to give back */ }
  }
  return out;
}

function leaseRefill(job, now) {
  if (job.env?.SWITCHYARD_LEASES === '0') return;
  const book = leaseBooks.get(job.caller.accountId);
  if (book && !book.ledger.freed) refill(job, book, now);
}

/**
 * Asks the account object for another lease when the book runs low (one request at a time).
 * A request its lease covered asks the book at most every LEASE_CHECK_MS per key once the book
 * wanted nothing (a lease is sized at twice the observed spend per second and asked for again at
 * half that, so the book cannot run low within the interval unless the rate jumps, and then
 * requests fall back to the account object, as when no lease covers them); a request the book
 * could not cover always asks.
 */
function refill(job, book, now) {
  const keyHash = job.caller.keyHash;
  if (book.pending.has(keyHash)) return;
  const satisfied = book.satisfied.get(keyHash);
  if (job.lease && satisfied !== undefined && now - satisfied >= 0 && now - satisfied < LEASE_CHECK_MS) return;
  let want;
  try {
    want = book.ledger.apply({ op: 'book_status', key_hash: keyHash, now_ms: now }).want;
  } catch {
    return;
  }
  if (!want || Number(want) === 0) {
    book.satisfied.set(keyHash, now);
    return;
  }
  book.satisfied.delete(keyHash);
  book.pending.add(keyHash);
  const totalMs = job.config.totalTimeoutMs;
  const ttl = LEASE_USE_MS + totalMs + LEASE_MARGIN_MS;
  // The request that asks keeps itself alive until the answer (its stub, its waitUntil); no
  // other request waits on it: they use the lease once it is in the book.
  job.ctx.waitUntil((async () => {
    try {
      const r = await job.caller.stub.lease(keyHash, want, minLease(want), ttl);
      if (r.status === 200 && !book.ledger.freed) {
        book.ledger.apply({
          op: 'book_add', lease: r.body.id, key_hash: keyHash, amount: r.body.amount,
          expires_at_ms: r.body.expires_at_ms,
          use_until_ms: r.body.expires_at_ms - totalMs - LEASE_MARGIN_MS,
        });
      }
    } catch (e) {
      console.error(`switchyard: lease for ${job.caller.accountId} failed: ${e.message}`);
    } finally {
      book.pending.delete(keyHash);
    }
  })());
}

// A lease smaller than an eighth of what the book wants is not worth holding.
function minLease(want) {
  const n = Number(want) / 8;
  return n > 0 ? n.toFixed(12).replace(/0+$/, '').replace(/\.$/, '') || '0' : '0';
}

/**
 * A leased request ended: free its local hold, settle on the lease, return idle leases. Returns
 * a promise of what is still pending, or null when nothing is. `charged`: what the command
 * charges, when the core gave it beside the command's text.
 */
function leaseDone(job, command, chargedText) {
  const book = leaseBooks.get(job.caller.accountId);
  const text = command ? settleText(job, command) : null;
  if (book && !book.ledger.freed) {
    try {
      // What the request was charged: the priced cost's `charged` (the book parses one amount,
      // not the whole priced usage), else its priced usage, else (none) its whole hold.
      const charged = typeof chargedText === 'string' ? chargedText : command?.priced?.cost?.charged;
      book.ledger.apply(!command ? { op: 'book_done', id: job.genId, released: true }
        : typeof charged === 'string' ? { op: 'book_done', id: job.genId, charged }
          : { op: 'book_done', id: job.genId, ...(command.priced ? { priced: command.priced } : {}) });
    } catch (e) {
      console.error(`switchyard: lease book ${job.genId}: ${e.message}`);
    }
  }
  const sends = [];
  if (text) {
    const sent = queueSettlement(job.caller, job.genId, text, { lease: job.lease, key_hash: job.caller.keyHash });
    if (sent) sends.push(sent);
  }
  // Leases past their use window (or spent) go back at most every LEASE_SWEEP_MS, not after
  // every request: a lease's expiry keeps LEASE_MARGIN_MS beyond its use window.
  if (book && Date.now() - (book.swept ?? 0) >= LEASE_SWEEP_MS) {
    book.swept = Date.now();
    sends.push(...returnIdle(job, book, false));
  }
  if (book && !book.watching && !book.ledger.freed) sends.push(watchIdle(job, book));
  return sends.length ? Promise.all(sends) : null;
}

/**
 * Idle: once nothing has used the book for LEASE_IDLE_MS, every lease with no open request goes
 * back. One request at a time watches (its waitUntil carries the wait, at most
 * LEASE_WATCH_ROUNDS rounds; a later request takes over after that).
 */
async function watchIdle(job, book) {
  if (book.watching || book.ledger.freed || job.env?.SWITCHYARD_LEASES === '0') return;
  book.watching = true;
  try {
    // Counted in uses, not in clock time (workerd's clock stands still between I/O events).
    for (let round = 0; round < LEASE_WATCH_ROUNDS; round++) {
      const seen = book.uses ?? 0;
      await new Promise((r) => setTimeout(r, LEASE_IDLE_MS));
      if ((book.uses ?? 0) === seen) {
        await Promise.all(returnIdle(job, book, true));
        return;
      }
    }
  } finally {
    book.watching = false;
  }
}

/** Returns the leases the book no longer uses (all of them, when the isolate is idle). */
function returnIdle(job, book, all) {
  if (book.ledger.freed) return [];
  let idle = [];
  try {
    idle = book.ledger.apply({ op: 'book_idle', now_ms: Date.now(), all }).leases;
  } catch { /* nothing to return */ }
  return idle.map((l) => queueSettlement(job.caller, l.lease, null, { return: true })).filter((p) => p !== null);
}
