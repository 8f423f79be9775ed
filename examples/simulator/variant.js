// variant.js: the second variant "B" of a scenario, and how it compares with "A". No DOM here:
// the page (simulator.js, report.js) and the tests (tests/browser/compare.test.mjs, in Node)
// import the same functions.
//
// B is a JSON Merge Patch (RFC 7386) over A: objects merge key by key, anything else (arrays,
// numbers, strings) replaces, null removes a key. {"context": {"ignored_providers": ["nebius"]}}
// is A with one account policy more; {"traffic": [...]} is A with other traffic.

/** A JSON text parsed so that it can be written back exactly: integers beyond 2^53 (a uint64
 * seed) would be rounded by JSON.parse, so where the browser can (JSON.rawJSON) they are kept as
 * their source text; where it cannot, they are refused rather than silently changed. */
export function parseExact(text) {
  const raw = typeof JSON.rawJSON === 'function';
  return JSON.parse(text, (key, value, context) => {
    if (typeof value !== 'number' || Number.isSafeInteger(value) || !Number.isInteger(value)) return value;
    const source = context?.source;
    if (typeof source !== 'string' || !/^-?\d+$/.test(source)) return value;  // 1e300: exact as a number
    if (raw) return JSON.rawJSON(source);
    throw new SyntaxError(`${source} is beyond 2^53: this browser cannot copy it exactly (no JSON.rawJSON)`);
  });
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && !JSON.isRawJSON?.(v);

/** RFC 7386 section 2, MergePatch(target, patch): a new value; neither argument is changed. */
export function mergePatch(target, patch) {
  if (!isObject(patch)) return patch;
  const result = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    // defineProperty, not assignment: a "__proto__" key is data here, as it was in the JSON.
    else {
      const merged = mergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value);
      Object.defineProperty(result, key, { value: merged, enumerable: true, writable: true, configurable: true });
    }
  }
  return result;
}

/**
 * Scenario B from A's text and B's patch text. Returns {a, patch, scenario, text} (a, patch: the
 * parsed texts; scenario: B; text: B as JSON, for the core) or throws an Error whose
 * `where` is "A" or "B" (which text is at fault) and, for JSON that does not parse, `offset`.
 */
export function applyVariant(aText, patchText) {
  const a = parse(aText, 'A');
  const patch = parse(patchText, 'B');
  if (!isObject(patch)) {
    throw Object.assign(new Error('B must be a JSON object: a merge patch over A, e.g. {"context": {"ignored_providers": ["nebius"]}}'),
      { where: 'B', kind: 'shape' });
  }
  const scenario = mergePatch(a, patch);
  return { a, patch, scenario, text: JSON.stringify(scenario, null, 2) };
}

function parse(text, where) {
  try {
    return parseExact(text);
  } catch (error) {
    const position = /position (\d+)/.exec(error.message);
    throw Object.assign(new Error(error.message), { where, kind: 'json', offset: position ? Number(position[1]) : null });
  }
}

// ---- examples for the default scenario -------------------------------------------------------

/** One-click examples of B. Each `patch(aText)` returns the patch text (or throws, saying why). */
export const EXAMPLES = {
  ignore: {
    label: 'ignore nebius',
    note: 'B: the account ignores nebius, the provider limited to 2 requests/s (its 429s make ' +
      'requests fall back). Fewer fallbacks, and the traffic moves to the others.',
    patch: () => JSON.stringify({ context: { ignored_providers: ['nebius'] } }, null, 2),
  },
  latency: {
    label: 'latency, not price',
    note: 'B: the same traffic, but the classes sorted by price are sorted by latency. Faster ' +
      'providers (groq) take the support chat, at a higher cost. Arrays replace as a whole in a ' +
      'merge patch, so B carries all of traffic[].',
    patch: (aText) => {
      const a = parseExact(aText);
      let changed = 0;
      const traffic = (Array.isArray(a?.traffic) ? a.traffic : []).map((c) => {
        if (c?.request?.provider?.sort !== 'price') return c;
        changed++;
        return mergePatch(c, { request: { provider: { sort: 'latency' } } });
      });
      if (!changed) throw new Error('no traffic class of A sorts by price ("provider": {"sort": "price"})');
      return JSON.stringify({ traffic }, null, 2);
    },
  },
};

