// `npm start`'s experiment in Node: the grid (grid.ts) with a progress bar per run, then the
// table, out/bn-experiment.json and out/bn-experiment.svg. Exported so that tests run it in-process.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { init } from '../src/index.js';
import type { ExperimentConfig } from './args.js';
import { runGrid } from './grid.js';
import { loadImages } from './mnist.js';
import { Progress, type Sink } from './progress.js';
import { formatDtypeGap, formatTable } from './report.js';
import { formatStd, type ExperimentResult } from './result.js';
import { renderSvg } from './svg.js';
import { HYPER, itersPerEpoch, logspace } from './train.js';

export interface ExperimentOutput {
  result: ExperimentResult;
  jsonPath: string;
  svgPath: string;
}

export async function runExperiment(config: ExperimentConfig, out: Sink = process.stdout): Promise<ExperimentOutput> {
  const info = await init(config.backend ? { backend: config.backend } : undefined);
  const fellBack = config.backend === 'wasm' && info.backend !== 'wasm' ? ' (Wasm could not load: fell back to js)' : '';
  out.write(`backend: ${info.backend}${fellBack}, Wasm SIMD ${info.simd ? 'available' : 'unavailable'}\n`);

  const data = loadImages(config.images);
  const iters = itersPerEpoch(data.n);
  const scales = logspace(0, -4, config.scales);
  out.write(
    `${data.n} MNIST images, ${config.epochs} epochs of ${iters} x batch ${HYPER.batchSize}, lr ${HYPER.learningRate}, ` +
      `${scales.length} weight init scale${scales.length === 1 ? "" : "s"}, seed ${config.seed}, ${config.dtype}\n`,
  );

  const progress = new Progress(out);
  const width = String(2 * scales.length).length;
  let t0 = 0;
  const result = runGrid(data, config, info, {
    runStart: (run) => {
      const label = `[${String(run.index + 1).padStart(width)}/${run.total}] initStd ${formatStd(run.initStd).padEnd(8)} ${run.useBatchNorm ? 'with BN   ' : 'without BN'}`;
      progress.start(label, config.epochs);
      t0 = performance.now();
    },
    epoch: (_run, e, acc) => progress.epoch(e, acc),
    runEnd: (_run, curve) => progress.done(curve.trainAcc, (performance.now() - t0) / 1000),
  });
  mkdirSync(config.outDir, { recursive: true });
  const jsonPath = join(config.outDir, 'bn-experiment.json');
  const svgPath = join(config.outDir, 'bn-experiment.svg');
  writeFileSync(jsonPath, JSON.stringify(result, null, 2) + '\n');
  writeFileSync(svgPath, renderSvg(result));
  out.write(`\n${formatTable(result)}\n\nwrote ${jsonPath}\nwrote ${svgPath}\n`);
  if (config.dtype === 'float64') {
    // The same grid in float32 (same weights and minibatches): how far the book's precision moves it.
    out.write('\nthe same grid in float32, to compare...\n');
    const f32 = runGrid(data, { ...config, dtype: 'float32' }, info);
    out.write(`${formatDtypeGap(result, f32)}\n`);
  }
  return { result, jsonPath, svgPath };
}
