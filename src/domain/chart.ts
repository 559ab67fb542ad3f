/**
 * A circular's bar chart as SVG, pure: one row per department, two horizontal
 * bars (results made public on time, R15; items covered by plans, R12) from 0 to
 * 100%, the department's name on the left, the value after each bar. Horizontal
 * bars keep thirty Chinese names readable. Rendering to PNG (with a CJK font) is
 * the service's (src/services/chart.ts).
 */

export interface ChartRow {
  label: string;
  /** Rates in [0, 1]; undefined: nothing to measure (drawn as 无数据). */
  a: number | undefined;
  b: number | undefined;
}

export interface ChartSpec {
  title: string;
  subtitle: string;
  seriesA: string;
  seriesB: string;
  rows: ChartRow[];
}

/** Where a text was drawn: what a test compares against the same text rendered alone. */
export interface PlacedText {
  text: string;
  x: number;
  y: number;
  size: number;
  anchor: 'start' | 'end' | 'middle';
}

export const CHART_WIDTH = 1200;
const TOP = 130;
const ROW = 40;
const BOTTOM = 50;
const LABEL_RIGHT = 250;
const BAR_LEFT = 264;
const BAR_WIDTH = 800;
const COLOR_A = '#2f6db5';
const COLOR_B = '#e08a2c';

export const chartHeight = (rows: number) => TOP + rows * ROW + BOTTOM;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** The one way a text element is written, so a test can render the same text alone. */
export function textElement(t: PlacedText, fill = '#222'): string {
  return `<text x="${t.x}" y="${t.y}" font-size="${t.size}" text-anchor="${t.anchor}" fill="${fill}">${esc(t.text)}</text>`;
}

export function barChartSvg(spec: ChartSpec): { svg: string; width: number; height: number; texts: PlacedText[] } {
  const width = CHART_WIDTH;
  const height = chartHeight(spec.rows.length);
  const texts: PlacedText[] = [];
  const parts: string[] = [];
  const put = (t: PlacedText, fill?: string) => { texts.push(t); parts.push(textElement(t, fill)); };
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  put({ text: spec.title, x: width / 2, y: 42, size: 26, anchor: 'middle' });
  put({ text: spec.subtitle, x: width / 2, y: 74, size: 16, anchor: 'middle' }, '#555');
  // Legend.
  parts.push(`<rect x="${BAR_LEFT}" y="92" width="18" height="14" fill="${COLOR_A}"/>`);
  put({ text: spec.seriesA, x: BAR_LEFT + 26, y: 105, size: 15, anchor: 'start' });
  parts.push(`<rect x="${BAR_LEFT + 400}" y="92" width="18" height="14" fill="${COLOR_B}"/>`);
  put({ text: spec.seriesB, x: BAR_LEFT + 426, y: 105, size: 15, anchor: 'start' });
  // Grid: 0, 25, 50, 75, 100%.
  for (let g = 0; g <= 4; g++) {
    const x = BAR_LEFT + (BAR_WIDTH * g) / 4;
    parts.push(`<line x1="${x}" y1="${TOP - 8}" x2="${x}" y2="${TOP + spec.rows.length * ROW}" stroke="#dddddd" stroke-width="1"/>`);
    put({ text: `${g * 25}%`, x, y: TOP + spec.rows.length * ROW + 22, size: 13, anchor: 'middle' }, '#777');
  }
  spec.rows.forEach((r, i) => {
    const y = TOP + i * ROW;
    if (i % 2 === 1) parts.push(`<rect x="0" y="${y}" width="${width}" height="${ROW}" fill="#f6f7f9"/>`);
    put({ text: r.label, x: LABEL_RIGHT, y: y + 26, size: 16, anchor: 'end' });
    const bar = (v: number | undefined, dy: number, color: string) => {
      if (v === undefined) {
        put({ text: '无数据', x: BAR_LEFT + 4, y: y + dy + 12, size: 12, anchor: 'start' }, '#999');
        return;
      }
      const w = Math.max(0, Math.min(1, v)) * BAR_WIDTH;
      parts.push(`<rect x="${BAR_LEFT}" y="${y + dy}" width="${w.toFixed(1)}" height="14" fill="${color}"/>`);
      put({ text: pct(v), x: BAR_LEFT + w + 6, y: y + dy + 12, size: 12, anchor: 'start' }, '#333');
    };
    bar(r.a, 5, COLOR_A);
    bar(r.b, 21, COLOR_B);
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
  return { svg, width, height, texts };
}
