// Cross-site scripting, reflected and stored. A random canary first shows where input comes back;
// only then are payloads chosen for that context (HTML text, RCDATA, attribute quoted or not, URL,
// script string, comment), and a finding needs the parsed page to hold what the payload builds:
// our randomly named element, our event handler or our call running as script code.
// Stored: forms are submitted with canaries, the crawled pages revisited, and where a canary shows
// up the same is done through the form, the page being parsed after the submission.
import type { CrawledRequest, HttpExchange, HttpResponseData } from '../core/model.js';
import { learnFilter, LETTERS, OPEN_PROFILE, type FilterProfile } from './definitions/input-filter.js';
import { findReflection, htmlish, isFormPost } from './definitions/xss-probe.js';
import { attackPoints, randomNumber, randomToken, type AttackPoint } from './definitions/injection-points.js';
import { confirmFormed, payloadsFor, reflectionContexts, type ReflectionContext, type XssMarkers } from './definitions/xss.js';
import { headerValue, pointKey, renderRequest, renderResponse, trySend } from './support.js';
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';

export const meta: CheckMeta = {
  id: 'xss',
  item: 'XSS',
  title: 'Cross-site scripting',
  severity: 'high',
  confidence: 'firm',
  cwe: 79,
  references: [
    'https://cwe.mitre.org/data/definitions/79.html',
    'https://owasp.org/www-community/attacks/xss/',
    'https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html',
  ],
  remediation:
    'Encode every untrusted value for the context it is written into (HTML text, quoted attribute, JavaScript string, URL) with the template engine\'s auto-escaping, allow only http(s) URLs in links, and serialise data for scripts with JSON plus "<" escaped. A Content-Security-Policy limits the damage but does not fix the flaw.',
  requestBudget: 25,
  perTarget: true,
};

const MAX_STORED_PAGES = 60;
/** Payloads tried per reflection context once the filter has pruned the families. */
const PER_CONTEXT = 4;
/** What the filter probe asks about: the characters payloads are made of and the keywords filters name. */
const XSS_TOKENS = ['<', '>', '"', "'", '(', ')', '`', ' ', '/', 'onmouseover=', 'javascript:', '<svg', LETTERS] as const;


function describe(c: ReflectionContext): string {
  switch (c.kind) {
    case 'attr':
      return `${c.urlStart ? 'URL ' : ''}attribute ${c.name} of <${c.tag}> (${c.quote === null ? 'unquoted' : `${c.quote}-quoted`})`;
    case 'script':
      return `script (${c.state})`;
    case 'rcdata':
      return `<${c.tag}> text`;
    default:
      return c.kind === 'text' ? 'HTML text' : 'HTML comment';
  }
}

interface Attempt {
  ex: HttpExchange;
  payload: string;
  family: string;
  proof: string;
  context: ReflectionContext;
}

/**
 * Tries, per context, the payloads the filter lets through (at most `perContext`); `judge` fetches
 * the page to parse (the response itself, or a revisit).
 */
async function tryContexts(
  contexts: ReflectionContext[],
  profile: FilterProfile,
  perContext: number,
  send: (payload: string) => Promise<HttpExchange | null>,
  judge: (ex: HttpExchange) => Promise<HttpResponseData | null>,
  signal: AbortSignal,
): Promise<(Attempt & { page: HttpResponseData }) | null> {
  const tried = new Set<string>();
  for (const context of contexts) {
    const k: XssMarkers = { t: `wsc${randomToken(6)}`, m: `wsc${randomToken(6)}`, n: String(randomNumber(100_000_000, 999_999_999)) };
    let sent = 0;
    for (const { payload: template, family } of payloadsFor(context, k)) {
      if (signal.aborted || sent >= perContext) break;
      const payload = profile.fit(template);
      if (!profile.passes(payload)) continue;
      const shape = payload.split(k.t).join('T').split(k.m).join('M').split(k.n).join('N');
      if (tried.has(shape)) continue;
      tried.add(shape);
      sent++;
      const ex = await send(payload);
      if (!ex) continue;
      const page = await judge(ex);
      if (!page || !htmlish(page)) continue;
      const formed = confirmFormed(page.body, k);
      if (formed) return { ex, payload, family, proof: formed.what, context, page };
    }
  }
  return null;
}

