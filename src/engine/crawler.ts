// Breadth-first crawl of one origin through a ScanSession: links, forms, scripts, robots.txt and
// sitemaps become attack targets (de-duplicated by method, path and parameter names, except where
// the pages behind one such key differ in structure: see crawl/structure.ts) and pages.
import type { CrawledPage } from '../checks/types.js';
import type { CrawledRequest, HttpResponseData } from '../core/model.js';
import { sharedExtractor, type Extractor } from './crawl/extractor.js';
import { HashSet53 } from './crawl/hash-set.js';
import { fetchHash, hash53, isStaticResource, patternKey, resolveUrl, targetKey } from './crawl/normalize.js';
import { pageLinks, type LinkCandidate, type PageKind, type PageLinks } from './crawl/page-links.js';
import { parseRobots, parseSitemap, sitemapText } from './crawl/robots.js';
import { codePathOf, learnCodePath, MAX_STRUCTURES, pageStructure, type CodePaths } from './crawl/structure.js';
import { keptResponse } from './crawl/kept-page.js';
import { AbortError, isTextContentType, TimeoutError, TransportError, type PipelineLane } from './http.js';
import { TargetDownError } from './health.js';
import { BudgetError, type ScanSession, type Via } from './session.js';
import { CrawlError, type CollectedUrl, type EngineLimits } from './types.js';

export interface CrawlResult {
  requests: CrawledRequest[];
  pages: CrawledPage[];
  urls: CollectedUrl[];
  /** Parameters whose values chose structurally distinct pages, by path (see crawl/structure.ts). */
  codePaths: CodePaths;
  limitReached?: string;
  /** Links not fetched because of a limit: past maxDepth (distinct URLs) or past a pattern's trap quota. */
  pagesSkipped: number;
}

export interface CrawlOptions {
  startUrl: string;
  limits: EngineLimits;
  onProgress?(count: number): void;
  signal: AbortSignal;
  /** Reads pages for links; the process-wide worker threads by default (see crawl/extractor.ts). */
  extractor?: Extractor;
  /** Targets known beforehand (src/engine/seeds): considered at depth 0, like the StartUrl; GETs fetched. */
  seeds?: CrawledRequest[];
  /** Handed the running crawl, so live statistics can read its counters (see CrawlCounters). */
  onCrawl?(c: CrawlCounters): void;
  /**
   * Answers of pages an interrupted run of this job fetched, by URL: served from here instead of
   * the target, so a resumed crawl walks the same links without sending their requests again.
   */
  replay?: ReadonlyMap<string, HttpResponseData>;
  /** Each page as it is recorded (what a checkpoint saves while the crawl runs). */
  onPage?(page: CrawledPage): void;
}

/** What a running crawl tells about its progress. */
export interface CrawlCounters {
  readonly urls: readonly CollectedUrl[];
  readonly pagesSkipped: number;
}

type TaskKind = 'page' | 'script' | 'robots' | 'sitemap';

interface Task {
  kind: TaskKind;
  req: CrawledRequest;
  /** req.url parsed, when consider() had it: the fetch need not parse it again. */
  parsed?: URL;
  /** The URL pattern of a page, whose structure is evidence against it being a trap. */
  pattern?: PatternState;
  /** hash53 of a page's targetKey, when its URL has a query: its structure may make it a target. */
  tkey?: number;
  /** req is among the crawl's attack targets. */
  target?: boolean;
}

/** One URL pattern (patternKey): how many variants were admitted, and what their pages showed. */
interface PatternState {
  admitted: number;
  /** Pages of the pattern read for links. */
  read: number;
  /** The first page's structure; `more` holds the others, once there are (most patterns have one page). */
  first: number;
  more: Set<number> | null;
  /** Variants past the quota, waiting for evidence that the pattern is no trap (GET pages only). */
  waiting: Deferred[] | null;
}

const newPattern = (admitted: number): PatternState => ({ admitted, read: 0, first: -1, more: null, waiting: null });

interface Deferred {
  c: Candidate;
  u: URL;
  method: string;
  seenKey: number;
}

