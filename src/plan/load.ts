// Reads a scan plan: YAML parsed with source positions, ${NAME} replaced from the environment, then
// validated by the zod schema; every problem names the file, line and column it comes from.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { planSchema, type Plan } from './schema.js';

export interface PlanProblem {
  file: string;
  line: number;
  col: number;
  /** Dotted field path, e.g. scope.include[0].regex; "" for the document. */
  path: string;
  message: string;
}

export class PlanError extends Error {
  override name = 'PlanError';
  constructor(readonly problems: PlanProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

export function formatProblem(p: PlanProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`;
}

/** Biggest plan file read, bytes: a plan is a page of settings, not data. */
export const MAX_PLAN_BYTES = 256 * 1024;

type Key = string | number;

function pathText(path: readonly Key[]): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out === '' ? k : `.${k}`;
  return out;
}

/** The node at `path`, or the nearest ancestor that exists (for "missing" fields). */
function nodeAt(doc: Document, path: readonly Key[]): { node: Node | null; exact: boolean } {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : (doc.getIn(path.slice(0, n), true) as Node | undefined);
    if (node && typeof node === 'object' && 'range' in node) return { node, exact: n === path.length };
  }
  return { node: null, exact: false };
}

/** The key node of `key` in the map at `path` (where an unknown key is reported). */
function keyNode(doc: Document, path: readonly Key[], key: string): Node | null {
  const map = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (!isMap(map)) return null;
  for (const pair of map.items) if (isScalar(pair.key) && String(pair.key.value) === key) return pair.key;
  return null;
}

function position(lc: LineCounter, node: Node | null): { line: number; col: number } {
  const offset = node?.range?.[0] ?? 0;
  return lc.linePos(offset);
}

/** Replaces ${NAME} in every string; names that are not set are problems at their node. */
function expandEnv(value: unknown, env: NodeJS.ProcessEnv, path: Key[], missing: { path: Key[]; name: string }[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = env[name];
      if (v === undefined) {
        missing.push({ path, name });
        return '';
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, env, [...path, i], missing));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expandEnv(v, env, [...path, k], missing);
    return out;
  }
  return value;
}

/** Parses and validates plan text; throws PlanError listing every problem with its position. */
export function parsePlan(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Plan {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const problems: PlanProblem[] = [];
  for (const e of doc.errors) {
    const pos = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
    problems.push({ file, line: pos.line, col: pos.col, path: '', message: `not valid YAML: ${e.message.split('\n')[0]}` });
  }
  if (problems.length > 0) throw new PlanError(problems);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new PlanError([{ file, line: 1, col: 1, path: '', message: err instanceof Error ? err.message : String(err) }]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PlanError([{ file, line: 1, col: 1, path: '', message: 'a plan is a YAML mapping (version, targets, ...)' }]);
  }
  const missing: { path: Key[]; name: string }[] = [];
  const expanded = expandEnv(raw, env, [], missing);
  for (const m of missing) {
    const { node } = nodeAt(doc, m.path);
    problems.push({ file, ...position(lc, node), path: pathText(m.path), message: `environment variable ${m.name} is not set` });
  }
  const r = planSchema.safeParse(expanded);
  if (!r.success) problems.push(...issuesToProblems(r.error.issues, doc, lc, file));
  if (problems.length > 0) throw new PlanError(problems.sort((a, b) => a.line - b.line || a.col - b.col));
  return (r as { data: Plan }).data;
}

function issuesToProblems(issues: readonly z.core.$ZodIssue[], doc: Document, lc: LineCounter, file: string): PlanProblem[] {
  const out: PlanProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((k): k is Key => typeof k === 'string' || typeof k === 'number');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ file, ...position(lc, keyNode(doc, path, key) ?? nodeAt(doc, path).node), path: pathText([...path, key]), message: 'unknown field' });
      }
      continue;
    }
    const { node, exact } = nodeAt(doc, path);
    const message = exact ? issue.message : `missing (${issue.message.replace(/, received undefined$/, '')})`;
    const p: PlanProblem = { file, ...position(lc, node), path: pathText(path), message };
    // a union reports each branch's failure: one line per field and message is enough
    if (!out.some((o) => o.line === p.line && o.col === p.col && o.path === p.path && o.message === p.message)) out.push(p);
  }
  return out;
}

export function readPlan(file: string, env: NodeJS.ProcessEnv = process.env): Plan {
  let text: string;
  try {
    const buf = readFileSync(file);
    if (buf.length > MAX_PLAN_BYTES) throw new PlanError([{ file, line: 1, col: 1, path: '', message: `the plan is over ${MAX_PLAN_BYTES} bytes` }]);
    text = buf.toString('utf8');
  } catch (err) {
    if (err instanceof PlanError) throw err;
    throw new PlanError([{ file, line: 1, col: 1, path: '', message: `cannot read the plan: ${err instanceof Error ? err.message : String(err)}` }]);
  }
  return parsePlan(text, file, env);
}

/** A path of the plan (outputs, templates), relative to the plan file's own folder. */
export function planPath(planFile: string, p: string): string {
  return isAbsolute(p) ? p : resolve(dirname(planFile), p);
}