async function reflected(ctx: CheckContext, ap: AttackPoint): Promise<FindingDraft | null> {
  const found = await findReflection(ctx, ap);
  if (!found) return null;
  const { probe, canary, prefix, requirement } = found;
  let repeat = found.repeat;
  const contexts = reflectionContexts(probe.response.body, canary);
  if (contexts.length === 0) return null;
  const once = (p: string): Promise<HttpExchange | null> => trySend(ctx, ap.point.build(prefix + p));
  // a value shown only on its repeat (a duplicate-entry error) is judged on the second answer
  const twice = async (p: string): Promise<HttpExchange | null> => ((await once(p)) ? once(p) : null);
  const send = repeat ? twice : once;
  // the probe's quotes may break a query behind the page: an answer that no longer holds the value
  // where the canary was (an error page showing it escaped) is another code path
  // where a value lands, whatever comes after its start (a later quote changes a script's state)
  const place = (c: ReflectionContext): string => (c.kind === 'attr' ? `attr ${c.tag} ${c.name} ${c.quote}` : c.kind === 'script' ? 'script' : c.kind === 'rcdata' ? `rcdata ${c.tag}` : c.kind);
  const where = new Set(contexts.map(place));
  const times = probe.response.body.split(canary).length;
  const samePage = (ex: HttpExchange, markers: readonly string[]): boolean =>
    ex.response.status === probe.response.status &&
    // as many reflections as the canary had, each in the same contexts
    markers.every((marker) => {
      if (ex.response.body.split(marker).length !== times) return false;
      const seen = new Set(reflectionContexts(ex.response.body, marker).map(place));
      return [...where].every((c) => seen.has(c));
    });
  const learnt = await learnFilter((v) => send(requirement ? v + requirement.pad : v), '', XSS_TOKENS, probe, { samePage });
  const profile = requirement ? { ...learnt, requirement, passes: (v: string) => requirement.test.test(v) && learnt.passes(v), fit: (v: string) => (requirement.test.test(v) ? v : v + requirement.pad) } : learnt;
  // the families beyond the two commonest payloads are for points where a filter was seen
  const filteredPoint = requirement !== null || prefix !== '' || learnt.filtered;
  let hit = await tryContexts(contexts, profile, filteredPoint ? PER_CONTEXT : 2, send, async (ex) => ex.response, ctx.signal);
  if (!hit && !repeat && isFormPost(ap) && !ctx.signal.aborted) {
    // A form that shows the value safely the first time ("Account created for x") may show it again,
    // unencoded, when the same value comes a second time ("Duplicate entry 'x'"): the probe's value
    // once more tells, and only a new reflection earns payloads sent twice each.
    const again = await once(canary);
    const before = (body: string): Set<string> => {
      const out = new Set<string>();
      for (let i = body.indexOf(canary); i >= 0; i = body.indexOf(canary, i + canary.length)) out.add(body.slice(Math.max(0, i - 24), i));
      return out;
    };
    const seen = before(probe.response.body);
    if (again && htmlish(again.response) && [...before(again.response.body)].some((b) => !seen.has(b))) {
      repeat = true;
      // what the first answer encoded says nothing of the repeat's: its two commonest payloads per context
      hit = await tryContexts(reflectionContexts(again.response.body, canary), OPEN_PROFILE, 2, twice, async (ex) => ex.response, ctx.signal);
    }
  }
  if (!hit) return null;
  const csp = headerValue(hit.page, 'content-security-policy');
  const filter = requirement
    ? `input filter accepts only values holding ${requirement.name}${learnt.filtered ? `; ${learnt.describe()}` : ''}`
    : prefix !== '' && !learnt.filtered
      ? 'input filter refuses values without what the original value holds'
      : learnt.describe();
  const filtered = requirement !== null || learnt.filtered || prefix !== '';
  return {
    url: hit.ex.request.url,
    method: hit.ex.request.method,
    parameter: ap.point.name,
    location: ap.point.location,
    payload: prefix + hit.payload,
    evidence: {
      request: renderRequest(hit.ex.request),
      response: renderResponse(hit.ex.response),
      proof: `${hit.payload}\n${hit.proof}: the canary ${canary} was reflected in ${describe(hit.context)} and the payload broke out of it.${repeat ? ' The value comes back only when the same form is submitted a second time (the first submission stored it, the repeat is refused with the value in the message): each payload was sent twice and the second answer is shown.' : ''}${filtered ? ` ${prefix !== '' ? `The plain value was refused; the payload follows the original value "${prefix}". ` : ''}${filter[0]!.toUpperCase()}${filter.slice(1)}: passed with the ${hit.family} payload.` : ''}${csp ? ` (A Content-Security-Policy is set: "${csp.slice(0, 120)}"; it limits, not fixes, this.)` : ''}`,
    },
    extra: { kind: 'reflected', context: describe(hit.context), family: hit.family, ...(filtered ? { filter } : {}), ...(repeat ? { onRepeat: true } : {}) },
  };
}

/** Form submissions with body fields we can fill: the only way to store something. */
function forms(ctx: CheckContext): CrawledRequest[] {
  return ctx.requests.filter((r) => (r.bodyKind === 'urlencoded' || r.bodyKind === 'multipart') && (r.fields ?? []).some((f) => f.filename === undefined));
}

