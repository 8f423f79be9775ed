// charts.js: the report's time series drawn with uPlot (node_modules/uplot): attempts per
// provider, failures, and cost, one value per time bucket. The scenario's outage windows are
// shaded behind the lines, so a shift of traffic can be read against its cause.
import uPlot from '../../node_modules/uplot/dist/uPlot.esm.js';

const PALETTE = [
  '#2563eb', '#ea580c', '#16a34a', '#9333ea', '#0891b2', '#ca8a04', '#db2777', '#4b5563',
  '#65a30d', '#7c3aed',
];
const OTHERS_COLOR = '#9ca3af';
const FAILED_COLOR = '#dc2626';
const HEIGHT = 220;
// More lines than this are unreadable: the rest of the providers are summed as "others".
const MAX_PROVIDER_LINES = 8;

/**
 * Provider slug → colour, in the report's order (most attempts first): tables use it too. With
 * `other` (variant B's report), its providers that A does not colour get the next colours, so a
 * provider has the same colour in A's and B's charts.
 */
export function providerColors(report, other = null) {
  const colors = new Map();
  report.providers.forEach((p, i) => colors.set(p.provider, i < MAX_PROVIDER_LINES ? PALETTE[i % PALETTE.length] : OTHERS_COLOR));
  let next = Math.min(report.providers.length, MAX_PROVIDER_LINES);
  other?.providers.forEach((p, i) => {
    if (i < MAX_PROVIDER_LINES && (colors.get(p.provider) ?? OTHERS_COLOR) === OTHERS_COLOR) {
      colors.set(p.provider, PALETTE[next++ % PALETTE.length]);
    } else if (!colors.has(p.provider)) {
      colors.set(p.provider, OTHERS_COLOR);
    }
  });
  return colors;
}

