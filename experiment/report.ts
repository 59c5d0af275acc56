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