/** The structures seen behind one GET targetKey, each with the URL of the page that showed it first. */
type TargetStructures = Map<number, URL>;

/** A link on its way into consider(): what pageLinks found, plus where the crawl met it. */
interface Candidate extends Omit<LinkCandidate, 'rawKey'> {
  depth: number;
  referer?: string;
  headerParams?: string[];
}

const MAX_SITEMAPS = 100;
const XML_LEAF = /<([A-Za-z_][\w.:-]{0,100})(?:\s[^<>]{0,500})?>[^<>]{0,2000}<\/\1\s*>/g;
/**
 * Variants of one URL pattern fetched at most, however many structures they show, as a multiple of
 * maxVariantsPerPattern (the quota a pattern has without evidence).
 */
const TRAP_HARD_CAP = 10;
const MAX_SCRIPTS = 2000;

/**
 * The names a request's body contributes to its target key: form fields, an XML body's leaf
 * elements (two SOAP operations on one path are two targets), a JSON object's keys. The browser
 * crawl's targets are merged with the crawler's by the same key (see browser/merge.ts).
 */
export function requestBodyNames(c: Pick<CrawledRequest, 'bodyKind' | 'fields' | 'rawBody'>): string[] {
  const bodyNames: string[] = [];
  if (c.fields !== undefined) for (const f of c.fields) bodyNames.push(f.name);
  if (c.bodyKind === 'xml' && c.rawBody) for (const m of c.rawBody.matchAll(XML_LEAF)) bodyNames.push(m[1] as string);
  if (c.bodyKind === 'json' && c.rawBody) {
    try {
      const parsed: unknown = JSON.parse(c.rawBody);
      if (parsed !== null && typeof parsed === 'object') bodyNames.push(...Object.keys(parsed));
    } catch {
      // not JSON after all: the body is kept as raw text and contributes no names
    }
  }
  return bodyNames;
}

function isHtml(res: HttpResponseData): boolean {
  const ct = (res.headers['content-type'] ?? '').toLowerCase();
  if (ct.includes('html')) return true;
  return ct === '' && /^\s*</.test(res.body.slice(0, 512));
}

function isJavaScript(res: HttpResponseData, url: string): boolean {
  const ct = (res.headers['content-type'] ?? '').toLowerCase();
  return /javascript|ecmascript/.test(ct) || (!ct.includes('html') && /\.m?js$/i.test(new URL(url).pathname));
}

/** A fetch's failure carried as a value (see Crawl.worker). */
class Thrown {
  constructor(readonly err: unknown) {}
}
const thrown = (err: unknown): Thrown => new Thrown(err);

/** Pages read off-thread and not yet applied, past which a crawl loop waits before fetching more. */
const MAX_READING = 256;

class Crawl {
  readonly requests: CrawledRequest[] = [];
  readonly pages: CrawledPage[] = [];
  readonly urls: CollectedUrl[] = [];
  limitReached: string | undefined;
  private readonly queue: (Task | undefined)[] = [];
  private head = 0;
  private active = 0;
  private stopped = false;
  // Hashes of keys, not the keys: see hash53. Sized for the crawl's URL budget (up to 64k keys,
  // 1 MB a set) so that a crawl does not rehash them a dozen times on the way up.
  private readonly seen: HashSet53;
  private readonly fetched: HashSet53;
  private readonly targets: HashSet53;
  /** Raw keys of hrefs (see pageLinks) whose URL is in `seen`. */
  private readonly linkSeen: HashSet53;
  /** Distinct URLs met past maxDepth (counted for scan health, at most 65,536). */
  private readonly depthCut = new HashSet53();
  private readonly patterns = new Map<number, PatternState>();
  private readonly structures = new Map<number, TargetStructures>();
  readonly codePaths: CodePaths = new Map();
  private readonly hardCap: number;
  private wake: (() => void)[] = [];
  private reading = 0;
  private readonly extractor: Extractor;
  private sitemaps = 0;
  private scripts = 0;
  private readonly deadline: number;
  trapped = 0;