// Seconds since the start as m:ss (or h:mm:ss).
function clock(seconds) {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

// [{provider, start_s, end_s}] from the scenario's providers.*.outages ("*" applies to all).
function outageWindows(scenario) {
  const windows = [];
  for (const [slug, behaviour] of Object.entries(scenario?.providers ?? {})) {
    for (const o of behaviour?.outages ?? []) {
      if (Number.isFinite(o?.start_ms) && Number.isFinite(o?.end_ms)) {
        windows.push({ provider: slug, start_s: o.start_ms / 1000, end_s: o.end_ms / 1000 });
      }
    }
  }
  return windows;
}

function shadeOutages(windows, colors) {
  return (u) => {
    const { ctx } = u;
    const { top, height } = u.bbox;
    ctx.save();
    for (const w of windows) {
      const x0 = u.valToPos(w.start_s, 'x', true);
      const x1 = u.valToPos(w.end_s, 'x', true);
      ctx.fillStyle = (colors.get(w.provider) ?? FAILED_COLOR) + '22';  // the colour, ~13% opaque
      ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
    }
    ctx.restore();
  };
}

// Tick spacings a clock reads well at: seconds, minutes, hours, days.
const TIME_INCREMENTS = [
  0.001, 0.01, 0.1, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800,
  21600, 43200, 86400, 172800,
];

function xAxis() {
  return { values: (u, ticks) => ticks.map(clock), incrs: TIME_INCREMENTS, label: 'simulated time (m:ss)', labelSize: 20 };
}

// The value under the cursor, for the legend.
const count = (u, v) => (v == null ? '–' : Math.round(v).toLocaleString('en-US'));

/**
 * Draws (or redraws) the three charts into `targets` {attempts, failures, cost, attemptsB}.
 * With `variant` ({report, scenario} of B), B's attempts per provider are drawn too, into
 * targets.attemptsB, on the same y scale and in the same colours as A's; the titles say which
 * chart is which. Without it, attemptsB stays empty.
 */
export class Charts {
  #plots = [];
  #observer = null;

  constructor(targets) {
    this.targets = targets;
  }

  destroy() {
    for (const plot of this.#plots) plot.destroy();
    this.#plots = [];
    this.#observer?.disconnect();
    this.#observer = null;
    for (const target of Object.values(this.targets)) target?.replaceChildren();
  }

  draw(report, scenario, variant = null) {
    this.destroy();
    const series = report.series;
    const bucketS = series.bucket_ms / 1000;
    // Bucket starts, plus the end of the last bucket: a step holds each bucket's value across
    // its whole width, the last one included.
    const timeAxis = (s) => Array.from({ length: s.buckets + 1 }, (_, i) => (s.start_ms / 1000) + i * (s.bucket_ms / 1000));
    const x = timeAxis(series);
    const steps = (values) => [...values, values.at(-1) ?? 0];
    const colors = providerColors(report, variant?.report);
    const windows = outageWindows(scenario);
    const stepped = uPlot.paths.stepped({ align: 1 });
    const line = { paths: stepped, points: { show: false }, value: count };
    const prefix = variant ? 'A: ' : '';
    const common = (title, target, shaded = windows) => ({
      title,
      width: Math.max(320, target.clientWidth),
      height: HEIGHT,
      scales: { x: { time: false } },
      cursor: { drag: { x: true, y: false } },
      hooks: { drawClear: [shadeOutages(shaded, colors)] },
    });

    // Attempts per provider, by the bucket each attempt started in.
    const attempts = (r) => {
      const s = r.series;
      const none = () => new Array(s.buckets).fill(0);
      const data = [timeAxis(s)];
      const lines = [{ label: 'time', value: (u, v) => (v == null ? '–' : clock(v)) }];
      for (const p of r.providers.slice(0, MAX_PROVIDER_LINES)) {
        data.push(steps(s.providers[p.provider]?.attempts ?? none()));
        lines.push({ ...line, label: p.provider, stroke: colors.get(p.provider), width: 2 });
      }
      const rest = r.providers.slice(MAX_PROVIDER_LINES);
      if (rest.length) {
        const sum = none();
        for (const p of rest) (s.providers[p.provider]?.attempts ?? []).forEach((v, i) => { sum[i] += v; });
        data.push(steps(sum));
        lines.push({ ...line, label: `${rest.length} others`, stroke: OTHERS_COLOR, width: 2 });
      }
      return { data, lines, max: Math.max(0, ...data.slice(1).flat()) };
    };
    const attemptsA = attempts(report);
    const attemptsB = variant ? attempts(variant.report) : null;
    // A and B on one y scale, so the heights compare.
    const yMax = Math.max(attemptsA.max, attemptsB?.max ?? 0);
    const sameY = variant ? { y: { range: () => [0, yMax > 0 ? yMax * 1.05 : 1] } } : {};
    const attemptsTitle = (s) => `Attempts per provider (per ${clock(s.bucket_ms / 1000)} bucket)`;
    const attemptsOptions = {
      ...common(`${prefix}${attemptsTitle(series)}`, this.targets.attempts),
      series: attemptsA.lines,
      axes: [xAxis(), { label: 'attempts', labelSize: 20 }],
    };
    attemptsOptions.scales = { ...attemptsOptions.scales, ...sameY };
    this.#plot('attempts', attemptsOptions, attemptsA.data);
    if (variant) {
      const options = {
        ...common(`B: ${attemptsTitle(variant.report.series)}`, this.targets.attemptsB, outageWindows(variant.scenario)),
        series: attemptsB.lines,
        axes: [xAxis(), { label: 'attempts', labelSize: 20 }],
      };
      options.scales = { ...options.scales, ...sameY };
      this.#plot('attemptsB', options, attemptsB.data);
    }

    // Failures: failed requests (all attempts failed, or no route) and failed attempts per provider.
    const failuresData = [x, steps(series.failed)];
    const failuresSeries = [
      { label: 'time', value: (u, v) => (v == null ? '–' : clock(v)) },
      { ...line, label: 'failed requests', stroke: FAILED_COLOR, width: 3 },
    ];
    for (const p of report.providers) {
      const failed = series.providers[p.provider]?.failed;
      if (!failed || !failed.some((v) => v > 0)) continue;
      failuresData.push(steps(failed));
      failuresSeries.push({ ...line, label: `${p.provider} failed attempts`, stroke: colors.get(p.provider), width: 1.5, dash: [6, 3] });
    }
    this.#plot('failures', {
      ...common(`${prefix}Failures`, this.targets.failures),
      series: failuresSeries,
      axes: [xAxis(), { label: 'count', labelSize: 20 }],
    }, failuresData);

    // Cost: dollars per bucket (bars) and the running total (line, right axis).
    // Bars from each bucket's start; the running total is drawn at each bucket's end.
    const perBucket = [...series.cost_picos.map((p) => p / 1e12), null];
    let running = 0;
    const cumulative = [0, ...series.cost_picos.map((p) => (running += p / 1e12))];
    const usd = (u, v) => (v == null ? '–' : `$${v.toFixed(v < 1 ? 6 : 2)}`);
    this.#plot('cost', {
      ...common(`${prefix}Cost (USD)`, this.targets.cost),
      scales: {
        x: { time: false },
        usd: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] },
        total: { range: (u, min, max) => [0, max > 0 ? max * 1.05 : 1] },
      },
      series: [
        { label: 'time', value: (u, v) => (v == null ? '–' : clock(v)) },
        { label: 'per bucket', scale: 'usd', fill: '#16a34a66', stroke: '#16a34a', paths: uPlot.paths.bars({ align: 1, size: [1, 100] }), points: { show: false }, value: usd },
        { label: 'running total', scale: 'total', stroke: '#374151', width: 2, points: { show: false }, value: usd },
      ],
      axes: [
        xAxis(),
        { scale: 'usd', label: 'USD per bucket', labelSize: 20, size: 70, values: (u, t) => t.map((v) => `$${v.toPrecision(2)}`) },
        { scale: 'total', side: 1, label: 'USD total', labelSize: 20, size: 70, grid: { show: false }, values: (u, t) => t.map((v) => `$${v.toPrecision(3)}`) },
      ],
    }, [x, perBucket, cumulative]);

    // Follow the page's width.
    if (typeof ResizeObserver === 'function') {
      this.#observer = new ResizeObserver(() => {
        for (const plot of this.#plots) {
          const width = Math.max(320, plot.root.parentElement.clientWidth);
          if (width !== plot.width) plot.setSize({ width, height: HEIGHT });
        }
      });
      for (const target of Object.values(this.targets)) if (target) this.#observer.observe(target);
    }
  }

  #plot(name, options, data) {
    const target = this.targets[name];
    this.#plots.push(new uPlot(options, data, target));
  }
}
