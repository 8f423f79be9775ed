// simulator.js: the simulator page. Holds the scenario editor, sends scenarios to the
// simulation worker (simulation-worker.js: the npm package's Emscripten build, off the main
// thread, so the page stays responsive and Stop can abandon a long run) and renders what comes
// back. Every failure — JSON that does not parse, a scenario the core refuses, a core that does
// not load — is shown in the page's error box.
//
// Variant B (variant.js): when its editor holds a JSON merge patch, Run simulates A, then B (A
// with the patch) with the same seed, one after the other in the worker, and shows A's report
// with a comparison table and B's attempts chart; an error in B says it is B's. Empty: A alone,
// the single view.
//
// document.body.dataset.state: loading → ready → running → done | error → running …,
// dataset.runs counts finished runs (tests wait on both), and dataset.view is "single" or
// "compare" (what the report shows).
import { Charts, providerColors } from './charts.js';
import { format, renderComparison, renderReport } from './report.js';
import { EXAMPLES, applyVariant, compareReports } from './variant.js';

const $ = (id) => document.getElementById(id);
const editor = $('scenario');
const runButton = $('run');
const resetButton = $('reset');
const stopButton = $('stop');
const statusLine = $('status');
const errorBox = $('error');
const reportSection = $('report');
const variantEditor = $('variant');
const variantNote = $('variant-note');
const variantFull = $('variant-full');
const comparison = $('comparison');
const chartB = $('chart-attempts-b');
const charts = new Charts({
  attempts: $('chart-attempts'), failures: $('chart-failures'), cost: $('chart-cost'), attemptsB: chartB,
});

let defaultScenario = '';
let coreReady = false;
let running = false;
let nextId = 1;
const pending = new Map();
// A's report and scenario on show: Clear B redraws them as the single view.
let shown = null;
// Which editor the error on show is about: "A", "B" or null (not an editor's).
let errorSource = null;
document.body.dataset.view = 'single';
setState('loading', 'loading the Switchyard core…');
const scenarioLoaded = loadDefaultScenario();

function setState(state, text) {
  document.body.dataset.state = state;
  if (text !== undefined) statusLine.textContent = text;
  runButton.disabled = !coreReady || running;
  stopButton.hidden = !running;
}

function showError(title, detail, source = null) {
  errorSource = source;
  markInvalid(source);
  errorBox.replaceChildren();
  const heading = document.createElement('strong');
  heading.textContent = title;
  errorBox.append(heading);
  if (detail) {
    const text = document.createElement('pre');
    text.textContent = detail;
    errorBox.append(text);
  }
  errorBox.hidden = false;
}

function hideError() {
  errorSource = null;
  markInvalid(null);
  errorBox.hidden = true;
  errorBox.replaceChildren();
}

// aria-invalid (and a red border) on the editor an error is about.
function markInvalid(source) {
  for (const [name, node] of [['A', editor], ['B', variantEditor]]) {
    if (source === name) node.setAttribute('aria-invalid', 'true');
    else node.removeAttribute('aria-invalid');
  }
}

// ---- the worker ------------------------------------------------------------------------------

let worker = null;

// A new worker (the first, or after Stop): loads the core, then says "ready".
function startWorker() {
  coreReady = false;
  worker = new Worker(new URL('./simulation-worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = ({ data }) => {
    if (data.type === 'ready') {
      scenarioLoaded.then(() => {
        coreReady = true;
        if (!running) setState('ready', 'ready: edit the scenario and press Run (Ctrl+Enter)');
      });
    } else if (data.type === 'fatal') {
      showError('The Switchyard core could not be loaded', data.message);
      setState('error', 'the core is not available');
    } else {
      const resolve = pending.get(data.id);
      pending.delete(data.id);
      resolve?.(data);
    }
  };
  // A worker that cannot even start (its module failed to load or threw at the top level).
  worker.onerror = (event) => {
    event.preventDefault();
    coreReady = false;
    showError('The simulation worker failed', event.message ||
      'simulation-worker.js could not be loaded: is the page served by examples/simulator/serve.mjs?');
    settlePending({ message: 'the simulation worker stopped', code: 'internal' });
    setState('error', 'the simulation worker stopped');
  };
}

// Ends every simulation still waiting for the worker with `error`.
function settlePending(error) {
  for (const resolve of pending.values()) resolve({ type: 'error', error });
  pending.clear();
}

// Stop: a simulation cannot be interrupted inside the core, so the worker goes and a new one
// loads (a few hundred milliseconds).
function stop() {
  if (!running) return;
  worker.terminate();
  settlePending({ message: 'stopped before it finished', code: 'stopped' });
  startWorker();
}

function simulate(text) {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker.postMessage({ id, scenario: text });
  });
}

