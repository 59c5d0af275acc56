// Plain-text table for the terminal: workload | op | impl | median ms | GB/s | ours vs this.
export function formatTable(rows, speedupOf) {
  const header = ['workload', 'op', 'impl', 'median ms', 'GB/s', 'ours vs this'];
  const body = rows.map((r) => [r.workload, r.op, r.impl, r.medianMs.toFixed(3), r.gbps.toFixed(2), speedupOf(r)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const numeric = [false, false, false, true, true, true];
  const line = (cells) => '| ' + cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, i) => (numeric[i] ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|';
  return [line(header), rule, ...body.map(line)].join('\n');
}
