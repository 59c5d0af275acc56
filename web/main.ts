// The experiment page: the controls, one training Worker per run, the charts redrawn as each
// epoch ends (experiment/svg.ts: the figure of out/bn-experiment.svg), progress and the time
// per epoch. window.__bnExperiment lists the runs for the browser test.
import { formatStd, type ExperimentResult } from '../experiment/result.js';
import { renderSvg } from '../experiment/svg.js';
import type { StartMessage, WorkerMessage } from './protocol.js';
import type { Run, RunState } from './run.js';
import { presetControls, readControls, type Settings } from './settings.js';

const $ = (id: string) => document.getElementById(id)!;
const button = (id: string) => $(id) as HTMLButtonElement;
const isolated = globalThis.crossOriginIsolated === true;
const runs: Run[] = [];
(globalThis as { __bnExperiment?: unknown }).__bnExperiment = { runs };

let images: ArrayBuffer | null = null;
let worker: Worker | null = null;
let current: Run | null = null;

function setState(state: 'loading' | 'idle' | RunState): void {
  document.body.dataset.state = state;
  if (current && state !== 'loading' && state !== 'idle') current.state = state;
  const running = state === 'running';
  button('start').disabled = running || images === null;
  button('stop').disabled = !running;
  button('restart').disabled = !running;
  if (current) drawHistory();
}

const epochsDone = (r: Run) => r.epochMs.length;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function drawHistory(): void {
  const rows = runs.map((r, i) => {
    const tr = document.createElement('tr');
    const cells = [
      String(i + 1),
      r.backend === null ? r.settings.backend : r.settings.backend === 'threads' ? `wasm, ${r.threads} thread${r.threads === 1 ? '' : 's'}` : r.backend,
      String(r.settings.seed),
      `${r.settings.scales} × ${r.settings.epochs}`,
      `${epochsDone(r)} / ${2 * r.settings.scales * r.settings.epochs}`,
      r.epochMs.length ? mean(r.epochMs).toFixed(0) : '–',
      r.state,
    ];
    for (const c of cells) tr.append(Object.assign(document.createElement('td'), { textContent: c }));
    return tr;
  });
  $('history').querySelector('tbody')!.replaceChildren(...rows.reverse());
}

function drawCharts(result: ExperimentResult): void {
  // The width of four panels at least, so that the figure's title fits with few scales.
  $('charts').innerHTML = renderSvg(result, { minColumns: 4 });
}

function showTiming(r: Run): void {
  const ms = r.epochMs;
  $('timing').textContent = ms.length
    ? `Time per epoch: ${mean(ms).toFixed(0)} ms on average over ${ms.length} epoch${ms.length === 1 ? '' : 's'}, the last ${ms.at(-1)!.toFixed(0)} ms ` +
      `(${r.result!.config.itersPerEpoch} minibatches of ${r.result!.config.batchSize} and an accuracy pass over ${r.result!.config.images} images).`
    : '';
}

function onMessage(r: Run, message: WorkerMessage): void {
  if (r !== current) return; // a stopped run's last words
  const epochs = r.settings.epochs;
  switch (message.type) {
    case 'ready': {
      r.result = message.plan;
      r.backend = message.plan.backend;
      r.threads = message.threads;
      const engine = `${message.plan.backend === 'wasm' ? 'wasm (SIMD)' : 'js'}, ${message.threads} thread${message.threads === 1 ? '' : 's'}`;
      $('env').textContent = `Training with ${engine}; this page is ${isolated ? '' : 'not '}cross-origin isolated.`;
      $('status').textContent = `Run 1 of ${2 * r.settings.scales}: initStd ${formatStd(message.plan.runs[0].initStd)} with BN, epoch 0 of ${epochs}`;
      drawCharts(r.result);
      drawHistory();
      return;
    }
    case 'epoch': {
      const scale = r.result!.runs[message.scaleIndex];
      (message.useBatchNorm ? scale.withBN : scale.withoutBN).trainAcc.push(message.acc);
      r.epochMs.push(message.ms);
      const progress = $('progress') as HTMLProgressElement;
      progress.max = message.total * epochs;
      progress.value = epochsDone(r);
      $('status').textContent = `Run ${message.run + 1} of ${message.total}: initStd ${formatStd(scale.initStd)} ` +
        `${message.useBatchNorm ? 'with' : 'without'} BN, epoch ${message.epoch} of ${epochs}, accuracy ${message.acc.toFixed(3)}`;
      showTiming(r);
      drawCharts(r.result!);
      drawHistory();
      return;
    }
    case 'done': {
      r.result = message.result;
      const runsOf = message.result.runs;
      const ahead = runsOf.filter((s) => (s.withBN.trainAcc.at(-1) ?? 0) > (s.withoutBN.trainAcc.at(-1) ?? 0)).length;
      $('status').textContent = `Done: ${2 * runsOf.length} runs of ${epochs} epochs in ${((performance.now() - r.startedAt) / 1000).toFixed(1)} s. ` +
        `BN ahead after epoch ${epochs} for ${ahead} of ${runsOf.length} scales.`;
      drawCharts(r.result);
      finish('done');
      return;
    }
    case 'error':
      fail(message.message);
  }
}

function finish(state: RunState): void {
  if (current) current.endedAt = performance.now();
  worker?.terminate();
  worker = null;
  setState(state);
}

function fail(message: string): void {
  if (current) current.error = message;
  $('status').textContent = `Failed: ${message.split('\n')[0]}`;
  console.error(message);
  finish('error');
}

function start(): void {
  const settings = readControls();
  if (typeof settings === 'string') {
    $('status').textContent = settings; // a running run goes on
    return;
  }
  if (!images) return;
  if (worker) stop();
  const r: Run = { settings, state: 'running', backend: null, threads: 1, epochMs: [], result: null, startedAt: performance.now(), endedAt: null };
  runs.push(r);
  current = r;
  // One Worker per run: init() and the Wasm memory start clean, and terminate() stops at once.
  const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  worker = w;
  w.onmessage = (e: MessageEvent<WorkerMessage>) => onMessage(r, e.data);
  w.onerror = (e) => r === current && fail(`the training Worker failed: ${e.message || 'it could not load'}`);
  const message: StartMessage = { type: 'start', ...settings, images: images.slice(0) };
  w.postMessage(message, [message.images]);
  ($('progress') as HTMLProgressElement).value = 0;
  $('status').textContent = 'Starting…';
  $('timing').textContent = '';
  setState('running');
}

function stop(): void {
  if (!worker || !current) return;
  const r = current;
  finish('stopped');
  $('status').textContent = `Stopped after ${epochsDone(r)} of ${2 * r.settings.scales * r.settings.epochs} epochs.`;
}

presetControls(new URLSearchParams(location.search), isolated);
$('controls').addEventListener('submit', (e) => {
  e.preventDefault();
  start();
});
button('stop').addEventListener('click', stop);
button('restart').addEventListener('click', start);

fetch(new URL('mnist.bin', document.baseURI))
  .then((response) => {
    if (!response.ok) throw new Error(`fetching mnist.bin failed with HTTP ${response.status}`);
    return response.arrayBuffer();
  })
  .then((bytes) => {
    images = bytes;
    $('status').textContent = 'Ready: pick a backend and press Start.';
    $('env').textContent = `This page is ${isolated ? '' : 'not '}cross-origin isolated${isolated ? ', so wasm + threads is available' : ' (no COOP/COEP headers), so wasm + threads is off'}.`;
    setState('idle');
  })
  .catch((error: unknown) => {
    $('status').textContent = `Failed: ${String(error)}`;
    console.error(error);
    document.body.dataset.state = 'error';
  });