  constructor(
    private readonly session: ScanSession,
    private readonly opts: CrawlOptions,
  ) {
    this.deadline = Date.now() + opts.limits.maxDurationMs;
    const expected = Math.min(opts.limits.maxUrls, 65_536);
    this.seen = new HashSet53(expected);
    this.fetched = new HashSet53(expected);
    this.targets = new HashSet53(expected);
    this.linkSeen = new HashSet53(expected);
    this.extractor = opts.extractor ?? sharedExtractor();
    this.hardCap = opts.limits.maxVariantsPerPattern * TRAP_HARD_CAP;
  }

  private stop(why: string | undefined): void {
    if (why !== undefined && this.limitReached === undefined) this.limitReached = why;
    this.stopped = true;
    this.notify();
    this.unpark();
    this.onStop?.();
    this.onStop = null;
  }

  /** Resolves `stopping`. */
  private onStop: (() => void) | null = null;
  /** Settles when the crawl stops: a loop waiting on extraction threads stops waiting then. */
  private readonly stopping = new Promise<void>((r) => {
    this.onStop = r;
  });

  /** Loops parked while the crawl pipelines (see worker). */
  private parked: (() => void)[] = [];

  private unpark(): void {
    if (this.parked.length === 0) return;
    const p = this.parked;
    this.parked = [];
    for (const f of p) f();
  }

  private notify(): void {
    // called for every queued page; mostly nobody waits
    if (this.wake.length === 0) return;
    const w = this.wake;
    this.wake = [];
    for (const f of w) f();
  }

  private push(task: Task): void {
    this.queue.push(task);
    this.notify();
  }

  /**
   * Applies scope, depth, de-duplication, trap and size limits; records and maybe queues it.
   * True when the candidate is (now) in the seen-set, so the same link met again ends at that check.
   */
  consider(c: Candidate): boolean {
    if (this.stopped) return false;
    const { limits } = this.opts;
    if (c.depth > limits.maxDepth) {
      this.countDepthCut(c);
      return false;
    }
    const u = c.parsed ?? new URL(c.url);
    const method = c.method.toUpperCase();
    const bodyNames = requestBodyNames(c);
    const seenKey = c.seenKey !== undefined && method === 'GET' && bodyNames.length === 0 ? c.seenKey : fetchHash(method, u, bodyNames);
    // the seen-check first: most links on a page point at pages already collected
    if (this.seen.has(seenKey)) return true;
    if (!this.session.scope.allowFollow(u, c.linkText)) return false;
    if (isStaticResource(u)) {
      this.seen.add(seenKey);
      this.collect(method, c.url);
      return true;
    }
    const fetchPage = c.fetch && method === 'GET';
    // A form or call that is not fetched has no structure of its own: where its query carries a
    // known code path (page=login.php), that path is part of its target and of its pattern (the
    // code paths are bounded by the structures the crawl saw; see crawl/structure.ts).
    const route = !fetchPage && u.search !== '' && this.codePaths.size > 0 ? codePathOf(this.codePaths, u) : '';
    const shape = patternKey(method, u, bodyNames);
    const pattern = hash53(route === '' ? shape : shape + '\u0000' + route);
    let ps = this.patterns.get(pattern);
    if (ps === undefined) {
      ps = newPattern(0);
      this.patterns.set(pattern, ps);
    }
    if (ps.admitted >= this.quota(ps)) {
      this.trapped++;
      // A page past the quota waits for its pattern's pages to show new structures (then it is
      // no trap, see observe); others are cut, as is everything past the hard cap.
      if (!fetchPage || bodyNames.length > 0) return false;
      ps.waiting ??= [];
      if (ps.admitted + ps.waiting.length >= this.hardCap) return false;
      ps.waiting.push({ c, u, method, seenKey });
      this.seen.add(seenKey);
      return true;
    }
    return this.admit(c, u, method, bodyNames, seenKey, ps, route);
  }

