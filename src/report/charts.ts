// Inline SVG bar charts for the report summary: no scripts, no external resources, so they work in
// the self-contained HTML file under its CSP and print as vectors.
import type { Severity } from '../core/model.js';
import { escapeHtml } from './html-escape.js';

export const SEVERITY_COLORS: Record<Severity, string> = { high: '#c0262d', medium: '#d9771e', low: '#2f6fbe', info: '#6b7280' };

export interface Bar {
  label: string;
  value: number;
  color: string;
}

/** Horizontal bars, one row each, labelled with the value; an empty list draws "none". */
export function barChartSvg(title: string, bars: Bar[], width = 520): string {
  const row = 24;
  const labelW = 210;
  const top = 26;
  const height = top + Math.max(1, bars.length) * row + 6;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const plotW = width - labelW - 50;
  const rows = bars.map((b, i) => {
    const y = top + i * row;
    const w = Math.round((b.value / max) * plotW);
    return `<text x="${labelW - 8}" y="${y + 16}" text-anchor="end" font-size="12">${escapeHtml(b.label)}</text>` +
      `<rect x="${labelW}" y="${y + 4}" width="${Math.max(w, b.value > 0 ? 2 : 0)}" height="16" fill="${b.color}"/>` +
      `<text x="${labelW + w + 6}" y="${y + 16}" font-size="12">${b.value}</text>`;
  });
  if (bars.length === 0) rows.push(`<text x="${labelW}" y="${top + 16}" font-size="12" fill="#5b6272">none</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="${escapeHtml(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<text x="0" y="16" font-size="13" font-weight="600">${escapeHtml(title)}</text>${rows.join('')}</svg>`;
}
