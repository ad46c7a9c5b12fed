// The PDF rendering (pdfkit, pure JS): the same content as the HTML report, laid out for print.
// The standard PDF fonts cover Latin-1 only, so other characters are written as \u{...} escapes
// rather than as wrong glyphs; evidence keeps its exact text that way.
import PDFDocument from 'pdfkit';
import { SEVERITIES } from '../core/model.js';
import { SEVERITY_COLORS } from './charts.js';
import { buildContent, type FindingView, type Segment } from './content.js';
import type { ReportInput } from './json.js';

const EVIDENCE_LIMIT = 4000;

function safe(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/[^\n\t\u0020-\u00ff]/gu, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
}

function clip(parts: Segment[]): Segment[] {
  let left = EVIDENCE_LIMIT;
  const out: Segment[] = [];
  for (const p of parts) {
    if (left <= 0) break;
    out.push(p.text.length > left ? { text: p.text.slice(0, left), mark: p.mark } : p);
    left -= p.text.length;
  }
  const total = parts.reduce((n, p) => n + p.text.length, 0);
  if (total > EVIDENCE_LIMIT) out.push({ text: `\n[... ${total - EVIDENCE_LIMIT} more characters in the HTML and JSON reports]`, mark: false });
  return out;
}

export function buildPdfReport(input: ReportInput): Promise<Buffer> {
  const c = buildContent(input);
  const created = new Date(input.generatedAt ?? Date.now());
  const doc = new PDFDocument({
    size: 'A4',
    margin: 48,
    bufferPages: true,
    info: { Title: `wsc report - ${safe(c.target)}`, Author: c.generator, Creator: c.generator, CreationDate: created, ModDate: created },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (b: Buffer) => chunks.push(b));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = doc.page.width - 96;

  const heading = (text: string, size: number): void => {
    if (doc.y > doc.page.height - 120) doc.addPage();
    doc.moveDown(0.6).font('Helvetica-Bold').fontSize(size).fillColor('#1d2330').text(safe(text), { width });
    doc.moveDown(0.2);
  };
  const para = (label: string, text: string): void => {
    doc.font('Helvetica-Bold').fontSize(9.5).fillColor('#1d2330').text(`${label}: `, { continued: true, width });
    doc.font('Helvetica').text(safe(text), { width });
  };
  const code = (title: string, parts: Segment[]): void => {
    doc.font('Helvetica-Bold').fontSize(9).fillColor('#1d2330').text(title, { width });
    const shown = clip(parts);
    shown.forEach((p, i) => {
      doc.font(p.mark ? 'Courier-Bold' : 'Courier').fontSize(7.5).fillColor(p.mark ? '#c0262d' : '#333333');
      doc.text(safe(p.text), { width, continued: i < shown.length - 1 });
    });
    doc.moveDown(0.3);
  };
  const bars = (title: string, rows: { label: string; value: number; color: string }[]): void => {
    heading(title, 11);
    const max = Math.max(1, ...rows.map((r) => r.value));
    for (const r of rows) {
      const y = doc.y;
      doc.font('Helvetica').fontSize(9).fillColor('#1d2330').text(safe(r.label), 48, y, { width: 170 });
      const w = Math.round((r.value / max) * (width - 230));
      if (w > 0) doc.rect(228, y, w, 10).fill(r.color);
      doc.fillColor('#1d2330').text(String(r.value), 234 + w, y, { width: 60 });
      doc.x = 48;
      doc.y = y + 14;
    }
    if (rows.length === 0) doc.font('Helvetica').fontSize(9).text('none');
  };

  doc.font('Helvetica-Bold').fontSize(20).fillColor('#1d2330').text('Web security scan report', { width });
  doc.font('Helvetica').fontSize(11).text(safe(c.target), { width });
  heading('Summary', 14);
  for (const [k, v] of c.summary) para(k, v);
  doc.moveDown(0.3);
  para('Findings', `${c.total} (${SEVERITIES.map((s) => `${s} ${c.bySeverity[s]}`).join(', ')})`);
  bars('Findings by severity', SEVERITIES.map((s) => ({ label: s, value: c.bySeverity[s], color: SEVERITY_COLORS[s] })));
  bars('Findings by item', c.byItem.map((i) => ({ label: i.item, value: i.count, color: SEVERITY_COLORS[i.worst] })));

  if (c.health) {
    heading('Scan health', 14);
    for (const [k, v] of c.health) para(k, v);
  }

  if (c.comparison) {
    const d = c.comparison;
    heading(`Re-diagnosis against job ${d.masterId}`, 14);
    para('Counts', `fixed ${d.counts.fixed}, still present ${d.counts['still present']}, new ${d.counts.new}`);
    for (const e of d.entries) {
      doc.font('Helvetica').fontSize(9).fillColor('#1d2330')
        .text(safe(`[${e.status}] ${e.finding.severity.toUpperCase()} ${e.finding.item} - ${e.finding.url}${e.finding.parameter ? ` (${e.finding.parameter})` : ''}`), { width });
    }
  }

  if (c.groups.length === 0) heading('No findings.', 12);
  c.groups.forEach((g, gi) => {
    doc.addPage();
    heading(`${gi + 1}. ${g.item} (${g.findings.length})`, 15);
    const first = g.findings[0]!;
    para('What it is', first.what);
    para('Why it matters', first.why);
    para('OWASP Top 10', first.owasp);
    g.findings.forEach((v, i) => findingPdf(v, `${gi + 1}.${i + 1}`));
  });

  function findingPdf(v: FindingView, n: string): void {
    const f = v.finding;
    heading(`${n}. [${f.severity.toUpperCase()}] ${f.title}`, 11.5);
    if (v.status) para('Re-diagnosis', v.status);
    para('URL', `${f.method} ${f.url}`);
    if (f.parameter !== null) para('Parameter', `${f.parameter}${f.location ? ` (${f.location})` : ''}`);
    if (f.payload !== null) para('Payload', f.payload);
    para('Check', `${f.check}, confidence ${f.confidence}`);
    para('References', `${v.cwe.id}, OWASP ${v.owasp}; ${v.references.join(' ')}`);
    para('How to fix', v.fix);
    code('Proof', v.proof);
    code('Request', v.request);
    code('Response (excerpt)', v.response);
    code('Replay with curl', [{ text: f.curl, mark: false }]);
    if (v.probeFiles.length > 0) {
      para('Uploaded probe files to delete', '');
      for (const p of v.probeFiles) doc.font('Courier').fontSize(8).text(`- ${safe(p)}`, { width });
    }
  }

  // Page numbers last, when the page count is known.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font('Helvetica').fontSize(8).fillColor('#5b6272')
      .text(`${safe(c.generator)} - page ${i + 1} of ${range.count}`, 48, doc.page.height - 30, { width, align: 'center', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}

