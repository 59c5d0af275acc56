// The experiment page (npm run build:web, served as npm run demo:web serves it) in the
// headless browser of the project, driven through its controls: short runs train to
// completion on wasm, js and wasm + threads, with the same accuracies as `npm start`'s code
// computes here in Node for the same settings; one chart panel per scale; the main thread
// keeps drawing frames while the Worker trains; Stop and Restart work. The screenshot is kept in
// test-results/experiment-page-ENGINE.png for a person to look at.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runExperiment } from '../../../experiment/experiment.js';
import { mnistBytes } from '../../../experiment/mnist.js';
import type { ExperimentResult } from '../../../experiment/result.js';
import { startDemoServer } from '../../../scripts/demo-web.mjs';
import { startStaticServer } from '../../../scripts/static-server.mjs';
import type { Run } from '../../../web/run.js';
import { newWindow } from '../../../scripts/browsers.mjs';
import { attribute, closeEngine, count, startEngine, text, watchedPage } from './open-page.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const web = join(root, 'out/web');
const screenshot = join(root, `test-results/experiment-page-${inject('engine')}.png`);
// Four scales: with the engines' own **, one value of logspace(0, -4, 4) differed in Node
// 20 and Chromium 150 (experiment/pow10.ts).
const SHORT_RUN = { seed: 3, epochs: 2, scales: 4 };
// js needs a Node run of its own (threads reuses wasm's): one epoch keeps the file short.
const JS_RUN = { ...SHORT_RUN, epochs: 1 };

let browser: Browser;
let page: Page;
let server: { url: string; close(): Promise<void> };
let errors: string[];
const tmp = mkdtempSync(join(tmpdir(), 'bn-page-'));

type Settings = { seed: number; epochs: number; scales: number };
const inNode = new Map<string, Promise<ExperimentResult>>();
/** What `npm start -- --backend B --seed S --epochs E --scales N` computes (1,000 images). */
function nodeResult(backend: 'wasm' | 'js', settings: Settings): Promise<ExperimentResult> {
  const key = JSON.stringify([backend, settings]);
  const config = { backend, ...settings, images: 1000, outDir: join(tmp, String(inNode.size)) };
  if (!inNode.has(key)) inNode.set(key, runExperiment(config, { write: () => true }).then((out) => out.result));
  return inNode.get(key)!;
}

const runs = () => page.evaluate(() => (window as unknown as { __bnExperiment: { runs: Run[] } }).__bnExperiment.runs);

async function setControls(settings: Settings & { backend: string }) {
  await page.select('#backend', settings.backend);
  for (const name of ['seed', 'epochs', 'scales'] as const) await page.locator(`#${name}`).fill(String(settings[name]));
}

const inputValue = (selector: string) => page.$eval(selector, (e) => (e as HTMLInputElement).value);
const isDisabled = (selector: string) => page.$eval(selector, (e) => (e as HTMLButtonElement).disabled);

/** Presses Start with `settings` on `backend` and waits for the run's end, counting the main
 *  thread's animation frames meanwhile. */
async function runToEnd(backend: string, settings: Settings): Promise<{ run: Run; frames: number[] }> {
  await setControls({ backend, ...settings });
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[] };
    w.__frames = [];
    const tick = (t: number) => {
      w.__frames.push(t);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const before = (await runs()).length;
  await page.click('#start');
  await page.waitForFunction((n) => {
    const r = (window as unknown as { __bnExperiment: { runs: Run[] } }).__bnExperiment.runs;
    return r.length > n && r.at(-1)!.state !== 'running';
  }, { timeout: 60_000 }, before);
  const run = (await runs()).at(-1)!;
  const frames = await page.evaluate(() => (window as unknown as { __frames: number[] }).__frames);
  return { run, frames };
}

beforeAll(async () => {
  if (!existsSync(join(web, 'index.html'))) throw new Error('out/web is missing: run `npm run build:web` first');
  server = await startDemoServer();
  browser = await startEngine();
  ({ page, errors } = await watchedPage(browser, { width: 1000, height: 900 }));
  await page.goto(`${server.url}/`);
  await page.waitForSelector('body[data-state="idle"], body[data-state="error"]', { timeout: 30_000 });
});