  /** Links past maxDepth never reach the seen-set: a set of their own counts each URL once. */
  private countDepthCut(c: Candidate): void {
    if (this.depthCut.size >= 65_536) return;
    const key = c.seenKey ?? fetchHash(c.method.toUpperCase(), c.parsed ?? new URL(c.url), c.fields?.map((f) => f.name) ?? []);
    if (!this.seen.has(key)) this.depthCut.add(key);
  }

  get pagesSkipped(): number {
    return this.depthCut.size + this.trapped;
  }

  /**
   * Variants a pattern may have: maxVariantsPerPattern for each distinct structure its pages
   * showed, at most the hard cap. A catalogue (one structure) stays at maxVariantsPerPattern; an
   * app whose index.php?page=NAME serves forty kinds of page among a hundred plain ones earns room
   * for all of them, however the plain ones are ordered. (A window past the last new structure
   * starved such apps: twenty plain pages in a row and the rest of the menu was never read.)
   */
  private quota(ps: PatternState): number {
    const q = this.opts.limits.maxVariantsPerPattern;
    const structures = ps.first < 0 ? 1 : 1 + (ps.more?.size ?? 0);
    return Math.min(this.hardCap, q * structures);
  }

  /** The rest of consider(), for a candidate its pattern has room for. */
  private admit(c: Candidate, u: URL, method: string, bodyNames: string[], seenKey: number, ps: PatternState, route = ''): boolean {
    const fetchPage = c.fetch && method === 'GET';
    const tk = targetKey(method, u, bodyNames);
    const tkey = hash53(route === '' ? tk : tk + '\u0000' + route);
    const isNewTarget = !this.targets.has(tkey);
    if (isNewTarget && this.targets.size >= this.opts.limits.maxUrls) {
      this.stop('maxUrls');
      return false;
    }
    ps.admitted++;
    this.seen.add(seenKey);
    const req: CrawledRequest = { method, url: c.url, source: c.source, depth: c.depth };
    if (c.referer !== undefined) req.referer = c.referer;
    if (c.bodyKind !== undefined) req.bodyKind = c.bodyKind;
    if (c.fields !== undefined) req.fields = c.fields;
    if (c.rawBody !== undefined) req.rawBody = c.rawBody;
    if (c.absentQuery !== undefined) req.absentQuery = c.absentQuery;
    if (c.headers !== undefined) req.headers = c.headers;
    if (c.headerParams !== undefined) req.headerParams = c.headerParams;
    if (isNewTarget) {
      this.targets.add(tkey);
      this.requests.push(req);
    }
    this.collect(method, c.url);
    if (fetchPage) {
      this.fetched.add(bodyNames.length === 0 ? seenKey : fetchHash('GET', u));
      const task: Task = { kind: 'page', req, parsed: u, pattern: ps, target: isNewTarget };
      if (u.search !== '' && bodyNames.length === 0) task.tkey = tkey;
      this.push(task);
    }
    return true;
  }

  /**
   * A page's structure, once read: evidence for its pattern (a new structure lets waiting variants
   * in) and, behind a targetKey already taken, a new structure makes the page a target of its own
   * and teaches the crawl which parameters choose the code path.
   */
  private observe(task: Task, sig: number): void {
    const ps = task.pattern;
    if (ps === undefined) return;
    ps.read++;
    let isNew = false;
    if (ps.first < 0) {
      ps.first = sig;
      isNew = true;
    } else if (sig !== ps.first && (ps.more?.size ?? 0) < MAX_STRUCTURES - 1 && ps.more?.has(sig) !== true) {
      (ps.more ??= new Set()).add(sig);
      isNew = true;
    }
    if (isNew) this.release(ps);
    if (task.tkey === undefined) return;
    let seen = this.structures.get(task.tkey);
    if (seen === undefined) {
      seen = new Map();
      this.structures.set(task.tkey, seen);
    }
    if (seen.has(sig) || seen.size >= MAX_STRUCTURES) return;
    const u = task.parsed ?? new URL(task.req.url);
    for (const other of seen.values()) learnCodePath(this.codePaths, other, u);
    seen.set(sig, u);
    if (task.target !== true && this.requests.length < this.opts.limits.maxUrls) {
      task.target = true;
      this.requests.push(task.req);
    }
  }

