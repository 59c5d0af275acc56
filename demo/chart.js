// A grouped bar chart in plain SVG: one group per (pass, shape), one bar per variant.
const SVG = 'http://www.w3.org/2000/svg';
export const COLORS = { wasm: '#9db7ec', 'wasm out': '#3b6fd8', 'wasm resident': '#17357a', js: '#e0913b' };

function el(name, attrs, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** groups: [{ label: [line1, line2], values: { [variant]: number } }], values in Melem/s. */
export function drawChart(container, groups) {
  const variants = Object.keys(COLORS);
  const barW = 16, gap = 22, left = 56, top = 30, plotH = 220, bottom = 44;
  const width = left + groups.length * (variants.length * barW + gap) + gap;
  const height = top + plotH + bottom;
  const max = Math.max(1e-9, ...groups.flatMap((g) => Object.values(g.values)));
  const svg = el('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'throughput chart' });
  // Axis with 5 ticks.
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const y = top + plotH - (plotH * i) / 4;
    svg.append(el('line', { x1: left, x2: width, y1: y, y2: y, stroke: '#e3e6ea' }));
    svg.append(el('text', { x: left - 6, y: y + 4, 'text-anchor': 'end' }, v >= 100 ? v.toFixed(0) : v.toFixed(1)));
  }
  svg.append(el('text', { x: 14, y: top + plotH / 2, 'text-anchor': 'middle', transform: `rotate(-90 14 ${top + plotH / 2})` }, 'million elements / s'));
  groups.forEach((g, gi) => {
    const x0 = left + gap + gi * (variants.length * barW + gap);
    variants.forEach((b, bi) => {
      const v = g.values[b];
      if (!(v > 0)) return;
      const h = (plotH * v) / max;
      svg.append(el('rect', { x: x0 + bi * barW, y: top + plotH - h, width: barW - 2, height: h, fill: COLORS[b] }));
    });
    const cx = x0 + (variants.length * barW) / 2;
    g.label.forEach((line, i) => svg.append(el('text', { x: cx, y: top + plotH + 16 + 14 * i, 'text-anchor': 'middle' }, line)));
  });
  variants.forEach((b, i) => {
    svg.append(el('rect', { x: left + 10 + i * 120, y: 4, width: 12, height: 12, fill: COLORS[b] }));
    svg.append(el('text', { x: left + 26 + i * 120, y: 14 }, b));
  });
  container.replaceChildren(svg);
}
