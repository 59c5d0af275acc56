// npm run bench:browsers: the core bench's workloads (bench/workloads.mjs, the same shapes and
// implementations `npm run bench` times in Node) in headless Chromium and Firefox, through the
// page demo/workloads.html served as `npm run demo:web` serves it (cross-origin isolated).
// Both browsers stay open; each round times every workload in one, then in the other (the
// order alternates by round), so both see the machine in the same state. Prints the machine
// line, the browsers' versions and a markdown table of medians over rounds with minimums;
// with --save writes bench/results/browsers.json.
//   --rounds=R     rounds (default 5)
//   --only=TEXT    only the workloads whose name contains TEXT
//   --quick        a smoke run: one round, short batches
// BROWSERS=firefox (or chromium) runs one engine.
import { launch, newWindow, enginesToRun } from '../scripts/browsers.mjs';
import { startDemoServer } from '../scripts/demo-web.mjs';
import { save, startClock } from './lib/clock.mjs';
import { machineLine, writeResults } from './lib/results.mjs';
import { median } from './lib/stats.mjs';
import { WORKLOADS } from './workloads.mjs';

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = process.argv.includes('--quick');
const rounds = quick ? 1 : Number(arg('rounds') ?? 5);
if (!(Number.isSafeInteger(rounds) && rounds >= 1)) throw new Error(`--rounds: a count from 1; got ${arg('rounds')}`);
const only = arg('only') ?? '';
const names = WORKLOADS.map((w) => w.name).filter((n) => n.includes(only));
const minMs = quick ? 5 : 25; // the shortest batch of calls the page times
const engines = enginesToRun();
const NAMES = { chromium: 'Chromium', firefox: 'Firefox' };

// Seconds a round of all workloads took in one browser on the 2-core reference machine.
const SECONDS_PER_ROUND = quick ? 10 : 40;
const done = startClock(`bench:browsers: ${rounds} round(s) in ${engines.join(' and ')}`, rounds * engines.length * SECONDS_PER_ROUND * (names.length / WORKLOADS.length));

/** A browser with the workloads page open and ready to be driven. */
async function open(engine, url) {
  const browser = await launch(engine);
  try {
    const page = await newWindow(browser);
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e?.message ?? e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${url}/demo/workloads.html?driven`);
    await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 60_000 });
    const state = await page.evaluate(() => ({ ...window.__bnWorkloads, timeWorkload: undefined }));
    if (state.error || errors.length) throw new Error(`${engine}: the page failed: ${state.error ?? errors.join('\n')}`);
    if (state.info.backend !== 'wasm' || !state.crossOriginIsolated) throw new Error(`${engine}: expected the Wasm backend on an isolated page; got ${JSON.stringify(state)}`);
    const version = (await browser.version()).replace(/^[^/]*\//, '');
    return { engine, browser, page, errors, version };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

const server = await startDemoServer();
const opened = [];
const samples = new Map(); // "engine|workload|op|impl" -> ms per call, one a round
try {
  for (const engine of engines) opened.push(await open(engine, server.url));
  const browsers = opened.map((b) => `${NAMES[b.engine]} ${b.version}`).join(', ');
  console.log(`machine: ${machineLine({ node: false })}`);
  console.log(`browsers: ${browsers}\n`);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...opened].reverse() : opened;
    for (const name of names) {
      for (const b of order) {
        const t0 = performance.now();
        const out = await b.page.evaluate((n, o) => window.__bnWorkloads.timeWorkload(n, o), name, { minMs, turn: round });
        if (b.errors.length) throw new Error(`${b.engine}: ${b.errors.join('\n')}`);
        for (const [op, byImpl] of Object.entries(out)) {
          for (const [impl, ms] of Object.entries(byImpl)) {
            const key = [b.engine, name, op, impl].join('|');
            samples.set(key, [...(samples.get(key) ?? []), ms]);
          }
        }
        console.log(`round ${round + 1}/${rounds}, ${NAMES[b.engine]}: ${name} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
    }
  }

  const rows = [...samples].map(([key, ms]) => {
    const [engine, workload, op, impl] = key.split('|');
    return { engine, workload, op, impl, medianMs: median(ms), minMs: Math.min(...ms), rounds: ms.length };
  });
  const at = (engine, workload, op, impl) => rows.find((r) => r.engine === engine && r.workload === workload && r.op === op && r.impl === impl);
  const fmt = (ms) => (ms < 0.1 ? ms.toFixed(5) : ms < 10 ? ms.toFixed(3) : ms.toPrecision(3));
  const cell = (r) => (r ? `${fmt(r.medianMs)} (${fmt(r.minMs)})` : '-');
  console.log(`\nms per call, median over ${rounds} round(s) (minimum), and in brackets after it the median's ratio to memcpy of the same bytes:\n`);
  const pair = engines.length === 2 ? ' | Firefox / Chromium' : '';
  console.log(`| workload | op | impl | ${engines.map((e) => `${NAMES[e]} ms`).join(' | ')}${pair} |`);
  console.log(`| --- | --- | --- | ${engines.map(() => '---:').join(' | ')}${pair ? ' | ---:' : ''} |`);
  const seen = new Set();
  for (const r of rows) {
    const key = [r.workload, r.op, r.impl].join('|');
    if (seen.has(key)) continue;
    seen.add(key);
    const cells = engines.map((e) => {
      const one = at(e, r.workload, r.op, r.impl);
      const copy = at(e, r.workload, r.op, 'memcpy');
      return one ? `${cell(one)} [${(one.medianMs / copy.medianMs).toFixed(2)}x]` : '-';
    });
    const ratio = pair ? ` | ${(at('firefox', r.workload, r.op, r.impl).medianMs / at('chromium', r.workload, r.op, r.impl).medianMs).toFixed(2)}x` : '';
    console.log(`| ${r.workload} | ${r.op} | ${r.impl} | ${cells.join(' | ')}${ratio} |`);
  }
  // The table of bench/README.md: the implementations side by side, the engines in turn.
  const IMPLS = ['wasm resident', 'wasm f32 in/out', 'wasm', 'js'];
  console.log(`\nms per call, median (minimum) over ${rounds} round(s):\n`);
  console.log(`| workload | op | ${IMPLS.flatMap((i) => engines.map((e) => `${i}, ${NAMES[e]}`)).join(' | ')} |`);
  console.log(`| --- | --- | ${IMPLS.flatMap(() => engines.map(() => '---:')).join(' | ')} |`);
  for (const key of new Set(rows.map((r) => `${r.workload}|${r.op}`))) {
    const [workload, op] = key.split('|');
    console.log(`| ${workload} | ${op} | ${IMPLS.flatMap((i) => engines.map((e) => cell(at(e, workload, op, i)))).join(' | ')} |`);
  }
  if (save) console.log(`\nwrote ${writeResults('browsers', { machine: `${machineLine({ node: false })}; ${browsers}; ${rounds} rounds`, rows })}`);
} finally {
  for (const b of opened) await b.browser.close();
  await server.close();
}
done();
