// Specific Vulnerability, from Nuclei's YAML HTTP templates (--templates DIR or WSC_TEMPLATES_DIR
// beside wsc's JSON ones; see src/templates/nuclei/). Each template runs at every place an
// application may be mounted ({{BaseURL}}: the StartUrl's folder, the root, the folders one level
// below), its requests in order, later ones with what earlier ones extracted. A template that
// matches is one finding per URL, or per template and place with stop-at-first-match.
import type { HttpExchange } from '../core/model.js';
import { activeNucleiTemplates } from '../templates/loader.js';
import { readsOast, type NucleiRequest, type NucleiTemplate } from '../templates/nuclei/format.js';
import { buildSpecs, judge, placeVars, templateVars, type BuiltRequest, type Judgement, type Vars } from '../templates/nuclei/run.js';
import { applicationRoots, renderRequest, renderResponse, trySend } from './support.js';
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';

export const meta: CheckMeta = {
  id: 'nuclei-templates',
  item: 'Specific Vulnerability',
  title: 'Known vulnerability (Nuclei template)',
  severity: 'high',
  confidence: 'firm',
  cwe: 1395,
  references: ['https://docs.projectdiscovery.io/templates/introduction', 'https://cwe.mitre.org/data/definitions/1395.html'],
  remediation:
    'Follow the template\'s references: upgrade or reconfigure the product it identifies, and remove or restrict the exposed endpoint.',
  requestBudget: 200,
};

/** Places ({{BaseURL}} values) a template runs at, nearest to the StartUrl first. */
const MAX_PLACES = 8;
const OAST_WAIT_MS = 3000;

function draft(t: NucleiTemplate, b: BuiltRequest, ex: HttpExchange, j: Judgement): FindingDraft {
  const extracted = Object.entries(j.extracted).map(([k, v]) => `${k}: ${v.join(', ')}`);
  const proof = [
    ...(j.snippet ? [j.snippet.split('\n')[0] as string] : []),
    `nuclei template ${t.id} (${t.name}) matched: ${j.notes.join('; ')}`,
    ...extracted,
  ].join('\n');
  const title = t.cve.length > 0 ? `${t.name} (${t.cve.join(', ')})` : t.name;
  return {
    url: b.spec.url,
    method: b.spec.method,
    parameter: null,
    location: 'url',
    payload: b.spec.url.slice(new URL(b.spec.url).origin.length),
    title,
    severity: t.severity,
    confidence: 'firm',
    ...(t.cwe !== null ? { cwe: t.cwe } : {}),
    evidence: { request: renderRequest(ex.request), response: renderResponse(ex.response), proof },
    extra: {
      template: t.id,
      engine: 'nuclei',
      nucleiSeverity: t.nucleiSeverity,
      tags: t.tags,
      cve: t.cve,
      references: t.references,
      ...(t.description ? { description: t.description } : {}),
      ...(Object.keys(j.extracted).length > 0 ? { extracted: j.extracted } : {}),
    },
  };
}

interface Budget {
  left: number;
}

/** A response whose matchers read the out-of-band interaction: judged once the callbacks had time. */
interface Pending {
  t: NucleiTemplate;
  req: NucleiRequest;
  b: BuiltRequest;
  ex: HttpExchange;
  vars: Vars;
  host: string;
  oastId: string;
}

/** One template at one place; yields its findings, spending from the shared budget. */
async function* runAt(ctx: CheckContext, t: NucleiTemplate, base: string, budget: Budget, seen: Set<string>, pending: Pending[]): AsyncGenerator<FindingDraft> {
  const place = placeVars(base);
  let oastId: string | null = null;
  if (t.oast) {
    if (!ctx.oast) return;
    const probe = ctx.oast.probe(`nuclei:${t.id} ${base}`);
    oastId = probe.id;
    // used as a host name in templates (http://{{interactsh-url}}): host:port and the probe's path
    place['interactsh-url'] = probe.url.replace(/^https?:\/\//, '');
  }
  const vars: Vars | null = templateVars(t, place);
  if (vars === null) return;
  const host = String(place.Host);
  for (const req of t.requests as NucleiRequest[]) {
    for (const b of buildSpecs(req, vars)) {
      if (ctx.signal.aborted || budget.left <= 0) return;
      budget.left--;
      const ex = await trySend(ctx, b.spec, { followRedirects: req.redirects, rawPath: true, ...(b.timeoutMs ? { timeoutMs: b.timeoutMs } : {}) });
      if (!ex) continue;
      // a catch-all page answering every path would satisfy "status 200 and a word" templates
      if (ctx.soft404.isNotFound(b.spec.url, ex.response)) continue;
      if (oastId !== null && readsOast(req)) {
        pending.push({ t, req, b, ex, vars: { ...vars }, host, oastId });
        continue;
      }
      const j = judge(req, ex.response, vars, host);
      Object.assign(vars, j.dynamic);
      if (!j.matched) continue;
      const key = `${t.id} ${b.spec.url}`;
      if (!seen.has(key)) {
        seen.add(key);
        yield draft(t, b, ex, j);
      }
      if (req.stopAtFirstMatch) return;
    }
  }
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const templates = activeNucleiTemplates();
  if (templates.length === 0) return;
  const places = applicationRoots(ctx).slice(0, MAX_PLACES);
  const targets = Math.max(1, ctx.requests.length, ctx.pages.length);
  const budget: Budget = { left: meta.requestBudget * targets };
  const seen = new Set<string>();
  const pending: Pending[] = [];
  let n = 0;
  const total = templates.length * places.length;
  for (const t of templates) {
    for (const base of places) {
      if (ctx.signal.aborted) return;
      ctx.progress?.(n++, total);
      yield* runAt(ctx, t, base, budget, seen, pending);
      if (budget.left <= 0) {
        ctx.log('Nuclei template requests stopped at the request budget', { budget: meta.requestBudget * targets, template: t.id });
        break;
      }
    }
    if (budget.left <= 0) break;
  }
  if (pending.length > 0 && ctx.oast && !ctx.signal.aborted) yield* judgePending(ctx, pending, seen);
  ctx.progress?.(total, total);
}

/** One wait for every out-of-band probe, then each deferred response judged with what arrived. */
async function* judgePending(ctx: CheckContext, pending: Pending[], seen: Set<string>): AsyncGenerator<FindingDraft> {
  const oast = ctx.oast!;
  const ids = [...new Set(pending.map((p) => p.oastId))];
  await oast.hits(ids, OAST_WAIT_MS);
  // the first hit ends the wait; give the others that were on their way a moment to land
  await new Promise((r) => setTimeout(r, 300));
  const hits = await oast.hits(ids);
  for (const p of pending) {
    if (ctx.signal.aborted) return;
    const hit = hits.find((h) => h.id === p.oastId);
    const interaction = hit ? { interactsh_protocol: 'http', interactsh_request: `${hit.method} ${hit.path} HTTP/1.1\r\n${Object.entries(hit.headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n` } : { interactsh_protocol: '', interactsh_request: '' };
    const j = judge(p.req, p.ex.response, p.vars, p.host, interaction);
    const key = `${p.t.id} ${p.b.spec.url}`;
    if (!j.matched || seen.has(key)) continue;
    seen.add(key);
    const d = draft(p.t, p.b, p.ex, j);
    if (hit) d.evidence.proof += `\nout-of-band ${hit.method} ${hit.path} from ${hit.remote} at ${new Date(hit.at).toISOString()}`;
    yield d;
  }
}

export const nucleiTemplates: Check = { meta, run };