// ---- comparing two reports -------------------------------------------------------------------

// cost_usd is the core's exact decimal string (picodollars: at most 12 decimals); differences
// are computed on those integers, so B − A is exact however large the bill.
export function usdToPicos(text) {
  const match = /^(-?)(\d+)(?:\.(\d{1,12}))?$/.exec(String(text));
  if (!match) throw new Error(`not a USD amount: ${text}`);
  const picos = BigInt(match[2]) * 10n ** 12n + BigInt((match[3] ?? '').padEnd(12, '0'));
  return match[1] ? -picos : picos;
}

export function picosToUsd(picos) {
  const sign = picos < 0n ? '-' : '';
  const abs = picos < 0n ? -picos : picos;
  const units = abs / 10n ** 12n;
  const fraction = String(abs % 10n ** 12n).padStart(12, '0').replace(/0+$/, '');
  return `${sign}${units}${fraction ? `.${fraction}` : ''}`;
}

const rate = (part, whole) => (whole ? part / whole : null);
const minus = (a, b) => (a == null || b == null ? null : b - a);
const relative = (a, b) => (a == null || b == null || a === 0 ? null : (b - a) / a);

/**
 * The comparison table's rows, A and B side by side: {metric, label, kind, a, b, diff, pct,
 * better}. kind: "int" | "fraction" (diff in percentage points) | "usd" (a, b, diff: decimal
 * strings) | "ms". pct: (B − A) / A for cost and latency, else null. better: "lower" | "higher" |
 * null, which direction of the difference is an improvement. Provider rows (metric "share",
 * `provider`) cover both reports' providers, A's order first.
 */
export function compareReports(a, b) {
  const rows = [];
  const row = (metric, label, kind, va, vb, { pct = false, better = null } = {}) => rows.push({
    metric, label, kind, a: va, b: vb, diff: minus(va, vb), pct: pct ? relative(va, vb) : null, better,
  });
  row('requests', 'requests', 'int', a.requests, b.requests);
  row('success_rate', 'success rate', 'fraction', rate(a.succeeded, a.requests), rate(b.succeeded, b.requests), { better: 'higher' });
  row('fallbacks', 'fallbacks', 'int', a.fallbacks, b.fallbacks, { better: 'lower' });
  const [ca, cb] = [usdToPicos(a.cost_usd), usdToPicos(b.cost_usd)];
  rows.push({
    metric: 'cost', label: 'cost (USD)', kind: 'usd', a: a.cost_usd, b: b.cost_usd,
    diff: picosToUsd(cb - ca), pct: ca === 0n ? null : Number(cb - ca) / Number(ca), better: 'lower',
  });
  for (const p of ['p50', 'p90', 'p99']) {
    row(`latency_${p}`, `latency ${p}`, 'ms', a.latency_ms?.[p] ?? null, b.latency_ms?.[p] ?? null, { pct: true, better: 'lower' });
  }
  const shareA = new Map(a.providers.map((p) => [p.provider, p]));
  const shareB = new Map(b.providers.map((p) => [p.provider, p]));
  const slugs = [...shareA.keys(), ...[...shareB.keys()].filter((s) => !shareA.has(s))];
  for (const slug of slugs) {
    const pa = shareA.get(slug);
    const pb = shareB.get(slug);
    rows.push({
      metric: 'share', provider: slug, name: (pa ?? pb).name, label: 'share', kind: 'fraction',
      a: pa?.share ?? 0, b: pb?.share ?? 0, diff: (pb?.share ?? 0) - (pa?.share ?? 0), pct: null, better: null,
    });
  }
  return rows;
}