  /** Admits the waiting variants of a pattern its new quota has room for. */
  private release(ps: PatternState): void {
    const w = ps.waiting;
    if (w === null || w.length === 0) return;
    const quota = this.quota(ps);
    let i = 0;
    while (i < w.length && ps.admitted < quota && !this.stopped) {
      const d = w[i++] as Deferred;
      this.trapped--;
      this.admit(d.c, d.u, d.method, [], d.seenKey, ps);
    }
    w.splice(0, i);
  }

  private collect(method: string, url: string): void {
    this.urls.push({ method, url });
    this.opts.onProgress?.(this.urls.length);
  }

  private queueAux(kind: TaskKind, url: string, depth: number, referer?: string): void {
    if (this.stopped || !this.session.scope.inScope(url)) return;
    const key = fetchHash('GET', new URL(url));
    if (this.fetched.has(key)) return;
    if (kind === 'sitemap' && ++this.sitemaps > MAX_SITEMAPS) return;
    if (kind === 'script' && ++this.scripts > MAX_SCRIPTS) return;
    this.fetched.add(key);
    const req: CrawledRequest = { method: 'GET', url, source: kind, depth };
    if (referer !== undefined) req.referer = referer;
    this.push({ kind, req });
  }

  /**
   * Fetches one task; null when the request failed in a way the crawl survives. With a lane, the
   * request is pipelined on it (see ScanSession.lane); unless the scheduler makes it wait, it is
   * handed to the connection before this returns, so a batch's requests leave together.
   */
  private async fetch(task: Task, lane: PipelineLane | null = null): Promise<HttpResponseData | null> {
    const piped = lane !== null && !lane.broken;
    const left = this.deadline - Date.now();
    if (left <= 0) {
      this.stop('maxDurationMs');
      return null;
    }
    if (task.kind === 'page') {
      const replayed = this.opts.replay?.get(task.req.url);
      if (replayed !== undefined) return replayed;
    }
    const headers: Record<string, string> = {};
    if (task.req.referer !== undefined) headers['Referer'] = task.req.referer;
    const via: Via = { lane };
    if (task.parsed !== undefined) via.parsed = task.parsed;
    try {
      const ex = await this.session.send({ method: 'GET', url: task.req.url, headers }, { followRedirects: true, timeoutMs: Math.min(this.opts.limits.requestTimeoutMs, left) }, via);
      return ex.response;
    } catch (err) {
      if (err instanceof AbortError || this.opts.signal.aborted) throw err instanceof AbortError ? err : new AbortError();
      // pipelining failed on this target (see PipelineLane): the page is asked for again, alone
      if (piped && lane.broken && (err instanceof TimeoutError || err instanceof TransportError)) return this.fetch(task, null);
      if (err instanceof BudgetError) {
        this.stop('maxRequests');
        return null;
      }
      if (err instanceof TargetDownError) {
        this.stop('targetDown');
        return null;
      }
      if (Date.now() >= this.deadline) this.stop('maxDurationMs');
      if (task.req.source === 'start') throw err;
      return null;
    }
  }

