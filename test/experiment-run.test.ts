// A tiny run of the whole experiment in-process: the JSON and SVG it writes, its printed
// output, and that a seed fixes the results.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExperimentConfig } from '../experiment/args.js';
import { runExperiment } from '../experiment/experiment.js';
import { Progress } from '../experiment/progress.js';
import { renderSvg } from '../experiment/svg.js';
import { logspace } from '../experiment/train.js';

const dir = mkdtempSync(join(tmpdir(), 'bn-experiment-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tiny = (out: string, seed = 7, dtype: ExperimentConfig['dtype'] = 'float32'): ExperimentConfig => ({ backend: null, seed, epochs: 2, scales: 2, images: 30, outDir: join(dir, out), dtype });

async function run(config: ExperimentConfig) {
  let text = '';
  const output = await runExperiment(config, { write: (s: string) => (text += s), isTTY: false });
  return { ...output, text };
}

/** Checks that every tag is closed in order; returns the tag names opened, in order. */
function checkTags(svg: string): string[] {
  const stack: string[] = [];
  const opened: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>/g)) {
    const [, close, name, , selfClose] = m;
    if (close) expect(stack.pop(), `</${name}> closes the open tag`).toBe(name);
    else {
      opened.push(name);
      if (!selfClose) stack.push(name);
    }
  }
  expect(stack).toEqual([]);
  // Nothing that looks like a tag was left unmatched by the pattern, and text is escaped.
  expect(svg.replace(/<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>/g, '')).not.toMatch(/[<>]|&(?!amp;|lt;|gt;|quot;)/);
  return opened;
}

