// One entry point for every report file format, used by the API's getReport and the CLI.
import { buildHtmlReport } from './html.js';
import { buildJsonReport, type ReportInput } from './json.js';
import { buildPdfReport } from './pdf.js';
import { buildSarifReport } from './sarif.js';

export const REPORT_FORMATS = ['json', 'sarif', 'html', 'pdf'] as const;
export type ReportFileFormat = (typeof REPORT_FORMATS)[number];

export function isReportFormat(v: unknown): v is ReportFileFormat {
  return typeof v === 'string' && (REPORT_FORMATS as readonly string[]).includes(v);
}

export interface RenderedReport {
  contentType: string;
  /** File name extension, without the dot. */
  extension: string;
  body: Buffer;
}

export async function renderReport(format: ReportFileFormat, input: ReportInput): Promise<RenderedReport> {
  switch (format) {
    case 'html':
      return { contentType: 'text/html; charset=utf-8', extension: 'html', body: Buffer.from(buildHtmlReport(input), 'utf8') };
    case 'pdf':
      return { contentType: 'application/pdf', extension: 'pdf', body: await buildPdfReport(input) };
    case 'sarif':
      return { contentType: 'application/sarif+json', extension: 'sarif', body: Buffer.from(JSON.stringify(buildSarifReport(input), null, 2) + '\n', 'utf8') };
    case 'json':
      return { contentType: 'application/json; charset=utf-8', extension: 'json', body: Buffer.from(JSON.stringify(buildJsonReport(input), null, 2) + '\n', 'utf8') };
  }
}