  /**
   * Everything a response tells us about further URLs. Headers, robots.txt and sitemaps are read
   * here; pages and scripts go to the extractor, and the promise settles once their links are in.
   */
  process(task: Task, res: HttpResponseData): Promise<void> | null {
    const { req } = task;
    const depth = req.depth + 1;
    const pageUrl = res.url;
    for (const hop of res.redirects) {
      this.fetched.add(fetchHash('GET', new URL(hop)));
      this.consider({ method: 'GET', url: hop, source: 'redirect', depth: req.depth, referer: req.url, fetch: false });
    }
    const location = res.headers['location'];
    const contentLocation = res.headers['content-location'];
    for (const v of [location, contentLocation]) {
      const u = v === undefined ? null : resolveUrl(v, pageUrl);
      if (u) this.consider({ method: 'GET', url: u, source: 'redirect', depth, referer: pageUrl, fetch: true });
    }
    if (task.kind === 'robots') {
      if (res.status !== 200) return null;
      const info = parseRobots(res.body);
      for (const p of info.paths) {
        const u = resolveUrl(p, pageUrl);
        if (u) this.consider({ method: 'GET', url: u, source: 'robots', depth: 1, fetch: true });
      }
      for (const s of info.sitemaps) {
        const u = resolveUrl(s, pageUrl);
        if (u) this.queueAux('sitemap', u, 1);
      }
      return null;
    }
    if (task.kind === 'sitemap') {
      if (res.status !== 200) return null;
      const info = parseSitemap(sitemapText(res.body, this.opts.limits.maxResponseBytes));
      for (const loc of info.locs) {
        const u = resolveUrl(loc, pageUrl);
        if (!u) continue;
        if (info.index) this.queueAux('sitemap', u, 1);
        else this.consider({ method: 'GET', url: u, source: 'sitemap', depth: 1, fetch: true });
      }
      return null;
    }
    let kind: PageKind | null = null;
    if (task.kind === 'script' || isJavaScript(res, pageUrl)) kind = 'js';
    else if (isHtml(res)) kind = 'html';
    if (kind === null || res.body === '') return null;
    const maxCandidates = this.opts.limits.maxUrls;
    if (res.body.length < this.extractor.minChars) {
      this.apply(pageLinks(kind, res.body, pageUrl, this.knownLink, maxCandidates), pageUrl, depth, task, res);
      return null;
    }
    return this.extractor.extract({ kind, body: res.body, pageUrl, maxCandidates }).then((links) => this.apply(links, pageUrl, depth, task, res));
  }

  private readonly knownLink = (rawKey: number): boolean => this.linkSeen.has(rawKey);

  /** Feeds one page's links through consider(); a link already seen costs one hash-set lookup. */
  private apply(links: PageLinks, pageUrl: string, depth: number, task: Task, res: HttpResponseData): void {
    // Structure first: what the page teaches about code paths keys the forms it holds. A page
    // reached through a redirect shows another URL's structure, not its own.
    if (task.kind === 'page' && task.pattern !== undefined && res.redirects.length === 0 && !this.stopped) this.observe(task, pageStructure(links));
    for (const l of links.candidates) {
      if (this.stopped) return;
      if (l.seenKey !== undefined && this.seen.has(l.seenKey)) {
        if (l.rawKey !== undefined) this.linkSeen.add(l.rawKey);
        continue;
      }
      const c: Candidate = { method: l.method, url: l.url, source: l.source, depth, referer: l.source === 'script' ? links.base : pageUrl, fetch: l.fetch };
      if (l.linkText !== undefined) c.linkText = l.linkText;
      if (l.bodyKind !== undefined) c.bodyKind = l.bodyKind;
      if (l.fields !== undefined) c.fields = l.fields;
      if (l.rawBody !== undefined) c.rawBody = l.rawBody;
      if (l.absentQuery !== undefined) c.absentQuery = l.absentQuery;
      if (l.headers !== undefined) c.headers = l.headers;
      if (l.parsed !== undefined) c.parsed = l.parsed;
      if (l.seenKey !== undefined) c.seenKey = l.seenKey;
      if (this.consider(c) && l.rawKey !== undefined) this.linkSeen.add(l.rawKey);
    }
    for (const src of links.scripts) this.queueAux('script', src, depth, pageUrl);
    for (const k of links.skipped) this.session.log?.('info', 'a form submission was left out: ' + k.why, { url: k.url, page: pageUrl });
  }

  record(task: Task, res: HttpResponseData): void {
    if (task.kind !== 'page') return;
    const keep = isTextContentType(res.headers['content-type']) ? keptResponse(res) : { ...res, body: '' };
    const page = { request: task.req, response: keep };
    this.pages.push(page);
    this.opts.onPage?.(page);
  }

