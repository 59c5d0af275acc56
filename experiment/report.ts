// The table printed at the end: per scale, final accuracy and epoch to 50%, BN vs no BN.
import { formatStd, type ExperimentResult } from './result.js';

export function formatTable(result: ExperimentResult): string {
  const head = ['initStd', 'final acc BN', 'final acc no BN', '>=50% at epoch (BN)', '>=50% at epoch (no BN)'];
  const rows = result.runs.map((r) => [
    formatStd(r.initStd),
    (r.withBN.trainAcc.at(-1) ?? NaN).toFixed(3),
    (r.withoutBN.trainAcc.at(-1) ?? NaN).toFixed(3),
    String(r.withBN.epochTo50 ?? '-'),
    String(r.withoutBN.epochTo50 ?? '-'),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const fmt = (cells: string[]) => cells.map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('  ');
  const ahead = result.runs.filter((r) => (r.withBN.trainAcc.at(-1) ?? 0) > (r.withoutBN.trainAcc.at(-1) ?? 0)).length;
  return [
    fmt(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(fmt),
    '',
    `BN ahead after epoch ${result.config.epochs} for ${ahead} of ${result.runs.length} scales.`,
  ].join('\n');
}

/**
 * How far a float64 grid's accuracies are from the float32 grid's (same seeds: same initial
 * weights and minibatches): the largest difference over every epoch, with BN and without, and
 * where it is.
 */
export function formatDtypeGap(f64: ExperimentResult, f32: ExperimentResult): string {
  let worst = { gap: 0, where: 'nowhere' };
  let finalBN = 0;
  f64.runs.forEach((r, i) => {
    for (const key of ['withBN', 'withoutBN'] as const) {
      r[key].trainAcc.forEach((a, e) => {
        const gap = Math.abs(a - f32.runs[i][key].trainAcc[e]);
        if (gap > worst.gap) worst = { gap, where: `initStd ${formatStd(r.initStd)} ${key === 'withBN' ? 'with' : 'without'} BN, epoch ${e + 1}` };
      });
    }
    finalBN = Math.max(finalBN, Math.abs((r.withBN.trainAcc.at(-1) ?? 0) - (f32.runs[i].withBN.trainAcc.at(-1) ?? 0)));
  });
  return `float64 vs float32 training accuracy: largest difference ${worst.gap.toFixed(3)} (${worst.where}); after the last epoch with BN, ${finalBN.toFixed(3)} at most.`;
}