startWorker();

// ---- the editor ------------------------------------------------------------------------------

// "... in JSON at position 12 (line 2 column 3)": where JSON.parse stopped, as line and column.
function describeJsonError(error, text) {
  const position = /position (\d+)/.exec(error.message);
  if (!position) return { message: error.message, offset: null };
  const offset = Number(position[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  const where = /line \d+ column \d+/.test(error.message) ? '' : ` (line ${line}, column ${column})`;
  return { message: error.message + where, offset };
}

// Each press of Run ends in "done" or "error"; data-runs counts the ends (tests wait on it).
let runsEnded = 0;

async function run() {
  if (running || !coreReady) return;
  try {
    await runOnce();
  } finally {
    document.body.dataset.runs = String(++runsEnded);
  }
}

const hasVariant = () => variantEditor.value.trim() !== '';

// Shows a JSON.parse failure of `text` (editor A or B) and selects where it stopped.
function showJsonError(title, error, text, target, source) {
  const { message, offset } = describeJsonError(error, text);
  showError(title, message, source);
  if (offset !== null) {
    target.focus();
    target.setSelectionRange(offset, Math.min(text.length, offset + 1));
  }
}

// The worker's error reply as "(400 invalid_argument)" and its message, with the field.
function describeRefusal(e, fieldNote = '') {
  const status = e.httpStatus ? `${e.httpStatus} ${e.code}` : (e.code ?? 'error');
  const detail = e.field ? `${e.message}\nfield: ${e.field}${fieldNote}` : e.message;
  return { status, detail };
}

async function runOnce() {
  hideError();
  const text = editor.value;
  const withB = hasVariant();
  let scenario;
  try {
    scenario = JSON.parse(text);
  } catch (error) {
    showJsonError(withB ? 'Scenario A is not valid JSON' : 'The scenario is not valid JSON', error, text, editor, 'A');
    setState('error', 'not run: fix the JSON');
    return;
  }
  if (scenario === null || typeof scenario !== 'object' || Array.isArray(scenario)) {
    showError(withB ? 'Scenario A must be a JSON object' : 'The scenario must be a JSON object',
      'for example {"duration_ms": 60000, "traffic": [...]}', 'A');
    setState('error', 'not run');
    return;
  }
  let variant = null;
  if (withB) {
    try {
      variant = applyVariant(text, variantEditor.value);
    } catch (error) {
      if (error.where === 'B' && error.kind === 'json') {
        showJsonError('Variant B is not valid JSON', error, variantEditor.value, variantEditor, 'B');
      } else if (error.where === 'B') {
        showError('Variant B is not a merge patch', error.message, 'B');
      } else {
        showError('Scenario A cannot be copied into variant B', error.message, 'A');
      }
      setState('error', error.where === 'B' ? 'not run: fix B' : 'not run: see the error');
      return;
    }
  }

  running = true;
  const started = performance.now();
  let phase = withB ? 'A' : null;
  const label = () => (phase ? `running ${phase}…` : 'running the simulation…');
  setState('running', label());
  const ticker = setInterval(() => {
    statusLine.textContent = `${label()} ${((performance.now() - started) / 1000).toFixed(1)} s`;
  }, 250);
  let reply;
  let replyB = null;
  try {
    reply = await simulate(text);
    if (withB && reply.type === 'result') {
      phase = 'B';
      replyB = await simulate(variant.text);
    }
  } finally {
    clearInterval(ticker);
    running = false;
  }

  if (reply.type !== 'result' || (replyB && replyB.type !== 'result')) {
    const e = (reply.type !== 'result' ? reply : replyB).error ?? {};
    if (e.code === 'stopped') {
      setState(coreReady ? 'ready' : 'loading', 'stopped: the simulation was abandoned');
      return;
    }
    if (reply.type !== 'result') {
      const { status, detail } = describeRefusal(e);
      showError(`The core refused ${withB ? 'scenario A' : 'the scenario'} (${status})`, detail, 'A');
      setState('error', 'not run: see the error');
      return;
    }
    // A ran, B did not: A's report, alone, and B's error.
    show(reply.report, scenario, null);
    const { status, detail } = describeRefusal(e, ' (in B: scenario A with the patch of B applied)');
    showError(`The core refused variant B (${status})`, detail, 'B');
    setState('error', `A ran (${format.int(reply.report.requests)} requests); B was refused: see the error`);
    return;
  }
  if (!withB) {
    show(reply.report, scenario, null);
    setState('done', `done: ${format.int(reply.report.requests)} requests, ${format.int(reply.report.events)} events ` +
      `simulated in ${format.ms(reply.ms)}`);
    return;
  }
  show(reply.report, scenario, { report: replyB.report, scenario: variant.scenario, a: variant.a });
  setState('done', `done: A ${format.int(reply.report.requests)} requests, B ${format.int(replyB.report.requests)} ` +
    `requests, simulated in ${format.ms(reply.ms)} + ${format.ms(replyB.ms)}`);
}

// The report of A, and with `variant` ({report, scenario, a} of B) the comparison and B's chart.
function show(report, scenario, variant) {
  reportSection.hidden = false;
  renderReport(report);
  shown = { report, scenario };
  comparison.hidden = !variant;
  chartB.hidden = !variant;
  $('report-variant').textContent = variant ? ' — A' : '';
  document.body.dataset.view = variant ? 'compare' : 'single';
  if (variant) {
    renderComparison(compareReports(report, variant.report), providerColors(report, variant.report));
    const seed = (s) => (s?.seed === undefined ? '1 (the default)' : JSON.stringify(s.seed));
    $('comparison-seed').textContent = seed(variant.a) === seed(variant.scenario)
      ? `A and B ran with the same seed, ${seed(variant.a)}: with the same traffic they get the same ` +
        'requests at the same times (the core draws arrivals from a stream of their own), so the differences are the policy\'s.'
      : `A ran with seed ${seed(variant.a)}, B with seed ${seed(variant.scenario)}: the differences include chance.`;
  }
  charts.draw(report, scenario, variant);
}

// Back to the single view of the A report on show (Clear B).
function showSingle() {
  if (document.body.dataset.view !== 'compare' || !shown) return;
  show(shown.report, shown.scenario, null);
}

// ---- variant B -------------------------------------------------------------------------------

function variantChanged() {
  runButton.textContent = hasVariant() ? 'Run A and B' : 'Run';
  if (variantFull.open) previewVariant();
}

// "B in full": the scenario B would run, or why there is none.
function previewVariant() {
  const pre = variantFull.querySelector('pre');
  if (!hasVariant()) {
    pre.textContent = 'B is empty: Run simulates A alone.';
    return;
  }
  try {
    pre.textContent = applyVariant(editor.value, variantEditor.value).text;
  } catch (error) {
    pre.textContent = `${error.where === 'A' ? 'Scenario A' : 'Variant B'}: ${error.message}`;
  }
}

function useExample(name) {
  const example = EXAMPLES[name];
  try {
    variantEditor.value = example.patch(editor.value);
    variantNote.textContent = example.note;
  } catch (error) {
    variantNote.textContent = `The example "${example.label}" does not apply to this scenario A: ${error.message}`;
  }
  variantNote.hidden = false;
  if (errorSource === 'B') hideError();
  variantChanged();
}

function clearVariant() {
  variantEditor.value = '';
  variantNote.hidden = true;
  if (errorSource === 'B') hideError();
  variantChanged();
  showSingle();
}

$('variant-example-ignore').addEventListener('click', () => useExample('ignore'));
$('variant-example-latency').addEventListener('click', () => useExample('latency'));
$('variant-clear').addEventListener('click', clearVariant);
variantEditor.addEventListener('input', variantChanged);
editor.addEventListener('input', () => { if (variantFull.open) previewVariant(); });
variantFull.addEventListener('toggle', () => { if (variantFull.open) previewVariant(); });

runButton.addEventListener('click', run);
stopButton.addEventListener('click', stop);
resetButton.addEventListener('click', () => {
  editor.value = defaultScenario;
  hideError();
  if (variantFull.open) previewVariant();
});
for (const textarea of [editor, variantEditor]) {
  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    } else if (event.key === 'Tab' && !event.shiftKey) {
      // Indent instead of leaving the editor (Shift+Tab still moves focus away).
      event.preventDefault();
      textarea.setRangeText('  ', textarea.selectionStart, textarea.selectionEnd, 'end');
      if (textarea === variantEditor) variantChanged();
    }
  });
}

// ---- start -----------------------------------------------------------------------------------

async function loadDefaultScenario() {
  try {
    const response = await fetch(new URL('./scenario.json', import.meta.url));
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    defaultScenario = await response.text();
    editor.value = defaultScenario;
  } catch (error) {
    showError('The default scenario could not be loaded', `scenario.json: ${error.message}`);
  }
}
