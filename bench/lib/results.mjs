// Shared by the benches (bench/run.mjs and bench/peers/run.mjs): the machine line,
// bench/results/NAME.json and a hand-written SVG bar chart bench/results/NAME.svg.
// A row is { suite, workload, op, impl, medianMs, gbps }.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** "CPU model, N cores, Node vX, N GiB" for the top of every table and file (`node: false` leaves Node out). */
export function machineLine({ node = true } = {}) {
  const cpus = os.cpus();
  const model = cpus[0]?.model?.trim() || 'unknown CPU';
  const gib = (os.totalmem() / 2 ** 30).toFixed(1);
  return `${model}, ${cpus.length} cores, ${node ? `Node ${process.version}, ` : ''}${gib} GiB, ${os.platform()}-${os.arch()}`;
}

/** Writes bench/results/NAME.json; returns its path. */
export function writeResults(name, { machine, rows }) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  const body = { machine, date: new Date().toISOString(), rows };
  writeFileSync(file, JSON.stringify(body, null, 2) + '\n');
  return file;
}

/** Writes bench/results/NAME.svg (renderChart of rows); returns its path. */
export function writeChart(name, rows) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.svg`);
  writeFileSync(file, renderChart(rows));
  return file;
}

// Fixed palette, assigned to implementations in order of first appearance.
const PALETTE = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#666666', '#1f78b4', '#b15928'];

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Horizontal bars of GB/s, one group per workload+op, one bar per impl, with a legend. */
export function renderChart(rows) {
  const impls = [...new Set(rows.map((r) => r.impl))];
  const color = new Map(impls.map((impl, i) => [impl, PALETTE[i % PALETTE.length]]));
  const groups = new Map();
  for (const r of rows) {
    const key = `${r.workload} · ${r.op}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }

  const W = 900, labelW = 250, barMaxW = W - labelW - 170, barH = 16, gap = 4, groupGap = 14, top = 40;
  const legendRowH = 18, legendCols = 3;
  const maxGbps = Math.max(1e-9, ...rows.map((r) => r.gbps));
  const out = [];
  let y = top;
  for (const [key, list] of groups) {
    out.push(`<text x="10" y="${y + 12}" font-weight="bold">${esc(key)}</text>`);
    y += 18;
    for (const r of list) {
      const w = Math.max(1, (r.gbps / maxGbps) * barMaxW);
      out.push(
        `<text x="${labelW - 8}" y="${y + barH - 4}" text-anchor="end">${esc(r.impl)}</text>`,
        `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${color.get(r.impl)}"/>`,
        `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + barH - 4}">${r.gbps.toFixed(2)} GB/s (${r.medianMs.toFixed(3)} ms)</text>`,
      );
      y += barH + gap;
    }
    y += groupGap;
  }
  // Legend below the groups.
  impls.forEach((impl, i) => {
    const lx = 10 + (i % legendCols) * (W / legendCols);
    const ly = y + Math.floor(i / legendCols) * legendRowH;
    out.push(
      `<rect x="${lx}" y="${ly}" width="12" height="12" fill="${color.get(impl)}"/>`,
      `<text x="${lx + 18}" y="${ly + 11}">${esc(impl)}</text>`,
    );
  });
  const H = y + Math.ceil(impls.length / legendCols) * legendRowH + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">Throughput, GB/s (bytes of x read + y written per call; higher is better)</text>`,
    ...out,
    `</svg>`,
    '',
  ].join('\n');
}