describe('runExperiment (30 images, 2 epochs, 2 scales)', () => {
  it('writes bn-experiment.json with one entry per scale and per-epoch accuracies', async () => {
    const { result, jsonPath, text } = await run(tiny('a'));
    expect(jsonPath).toBe(join(dir, 'a', 'bn-experiment.json'));
    const json = JSON.parse(readFileSync(jsonPath, 'utf8'));
    expect(json).toEqual(JSON.parse(JSON.stringify(result)));
    expect(json.runs.map((r: { initStd: number }) => r.initStd)).toEqual([1, 1e-4]);
    for (const r of json.runs) {
      for (const c of [r.withBN, r.withoutBN]) {
        expect(c.trainAcc).toHaveLength(2);
        for (const a of c.trainAcc) {
          expect(a).toBeGreaterThanOrEqual(0);
          expect(a).toBeLessThanOrEqual(1);
          expect(Math.round(a * 30)).toBeCloseTo(a * 30, 9); // a fraction of the 30 images
        }
      }
    }
    expect(json.config).toMatchObject({ seed: 7, epochs: 2, scales: 2, images: 30, itersPerEpoch: 1, batchSize: 100 });
    expect(['wasm', 'js']).toContain(json.backend);

    // Printed: the backend first, one plain progress line per run (no \r off a terminal), the table, the paths.
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^backend: (wasm|js)/);
    expect(text).not.toContain('\r');
    expect(lines.filter((l) => /^\[\d\/4\] initStd .* epoch 2\/2 {2}acc \d\.\d{3}/.test(l))).toHaveLength(4);
    expect(text).toMatch(/^initStd +final acc BN +final acc no BN/m);
    expect(text).toContain(`wrote ${jsonPath}`);
    expect(text).toContain(`wrote ${join(dir, 'a', 'bn-experiment.svg')}`);
  });

  it('writes a well-formed SVG with one panel per scale, two curves each, labels and a legend', () => {
    const svg = readFileSync(join(dir, 'a', 'bn-experiment.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const tags = checkTags(svg);
    expect(tags[0]).toBe('svg');
    expect(tags.filter((t) => t === 'svg')).toHaveLength(1);
    expect(svg.match(/<g class="panel"/g)).toHaveLength(2);
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(svg.match(/stroke-dasharray="6 4" points=/g)).toHaveLength(2); // the no-BN curves are dashed
    expect(svg).toContain('>initStd = 1.00<');
    expect(svg).toContain('>initStd = 1.00e-4<');
    expect(svg).toContain('>epochs<');
    expect(svg).toContain('>accuracy<');
    expect(svg).toContain('>Batch Normalization<');
  });

  it('draws the same panels centred in four panels\' width with minColumns: 4 (as the page does)', () => {
    const result = JSON.parse(readFileSync(join(dir, 'a', 'bn-experiment.json'), 'utf8'));
    const plain = renderSvg(result);
    expect(plain).toBe(readFileSync(join(dir, 'a', 'bn-experiment.svg'), 'utf8'));
    const wide = renderSvg(result, { minColumns: 4 });
    checkTags(wide);
    expect(plain).toMatch(/^<svg [^>]*width="440"/); // 2 panels of 210 and 2 x 10 of margin
    expect(wide).toMatch(/^<svg [^>]*width="860"/);
    const panels = (svg: string) => [...svg.matchAll(/<g class="panel" transform="translate\((\d+),(\d+)\)">([^]*?)<\/g>/g)];
    expect(panels(plain).map((m) => m[1])).toEqual(['10', '220']);
    expect(panels(wide).map((m) => m[1])).toEqual(['220', '430']); // (860 - 420) / 2 from the left
    expect(panels(wide).map((m) => m[3])).toEqual(panels(plain).map((m) => m[3]));
  });

  it('--dtype float64 trains float64 networks, records it, and prints how far the float32 grid is', async () => {
    const { result, text } = await run(tiny('f64', 7, 'float64'));
    expect(result.config.dtype).toBe('float64');
    expect(text).toMatch(/seed 7, float64\n/);
    const gap = /float64 vs float32 training accuracy: largest difference (\d\.\d{3}) \((.*)\); after the last epoch with BN, (\d\.\d{3}) at most\./.exec(text);
    expect(gap, text).not.toBeNull();
    // Against the float32 grid of the same seed, run here: the printed gap is theirs.
    const f32 = (await run(tiny('f32', 7))).result;
    let largest = 0;
    result.runs.forEach((r, i) => {
      for (const key of ['withBN', 'withoutBN'] as const) r[key].trainAcc.forEach((a, e) => (largest = Math.max(largest, Math.abs(a - f32.runs[i][key].trainAcc[e]))));
    });
    expect(Number(gap![1])).toBe(Number(largest.toFixed(3)));
  });

  it('gives identical results for the same seed', async () => {
    const first = JSON.parse(readFileSync(join(dir, 'a', 'bn-experiment.json'), 'utf8'));
    const again = await run(tiny('b'));
    expect(again.result.runs).toEqual(first.runs);
    expect(readFileSync(again.jsonPath, 'utf8')).toBe(readFileSync(join(dir, 'a', 'bn-experiment.json'), 'utf8'));
  });
});

describe('logspace', () => {
  it("gives numpy's logspace(0, -4, 16), the book's scales, to the last bit", () => {
    // np.logspace(0, -4, 16)
    const numpy = [1, 0.5411695265464637, 0.2928644564625237, 0.15848931924611134, 0.08576958985908942, 0.046415888336127795,
      0.025118864315095794, 0.013593563908785255, 0.007356422544596414, 0.003981071705534973, 0.0021544346900318843,
      0.0011659144011798323, 0.000630957344480193, 0.0003414548873833601, 0.00018478497974222906, 0.0001];
    expect(logspace(0, -4, 16)).toEqual(numpy);
    expect(logspace(0, -4, 1)).toEqual([1]);
  });
});

describe('Progress', () => {
  it('redraws one line with \\r on a terminal and ends it with a newline', () => {
    let text = '';
    const p = new Progress({ write: (s: string) => (text += s), isTTY: true });
    p.start('run', 4);
    p.epoch(1, 0.25);
    p.epoch(2, 0.5);
    p.done([0.25, 0.5], 1.5);
    expect(text.split('\r')).toHaveLength(5); // start, two epochs, done
    expect(text.endsWith('\n')).toBe(true);
    expect(text).toContain('[##########..........] epoch 2/4  acc 0.500');
  });
});
