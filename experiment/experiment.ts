// The whole experiment: for each initStd, one run with BN and one without; then the table,
// out/bn-experiment.json and out/bn-experiment.svg. Exported so that tests run it in-process.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { init } from '../src/index.js';
import type { ExperimentConfig } from './args.js';
import { loadImages } from './mnist.js';
import { Progress, type Sink } from './progress.js';
import { formatTable } from './report.js';
import { firstEpochAtLeast, formatStd, type Curve, type ExperimentResult } from './result.js';
import { renderSvg } from './svg.js';
import { HYPER, itersPerEpoch, logspace, trainRun } from './train.js';

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
      `${scales.length} weight init scale${scales.length === 1 ? "" : "s"}, seed ${config.seed}\n`,
  );

  const progress = new Progress(out);
  const total = 2 * scales.length;
  const width = String(total).length;
  let count = 0;
  const curve = (initStd: number, scaleIndex: number, useBatchNorm: boolean): Curve => {
    count++;
    progress.start(`[${String(count).padStart(width)}/${total}] initStd ${formatStd(initStd).padEnd(8)} ${useBatchNorm ? 'with BN   ' : 'without BN'}`, config.epochs);
    const t0 = performance.now();
    const trainAcc = trainRun(
      data,
      { initStd, useBatchNorm, epochs: config.epochs, seed: config.seed, scaleIndex, backend: info.backend },
      (e, acc) => progress.epoch(e, acc),
    );
    progress.done(trainAcc, (performance.now() - t0) / 1000);
    return { trainAcc, epochTo50: firstEpochAtLeast(trainAcc) };
  };
  const runs = scales.map((initStd, i) => ({ initStd, withBN: curve(initStd, i, true), withoutBN: curve(initStd, i, false) }));

  const result: ExperimentResult = {
    config: {
      seed: config.seed, epochs: config.epochs, scales: config.scales, images: data.n, itersPerEpoch: iters,
      hiddenSizes: [...HYPER.hiddenSizes], batchSize: HYPER.batchSize, learningRate: HYPER.learningRate,
    },
    backend: info.backend,
    simd: info.simd,
    runs,
  };
  mkdirSync(config.outDir, { recursive: true });
  const jsonPath = join(config.outDir, 'bn-experiment.json');
  const svgPath = join(config.outDir, 'bn-experiment.svg');
  writeFileSync(jsonPath, JSON.stringify(result, null, 2) + '\n');
  writeFileSync(svgPath, renderSvg(result));
  out.write(`\n${formatTable(result)}\n\nwrote ${jsonPath}\nwrote ${svgPath}\n`);
  return { result, jsonPath, svgPath };
}