  private next(): Task | null {
    if (this.head >= this.queue.length) return null;
    const t = this.queue[this.head] as Task;
    this.queue[this.head++] = undefined;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return t;
  }

  /**
   * One of the crawl's loops (maxConcurrency of them). While the session advises pipelining (a
   * fast target, see ScanSession.pipelineAdvised), loops 0..batchLoops-1 each take up to `depth`
   * queued tasks, send them together on one lane and read the answers in order, and the other
   * loops park; otherwise every loop fetches one task at a time, as independent workers, so that a
   * slow page holds up nothing but itself. (Topping a batch up while half of it is still in flight
   * measured no faster: one write per batch is the point.)
   */
  async worker(index: number, depth: number, batchLoops: number): Promise<void> {
    const win: { task: Task; fetching: Promise<HttpResponseData | null | Thrown> }[] = [];
    const origin = this.session.scope.origin;
    try {
      for (;;) {
        let ending = this.stopped || this.opts.signal.aborted;
        if (!ending && Date.now() >= this.deadline) {
          this.stop('maxDurationMs');
          ending = true;
        }
        if (!ending && win.length === 0) {
          const batched = depth > 1 && this.session.pipelineAdvised(origin);
          if (batched && index >= batchLoops) {
            if (this.active === 0 && this.head >= this.queue.length) return this.notify();
            await new Promise<void>((r) => this.parked.push(r));
            continue;
          }
          const fresh: Task[] = [];
          const want = batched ? depth : 1;
          while (fresh.length < want) {
            const t = this.next();
            if (t === null) break;
            fresh.push(t);
          }
          if (fresh.length > 0) {
            this.active += fresh.length;
            const lane = batched ? this.session.lane(origin) : null;
            // A failure is kept as a value: a rejection of the batch's later fetches, while this
            // loop still waits on an earlier one, would go unobserved (and end the process).
            for (const t of fresh) win.push({ task: t, fetching: this.fetch(t, lane).then(undefined, thrown) });
          }
        }
        const w = win.shift();
        if (w === undefined) {
          if (ending) return;
          if (this.active === 0) return this.notify();
          await new Promise<void>((r) => this.wake.push(r));
          continue;
        }
        // (inline rather than a method: an async call per page is a promise and a tick more)
        const task = w.task;
        let reading: Promise<void> | null = null;
        try {
          const res = await w.fetching;
          if (res instanceof Thrown) throw res.err;
          if (res) {
            this.record(task, res);
            reading = this.process(task, res);
          }
        } finally {
          if (reading === null) this.settle();
        }
        if (reading !== null) await this.offThread(task, reading);
        // the target slowed down: the parked loops fetch one page each from now on
        if (this.parked.length > 0 && !this.session.pipelineAdvised(origin)) this.unpark();
      }
    } catch (err) {
      // The crawl ends with this error (an abort, or a fault reading a page): the other loops stop
      // too, parked ones included, and what is still in flight here is waited for and released.
      this.stop(undefined);
      const rest = win.splice(0);
      await Promise.all(rest.map((w) => w.fetching));
      for (let j = 0; j < rest.length; j++) this.settle();
      throw err;
    }
  }

  /**
   * A page read elsewhere (an extraction thread) while its loop fetches the next ones: it stays
   * `active` (the crawl is not over) until its links are in; past MAX_READING the loop waits.
   */
  private async offThread(task: Task, reading: Promise<void>): Promise<void> {
    this.reading++;
    const url = task.req.url;
    const done = reading
      .catch((err: unknown) => {
        this.session.log?.('debug', 'a page could not be read for links', { url, error: err instanceof Error ? err.message : String(err) });
      })
      .finally(() => {
        this.reading--;
        this.settle();
      });
    // a stop (abort, limits) must not wait for hundreds of pages queued in the threads
    if (this.reading > MAX_READING) await Promise.race([done, this.stopping]);
  }

  private settle(): void {
    this.active--;
    if (this.active === 0 && this.head >= this.queue.length) {
      this.notify();
      this.unpark();
    }
  }

