// Reads templates from the shipped templates/ folder and an optional user directory, validating each
// file and naming the file and field of every problem. A user template with a shipped template's id
// replaces it, so a site can tune a matcher without forking the project.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../core/config.js';
import { templateSchema, type Template } from './format.js';
import { NotATemplate, parseNucleiTemplate, Unsupported, type NucleiTemplate } from './nuclei/format.js';

/** templates/ at the package root: two levels up from src/templates/ and from dist/templates/. */
export const SHIPPED_TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

export interface LoadedTemplate {
  template: Template;
  file: string;
  source: 'shipped' | 'user';
}

export class TemplateError extends Error {
  override name = 'TemplateError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
  }
}

function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(template)' : out;
}

/** Validates one template's JSON text; throws TemplateError naming the file and each bad field. */
export function parseTemplate(text: string, file: string): Template {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new TemplateError(file, [`not valid JSON: ${err instanceof Error ? err.message : String(err)}`]);
  }
  const r = templateSchema.safeParse(raw);
  if (!r.success) throw new TemplateError(file, r.error.issues.map((i) => `${fieldPath(i.path)}: ${i.message}`));
  return r.data;
}

/** Every *.json (wsc) and *.yaml/*.yml (Nuclei) file of a directory, sub-directories included, sorted. */
function templateFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...templateFiles(p));
    else if (/\.(json|ya?ml)$/.test(name)) out.push(p);
  }
  return out;
}

export interface LoadedNuclei {
  template: NucleiTemplate;
  file: string;
}

/** A Nuclei template a scan does not run, and why (another protocol, a feature not implemented). */
export interface SkippedTemplate {
  id: string;
  file: string;
  reason: string;
}

/** Largest template file read: templates are a page of YAML, not data. */
export const MAX_TEMPLATE_BYTES = 512 * 1024;

export interface LoadResult {
  templates: LoadedTemplate[];
  nuclei: LoadedNuclei[];
  skipped: SkippedTemplate[];
  errors: TemplateError[];
}

function loadNuclei(file: string, text: string): LoadedNuclei | SkippedTemplate {
  try {
    return { template: parseNucleiTemplate(text), file };
  } catch (err) {
    if (err instanceof NotATemplate) throw new TemplateError(file, [err.message]);
    if (err instanceof Unsupported) return { id: /^id:\s*(\S+)/m.exec(text)?.[1] ?? '?', file, reason: err.message };
    throw err;
  }
}

/** Loads shipped templates, then the user's; problems are collected, not thrown. */
export function loadTemplates(opts: { userDir?: string | null; shippedDir?: string | null } = {}): LoadResult {
  const byId = new Map<string, LoadedTemplate>();
  const nucleiById = new Map<string, LoadedNuclei>();
  const skipped: SkippedTemplate[] = [];
  const errors: TemplateError[] = [];
  const sources: [string, LoadedTemplate['source']][] = [];
  const shipped = opts.shippedDir === undefined ? SHIPPED_TEMPLATES_DIR : opts.shippedDir;
  if (shipped) sources.push([shipped, 'shipped']);
  if (opts.userDir) sources.push([resolve(opts.userDir), 'user']);
  for (const [dir, source] of sources) {
    let files: string[];
    try {
      files = templateFiles(dir);
    } catch (err) {
      errors.push(new TemplateError(dir, [`cannot read the templates directory: ${err instanceof Error ? err.message : String(err)}`]));
      continue;
    }
    const seenHere = new Map<string, string>();
    for (const file of files) {
      try {
        if (statSync(file).size > MAX_TEMPLATE_BYTES) throw new TemplateError(file, [`over ${MAX_TEMPLATE_BYTES} bytes`]);
        if (!file.endsWith('.json')) {
          const n = loadNuclei(file, readFileSync(file, 'utf8'));
          if ('reason' in n) skipped.push(n);
          else {
            const twin = seenHere.get('nuclei:' + n.template.id);
            if (twin !== undefined) throw new TemplateError(file, [`id: "${n.template.id}" is already used by ${twin}`]);
            seenHere.set('nuclei:' + n.template.id, file);
            nucleiById.set(n.template.id, n);
          }
          continue;
        }
        const template = parseTemplate(readFileSync(file, 'utf8'), file);
        const twin = seenHere.get(template.id);
        if (twin !== undefined) throw new TemplateError(file, [`id: "${template.id}" is already used by ${twin}`]);
        seenHere.set(template.id, file);
        byId.set(template.id, { template, file, source });
      } catch (err) {
        if (err instanceof TemplateError) errors.push(err);
        else errors.push(new TemplateError(file, [err instanceof Error ? err.message : String(err)]));
      }
    }
  }
  return { templates: [...byId.values()], nuclei: [...nucleiById.values()], skipped, errors };
}

let userDirOverride: string | null | undefined;
let cache: { key: string; templates: Template[]; nuclei: NucleiTemplate[] } | null = null;

/** Sets the user template directory (wsc scan --templates); null goes back to WSC_TEMPLATES_DIR. */
export function configureTemplates(opts: { userDir: string | null }): LoadResult {
  userDirOverride = opts.userDir;
  cache = null;
  return loadTemplates({ userDir: currentUserDir() });
}

function currentUserDir(): string | null {
  return userDirOverride ?? loadConfig(process.env).templatesDir;
}

/**
 * The templates a scan runs: shipped plus the user's, cached per directory. Invalid files make it
 * throw, because a scan that silently skips a template reports "nothing found" it never tested.
 */
export function activeTemplates(): Template[] {
  return active().templates;
}

/** The Nuclei templates a scan runs (those it skips were listed by wsc templates validate / the scan log). */
export function activeNucleiTemplates(): NucleiTemplate[] {
  return active().nuclei;
}

function active(): { templates: Template[]; nuclei: NucleiTemplate[] } {
  const userDir = currentUserDir();
  const key = userDir ?? '';
  if (cache?.key === key) return cache;
  const { templates, nuclei, errors } = loadTemplates({ userDir });
  if (errors.length > 0) throw new TemplateError(errors.map((e) => e.file).join(', '), errors.map((e) => e.message));
  cache = { key, templates: templates.map((t) => t.template), nuclei: nuclei.map((t) => t.template) };
  return cache;
}
