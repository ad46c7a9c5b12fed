// SARIF 2.1.0 rendering: one rule per check id, one result per finding located by its URL.
import type { Finding, Severity } from '../core/model.js';
import type { HealthStats } from '../engine/health.js';
import { healthJson } from './health.js';
import { GENERATOR, reportFindings, type CheckInfo, type ReportInput } from './json.js';

export type SarifLevel = 'error' | 'warning' | 'note' | 'none';

export interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string };
  helpUri?: string;
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[]; item: string; cwe: number; 'security-severity': string; precision: string };
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
  partialFingerprints: { 'wscFinding/v1': string };
  properties: Record<string, unknown>;
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: {
    tool: { driver: { name: string; version: string; rules: SarifRule[] } };
    results: SarifResult[];
    /** The scan's health (src/report/health.ts), when the report input has it. */
    invocations?: SarifInvocation[];
    properties: Record<string, unknown>;
  }[];
}

export function sarifLevel(severity: Severity): SarifLevel {
  return severity === 'high' ? 'error' : severity === 'medium' ? 'warning' : 'note';
}

// GitHub code scanning reads this 0-10 figure to bucket results.
const SECURITY_SEVERITY: Record<Severity, string> = { high: '8.0', medium: '5.0', low: '3.0', info: '0.0' };

function ruleFromMeta(m: CheckInfo): SarifRule {
  const rule: SarifRule = {
    id: m.id,
    name: m.title.replace(/[^A-Za-z0-9]+(.)?/g, (_s, c: string | undefined) => (c ? c.toUpperCase() : '')).replace(/^./, (c) => c.toUpperCase()),
    shortDescription: { text: m.title },
    fullDescription: { text: `${m.item}: ${m.title}` },
    help: { text: m.remediation || m.title },
    defaultConfiguration: { level: sarifLevel(m.severity) },
    properties: {
      tags: ['security', `external/cwe/cwe-${m.cwe}`, `CWE-${m.cwe}`, m.item],
      item: m.item,
      cwe: m.cwe,
      'security-severity': SECURITY_SEVERITY[m.severity],
      precision: m.confidence === 'certain' ? 'very-high' : m.confidence === 'firm' ? 'high' : 'medium',
    },
  };
  if (m.references[0]) rule.helpUri = m.references[0];
  return rule;
}

function fingerprint(f: Finding): string {
  let path = f.url;
  try {
    path = new URL(f.url).pathname;
  } catch {
    // keep the raw URL: it is still a stable key
  }
  return `${f.item}|${path}|${f.parameter ?? ''}`;
}

export function buildSarifReport(input: ReportInput): SarifLog {
  const findings = reportFindings(input);
  const rules: SarifRule[] = [];
  const index = new Map<string, number>();
  const ruleFor = (f: Finding): number => {
    const known = index.get(f.check);
    if (known !== undefined) return known;
    const meta = input.checks?.find((c) => c.id === f.check);
    const rule = meta
      ? ruleFromMeta(meta)
      : ruleFromMeta({ id: f.check, item: f.item, title: f.title, severity: f.severity, confidence: f.confidence, cwe: f.cwe, remediation: '', references: [] });
    rules.push(rule);
    index.set(f.check, rules.length - 1);
    return rules.length - 1;
  };
  const results = findings.map((f): SarifResult => {
    const ruleIndex = ruleFor(f);
    const where = f.parameter ? ` (parameter ${f.parameter})` : '';
    return {
      ruleId: f.check,
      ruleIndex,
      level: sarifLevel(f.severity),
      message: { text: `${f.title}: ${f.method} ${f.url}${where}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: f.url } } }],
      partialFingerprints: { 'wscFinding/v1': fingerprint(f) },
      properties: {
        item: f.item,
        severity: f.severity,
        confidence: f.confidence,
        cwe: f.cwe,
        tags: [`CWE-${f.cwe}`, f.item],
        method: f.method,
        parameter: f.parameter,
        location: f.location,
        payload: f.payload,
        evidence: f.evidence,
        curl: f.curl,
        ...(f.extra ? { extra: f.extra } : {}),
      },
    };
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'wsc', version: GENERATOR.split(' ')[1] ?? '0.0.0', rules } },
        results,
        ...(input.stats.health ? { invocations: [sarifInvocation(input.stats.health, input.limitReached)] } : {}),
        properties: {
          target: input.target,
          stats: { requests: input.stats.requests, duration_ms: input.stats.durationMs, urls: input.stats.urls, ...(input.stats.health ? { health: healthJson(input.stats.health) } : {}) },
          ...(input.limitReached ? { limit_reached: input.limitReached } : {}),
        },
      },
    ],
  };
}

/**
 * The scan's health as SARIF sees a run: executionSuccessful is false when the target went down,
 * and each reason the verdict is not healthy is a tool execution notification (error for down,
 * warning for degraded coverage), so a CI viewer shows that the scan could not do its work.
 */
function sarifInvocation(h: HealthStats, limitReached: string | undefined): SarifInvocation {
  const level = h.verdict === 'down' ? 'error' : 'warning';
  const notes = h.reasons.map((text) => ({ level, message: { text }, descriptor: { id: h.verdict === 'down' ? 'wsc/target-down' : 'wsc/degraded-coverage' } }));
  notes.push({
    level: 'note',
    message: { text: `${h.sent} requests sent, ${h.answered} answered; ${h.sent - h.answered} without an answer; ${h.retries} retries, ${h.backoffs} back-offs, ${h.pauses} pauses` },
    descriptor: { id: 'wsc/scan-health' },
  });
  return {
    executionSuccessful: h.verdict !== 'down',
    ...(limitReached ? { exitCodeDescription: limitReached } : {}),
    toolExecutionNotifications: notes,
    properties: { verdict: h.verdict },
  };
}

interface SarifInvocation {
  executionSuccessful: boolean;
  exitCodeDescription?: string;
  toolExecutionNotifications: { level: string; message: { text: string }; descriptor: { id: string } }[];
  properties: Record<string, unknown>;
}