afterAll(async () => {
  await closeEngine();
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the experiment page, cross-origin isolated', () => {
  it('loads the images, offers the three backends and presets npm start\'s defaults', async () => {
    expect(await attribute(page, 'body', 'data-state')).toBe('idle');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.$$eval('#backend option:not([disabled])', (os) => os.map((o) => (o as HTMLOptionElement).value)))
      .toEqual(['wasm', 'js', 'threads']);
    expect(await Promise.all(['seed', 'epochs', 'scales'].map((id) => inputValue(`#${id}`)))).toEqual(['1', '16', '8']);
  });

  it('wasm: trains to completion with one chart panel per scale, the main thread drawing frames throughout', async () => {
    const { run, frames } = await runToEnd('wasm', SHORT_RUN);
    expect(run.error).toBeUndefined();
    expect(run.state).toBe('done');
    expect(run.backend).toBe('wasm');
    expect(run.epochMs).toHaveLength(2 * SHORT_RUN.scales * SHORT_RUN.epochs);
    expect(await count(page, '#charts g.panel')).toBe(SHORT_RUN.scales);
    // Two curves a panel, each with a point per epoch.
    const curves = await page.$$eval('#charts g.panel polyline', (ps) => ps.map((p) => p.getAttribute('points')!.split(' ').length));
    expect(curves).toEqual(new Array(2 * SHORT_RUN.scales).fill(SHORT_RUN.epochs));
    expect(await page.$eval('#progress', (p) => (p as HTMLProgressElement).value / (p as HTMLProgressElement).max)).toBe(1);
    expect(await text(page, '#timing')).toMatch(/^Time per epoch: \d+ ms on average over 16 epochs/);

    // Responsive: frames kept coming while the Worker trained (a main-thread loop, even one
    // that yields after every epoch, would leave gaps of whole epochs and few frames).
    const during = frames.filter((t) => t >= run.startedAt && t <= run.endedAt!);
    const seconds = (run.endedAt! - run.startedAt) / 1000;
    const gaps = during.slice(1).map((t, i) => t - during[i]);
    console.log(`wasm run: ${seconds.toFixed(2)} s, ${during.length} frames, longest gap ${Math.max(...gaps).toFixed(0)} ms, ` +
      `epochs ${run.epochMs.map((ms) => ms.toFixed(0)).join(', ')} ms`);
    expect(during.length).toBeGreaterThanOrEqual(Math.max(10, Math.floor(10 * seconds)));
    expect(Math.max(...gaps)).toBeLessThan(Math.min(1000, (seconds * 1000) / 2));

    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot as `${string}.png`, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
    expect(run.result).toEqual(await nodeResult('wasm', SHORT_RUN));
  });

  it('js: the same accuracies as npm start on js', async () => {
    const { run } = await runToEnd('js', JS_RUN);
    expect(run.state).toBe('done');
    expect(run.backend).toBe('js');
    expect(run.result).toEqual(await nodeResult('js', JS_RUN));
  });

  it('wasm + threads: as many threads as the browser has cores, and the same accuracies as npm start on wasm', async () => {
    const { run } = await runToEnd('threads', SHORT_RUN);
    expect(run.state).toBe('done');
    expect(run.threads).toBe(await page.evaluate(() => navigator.hardwareConcurrency));
    expect(run.result!.runs).toEqual((await nodeResult('wasm', SHORT_RUN)).runs);
  });

  it('Restart begins a new run, Stop ends it, and nothing trains after', async () => {
    await setControls({ backend: 'wasm', seed: 1, epochs: 200, scales: 1 });
    const before = (await runs()).length;
    const epochs = (i: number) => page.waitForFunction(
      (i) => ((window as unknown as { __bnExperiment: { runs: Run[] } }).__bnExperiment.runs[i]?.epochMs.length ?? 0) >= 1, { timeout: 30_000 }, i);
    await page.click('#start');
    await epochs(before);
    await page.click('#restart');
    await epochs(before + 1);
    await page.click('#stop');
    expect(await attribute(page, 'body', 'data-state')).toBe('stopped');
    const stopped = (await runs()).slice(before);
    expect(stopped.map((r) => r.state)).toEqual(['stopped', 'stopped']);
    await new Promise((resolve) => setTimeout(resolve, 800)); // epochs' time: a live Worker would have posted
    const later = (await runs()).slice(before);
    expect(later.map((r) => r.epochMs.length)).toEqual(stopped.map((r) => r.epochMs.length));
    expect(later[1].epochMs.length).toBeLessThan(400);
    expect(await isDisabled('#start')).toBe(false);
    expect(await isDisabled('#stop')).toBe(true);
    expect(await text(page, '#status')).toMatch(/^Stopped after \d+ of 400 epochs\.$/);
  });

  it('logged no errors', () => {
    expect(errors).toEqual([]);
  });
});

describe('the static build', () => {
  it('holds the page, its Worker and the 1,000 images as the bytes Node decodes, not the mnist package', () => {
    expect(readFileSync(join(web, 'mnist.bin')).equals(mnistBytes(1000))).toBe(true);
    const files = readdirSync(web, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    const total = files.reduce((sum, f) => sum + statSync(join(f.parentPath, f.name)).size, 0);
    expect(total).toBeLessThan(1_000_000); // the mnist package is 41 MB
    expect(readFileSync(join(web, '_headers'), 'utf8')).toContain('Cross-Origin-Embedder-Policy: require-corp');
  });

  it('without COOP/COEP: loads, and offers wasm + threads disabled', async () => {
    const plain = await startStaticServer({ root: web });
    try {
      const other = await newWindow(browser);
      await other.goto(`${plain.url}/`);
      await other.waitForSelector('body[data-state="idle"]', { timeout: 30_000 });
      expect(await other.evaluate(() => crossOriginIsolated)).toBe(false);
      expect(await other.$eval('#backend option[value="threads"]', (o) => (o as HTMLOptionElement).disabled)).toBe(true);
      await other.close();
    } finally {
      await plain.close();
    }
  });
});