/**
 * Pages to revisit, nearest the forms first: the pages a form was found on, then pages in a form
 * action's own folder, then the rest (a form posting to the root must not make every page "near").
 */
function htmlPages(ctx: CheckContext, targets: CrawledRequest[]): string[] {
  const dirOf = (u: string): string => u.split(/[?#]/)[0]!.replace(/[^/]*$/, '');
  const referers = new Set(targets.map((f) => f.referer));
  const folders = new Set(targets.map((f) => dirOf(f.url)));
  const near = (url: string): number => (referers.has(url) ? 2 : folders.has(dirOf(url)) ? 1 : 0);
  const ordered = [...ctx.pages].sort((a, b) => near(b.request.url) - near(a.request.url));
  const urls: string[] = [];
  for (const p of ordered) {
    if (p.request.method.toUpperCase() !== 'GET' || !htmlish(p.response) || urls.includes(p.request.url)) continue;
    urls.push(p.request.url);
    if (urls.length >= MAX_STORED_PAGES) break;
  }
  return urls;
}

async function* stored(ctx: CheckContext, skip: Set<string>): AsyncGenerator<FindingDraft> {
  const targets = forms(ctx);
  if (targets.length === 0) return;
  // every text field of every form gets a canary of its own, in one submission per form
  const canaries = new Map<string, { form: CrawledRequest; field: string }>();
  for (const form of targets) {
    if (ctx.signal.aborted) return;
    const fields = (form.fields ?? []).map((f) => {
      if (f.filename !== undefined) return f;
      const c = `wsc${randomToken(10)}`;
      canaries.set(c, { form, field: f.name });
      return { ...f, value: f.value + c };
    });
    await trySend(ctx, ctx.toSpec({ ...form, fields }), { followRedirects: false });
  }
  const pages = htmlPages(ctx, targets);
  const hits: { form: CrawledRequest; field: string; page: string; canary: string; body: string }[] = [];
  for (const url of pages) {
    if (ctx.signal.aborted) return;
    const ex = await trySend(ctx, { method: 'GET', url }, { followRedirects: false });
    if (!ex || !htmlish(ex.response)) continue;
    for (const [c, where] of canaries) if (ex.response.body.includes(c)) hits.push({ ...where, page: url, canary: c, body: ex.response.body });
  }
  for (const hit of hits) {
    if (ctx.signal.aborted) return;
    const key = pointKey(ctx, hit.form.url, hit.field);
    if (skip.has(key)) continue;
    const point = ctx.insertionPoints(hit.form).find((p) => (p.location === 'body' || p.location === 'multipart') && p.name === hit.field);
    if (!point) continue;
    const contexts = reflectionContexts(hit.body, hit.canary);
    const found = await tryContexts(
      contexts,
      OPEN_PROFILE,
      // each try is a submission and a revisit: the two commonest payloads per context
      2,
      (p) => trySend(ctx, point.build(point.value + p), { followRedirects: false }),
      async () => (await trySend(ctx, { method: 'GET', url: hit.page }, { followRedirects: false }))?.response ?? null,
      ctx.signal,
    );
    if (!found) continue;
    skip.add(key);
    yield {
      url: found.ex.request.url,
      method: found.ex.request.method,
      parameter: point.name,
      location: point.location,
      payload: found.payload,
      evidence: {
        request: renderRequest(found.ex.request),
        response: renderResponse(found.page),
        proof: `${found.payload}\n${found.proof} ${hit.page} after this submission (stored XSS): the canary ${hit.canary} sent in ${point.name} came back in ${describe(found.context)} of that page. The response shown is the revisited page.`,
      },
      extra: { kind: 'stored', shownOn: hit.page, context: describe(found.context) },
    };
  }
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  // Headers (User-Agent, Referer: pages echo them in footers and back links) once per path, and of
  // the path only what follows a script's name (PATH_INFO), once per path too.
  const points = attackPoints(ctx, { locations: ['query', 'body', 'multipart', 'json', 'header', 'path'], headersOncePerPath: true }).filter(
    (ap) => ap.point.location !== 'path' || ap.point.name === 'PATH_INFO',
  );
  const found = new Set<string>();
  const pathInfoTried = new Set<string>();
  let done = 0;
  for (const ap of points) {
    if (ctx.signal.aborted) return;
    ctx.progress?.(done++, points.length + 1);
    const path = new URL(ap.request.url).pathname;
    const key = pointKey(ctx, ap.request.url, ap.point.name);
    if (found.has(key)) continue;
    if (ap.point.name === 'PATH_INFO') {
      if (pathInfoTried.has(path)) continue;
      pathInfoTried.add(path);
    }
    const f = await reflected(ctx, ap);
    if (f) {
      found.add(key);
      yield f;
    }
  }
  yield* stored(ctx, found);
  ctx.progress?.(1, 1);
}

export const xss: Check = { meta, run };
