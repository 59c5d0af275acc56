// The book's figure as a hand-written SVG: one small chart per initStd, training accuracy
// against epoch, with BN solid and without BN dashed.
import { formatStd, type Curve, type ExperimentResult } from './result.js';

const PANEL_W = 210;
const PANEL_H = 170;
const PAD = { left: 44, right: 10, top: 22, bottom: 34 }; // inside a panel: room for ticks and labels
const HEADER = 62; // figure title and legend
const COLORS = { bn: '#1f77b4', plain: '#ff7f0e' };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
const n2 = (v: number) => (Math.round(v * 100) / 100).toString();

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${n2(x)}" y="${n2(y)}"${attrs ? ' ' + attrs : ''}>${esc(s)}</text>`;
}

function curve(c: Curve, sx: (e: number) => number, sy: (a: number) => number, color: string, dashed: boolean): string {
  const pts = c.trainAcc.map((a, i) => `${n2(sx(i + 1))},${n2(sy(a))}`);
  const dash = dashed ? ' stroke-dasharray="6 4"' : '';
  const line = `<polyline fill="none" stroke="${color}" stroke-width="1.6"${dash} points="${pts.join(' ')}"/>`;
  // Markers too, so that a single-epoch run still shows: filled for BN, open without.
  const marks = c.trainAcc.map((a, i) =>
    `<circle cx="${n2(sx(i + 1))}" cy="${n2(sy(a))}" r="1.8" fill="${dashed ? 'white' : color}" stroke="${color}"/>`);
  return line + marks.join('');
}

export interface SvgOptions {
  /** At least this many panels' width (the title needs about 4), panels centred. Default 0. */
  minColumns?: number;
}

export function renderSvg(result: ExperimentResult, options: SvgOptions = {}): string {
  const n = result.runs.length;
  const cols = Math.min(4, n);
  const rows = Math.ceil(n / cols);
  const width = Math.max(cols, options.minColumns ?? 0) * PANEL_W + 20;
  const panelsX = (width - cols * PANEL_W) / 2; // 10 without minColumns
  const height = HEADER + rows * PANEL_H + 10;
  const E = result.config.epochs;
  const plotW = PANEL_W - PAD.left - PAD.right;
  const plotH = PANEL_H - PAD.top - PAD.bottom;
  const sx = (e: number) => PAD.left + (plotW * e) / E;
  const sy = (a: number) => PAD.top + plotH * (1 - Math.min(1, Math.max(0, a)));
  const xTicks = [...new Set([0, Math.round(E / 2), E])];

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="10">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    text(width / 2, 20, `Training accuracy with and without batch norm (${result.config.images} MNIST images, seed ${result.config.seed}, ${result.backend} backend)`, 'text-anchor="middle" font-size="13"'),
    `<g class="legend" transform="translate(${width / 2 - 170},38)">`,
    `<line x1="0" y1="0" x2="28" y2="0" stroke="${COLORS.bn}" stroke-width="1.6"/>`,
    text(34, 4, 'Batch Normalization'),
    `<line x1="170" y1="0" x2="198" y2="0" stroke="${COLORS.plain}" stroke-width="1.6" stroke-dasharray="6 4"/>`,
    text(204, 4, 'Normal (without BatchNorm)'),
    '</g>',
  ];
  result.runs.forEach((run, k) => {
    const col = k % cols;
    const row = Math.floor(k / cols);
    const bottom = k + cols >= n; // no panel below: label the x axis
    out.push(`<g class="panel" transform="translate(${panelsX + col * PANEL_W},${HEADER + row * PANEL_H})">`);
    out.push(text(PAD.left + plotW / 2, PAD.top - 7, `initStd = ${formatStd(run.initStd)}`, 'text-anchor="middle" font-size="11"'));
    out.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`);
    for (const a of [0, 0.5, 1]) {
      if (a === 0.5) out.push(`<line x1="${PAD.left}" y1="${n2(sy(a))}" x2="${PAD.left + plotW}" y2="${n2(sy(a))}" stroke="#ccc" stroke-dasharray="2 2"/>`);
      out.push(text(PAD.left - 4, sy(a) + 3, a.toFixed(1), 'text-anchor="end"'));
    }
    for (const e of xTicks) out.push(text(sx(e), PAD.top + plotH + 12, String(e), 'text-anchor="middle"'));
    if (col === 0) out.push(text(12, PAD.top + plotH / 2, 'accuracy', `text-anchor="middle" transform="rotate(-90 12 ${n2(PAD.top + plotH / 2)})"`));
    if (bottom) out.push(text(PAD.left + plotW / 2, PAD.top + plotH + 26, 'epochs', 'text-anchor="middle"'));
    out.push(curve(run.withoutBN, sx, sy, COLORS.plain, true));
    out.push(curve(run.withBN, sx, sy, COLORS.bn, false));
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
