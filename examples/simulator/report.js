// report.js: a simulation report (core/include/switchyard/simulate/simulate.h) as page content: the
// totals, the per-provider and per-class tables, and the first requests with their attempts.
// Every number shown carries its raw value in data-value, so tests read what was rendered.
import { providerColors } from './charts.js';

const integer = new Intl.NumberFormat('en-US');

export const format = {
  int: (n) => integer.format(n),
  percent: (fraction) => `${(fraction * 100).toFixed(1)}%`,
  ms: (ms) => (ms == null ? '–' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${integer.format(Math.round(ms))} ms`),
  // cost_usd is the core's exact decimal string; shown to the cent above $100, else to 6 places.
  usd: (text) => {
    const n = Number(text);
    return n >= 100 ? `$${n.toFixed(2)}` : `$${n.toFixed(6)}`;
  },
  seconds: (ms) => `${(ms / 1000).toFixed(2)} s`,
};

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    if (key === 'class') node.className = value;
    else if (key === 'data') Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// A table cell showing `text` with its raw `value`.
const num = (text, value, key) => el('td', { class: 'num', data: { value: String(value), ...(key ? { key } : {}) } }, text);

function setOutput(id, text, value) {
  const node = document.getElementById(id);
  node.textContent = text;
  node.dataset.value = String(value);
}

function renderTotals(r) {
  setOutput('total-requests', format.int(r.requests), r.requests);
  setOutput('total-success-rate', r.requests ? format.percent(r.succeeded / r.requests) : '–',
    r.requests ? r.succeeded / r.requests : '');
  setOutput('total-succeeded', format.int(r.succeeded), r.succeeded);
  setOutput('total-failed', format.int(r.failed), r.failed);
  setOutput('total-no-route', format.int(r.no_route), r.no_route);
  setOutput('total-attempts', format.int(r.attempts), r.attempts);
  setOutput('total-fallbacks', format.int(r.fallbacks), r.fallbacks);
  setOutput('total-fallback-rate', r.requests ? format.percent(r.fallbacks / r.requests) : '–',
    r.requests ? r.fallbacks / r.requests : '');
  setOutput('total-cost', format.usd(r.cost_usd), r.cost_usd);
  setOutput('total-p50', format.ms(r.latency_ms?.p50), r.latency_ms?.p50 ?? '');
  setOutput('total-p99', format.ms(r.latency_ms?.p99), r.latency_ms?.p99 ?? '');
  const f = r.failures;
  setOutput('failures-429', format.int(f.http_429), f.http_429);
  setOutput('failures-5xx', format.int(f.http_5xx), f.http_5xx);
  setOutput('failures-4xx', format.int(f.http_4xx ?? 0), f.http_4xx ?? 0);
  setOutput('failures-timeout', format.int(f.timeout), f.timeout);
  setOutput('failures-connection', format.int(f.connection), f.connection);
}

function renderProviders(r) {
  const colors = providerColors(r);
  const body = document.querySelector('#providers tbody');
  body.replaceChildren(...r.providers.map((p) => el('tr', { data: { provider: p.provider } },
    el('td', {}, el('span', { class: 'swatch', style: `background:${colors.get(p.provider)}` }),
      el('code', {}, p.provider), ' ', el('span', { class: 'muted' }, p.name)),
    num(format.int(p.attempts), p.attempts, 'attempts'),
    num(format.int(p.succeeded), p.succeeded, 'succeeded'),
    num(format.int(p.failed), p.failed, 'failed'),
    num(format.int(p.rate_limited), p.rate_limited, 'rate_limited'),
    num(format.percent(p.share), p.share, 'share'),
    num(format.usd(p.cost_usd), p.cost_usd, 'cost'),
    num(format.ms(p.latency_ms?.p50), p.latency_ms?.p50 ?? '', 'p50'),
    num(format.ms(p.latency_ms?.p99), p.latency_ms?.p99 ?? '', 'p99'))));
  const total = (key) => r.providers.reduce((a, p) => a + p[key], 0);
  const foot = document.querySelector('#providers tfoot');
  foot.replaceChildren(el('tr', {},
    el('th', { scope: 'row' }, `${r.providers.length} providers`),
    num(format.int(total('attempts')), total('attempts'), 'attempts'),
    num(format.int(total('succeeded')), total('succeeded'), 'succeeded'),
    num(format.int(total('failed')), total('failed'), 'failed'),
    num(format.int(total('rate_limited')), total('rate_limited'), 'rate_limited'),
    el('td'), num(format.usd(r.cost_usd), r.cost_usd, 'cost'), el('td'), el('td')));
}

function renderClasses(r) {
  const body = document.querySelector('#classes tbody');
  body.replaceChildren(...r.classes.map((c) => el('tr', { data: { class: c.name } },
    el('td', {}, el('code', {}, c.name)),
    num(format.int(c.requests), c.requests, 'requests'),
    num(c.requests ? format.percent(c.succeeded / c.requests) : '–', c.requests ? c.succeeded / c.requests : '', 'success_rate'),
    num(format.int(c.failed), c.failed, 'failed'),
    num(format.int(c.fallbacks), c.fallbacks, 'fallbacks'),
    num(format.int(c.cache_hits), c.cache_hits, 'cache_hits'),
    num(format.usd(c.cost_usd), c.cost_usd, 'cost'),
    num(format.ms(c.latency_ms?.p50), c.latency_ms?.p50 ?? '', 'p50'),
    num(format.ms(c.latency_ms?.p99), c.latency_ms?.p99 ?? '', 'p99'))));
}

const RESULT_TEXT = {
  ok: 'ok', http_429: 'rate limited', http_5xx: 'server error', http_4xx: 'request error', timeout: 'timed out',
  connection: 'connection refused',
};

// One attempt as a chip: provider, HTTP status, what happened, how long it took.
function attemptChip(a) {
  const status = a.status ? String(a.status) : '—';
  return el('span', {
    class: `attempt ${a.result === 'ok' ? 'ok' : 'bad'}`,
    title: `${a.tag}: ${RESULT_TEXT[a.result] ?? a.result} (HTTP ${status}), ` +
      `${format.seconds(a.start_ms)} → ${format.seconds(a.end_ms)}`,
    data: { provider: a.provider, result: a.result },
  }, el('b', {}, a.provider), ` ${status} ${RESULT_TEXT[a.result] ?? a.result} · ${format.ms(a.end_ms - a.start_ms)}`);
}

function renderSamples(r) {
  const body = document.querySelector('#samples tbody');
  body.replaceChildren(...r.samples.map((s, i) => {
    const chain = el('td', { class: 'chain' });
    s.attempts.forEach((a, k) => {
      if (k > 0) chain.append(el('span', { class: 'arrow', 'aria-hidden': 'true' }, '→'));
      chain.append(attemptChip(a));
    });
    if (s.attempts.length === 0) chain.append(el('span', { class: 'muted' }, s.error ?? 'no endpoint left to try'));
    else if (s.outcome !== 'ok' && s.error) chain.append(el('span', { class: 'muted' }, ` ${s.error}`));
    const last = s.attempts.at(-1);
    return el('tr', { class: s.outcome, data: { outcome: s.outcome } },
      num(String(i + 1), i + 1),
      num(format.seconds(s.t_ms), s.t_ms),
      el('td', {}, el('code', {}, s.class)),
      el('td', { class: `outcome ${s.outcome}` }, s.outcome.replace('_', ' ')),
      chain,
      num(last ? format.ms(last.end_ms - s.t_ms) : '–', last ? last.end_ms - s.t_ms : ''),
      num(s.cost_picos ? format.usd(String(s.cost_picos / 1e12)) : '–', s.cost_picos));
  }));
  document.getElementById('samples-count').textContent = `the first ${r.samples.length}`;
}

/** Fills the report section from `report`. */
export function renderReport(report) {
  renderTotals(report);
  renderProviders(report);
  renderClasses(report);
  renderSamples(report);
}

// ---- A vs B ----------------------------------------------------------------------------------

const MINUS = '\u2212';
const signOf = (negative, zero) => (zero ? '' : negative ? MINUS : '+');

/** A difference B − A as text, by the row's kind (variant.js compareReports). */
export function formatDiff(kind, diff) {
  if (diff == null) return '–';
  if (kind === 'usd') {
    const negative = diff.startsWith('-');
    const abs = negative ? diff.slice(1) : diff;
    return signOf(negative, Number(abs) === 0) + format.usd(abs);
  }
  const sign = signOf(diff < 0, diff === 0);
  const abs = Math.abs(diff);
  if (kind === 'fraction') return `${sign}${(abs * 100).toFixed(1)} pp`;
  if (kind === 'ms') return sign + format.ms(abs);
  return sign + format.int(abs);
}

/** A relative change (B − A) / A as text. */
export function formatChange(fraction) {
  if (fraction == null) return '';
  return `${signOf(fraction < 0, fraction === 0)}${(Math.abs(fraction) * 100).toFixed(1)}%`;
}

function formatValue(kind, value) {
  if (value == null) return '–';
  if (kind === 'usd') return format.usd(value);
  if (kind === 'fraction') return format.percent(value);
  if (kind === 'ms') return format.ms(value);
  return format.int(value);
}

// "better" / "worse" for a difference whose good direction is known.
function judge(row) {
  if (!row.better || row.diff == null) return undefined;
  const d = row.kind === 'usd' ? Number(row.diff) : row.diff;
  if (d === 0) return undefined;
  return (row.better === 'lower') === (d < 0) ? 'better' : 'worse';
}

/**
 * Fills the comparison table from compareReports(a, b) rows; `colors` (providerColors(a, b))
 * marks the provider rows as the charts do.
 */
export function renderComparison(rows, colors) {
  const body = document.querySelector('#comparison-table tbody');
  const cells = (r) => {
    const verdict = judge(r);
    return [
      num(formatValue(r.kind, r.a), r.a ?? '', 'a'),
      num(formatValue(r.kind, r.b), r.b ?? '', 'b'),
      el('td', { class: ['num', verdict].filter(Boolean).join(' '), data: { value: String(r.diff ?? ''), key: 'diff' } },
        formatDiff(r.kind, r.diff)),
      el('td', { class: ['num', verdict].filter(Boolean).join(' '), data: { value: String(r.pct ?? ''), key: 'pct' } },
        formatChange(r.pct)),
    ];
  };
  const totals = rows.filter((r) => r.metric !== 'share');
  const shares = rows.filter((r) => r.metric === 'share');
  body.replaceChildren(
    ...totals.map((r) => el('tr', { data: { metric: r.metric } }, el('th', { scope: 'row' }, r.label), ...cells(r))),
    el('tr', { class: 'group' }, el('th', { colspan: '5', scope: 'rowgroup' }, 'share of successful requests, by provider')),
    ...shares.map((r) => el('tr', { data: { metric: 'share', provider: r.provider } },
      el('th', { scope: 'row' }, el('span', { class: 'swatch', style: `background:${colors.get(r.provider)}` }),
        el('code', {}, r.provider), ' ', el('span', { class: 'muted' }, r.name)),
      ...cells(r))));
}