  async run(): Promise<void> {
    const start = resolveUrl(this.opts.startUrl, this.opts.startUrl);
    if (!start) throw new CrawlError(`StartUrl ${this.opts.startUrl} is not an http(s) URL`);
    const why = this.session.scope.reason(start);
    if (why !== null) throw new CrawlError(`StartUrl ${start} is out of scope: ${why}`);
    const startReq: CrawledRequest = { method: 'GET', url: start, source: 'start', depth: 0 };
    const startParsed = new URL(start);
    this.seen.add(fetchHash('GET', startParsed));
    const startPattern = newPattern(1);
    this.patterns.set(hash53(patternKey('GET', startParsed)), startPattern);
    const startKey = hash53(targetKey('GET', startParsed));
    this.targets.add(startKey);
    this.fetched.add(fetchHash('GET', startParsed));
    this.requests.push(startReq);
    this.collect('GET', start);
    const startTask: Task = { kind: 'page', req: startReq, pattern: startPattern, target: true };
    if (startParsed.search !== '') startTask.tkey = startKey;
    let res: HttpResponseData | null;
    try {
      res = await this.fetch(startTask);
    } catch (err) {
      if (err instanceof AbortError) throw err;
      throw new CrawlError(`StartUrl ${start} could not be fetched: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!res) throw new CrawlError(`StartUrl ${start} could not be fetched: ${this.limitReached ?? 'no response'}`);
    this.record(startTask, res);
    await this.process(startTask, res);
    for (const s of this.opts.seeds ?? []) {
      // the user named them, as the StartUrl: depth 0
      const c: Candidate = { method: s.method, url: s.url, source: s.source, depth: 0, fetch: s.method.toUpperCase() === 'GET' && s.bodyKind === undefined };
      if (s.headers !== undefined) c.headers = s.headers;
      if (s.headerParams !== undefined) c.headerParams = s.headerParams;
      if (s.bodyKind !== undefined) c.bodyKind = s.bodyKind;
      if (s.fields !== undefined) c.fields = s.fields;
      if (s.rawBody !== undefined) c.rawBody = s.rawBody;
      try {
        this.consider(c);
      } catch (err) {
        this.session.log?.('debug', 'a seed was left out', { url: s.url, error: err instanceof Error ? err.message : String(err) });
      }
    }
    const origin = new URL(start).origin;
    this.queueAux('robots', origin + '/robots.txt', 1);
    this.queueAux('sitemap', origin + '/sitemap.xml', 1);

    const onAbort = (): void => this.stop(undefined);
    this.opts.signal.addEventListener('abort', onAbort, { once: true });
    const left = this.deadline - Date.now();
    const timer = setTimeout(() => this.stop('maxDurationMs'), Math.max(0, left));
    try {
      // Speed "3" on a fast target: 4 loops of 8 pipelined requests instead of 32 loops of one.
      const n = Math.max(1, this.session.scheduler.maxConcurrency);
      const depth = this.session.pipelining;
      const batchLoops = Math.max(1, Math.ceil(n / depth));
      const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => this.worker(i, depth, batchLoops)));
      if (this.opts.signal.aborted) throw new AbortError();
      for (const r of results) if (r.status === 'rejected') throw r.reason;
    } finally {
      clearTimeout(timer);
      this.opts.signal.removeEventListener('abort', onAbort);
    }
  }
}

/**
 * Crawls from opts.startUrl. Throws CrawlError when the StartUrl cannot be fetched, AbortError when
 * the job's signal fires; limits end the crawl early with `limitReached` set.
 */
export async function crawl(session: ScanSession, opts: CrawlOptions): Promise<CrawlResult> {
  if (opts.signal.aborted) throw new AbortError();
  const c = new Crawl(session, opts);
  opts.onCrawl?.(c);
  await c.run();
  const result: CrawlResult = { requests: c.requests, pages: c.pages, urls: c.urls, codePaths: c.codePaths, pagesSkipped: c.pagesSkipped };
  if (c.limitReached !== undefined) result.limitReached = c.limitReached;
  return result;
}
