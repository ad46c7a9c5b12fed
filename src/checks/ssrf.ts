// SSRF: points URL-like parameters at a URL on our OAST listener; a request reaching the listener
// for that one probe is a certain finding, labelled with the insertion point. Where nothing arrives,
// internal addresses are placed as the parameter value (we never request them ourselves) and a
// tentative finding is raised only when the answer then shows that internal resource's content.
import type { CrawledRequest, HttpExchange, HttpResponseData } from '../core/model.js';
import type { Check, CheckContext, CheckMeta, CrawledPage, FindingDraft, InsertionPoint, OastHit } from './types.js';
import { renderRequest, renderResponse, trySend } from './support.js';
import { probeBudget, valuePoints } from './definitions/probe-budget.js';
import { METADATA_SIGNATURE, ssrfCandidate } from './definitions/ssrf.js';

export const meta: CheckMeta = {
  id: 'ssrf',
  item: 'SSRF',
  title: 'Server-side request forgery',
  severity: 'high',
  confidence: 'certain',
  cwe: 918,
  references: [
    'https://cwe.mitre.org/data/definitions/918.html',
    'https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html',
  ],
  remediation:
    'Do not fetch URLs chosen by the client. When a feature needs it, allow only known hosts (an allowlist checked after DNS resolution), block private, loopback and link-local ranges (169.254.169.254) on every redirect hop, and send the requests from an egress-restricted network.',
  requestBudget: 6,
};

/** How long to wait, at the end, for targets that fetch in the background. */
const LATE_WAIT_MS = 2500;

interface Sent {
  request: CrawledRequest;
  point: InsertionPoint;
  probeId: string;
  probeUrl: string;
  exchange: HttpExchange;
}

function titleOf(body: string): string | null {
  const t = /<title[^>]*>([^<]{4,120})<\/title>/i.exec(body)?.[1]?.trim();
  return t && t.length >= 4 ? t : null;
}

function certain(s: Sent, hits: OastHit[]): FindingDraft {
  const hit = hits[0] as OastHit;
  return {
    url: s.request.url,
    method: s.request.method,
    parameter: s.point.name,
    location: s.point.location,
    payload: s.probeUrl,
    evidence: {
      request: renderRequest(s.exchange.request),
      response: renderResponse(s.exchange.response),
      proof: `${hit.method} ${hit.path}\nOur listener received ${hit.method} ${hit.path} from ${hit.remote}${hit.headers['user-agent'] ? ` (User-Agent: ${hit.headers['user-agent']})` : ''} for probe "${hit.label}", a URL handed out only in ${s.point.location} parameter "${s.point.name}": the target fetched it.`,
    },
    extra: { oastId: s.probeId, hits: hits.length, remote: hit.remote },
  };
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const budget = probeBudget(ctx, meta.requestBudget);
  const oast = ctx.oast;
  const pending: Sent[] = [];
  const found = new Set<InsertionPoint>();
  const targets: { request: CrawledRequest; point: InsertionPoint }[] = [];
  for (const request of ctx.requests) {
    for (const point of valuePoints(ctx.insertionPoints(request)).filter(ssrfCandidate)) targets.push({ request, point });
  }
  let done = 0;
  if (oast) {
    for (const { request, point } of targets) {
      ctx.progress?.(done++, targets.length * 2);
      if (ctx.signal.aborted || !budget.left()) return;
      const probe = oast.probe(`${request.method} ${new URL(request.url).pathname} ${point.location}:${point.name}`);
      budget.spend();
      const exchange = await trySend(ctx, point.build(probe.url));
      if (!exchange) continue;
      const sent: Sent = { request, point, probeId: probe.id, probeUrl: probe.url, exchange };
      const hits = await oast.hits([probe.id], 0);
      if (hits.length > 0) {
        found.add(point);
        yield certain(sent, hits);
      } else pending.push(sent);
    }
    // background fetchers (webhooks, queues) call later: one shared wait for all of them
    if (pending.length > 0 && !ctx.signal.aborted) await oast.hits(pending.map((s) => s.probeId), LATE_WAIT_MS);
    for (const s of pending) {
      const hits = await oast.hits([s.probeId], 0);
      if (hits.length === 0) continue;
      found.add(s.point);
      yield certain(s, hits);
    }
  }
  yield* internalVariants(ctx, targets.filter((t) => !found.has(t.point)), budget, done, targets.length * 2);
  ctx.progress?.(1, 1);
}

/** Loopback (the target's own start page) and cloud metadata as values; tentative, with content as evidence. */
async function* internalVariants(
  ctx: CheckContext,
  targets: { request: CrawledRequest; point: InsertionPoint }[],
  budget: ReturnType<typeof probeBudget>,
  done: number,
  total: number,
): AsyncGenerator<FindingDraft> {
  const start = new URL(ctx.startUrl);
  const startPage: CrawledPage | undefined = ctx.pages.find((p) => p.request.url === ctx.startUrl || p.response.url === ctx.startUrl);
  const startTitle = startPage ? titleOf(startPage.response.body) : null;
  const port = start.port || (start.protocol === 'https:' ? '443' : '80');
  const internal = [
    ...(startTitle ? [{ url: `http://127.0.0.1:${port}${start.pathname}`, shows: (r: HttpResponseData) => (r.body.includes(startTitle) ? startTitle : null), what: `the start page (title "${startTitle}") read over loopback` }] : []),
    { url: 'http://169.254.169.254/latest/meta-data/', shows: (r: HttpResponseData) => METADATA_SIGNATURE.exec(r.body)?.[0] ?? null, what: 'the cloud metadata service listing' },
  ];
  for (const { request, point } of targets) {
    ctx.progress?.(done++, total);
    let baseline: HttpResponseData | null = null;
    for (const variant of internal) {
      if (ctx.signal.aborted || !budget.left()) return;
      if (!baseline) {
        budget.spend();
        baseline = (await trySend(ctx, ctx.toSpec(request)))?.response ?? null;
        if (!baseline || !budget.left()) break;
      }
      if (variant.shows(baseline)) continue;
      budget.spend();
      const ex = await trySend(ctx, point.build(variant.url));
      if (!ex) continue;
      const shown = variant.shows(ex.response);
      if (!shown || ex.response.body === baseline.body) continue;
      yield {
        url: request.url,
        method: request.method,
        parameter: point.name,
        location: point.location,
        payload: variant.url,
        confidence: 'tentative',
        evidence: {
          request: renderRequest(ex.request),
          response: renderResponse(ex.response),
          proof: `${shown}\nWith ${point.location} parameter "${point.name}" set to ${variant.url} (an address only the server can reach; not requested by the scanner) the answer shows ${variant.what}, which the untouched request's answer does not contain.`,
        },
        extra: { internalUrl: variant.url },
      };
      break;
    }
  }
}

export const ssrf: Check = { meta, run };
