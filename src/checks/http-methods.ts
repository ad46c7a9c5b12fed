// HTTP Methods (extension item): methods a site should not accept from anyone. TRACE: a request
// with a header of ours, echoed back in the body (cross-site tracing reads cookies and auth headers
// that scripts cannot). PUT: a small text file with a random marker, put only under a wsc-named
// file name (wsc-put-<random>.txt) in each folder the crawl revealed, and reported only when a GET
// then serves the marker. DELETE is only ever sent for that file, our own marker: a DELETE that
// removes it is reported as well; one that does not leaves it listed in probeFiles for deletion.
import { randomBytes } from 'node:crypto';
import type { HttpExchange, HttpRequestSpec } from '../core/model.js';
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';
import { discoveredDirectories, renderRequest, renderResponse, trySend } from './support.js';
import { probeBudget } from './definitions/probe-budget.js';

export const meta: CheckMeta = {
  id: 'http-methods',
  item: 'HTTP Methods',
  title: 'Risky HTTP method accepted',
  severity: 'medium',
  confidence: 'certain',
  cwe: 650,
  references: [
    'https://cwe.mitre.org/data/definitions/650.html',
    'https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/02-Configuration_and_Deployment_Management_Testing/06-Test_HTTP_Methods',
    'https://owasp.org/www-community/attacks/Cross_Site_Tracing',
  ],
  remediation:
    'Allow only the methods each resource needs: disable TRACE (Apache "TraceEnable off", IIS request filtering), and turn off WebDAV or restrict PUT, DELETE and their kin to authenticated, authorised users on the folders meant for uploads.',
  requestBudget: 4,
};

/** Folders probed at most: the StartUrl's, then those named like shares, then the rest in crawl order. */
const MAX_FOLDERS = 64;
const SHARE = /dav|upload|files?\/|share|public|media|static|assets|tmp|temp|incoming|storage|docs?\//i;

function finding(ex: HttpExchange, method: string, proof: string, severity: FindingDraft['severity'], extra: Record<string, unknown>): FindingDraft {
  return {
    url: ex.request.url,
    method,
    parameter: method,
    location: 'path',
    payload: method,
    severity,
    title: `HTTP ${method} accepted`,
    evidence: { request: renderRequest(ex.request), response: renderResponse(ex.response), proof },
    extra,
  };
}

const ok = (ex: HttpExchange | null): ex is HttpExchange => ex !== null && ex.response.status >= 200 && ex.response.status < 300;

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const budget = probeBudget(ctx, meta.requestBudget);
  const start = ctx.startUrl.replace(/[^/]*$/, '');
  const others = discoveredDirectories(ctx).filter((d) => d !== start);
  const folders = [start, ...others.filter((d) => SHARE.test(new URL(d).pathname)), ...others.filter((d) => !SHARE.test(new URL(d).pathname))].slice(0, MAX_FOLDERS);
  const send = async (spec: HttpRequestSpec): Promise<HttpExchange | null> => {
    if (ctx.signal.aborted || !budget.left()) return null;
    budget.spend();
    return trySend(ctx, spec);
  };
  const traced = new Set<string>();
  const put = new Set<string>();
  let done = 0;
  for (const folder of folders) {
    ctx.progress?.(done++, folders.length);
    if (ctx.signal.aborted || !budget.left()) return;
    const origin = new URL(folder).origin;
    if (!traced.has(origin)) {
      const tag = randomBytes(6).toString('hex');
      const ex = await send({ method: 'TRACE', url: folder, headers: { 'X-Wsc-Trace': tag } });
      if (ok(ex) && new RegExp(`^x-wsc-trace:\\s*${tag}\\s*$`, 'im').test(ex.response.body)) {
        traced.add(origin);
        yield finding(ex, 'TRACE', `X-Wsc-Trace: ${tag}\nTRACE ${new URL(folder).pathname} was answered ${ex.response.status} with our request echoed, header included: a script that can send TRACE reads the cookies and Authorization headers the browser adds.`, 'low', {});
      }
    }
    if (put.has(origin)) continue;
    const name = `wsc-put-${randomBytes(6).toString('hex')}.txt`;
    const url = folder + name;
    const marker = `wsc-put-marker-${randomBytes(8).toString('hex')}`;
    const stored = await send({ method: 'PUT', url, headers: { 'Content-Type': 'text/plain' }, body: marker });
    if (!ok(stored)) continue;
    const back = await send({ method: 'GET', url });
    if (!ok(back) || !back.response.body.includes(marker)) continue;
    put.add(origin);
    // our own file, and nothing else, is what DELETE is sent for
    const removed = await send({ method: 'DELETE', url });
    const after = ok(removed) ? await send({ method: 'GET', url }) : null;
    const gone = after !== null && (!after.response.body.includes(marker) || after.response.status === 404 || after.response.status === 410);
    yield finding(stored, 'PUT', `${marker}\nPUT ${new URL(url).pathname} was answered ${stored.response.status} and a GET of it then served the marker: anyone can place files (pages, scripts) on the site.${gone ? '' : ' The probe file is still there: delete it.'}`, 'high', { probeFiles: gone ? [] : [url] });
    if (gone && removed) yield finding(removed, 'DELETE', `DELETE ${new URL(url).pathname} (our own probe file, the only one DELETE is sent for) was answered ${removed.response.status} and the file was gone afterwards: anyone can remove files.`, 'high', {});
  }
  ctx.progress?.(folders.length, folders.length);
}

export const httpMethods: Check = { meta, run };
